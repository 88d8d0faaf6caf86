//! Which kind of part a multipart property becomes, from the shape of its schema.

use serde_json::Value;

use super::{FieldKind, Scalar};
use crate::naming;
use crate::normalise::resolve;

/// The outcome of [`classify`].
pub(crate) enum Classified {
    Kind(FieldKind),
    /// The schema needs a generated type: hoist it.
    NeedsType,
    /// An array whose inline items need a generated type: hoist the items.
    ItemsNeedType,
}

/// How the property `schema` travels. A `$ref` is classified by the shape of its target:
/// a reference to a binary string or an array of them is a file part like an inline one;
/// only what needs a generated type (enums, objects, compositions) keeps the component's
/// typify type.
pub(crate) fn classify(doc: &Value, schema: &Value) -> Classified {
    classify_at(doc, schema, 0)
}

/// `$ref` chains are bounded by `resolve`; `allOf: [X]` wrappers by `depth`.
fn classify_at(doc: &Value, schema: &Value, depth: usize) -> Classified {
    if depth > 32 {
        return Classified::NeedsType;
    }
    let Some(reference) = schema.get("$ref").and_then(Value::as_str) else {
        return shape(doc, schema, depth);
    };
    let target = resolve(doc, schema);
    if target.is_null() {
        // Dangling or cyclic: nothing to send; `analyse` reports the property.
        return Classified::NeedsType;
    }
    match shape(doc, target, depth + 1) {
        Classified::Kind(kind) => Classified::Kind(kind),
        // A component that needs a type has one: typify's, named after the component.
        _ => match reference.strip_prefix("#/components/schemas/") {
            Some(name) => Classified::Kind(FieldKind::Typed(naming::type_name(name))),
            None => Classified::NeedsType,
        },
    }
}

/// Classifies an inline schema (not a `$ref`) by its shape.
fn shape(doc: &Value, schema: &Value, depth: usize) -> Classified {
    if let Some(inner) = singleton_composition(schema) {
        // `allOf: [{$ref: Binary}]` is how a described reference is often written. A wrapper
        // cannot have its items hoisted, so anything but a part kind hoists the wrapper.
        return match classify_at(doc, inner, depth + 1) {
            Classified::Kind(kind) => Classified::Kind(kind),
            _ => Classified::NeedsType,
        };
    }
    if is_binary(schema) {
        return Classified::Kind(FieldKind::File);
    }
    if schema.get("enum").is_some() {
        return Classified::NeedsType;
    }
    let format = schema.get("format").and_then(Value::as_str);
    let scalar = match schema.get("type").and_then(Value::as_str) {
        Some("string") => Some(Scalar::String),
        Some("integer") if format == Some("int32") => Some(Scalar::I32),
        Some("integer") => Some(Scalar::I64),
        Some("number") if format == Some("float") => Some(Scalar::F32),
        Some("number") => Some(Scalar::F64),
        Some("boolean") => Some(Scalar::Bool),
        Some("array") => {
            let items = schema.get("items").unwrap_or(&Value::Null);
            return match classify_at(doc, items, depth + 1) {
                Classified::Kind(FieldKind::List(_)) | Classified::ItemsNeedType => {
                    Classified::NeedsType
                }
                Classified::Kind(kind) => Classified::Kind(FieldKind::List(Box::new(kind))),
                Classified::NeedsType if items.is_object() => Classified::ItemsNeedType,
                Classified::NeedsType => Classified::NeedsType,
            };
        }
        _ => None,
    };
    match scalar {
        Some(s) if !has_composition(schema) => Classified::Kind(FieldKind::Text(s)),
        _ => Classified::NeedsType,
    }
}

/// The one subschema of `allOf`/`oneOf`/`anyOf: [X]` when the schema adds nothing else
/// that shapes the value (descriptions and other annotations may sit beside it).
fn singleton_composition(schema: &Value) -> Option<&Value> {
    const ANNOTATIONS: &[&str] = &[
        "description",
        "title",
        "nullable",
        "readOnly",
        "writeOnly",
        "deprecated",
        "example",
        "externalDocs",
        "default",
    ];
    let object = schema.as_object()?;
    let mut compositions = ["allOf", "oneOf", "anyOf"]
        .iter()
        .filter_map(|k| object.get(*k).map(|v| (*k, v)));
    let (key, list) = compositions.next()?;
    if compositions.next().is_some() {
        return None;
    }
    let [inner] = list.as_array()?.as_slice() else {
        return None;
    };
    let only_annotations = object
        .keys()
        .all(|k| k == key || k.starts_with("x-") || ANNOTATIONS.contains(&k.as_str()));
    only_annotations.then_some(inner)
}

fn is_binary(schema: &Value) -> bool {
    schema.get("type").and_then(Value::as_str) == Some("string")
        && schema.get("format").and_then(Value::as_str) == Some("binary")
}

fn has_composition(schema: &Value) -> bool {
    ["allOf", "oneOf", "anyOf", "properties"]
        .iter()
        .any(|k| schema.get(*k).is_some())
}
