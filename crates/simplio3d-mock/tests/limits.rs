//! Hostile and slow clients: bounded bodies, bounded violation lists, bounded records, and
//! connections that end when a client stalls.

use std::time::Duration;

use serde_json::{Value, json};
use simplio3d_codegen::Source;
use simplio3d_mock::{MockConfig, MockServer, ViolationKind};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// A bound on how long a test may wait for something that must end, so that a regression
/// fails instead of hanging CI. Not a timing assertion.
const GUARD: Duration = Duration::from_secs(20);

fn numbers_spec() -> simplio3d_codegen::Spec {
    simplio3d_codegen::load(
        &Source {
            name: "numbers.yaml".into(),
            bytes: br#"
openapi: 3.0.0
info: { title: Numbers, version: 1.0.0 }
paths:
  /numbers:
    post:
      operationId: add_numbers
      requestBody:
        required: true
        content:
          application/json:
            schema: { type: array, items: { type: integer } }
      responses: { '204': { description: Stored }, '400': { description: Invalid } }
"#
            .to_vec(),
        },
        None,
    )
    .expect("spec")
}

async fn start(config: MockConfig) -> MockServer {
    MockServer::start(numbers_spec(), config)
        .await
        .expect("mock")
}

#[tokio::test]
async fn a_body_over_the_limit_is_413_with_a_violation_declared_or_chunked() {
    let mock = start(MockConfig::default().max_body_bytes(1024)).await;
    let url = format!("{}/numbers", mock.base_url());
    let big = format!("[{}1]", "1,".repeat(1024));
    let http = reqwest::Client::new();
    let declared = http
        .post(&url)
        .header("content-type", "application/json")
        .body(big.clone())
        .send()
        .await
        .expect("answered");
    assert_eq!(declared.status(), 413);
    let chunks: Vec<Result<String, std::io::Error>> =
        vec![Ok(big[..600].into()), Ok(big[600..].into())];
    let chunked = http
        .post(&url)
        .header("content-type", "application/json")
        .body(reqwest::Body::wrap_stream(futures::stream::iter(chunks)))
        .send()
        .await
        .expect("answered");
    assert_eq!(chunked.status(), 413);
    let kinds: Vec<_> = mock
        .violations()
        .iter()
        .map(|v| (v.kind, v.location.clone()))
        .collect();
    assert_eq!(
        kinds,
        vec![(ViolationKind::BodyTooLarge, "/body".to_owned()); 2]
    );
    assert!(mock.requests().iter().all(|r| r.body.is_empty()));
}

#[tokio::test]
async fn violations_are_capped_per_request_and_the_rest_counted() {
    let mock = start(MockConfig::default()).await;
    let items: Vec<Value> = (0..250).map(|i| json!(format!("n{i}"))).collect();
    let response = reqwest::Client::new()
        .post(format!("{}/numbers", mock.base_url()))
        .json(&items)
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 400);
    let violations = mock.violations();
    assert_eq!(violations.len(), 101, "100 listed + 1 counting the rest");
    assert!(
        violations[..100]
            .iter()
            .all(|v| v.kind == ViolationKind::Type)
    );
    assert_eq!(violations[100].kind, ViolationKind::Truncated);
    assert_eq!(violations[100].message, "150 more violations not listed");
}

#[tokio::test]
async fn recorded_bodies_are_cut_to_the_configured_size() {
    let mock = start(MockConfig::default().recorded_body_bytes(8)).await;
    let response = reqwest::Client::new()
        .post(format!("{}/numbers", mock.base_url()))
        .json(&[1, 2, 3, 4, 5, 6, 7, 8, 9])
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 204);
    assert!(
        mock.violations().is_empty(),
        "validation saw the whole body"
    );
    let request = &mock.requests()[0];
    assert_eq!(
        (&request.body[..], request.body_len),
        (&b"[1,2,3,4"[..], 19)
    );
}

/// Reads until the server closes the connection; what it sent, as text.
async fn read_to_close(stream: &mut TcpStream) -> String {
    let mut answer = Vec::new();
    let read = tokio::time::timeout(GUARD, async {
        let mut buffer = [0u8; 1024];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => answer.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    assert!(read.is_ok(), "the mock kept a stalled connection open");
    String::from_utf8_lossy(&answer).into_owned()
}

#[tokio::test]
async fn a_client_that_never_finishes_its_headers_is_disconnected() {
    let mock = start(MockConfig::default().header_read_timeout(Duration::from_millis(200))).await;
    let mut stream = TcpStream::connect(mock.addr()).await.expect("connect");
    stream
        .write_all(b"POST /numbers HTTP/1.1\r\nHost: mock\r\nX-Slow: ")
        .await
        .expect("write");
    read_to_close(&mut stream).await;
    assert!(mock.requests().is_empty(), "no request was ever complete");
}

#[tokio::test]
async fn a_client_that_stalls_mid_body_gets_408_and_a_violation() {
    let mock = start(MockConfig::default().body_read_timeout(Duration::from_millis(200))).await;
    let mut stream = TcpStream::connect(mock.addr()).await.expect("connect");
    stream
        .write_all(b"POST /numbers HTTP/1.1\r\nHost: mock\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n[1,2")
        .await
        .expect("write");
    let answer = read_to_close(&mut stream).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    let violations = mock.violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(violations[0].kind, ViolationKind::Timeout);
    assert_eq!(mock.requests()[0].body_len, 4);
}
