//! A validator for the OpenAPI 3.0 Schema Object.
//!
//! Hand-written rather than a JSON Schema crate because OpenAPI 3.0 schemas are not JSON
//! Schema: `nullable`, boolean `exclusiveMinimum`/`exclusiveMaximum`, `readOnly`/`writeOnly`
//! depending on direction, `format: binary` meaning "a file part", and local `$ref`s into
//! the same document. Every violation carries a JSON pointer into the instance.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};
use std::sync::RwLock;

use regex::Regex;
use serde_json::Value;

use crate::model::resolve;
use crate::recorder::{Violation, ViolationKind};

/// Which way a value travels: `readOnly` properties are not expected in requests,
/// `writeOnly` ones not in responses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// Sent by the client: `readOnly` properties are left out.
    Request,
    /// Sent by the server: `writeOnly` properties are left out.
    Response,
}

/// Compiled `pattern`s, shared by all requests.
#[derive(Debug, Default)]
pub(crate) struct Patterns {
    compiled: RwLock<HashMap<String, Option<Regex>>>,
}

impl Patterns {
    /// `None` when the pattern is not a regex the `regex` crate accepts (ECMA-262
    /// look-arounds, back-references): such a pattern is not enforced rather than guessed at.
    fn matches(&self, pattern: &str, text: &str) -> Option<bool> {
        if let Some(compiled) = self
            .compiled
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(pattern)
        {
            return compiled.as_ref().map(|r| r.is_match(text));
        }
        let compiled = Regex::new(pattern).ok();
        let result = compiled.as_ref().map(|r| r.is_match(text));
        self.compiled
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(pattern.to_owned(), compiled);
        result
    }
}

/// How deep schemas may nest along one instance path. serde_json stops parsing at 128 levels,
/// so real instances stay below this; only `$ref` cycles reach it.
const MAX_DEPTH: usize = 256;

/// Validates instances against schemas of one document.
pub(crate) struct SchemaValidator<'a> {
    pub(crate) document: &'a Value,
    pub(crate) patterns: &'a Patterns,
    pub(crate) direction: Direction,
    pub(crate) operation: Option<&'a str>,
}

impl SchemaValidator<'_> {
    /// Validates `instance` against `schema`; `location` is the instance's JSON pointer.
    pub(crate) fn validate(
        &self,
        schema: &Value,
        instance: &Value,
        location: &str,
    ) -> Vec<Violation> {
        self.validate_at(schema, instance, location, 0)
    }

    fn validate_at(
        &self,
        schema: &Value,
        instance: &Value,
        location: &str,
        depth: usize,
    ) -> Vec<Violation> {
        let mut out = Vec::new();
        self.check(schema, instance, location, depth, &mut out);
        out
    }

    fn violation(
        &self,
        out: &mut Vec<Violation>,
        location: &str,
        kind: ViolationKind,
        message: String,
    ) {
        out.push(Violation {
            operation: self.operation.map(str::to_owned),
            location: location.to_owned(),
            kind,
            message,
        });
    }

    fn check(
        &self,
        schema: &Value,
        instance: &Value,
        at: &str,
        depth: usize,
        out: &mut Vec<Violation>,
    ) {
        // A `$ref` cycle through `allOf`/`oneOf` (`A: {allOf: [$ref: A]}`) never reaches the
        // end of the instance; stop rather than overflow the stack.
        if depth > MAX_DEPTH {
            self.violation(
                out,
                at,
                ViolationKind::Composition,
                format!("the schema nests deeper than {MAX_DEPTH} levels here (a $ref cycle?)"),
            );
            return;
        }
        let Some(schema) = resolve(self.document, schema) else {
            return;
        };
        // `true`/`{}`/anything that is not an object accepts everything.
        let Some(s) = schema.as_object() else { return };

        if instance.is_null() {
            let nullable = s.get("nullable").and_then(Value::as_bool).unwrap_or(false);
            let typed = s.contains_key("type");
            let null_in_enum = s
                .get("enum")
                .and_then(Value::as_array)
                .is_some_and(|e| e.contains(&Value::Null));
            if nullable || null_in_enum {
                return;
            }
            if typed {
                let expected = s.get("type").and_then(Value::as_str).unwrap_or("a value");
                self.violation(
                    out,
                    at,
                    ViolationKind::Type,
                    format!("is null, expected {expected}"),
                );
                return;
            }
        }

        if let Some(expected) = s.get("type").and_then(Value::as_str)
            && !type_matches(expected, instance)
        {
            self.violation(
                out,
                at,
                ViolationKind::Type,
                format!("expected {expected}, got {}", type_name(instance)),
            );
            return;
        }

        if let Some(allowed) = s.get("enum").and_then(Value::as_array)
            && !allowed.iter().any(|a| json_equal(a, instance))
        {
            self.violation(
                out,
                at,
                ViolationKind::Enum,
                format!(
                    "{} is not one of {}",
                    short(instance),
                    Value::Array(allowed.clone())
                ),
            );
        }

        match instance {
            Value::String(text) => self.check_string(s, text, at, out),
            Value::Number(_) => self.check_number(s, instance, at, out),
            Value::Array(items) => self.check_array(s, items, at, depth, out),
            Value::Object(map) => self.check_object(s, map, at, depth, out),
            Value::Bool(_) | Value::Null => {}
        }

        self.check_composition(s, instance, at, depth, out);
    }

    fn check_string(
        &self,
        s: &serde_json::Map<String, Value>,
        text: &str,
        at: &str,
        out: &mut Vec<Violation>,
    ) {
        let length = text.chars().count() as u64;
        if let Some(min) = s.get("minLength").and_then(Value::as_u64)
            && length < min
        {
            self.violation(
                out,
                at,
                ViolationKind::Range,
                format!("length {length} is below minLength {min}"),
            );
        }
        if let Some(max) = s.get("maxLength").and_then(Value::as_u64)
            && length > max
        {
            self.violation(
                out,
                at,
                ViolationKind::Range,
                format!("length {length} is above maxLength {max}"),
            );
        }
        if let Some(pattern) = s.get("pattern").and_then(Value::as_str)
            && self.patterns.matches(pattern, text) == Some(false)
        {
            self.violation(
                out,
                at,
                ViolationKind::Pattern,
                format!(
                    "{:?} does not match pattern {pattern:?}",
                    super::short_text(text)
                ),
            );
        }
        if let Some(format) = s.get("format").and_then(Value::as_str)
            && let Some(problem) = super::format::check(format, text)
        {
            self.violation(out, at, ViolationKind::Format, problem);
        }
    }

    fn check_number(
        &self,
        s: &serde_json::Map<String, Value>,
        instance: &Value,
        at: &str,
        out: &mut Vec<Violation>,
    ) {
        let Some(n) = instance.as_f64() else { return };
        let exclusive = |key: &str| s.get(key).and_then(Value::as_bool).unwrap_or(false);
        if let Some(min) = s.get("minimum").and_then(Value::as_f64) {
            let low = if exclusive("exclusiveMinimum") {
                n <= min
            } else {
                n < min
            };
            if low {
                self.violation(
                    out,
                    at,
                    ViolationKind::Range,
                    format!("{n} is below the minimum {min}"),
                );
            }
        }
        if let Some(max) = s.get("maximum").and_then(Value::as_f64) {
            let high = if exclusive("exclusiveMaximum") {
                n >= max
            } else {
                n > max
            };
            if high {
                self.violation(
                    out,
                    at,
                    ViolationKind::Range,
                    format!("{n} is above the maximum {max}"),
                );
            }
        }
        if let Some(step) = s
            .get("multipleOf")
            .and_then(Value::as_f64)
            .filter(|m| *m > 0.0)
        {
            let ratio = n / step;
            if (ratio - ratio.round()).abs() > 1e-9 {
                self.violation(
                    out,
                    at,
                    ViolationKind::Range,
                    format!("{n} is not a multiple of {step}"),
                );
            }
        }
        if s.get("format").and_then(Value::as_str) == Some("int64") {
            if !fits_i64(instance) {
                self.violation(
                    out,
                    at,
                    ViolationKind::Format,
                    format!("{n} does not fit int64"),
                );
            }
        } else if let Some(format) = s.get("format").and_then(Value::as_str) {
            let (low, high) = match format {
                "int32" => (f64::from(i32::MIN), f64::from(i32::MAX)),
                "float" => (f64::from(f32::MIN), f64::from(f32::MAX)),
                _ => (f64::MIN, f64::MAX),
            };
            if n < low || n > high {
                self.violation(
                    out,
                    at,
                    ViolationKind::Format,
                    format!("{n} does not fit {format}"),
                );
            }
        }
    }

    fn check_array(
        &self,
        s: &serde_json::Map<String, Value>,
        items: &[Value],
        at: &str,
        depth: usize,
        out: &mut Vec<Violation>,
    ) {
        let count = items.len() as u64;
        if let Some(min) = s.get("minItems").and_then(Value::as_u64)
            && count < min
        {
            self.violation(
                out,
                at,
                ViolationKind::Range,
                format!("{count} items, minItems is {min}"),
            );
        }
        if let Some(max) = s.get("maxItems").and_then(Value::as_u64)
            && count > max
        {
            self.violation(
                out,
                at,
                ViolationKind::Range,
                format!("{count} items, maxItems is {max}"),
            );
        }
        if s.get("uniqueItems").and_then(Value::as_bool) == Some(true) && has_duplicate(items) {
            self.violation(out, at, ViolationKind::Range, "items are not unique".into());
        }
        if let Some(item_schema) = s.get("items") {
            for (i, item) in items.iter().enumerate() {
                self.check(item_schema, item, &format!("{at}/{i}"), depth + 1, out);
            }
        }
    }

    fn check_object(
        &self,
        s: &serde_json::Map<String, Value>,
        map: &serde_json::Map<String, Value>,
        at: &str,
        depth: usize,
        out: &mut Vec<Violation>,
    ) {
        let properties = s.get("properties").and_then(Value::as_object);
        if let Some(required) = s.get("required").and_then(Value::as_array) {
            for name in required.iter().filter_map(Value::as_str) {
                if map.contains_key(name) {
                    continue;
                }
                let property = properties
                    .and_then(|p| p.get(name))
                    .and_then(|p| resolve(self.document, p));
                if property.is_some_and(|p| self.skipped_in_direction(p)) {
                    continue;
                }
                self.violation(
                    out,
                    &format!("{at}/{}", escape(name)),
                    ViolationKind::Missing,
                    format!("required property `{name}` is missing"),
                );
            }
        }
        let count = map.len() as u64;
        if let Some(min) = s.get("minProperties").and_then(Value::as_u64)
            && count < min
        {
            self.violation(
                out,
                at,
                ViolationKind::Range,
                format!("{count} properties, minProperties is {min}"),
            );
        }
        if let Some(max) = s.get("maxProperties").and_then(Value::as_u64)
            && count > max
        {
            self.violation(
                out,
                at,
                ViolationKind::Range,
                format!("{count} properties, maxProperties is {max}"),
            );
        }
        let additional = s.get("additionalProperties");
        for (name, value) in map {
            let here = format!("{at}/{}", escape(name));
            match properties.and_then(|p| p.get(name)) {
                Some(property) => self.check(property, value, &here, depth + 1, out),
                None => match additional {
                    Some(Value::Bool(false)) => self.violation(
                        out,
                        &here,
                        ViolationKind::Unknown,
                        format!(
                            "property `{}` is not allowed (additionalProperties: false)",
                            super::short_text(name)
                        ),
                    ),
                    Some(schema @ Value::Object(_)) => {
                        self.check(schema, value, &here, depth + 1, out);
                    }
                    _ => {}
                },
            }
        }
    }

    fn check_composition(
        &self,
        s: &serde_json::Map<String, Value>,
        instance: &Value,
        at: &str,
        depth: usize,
        out: &mut Vec<Violation>,
    ) {
        if let Some(all) = s.get("allOf").and_then(Value::as_array) {
            for sub in all {
                self.check(sub, instance, at, depth + 1, out);
            }
        }
        let passing = |list: &Vec<Value>| {
            list.iter()
                .filter(|sub| self.validate_at(sub, instance, at, depth + 1).is_empty())
                .count()
        };
        if let Some(any) = s.get("anyOf").and_then(Value::as_array)
            && passing(any) == 0
        {
            self.violation(
                out,
                at,
                ViolationKind::Composition,
                format!("matches none of the {} anyOf schemas", any.len()),
            );
        }
        if let Some(one) = s.get("oneOf").and_then(Value::as_array) {
            let n = passing(one);
            if n != 1 {
                self.violation(
                    out,
                    at,
                    ViolationKind::Composition,
                    format!(
                        "matches {n} of the {} oneOf schemas, expected exactly one",
                        one.len()
                    ),
                );
            }
        }
        if let Some(not) = s.get("not")
            && self.validate_at(not, instance, at, depth + 1).is_empty()
        {
            self.violation(
                out,
                at,
                ViolationKind::Composition,
                "matches the schema under `not`".into(),
            );
        }
    }

    /// `readOnly` properties need not be sent in requests, `writeOnly` ones in responses.
    pub(crate) fn skipped_in_direction(&self, property: &Value) -> bool {
        let flag = match self.direction {
            Direction::Request => "readOnly",
            Direction::Response => "writeOnly",
        };
        property.get(flag).and_then(Value::as_bool).unwrap_or(false)
    }
}

/// `int64` exactly: `f64` cannot tell `i64::MIN - 1` from `i64::MIN`. An integer literal
/// that fits 64 bits parses as `i64`/`u64`; one that arrives as `f64` and is integral at or
/// beyond 2^63 did not fit.
fn fits_i64(instance: &Value) -> bool {
    match instance {
        Value::Number(n) if n.is_i64() => true,
        Value::Number(n) if n.is_u64() => false,
        Value::Number(n) => n
            .as_f64()
            .is_some_and(|f| f.abs() < 9_223_372_036_854_775_808.0),
        _ => true,
    }
}

fn type_matches(expected: &str, instance: &Value) -> bool {
    match expected {
        "string" => instance.is_string(),
        "number" => instance.is_number(),
        "integer" => match instance {
            Value::Number(n) => {
                n.is_i64() || n.is_u64() || n.as_f64().is_some_and(|f| f.fract() == 0.0)
            }
            _ => false,
        },
        "boolean" => instance.is_boolean(),
        "array" => instance.is_array(),
        "object" => instance.is_object(),
        _ => true,
    }
}

pub(crate) fn type_name(instance: &Value) -> &'static str {
    match instance {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

/// Numbers compare by value (`1` equals `1.0`), everything else structurally.
fn json_equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => x.as_f64() == y.as_f64(),
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(a, b)| json_equal(a, b))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(k, v)| y.get(k).is_some_and(|w| json_equal(v, w)))
        }
        _ => a == b,
    }
}

/// Whether two items are [`json_equal`]: hashed by a canonical form, compared only within
/// a hash bucket, so a 100k-item array costs O(n), not O(n²).
fn has_duplicate(items: &[Value]) -> bool {
    let mut seen: HashMap<u64, Vec<&Value>> = HashMap::with_capacity(items.len());
    items.iter().any(|item| {
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        canonical_hash(item, &mut hasher);
        let bucket = seen.entry(hasher.finish()).or_default();
        let duplicate = bucket.iter().any(|other| json_equal(item, other));
        bucket.push(item);
        duplicate
    })
}

/// Hashes `value` so that [`json_equal`] values hash alike: numbers by their `f64` value,
/// object members in key order.
fn canonical_hash(value: &Value, hasher: &mut impl Hasher) {
    match value {
        Value::Null => 0u8.hash(hasher),
        Value::Bool(b) => (1u8, b).hash(hasher),
        Value::Number(n) => {
            // `+ 0.0` turns -0.0 into 0.0, which compare equal.
            (2u8, (n.as_f64().unwrap_or(f64::NAN) + 0.0).to_bits()).hash(hasher);
        }
        Value::String(text) => (3u8, text).hash(hasher),
        Value::Array(items) => {
            (4u8, items.len()).hash(hasher);
            for item in items {
                canonical_hash(item, hasher);
            }
        }
        Value::Object(map) => {
            (5u8, map.len()).hash(hasher);
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort_unstable();
            for key in keys {
                key.hash(hasher);
                canonical_hash(&map[key], hasher);
            }
        }
    }
}

/// A value for a message, cut short.
fn short(value: &Value) -> String {
    super::short_text(&value.to_string())
}

/// Escapes a JSON pointer token (RFC 6901).
pub(crate) fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn violations(
        document: &Value,
        schema: &Value,
        instance: &Value,
    ) -> Vec<(String, ViolationKind)> {
        let patterns = Patterns::default();
        let v = SchemaValidator {
            document,
            patterns: &patterns,
            direction: Direction::Request,
            operation: None,
        };
        v.validate(schema, instance, "/body")
            .into_iter()
            .map(|v| (v.location, v.kind))
            .collect()
    }

    #[test]
    fn objects_report_missing_unknown_and_nested_type_errors_with_pointers() {
        let doc =
            json!({"components": {"schemas": {"Tag": {"type": "string", "enum": ["a", "b"]}}}});
        let schema = json!({
            "type": "object",
            "required": ["name", "id"],
            "additionalProperties": false,
            "properties": {
                "id": {"type": "integer", "readOnly": true},
                "name": {"type": "string", "minLength": 2},
                "tags": {"type": "array", "items": {"$ref": "#/components/schemas/Tag"}},
                "a/b": {"type": "boolean"}
            }
        });
        let got = violations(
            &doc,
            &schema,
            &json!({"tags": ["a", "c"], "a/b": 1, "extra": 1}),
        );
        assert_eq!(
            got,
            vec![
                ("/body/name".into(), ViolationKind::Missing),
                ("/body/tags/1".into(), ViolationKind::Enum),
                ("/body/a~1b".into(), ViolationKind::Type),
                ("/body/extra".into(), ViolationKind::Unknown),
            ]
        );
        assert!(violations(&doc, &schema, &json!({"name": "ok", "tags": ["b"]})).is_empty());
    }

    #[test]
    fn unique_items_compares_numbers_by_value_and_objects_by_members() {
        let doc = json!({});
        let unique = json!({"type": "array", "uniqueItems": true});
        for (items, duplicate) in [
            (json!([1, 1.0]), true),
            (json!([0.0, -0.0]), true),
            (json!([{"a": 1, "b": [2]}, {"b": [2.0], "a": 1}]), true),
            (json!([1, "1", [1], {"1": 1}, null, true]), false),
        ] {
            let got = violations(&doc, &unique, &items);
            assert_eq!(!got.is_empty(), duplicate, "{items}");
        }
        let many: Vec<Value> = (0..100_000).map(Value::from).collect();
        assert!(violations(&doc, &unique, &Value::Array(many)).is_empty());
    }

    #[test]
    fn int64_bounds_are_exact() {
        let doc = json!({});
        let int64 = json!({"type": "integer", "format": "int64"});
        let big = |text: &str| serde_json::from_str::<Value>(text).expect("number");
        for (text, fits) in [
            ("-9223372036854775808", true),
            ("9223372036854775807", true),
            ("-9223372036854775809", false),
            ("9223372036854775808", false),
            ("1e30", false),
        ] {
            assert_eq!(
                violations(&doc, &int64, &big(text)).is_empty(),
                fits,
                "{text}"
            );
        }
    }

    #[test]
    fn a_ref_cycle_through_all_of_is_a_violation_not_a_stack_overflow() {
        let doc = json!({"components": {"schemas": {"Loop": {"allOf": [{"$ref": "#/components/schemas/Loop"}]}}}});
        let got = violations(
            &doc,
            &json!({"$ref": "#/components/schemas/Loop"}),
            &json!(1),
        );
        assert_eq!(got, vec![("/body".into(), ViolationKind::Composition)]);
    }

    #[test]
    fn numbers_strings_nullable_and_composition() {
        let doc = json!({});
        let int = json!({"type": "integer", "format": "int32", "minimum": 1, "maximum": 10, "exclusiveMaximum": true});
        assert!(violations(&doc, &int, &json!(5)).is_empty());
        assert_eq!(
            violations(&doc, &int, &json!(10))[0].1,
            ViolationKind::Range
        );
        assert_eq!(
            violations(&doc, &int, &json!(1.5))[0].1,
            ViolationKind::Type
        );
        assert_eq!(
            violations(&doc, &int, &json!(null))[0].1,
            ViolationKind::Type
        );
        let nullable = json!({"type": "string", "nullable": true, "pattern": "^[a-z]+$"});
        assert!(violations(&doc, &nullable, &json!(null)).is_empty());
        assert_eq!(
            violations(&doc, &nullable, &json!("A1"))[0].1,
            ViolationKind::Pattern
        );
        let one = json!({"oneOf": [{"type": "string"}, {"type": "integer"}, {"type": "number"}]});
        assert!(violations(&doc, &one, &json!("x")).is_empty());
        assert_eq!(
            violations(&doc, &one, &json!(3))[0].1,
            ViolationKind::Composition
        );
        let date = json!({"type": "string", "format": "date-time"});
        assert!(violations(&doc, &date, &json!("2024-05-01T10:00:00Z")).is_empty());
        assert_eq!(
            violations(&doc, &date, &json!("yesterday"))[0].1,
            ViolationKind::Format
        );
    }
}
