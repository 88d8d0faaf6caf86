//! What no rule looks at: the keys of a node the rules do not read, compared after
//! inlining `$ref`s and dropping documentation. A difference there is `unclassified-change`
//! at the node's location, even when other rules fired beside it, so nothing is dropped
//! silently (a `style` change next to an added property, an `encoding`, `readOnly`,
//! `default`, a response header, a `discriminator`).

use serde_json::{Map, Value};

use super::schema::resolve;

/// Keys that only document: changing them changes no behaviour and no Rust signature.
/// (`title` on an inline schema names its Rust type; the schema walk compares that.)
pub(crate) const DOC_KEYS: &[&str] = &[
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "externalDocs",
    "tags",
];

/// More nodes than this in one inlined value and the rest is cut: a document whose `$ref`s
/// fan out (many types referring to many others) cannot make the catch-all exponential.
const INLINE_BUDGET: usize = 200_000;

/// The keys of `old` / `new` outside `understood` (and the documentation keys) whose
/// values differ, with `$ref`s inlined in each document.
pub(crate) fn differing_keys(
    old_doc: &Value,
    new_doc: &Value,
    old: &Value,
    new: &Value,
    understood: &[&str],
) -> Vec<String> {
    let empty = Map::new();
    let (o, n) = (
        old.as_object().unwrap_or(&empty),
        new.as_object().unwrap_or(&empty),
    );
    let mut keys: Vec<&String> = o
        .keys()
        .chain(n.keys())
        .filter(|k| !understood.contains(&k.as_str()) && !DOC_KEYS.contains(&k.as_str()))
        .collect();
    keys.sort();
    keys.dedup();
    keys.into_iter()
        .filter(|k| {
            let value = |doc: &Value, map: &Map<String, Value>| {
                map.get(*k).map(|v| strip_docs(&inline(doc, v)))
            };
            value(old_doc, o) != value(new_doc, n)
        })
        .map(|k| format!("`{k}`"))
        .collect()
}

/// The message for [`differing_keys`].
pub(crate) fn message(keys: &[String]) -> String {
    format!(
        "{} changed in a way no rule classifies; review it by hand",
        keys.join(", ")
    )
}

/// The node with `$ref`s replaced by what they name. A `$ref` already being expanded on
/// the current path (a recursive type) becomes `{"$cycle": n}`, `n` counting from the
/// outermost, so that equal structures give equal values whatever the types are named.
pub(crate) fn inline(doc: &Value, node: &Value) -> Value {
    let mut path = Vec::new();
    let mut budget = INLINE_BUDGET;
    inline_on_path(doc, node, &mut path, &mut budget)
}

fn inline_on_path<'v>(
    doc: &'v Value,
    node: &'v Value,
    path: &mut Vec<&'v str>,
    budget: &mut usize,
) -> Value {
    if *budget == 0 {
        return Value::String("…".into());
    }
    *budget -= 1;
    match node {
        Value::Object(map) => {
            if let Some(target) = map.get("$ref").and_then(Value::as_str) {
                if let Some(depth) = path.iter().position(|p| *p == target) {
                    return serde_json::json!({ "$cycle": depth });
                }
                let resolved = resolve(doc, node);
                if resolved.is_null() {
                    return Value::String(format!("dangling {target}"));
                }
                path.push(target);
                let value = inline_on_path(doc, resolved, path, budget);
                path.pop();
                return value;
            }
            Value::Object(
                map.iter()
                    .map(|(k, v)| (k.clone(), inline_on_path(doc, v, path, budget)))
                    .collect(),
            )
        }
        Value::Array(items) => Value::Array(
            items
                .iter()
                .map(|v| inline_on_path(doc, v, path, budget))
                .collect(),
        ),
        other => other.clone(),
    }
}

pub(crate) fn strip_docs(node: &Value) -> Value {
    match node {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| !DOC_KEYS.contains(&k.as_str()))
                .map(|(k, v)| {
                    // Under `properties` the keys are property names, not keywords.
                    let v = if k == "properties" {
                        strip_property_docs(v)
                    } else {
                        strip_docs(v)
                    };
                    (k.clone(), v)
                })
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(strip_docs).collect()),
        other => other.clone(),
    }
}

fn strip_property_docs(properties: &Value) -> Value {
    match properties {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), strip_docs(v)))
                .collect(),
        ),
        other => strip_docs(other),
    }
}

/// A JSON pointer-ish path to the first place two values differ.
pub(crate) fn first_difference(old: &Value, new: &Value, at: String) -> String {
    match (old, new) {
        (Value::Object(o), Value::Object(n)) => {
            for key in o.keys().chain(n.keys()) {
                match (o.get(key), n.get(key)) {
                    (Some(a), Some(b)) if a == b => {}
                    (Some(a), Some(b)) => return first_difference(a, b, format!("{at}/{key}")),
                    _ => return format!("{at}/{key}"),
                }
            }
            at
        }
        (Value::Array(o), Value::Array(n)) if o.len() == n.len() => {
            for (i, (a, b)) in o.iter().zip(n).enumerate() {
                if a != b {
                    return first_difference(a, b, format!("{at}/{i}"));
                }
            }
            at
        }
        _ => at,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn docs_are_stripped_but_property_names_are_kept() {
        let schema = json!({"description": "d", "properties": {"description": {"type": "string", "title": "t"}}});
        assert_eq!(
            strip_docs(&schema),
            json!({"properties": {"description": {"type": "string"}}})
        );
    }

    /// A type with several references to itself (and a mutually recursive pair): each
    /// cycle is cut where it closes, so the expansion stays small and is the same for
    /// equal structures, whatever the names.
    #[test]
    fn recursive_types_are_cut_on_the_path() {
        let self_refs: serde_json::Map<String, Value> = (0..12)
            .map(|i| {
                (
                    format!("p{i}"),
                    json!({"$ref": "#/components/schemas/Node"}),
                )
            })
            .collect();
        let doc = json!({"components": {"schemas": {
            "Node": {"type": "object", "properties": self_refs,
                     "additionalProperties": {"$ref": "#/components/schemas/Leaf"}},
            "Leaf": {"type": "object", "properties": {
                "a": {"$ref": "#/components/schemas/Node"},
                "b": {"$ref": "#/components/schemas/Leaf"},
                "c": {"$ref": "#/components/schemas/Node"}}}
        }}});
        let value = inline(&doc, &json!({"$ref": "#/components/schemas/Node"}));
        assert_eq!(value["properties"]["p0"], json!({"$cycle": 0}));
        assert_eq!(value["properties"]["p11"], json!({"$cycle": 0}));
        let leaf = &value["additionalProperties"];
        assert_eq!(leaf["properties"]["a"], json!({"$cycle": 0}));
        assert_eq!(leaf["properties"]["b"], json!({"$cycle": 1}));
        // Renaming both types changes nothing in the expansion.
        let renamed = serde_json::to_string(&doc)
            .unwrap()
            .replace("Node", "Tree")
            .replace("Leaf", "Twig");
        let renamed: Value = serde_json::from_str(&renamed).unwrap();
        assert_eq!(
            inline(&renamed, &json!({"$ref": "#/components/schemas/Tree"})),
            value
        );
        assert_eq!(
            inline(&doc, &json!({"$ref": "#/components/schemas/Gone"})),
            json!("dangling #/components/schemas/Gone")
        );
    }
}
