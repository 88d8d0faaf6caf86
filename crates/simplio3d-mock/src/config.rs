//! [`MockConfig`]: how a [`crate::MockServer`] runs, with limits that keep a hostile or
//! broken client from exhausting it.

use std::fmt;
use std::time::Duration;

use secrecy::SecretString;

/// How to run a [`crate::MockServer`].
#[derive(Clone)]
pub struct MockConfig {
    pub(crate) api_key: Option<SecretString>,
    pub(crate) port: u16,
    pub(crate) history: usize,
    pub(crate) max_body_bytes: usize,
    pub(crate) recorded_body_bytes: usize,
    pub(crate) header_read_timeout: Duration,
    pub(crate) body_read_timeout: Duration,
}

impl Default for MockConfig {
    fn default() -> Self {
        Self {
            api_key: None,
            port: 0,
            history: Self::DEFAULT_HISTORY,
            max_body_bytes: Self::DEFAULT_MAX_BODY_BYTES,
            recorded_body_bytes: Self::DEFAULT_RECORDED_BODY_BYTES,
            header_read_timeout: Self::DEFAULT_READ_TIMEOUT,
            body_read_timeout: Self::DEFAULT_READ_TIMEOUT,
        }
    }
}

impl fmt::Debug for MockConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockConfig")
            .field("api_key", &self.api_key.as_ref().map(|_| "[redacted]"))
            .field("port", &self.port)
            .field("history", &self.history)
            .field("max_body_bytes", &self.max_body_bytes)
            .field("recorded_body_bytes", &self.recorded_body_bytes)
            .field("header_read_timeout", &self.header_read_timeout)
            .field("body_read_timeout", &self.body_read_timeout)
            .finish()
    }
}

impl MockConfig {
    /// How many requests are kept for [`crate::MockServer::requests`] by default.
    pub const DEFAULT_HISTORY: usize = 10_000;
    /// The largest request body read by default (8 MiB); larger ones get 413.
    pub const DEFAULT_MAX_BODY_BYTES: usize = 8 * 1024 * 1024;
    /// How many body bytes (and as many part bytes) each recorded request keeps by default
    /// (64 KiB): with the default history that bounds the recorder near 1.3 GiB however
    /// large the bodies.
    pub const DEFAULT_RECORDED_BODY_BYTES: usize = 64 * 1024;
    /// How long a client may take to send a request's headers, and its body, by default.
    pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(30);

    /// Keep at most this many of the most recent requests (and their violations) for
    /// [`crate::MockServer::requests`] and [`crate::MockServer::violations`]; older ones are
    /// dropped. `0` keeps none (the mock still validates and answers).
    #[must_use]
    pub fn history(mut self, requests: usize) -> Self {
        self.history = requests;
        self
    }

    /// Accept only this API key for `apiKey` security schemes (a different key is answered
    /// with the spec's 403, or 401). Without it, any non-empty key is accepted.
    #[must_use]
    pub fn api_key(mut self, key: impl Into<String>) -> Self {
        self.api_key = Some(SecretString::from(key.into()));
        self
    }

    /// Listen on this loopback port; `0` (the default) picks a free one.
    #[must_use]
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// Read request bodies up to this many bytes; a larger body is answered 413 and recorded
    /// as a [`crate::ViolationKind::BodyTooLarge`] violation (its bytes are not kept).
    #[must_use]
    pub fn max_body_bytes(mut self, bytes: usize) -> Self {
        self.max_body_bytes = bytes;
        self
    }

    /// Keep at most this many bytes of each recorded request's body, and as many of its
    /// parts' data together ([`crate::RecordedRequest::body_len`] has the full length).
    /// Validation always sees the whole body.
    #[must_use]
    pub fn recorded_body_bytes(mut self, bytes: usize) -> Self {
        self.recorded_body_bytes = bytes;
        self
    }

    /// Close a connection whose request headers have not all arrived within this time
    /// (slow-client protection; hyper's header read timeout).
    #[must_use]
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// Answer 408 (and record a [`crate::ViolationKind::Timeout`] violation) when a request's
    /// body has not all arrived within this time after its headers.
    #[must_use]
    pub fn body_read_timeout(mut self, timeout: Duration) -> Self {
        self.body_read_timeout = timeout;
        self
    }
}
