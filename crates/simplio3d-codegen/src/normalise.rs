//! Lint and normalise a document before generation.
//!
//! Checks what progenitor would otherwise panic on (path-item `$ref`s, optional path
//! parameters, non-3.0 documents), assigns every operation its final Rust name, and hoists
//! inline schemas into `components/schemas` so that every generated type has a name we chose
//! (a `title` set by the overlay wins over the default).

use std::collections::BTreeMap;

use heck::ToPascalCase;
use serde_json::{Map, Value, json};

use crate::load::{Operation, Warning};
use crate::multipart::{self, Classified};
use crate::{Error, Result, naming, pointer};

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

/// Moves inline schemas into `components/schemas` under names nobody else uses.
struct Hoister {
    /// Type name → who has it (for messages).
    taken: BTreeMap<String, String>,
    /// Titled multipart body schema pointer → its type name: operations that share one
    /// (a `$ref`'d request body) share the type its title names.
    titled_bodies: BTreeMap<String, String>,
}

impl Hoister {
    fn new(doc: &Value) -> Self {
        let taken = doc
            .pointer("/components/schemas")
            .and_then(Value::as_object)
            .map(|m| {
                m.keys()
                    .map(|k| {
                        let owner = format!("schema `#/components/schemas/{}`", pointer::escape(k));
                        (naming::type_name(k), owner)
                    })
                    .collect()
            })
            .unwrap_or_default();
        Self {
            taken,
            titled_bodies: BTreeMap::new(),
        }
    }

    /// Takes `name` for `owner`; an error naming both when it is taken already.
    fn take(
        &mut self,
        name: &str,
        owner: String,
        title: &str,
        at: &str,
        op: &Operation,
    ) -> Result<()> {
        if let Some(holder) = self.taken.get(name) {
            return Err(Error::Unsupported {
                operation: op.label(),
                pointer: format!("#{at}"),
                message: format!(
                    "title {title:?} names type `{name}` for {owner}, but {holder} already has that name; give one of them another `title` in the overlay"
                ),
            });
        }
        self.taken.insert(name.to_owned(), owner);
        Ok(())
    }

    /// A free name built on `default` (`default`, `default2`, ...), taken for `owner`.
    fn take_free(&mut self, default: &str, owner: String) -> String {
        let mut name = default.to_owned();
        let mut n = 2;
        while self.taken.contains_key(&name) {
            name = format!("{default}{n}");
            n += 1;
        }
        self.taken.insert(name.clone(), owner);
        name
    }

    /// The name of `op`'s multipart body type, reserved: its `title`, else `<Op>Body`.
    fn reserve_multipart_body(&mut self, doc: &Value, op: &Operation) -> Result<Option<String>> {
        let op_ptr = format!("/paths/{}/{}", pointer::escape(&op.path), op.method);
        let Some(body) = multipart::body_schema_pointer(doc, &op_ptr) else {
            return Ok(None);
        };
        let owner = format!("the multipart body of {}", op.label());
        let name = match multipart::body_title(doc, &body) {
            Some(_) if self.titled_bodies.contains_key(&body) => self.titled_bodies[&body].clone(),
            Some(title) => {
                let name = naming::type_name(title);
                self.take(&name, owner, title, &format!("{body}/title"), op)?;
                self.titled_bodies.insert(body, name.clone());
                name
            }
            // Each operation names its own, as progenitor names its JSON bodies.
            None => self.take_free(&format!("{}Body", naming::type_name(&op.name)), owner),
        };
        Ok(Some(name))
    }

    fn operation(
        &mut self,
        doc: &mut Value,
        op: &Operation,
        multipart_body: Option<&str>,
    ) -> Result<()> {
        let base = op.name.to_pascal_case();
        let op_ptr = format!("/paths/{}/{}", pointer::escape(&op.path), op.method);

        // JSON request bodies; not beside a multipart one, which the client sends instead
        // (`lint` warns), so that an unused type does not take or clash with a name.
        let content_ptr = format!("{op_ptr}/requestBody/content");
        if multipart_body.is_none() {
            for media in json_media_types(doc, &content_ptr) {
                let ptr = format!("{content_ptr}/{}/schema", pointer::escape(&media));
                self.hoist(doc, &ptr, &format!("{base}Body"), op, false)?;
            }
        }

        // Responses: the first schema gets `<Op>Response`, later ones add their status.
        let responses_ptr = format!("{op_ptr}/responses");
        let statuses: Vec<String> = doc
            .pointer(&responses_ptr)
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        let mut first = true;
        for status in statuses {
            let content_ptr = format!("{responses_ptr}/{}/content", pointer::escape(&status));
            for media in json_media_types(doc, &content_ptr) {
                let ptr = format!("{content_ptr}/{}/schema", pointer::escape(&media));
                let default = if first {
                    format!("{base}Response")
                } else {
                    format!("{base}Response{}", naming::type_name(&status))
                };
                if self.hoist(doc, &ptr, &default, op, false)? {
                    first = false;
                }
            }
        }

        // Multipart property schemas that need a generated type (enums, objects, ...).
        let (Some(body_name), Some(body)) =
            (multipart_body, multipart::body_schema_pointer(doc, &op_ptr))
        else {
            return Ok(());
        };
        let props_ptr = format!("{body}/properties");
        let props: Vec<String> = doc
            .pointer(&props_ptr)
            .and_then(Value::as_object)
            .map(|m| m.keys().cloned().collect())
            .unwrap_or_default();
        for prop in props {
            let ptr = format!("{props_ptr}/{}", pointer::escape(&prop));
            let prop_type = format!("{body_name}{}", naming::type_name(&prop));
            let schema = doc.pointer(&ptr).cloned().unwrap_or(Value::Null);
            match multipart::classify(doc, &schema) {
                Classified::Kind(_) => {}
                Classified::NeedsType => {
                    self.hoist(doc, &ptr, &prop_type, op, true)?;
                }
                Classified::ItemsNeedType => {
                    self.hoist(
                        doc,
                        &format!("{ptr}/items"),
                        &format!("{prop_type}Item"),
                        op,
                        true,
                    )?;
                }
            }
        }
        Ok(())
    }

    /// Hoists the schema at `ptr` if it is inline and worth a name (or `force`d). Returns
    /// whether a schema was there at all.
    fn hoist(
        &mut self,
        doc: &mut Value,
        ptr: &str,
        default_name: &str,
        op: &Operation,
        force: bool,
    ) -> Result<bool> {
        let Some(schema) = doc.pointer(ptr) else {
            return Ok(false);
        };
        if schema.get("$ref").is_some() || !(force || deserves_a_name(schema)) {
            return Ok(true);
        }
        let owner = format!("the schema at `#{ptr}`");
        let name = match schema.get("title").and_then(Value::as_str) {
            Some(title) => {
                let name = naming::type_name(title);
                self.take(&name, owner, title, &format!("{ptr}/title"), op)?;
                name
            }
            None => self.take_free(default_name, owner),
        };
        let reference = json!({ "$ref": format!("#/components/schemas/{name}") });
        let slot = doc
            .pointer_mut(ptr)
            .ok_or_else(|| Error::Internal(format!("`#{ptr}` went away while hoisting")))?;
        let schema = std::mem::replace(slot, reference);
        // `normalise` checked `components` and `schemas` to be objects (or absent), so the
        // schema always lands where its `$ref` points.
        doc.as_object_mut()
            .and_then(|root| {
                root.entry("components")
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
            })
            .and_then(|components| {
                components
                    .entry("schemas")
                    .or_insert_with(|| json!({}))
                    .as_object_mut()
            })
            .ok_or_else(|| Error::Internal("`components/schemas` is not an object".into()))?
            .insert(name, schema);
        Ok(true)
    }
}

fn json_media_types(doc: &Value, content_ptr: &str) -> Vec<String> {
    doc.pointer(content_ptr)
        .and_then(Value::as_object)
        .map(|m| {
            m.keys()
                .filter(|k| {
                    let essence = k.split(';').next().unwrap_or("").trim();
                    essence == "application/json" || essence.ends_with("+json")
                })
                .cloned()
                .collect()
        })
        .unwrap_or_default()
}

/// Objects, enums and compositions get a named type; primitives and arrays of them do not.
fn deserves_a_name(schema: &Value) -> bool {
    [
        "properties",
        "enum",
        "allOf",
        "oneOf",
        "anyOf",
        "additionalProperties",
    ]
    .iter()
    .any(|k| schema.get(*k).is_some())
        || schema.get("type").and_then(Value::as_str) == Some("object")
}
