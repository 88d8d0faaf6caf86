//! Example values: the spec's own examples where it has them, else synthesised from the schema
//! so that they validate against it.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use serde_json::{Map, Value, json};

use crate::model::{Media, resolve};
use crate::validate::Direction;

/// Deeper than this, a (recursive) schema yields only what it requires.
const MAX_DEPTH: usize = 12;

/// The example of a media type: `example`, else the first of `examples`, else one synthesised
/// from its schema.
pub(crate) fn media_example(document: &Value, media: &Media, direction: Direction) -> Value {
    if let Some(example) = media.object.get("example") {
        return example.clone();
    }
    let first_example = media
        .object
        .get("examples")
        .and_then(Value::as_object)
        .and_then(|examples| examples.values().next())
        .and_then(|e| resolve(document, e))
        .and_then(|e| e.get("value"));
    if let Some(value) = first_example {
        return value.clone();
    }
    match &media.schema {
        Some(schema) => example(document, schema, direction),
        None => Value::Null,
    }
}

/// A value valid against `schema` (a schema `example` wins). `direction` decides whether
/// `readOnly` (responses) or `writeOnly` (requests) properties appear.
///
/// In responses, a string property named `token`, `access_token`, `jwt` or `*_token` (or
/// `format: jwt`) without an example becomes an unsigned-looking JWT whose payload has `iat`
/// and an `exp` one hour ahead, so that clients reading a session's expiry have one to read.
pub fn example(document: &Value, schema: &Value, direction: Direction) -> Value {
    Synth {
        document,
        direction,
    }
    .value(schema, None, 0)
}

struct Synth<'a> {
    document: &'a Value,
    direction: Direction,
}

impl Synth<'_> {
    fn value(&self, schema: &Value, name: Option<&str>, depth: usize) -> Value {
        // `allOf`/`oneOf` `$ref` cycles do not pass through `object`'s depth check.
        if depth > MAX_DEPTH * 4 {
            return Value::Null;
        }
        let Some(schema) = resolve(self.document, schema) else {
            return Value::Null;
        };
        let Some(s) = schema.as_object() else {
            return json!("example");
        };
        if let Some(example) = s.get("example") {
            return example.clone();
        }
        if let Some(first) = s
            .get("enum")
            .and_then(Value::as_array)
            .and_then(|e| e.first())
        {
            return first.clone();
        }
        if let Some(members) = s.get("allOf").and_then(Value::as_array) {
            return self.all_of(s, members, name, depth);
        }
        for key in ["oneOf", "anyOf"] {
            if let Some(first) = s.get(key).and_then(Value::as_array).and_then(|m| m.first()) {
                return self.value(first, name, depth + 1);
            }
        }
        let kind = s.get("type").and_then(Value::as_str).unwrap_or_else(|| {
            if s.contains_key("properties") {
                "object"
            } else if s.contains_key("items") {
                "array"
            } else {
                "string"
            }
        });
        match kind {
            "object" => self.object(s, depth),
            "array" => self.array(s, depth),
            "integer" => integer(s),
            "number" => number(s),
            "boolean" => Value::Bool(true),
            _ => self.string(s, name),
        }
    }

    fn all_of(
        &self,
        s: &Map<String, Value>,
        members: &[Value],
        name: Option<&str>,
        depth: usize,
    ) -> Value {
        let mut merged = Map::new();
        let mut scalar = None;
        for member in members {
            match self.value(member, name, depth + 1) {
                Value::Object(part) => merged.extend(part),
                other => scalar = Some(other),
            }
        }
        // Sibling keywords next to `allOf` (`properties`, `required`) contribute too.
        if s.contains_key("properties")
            && let Value::Object(own) = self.object(s, depth)
        {
            merged.extend(own);
        }
        match scalar {
            Some(value) if merged.is_empty() => value,
            _ => Value::Object(merged),
        }
    }

    fn object(&self, s: &Map<String, Value>, depth: usize) -> Value {
        let required: Vec<&str> = s
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let mut out = Map::new();
        if let Some(properties) = s.get("properties").and_then(Value::as_object) {
            for (name, property) in properties {
                if depth >= MAX_DEPTH && !required.contains(&name.as_str()) {
                    continue;
                }
                let resolved = resolve(self.document, property).unwrap_or(property);
                let skip = match self.direction {
                    Direction::Request => "readOnly",
                    Direction::Response => "writeOnly",
                };
                if resolved.get(skip).and_then(Value::as_bool) == Some(true) {
                    continue;
                }
                out.insert(name.clone(), self.value(property, Some(name), depth + 1));
            }
        }
        let min = s.get("minProperties").and_then(Value::as_u64).unwrap_or(0) as usize;
        if let Some(additional @ Value::Object(_)) = s.get("additionalProperties") {
            let mut i = 0;
            while out.len() < min.max(usize::from(out.is_empty() && depth < MAX_DEPTH)) {
                out.insert(format!("key{i}"), self.value(additional, None, depth + 1));
                i += 1;
            }
        }
        Value::Object(out)
    }

    fn array(&self, s: &Map<String, Value>, depth: usize) -> Value {
        let min = s.get("minItems").and_then(Value::as_u64).unwrap_or(0);
        let max = s
            .get("maxItems")
            .and_then(Value::as_u64)
            .unwrap_or(u64::MAX);
        let want = if depth >= MAX_DEPTH {
            min
        } else {
            min.max(1).min(max)
        };
        let items = s.get("items").cloned().unwrap_or(Value::Bool(true));
        let unique = s.get("uniqueItems").and_then(Value::as_bool) == Some(true);
        let first = self.value(&items, None, depth + 1);
        if unique && want > 1 {
            // Distinct items are only guaranteed for enums and numbers; good enough for examples.
            let distinct: Vec<Value> = resolve(self.document, &items)
                .and_then(|i| i.get("enum"))
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_else(|| (0..want).map(Value::from).collect());
            return Value::Array(distinct.into_iter().take(want as usize).collect());
        }
        Value::Array((0..want).map(|_| first.clone()).collect())
    }

    fn string(&self, s: &Map<String, Value>, name: Option<&str>) -> Value {
        let format = s.get("format").and_then(Value::as_str).unwrap_or("");
        let text = match format {
            "date" => rfc3339(now()).chars().take(10).collect(),
            "date-time" => rfc3339(now()),
            "uuid" => "3f2504e0-4f89-41d3-9a0c-0305e82c3301".to_owned(),
            "email" => "user@example.com".to_owned(),
            "uri" | "url" => "https://example.com/".to_owned(),
            "hostname" => "example.com".to_owned(),
            "ipv4" => "127.0.0.1".to_owned(),
            "ipv6" => "::1".to_owned(),
            "byte" => base64::engine::general_purpose::STANDARD.encode(b"example"),
            "binary" => "example file contents".to_owned(),
            "jwt" => jwt(),
            _ if self.direction == Direction::Response && name.is_some_and(is_token_name) => jwt(),
            _ => name.map_or_else(|| "example".to_owned(), |n| format!("example {n}")),
        };
        let min = s.get("minLength").and_then(Value::as_u64).unwrap_or(0) as usize;
        let max = s
            .get("maxLength")
            .and_then(Value::as_u64)
            .map_or(usize::MAX, |m| m as usize);
        let mut text: String = text.chars().take(max).collect();
        while text.chars().count() < min {
            text.push('x');
        }
        Value::String(text)
    }
}

fn is_token_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "token" || lower == "jwt" || lower.ends_with("_token") || name.ends_with("Token")
}

fn integer(s: &Map<String, Value>) -> Value {
    let exclusive = |key: &str| s.get(key).and_then(Value::as_bool).unwrap_or(false);
    let step = s
        .get("multipleOf")
        .and_then(Value::as_i64)
        .filter(|m| *m > 0)
        .unwrap_or(1);
    let low = s.get("minimum").and_then(Value::as_f64).map(|m| {
        let m = m.ceil() as i64;
        if exclusive("exclusiveMinimum") {
            m + 1
        } else {
            m
        }
    });
    let high = s.get("maximum").and_then(Value::as_f64).map(|m| {
        let m = m.floor() as i64;
        if exclusive("exclusiveMaximum") {
            m - 1
        } else {
            m
        }
    });
    let start = low.unwrap_or_else(|| high.map_or(1, |h| h.min(1)));
    // The first multiple of `step` at or above `start`.
    let value = start.div_euclid(step) * step + if start.rem_euclid(step) == 0 { 0 } else { step };
    Value::from(value)
}

fn number(s: &Map<String, Value>) -> Value {
    if s.contains_key("multipleOf") {
        return integer(s);
    }
    let low = s.get("minimum").and_then(Value::as_f64);
    let high = s.get("maximum").and_then(Value::as_f64);
    let value = match (low, high) {
        (Some(l), Some(h)) => (l + h) / 2.0,
        (Some(l), None) => l + 1.0,
        (None, Some(h)) => h - 1.0,
        (None, None) => 1.5,
    };
    json!(value)
}

static JWT_SERIAL: AtomicU64 = AtomicU64::new(1);

/// A JWT-shaped token: `{"alg":"HS256","typ":"JWT"}`, a payload with `iat`, `exp` (one hour
/// ahead) and a unique `jti`, and a fixed signature. Not signed: the mock's tokens are for
/// reading, not for verifying.
fn jwt() -> String {
    let b64 = |bytes: &[u8]| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes);
    let issued = now();
    let serial = JWT_SERIAL.fetch_add(1, Ordering::Relaxed);
    let payload = json!({
        "iss": "simplio3d-mock",
        "sub": "mock-session",
        "iat": issued,
        "exp": issued + 3600,
        "jti": format!("mock-{serial}"),
    });
    format!(
        "{}.{}.{}",
        b64(br#"{"alg":"HS256","typ":"JWT"}"#),
        b64(payload.to_string().as_bytes()),
        b64(b"simplio3d-mock-signature")
    )
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
}

/// `YYYY-MM-DDTHH:MM:SSZ` for seconds since the epoch (civil-from-days, proleptic Gregorian).
fn rfc3339(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::{Patterns, SchemaValidator};

    #[test]
    fn dates_are_civil() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
        assert_eq!(rfc3339(1_735_689_599), "2024-12-31T23:59:59Z");
    }

    #[test]
    fn token_properties_become_jwts_with_an_expiry_an_hour_ahead() {
        let schema = json!({"type": "object", "properties": {"message": {"type": "string"}, "token": {"type": "string"}}});
        let value = example(&json!({}), &schema, Direction::Response);
        let token = value["token"].as_str().expect("a token");
        let payload = token.split('.').nth(1).expect("three segments");
        let payload: Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .expect("base64url"),
        )
        .expect("json payload");
        let ahead = payload["exp"].as_u64().expect("exp") - now();
        assert!((3590..=3600).contains(&ahead), "exp is {ahead}s ahead");
        assert!(value["message"].is_string());
    }

    #[test]
    fn synthesised_values_validate_against_their_schema() {
        let doc = json!({"components": {"schemas": {
            "Node": {"type": "object", "required": ["name"], "properties": {
                "name": {"type": "string", "minLength": 12, "maxLength": 14},
                "children": {"type": "array", "items": {"$ref": "#/components/schemas/Node"}},
                "weight": {"type": "integer", "minimum": 5, "exclusiveMinimum": true, "multipleOf": 4},
                "ratio": {"type": "number", "minimum": 0, "maximum": 1},
                "kind": {"type": "string", "enum": ["leaf", "branch"]},
                "when": {"type": "string", "format": "date-time"},
                "id": {"type": "string", "format": "uuid", "readOnly": true},
                "extra": {"type": "object", "additionalProperties": {"type": "integer", "maximum": 0}}
            }}
        }}});
        let schema = json!({"$ref": "#/components/schemas/Node"});
        let patterns = Patterns::default();
        for direction in [Direction::Request, Direction::Response] {
            let value = example(&doc, &schema, direction);
            let validator = SchemaValidator {
                document: &doc,
                patterns: &patterns,
                direction,
                operation: None,
            };
            assert_eq!(validator.validate(&schema, &value, ""), vec![], "{value}");
            assert_eq!(value.get("id").is_some(), direction == Direction::Response);
        }
    }
}
