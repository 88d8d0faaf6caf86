//! A loopback HTTP server that records every request and answers with a fixed response,
//! so tests can look at exactly what a client put on the wire.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use axum::body::Bytes;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::IntoResponse;

/// One request as the server received it.
#[derive(Clone, Debug)]
pub struct Captured {
    pub method: Method,
    pub uri: Uri,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Captured {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// Parses the body back as `multipart/form-data` with multer.
    pub async fn parts(&self) -> Vec<Part> {
        let content_type = self
            .header("content-type")
            .expect("request has a content type");
        let boundary = multer::parse_boundary(content_type).expect("content type has a boundary");
        let body = self.body.clone();
        let stream = futures::stream::once(async move { Ok::<_, std::io::Error>(body) });
        let mut multipart = multer::Multipart::new(stream, boundary);
        let mut parts = Vec::new();
        while let Some(field) = multipart.next_field().await.expect("well-formed multipart") {
            let name = field.name().expect("every part is named").to_owned();
            let file_name = field.file_name().map(str::to_owned);
            let content_type = field.content_type().map(|m| m.to_string());
            let data = field.bytes().await.expect("part body");
            parts.push(Part {
                name,
                file_name,
                content_type,
                data,
            });
        }
        parts
    }
}

/// One part of a multipart body.
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    pub name: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub data: Bytes,
}

/// The server; stops when dropped.
pub struct CaptureServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Captured>>>,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

impl CaptureServer {
    /// Answers every request with `status` and `body` (as `application/json` when non-empty).
    pub async fn start(status: u16, response: &'static str) -> Self {
        let requests = Arc::new(Mutex::new(Vec::new()));
        let recorded = requests.clone();
        let status = StatusCode::from_u16(status).expect("valid status");
        let app = axum::Router::new().fallback(
            move |method: Method, uri: Uri, headers: HeaderMap, body: Bytes| {
                let recorded = recorded.clone();
                async move {
                    recorded.lock().expect("not poisoned").push(Captured {
                        method,
                        uri,
                        headers,
                        body,
                    });
                    if response.is_empty() {
                        status.into_response()
                    } else {
                        (status, [("content-type", "application/json")], response).into_response()
                    }
                }
            },
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind loopback");
        let addr = listener.local_addr().expect("bound address");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = rx.await;
                })
                .await;
        });
        Self {
            addr,
            requests,
            _shutdown: tx,
        }
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// How many requests arrived so far.
    pub fn count(&self) -> usize {
        self.requests.lock().expect("not poisoned").len()
    }

    /// The only request received so far.
    pub fn single(&self) -> Captured {
        let requests = self.requests.lock().expect("not poisoned");
        assert_eq!(
            requests.len(),
            1,
            "expected exactly one request, got {}",
            requests.len()
        );
        requests[0].clone()
    }
}
