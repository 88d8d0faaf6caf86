//! Lint and normalise a document before generation.
//!
//! Checks what progenitor would otherwise panic on (path-item `$ref`s, optional path
//! parameters, non-3.0 documents), assigns every operation its final Rust name, and hoists
//! inline schemas into `components/schemas` so that every generated type has a name we chose
//! (a `title` set by the overlay wins over the default).

use std::collections::BTreeMap;

use serde_json::{Map, Value};

use crate::hoist::Hoister;
use crate::load::{Operation, Warning};
use crate::{Error, Result, multipart, naming, pointer};

/// HTTP methods a path item may hold, in the order OpenAPI lists them.
pub(crate) const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

pub(crate) struct Normalised {
    pub(crate) openapi: openapiv3::OpenAPI,
    pub(crate) document: Value,
    pub(crate) operations: Vec<Operation>,
    pub(crate) warnings: Vec<Warning>,
    /// Operation pointer → the name of its multipart body type.
    pub(crate) multipart_bodies: BTreeMap<String, String>,
}

pub(crate) fn normalise(mut doc: Value, file: &str) -> Result<Normalised> {
    let invalid = |pointer: &str, message: String| Error::Invalid {
        file: file.to_owned(),
        pointer: pointer.to_owned(),
        message,
    };
    let root = doc
        .as_object()
        .ok_or_else(|| invalid("#", "the document is not an object".into()))?;
    match root.get("openapi").and_then(Value::as_str) {
        Some(v) if v.trim().starts_with("3.0.") => {}
        Some(v) => {
            return Err(invalid(
                "#/openapi",
                format!("OpenAPI {v:?} is not supported; the generator takes OpenAPI 3.0.x"),
            ));
        }
        None => {
            let what = if root.contains_key("swagger") {
                "a Swagger 2.0 document; the generator takes OpenAPI 3.0.x"
            } else {
                "missing `openapi`: this is not an OpenAPI 3.0.x document"
            };
            return Err(invalid("#/openapi", what.into()));
        }
    }
    if !root.get("paths").is_some_and(Value::is_object) {
        return Err(invalid("#/paths", "missing or not an object".into()));
    }
    // Hoisting adds to `components/schemas`; anything else there would lose the schemas
    // that the hoisted `$ref`s point to.
    if let Some(components) = root.get("components") {
        if !components.is_object() {
            return Err(invalid(
                "#/components",
                "must be an object (a Components Object)".into(),
            ));
        }
        if components.get("schemas").is_some_and(|s| !s.is_object()) {
            return Err(invalid(
                "#/components/schemas",
                "must be an object mapping names to schemas".into(),
            ));
        }
    }

    let found = collect_operations(&doc, file)?;
    check_path_parameters(&doc, &found)?;

    let names = naming::assign_operation_names(
        &found
            .iter()
            .map(|f| (f.vendor_id.clone(), f.method.clone(), f.path.clone()))
            .collect::<Vec<_>>(),
    );
    let mut warnings = Vec::new();
    let mut operations = Vec::new();
    for (found, (name, reason)) in found.iter().zip(names) {
        let op_pointer = pointer::operation(&found.path, &found.method);
        if let Some(reason) = reason {
            warnings.push(Warning {
                pointer: op_pointer.clone(),
                message: format!(
                    "{} {}: operationId {reason}; using the derived name `{name}`",
                    found.method.to_uppercase(),
                    found.path
                ),
                overlay_action: naming::overlay_operation_id(&name).map(|id| {
                    format!(
                        "  - target: {}\n    update:\n      operationId: {id}\n",
                        pointer::yaml_quoted(&pointer::overlay_target(&found.path, &found.method)),
                    )
                }),
            });
        }
        if let Some(op) = operation_mut(&mut doc, &found.path, &found.method) {
            op.insert("operationId".into(), Value::String(name.clone()));
        }
        operations.push(Operation {
            name,
            method: found.method.clone(),
            path: found.path.clone(),
            vendor_operation_id: found.vendor_id.clone(),
            pointer: op_pointer,
        });
    }

    for op in &operations {
        for warning in multipart::lint::check(&doc, op)? {
            // Operations sharing a `$ref`'d body would repeat its warnings (and an action
            // that, applied twice, fails the strict overlay): once per node.
            if !warnings
                .iter()
                .any(|w: &Warning| w.pointer == warning.pointer)
            {
                warnings.push(warning);
            }
        }
    }

    let mut hoister = Hoister::new(&doc);
    // Multipart body names first: they are ours to emit beside typify's types, so hoisted
    // schemas must steer clear of them, and two bodies must not share one.
    let mut multipart_bodies = BTreeMap::new();
    for op in &operations {
        if let Some(name) = hoister.reserve_multipart_body(&doc, op)? {
            multipart_bodies.insert(op.pointer.clone(), name);
        }
    }
    for op in &operations {
        let body_name = multipart_bodies.get(&op.pointer).map(String::as_str);
        hoister.operation(&mut doc, op, body_name)?;
    }

    let openapi: openapiv3::OpenAPI =
        serde_path_to_error::deserialize(doc.clone()).map_err(|e| {
            let pointer = schema_error_pointer(e.path());
            let (pointer, message) = refine_path_item_error(&doc, pointer, e.inner().to_string());
            invalid(
                &pointer,
                format!("does not match the OpenAPI 3.0 schema: {message}"),
            )
        })?;
    Ok(Normalised {
        openapi,
        document: doc,
        operations,
        warnings,
        multipart_bodies,
    })
}

/// serde_path_to_error's path `paths` → `/files/{name}.json` → `get` as the JSON pointer
/// `#/paths/~1files~1{name}.json/get`, segment by segment (its `Display` joins them with
/// `.`, which a path or media type may itself contain). It ends where the path is unknown.
fn schema_error_pointer(path: &serde_path_to_error::Path) -> String {
    use serde_path_to_error::Segment;
    let mut out = String::from("#");
    for segment in path.iter() {
        let token = match segment {
            Segment::Seq { index } => index.to_string(),
            Segment::Map { key } => key.clone(),
            Segment::Enum { variant } => variant.clone(),
            Segment::Unknown => break,
        };
        out.push('/');
        out.push_str(&pointer::escape(&token));
    }
    out
}

/// openapiv3's `Paths` hides where inside it an error is; deserialise each path item alone to find it.
fn refine_path_item_error(doc: &Value, pointer: String, message: String) -> (String, String) {
    if pointer != "#/paths" {
        return (pointer, message);
    }
    for (path, item) in doc["paths"].as_object().into_iter().flatten() {
        if let Err(e) = serde_path_to_error::deserialize::<_, openapiv3::PathItem>(item.clone()) {
            let inner = schema_error_pointer(e.path());
            let inner = inner.trim_start_matches('#');
            return (
                format!("#/paths/{}{inner}", pointer::escape(path)),
                e.inner().to_string(),
            );
        }
    }
    (pointer, message)
}

struct Found {
    method: String,
    path: String,
    vendor_id: Option<String>,
}

fn collect_operations(doc: &Value, file: &str) -> Result<Vec<Found>> {
    let mut found = Vec::new();
    let paths = doc["paths"].as_object().into_iter().flatten();
    for (path, item) in paths {
        let item_pointer = format!("#/paths/{}", pointer::escape(path));
        let item = item.as_object().ok_or_else(|| Error::Invalid {
            file: file.to_owned(),
            pointer: item_pointer.clone(),
            message: "a path item must be an object".into(),
        })?;
        if item.contains_key("$ref") {
            return Err(Error::Unsupported {
                operation: path.clone(),
                pointer: format!("{item_pointer}/$ref"),
                message: "path items given by `$ref` are not supported; inline the path item"
                    .into(),
            });
        }
        for method in METHODS {
            let Some(op) = item.get(*method) else {
                continue;
            };
            if !op.is_object() {
                return Err(Error::Invalid {
                    file: file.to_owned(),
                    pointer: pointer::operation(path, method),
                    message: "an operation must be an object".into(),
                });
            }
            found.push(Found {
                method: (*method).to_owned(),
                path: path.clone(),
                vendor_id: op
                    .get("operationId")
                    .and_then(Value::as_str)
                    .map(str::to_owned),
            });
        }
    }
    Ok(found)
}

/// progenitor asserts that path parameters are required; turn that panic into an error.
fn check_path_parameters(doc: &Value, found: &[Found]) -> Result<()> {
    for op in found {
        let item = &doc["paths"][&op.path];
        let lists = [
            (
                format!("#/paths/{}/parameters", pointer::escape(&op.path)),
                &item["parameters"],
            ),
            (
                format!("{}/parameters", pointer::operation(&op.path, &op.method)),
                &item[&op.method]["parameters"],
            ),
        ];
        for (list_pointer, list) in lists {
            for (i, param) in list.as_array().into_iter().flatten().enumerate() {
                let param = resolve(doc, param);
                if param["in"] == "path" && param["required"] != Value::Bool(true) {
                    return Err(Error::Unsupported {
                        operation: format!("{} {}", op.method.to_uppercase(), op.path),
                        pointer: format!("{list_pointer}/{i}"),
                        message: format!(
                            "path parameter {:?} must have `required: true`",
                            param["name"].as_str().unwrap_or("?")
                        ),
                    });
                }
            }
        }
    }
    Ok(())
}

/// Follows local `$ref`s (`#/...`) from `node` to the node finally named. `None` for a
/// dangling or non-local reference, or a cycle (more than 64 hops).
pub fn resolve_ref<'a>(document: &'a Value, mut node: &'a Value) -> Option<&'a Value> {
    for _ in 0..64 {
        match node.get("$ref").and_then(Value::as_str) {
            Some(reference) => node = document.pointer(reference.strip_prefix('#')?)?,
            None => return Some(node),
        }
    }
    None
}

/// [`resolve_ref`], with `Null` for what cannot be resolved.
pub(crate) fn resolve<'a>(doc: &'a Value, node: &'a Value) -> &'a Value {
    resolve_ref(doc, node).unwrap_or(&Value::Null)
}

fn operation_mut<'a>(
    doc: &'a mut Value,
    path: &str,
    method: &str,
) -> Option<&'a mut Map<String, Value>> {
    doc.get_mut("paths")?
        .get_mut(path)?
        .get_mut(method)?
        .as_object_mut()
}
