//! `create_session` against servers that misbehave. Each case ends in its documented
//! error (or success), never a panic, never a hang past the deadline.

mod support;

use std::time::Duration;

use simplio3d::{Error, RetryPolicy, StatusCode};
use support::{API_KEY, Reply, Server, client, client_with, json_200, jwt, response};

/// Guards against hangs: every call must come back well within this.
const HANG_GUARD: Duration = Duration::from_secs(20);

async fn call(client: &simplio3d::Simplio3d) -> Result<simplio3d::Session, Error> {
    tokio::time::timeout(
        HANG_GUARD,
        client.create_session("edcfrt", "shop.example.com"),
    )
    .await
    .expect("create_session hung")
}

#[tokio::test]
async fn success_sends_the_raw_key_and_a_multipart_body() {
    let token = jwt(&format!(
        r#"{{"exp":{}}}"#,
        support::epoch_in(Duration::from_secs(3600))
    ));
    let body = format!(r#"{{"message":"Login Successful.","token":"{token}"}}"#);
    let server = Server::always(move || json_200(&body)).await;
    let session = call(&client(&server.url())).await.unwrap();

    assert_eq!(session.token.expose_secret(), token);
    assert_eq!(session.message.as_deref(), Some("Login Successful."));
    let left = session.expires_in().unwrap();
    assert!(
        left > Duration::from_secs(3500) && left <= Duration::from_secs(3600),
        "{left:?}"
    );

    let requests = server.requests();
    assert_eq!(requests.len(), 1);
    let request = &requests[0];
    assert!(
        request
            .head
            .starts_with("POST /api/open-api/v1/auth/create-session HTTP/1.1\r\n")
    );
    assert_eq!(
        request.header("authorization").as_deref(),
        Some(API_KEY),
        "raw key, no Bearer"
    );
    assert_eq!(request.header("api-version").as_deref(), Some("1.0.0"));
    assert!(
        request
            .header("user-agent")
            .unwrap()
            .starts_with("simplio3d-rust/")
    );
    let content_type = request.header("content-type").unwrap();
    assert!(
        content_type.starts_with("multipart/form-data; boundary="),
        "{content_type}"
    );
    let body = String::from_utf8_lossy(&request.body);
    assert!(body.contains("name=\"id\"\r\n\r\nedcfrt\r\n"), "{body}");
    assert!(
        body.contains("name=\"domain_name\"\r\n\r\nshop.example.com\r\n"),
        "{body}"
    );
}

#[tokio::test]
async fn base_url_path_stem_is_kept() {
    let server = Server::always(|| json_200(r#"{"token":"t"}"#)).await;
    let client = client(&format!("{}/proxy/stem/", server.url()));
    call(&client).await.unwrap();
    assert!(
        server.requests()[0]
            .head
            .starts_with("POST /proxy/stem/api/open-api/v1/auth/create-session ")
    );
}

#[tokio::test]
async fn invalid_input_sends_nothing() {
    let server = Server::always(|| json_200(r#"{"token":"t"}"#)).await;
    let client = client(&server.url());
    let err = client
        .create_session("", "shop.example.com")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidInput {
                field: "configurator_id",
                ..
            }
        ),
        "{err:?}"
    );
    let err = client
        .create_session("edcfrt", "shop.example.com:443")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            Error::InvalidInput {
                field: "domain_name",
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.count(), 0);
}

#[tokio::test]
async fn connection_reset_is_a_retried_connection_error() {
    let server = Server::always(|| Reply::Reset).await;
    let err = call(&client(&server.url())).await.unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    assert!(err.is_retryable());
    assert_eq!(server.count(), 3, "default policy: 3 attempts");
}

#[tokio::test]
async fn connection_refused_is_a_connection_error() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let err = call(&client(&url)).await.unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
}

#[tokio::test]
async fn truncated_body_is_a_retried_connection_error() {
    let server = Server::always(|| {
        Reply::Bytes(
            b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{\"token\":\"abc"
                .to_vec(),
        )
    })
    .await;
    let err = call(&client(&server.url())).await.unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err:?}");
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn endless_body_times_out_within_the_deadline() {
    let server = Server::always(|| Reply::Endless).await;
    let retry = RetryPolicy::default().deadline(Duration::from_secs(4));
    let started = std::time::Instant::now();
    let err = call(&client_with(&server.url(), retry)).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(err.is_retryable());
    // Correctness, not speed: the call must not outlive its deadline (plus scheduling slack).
    assert!(
        started.elapsed() < Duration::from_secs(4) + Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn server_that_never_answers_hits_the_overall_deadline() {
    let server = Server::always(|| Reply::Stall).await;
    let client = simplio3d::Simplio3d::builder()
        .api_key(API_KEY)
        .base_url(server.url())
        .timeout(Duration::from_secs(60))
        .retry(RetryPolicy::default().deadline(Duration::from_millis(800)))
        .build()
        .unwrap();
    let started = std::time::Instant::now();
    let err = call(&client).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn ten_megabyte_200_body_is_too_large() {
    let size = 10 * 1024 * 1024;
    let head = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {size}\r\nconnection: close\r\n\r\n"
    );
    let server = Server::always(move || Reply::Huge {
        head: head.clone().into_bytes(),
        size,
    })
    .await;
    let err = call(&client(&server.url())).await.unwrap_err();
    assert!(
        matches!(err, Error::ResponseTooLarge { limit: 1_048_576 }),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn non_json_200_is_a_decode_error_and_not_retried() {
    let server = Server::always(|| {
        response(
            "200 OK",
            &[("content-type", "text/html")],
            "<html>hello</html>",
        )
    })
    .await;
    let err = call(&client(&server.url())).await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn invalid_utf8_is_a_decode_error() {
    let server = Server::always(|| {
        response(
            "200 OK",
            &[("content-type", "application/json")],
            b"{\"token\":\"\xff\xfe\"}",
        )
    })
    .await;
    let err = call(&client(&server.url())).await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn token_that_is_not_a_header_value_is_a_decode_error() {
    let server = Server::always(|| json_200(r#"{"token":"abc\r\nX-Injected: 1"}"#)).await;
    let err = call(&client(&server.url())).await.unwrap_err();
    assert!(matches!(err, Error::Decode { .. }), "{err:?}");
}

#[tokio::test]
async fn ok_without_token_is_missing_token() {
    for body in [
        r#"{"message":"Login Successful."}"#,
        r#"{"token":""}"#,
        r#"{"token":null}"#,
    ] {
        let body = body.to_owned();
        let server = Server::always(move || json_200(&body)).await;
        let err = call(&client(&server.url())).await.unwrap_err();
        assert!(
            matches!(
                err,
                Error::MissingToken {
                    status: StatusCode::OK
                }
            ),
            "{err:?}"
        );
        assert_eq!(server.count(), 1, "not retried");
    }
}

#[tokio::test]
async fn html_500_is_a_retried_server_error() {
    let server = Server::always(|| {
        response(
            "500 Internal Server Error",
            &[("content-type", "text/html")],
            "<html><h1>Whoops</h1></html>",
        )
    })
    .await;
    let err = call(&client(&server.url())).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Server {
                status: StatusCode::INTERNAL_SERVER_ERROR,
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(server.count(), 3);
}

#[tokio::test]
async fn service_unavailable_then_ok_is_retried() {
    let server = Server::start(|n, _| match n {
        0 => response("503 Service Unavailable", &[], "busy"),
        _ => json_200(r#"{"token":"abc"}"#),
    })
    .await;
    let session = call(&client(&server.url())).await.unwrap();
    assert_eq!(session.token.expose_secret(), "abc");
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn too_many_requests_waits_for_retry_after() {
    let server = Server::start(|n, _| match n {
        0 => response("429 Too Many Requests", &[("retry-after", "1")], ""),
        _ => json_200(r#"{"token":"abc"}"#),
    })
    .await;
    let started = std::time::Instant::now();
    call(&client(&server.url())).await.unwrap();
    assert_eq!(server.count(), 2);
    // The backoff alone is at most 50 ms here, so a wait of a second is Retry-After's.
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn retry_after_past_the_deadline_gives_up_at_once() {
    let server =
        Server::always(|| response("429 Too Many Requests", &[("retry-after", "120")], "")).await;
    let err = call(&client(&server.url())).await.unwrap_err();
    assert!(
        matches!(err, Error::RateLimited { retry_after: Some(d) } if d == Duration::from_secs(120)),
        "{err:?}"
    );
    assert_eq!(err.status(), Some(StatusCode::TOO_MANY_REQUESTS));
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn forbidden_is_unauthorized_and_not_retried() {
    let server = Server::always(|| response("403 Forbidden", &[], "Unauthorized token")).await;
    let err = call(&client(&server.url())).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Unauthorized {
                status: StatusCode::FORBIDDEN
            }
        ),
        "{err:?}"
    );
    assert!(!err.is_retryable());
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn rejections_carry_the_server_message() {
    // The spec declares 400 without a body; the generated client still offers it (as a
    // stream), and the wrapper reads a bounded `message` from it.
    let server = Server::always(|| response("400 Bad Request", &[], r#"{"message":"bad"}"#)).await;
    let err = call(&client(&server.url())).await.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::Rejected {
                status: StatusCode::BAD_REQUEST,
                message: Some(message)
            } if message == "bad"
        ),
        "{err:?}"
    );
    assert_eq!(server.count(), 1);

    // A body that is not a JSON message gives no message, and no error of its own.
    let server = Server::always(|| response("400 Bad Request", &[], "<html>nope</html>")).await;
    let err = call(&client(&server.url())).await.unwrap_err();
    assert!(
        matches!(
            err,
            Error::Rejected {
                status: StatusCode::BAD_REQUEST,
                message: None
            }
        ),
        "{err:?}"
    );

    let server = Server::always(|| {
        response(
            "422 Unprocessable Entity",
            &[("content-type", "application/json")],
            r#"{"message":"The domain name field is required.","errors":{}}"#,
        )
    })
    .await;
    let err = call(&client(&server.url())).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "request rejected by the server (HTTP 422 Unprocessable Entity): The domain name field is required."
    );
}

#[tokio::test]
async fn request_timeout_status_is_retried() {
    let server = Server::start(|n, _| match n {
        0 => response("408 Request Timeout", &[], ""),
        _ => json_200(r#"{"token":"abc"}"#),
    })
    .await;
    call(&client(&server.url())).await.unwrap();
    assert_eq!(server.count(), 2);
}

#[tokio::test]
async fn redirect_is_not_followed_so_the_key_stays_home() {
    let elsewhere = Server::always(|| json_200(r#"{"token":"stolen"}"#)).await;
    for status in [
        "301 Moved Permanently",
        "302 Found",
        "307 Temporary Redirect",
        "308 Permanent Redirect",
    ] {
        let location = format!("{}/api/open-api/v1/auth/create-session", elsewhere.url());
        let server = Server::always(move || response(status, &[("location", &location)], "")).await;
        let err = call(&client(&server.url())).await.unwrap_err();
        assert!(
            matches!(err, Error::UnexpectedStatus { status } if status.is_redirection()),
            "{err:?}"
        );
        assert_eq!(server.count(), 1);
    }
    assert_eq!(
        elsewhere.count(),
        0,
        "no request, so no key, reached the redirect target"
    );
}

#[tokio::test]
async fn retries_can_be_turned_off() {
    let server = Server::always(|| response("503 Service Unavailable", &[], "")).await;
    let err = call(&client_with(&server.url(), RetryPolicy::disabled()))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::Server { .. }), "{err:?}");
    assert_eq!(server.count(), 1);
}

#[tokio::test]
async fn max_attempts_is_honoured() {
    let server = Server::always(|| response("502 Bad Gateway", &[], "")).await;
    let retry = RetryPolicy::default().max_attempts(5);
    call(&client_with(&server.url(), retry)).await.unwrap_err();
    assert_eq!(server.count(), 5);
}

/// A caller's own reqwest client, used as it is, still gets the key and the attempt
/// timeout through the generated client's hooks.
fn own_client_for(url: &str, http: reqwest::Client) -> simplio3d::Simplio3d {
    simplio3d::Simplio3d::builder()
        .api_key(API_KEY)
        .base_url(url)
        .timeout(Duration::from_millis(300))
        .retry(RetryPolicy::disabled())
        .http_client(http)
        .build()
        .unwrap()
}

#[tokio::test]
async fn a_callers_own_client_is_used_as_it_is_with_the_key_added() {
    let server = Server::always(|| json_200(r#"{"token":"t0k3n"}"#)).await;
    let http = reqwest::Client::builder()
        .user_agent("my-shop/1.0")
        .build()
        .unwrap();
    let session = call(&own_client_for(&server.url(), http)).await.unwrap();
    assert_eq!(session.token.expose_secret(), "t0k3n");
    let request = &server.requests()[0];
    assert_eq!(request.header("authorization").as_deref(), Some(API_KEY));
    assert_eq!(
        request.header("user-agent").as_deref(),
        Some("my-shop/1.0"),
        "the caller's own settings are kept"
    );
}

#[tokio::test]
async fn a_callers_own_client_gets_the_attempt_timeout() {
    let server = Server::always(|| Reply::Stall).await;
    // reqwest's default client has no timeout at all: ours must bound the attempt.
    let client = own_client_for(&server.url(), reqwest::Client::new());
    let err = call(&client).await.unwrap_err();
    assert!(matches!(err, Error::Timeout { .. }), "{err:?}");
}

#[tokio::test]
async fn a_callers_redirect_following_client_does_not_take_the_key_elsewhere() {
    let elsewhere = Server::always(|| json_200(r#"{"token":"elsewhere"}"#)).await;
    let location = format!("{}/api/open-api/v1/auth/create-session", elsewhere.url());
    let server =
        Server::always(move || response("303 See Other", &[("location", &location)], "")).await;
    // reqwest's default policy follows up to 10 redirects (a 303 as a GET: a multipart
    // body is a stream it cannot send twice); another port is another origin.
    let _ = call(&own_client_for(&server.url(), reqwest::Client::new())).await;
    let followed = elsewhere.requests();
    assert_eq!(
        followed.len(),
        1,
        "the caller's policy followed the redirect"
    );
    assert_eq!(
        followed[0].header("authorization"),
        None,
        "reqwest drops Authorization when the origin changes"
    );
}
