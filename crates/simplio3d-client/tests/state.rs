//! What a `ClientState` adds to the generated methods, through the client's own hooks: the
//! API key, a per-request timeout, a bound on response bodies.

use std::time::Duration;

use simplio3d_client::{BodyTooLarge, Client, ClientState, Error, types::CreateSessionBody};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::oneshot;

/// Serves one connection: reads the request head, answers with a 200 JSON response whose
/// body is `size` bytes (chunked when `chunked`), then closes.
async fn serve_once(size: usize, chunked: bool) -> String {
    serve_recording(size, chunked).await.0
}

/// [`serve_once`], also handing back the request's head as received.
async fn serve_recording(size: usize, chunked: bool) -> (String, oneshot::Receiver<String>) {
    let (head_tx, head_rx) = oneshot::channel();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("accept");
        let mut buf = vec![0u8; 64 * 1024];
        let read = socket.read(&mut buf).await.unwrap_or(0);
        let _ = head_tx.send(String::from_utf8_lossy(&buf[..read]).into_owned());
        // A JSON string of `size` bytes in total: {"token":"xxxx…"}
        let filler = "x".repeat(size.saturating_sub(12));
        let body = format!("{{\"token\":\"{filler}\"}}");
        let head = if chunked {
            "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n".to_owned()
        } else {
            format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            )
        };
        let _ = socket.write_all(head.as_bytes()).await;
        if chunked {
            for chunk in body.as_bytes().chunks(8 * 1024) {
                let _ = socket
                    .write_all(format!("{:x}\r\n", chunk.len()).as_bytes())
                    .await;
                let _ = socket.write_all(chunk).await;
                let _ = socket.write_all(b"\r\n").await;
            }
            let _ = socket.write_all(b"0\r\n\r\n").await;
        } else {
            let _ = socket.write_all(body.as_bytes()).await;
        }
    });
    (url, head_rx)
}

fn limited(limit: u64) -> ClientState {
    ClientState::new().max_response_bytes(limit)
}

fn body() -> CreateSessionBody {
    CreateSessionBody::new("id".into(), "example.com".into())
}

#[tokio::test]
async fn a_body_past_the_limit_is_an_error_whatever_its_framing() {
    for chunked in [false, true] {
        let client = Client::new(&serve_once(1_000_000, chunked).await, limited(64 * 1024));
        let result = client.create_session(body()).await;
        match result {
            Err(Error::ResponseBodyError(e)) => {
                let mut source: Option<&(dyn std::error::Error + 'static)> = Some(&e);
                let mut too_large = None;
                while let Some(err) = source {
                    too_large = too_large.or(err.downcast_ref::<BodyTooLarge>());
                    source = err.source();
                }
                assert_eq!(too_large.map(|t| t.limit), Some(64 * 1024), "{e:?}");
                assert_eq!(
                    e.url().map(|u| u.path()),
                    Some("/api/open-api/v1/auth/create-session")
                );
            }
            other => panic!("chunked={chunked}: expected a body error, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn a_body_within_the_limit_is_read_as_usual() {
    let client = Client::new(&serve_once(4_000, true).await, limited(64 * 1024));
    let response = client
        .create_session(body())
        .await
        .expect("200 within the limit");
    assert_eq!(response.token.as_deref().map(str::len), Some(4_000 - 12));

    // Without a limit nothing changes.
    let client = Client::new(&serve_once(200_000, false).await, ClientState::new());
    assert!(client.create_session(body()).await.is_ok());
}

#[tokio::test]
async fn the_api_key_is_sent_raw_in_authorization_and_never_shown() {
    let (url, head) = serve_recording(100, false).await;
    let state = ClientState::new()
        .api_key("s3cr3t-key")
        .expect("a header value");
    assert!(!format!("{state:?}").contains("s3cr3t"), "{state:?}");
    let client = Client::new(&url, state);
    client.create_session(body()).await.expect("200");
    let head = head
        .await
        .expect("the server saw a request")
        .to_ascii_lowercase();
    assert!(head.contains("\r\nauthorization: s3cr3t-key\r\n"), "{head}");

    // Without a key, no Authorization header at all.
    let (url, head) = serve_recording(100, false).await;
    let client = Client::new(&url, ClientState::new());
    client.create_session(body()).await.expect("200");
    let head = head.await.expect("request").to_ascii_lowercase();
    assert!(!head.contains("authorization:"), "{head}");
}

#[tokio::test]
async fn the_per_request_timeout_bounds_a_server_that_never_answers() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    tokio::spawn(async move {
        let (_socket, _) = listener.accept().await.expect("accept");
        std::future::pending::<()>().await;
    });
    // The generated `Client::new` builds a reqwest client with a 15 s timeout; the state's
    // shorter one must win.
    let client = Client::new(&url, ClientState::new().timeout(Duration::from_millis(200)));
    match client.create_session(body()).await {
        Err(Error::CommunicationError(e)) => assert!(e.is_timeout(), "{e:?}"),
        other => panic!("expected a timeout, got {other:?}"),
    }
}
