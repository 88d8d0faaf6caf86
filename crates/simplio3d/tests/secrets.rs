//! The API key and session tokens never reach logs, errors, `Debug` or `Display`: every
//! scenario runs under a TRACE subscriber that records everything (our spans and events,
//! and those of reqwest/hyper), and every error string is collected; neither may contain
//! a secret. The servers echo the key back to try to smuggle it into messages. Also here,
//! as it needs the same capture: the spans record the call and each attempt.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use simplio3d::{RetryPolicy, SessionCache};
use support::{API_KEY, Reply, Server, client_with, json_200, jwt, response};
use tracing_subscriber::fmt::MakeWriter;

#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<u8>>>);

impl Write for Capture {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Capture {
    type Writer = Capture;
    fn make_writer(&'a self) -> Capture {
        self.clone()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_secret_in_logs_or_errors() {
    let capture = Capture::default();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_span_events(tracing_subscriber::fmt::format::FmtSpan::FULL)
        .with_writer(capture.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_global_default(subscriber);

    let token = jwt(&format!(
        r#"{{"exp":{},"sub":"TOKEN-SUBJECT"}}"#,
        support::epoch_in(Duration::from_secs(3600))
    ));
    let mut texts: Vec<String> = Vec::new();

    // Success: the token comes back; its Session must not show it.
    let ok_body = format!(r#"{{"message":"hello {API_KEY}","token":"{token}"}}"#);
    let server = Server::always(move || json_200(&ok_body)).await;
    let client = client_with(&server.url(), RetryPolicy::default());
    let session = client
        .create_session("edcfrt", "shop.example.com")
        .await
        .unwrap();
    texts.push(format!("{session:?}"));
    texts.push(format!("{}", session.token));
    texts.push(format!("{:?}", session.token.bearer_header()));
    texts.push(format!("{client:?}"));
    assert_eq!(
        session.message.as_deref(),
        Some("hello [REDACTED]"),
        "echoed key scrubbed"
    );

    let cache = SessionCache::new(client.clone());
    let cached = cache.get("edcfrt", "shop.example.com").await.unwrap();
    texts.push(format!("{cached:?} {cache:?}"));

    // Every failure path, with the key echoed wherever a server could put it.
    let echo = API_KEY.to_owned();
    let scenarios: Vec<Box<dyn Fn() -> Reply + Send + Sync>> = vec![
        Box::new(|| Reply::Reset),
        Box::new(|| Reply::Endless),
        Box::new(move || {
            response(
                "422 Unprocessable Entity",
                &[],
                format!(r#"{{"message":"bad key {echo}"}}"#),
            )
        }),
        Box::new(|| response("400 Bad Request", &[], API_KEY)),
        Box::new(|| response("403 Forbidden", &[("x-echo", API_KEY)], API_KEY)),
        Box::new(|| response("500 Internal Server Error", &[], API_KEY)),
        Box::new(|| response("503 Service Unavailable", &[("retry-after", "0")], API_KEY)),
        Box::new(|| response("429 Too Many Requests", &[("retry-after", "0")], API_KEY)),
        Box::new(|| {
            response(
                "307 Temporary Redirect",
                &[("location", "http://127.0.0.1:9/x")],
                API_KEY,
            )
        }),
        Box::new(|| json_200(&format!(r#"{{"message":{{"{API_KEY}":1}}}}"#))),
        Box::new(|| json_200(&format!(r#"{{"token":{{"k":"{API_KEY}"}}}}"#))),
        Box::new(|| json_200(&format!(r#"{{"token":["{API_KEY}"]}}"#))),
        Box::new(|| json_200(&format!(r#"{{"token":1, "message":"{API_KEY}"}}"#))),
        Box::new(|| response("200 OK", &[], format!("<html>{API_KEY}</html>"))),
    ];
    for scenario in scenarios {
        let server = Server::always(scenario).await;
        let client = client_with(
            &server.url(),
            RetryPolicy::default()
                .max_attempts(2)
                .deadline(Duration::from_secs(3)),
        );
        let err = client
            .create_session("edcfrt", "shop.example.com")
            .await
            .unwrap_err();
        texts.push(err.to_string());
        texts.push(format!("{err:?}"));
        let mut source = std::error::Error::source(&err);
        while let Some(s) = source {
            texts.push(s.to_string());
            source = s.source();
        }
    }

    // Configuration errors with bad keys.
    for key in [format!(" {API_KEY}"), format!("{API_KEY}\n")] {
        let err = simplio3d::Simplio3d::builder()
            .api_key(key)
            .build()
            .unwrap_err();
        texts.push(format!("{err} {err:?}"));
    }

    let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
    assert!(logs.contains("simplio3d.call"), "the capture works: {logs}");
    assert!(logs.contains("attempt=2"), "attempt numbers are logged");
    assert!(logs.contains("status=503"), "statuses are logged");
    assert!(logs.contains("latency_ms="), "latencies are logged");
    for (name, secret) in [
        ("API key", API_KEY),
        ("token", token.as_str()),
        ("token payload", token.split('.').nth(1).unwrap()),
    ] {
        assert!(!logs.contains(secret), "{name} in logs:\n{logs}");
        for text in &texts {
            assert!(!text.contains(secret), "{name} in {text}");
        }
    }
}

/// The spans say what happened: the call records its attempts, final status and latency;
/// at DEBUG each attempt is a child span with its own; at INFO only the call span exists,
/// and the retry warning is logged inside it.
#[tokio::test]
async fn spans_record_the_call_and_each_attempt() {
    use tracing_subscriber::fmt::format::FmtSpan;

    for (level, with_attempts) in [(tracing::Level::DEBUG, true), (tracing::Level::INFO, false)] {
        let capture = Capture::default();
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(level)
            .with_span_events(FmtSpan::CLOSE)
            .with_writer(capture.clone())
            .with_ansi(false)
            .finish();
        let guard = tracing::subscriber::set_default(subscriber);
        let server = Server::start(|n, _| match n {
            0 => response("503 Service Unavailable", &[], "busy"),
            _ => json_200(r#"{"token":"abc"}"#),
        })
        .await;
        client_with(&server.url(), RetryPolicy::default())
            .create_session("edcfrt", "shop.example.com")
            .await
            .unwrap();
        drop(guard);

        let logs = String::from_utf8(capture.0.lock().unwrap().clone()).unwrap();
        let closes = logs
            .lines()
            .filter(|line| line.contains(" close time.busy="));
        let (attempts, call): (Vec<&str>, Vec<&str>) =
            closes.partition(|line| line.contains(":simplio3d.attempt{"));
        assert_eq!(call.len(), 1, "{level}: one call span\n{logs}");
        for field in ["attempts=2", "status=200", "latency_ms="] {
            assert!(call[0].contains(field), "{level}: {field} in {}", call[0]);
        }
        assert!(
            logs.lines()
                .any(|l| l.contains("simplio3d.call{") && l.contains("attempt failed; retrying")),
            "{level}: the retry is logged in the call span\n{logs}"
        );
        if with_attempts {
            assert_eq!(
                attempts.len(),
                2,
                "{level}: attempt spans nest in the call\n{logs}"
            );
            for (line, (number, status)) in attempts.iter().zip([(1, 503), (2, 200)]) {
                for field in [format!("attempt={number}"), format!("status={status}")] {
                    assert!(line.contains(&field), "{level}: {field} in {line}");
                }
            }
        } else {
            assert!(attempts.is_empty(), "{level}: no attempt spans\n{logs}");
        }
    }
}
