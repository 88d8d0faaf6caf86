//! A test harness for a generated client: one function that calls any operation by name with
//! arguments taken from a JSON sample, so that a conformance suite can drive every operation
//! of a spec through the generated client without a hand-written list.
//!
//! The harness reads the generated client's method signatures and multipart body structs
//! (with syn) and the spec's parameters, and emits, for each operation, code that
//! deserialises each argument from the sample and calls the method. The sample's shape is
//! `{"path": {name: value}, "query": {..}, "header": {..}, "cookie": {..}, "body": value}`.
//!
//! The emitted code refers to a small support module the caller provides (`support_path`),
//! which must define:
//! - `CallOutcome` with `CallOutcome::Failed(String)`,
//!   `CallOutcome::from_result(Result<ResponseValue<T>, Error<E>>) -> CallOutcome`
//!   (`T, E: Serialize`), and async variants for `ByteStream` bodies (`from_stream_result`,
//!   `from_result_stream_error`, `from_stream_result_stream_error`);
//! - `fn arg<T: DeserializeOwned>(sample, location, name) -> Result<T, String>` (absent → JSON null),
//!   `fn body<T>(sample) -> Result<T, String>`, `fn part<T>(sample, name) -> Result<T, String>`,
//!   `fn file(sample, name) -> Result<Vec<u8>, String>`, `fn opt_file(..) -> Result<Option<Vec<u8>>, String>`,
//!   `fn files(..) -> Result<Vec<Vec<u8>>, String>`, `fn opt_files(..) -> Result<Option<Vec<Vec<u8>>>, String>`.

use std::collections::BTreeMap;

use heck::ToSnakeCase;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use serde_json::Value;
use syn::{FnArg, GenericArgument, ImplItem, Item, Pat, PathArguments, ReturnType, Type};

use crate::normalise::resolve;
use crate::{Error, Result, Spec};

/// Emits the harness for `spec`, whose generated client source is `client_source` and is
/// reachable at `client_path` (e.g. `::simplio3d_client` or `crate::fixtures::json_bodies`).
///
/// The result is a formatted module body defining `pub const OPERATIONS: &[&str]` and
/// `pub fn call(http: reqwest::Client, base_url: String, operation: String, sample:
/// serde_json::Value) -> Pin<Box<dyn Future<Output = CallOutcome>>>`.
pub fn generate_harness(
    spec: &Spec,
    client_source: &str,
    client_path: &str,
    support_path: &str,
) -> Result<String> {
    let file: syn::File = syn::parse_str(client_source)
        .map_err(|e| Error::Internal(format!("generated client does not parse: {e}")))?;
    let methods = client_methods(&file);
    // A client generated with an inner type (progenitor's `inner_type`, e.g. the SDK's
    // `ClientState`) takes it as a third constructor argument; the harness passes its
    // `Default`, so requests carry only what the caller's `reqwest::Client` adds.
    let takes_inner = constructor_arity(&file, "new_with_client") == Some(3);
    let new_client = if takes_inner {
        quote!(client::Client::new_with_client(
            &base_url,
            http,
            ::std::default::Default::default()
        ))
    } else {
        quote!(client::Client::new_with_client(&base_url, http))
    };
    let bodies = multipart_bodies(&file);
    let client: syn::Path = syn::parse_str(client_path).map_err(|e| {
        Error::Internal(format!(
            "client path {client_path:?} is not a Rust path: {e}"
        ))
    })?;
    let support: syn::Path = syn::parse_str(support_path).map_err(|e| {
        Error::Internal(format!(
            "support path {support_path:?} is not a Rust path: {e}"
        ))
    })?;

    let mut arms = Vec::new();
    for op in &spec.operations {
        let method = methods.get(&op.name).ok_or_else(|| {
            Error::Internal(format!(
                "the generated client has no method `{}` for {}",
                op.name,
                op.label()
            ))
        })?;
        let locations = parameter_locations(&spec.document, &op.path, &op.method);
        arms.push(operation_arm(
            &op.name,
            &op.label(),
            method,
            &locations,
            &bodies,
        )?);
    }
    let names = spec.operations.iter().map(|op| op.name.as_str());
    let tokens = quote! {
        #[allow(unused_imports)]
        use #client as client;
        #[allow(unused_imports)]
        use #client::types;
        use #support as support;

        /// The operations this harness can call (the spec's, in document order).
        pub const OPERATIONS: &[&str] = &[#(#names),*];

        /// Calls `operation` on a client for `base_url` with arguments from `sample`.
        pub fn call(
            http: ::reqwest::Client,
            base_url: ::std::string::String,
            operation: ::std::string::String,
            sample: ::serde_json::Value,
        ) -> ::std::pin::Pin<::std::boxed::Box<dyn ::std::future::Future<Output = support::CallOutcome>>> {
            ::std::boxed::Box::pin(async move {
                let client = #new_client;
                match dispatch(&client, &operation, &sample).await {
                    ::std::result::Result::Ok(outcome) => outcome,
                    ::std::result::Result::Err(message) => support::CallOutcome::Failed(message),
                }
            })
        }

        #[allow(clippy::all, unused_variables)]
        async fn dispatch(
            client: &client::Client,
            operation: &str,
            sample: &::serde_json::Value,
        ) -> ::std::result::Result<support::CallOutcome, ::std::string::String> {
            match operation {
                #(#arms)*
                other => ::std::result::Result::Err(::std::format!("the harness has no operation `{other}`")),
            }
        }
    };
    let file: syn::File =
        syn::parse2(tokens).map_err(|e| Error::Internal(format!("harness does not parse: {e}")))?;
    Ok(format!(
        "// @generated by simplio3d-codegen (test harness). Do not edit.\n{}",
        prettyplease::unparse(&file)
    ))
}

/// The functions of `impl Client` blocks (inherent ones, not trait impls).
fn client_fns(file: &syn::File) -> impl Iterator<Item = &syn::ImplItemFn> {
    file.items
        .iter()
        .filter_map(|item| match item {
            Item::Impl(imp)
                if imp.trait_.is_none()
                    && matches!(&*imp.self_ty, Type::Path(p) if p.path.is_ident("Client")) =>
            {
                Some(&imp.items)
            }
            _ => None,
        })
        .flatten()
        .filter_map(|item| match item {
            ImplItem::Fn(f) => Some(f),
            _ => None,
        })
}

/// `async fn` methods of `impl Client`, by name.
fn client_methods(file: &syn::File) -> BTreeMap<String, syn::Signature> {
    client_fns(file)
        .filter(|f| f.sig.asyncness.is_some())
        .map(|f| (f.sig.ident.to_string(), f.sig.clone()))
        .collect()
}

/// The number of parameters of `impl Client`'s function `name`, if it has one.
fn constructor_arity(file: &syn::File, name: &str) -> Option<usize> {
    client_fns(file)
        .find(|f| f.sig.ident == name)
        .map(|f| f.sig.inputs.len())
}

/// One field of a multipart body struct: its Rust name, part name and type.
struct BodyField {
    ident: syn::Ident,
    wire: String,
    ty: Type,
}

/// Multipart body structs of `mod types` (recognised by their `Part `name`` field docs).
fn multipart_bodies(file: &syn::File) -> BTreeMap<String, Vec<BodyField>> {
    let mut bodies = BTreeMap::new();
    let types = file.items.iter().find_map(|item| match item {
        Item::Mod(m) if m.ident == "types" => m.content.as_ref().map(|(_, items)| items),
        _ => None,
    });
    let items: Vec<&Item> = types.into_iter().flatten().collect();
    for item in &items {
        let Item::Struct(s) = item else { continue };
        if !has_multipart_impl(&items, &s.ident) {
            continue;
        }
        let fields = s
            .fields
            .iter()
            .filter_map(|f| {
                let wire = f.attrs.iter().find_map(part_name)?;
                Some(BodyField {
                    ident: f.ident.clone()?,
                    wire,
                    ty: f.ty.clone(),
                })
            })
            .collect();
        bodies.insert(s.ident.to_string(), fields);
    }
    bodies
}

fn has_multipart_impl(items: &[&Item], ident: &syn::Ident) -> bool {
    items.iter().any(|item| match item {
        Item::Impl(imp) => {
            let is_self = matches!(&*imp.self_ty, Type::Path(p) if p.path.is_ident(ident));
            let is_multipart = imp
                .trait_
                .as_ref()
                .and_then(|(path, _)| path.segments.last())
                .is_some_and(|s| s.ident == "MultipartBody");
            is_self && is_multipart
        }
        _ => false,
    })
}

/// The part name from a field doc ending in "Part `name`." (how the generator documents parts).
fn part_name(attr: &syn::Attribute) -> Option<String> {
    let syn::Meta::NameValue(nv) = &attr.meta else {
        return None;
    };
    let syn::Expr::Lit(syn::ExprLit {
        lit: syn::Lit::Str(text),
        ..
    }) = &nv.value
    else {
        return None;
    };
    let text = text.value();
    let start = text.rfind("Part `")? + "Part `".len();
    let len = text[start..].find('`')?;
    Some(text[start..start + len].to_owned())
}

/// `(rust-ish snake name, location, spec name)` of every parameter of an operation.
fn parameter_locations(doc: &Value, path: &str, method: &str) -> Vec<(String, String, String)> {
    let Some(item) = doc.get("paths").and_then(|p| p.get(path)) else {
        return Vec::new();
    };
    let item = resolve(doc, item);
    let lists = [
        item.get(method).and_then(|o| o.get("parameters")),
        item.get("parameters"),
    ];
    let mut out = Vec::new();
    for list in lists.into_iter().flatten().filter_map(Value::as_array) {
        for p in list.iter().map(|p| resolve(doc, p)) {
            let (Some(name), Some(location)) = (
                p.get("name").and_then(Value::as_str),
                p.get("in").and_then(Value::as_str),
            ) else {
                continue;
            };
            if !out
                .iter()
                .any(|(_, l, n): &(String, String, String)| l == location && n == name)
            {
                out.push((name.to_snake_case(), location.to_owned(), name.to_owned()));
            }
        }
    }
    out
}

fn operation_arm(
    name: &str,
    label: &str,
    sig: &syn::Signature,
    locations: &[(String, String, String)],
    bodies: &BTreeMap<String, Vec<BodyField>>,
) -> Result<TokenStream> {
    let method = &sig.ident;
    let mut lets = Vec::new();
    let mut args = Vec::new();
    for (i, input) in sig.inputs.iter().enumerate() {
        let FnArg::Typed(arg) = input else { continue };
        let Pat::Ident(ident) = &*arg.pat else {
            continue;
        };
        let ident = ident.ident.to_string();
        let var = format_ident!("a{i}");
        let plain = ident.trim_start_matches("r#").trim_end_matches('_');
        let parameter = locations
            .iter()
            .find(|(snake, _, _)| snake == plain || snake.trim_end_matches('_') == plain);
        // The multipart body is known by its type (its name gives way to a parameter
        // `body`); progenitor's JSON body is `body` and no parameter.
        let body_type = last_ident(option_inner(&arg.ty).unwrap_or(&arg.ty));
        let is_multipart = body_type.is_some_and(|t| bodies.contains_key(&t));
        if is_multipart || (parameter.is_none() && ident == "body") {
            let (setup, pass) = body_argument(&arg.ty, &var, bodies);
            lets.push(setup);
            args.push(pass);
            continue;
        }
        let (_, location, spec_name) = parameter.ok_or_else(|| {
            Error::Internal(format!(
                "{label}: cannot match argument `{ident}` of `{method}` to a spec parameter"
            ))
        })?;
        let (owned, pass) = owned_argument(&arg.ty, &var);
        lets.push(quote! { let #var: #owned = support::arg(sample, #location, #spec_name)?; });
        args.push(pass);
    }
    let settle = match &sig.output {
        ReturnType::Type(_, ty) => match (ok_is_byte_stream(ty), err_is_byte_stream(ty)) {
            (false, false) => quote! { support::CallOutcome::from_result(result) },
            (true, false) => quote! { support::CallOutcome::from_stream_result(result).await },
            (false, true) => {
                quote! { support::CallOutcome::from_result_stream_error(result).await }
            }
            (true, true) => {
                quote! { support::CallOutcome::from_stream_result_stream_error(result).await }
            }
        },
        ReturnType::Default => quote! { support::CallOutcome::from_result(result) },
    };
    Ok(quote! {
        #name => {
            #(#lets)*
            let result = client.#method(#(#args),*).await;
            ::std::result::Result::Ok(#settle)
        }
    })
}

/// The owned type to deserialise and how to pass it: `&str` ← `String`, `Option<&T>` ← `Option<T>`.
fn owned_argument(ty: &Type, var: &syn::Ident) -> (TokenStream, TokenStream) {
    match ty {
        Type::Reference(r) if is_str(&r.elem) => (quote!(::std::string::String), quote!(&#var)),
        Type::Reference(r) => {
            let inner = &r.elem;
            (quote!(#inner), quote!(&#var))
        }
        _ => match option_inner(ty) {
            Some(Type::Reference(r)) if is_str(&r.elem) => (
                quote!(::std::option::Option<::std::string::String>),
                quote!(#var.as_deref()),
            ),
            Some(Type::Reference(r)) => {
                let inner = &r.elem;
                (quote!(::std::option::Option<#inner>), quote!(#var.as_ref()))
            }
            _ => (quote!(#ty), quote!(#var)),
        },
    }
}

/// The body argument: a multipart struct built part by part, or a JSON body deserialised.
fn body_argument(
    ty: &Type,
    var: &syn::Ident,
    bodies: &BTreeMap<String, Vec<BodyField>>,
) -> (TokenStream, TokenStream) {
    let (target, optional) = match option_inner(ty) {
        Some(inner) => (inner, true),
        None => (ty, false),
    };
    if let Some((ident, fields)) = last_ident(target).and_then(|i| bodies.get(&i).map(|f| (i, f))) {
        let ty_ident = format_ident!("{}", ident);
        let inits = fields.iter().map(|f| {
            let field = &f.ident;
            let value = part_init(&f.ty, &f.wire);
            quote! { #field: #value, }
        });
        let build = quote! { types::#ty_ident { #(#inits)* } };
        let value = if optional {
            quote!(::std::option::Option::Some(#build))
        } else {
            build
        };
        return (quote! { let #var = #value; }, quote!(#var));
    }
    match target {
        Type::Reference(r) => {
            let inner = &r.elem;
            (
                quote! { let #var: #inner = support::body(sample)?; },
                quote!(&#var),
            )
        }
        _ => (
            quote! { let #var: #ty = support::body(sample)?; },
            quote!(#var),
        ),
    }
}

fn part_init(ty: &Type, wire: &str) -> TokenStream {
    let file_name = format!(
        "{}.bin",
        wire.replace(|c: char| !c.is_ascii_alphanumeric(), "_")
    );
    let file = quote! { |bytes: ::std::vec::Vec<u8>| client::multipart::FilePart::bytes(bytes).file_name(#file_name) };
    let optional = option_inner(ty);
    let inner = optional.unwrap_or(ty);
    let list = vec_inner(inner);
    let is_file = |t: &Type| last_ident(t).as_deref() == Some("FilePart");
    match (optional.is_some(), list) {
        (false, Some(item)) if is_file(item) => {
            quote! { support::files(sample, #wire)?.into_iter().map(#file).collect() }
        }
        (true, Some(item)) if is_file(item) => {
            quote! { support::opt_files(sample, #wire)?.map(|list| list.into_iter().map(#file).collect()) }
        }
        (false, None) if is_file(inner) => quote! { (#file)(support::file(sample, #wire)?) },
        (true, None) if is_file(inner) => quote! { support::opt_file(sample, #wire)?.map(#file) },
        _ => quote! { support::part(sample, #wire)? },
    }
}

fn is_str(ty: &Type) -> bool {
    matches!(ty, Type::Path(p) if p.path.is_ident("str"))
}

fn last_ident(ty: &Type) -> Option<String> {
    match ty {
        Type::Path(p) => p.path.segments.last().map(|s| s.ident.to_string()),
        _ => None,
    }
}

fn generic_arg<'a>(ty: &'a Type, wrapper: &str) -> Option<&'a Type> {
    let Type::Path(p) = ty else { return None };
    let last = p.path.segments.last()?;
    if last.ident != wrapper {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args.iter().find_map(|a| match a {
        GenericArgument::Type(t) => Some(t),
        _ => None,
    })
}

fn option_inner(ty: &Type) -> Option<&Type> {
    generic_arg(ty, "Option")
}

fn vec_inner(ty: &Type) -> Option<&Type> {
    generic_arg(ty, "Vec")
}

/// `Result<_, Error<ByteStream>>`: error bodies are streams, not JSON.
fn err_is_byte_stream(ty: &Type) -> bool {
    let Type::Path(p) = ty else { return false };
    let Some(last) = p.path.segments.last().filter(|l| l.ident == "Result") else {
        return false;
    };
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return false;
    };
    args.args
        .iter()
        .filter_map(|a| match a {
            GenericArgument::Type(t) => Some(t),
            _ => None,
        })
        .nth(1)
        .and_then(|error| generic_arg(error, "Error"))
        .and_then(last_ident)
        .is_some_and(|i| i == "ByteStream")
}

/// `Result<ResponseValue<ByteStream>, _>`: the success body is a stream, not JSON.
fn ok_is_byte_stream(ty: &Type) -> bool {
    generic_arg(ty, "Result")
        .and_then(|ok| generic_arg(ok, "ResponseValue"))
        .and_then(last_ident)
        .is_some_and(|i| i == "ByteStream")
}
