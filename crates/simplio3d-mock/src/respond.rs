//! Building answers: the declared response for a status, or a violation report.

use axum::body::Body;
use axum::http::{HeaderName, StatusCode, header};
use axum::response::Response;
use serde_json::{Value, json};

use crate::model::{Media, OperationModel};
use crate::recorder::{Violation, ViolationKind, header_value};
use crate::synth::media_example;
use crate::validate::{Direction, Patterns, SchemaValidator};

/// What answers are built and checked with.
pub(crate) struct Answering<'a> {
    pub(crate) document: &'a Value,
    pub(crate) patterns: &'a Patterns,
}

impl Answering<'_> {
    /// The mock checks its own answers: a spec `example` that breaks its schema (or a
    /// synthesiser bug) is recorded as [`ViolationKind::ResponseSchema`] rather than sent
    /// as if it were spec-valid. Scripted `Reply::json` bodies are not checked: they may
    /// break the spec on purpose.
    fn self_check(
        &self,
        op: &OperationModel,
        status: u16,
        media: &Media,
        value: &Value,
        violations: &mut Vec<Violation>,
    ) {
        let Some(schema) = &media.schema else { return };
        let validator = SchemaValidator {
            document: self.document,
            patterns: self.patterns,
            direction: Direction::Response,
            operation: Some(op.name.as_str()),
        };
        let location = format!("/response/{status}/body");
        for mut found in validator.validate(schema, value, &location) {
            found.kind = ViolationKind::ResponseSchema;
            found.message = format!("the mock's own answer breaks the spec: {}", found.message);
            violations.push(found);
        }
    }
}

/// A scripted answer for an operation: a status and, optionally, the exact body and headers.
/// Without a body, the spec's example (or a synthesised one) for that status is sent.
#[derive(Clone, Debug, PartialEq)]
pub struct Reply {
    /// The status to answer with.
    pub status: u16,
    /// A JSON body to send instead of the spec's example (may deliberately break the spec).
    pub body: Option<Value>,
    /// Extra response headers.
    pub headers: Vec<(String, String)>,
}

impl Reply {
    /// The spec's answer for `status`.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            body: None,
            headers: Vec::new(),
        }
    }

    /// Sends `body` (as `application/json`) instead of the spec's example.
    #[must_use]
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// Adds a response header.
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }
}

/// The answer declared for `reply.status`, body from the reply or the spec's example; a
/// body that breaks the declared schema is added to `violations`.
pub(crate) fn declared(
    ctx: &Answering<'_>,
    op: &OperationModel,
    reply: &Reply,
    violations: &mut Vec<Violation>,
) -> Response {
    let document = ctx.document;
    let status = StatusCode::from_u16(reply.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let declared = op.response_for(reply.status);
    let mut builder = Response::builder().status(status);
    if let Some(declared) = declared {
        for (name, header) in &declared.headers {
            if header.get("required").and_then(Value::as_bool) == Some(true) {
                let schema = header.get("schema").cloned().unwrap_or(Value::Bool(true));
                let value = crate::synth::example(document, &schema, Direction::Response);
                let text = value
                    .as_str()
                    .map_or_else(|| value.to_string(), str::to_owned);
                builder = builder.header(name.as_str(), header_value(&text));
            }
        }
    }
    for (name, value) in &reply.headers {
        if let Ok(name) = HeaderName::try_from(name.as_str()) {
            builder = builder.header(name, header_value(value));
        }
    }
    let no_body = matches!(reply.status, 204 | 304) || reply.status < 200;
    let body = match (&reply.body, declared.and_then(|d| pick(&d.content))) {
        _ if no_body => Body::empty(),
        (Some(json), _) => {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
            Body::from(json.to_string())
        }
        (None, Some(media)) => {
            let value = media_example(document, media, Direction::Response);
            ctx.self_check(op, reply.status, media, &value, violations);
            encode(&mut builder, media, &value)
        }
        (None, None) => Body::empty(),
    };
    builder
        .body(body)
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// The answer to an invalid request: `status`, listing the violations. When the spec
/// declares a JSON body for that status, its example is sent with any `message`-like string
/// property holding the summary (so the answer still matches the spec); otherwise a JSON body
/// `{"message", "violations": [{location, kind, message}]}`. Either way the
/// `sl-violations` header (named after Prism's) lists them as JSON, so a client sees them
/// even when the spec's error body has no field to hold them.
pub(crate) fn invalid(
    ctx: &Answering<'_>,
    op: Option<&OperationModel>,
    status: u16,
    violations: &mut Vec<Violation>,
) -> Response {
    let summary = violations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("; ");
    let declared = op
        .and_then(|op| op.response_for(status))
        .and_then(|d| pick(&d.content));
    let mut builder = Response::builder()
        .status(StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_REQUEST))
        .header(VIOLATIONS_HEADER, violations_header(violations));
    let body = match (declared, op) {
        (Some(media), Some(op)) => {
            let mut value = media_example(ctx.document, media, Direction::Response);
            if let Some(object) = value.as_object_mut() {
                for key in ["message", "error", "detail", "title", "description"] {
                    if object.get(key).is_some_and(Value::is_string) {
                        object.insert(key.to_owned(), Value::String(summary.clone()));
                    }
                }
            }
            ctx.self_check(op, status, media, &value, violations);
            encode(&mut builder, media, &value)
        }
        _ => {
            builder = builder.header(header::CONTENT_TYPE, "application/json");
            let message = if violations.iter().any(|v| {
                matches!(
                    v.kind,
                    ViolationKind::MissingCredentials | ViolationKind::WrongCredentials
                )
            }) {
                "unauthorized"
            } else {
                "the request does not conform to the OpenAPI document"
            };
            Body::from(json!({ "message": message, "violations": violations }).to_string())
        }
    };
    builder
        .body(body)
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// The header that lists an invalid request's violations (Prism's name for the same idea).
pub const VIOLATIONS_HEADER: &str = "sl-violations";

/// Past this, violations are left out of the header (clients cap header sizes near 8 KiB);
/// the recorder and the body still have them all.
const VIOLATIONS_HEADER_BYTES: usize = 4096;

/// `[{location, kind, message}, ...]` as ASCII JSON (header values must be visible ASCII),
/// as many violations as fit in [`VIOLATIONS_HEADER_BYTES`].
fn violations_header(violations: &[Violation]) -> axum::http::HeaderValue {
    let mut listed = Vec::new();
    let mut text = "[]".to_owned();
    for violation in violations {
        listed.push(json!({
            "location": violation.location,
            "kind": violation.kind,
            "message": violation.message,
        }));
        let candidate = ascii_json(&Value::Array(listed.clone()));
        if candidate.len() > VIOLATIONS_HEADER_BYTES {
            break;
        }
        text = candidate;
    }
    header_value(&text)
}

/// JSON with every non-ASCII character as a `\uXXXX` escape.
fn ascii_json(value: &Value) -> String {
    let mut out = String::new();
    for c in value.to_string().chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
}

/// A routing failure (404, 405) that no operation declares.
pub(crate) fn routing(status: StatusCode, message: String, allow: Option<String>) -> Response {
    let mut builder = Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, "application/json");
    if let Some(allow) = allow {
        builder = builder.header(header::ALLOW, header_value(&allow));
    }
    builder
        .body(Body::from(json!({ "message": message }).to_string()))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

/// JSON first (what clients generated from the spec decode), then the first declared.
fn pick(content: &[Media]) -> Option<&Media> {
    content
        .iter()
        .find(|m| m.media_type == "application/json")
        .or_else(|| content.iter().find(|m| m.media_type.ends_with("+json")))
        .or_else(|| content.first())
}

fn encode(builder: &mut axum::http::response::Builder, media: &Media, value: &Value) -> Body {
    let content_type = if media.media_type.contains('*') {
        "application/octet-stream"
    } else {
        media.media_type.as_str()
    };
    *builder = std::mem::take(builder).header(header::CONTENT_TYPE, header_value(content_type));
    let json = content_type == "application/json" || content_type.ends_with("+json");
    match value {
        _ if json => Body::from(value.to_string()),
        Value::String(text) => Body::from(text.clone()),
        Value::Null => Body::empty(),
        other => Body::from(other.to_string()),
    }
}
