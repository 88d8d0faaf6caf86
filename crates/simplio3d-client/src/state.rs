//! [`ClientState`]: per-client settings that the generated methods apply to every request
//! through the client's own `ClientHooks` (`pre` and `exec`), so no request path is
//! duplicated and the caller's `reqwest::Client` can be used as it is.
//!
//! - the `apiKeyAuth` credential, sent as the raw `Authorization` header value;
//! - a per-request timeout;
//! - a bound on how much of a response body a call may read. The generated methods read a
//!   JSON response whole (`ResponseValue::from_response`), so a hostile or broken server
//!   could otherwise make a caller buffer any amount; past the limit reading fails and the
//!   method returns `Error::ResponseBodyError` with [`BodyTooLarge`] as its source.

use std::fmt;
use std::time::Duration;

use bytes::Bytes;
use futures_util::{FutureExt as _, StreamExt as _};
use progenitor_client::{ClientHooks, ClientInfo, Error, OperationInfo};
use reqwest::ResponseBuilderExt;
use reqwest::header::{AUTHORIZATION, HeaderValue, InvalidHeaderValue};

use crate::Client;

/// What a [`Client`] adds to each request it sends; `Client::new(baseurl, state)`.
///
/// ```
/// use std::time::Duration;
/// use simplio3d_client::{Client, ClientState};
///
/// let state = ClientState::new()
///     .api_key("my-api-key")?
///     .timeout(Duration::from_secs(10))
///     .max_response_bytes(64 * 1024);
/// let client = Client::new("https://app.simplio3d.com", state);
/// assert_eq!(client.state().get_max_response_bytes(), Some(64 * 1024));
/// # Ok::<(), reqwest::header::InvalidHeaderValue>(())
/// ```
#[derive(Clone, Default)]
pub struct ClientState {
    authorization: Option<HeaderValue>,
    timeout: Option<Duration>,
    max_response_bytes: Option<u64>,
}

impl fmt::Debug for ClientState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientState")
            .field(
                "authorization",
                &self.authorization.as_ref().map(|_| "[REDACTED]"),
            )
            .field("timeout", &self.timeout)
            .field("max_response_bytes", &self.max_response_bytes)
            .finish()
    }
}

impl ClientState {
    /// Nothing added: no credential, the `reqwest::Client`'s own timeout, no body limit.
    pub fn new() -> Self {
        Self::default()
    }

    /// The API key, sent as the `Authorization` header value as is (the spec's `apiKeyAuth`
    /// scheme; no `Bearer`), marked sensitive so HTTP libraries do not log it. A request
    /// that already carries `Authorization` keeps its own.
    pub fn api_key(self, key: &str) -> Result<Self, InvalidHeaderValue> {
        Ok(self.authorization(HeaderValue::from_str(key)?))
    }

    /// The `Authorization` header value itself (marked sensitive here).
    pub fn authorization(mut self, mut value: HeaderValue) -> Self {
        value.set_sensitive(true);
        self.authorization = Some(value);
        self
    }

    /// A time limit for each request, from sending it to reading the whole response, for a
    /// `reqwest::Client` that has none (or another) of its own. reqwest keeps a per-request
    /// timeout in an extension it allocates for each request, so prefer setting it on a
    /// client you build yourself.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The most bytes of a response body a call reads (see the module docs).
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = Some(limit);
        self
    }

    /// The response body limit, if one is set.
    pub fn get_max_response_bytes(&self) -> Option<u64> {
        self.max_response_bytes
    }

    /// The per-request timeout, if one is set.
    pub fn get_timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// Whether a credential is set (the value itself is not readable back).
    pub fn has_authorization(&self) -> bool {
        self.authorization.is_some()
    }
}

impl Client {
    /// The settings this client applies to each request.
    pub fn state(&self) -> &ClientState {
        &self.inner
    }
}

/// The body of a response was longer than [`ClientState::max_response_bytes`].
#[derive(Debug, thiserror::Error)]
#[error("response body exceeds the limit of {limit} bytes")]
pub struct BodyTooLarge {
    /// The limit in bytes.
    pub limit: u64,
}

// Implemented for `Client` itself: progenitor's blanket `impl ClientHooks for &Client` is
// the fallback, and method resolution tries `Client` first ("auto-ref specialisation").
//
// Plain functions returning ready-made futures rather than `async fn`s: every call awaits
// each hook, and an `async fn` is one more state machine on that path. `pre` and `post`
// finish at once; `exec` is reqwest's own future with the body limit mapped over it.
impl ClientHooks<ClientState> for Client {
    fn pre<E>(
        &self,
        request: &mut reqwest::Request,
        _info: &OperationInfo,
    ) -> impl Future<Output = Result<(), Error<E>>> {
        let state = self.inner();
        if let Some(authorization) = &state.authorization {
            request
                .headers_mut()
                .entry(AUTHORIZATION)
                .or_insert_with(|| authorization.clone());
        }
        if let Some(timeout) = state.timeout {
            *request.timeout_mut() = Some(timeout);
        }
        std::future::ready(Ok(()))
    }

    fn post<E>(
        &self,
        _result: &reqwest::Result<reqwest::Response>,
        _info: &OperationInfo,
    ) -> impl Future<Output = Result<(), Error<E>>> {
        std::future::ready(Ok(()))
    }

    fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> impl Future<Output = reqwest::Result<reqwest::Response>> {
        let limit = self.inner().max_response_bytes;
        self.client().execute(request).map(move |result| {
            result.map(|response| match limit {
                // hyper never reads past a declared length, so a body declared within the
                // limit is bounded already and needs no wrapper.
                Some(limit)
                    if response
                        .content_length()
                        .is_none_or(|length| length > limit) =>
                {
                    limited(response, limit)
                }
                _ => response,
            })
        })
    }
}

/// The same response with a body that fails once more than `limit` bytes arrive.
fn limited(response: reqwest::Response, limit: u64) -> reqwest::Response {
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    // reqwest carries the response URL (for its errors) in an extension of the builder.
    let url = http::Response::builder()
        .url(response.url().clone())
        .body(())
        .map(|r| r.into_parts().0.extensions);
    let mut seen: u64 = 0;
    let body = response.bytes_stream().map(
        move |chunk| -> Result<Bytes, Box<dyn std::error::Error + Send + Sync>> {
            let chunk = chunk?;
            seen = seen.saturating_add(chunk.len() as u64);
            if seen > limit {
                Err(Box::new(BodyTooLarge { limit }))
            } else {
                Ok(chunk)
            }
        },
    );
    let mut rebuilt = http::Response::new(reqwest::Body::wrap_stream(body));
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    if let Ok(url) = url {
        rebuilt.extensions_mut().extend(url);
    }
    reqwest::Response::from(rebuilt)
}
