//! What the mock saw: every request, and every way a request broke the spec.

use std::collections::VecDeque;
use std::fmt;
use std::sync::Mutex;

use axum::http::{HeaderMap, HeaderValue};
use bytes::Bytes;
use serde::Serialize;

/// Why a request does not conform to the spec.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ViolationKind {
    /// A required parameter, part, property or body is missing.
    Missing,
    /// A value has the wrong JSON type (or does not parse as one, for text parts and parameters).
    Type,
    /// A value does not match its `format` (int32, date-time, uuid, binary-as-file, ...).
    Format,
    /// A value is not one of the `enum` values.
    Enum,
    /// A value breaks a bound: min/max, lengths, item and property counts, `multipleOf`,
    /// `uniqueItems`.
    Range,
    /// A string does not match its `pattern`.
    Pattern,
    /// A property or part that the schema forbids (`additionalProperties: false`).
    Unknown,
    /// `allOf`/`oneOf`/`anyOf`/`not` composition is not satisfied.
    Composition,
    /// The request's `Content-Type` is not one the operation accepts, or the body does not
    /// parse as it.
    ContentType,
    /// The security requirement's credential is absent.
    MissingCredentials,
    /// The credential does not match the key the mock was started with.
    WrongCredentials,
    /// The test asked for a status (`Prefer: code=…`) that the operation does not declare.
    UndeclaredStatus,
    /// No operation of the spec has this path (answered 404): a wrong base URL or path.
    UnknownPath,
    /// The path exists, but not for this method (answered 405 with `Allow`).
    MethodNotAllowed,
    /// The body is larger than [`crate::MockConfig::max_body_bytes`] (answered 413).
    BodyTooLarge,
    /// The body did not arrive within [`crate::MockConfig::body_read_timeout`] (answered 408).
    Timeout,
    /// More violations than the mock lists for one request; the message counts the rest.
    Truncated,
    /// The mock's own answer does not match the response schema the spec declares (a spec
    /// `example` that breaks its schema, say). Location `/response/<status>/body/...`.
    ResponseSchema,
    /// The mock itself failed (a bug): the request was answered with 500. Please report it.
    Internal,
}

/// One way a request breaks the spec.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    /// The operation's Rust name (`create_session`), when the request was routed.
    pub operation: Option<String>,
    /// Where in the request: a JSON pointer rooted at the request part, e.g. `/body/id`,
    /// `/query/limit`, `/path/id`, `/header/Authorization`, `/header/Content-Type`.
    pub location: String,
    /// What kind of violation.
    pub kind: ViolationKind,
    /// What is wrong, for people.
    pub message: String,
}

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.location, self.message)
    }
}

/// One part of a recorded `multipart/form-data` body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedPart {
    /// The part's name.
    pub name: String,
    /// The `filename` of its `Content-Disposition`, for file parts.
    pub file_name: Option<String>,
    /// The part's `Content-Type`, if sent.
    pub content_type: Option<String>,
    /// The part's bytes.
    pub data: Bytes,
}

/// One request as the mock received and answered it.
///
/// `Debug` hides the values of credential headers (`Authorization`, `Cookie` and the spec's
/// `apiKey` headers are marked sensitive).
#[derive(Clone, Debug)]
pub struct RecordedRequest {
    /// Upper-case method.
    pub method: String,
    /// The path, as sent (percent-encoded).
    pub path: String,
    /// The raw query string, if any.
    pub query: Option<String>,
    /// The operation's Rust name, when the request was routed to one.
    pub operation: Option<String>,
    /// Request headers.
    pub headers: HeaderMap,
    /// The raw body, at most [`crate::MockConfig::recorded_body_bytes`] of it.
    pub body: Bytes,
    /// The body's full length as received (more than `body.len()` when it was cut).
    pub body_len: usize,
    /// The parsed parts, for `multipart/form-data` bodies that parse. Their data shares the
    /// [`crate::MockConfig::recorded_body_bytes`] budget: parts past it are cut or empty.
    pub parts: Vec<RecordedPart>,
    /// The violations this request produced.
    pub violations: Vec<Violation>,
    /// The status the mock answered with.
    pub status: u16,
}

impl RecordedRequest {
    /// A header's value as text (first value), if present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The first part named `name`.
    pub fn part(&self, name: &str) -> Option<&RecordedPart> {
        self.parts.iter().find(|p| p.name == name)
    }
}

/// Marks credential-bearing headers sensitive so that `Debug` never prints them.
pub(crate) fn mark_sensitive(headers: &mut HeaderMap, extra: &[String]) {
    let names = ["authorization", "cookie", "proxy-authorization"];
    let keys: Vec<_> = headers.keys().cloned().collect();
    for key in keys {
        let sensitive = names.contains(&key.as_str())
            || extra.iter().any(|e| e.eq_ignore_ascii_case(key.as_str()));
        if sensitive && let axum::http::header::Entry::Occupied(mut entry) = headers.entry(key) {
            for value in entry.iter_mut() {
                value.set_sensitive(true);
            }
        }
    }
}

/// Thread-safe log of requests.
/// The most recent requests, at most `capacity` of them, so a long-running mock (a user's CI
/// service, say) does not grow without bound.
#[derive(Debug)]
pub(crate) struct Recorder {
    requests: Mutex<VecDeque<RecordedRequest>>,
    capacity: usize,
}

impl Recorder {
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            requests: Mutex::new(VecDeque::new()),
            capacity,
        }
    }

    /// Keeps `request`, dropping the oldest beyond capacity (`0` keeps none: a service that
    /// only answers and never asserts).
    pub(crate) fn record(&self, request: RecordedRequest) {
        if self.capacity == 0 {
            return;
        }
        let mut requests = lock(&self.requests);
        while requests.len() >= self.capacity {
            requests.pop_front();
        }
        requests.push_back(request);
    }

    pub(crate) fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.requests).iter().cloned().collect()
    }

    pub(crate) fn violations(&self) -> Vec<Violation> {
        lock(&self.requests)
            .iter()
            .flat_map(|r| r.violations.iter().cloned())
            .collect()
    }

    pub(crate) fn clear(&self) {
        lock(&self.requests).clear();
    }
}

pub(crate) fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `HeaderValue` for a string we built ourselves (always valid).
pub(crate) fn header_value(text: &str) -> HeaderValue {
    HeaderValue::from_str(text).unwrap_or_else(|_| HeaderValue::from_static("invalid"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(path: &str) -> RecordedRequest {
        RecordedRequest {
            method: "GET".into(),
            path: path.into(),
            query: None,
            operation: None,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            body_len: 0,
            parts: Vec::new(),
            violations: Vec::new(),
            status: 200,
        }
    }

    #[test]
    fn keeps_only_the_most_recent_requests() {
        let recorder = Recorder::new(2);
        for path in ["/a", "/b", "/c"] {
            recorder.record(request(path));
        }
        let paths: Vec<_> = recorder.requests().into_iter().map(|r| r.path).collect();
        assert_eq!(paths, ["/b", "/c"]);
    }

    #[test]
    fn capacity_zero_keeps_nothing() {
        let recorder = Recorder::new(0);
        for path in ["/a", "/b"] {
            recorder.record(request(path));
        }
        assert!(recorder.requests().is_empty());
        assert!(recorder.violations().is_empty());
    }
}
