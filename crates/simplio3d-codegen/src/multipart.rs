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

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;

use crate::load::Operation;
use crate::normalise::resolve;
use crate::{Error, Result, naming, pointer};

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

/// `types::<name>` of an operation's multipart body: the schema's `title`, else `<Op>Body`.
pub(crate) fn body_type_name(doc: &Value, body_ptr: &str, op: &Operation) -> String {
    let title = doc
        .pointer(&format!("{body_ptr}/title"))
        .and_then(Value::as_str);
    // A `$ref`'d body's component already names a typify type; ours must differ.
    let is_component = body_ptr.starts_with("/components/schemas/");
    match title {
        Some(t) if !is_component => naming::type_name(t),
        _ => format!("{}Body", naming::type_name(&op.name)),
    }
}

struct Field {
    ident: String,
    wire: String,
    doc: Option<String>,
    required: bool,
    kind: FieldKind,
    content_type: Option<String>,
}

/// A multipart operation, analysed.
pub(crate) struct MultipartOp {
    pub(crate) method_name: String,
    pub(crate) body_type: String,
    pub(crate) required: bool,
    fields: Vec<Field>,
    summary: String,
}

impl MultipartOp {
    /// `Ok(None)` when the operation has no multipart body.
    pub(crate) fn analyse(doc: &Value, op: &Operation) -> Result<Option<Self>> {
        let op_ptr = format!("/paths/{}/{}", pointer::escape(&op.path), op.method);
        let Some((body_ptr, key)) = media_type_key(doc, &op_ptr) else {
            return Ok(None);
        };
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
                wire: wire.clone(),
                doc: doc_text,
                required: required.contains(&wire.as_str()),
                kind,
                content_type,
            });
        }
        let body_required =
            doc.pointer(&format!("{body_ptr}/required")) == Some(&Value::Bool(true));
        Ok(Some(Self {
            method_name: op.name.clone(),
            body_type: body_type_name(doc, &schema_ptr, op),
            required: body_required,
            fields,
            summary: format!("`{}` (`{}`)", op.name, op.label()),
        }))
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

    /// Names of generated types the body refers to (checked against typify's output).
    pub(crate) fn referenced_types(&self) -> Vec<&str> {
        fn typed(kind: &FieldKind) -> Option<&str> {
            match kind {
                FieldKind::Typed(name) => Some(name),
                FieldKind::List(inner) => typed(inner),
                _ => None,
            }
        }
        self.fields.iter().filter_map(|f| typed(&f.kind)).collect()
    }

    /// The body struct and its encoder, to be placed in `mod types`.
    pub(crate) fn body_tokens(&self) -> TokenStream {
        let ty = format_ident!("{}", self.body_type);
        let derive = if self.has_files() {
            quote!(#[derive(Debug)])
        } else {
            quote!(#[derive(Clone, Debug)])
        };
        let doc = format!(
            "The `multipart/form-data` body of {}.\n\nEach field is one part; optional fields are omitted when `None`.",
            self.summary
        );
        let decls = self.fields.iter().map(|f| {
            let ident = format_ident!("{}", f.ident);
            let base = rust_type(&f.kind);
            let ty = if f.required {
                base
            } else {
                quote!(::std::option::Option<#base>)
            };
            let mut text = f.doc.clone().unwrap_or_default();
            if !text.is_empty() {
                text.push_str("\n\n");
            }
            text.push_str(&format!(
                "Part `{}`{}.",
                f.wire,
                if f.required { "" } else { " (optional)" }
            ));
            quote! { #[doc = #text] pub #ident: #ty, }
        });
        let parts = self.fields.iter().map(|f| {
            let ident = format_ident!("{}", f.ident);
            let put = encode(&f.kind, &f.wire, f.content_type.as_deref(), quote!(value));
            if f.required {
                quote! { { let value = self.#ident; #put } }
            } else {
                quote! { if let ::std::option::Option::Some(value) = self.#ident { #put } }
            }
        });
        let required: Vec<_> = self.fields.iter().filter(|f| f.required).collect();
        let new_params = required.iter().map(|f| {
            let ident = format_ident!("{}", f.ident);
            let ty = rust_type(&f.kind);
            quote!(#ident: #ty)
        });
        let new_fields = self.fields.iter().map(|f| {
            let ident = format_ident!("{}", f.ident);
            if f.required {
                quote!(#ident,)
            } else {
                quote!(#ident: ::std::option::Option::None,)
            }
        });
        quote! {
            #[doc = #doc]
            #derive
            pub struct #ty { #(#decls)* }

            impl #ty {
                /// A body with the required parts; optional parts start as `None`.
                pub fn new(#(#new_params),*) -> Self {
                    Self { #(#new_fields)* }
                }

                /// Encodes this body as RFC 7578 `multipart/form-data`.
                pub fn into_multipart(self) -> ::std::result::Result<reqwest::multipart::Form, super::multipart::MultipartError> {
                    #[allow(unused_mut)]
                    let mut form = reqwest::multipart::Form::new();
                    #(#parts)*
                    ::std::result::Result::Ok(form)
                }
            }

            impl super::multipart::MultipartBody for #ty {
                fn into_form(self) -> ::std::result::Result<::std::option::Option<reqwest::multipart::Form>, super::multipart::MultipartError> {
                    self.into_multipart().map(::std::option::Option::Some)
                }
            }
        }
    }
}

fn rust_type(kind: &FieldKind) -> TokenStream {
    match kind {
        FieldKind::Text(Scalar::String) => quote!(::std::string::String),
        FieldKind::Text(Scalar::I32) => quote!(i32),
        FieldKind::Text(Scalar::I64) => quote!(i64),
        FieldKind::Text(Scalar::F32) => quote!(f32),
        FieldKind::Text(Scalar::F64) => quote!(f64),
        FieldKind::Text(Scalar::Bool) => quote!(bool),
        FieldKind::File => quote!(super::multipart::FilePart),
        FieldKind::Typed(name) => {
            let ident = format_ident!("{}", name);
            quote!(#ident)
        }
        FieldKind::List(inner) => {
            let inner = rust_type(inner);
            quote!(::std::vec::Vec<#inner>)
        }
    }
}

/// Statements that add `value` (of `kind`) to `form` as part(s) named `wire`.
fn encode(
    kind: &FieldKind,
    wire: &str,
    content_type: Option<&str>,
    value: TokenStream,
) -> TokenStream {
    let ct = match content_type {
        Some(ct) => quote!(::std::option::Option::Some(#ct)),
        None => quote!(::std::option::Option::None),
    };
    match kind {
        FieldKind::Text(Scalar::String) => {
            quote! { form = super::multipart::text(form, #wire, #value, #ct)?; }
        }
        FieldKind::Text(_) => {
            quote! { form = super::multipart::text(form, #wire, #value.to_string(), #ct)?; }
        }
        FieldKind::File => quote! { form = super::multipart::file(form, #wire, #value, #ct)?; },
        FieldKind::Typed(_) => {
            quote! { form = super::multipart::serialized(form, #wire, &#value, #ct)?; }
        }
        FieldKind::List(inner) => {
            let each = encode(inner, wire, content_type, quote!(item));
            quote! { for item in #value { #each } }
        }
    }
}

/// Support code emitted once into every generated client that has a multipart operation.
pub(crate) const RUNTIME: &str = include_str!("multipart_runtime.rs");
