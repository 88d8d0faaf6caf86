//! `multipart/form-data` request bodies, which progenitor 0.15.1 rejects.
//!
//! For each multipart operation we generate a body struct (in `types`) whose fields follow
//! the schema: text-like properties become text parts, `format: binary` becomes a
//! [`FilePart`](runtime) (bytes or a stream, with file name and content type), arrays become
//! repeated parts, anything with a generated type is serialised (a JSON string, number or
//! boolean is sent as text, an object or array as an `application/json` part), optional
//! properties are omitted when `None`, and `encoding.<prop>.contentType` is honoured.
//! `emit` then splices the body into the method progenitor generated for the operation
//! without its body, so paths, queries, headers, responses and hooks stay progenitor's.

use serde_json::Value;

use crate::load::Operation;
use crate::normalise::resolve;
use crate::{Error, Result, naming, pointer};

mod classify;
pub(crate) mod lint;
mod tokens;

pub(crate) use classify::{Classified, classify};

/// How a property travels as a part.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum FieldKind {
    /// A primitive sent as text.
    Text(Scalar),
    /// A file part.
    File,
    /// A generated type (`types::<name>`), serialised.
    Typed(String),
    /// Repeated parts with the same name.
    List(Box<FieldKind>),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub(crate) enum Scalar {
    String,
    I32,
    I64,
    F32,
    F64,
    Bool,
}

/// The essence of a media type key is `multipart/form-data`.
pub(crate) fn is_multipart(media_type: &str) -> bool {
    media_type
        .split(';')
        .next()
        .is_some_and(|e| e.trim().eq_ignore_ascii_case("multipart/form-data"))
}

/// Pointer (without `#`) to the operation's request body object, following a `$ref`.
fn request_body_pointer(doc: &Value, op_ptr: &str) -> Option<String> {
    follow(doc, format!("{op_ptr}/requestBody"))
}

/// Follows `$ref`s from the node at `ptr`; returns the pointer of the node finally reached.
fn follow(doc: &Value, mut ptr: String) -> Option<String> {
    for _ in 0..32 {
        let node = doc.pointer(&ptr)?;
        match node.get("$ref").and_then(Value::as_str) {
            Some(r) => ptr = r.strip_prefix('#')?.to_owned(),
            None => return Some(ptr),
        }
    }
    None
}

/// The multipart media type key of an operation's request body, if it has one.
pub(crate) fn media_type_key(doc: &Value, op_ptr: &str) -> Option<(String, String)> {
    let body = request_body_pointer(doc, op_ptr)?;
    let content = doc.pointer(&format!("{body}/content"))?.as_object()?;
    let key = content.keys().find(|k| is_multipart(k))?.clone();
    Some((body, key))
}

/// Pointer (without `#`) to the multipart body schema, `$ref`s followed.
pub(crate) fn body_schema_pointer(doc: &Value, op_ptr: &str) -> Option<String> {
    let (body, key) = media_type_key(doc, op_ptr)?;
    follow(
        doc,
        format!("{body}/content/{}/schema", pointer::escape(&key)),
    )
}

/// The `title` of an operation's multipart body schema at `body_ptr`, when it names the
/// body type: an inline schema's title does; a `$ref`'d component already names a typify
/// type (its key), so ours must differ from it and is `<Op>Body`.
pub(crate) fn body_title<'a>(doc: &'a Value, body_ptr: &str) -> Option<&'a str> {
    if body_ptr.starts_with("/components/schemas/") {
        return None;
    }
    doc.pointer(&format!("{body_ptr}/title"))
        .and_then(Value::as_str)
}

struct Field {
    ident: String,
    /// `#/…/properties/<wire>`, for errors.
    pointer: String,
    wire: String,
    doc: Option<String>,
    required: bool,
    kind: FieldKind,
    content_type: Option<String>,
}

/// A multipart operation, analysed.
pub(crate) struct MultipartOp {
    pub(crate) method_name: String,
    /// `METHOD /path`, for errors.
    pub(crate) label: String,
    /// The body type's name, as `normalise` reserved it.
    pub(crate) body_type: String,
    /// Where the body type's name comes from (its `title`, else the schema), for errors.
    pub(crate) name_pointer: String,
    pub(crate) required: bool,
    fields: Vec<Field>,
    summary: String,
}

impl MultipartOp {
    /// Analyses the multipart body of `op`, whose type `normalise` named `body_type`.
    pub(crate) fn analyse(doc: &Value, op: &Operation, body_type: &str) -> Result<Self> {
        let op_ptr = format!("/paths/{}/{}", pointer::escape(&op.path), op.method);
        let (body_ptr, key) = media_type_key(doc, &op_ptr).ok_or_else(|| {
            Error::Internal(format!("{}: the multipart body has gone", op.label()))
        })?;
        let unsupported = |ptr: &str, message: String| Error::Unsupported {
            operation: op.label(),
            pointer: format!("#{ptr}"),
            message,
        };
        let media_ptr = format!("{body_ptr}/content/{}", pointer::escape(&key));
        let schema_ptr = follow(doc, format!("{media_ptr}/schema")).ok_or_else(|| {
            unsupported(
                &format!("{media_ptr}/schema"),
                "multipart body has no schema (or a dangling `$ref`)".into(),
            )
        })?;
        let schema = doc.pointer(&schema_ptr).unwrap_or(&Value::Null);
        let is_object = schema
            .get("type")
            .and_then(Value::as_str)
            .is_none_or(|t| t == "object");
        let properties = schema.get("properties").and_then(Value::as_object);
        let Some(properties) = properties.filter(|_| is_object) else {
            return Err(unsupported(
                &schema_ptr,
                "a multipart/form-data body must be an object schema with `properties` (one part per property)".into(),
            ));
        };
        let required: Vec<&str> = schema
            .get("required")
            .and_then(Value::as_array)
            .map(|r| r.iter().filter_map(Value::as_str).collect())
            .unwrap_or_default();
        let encoding = doc.pointer(&format!("{media_ptr}/encoding"));

        let mut fields: Vec<Field> = Vec::new();
        for (wire, prop) in properties {
            let prop_ptr = format!("{schema_ptr}/properties/{}", pointer::escape(wire));
            if prop.get("readOnly") == Some(&Value::Bool(true)) {
                continue;
            }
            let kind = match classify(doc, prop) {
                Classified::Kind(kind) => kind,
                _ => {
                    return Err(unsupported(
                        &prop_ptr,
                        "this property has no type the generator can send as a part".into(),
                    ));
                }
            };
            let mut ident = naming::sanitize_field(wire);
            while fields.iter().any(|f| f.ident == ident) {
                ident.push('_');
            }
            let resolved = resolve(doc, prop);
            let doc_text = prop
                .get("description")
                .or_else(|| resolved.get("description"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            let content_type = encoding
                .and_then(|e| e.get(wire))
                .and_then(|e| e.get("contentType"))
                .and_then(Value::as_str)
                .map(str::to_owned);
            fields.push(Field {
                ident,
                pointer: format!("#{prop_ptr}"),
                wire: wire.clone(),
                doc: doc_text,
                required: required.contains(&wire.as_str()),
                kind,
                content_type,
            });
        }
        let body_required =
            doc.pointer(&format!("{body_ptr}/required")) == Some(&Value::Bool(true));
        let name_pointer = match body_title(doc, &schema_ptr) {
            Some(_) => format!("#{schema_ptr}/title"),
            None => format!("#{schema_ptr}"),
        };
        Ok(Self {
            method_name: op.name.clone(),
            label: op.label(),
            body_type: body_type.to_owned(),
            name_pointer,
            required: body_required,
            fields,
            summary: format!("`{}` (`{}`)", op.name, op.label()),
        })
    }

    pub(crate) fn has_files(&self) -> bool {
        fn files(kind: &FieldKind) -> bool {
            match kind {
                FieldKind::File => true,
                FieldKind::List(inner) => files(inner),
                _ => false,
            }
        }
        self.fields.iter().any(|f| files(&f.kind))
    }

    /// `(type name, property pointer)` of every generated type the body refers to (checked
    /// against typify's output).
    pub(crate) fn referenced_types(&self) -> Vec<(&str, &str)> {
        fn typed(kind: &FieldKind) -> Option<&str> {
            match kind {
                FieldKind::Typed(name) => Some(name),
                FieldKind::List(inner) => typed(inner),
                _ => None,
            }
        }
        self.fields
            .iter()
            .filter_map(|f| Some((typed(&f.kind)?, f.pointer.as_str())))
            .collect()
    }
}

/// Support code emitted once into every generated client that has a multipart operation.
pub(crate) const RUNTIME: &str = include_str!("multipart_runtime.rs");
