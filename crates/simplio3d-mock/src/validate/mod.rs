//! Request validation against one operation: security, parameters, content type and body.

mod body;
pub(crate) mod format;
mod multipart;
mod params;
pub(crate) mod schema;
mod security;

use axum::http::HeaderMap;
use bytes::Bytes;
use serde_json::Value;

use crate::model::{OperationModel, resolve};
use crate::recorder::{RecordedPart, Violation, ViolationKind};
pub(crate) use schema::{Direction, Patterns, SchemaValidator};

/// What a request is validated with.
pub(crate) struct Context<'a> {
    pub(crate) document: &'a Value,
    pub(crate) patterns: &'a Patterns,
    /// The key the mock was started with; `None` accepts any non-empty credential.
    pub(crate) api_key: Option<&'a str>,
}

impl Context<'_> {
    fn schemas<'b>(&'b self, op: &'b OperationModel) -> SchemaValidator<'b> {
        SchemaValidator {
            document: self.document,
            patterns: self.patterns,
            direction: Direction::Request,
            operation: Some(op.name.as_str()),
        }
    }
}

/// The parts of a request that validation reads.
pub(crate) struct Request<'a> {
    pub(crate) headers: &'a HeaderMap,
    pub(crate) query: Option<&'a str>,
    pub(crate) path_params: &'a [(String, String)],
    pub(crate) body: &'a Bytes,
}

/// What validation found.
#[derive(Default)]
pub(crate) struct Outcome {
    pub(crate) violations: Vec<Violation>,
    /// Parsed multipart parts, for the recorder.
    pub(crate) parts: Vec<RecordedPart>,
}

/// Validates `request` against `op`; every violation is collected, none stops the others.
pub(crate) async fn validate(
    ctx: &Context<'_>,
    op: &OperationModel,
    request: &Request<'_>,
) -> Outcome {
    let mut outcome = Outcome::default();
    outcome.violations.extend(security::check(ctx, op, request));
    outcome.violations.extend(params::check(ctx, op, request));
    body::check(ctx, op, request, &mut outcome).await;
    outcome
}

fn violation(
    op: &OperationModel,
    location: impl Into<String>,
    kind: ViolationKind,
    message: impl Into<String>,
) -> Violation {
    Violation {
        operation: Some(op.name.clone()),
        location: location.into(),
        kind,
        message: message.into(),
    }
}

/// Turns the text of a parameter or a text part into the JSON value its schema describes,
/// so that `"42"` is checked as the integer 42. Text that does not parse stays a string and
/// fails the type check with a clear message.
pub(crate) fn coerce(document: &Value, schema: &Value, text: &str) -> Value {
    let schema = resolve(document, schema).unwrap_or(schema);
    let declared = schema.get("type").and_then(Value::as_str).or_else(|| {
        // `allOf: [{$ref}]` wrappers and `oneOf`s of scalars: use the first typed branch.
        ["allOf", "oneOf", "anyOf"].iter().find_map(|key| {
            schema
                .get(key)?
                .as_array()?
                .iter()
                .find_map(|s| resolve(document, s)?.get("type")?.as_str())
        })
    });
    let parsed = match declared {
        Some("integer") => text
            .trim()
            .parse::<i64>()
            .ok()
            .map(Value::from)
            .or_else(|| text.trim().parse::<u64>().ok().map(Value::from))
            .or_else(|| big_integer(text.trim())),
        Some("number") => text
            .trim()
            .parse::<f64>()
            .ok()
            .and_then(|f| serde_json::Number::from_f64(f).map(Value::Number)),
        Some("boolean") => match text {
            "true" => Some(Value::Bool(true)),
            "false" => Some(Value::Bool(false)),
            _ => None,
        },
        Some("object" | "array") => serde_json::from_str(text).ok(),
        _ => None,
    };
    parsed.unwrap_or_else(|| Value::String(text.to_owned()))
}

/// An integer literal beyond 64 bits (`type: integer` has no size unless a `format` gives one)
/// as the nearest `f64`: still an integer to the type check, and out of range for `int64`.
fn big_integer(text: &str) -> Option<Value> {
    let digits = text.strip_prefix(['-', '+']).unwrap_or(text);
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse::<f64>()
        .ok()
        .and_then(serde_json::Number::from_f64)
        .map(Value::Number)
}

/// Whether `actual` (a request's media type, lower case, no parameters) is accepted by
/// `declared` (which may be `type/*` or `*/*`, and for `encoding.contentType`, a list).
pub(crate) fn media_type_matches(declared: &str, actual: &str) -> bool {
    declared.split(',').map(str::trim).any(|d| {
        let d = d.split(';').next().unwrap_or(d).trim().to_ascii_lowercase();
        d == "*/*"
            || d == actual
            || d.strip_suffix("/*")
                .is_some_and(|major| actual.split('/').next() == Some(major))
    })
}

/// Request text for a message, cut to 80 characters: a violation echoes what was sent, but
/// never megabytes of it.
pub(crate) fn short_text(text: &str) -> String {
    match text.char_indices().nth(80) {
        Some((cut, _)) => format!("{}…", &text[..cut]),
        None => text.to_owned(),
    }
}

/// The media type of a `Content-Type` value, lower case, without parameters.
pub(crate) fn essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}
