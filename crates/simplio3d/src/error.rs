//! The one error type of the crate.

use std::sync::Arc;
use std::time::Duration;

use reqwest::StatusCode;

/// Everything that can go wrong in a call.
///
/// No message ever contains the API key or a session token: server-supplied text is
/// scrubbed of the key before it is stored, and tokens are never put in errors.
///
/// `Error` is `Clone` so that the callers that share one request in a
/// [`SessionCache`](crate::SessionCache) can all receive its failure.
///
/// ```
/// use simplio3d::Error;
///
/// # async fn demo(client: simplio3d::Simplio3d) {
/// match client.create_session("edcfrt", "shop.example.com").await {
///     Ok(session) => println!("expires at {:?}", session.expires_at()),
///     Err(Error::Unauthorized { .. }) => eprintln!("check SIMPLIO3D_API_KEY"),
///     Err(e) if e.is_retryable() => eprintln!("try again later: {e}"),
///     Err(e) => eprintln!("failed: {e}"),
/// }
/// # }
/// ```
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A configuration setting is missing or invalid; `setting` names it (a builder
    /// method such as `base_url`, or an environment variable such as `SIMPLIO3D_API_KEY`).
    #[error("invalid configuration `{setting}`: {reason}")]
    Config {
        /// The setting at fault.
        setting: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// An argument was refused before anything was sent; `field` names it.
    #[error("invalid `{field}`: {reason}")]
    InvalidInput {
        /// The argument at fault (`configurator_id`, `domain_name`).
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },

    /// The server refused the request as invalid (HTTP 400).
    #[error("request rejected by the server (HTTP {status}){}", fmt_message(.message))]
    Rejected {
        /// The response status.
        status: StatusCode,
        /// The server's explanation, when it sent one.
        message: Option<String>,
    },

    /// The server refused the API key (HTTP 401 or 403).
    #[error("unauthorized (HTTP {status}): the server refused the API key")]
    Unauthorized {
        /// The response status.
        status: StatusCode,
    },

    /// The server asked us to slow down (HTTP 429).
    #[error("rate limited (HTTP 429){}", fmt_retry_after(.retry_after))]
    RateLimited {
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },

    /// The server failed (HTTP 5xx).
    #[error("server error (HTTP {status}){}", fmt_retry_after(.retry_after))]
    Server {
        /// The response status.
        status: StatusCode,
        /// The server's `Retry-After`, when it sent one.
        retry_after: Option<Duration>,
    },

    /// A status the API does not describe for this operation (a redirect, 404, 408, …).
    /// Redirects are never followed, so that the API key cannot be sent elsewhere.
    #[error("unexpected response status HTTP {status}")]
    UnexpectedStatus {
        /// The response status.
        status: StatusCode,
    },

    /// A success response whose body could not be decoded (not JSON, wrong shape,
    /// invalid UTF-8, a token that is not a valid header value).
    #[error("undecodable response body (HTTP {status}): {reason}")]
    Decode {
        /// The response status.
        status: StatusCode,
        /// What could not be decoded.
        reason: String,
    },

    /// A response body longer than the configured limit
    /// ([`Simplio3dBuilder::max_response_bytes`](crate::Simplio3dBuilder::max_response_bytes));
    /// reading stopped there.
    #[error("response body exceeds the limit of {limit} bytes")]
    ResponseTooLarge {
        /// The limit in bytes.
        limit: u64,
    },

    /// A success response without a `token`.
    #[error("the server answered HTTP {status} without a session token")]
    MissingToken {
        /// The response status.
        status: StatusCode,
    },

    /// The call did not finish in time: the per-attempt timeout or the overall deadline.
    #[error("timed out after {elapsed:?}")]
    Timeout {
        /// Time spent on the call when it was abandoned.
        elapsed: Duration,
    },

    /// The connection failed: refused, reset, closed mid-response, TLS failure.
    #[error("connection failed: {source}")]
    Connection {
        /// The transport error (its message names the URL, never a header).
        #[source]
        source: Arc<reqwest::Error>,
    },

    /// The generated client failed in a way none of the above describes.
    #[error("client error: {reason}")]
    Client {
        /// What failed.
        reason: String,
    },
}

fn fmt_message(message: &Option<String>) -> String {
    message
        .as_ref()
        .map(|m| format!(": {m}"))
        .unwrap_or_default()
}

fn fmt_retry_after(retry_after: &Option<Duration>) -> String {
    retry_after
        .map(|d| format!(", retry after {d:?}"))
        .unwrap_or_default()
}

impl Error {
    /// The HTTP status of the response that caused the error, if there was one.
    ///
    /// ```
    /// use simplio3d::Error;
    /// use reqwest::StatusCode;
    ///
    /// let e = Error::Unauthorized { status: StatusCode::FORBIDDEN };
    /// assert_eq!(e.status(), Some(StatusCode::FORBIDDEN));
    /// ```
    pub fn status(&self) -> Option<StatusCode> {
        match self {
            Error::Rejected { status, .. }
            | Error::Unauthorized { status }
            | Error::Server { status, .. }
            | Error::UnexpectedStatus { status }
            | Error::Decode { status, .. }
            | Error::MissingToken { status } => Some(*status),
            Error::RateLimited { .. } => Some(StatusCode::TOO_MANY_REQUESTS),
            Error::Connection { source } => source.status(),
            Error::Config { .. }
            | Error::InvalidInput { .. }
            | Error::ResponseTooLarge { .. }
            | Error::Timeout { .. }
            | Error::Client { .. } => None,
        }
    }

    /// Whether the same call may succeed if tried again: connection failures, timeouts,
    /// 408, 429 and 5xx. These are the errors the [`RetryPolicy`](crate::RetryPolicy)
    /// retries.
    ///
    /// ```
    /// use simplio3d::Error;
    /// use reqwest::StatusCode;
    ///
    /// assert!(Error::Server { status: StatusCode::SERVICE_UNAVAILABLE, retry_after: None }.is_retryable());
    /// assert!(!Error::Unauthorized { status: StatusCode::FORBIDDEN }.is_retryable());
    /// ```
    pub fn is_retryable(&self) -> bool {
        match self {
            Error::Connection { .. }
            | Error::Timeout { .. }
            | Error::RateLimited { .. }
            | Error::Server { .. } => true,
            Error::UnexpectedStatus { status } => *status == StatusCode::REQUEST_TIMEOUT,
            _ => false,
        }
    }

    /// The delay the server asked for (`Retry-After`), if any.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::RateLimited { retry_after } | Error::Server { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    pub(crate) fn config(setting: &'static str, reason: impl Into<String>) -> Self {
        Error::Config {
            setting,
            reason: reason.into(),
        }
    }

    pub(crate) fn invalid(field: &'static str, reason: impl Into<String>) -> Self {
        Error::InvalidInput {
            field,
            reason: reason.into(),
        }
    }
}
