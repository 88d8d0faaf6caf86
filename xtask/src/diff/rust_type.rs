//! The Rust type typify 0.8 generates for a schema, as far as the diff needs it.
//!
//! Some wire-compatible edits change the generated type: `minimum: 1` turns `i64` into
//! `NonZeroU64`, a first `maxLength` turns `String` into a validated newtype, an inline
//! enum becomes `<Parent><Property>` while a `$ref` is named after its component. The
//! rules below mirror typify's `convert_integer` / `convert_string` and its naming of
//! nested types (`<Parent>_<property>`, `<Parent>Item`, `<Parent>Value`); the test at the
//! bottom generates a client and checks every prediction against typify's output.

use serde_json::Value;

use super::schema::ref_name;

/// What typify generates for one schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum RustType {
    /// A generated type (struct, enum or newtype) of this name.
    Named(String),
    /// A built-in type (`String`, `i64`, `::std::num::NonZeroU64`, `Vec`, a map, ...).
    Builtin(String),
    /// Not modelled (compositions, or a generated type whose name the context does not
    /// tell): never compared.
    Opaque,
}

impl RustType {
    pub(crate) fn show(&self) -> &str {
        match self {
            RustType::Builtin(name) if name == "Vec" => "Vec<_>",
            RustType::Builtin(name) if name == "map" => "a map",
            // `::std::num::NonZeroU64` reads better as `NonZeroU64` in a message.
            RustType::Builtin(name) if !name.contains('<') => {
                name.rsplit("::").next().unwrap_or(name)
            }
            RustType::Named(name) | RustType::Builtin(name) => name,
            RustType::Opaque => "?",
        }
    }
}

/// The type for `node` (a `$ref` or an inline schema, unresolved) whose context suggests
/// the name `suggested` for a type generated inline.
pub(crate) fn of(node: &Value, suggested: Option<&str>) -> RustType {
    if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
        // A component is always a generated type named after its key (typify ignores
        // the title of a named schema).
        return RustType::Named(simplio3d_codegen::type_name(ref_name(reference)));
    }
    let named = || match context_name(node, suggested) {
        Some(name) => RustType::Named(name),
        None => RustType::Opaque,
    };
    if ["oneOf", "anyOf", "allOf", "not"]
        .iter()
        .any(|k| node.get(*k).is_some())
    {
        return RustType::Opaque;
    }
    if node.get("enum").is_some() {
        return named();
    }
    let builtin = |t: &str| RustType::Builtin(t.to_owned());
    match kind(node) {
        Some("object") => {
            let has_properties = node
                .get("properties")
                .and_then(Value::as_object)
                .is_some_and(|p| !p.is_empty());
            if has_properties {
                named()
            } else {
                builtin("map")
            }
        }
        Some("array") => builtin("Vec"),
        Some("string") => match node.get("format").and_then(Value::as_str) {
            Some("uuid") => builtin("::uuid::Uuid"),
            Some("date") => builtin("::chrono::naive::NaiveDate"),
            Some("date-time") => builtin("::chrono::DateTime<::chrono::offset::Utc>"),
            Some("ip") => builtin("::std::net::IpAddr"),
            Some("ipv4") => builtin("::std::net::Ipv4Addr"),
            Some("ipv6") => builtin("::std::net::Ipv6Addr"),
            // Any other format is a plain string; a length or pattern makes it a
            // validated newtype.
            _ if ["minLength", "maxLength", "pattern"]
                .iter()
                .any(|k| node.get(*k).is_some()) =>
            {
                named()
            }
            _ => builtin("::std::string::String"),
        },
        Some("integer") => RustType::Builtin(integer(node)),
        Some("number") => match node.get("format").and_then(Value::as_str) {
            Some("float") => builtin("f32"),
            _ => builtin("f64"),
        },
        Some("boolean") => builtin("bool"),
        Some(other) => RustType::Builtin(other.to_owned()),
        None => builtin("::serde_json::Value"),
    }
}

/// The name nested types are derived from: the component's, the title's, or the context's.
pub(crate) fn context_name(node: &Value, suggested: Option<&str>) -> Option<String> {
    if let Some(reference) = node.get("$ref").and_then(Value::as_str) {
        return Some(simplio3d_codegen::type_name(ref_name(reference)));
    }
    if let Some(title) = node.get("title").and_then(Value::as_str) {
        return Some(simplio3d_codegen::type_name(title));
    }
    suggested.map(simplio3d_codegen::type_name)
}

/// typify's name for the type of property `property` of a type named `parent`.
pub(crate) fn property_name(parent: Option<&str>, property: &str) -> Option<String> {
    parent.map(|p| simplio3d_codegen::type_name(&format!("{p}_{property}")))
}

/// The JSON type, inferred from the keywords when `type` is absent; `None` = any.
pub(crate) fn kind(schema: &Value) -> Option<&str> {
    if let Some(t) = schema.get("type").and_then(Value::as_str) {
        return Some(t);
    }
    if schema.get("properties").is_some() || schema.get("additionalProperties").is_some() {
        Some("object")
    } else if schema.get("items").is_some() {
        Some("array")
    } else {
        None
    }
}

/// typify's `convert_integer`: format, bounds and `multipleOf` pick the integer type.
/// OpenAPI 3.0's boolean `exclusiveMinimum` moves the bound by one, as progenitor's
/// conversion to JSON Schema and typify's `min + 1` do together.
fn integer(schema: &Value) -> String {
    // (format, type, non-zero type, min, max), most to least restrictive, as in typify.
    const FORMATS: &[(&str, &str, &str, f64, f64)] = &[
        ("int8", "i8", "::std::num::NonZeroU8", -128.0, 127.0),
        ("uint8", "u8", "::std::num::NonZeroU8", 0.0, 255.0),
        ("int16", "i16", "::std::num::NonZeroU16", -32768.0, 32767.0),
        ("uint16", "u16", "::std::num::NonZeroU16", 0.0, 65535.0),
        (
            "int",
            "i32",
            "::std::num::NonZeroU32",
            i32::MIN as f64,
            i32::MAX as f64,
        ),
        (
            "int32",
            "i32",
            "::std::num::NonZeroU32",
            i32::MIN as f64,
            i32::MAX as f64,
        ),
        (
            "uint",
            "u32",
            "::std::num::NonZeroU32",
            0.0,
            u32::MAX as f64,
        ),
        (
            "uint32",
            "u32",
            "::std::num::NonZeroU32",
            0.0,
            u32::MAX as f64,
        ),
        (
            "int64",
            "i64",
            "::std::num::NonZeroU64",
            i64::MIN as f64,
            i64::MAX as f64,
        ),
        (
            "uint64",
            "u64",
            "::std::num::NonZeroU64",
            0.0,
            u64::MAX as f64,
        ),
    ];
    let number = |key: &str| schema.get(key).and_then(Value::as_f64);
    let exclusive = |key: &str| schema.get(key).and_then(Value::as_bool).unwrap_or(false);
    let mut min = number("minimum").map(|v| {
        if exclusive("exclusiveMinimum") {
            v + 1.0
        } else {
            v
        }
    });
    let mut max = number("maximum").map(|v| {
        if exclusive("exclusiveMaximum") {
            v - 1.0
        } else {
            v
        }
    });
    let format = schema.get("format").and_then(Value::as_str);
    if let Some(&(_, ty, non_zero, imin, imax)) = FORMATS.iter().find(|f| Some(f.0) == format) {
        let fits = min.is_none_or(|m| m >= imin) && max.is_none_or(|m| m <= imax);
        if schema.get("multipleOf").is_none() && fits {
            return if min == Some(1.0) { non_zero } else { ty }.to_owned();
        }
        min.get_or_insert(imin);
        max.get_or_insert(imax);
    }
    let same = |a: f64, b: f64| (a - b).abs() <= f64::EPSILON;
    let found = FORMATS
        .iter()
        .rev()
        .find_map(|&(_, ty, non_zero, imin, imax)| match (min, max) {
            (None, Some(max)) => same(imax, max).then_some(ty),
            (Some(1.0), _) => Some(non_zero),
            (Some(min), None) => same(imin, min).then_some(ty),
            (Some(min), Some(max)) => (same(imin, min) && same(imax, max)).then_some(ty),
            (None, None) => None,
        });
    found.unwrap_or("i64").to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every property of `Probe` with the type this module predicts; the test below checks
    /// each against what simplio3d-codegen (typify) generates.
    const PROBE: &str = r#"
openapi: 3.0.3
info: {title: probe, version: '1'}
paths:
  /probe:
    post:
      operationId: probe
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/Probe'}
      responses:
        '204': {description: done}
components:
  schemas:
    Plain: {type: string}
    Probe:
      type: object
      required: [a, b, c, d, e, f, g, h, i, j, k, l, m, n, o, p, q, r, s, t]
      properties:
        a: {type: integer}
        b: {type: integer, minimum: 0}
        c: {type: integer, minimum: 1}
        d: {type: integer, minimum: 2}
        e: {type: integer, minimum: 0, exclusiveMinimum: true}
        f: {type: integer, format: int32, minimum: 1}
        g: {type: integer, format: int32, minimum: 1, maximum: 10}
        h: {type: integer, maximum: 255}
        i: {type: string}
        j: {type: string, minLength: 1}
        k: {type: string, format: uuid}
        l: {type: string, enum: [x, y]}
        m: {type: object, properties: {n: {type: string}}}
        n: {$ref: '#/components/schemas/Plain'}
        o: {type: integer, enum: [1, 2]}
        p: {type: number, format: float}
        q: {type: array, items: {type: string, maxLength: 3}}
        r: {type: string, pattern: '^a', title: Fancy}
        s: {type: integer, format: int64, multipleOf: 2}
        t: {type: object, additionalProperties: {type: string}}
"#;

    fn predicted(name: &str, schema: &Value) -> String {
        let field = property_name(Some("Probe"), name);
        match of(schema, field.as_deref()) {
            RustType::Named(n) | RustType::Builtin(n) if n == "Vec" => {
                let item = format!("{}Item", field.unwrap());
                format!(
                    "::std::vec::Vec<{}>",
                    show(&of(&schema["items"], Some(&item)))
                )
            }
            other => show(&other).to_owned(),
        }
    }

    fn show(t: &RustType) -> &str {
        match t {
            RustType::Builtin(b) if b == "map" => "map",
            RustType::Named(n) | RustType::Builtin(n) => n,
            RustType::Opaque => "?",
        }
    }

    #[test]
    fn predictions_match_what_typify_generates() {
        let source = simplio3d_codegen::Source {
            name: "probe.yaml".into(),
            bytes: PROBE.as_bytes().to_vec(),
        };
        let spec = simplio3d_codegen::load(&source, None).expect("probe spec loads");
        let code = simplio3d_codegen::generate(&spec).expect("probe spec generates");
        let start = code.find("pub struct Probe {").expect("Probe struct");
        let body = &code[start..start + code[start..].find("\n    }").unwrap()];
        let fields: std::collections::BTreeMap<&str, &str> = body
            .lines()
            .filter_map(|l| l.trim().strip_prefix("pub "))
            .filter_map(|l| l.split_once(": "))
            .map(|(name, ty)| (name, ty.trim_end_matches(',')))
            .collect();
        let document: Value = serde_yaml_ng::from_str(PROBE).unwrap();
        let properties = document["components"]["schemas"]["Probe"]["properties"]
            .as_object()
            .unwrap();
        for (name, schema) in properties {
            let generated = fields
                .get(name.as_str())
                .unwrap_or_else(|| panic!("{name}: {body}"));
            let predicted = predicted(name, schema);
            if predicted == "map" {
                assert!(
                    generated.contains("Map<") || generated.contains("HashMap<"),
                    "{name}: {generated}"
                );
            } else {
                assert_eq!(*generated, predicted, "property {name}");
            }
        }
        // The named ones really are types of that name.
        for name in [
            "ProbeJ",
            "ProbeL",
            "ProbeM",
            "Plain",
            "ProbeO",
            "Fancy",
            "ProbeQItem",
        ] {
            assert!(
                code.contains(&format!("pub struct {name}("))
                    || code.contains(&format!("pub struct {name} {{"))
                    || code.contains(&format!("pub enum {name} {{")),
                "no type {name}"
            );
        }
    }
}
