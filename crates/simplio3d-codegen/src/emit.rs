//! Generation: progenitor for what it supports, our multipart code spliced in, response
//! headers moved rather than copied, prettyplease.

use std::collections::BTreeSet;
use std::panic::{AssertUnwindSafe, catch_unwind};

use openapiv3::{PathItem, ReferenceOr};

use crate::multipart::{MultipartOp, RUNTIME};
use crate::splice::{check_arguments, splice_body};
use crate::{Error, Result, Spec};

/// Generates the client for a loaded [`Spec`] with the default [`Settings`]: formatted Rust
/// source with a banner.
///
/// The same spec always yields the same text, byte for byte.
pub fn generate(spec: &Spec) -> Result<String> {
    generate_with(spec, &Settings::default())
}

/// Choices about the generated client that the spec does not make.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct Settings {
    /// A Rust type path that every `Client` carries as progenitor's "inner" value
    /// (`Client::new(baseurl, inner)`, `ClientInfo::inner`), so that the client's own
    /// `ClientHooks` can read per-client state. `None`: `()`, and `Client::new(baseurl)`.
    pub inner_type: Option<String>,
}

impl Settings {
    /// The settings `simplio3d-client` is generated with: its build script and
    /// `cargo xtask regen` both take them from here, so the committed snapshot and the build
    /// output cannot drift apart. `crate::ClientState` is hand-written in that crate.
    pub fn sdk_client() -> Self {
        Settings {
            inner_type: Some("crate::ClientState".to_owned()),
        }
    }

    fn progenitor(&self) -> Result<progenitor::GenerationSettings> {
        let mut settings = progenitor::GenerationSettings::default();
        if let Some(inner) = &self.inner_type {
            let inner: syn::Type = syn::parse_str(inner).map_err(|e| {
                Error::Internal(format!(
                    "settings: inner type `{inner}` is not a Rust type: {e}"
                ))
            })?;
            settings.with_inner_type(quote::quote!(#inner));
        }
        Ok(settings)
    }
}

/// [`generate`] with chosen [`Settings`].
pub fn generate_with(spec: &Spec, settings: &Settings) -> Result<String> {
    let mut openapi = spec.openapi.clone();
    let mut multipart_ops = Vec::new();
    for op in &spec.operations {
        let Some(body_type) = spec.multipart_bodies.get(&op.pointer) else {
            continue;
        };
        multipart_ops.push(MultipartOp::analyse(&spec.document, op, body_type)?);
        // progenitor generates the rest of the method; we add the body below. Other media
        // types of the body go too (progenitor takes one): `normalise` warned about them.
        if let Some(operation) = operation_mut(&mut openapi, &op.path, &op.method) {
            operation.request_body = None;
        }
    }

    for op in &spec.operations {
        if let Some(operation) = operation_mut(&mut openapi, &op.path, &op.method) {
            expose_undescribed_error_bodies(operation);
        }
    }

    let mut generator = progenitor::Generator::new(&settings.progenitor()?);
    let tokens = run_progenitor(&mut generator, &openapi)
        .map_err(|message| blame(spec, &openapi, message))?;
    let known_types: BTreeSet<String> = generator
        .get_type_space()
        .iter_types()
        .map(|t| t.name())
        .collect();

    let mut emitted_bodies = BTreeSet::new();
    let mut file: syn::File = syn::parse2(tokens)
        .map_err(|e| Error::Internal(format!("progenitor output does not parse: {e}")))?;
    for op in &multipart_ops {
        for (name, pointer) in op.referenced_types() {
            if !known_types.contains(name) {
                return Err(Error::Unsupported {
                    operation: op.label.clone(),
                    pointer: pointer.to_owned(),
                    message: format!(
                        "the part refers to type `{name}`, which progenitor's type generator did not produce"
                    ),
                });
            }
        }
        // `normalise` kept the name clear of schemas; progenitor also names types after
        // parameters (`<Op><Param>`), which only its output shows.
        if known_types.contains(&op.body_type) {
            return Err(Error::Unsupported {
                operation: op.label.clone(),
                pointer: op.name_pointer.clone(),
                message: format!(
                    "the multipart body type `{}` clashes with a type progenitor generates; give the body another `title` in the overlay",
                    op.body_type
                ),
            });
        }
        // Operations sharing a titled body share its type: emit it once.
        let first_use = emitted_bodies.insert(op.body_type.clone());
        splice_body(&mut file, op, first_use)?;
    }
    check_arguments(spec, &mut file)?;
    crate::response::move_headers(&mut file)?;
    if !multipart_ops.is_empty() {
        let runtime: syn::File = syn::parse_str(RUNTIME)
            .map_err(|e| Error::Internal(format!("multipart runtime does not parse: {e}")))?;
        file.items.extend(runtime.items);
    }

    Ok(format!("{}{}", banner(spec), prettyplease::unparse(&file)))
}

/// When an operation's error responses (explicit 4xx/5xx statuses) all come without a body
/// description, progenitor would drop their bodies unread (`ResponseValue<()>`). Vendors
/// rarely document error bodies, yet send a message in them; so such bodies are offered as
/// a `ByteStream` (`Error::ErrorResponse(ResponseValue<ByteStream>)`) that the caller may
/// read, bounded, or drop. Only when *all* error responses lack content, so progenitor still
/// sees one error type; never with a `default` response, which progenitor also treats as a
/// success. The normalised document itself (mock, diff) is unchanged.
fn expose_undescribed_error_bodies(operation: &mut openapiv3::Operation) {
    let responses = &mut operation.responses;
    if responses.default.is_some() {
        return;
    }
    let is_error = |status: &openapiv3::StatusCode| match status {
        openapiv3::StatusCode::Code(code) => *code >= 400,
        openapiv3::StatusCode::Range(range) => *range >= 4,
    };
    let errors: Vec<_> = responses
        .responses
        .iter()
        .filter(|(status, _)| is_error(status))
        .collect();
    let all_bare = !errors.is_empty()
        && errors
            .iter()
            .all(|(_, response)| matches!(response, ReferenceOr::Item(r) if r.content.is_empty()));
    if !all_bare {
        return;
    }
    for (status, response) in responses.responses.iter_mut() {
        if let (true, ReferenceOr::Item(response)) = (is_error(status), response) {
            response
                .content
                .insert("*/*".to_owned(), openapiv3::MediaType::default());
        }
    }
}

fn banner(spec: &Spec) -> String {
    let mut out = String::from(
        "// @generated by simplio3d-codegen. Do not edit: change spec/overlay.yaml and run `cargo xtask regen`.\n",
    );
    out.push_str(&format!(
        "// spec:    {} sha256 {}\n",
        spec.spec_name, spec.spec_sha256
    ));
    match &spec.overlay {
        Some((name, sha)) => out.push_str(&format!("// overlay: {name} sha256 {sha}\n")),
        None => out.push_str("// overlay: none\n"),
    }
    out.push('\n');
    out
}

fn operation_mut<'a>(
    openapi: &'a mut openapiv3::OpenAPI,
    path: &str,
    method: &str,
) -> Option<&'a mut openapiv3::Operation> {
    let ReferenceOr::Item(item) = openapi.paths.paths.get_mut(path)? else {
        return None;
    };
    slot_mut(item, method)?.as_mut()
}

fn operation_mut_in<'a>(item: &'a mut PathItem, method: &str) -> Option<&'a openapiv3::Operation> {
    slot_mut(item, method)?.as_ref()
}

fn slot_mut<'a>(
    item: &'a mut PathItem,
    method: &str,
) -> Option<&'a mut Option<openapiv3::Operation>> {
    let PathItem {
        get,
        put,
        post,
        delete,
        options,
        head,
        patch,
        trace,
        ..
    } = item;
    Some(match method {
        "get" => get,
        "put" => put,
        "post" => post,
        "delete" => delete,
        "options" => options,
        "head" => head,
        "patch" => patch,
        "trace" => trace,
        _ => return None,
    })
}

/// progenitor 0.15.1 still asserts in places; a panic must become an error, not a crash.
fn run_progenitor(
    generator: &mut progenitor::Generator,
    openapi: &openapiv3::OpenAPI,
) -> std::result::Result<proc_macro2::TokenStream, String> {
    catch_unwind(AssertUnwindSafe(|| generator.generate_tokens(openapi)))
        .map_err(|panic| format!("panicked: {}", panic_message(&panic)))?
        .map_err(|e| e.to_string())
}

/// Names the operation progenitor failed on, by generating each operation alone.
fn blame(spec: &Spec, openapi: &openapiv3::OpenAPI, message: String) -> Error {
    for op in &spec.operations {
        let mut alone = openapi.clone();
        alone.paths.paths.retain(|path, _| path == &op.path);
        if let Some(ReferenceOr::Item(item)) = alone.paths.paths.get_mut(&op.path) {
            let keep = operation_mut_in(item, &op.method).cloned();
            *item = PathItem {
                parameters: item.parameters.clone(),
                ..PathItem::default()
            };
            if let Some(slot) = slot_mut(item, &op.method) {
                *slot = keep;
            }
        }
        let mut generator = progenitor::Generator::new(&progenitor::GenerationSettings::default());
        if let Err(alone_message) = run_progenitor(&mut generator, &alone) {
            return Error::Unsupported {
                operation: op.label(),
                pointer: op.pointer.clone(),
                message: format!("progenitor cannot generate it: {alone_message}"),
            };
        }
    }
    Error::Progenitor(message)
}

fn panic_message(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned())
}
