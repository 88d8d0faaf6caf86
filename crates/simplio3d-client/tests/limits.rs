//! `with_response_limit` bounds what a generated method reads, through the client's hooks.

use simplio3d_client::{
    BodyTooLarge, Client, Error, types::CreateSessionBody, with_response_limit,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Serves one connection: reads the request head, answers with a 200 JSON response whose
/// body is `size` bytes (chunked when `chunked`), then closes.
async fn serve_once(size: usize, chunked: bool) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind loopback");
    let url = format!("http://{}", listener.local_addr().expect("bound"));
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.expect("accept");
        let mut buf = vec![0u8; 64 * 1024];
        let _ = socket.read(&mut buf).await;
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
    url
}

fn body() -> CreateSessionBody {
    CreateSessionBody::new("id".into(), "example.com".into())
}

#[tokio::test]
async fn a_body_past_the_limit_is_an_error_whatever_its_framing() {
    for chunked in [false, true] {
        let client = Client::new(&serve_once(1_000_000, chunked).await);
        let result = with_response_limit(64 * 1024, client.create_session(body())).await;
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
    let client = Client::new(&serve_once(4_000, true).await);
    let response = with_response_limit(64 * 1024, client.create_session(body()))
        .await
        .expect("200 within the limit");
    assert_eq!(response.token.as_deref().map(str::len), Some(4_000 - 12));

    // Without a limit nothing changes.
    let client = Client::new(&serve_once(200_000, false).await);
    assert!(client.create_session(body()).await.is_ok());
}
