//! [`Simplio3d`]: the client, and how one call becomes attempts through the generated client.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use futures::{Stream, StreamExt as _};
use reqwest::StatusCode;
use reqwest::header::HeaderMap;
use secrecy::{ExposeSecret as _, SecretString};
use simplio3d_client::types::{CreateSessionBody, CreateSessionResponse};
use simplio3d_client::{ByteStream, Error as GeneratedError, ResponseValue};
use tokio::time::Instant;
use tracing::{Instrument as _, Span, field};
use url::Url;

use crate::config::Simplio3dBuilder;
use crate::retry::retry_after;
use crate::session::{Session, SessionToken};
use crate::{Error, RetryPolicy, validate};

/// The longest server-supplied message kept in an [`Error`].
const MAX_MESSAGE_CHARS: usize = 512;
/// The most of an unexpected response's body read to find a message; the rest is never
/// read (the connection is dropped), so a huge error body costs no memory.
const MAX_ERROR_BODY_BYTES: usize = 64 * 1024;

/// A Simplio3D Open API client: configuration, auth, typed errors, retries and tracing
/// over the generated [`simplio3d_client::Client`], which makes every HTTP call.
///
/// Cheap to clone (one shared connection pool); build one and share it.
///
/// ```no_run
/// # async fn demo() -> Result<(), simplio3d::Error> {
/// // SIMPLIO3D_API_KEY (and optionally SIMPLIO3D_BASE_URL) from the environment:
/// let client = simplio3d::Simplio3d::from_env()?;
/// let session = client.create_session("edcfrt", "shop.example.com").await?;
/// let header = session.token.bearer_header(); // for the vendor's later calls
/// # let _ = header; Ok(()) }
/// ```
#[derive(Clone)]
pub struct Simplio3d {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) generated: simplio3d_client::Client,
    pub(crate) base_url: Url,
    pub(crate) retry: RetryPolicy,
    /// reqwest's own per-request timeout; the deadline needs its own timer only when sooner.
    pub(crate) request_timeout: Duration,
    /// Kept only to scrub it from server-supplied text before that text enters an error.
    pub(crate) api_key: SecretString,
    /// A searcher for the key, built once: building one per scrub cost more than the search.
    pub(crate) api_key_finder: memchr::memmem::Finder<'static>,
}

impl fmt::Debug for Simplio3d {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simplio3d")
            .field("base_url", &self.inner.base_url.as_str())
            .field("retry", &self.inner.retry)
            .finish_non_exhaustive()
    }
}

impl Simplio3d {
    /// A builder; see [`Simplio3dBuilder`].
    pub fn builder() -> Simplio3dBuilder {
        Simplio3dBuilder::default()
    }

    /// A client configured from `SIMPLIO3D_API_KEY` (required) and `SIMPLIO3D_BASE_URL`
    /// (optional, default `https://app.simplio3d.com`), with default settings otherwise.
    /// For more control, `Simplio3d::builder().with_env()?` then adjust and `build()`.
    pub fn from_env() -> Result<Self, Error> {
        Simplio3dBuilder::default().with_env()?.build()
    }

    /// The base URL requests go to.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// The retry policy in force.
    pub fn retry_policy(&self) -> &RetryPolicy {
        &self.inner.retry
    }

    /// The generated client underneath, already authenticated, for operations this
    /// wrapper does not cover yet. Calls made through it get no retries or error mapping.
    pub fn generated(&self) -> &simplio3d_client::Client {
        &self.inner.generated
    }

    /// Creates a session for a configurator embedded on `domain_name`
    /// (`POST /api/open-api/v1/auth/create-session`).
    ///
    /// The arguments are checked first ([`Error::InvalidInput`] names the one at fault).
    /// `domain_name` must be a bare host name such as `shop.example.com`: a URL such as
    /// `https://shop.example.com/` is refused, not normalised, with an error that suggests
    /// the host name, because the vendor compares it with the domain on record.
    ///
    /// Failed attempts are retried by the [`RetryPolicy`]; each attempt is a call of the
    /// generated client's `create_session`. To reuse sessions until they expire, use a
    /// [`SessionCache`](crate::SessionCache).
    ///
    /// ```
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let client = simplio3d::Simplio3d::builder().api_key("k").build().unwrap();
    /// let err = client.create_session("edcfrt", "https://shop.example.com/").await.unwrap_err();
    /// assert_eq!(
    ///     err.to_string(),
    ///     "invalid `domain_name`: must be a bare host name, not a URL; did you mean `shop.example.com`?"
    /// );
    /// # }
    /// ```
    pub async fn create_session(
        &self,
        configurator_id: &str,
        domain_name: &str,
    ) -> Result<Session, Error> {
        validate::configurator_id(configurator_id)?;
        validate::domain_name(domain_name)?;
        let span = tracing::info_span!(
            "simplio3d.call",
            operation = "create_session",
            attempts = field::Empty,
            status = field::Empty,
            latency_ms = field::Empty,
        );
        let started = Instant::now();
        // The common case runs this short path and nothing else: no subscriber has our span,
        // and reqwest's own timeout ends the attempt before the deadline, so the attempt is
        // the generated call awaited as it is. Everything else (spans, a deadline timer,
        // retries) is `attempts`, boxed so that its state does not enlarge this future.
        // Why it matters: the wrapper's cost was not its instructions but the code and
        // data it touched on each call (BENCHMARKS.md).
        let mut failed = None;
        if span.is_disabled() && self.inner.request_timeout <= self.inner.retry.get_deadline() {
            let body = CreateSessionBody::new(configurator_id.to_owned(), domain_name.to_owned());
            let result = match self.inner.generated.create_session(body).await {
                Ok(response) => self.session_from(response),
                Err(error) => Err(Box::pin(self.error_from(error, started)).await),
            };
            match result {
                Ok(session) => {
                    tracing::debug!(latency_ms = millis(started.elapsed()), "session created");
                    return Ok(session);
                }
                Err(error) if error.is_retryable() => failed = Some(error),
                Err(error) => return Err(call_failed(&span, 1, started, error)),
            }
        }
        let ids = (configurator_id, domain_name);
        Box::pin(self.attempts(ids, span, started, failed)).await
    }

    /// The attempts of a call after a retryable `failed` first one (or all of them, when
    /// `None`), each in its own span, within the policy's attempts and deadline.
    async fn attempts(
        &self,
        (configurator_id, domain_name): (&str, &str),
        span: Span,
        started: Instant,
        mut failed: Option<Error>,
    ) -> Result<Session, Error> {
        // Only traced calls, calls near their deadline and retries come here, so each
        // attempt may run in its span (`Instrumented`) at the cost of one more layer of
        // future. Still one async fn with a plain loop over backon's backoff sequence (with
        // our full jitter), not backon's `Retryable` adapter, which added nested futures.
        let policy = &self.inner.retry;
        let deadline = started + policy.get_deadline();
        let mut backoff = policy.backoff();
        let mut attempt: u32 = 1;
        let result = loop {
            if let Some(error) = failed.take() {
                // `None`: attempts exhausted.
                let Some(delay) = backoff.next() else {
                    break Err(error);
                };
                let wait = error.retry_after().unwrap_or(delay);
                if Instant::now() + wait >= deadline {
                    break Err(error);
                }
                span.in_scope(|| {
                    tracing::warn!(error = %error, wait_ms = millis(wait), "attempt failed; retrying");
                });
                tokio::time::sleep(wait).await;
                attempt += 1;
            }
            let attempt_started = Instant::now();
            let attempt_span = tracing::debug_span!(
                parent: &span,
                "simplio3d.attempt",
                operation = "create_session",
                attempt,
                status = field::Empty,
                latency_ms = field::Empty,
            );
            // The innermost of our spans that a subscriber has: the generated call runs in
            // it, so reqwest's and hyper's events nest under the call.
            let current = if attempt_span.is_disabled() {
                &span
            } else {
                &attempt_span
            };
            let body = CreateSessionBody::new(configurator_id.to_owned(), domain_name.to_owned());
            let call = self.inner.generated.create_session(body);
            // reqwest's timeout already bounds the attempt; a second timer is only needed
            // when the overall deadline comes first.
            let remaining = deadline.saturating_duration_since(attempt_started);
            let outcome = if remaining < self.inner.request_timeout {
                tokio::time::timeout(remaining, call.instrument(current.clone())).await
            } else {
                Ok(call.instrument(current.clone()).await)
            };
            let result = match outcome {
                Ok(Ok(response)) => self.session_from(response),
                Ok(Err(error)) => {
                    let error = self.error_from(error, started);
                    Err(error.instrument(current.clone()).await)
                }
                Err(_) => Err(Error::Timeout {
                    elapsed: started.elapsed(),
                }),
            };
            current.in_scope(|| record_attempt(&attempt_span, attempt_started, &result));
            match result {
                Err(error) if error.is_retryable() => failed = Some(error),
                done => break done,
            }
        };
        match result {
            Ok(session) => {
                span.in_scope(|| record_success(&span, attempt, started));
                Ok(session)
            }
            Err(error) => Err(call_failed(&span, attempt, started, error)),
        }
    }

    fn session_from(
        &self,
        response: ResponseValue<CreateSessionResponse>,
    ) -> Result<Session, Error> {
        let status = response.status();
        let CreateSessionResponse { message, token } = response.into_inner();
        let token = match token {
            Some(token) if !token.is_empty() => token,
            _ => return Err(Error::MissingToken { status }),
        };
        let token = SessionToken::new(token).map_err(|e| Error::Decode {
            status,
            reason: e.to_string(),
        })?;
        Ok(Session::new(token, message.map(|m| self.scrub(m))))
    }

    async fn error_from(&self, error: GeneratedError<ByteStream>, started: Instant) -> Error {
        match error {
            GeneratedError::CommunicationError(e)
            | GeneratedError::InvalidUpgrade(e)
            | GeneratedError::ResponseBodyError(e) => {
                if let Some(too_large) = find_source::<simplio3d_client::BodyTooLarge>(&e) {
                    Error::ResponseTooLarge {
                        limit: too_large.limit,
                    }
                } else if e.is_timeout() {
                    Error::Timeout {
                        elapsed: started.elapsed(),
                    }
                } else {
                    Error::Connection {
                        source: Arc::new(e),
                    }
                }
            }
            GeneratedError::ErrorResponse(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                let body = response.into_inner().into_inner();
                let message = self.message_of(status, body).await;
                status_error(status, &headers, message)
            }
            GeneratedError::UnexpectedResponse(response) => {
                let status = response.status();
                let headers = response.headers().clone();
                let message = self.message_of(status, response.bytes_stream()).await;
                status_error(status, &headers, message)
            }
            GeneratedError::InvalidResponsePayload(_, e) => Error::Decode {
                status: StatusCode::OK,
                reason: self.scrub(e.to_string()),
            },
            GeneratedError::InvalidRequest(reason) | GeneratedError::Custom(reason) => {
                Error::Client { reason }
            }
        }
    }

    /// The server's `message` for a rejected request (400, 422), read from at most
    /// [`MAX_ERROR_BODY_BYTES`]; other bodies are dropped unread, so a hostile or broken
    /// server's body costs nothing.
    async fn message_of<S>(&self, status: StatusCode, body: S) -> Option<String>
    where
        S: Stream<Item = reqwest::Result<Bytes>> + Unpin,
    {
        if !matches!(
            status,
            StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY
        ) {
            return None;
        }
        read_message(body).await.map(|m| self.scrub(m))
    }

    /// Whether `text` contains the API key. Most server text is a short message: for that,
    /// comparing at each occurrence of the key's first byte is cheaper than the searcher's
    /// set-up (and bounded: at most `SHORT_TEXT` places are compared).
    fn contains_key(&self, text: &[u8]) -> bool {
        const SHORT_TEXT: usize = 64;
        let key = self.inner.api_key_finder.needle();
        let (Some(&first), Some(last_start)) = (key.first(), text.len().checked_sub(key.len()))
        else {
            return false;
        };
        if text.len() > SHORT_TEXT {
            return self.inner.api_key_finder.find(text).is_some();
        }
        memchr::memchr_iter(first, &text[..=last_start]).any(|at| text[at..].starts_with(key))
    }

    /// Server-supplied text made safe to keep: the API key removed (a hostile server
    /// could echo it back), then shortened to [`MAX_MESSAGE_CHARS`]. In that order, so that
    /// a key straddling the cut cannot leave a prefix behind.
    fn scrub(&self, mut text: String) -> String {
        if self.contains_key(text.as_bytes()) {
            text = text.replace(self.inner.api_key.expose_secret(), "[REDACTED]");
        }
        // Fewer bytes than the limit means fewer chars: no need to count them.
        if text.len() > MAX_MESSAGE_CHARS
            && let Some((cut, _)) = text.char_indices().nth(MAX_MESSAGE_CHARS)
        {
            text.truncate(cut);
        }
        text
    }
}

fn status_error(status: StatusCode, headers: &HeaderMap, message: Option<String>) -> Error {
    match status {
        StatusCode::BAD_REQUEST | StatusCode::UNPROCESSABLE_ENTITY => {
            Error::Rejected { status, message }
        }
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Error::Unauthorized { status },
        StatusCode::TOO_MANY_REQUESTS => Error::RateLimited {
            retry_after: retry_after(headers),
        },
        s if s.is_server_error() => Error::Server {
            status,
            retry_after: retry_after(headers),
        },
        _ => Error::UnexpectedStatus { status },
    }
}

/// The `message` of a JSON error body (`{"message": "..."}`, Laravel's shape), reading
/// at most [`MAX_ERROR_BODY_BYTES`].
async fn read_message<S>(mut body: S) -> Option<String>
where
    S: Stream<Item = reqwest::Result<Bytes>> + Unpin,
{
    let mut read = Vec::new();
    while let Some(Ok(chunk)) = body.next().await {
        let room = MAX_ERROR_BODY_BYTES - read.len();
        read.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if read.len() == MAX_ERROR_BODY_BYTES {
            return None; // too large to be a message; not worth parsing a prefix
        }
    }
    let value: serde_json::Value = serde_json::from_slice(&read).ok()?;
    value.get("message")?.as_str().map(str::to_owned)
}

/// The first error of type `T` in `error`'s source chain.
fn find_source<'e, T: std::error::Error + 'static>(
    error: &'e (dyn std::error::Error + 'static),
) -> Option<&'e T> {
    let mut current = Some(error);
    while let Some(e) = current {
        if let Some(found) = e.downcast_ref::<T>() {
            return Some(found);
        }
        current = e.source();
    }
    None
}

/// Records a successful call on its span and logs it (called in that span).
fn record_success(span: &Span, attempts: u32, started: Instant) {
    record_outcome(span, started, None);
    span.record("attempts", attempts);
    tracing::debug!(latency_ms = millis(started.elapsed()), "session created");
}

/// Records a failed call on its span and logs it there; returns the error.
#[cold]
fn call_failed(span: &Span, attempts: u32, started: Instant, error: Error) -> Error {
    span.in_scope(|| {
        record_outcome(span, started, Some(&error));
        span.record("attempts", attempts);
        tracing::warn!(
            error = %error,
            latency_ms = millis(started.elapsed()),
            "create_session failed"
        );
    });
    error
}

/// Records one attempt's outcome on its span and logs it (called in that span).
fn record_attempt(span: &Span, started: Instant, result: &Result<Session, Error>) {
    record_outcome(span, started, result.as_ref().err());
    match result {
        Ok(_) => tracing::debug!(
            status = 200,
            latency_ms = millis(started.elapsed()),
            "attempt succeeded"
        ),
        Err(error) => tracing::debug!(
            error = %error,
            latency_ms = millis(started.elapsed()),
            "attempt failed"
        ),
    }
}

/// Records `status` (200 without an `error`) and `latency_ms` on `span`, unless no
/// subscriber has it: then not even the clock is read.
fn record_outcome(span: &Span, started: Instant, error: Option<&Error>) {
    if span.is_disabled() {
        return;
    }
    span.record("latency_ms", millis(started.elapsed()));
    match error.map(Error::status) {
        None => {
            span.record("status", 200);
        }
        Some(Some(status)) => {
            span.record("status", status.as_u16());
        }
        Some(None) => {}
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client(key: &str) -> Simplio3d {
        Simplio3d::builder().api_key(key).build().unwrap()
    }

    #[test]
    fn finds_the_key_in_short_and_long_text() {
        let key = "k3y-0123";
        let client = client(key);
        for (text, found) in [
            ("", false),
            ("k3y", false),
            ("k3y-0123", true),
            ("k3y-012 k3y-0124 kk3y-0123", true),
            ("k3y-012 k3y-0124 k3y-01", false),
            ("ends with k3y-0123", true),
        ] {
            assert_eq!(client.contains_key(text.as_bytes()), found, "{text:?}");
            let long = format!("{}{text}", "k".repeat(100));
            assert_eq!(client.contains_key(long.as_bytes()), found, "long {text:?}");
        }
    }

    #[test]
    fn scrub_redacts_the_key_then_shortens() {
        let key = "k3y-0123456789abcdef";
        let client = client(key);
        assert_eq!(
            client.scrub(format!("bad key {key}, see {key}")),
            "bad key [REDACTED], see [REDACTED]"
        );
        // A key straddling the cut leaves no prefix behind.
        let straddling = format!("{}{key}", "é".repeat(MAX_MESSAGE_CHARS - 4));
        let scrubbed = client.scrub(straddling);
        assert!(!scrubbed.contains("k3y-"), "{scrubbed}");
        assert_eq!(scrubbed.chars().count(), MAX_MESSAGE_CHARS);
        // Multi-byte text is cut on a char boundary, short text is kept whole.
        assert_eq!(client.scrub("é".repeat(600)), "é".repeat(MAX_MESSAGE_CHARS));
        assert_eq!(
            client.scrub("Login Successful.".into()),
            "Login Successful."
        );
    }
}
