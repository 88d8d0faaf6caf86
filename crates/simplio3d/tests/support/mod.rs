//! A raw-TCP HTTP/1.1 server on 127.0.0.1 whose replies are scripted per request, so
//! tests can misbehave in ways a real framework would not allow: resets, truncated and
//! endless bodies, invalid UTF-8, redirects.
#![allow(dead_code)] // each test binary uses a different subset

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

pub const API_KEY: &str = "key-7f3a9c1e-SECRET";

/// What the server does with one request.
pub enum Reply {
    /// Writes these bytes, then closes the connection.
    Bytes(Vec<u8>),
    /// Waits, then replies.
    After(Duration, Box<Reply>),
    /// Resets the connection (RST) without answering.
    Reset,
    /// Never answers; keeps the connection open.
    Stall,
    /// Sends a chunked 200 whose body never ends (a small chunk every 10 ms).
    Endless,
    /// Sends `head` (which must declare the length) and then `size` bytes of `x`, counting
    /// what the client accepted in [`Server::body_bytes_sent`].
    Huge { head: Vec<u8>, size: usize },
}

/// One request as received.
#[derive(Clone, Debug)]
pub struct Recorded {
    pub head: String,
    pub body: Vec<u8>,
}

impl Recorded {
    /// The value of `name` (case-insensitive), if present once or more (first wins).
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_owned())
        })
    }
}

pub struct Server {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<Recorded>>>,
    body_bytes_sent: Arc<AtomicU64>,
    task: tokio::task::JoinHandle<()>,
}

type Handler = dyn Fn(usize, &Recorded) -> Reply + Send + Sync;

impl Server {
    /// Starts a server; `handler(n, request)` scripts the reply to the n-th request (0-based).
    pub async fn start(
        handler: impl Fn(usize, &Recorded) -> Reply + Send + Sync + 'static,
    ) -> Server {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let body_bytes_sent = Arc::new(AtomicU64::new(0));
        let handler: Arc<Handler> = Arc::new(handler);
        let counter = Arc::new(AtomicUsize::new(0));
        let task = {
            let requests = requests.clone();
            let sent = body_bytes_sent.clone();
            tokio::spawn(async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        return;
                    };
                    let (requests, sent, handler, counter) = (
                        requests.clone(),
                        sent.clone(),
                        handler.clone(),
                        counter.clone(),
                    );
                    tokio::spawn(async move {
                        serve(stream, requests, sent, handler, counter).await;
                    });
                }
            })
        };
        Server {
            addr,
            requests,
            body_bytes_sent,
            task,
        }
    }

    /// A server that answers every request the same way.
    pub async fn always(reply: impl Fn() -> Reply + Send + Sync + 'static) -> Server {
        Server::start(move |_, _| reply()).await
    }

    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.requests.lock().unwrap().clone()
    }

    pub fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    pub fn body_bytes_sent(&self) -> u64 {
        self.body_bytes_sent.load(Ordering::Relaxed)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(
    mut stream: TcpStream,
    requests: Arc<Mutex<Vec<Recorded>>>,
    sent: Arc<AtomicU64>,
    handler: Arc<Handler>,
    counter: Arc<AtomicUsize>,
) {
    let Some(request) = read_request(&mut stream).await else {
        return;
    };
    let n = counter.fetch_add(1, Ordering::SeqCst);
    requests.lock().unwrap().push(request.clone());
    let mut reply = handler(n, &request);
    loop {
        match reply {
            Reply::After(delay, next) => {
                tokio::time::sleep(delay).await;
                reply = *next;
            }
            Reply::Bytes(bytes) => {
                let _ = stream.write_all(&bytes).await;
                let _ = stream.shutdown().await;
                return;
            }
            Reply::Reset => {
                let _ = stream.set_zero_linger();
                return; // dropping with zero linger sends RST
            }
            Reply::Stall => {
                let mut sink = [0u8; 1024];
                while matches!(stream.read(&mut sink).await, Ok(n) if n > 0) {}
                return;
            }
            Reply::Endless => {
                let head = b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n";
                if stream.write_all(head).await.is_err() {
                    return;
                }
                loop {
                    if stream.write_all(b"1\r\n \r\n").await.is_err() {
                        return;
                    }
                    tokio::time::sleep(Duration::from_millis(10)).await;
                }
            }
            Reply::Huge { head, size } => {
                if stream.write_all(&head).await.is_err() {
                    return;
                }
                let block = vec![b'x'; 64 * 1024];
                let mut left = size;
                while left > 0 {
                    let n = left.min(block.len());
                    match stream.write_all(&block[..n]).await {
                        Ok(()) => {
                            sent.fetch_add(n as u64, Ordering::Relaxed);
                            left -= n;
                        }
                        Err(_) => return,
                    }
                }
                let _ = stream.shutdown().await;
                return;
            }
        }
    }
}

/// Reads one request: head up to the blank line, then a `content-length` or chunked body.
async fn read_request(stream: &mut TcpStream) -> Option<Recorded> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 8192];
    let head_end = loop {
        if let Some(i) = find(&buf, b"\r\n\r\n") {
            break i + 4;
        }
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    let mut recorded = Recorded {
        head,
        body: buf[head_end..].to_vec(),
    };
    if let Some(len) = recorded
        .header("content-length")
        .and_then(|v| v.parse::<usize>().ok())
    {
        while recorded.body.len() < len {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            recorded.body.extend_from_slice(&chunk[..n]);
        }
    } else if recorded
        .header("transfer-encoding")
        .is_some_and(|v| v.eq_ignore_ascii_case("chunked"))
    {
        while !recorded.body.ends_with(b"0\r\n\r\n") {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                return None;
            }
            recorded.body.extend_from_slice(&chunk[..n]);
        }
    }
    Some(recorded)
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A complete response with `content-length` and `connection: close`.
pub fn response(status: &str, headers: &[(&str, &str)], body: impl AsRef<[u8]>) -> Reply {
    let body = body.as_ref();
    let mut out = format!("HTTP/1.1 {status}\r\n");
    for (name, value) in headers {
        out.push_str(&format!("{name}: {value}\r\n"));
    }
    out.push_str(&format!(
        "content-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    ));
    let mut bytes = out.into_bytes();
    bytes.extend_from_slice(body);
    Reply::Bytes(bytes)
}

/// A 200 JSON response.
pub fn json_200(body: &str) -> Reply {
    response("200 OK", &[("content-type", "application/json")], body)
}

/// An unsigned JWT whose payload is `claims` (enough for `exp`; nothing verifies it).
pub fn jwt(claims: &str) -> String {
    use base64::Engine as _;
    let enc = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    format!(
        "{}.{}.c2lnbmF0dXJl",
        enc(r#"{"alg":"HS256","typ":"JWT"}"#),
        enc(claims)
    )
}

/// Seconds since the epoch, `offset` from now.
pub fn epoch_in(offset: Duration) -> u64 {
    (std::time::SystemTime::now() + offset)
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A client for `server` with short limits and fast retries, so failing tests end soon.
pub fn client(url: &str) -> simplio3d::Simplio3d {
    client_with(url, simplio3d::RetryPolicy::default())
}

pub fn client_with(url: &str, retry: simplio3d::RetryPolicy) -> simplio3d::Simplio3d {
    simplio3d::Simplio3d::builder()
        .api_key(API_KEY)
        .base_url(url)
        .timeout(Duration::from_millis(1500))
        .connect_timeout(Duration::from_millis(500))
        .retry(
            retry
                .initial_backoff(Duration::from_millis(10))
                .max_backoff(Duration::from_millis(50)),
        )
        .build()
        .unwrap()
}
