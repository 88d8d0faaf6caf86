//! Hoisting inline schemas into `components/schemas`, so that every type progenitor
//! generates has a name we chose, and reserving the names of our multipart body types.

use std::collections::BTreeMap;

use heck::ToPascalCase;
use serde_json::{Value, json};

use crate::load::Operation;
use crate::multipart::{self, Classified};
use crate::{Error, Result, naming, pointer};

/// Moves inline schemas into `components/schemas` under names nobody else uses.
pub(crate) struct Hoister {
    /// Type name → who has it (for messages).
    taken: BTreeMap<String, String>,
    /// Titled multipart body schema pointer → its type name: operations that share one
    /// (a `$ref`'d request body) share the type its title names.
    titled_bodies: BTreeMap<String, String>,
}

impl Hoister {
    pub(crate) fn new(doc: &Value) -> Self {
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
    pub(crate) fn reserve_multipart_body(
        &mut self,
        doc: &Value,
        op: &Operation,
    ) -> Result<Option<String>> {
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

    pub(crate) fn operation(
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
        let mut first = true;
        for status in keys_at(doc, &responses_ptr) {
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
        for prop in keys_at(doc, &props_ptr) {
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

/// The keys of the object at `ptr` (none when it is not one), owned so `doc` can change.
fn keys_at(doc: &Value, ptr: &str) -> Vec<String> {
    doc.pointer(ptr)
        .and_then(Value::as_object)
        .map(|m| m.keys().cloned().collect())
        .unwrap_or_default()
}

fn json_media_types(doc: &Value, content_ptr: &str) -> Vec<String> {
    let mut keys = keys_at(doc, content_ptr);
    keys.retain(|k| {
        let essence = k.split(';').next().unwrap_or("").trim();
        essence == "application/json" || essence.ends_with("+json")
    });
    keys
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
