//! Splicing a multipart body into the method progenitor generated without it.

use std::collections::BTreeSet;

use quote::format_ident;
use syn::visit_mut::VisitMut;
use syn::{Expr, FnArg, ImplItem, ImplItemFn, Item, Pat, parse_quote};

use crate::multipart::MultipartOp;
use crate::{Error, Result, Spec};

/// Adds the body type to `mod types`, the `body` parameter to the method, and the multipart
/// encoding to its request builder, just before `.build()`.
pub(crate) fn splice_body(file: &mut syn::File, op: &MultipartOp, with_type: bool) -> Result<()> {
    let body_items: syn::File = syn::parse2(op.body_tokens()).map_err(|e| {
        Error::Internal(format!(
            "multipart body for `{}` does not parse: {e}",
            op.method_name
        ))
    })?;
    let types = file
        .items
        .iter_mut()
        .find_map(|item| match item {
            Item::Mod(m) if m.ident == "types" => m.content.as_mut(),
            _ => None,
        })
        .ok_or_else(|| Error::Internal("progenitor output has no `mod types`".into()))?;
    if with_type {
        types.1.extend(body_items.items);
    }

    let method = inherent_methods(file)
        .find(|f| f.sig.ident == op.method_name)
        .ok_or_else(|| {
            Error::Internal(format!(
                "progenitor generated no method `{}`",
                op.method_name
            ))
        })?;

    // `body` unless a parameter (or one of progenitor's locals) has that name already.
    let body = free_ident(method);
    let body_type = format_ident!("{}", op.body_type);
    let arg: syn::FnArg = if op.required {
        parse_quote!(#body: types::#body_type)
    } else {
        parse_quote!(#body: ::std::option::Option<types::#body_type>)
    };
    method.sig.inputs.push(arg);
    let doc = format!(
        "\n\n`{body}`: the request body, sent as `multipart/form-data`{}: see [`types::{}`].",
        if op.required { "" } else { " when `Some`" },
        op.body_type
    );
    method.attrs.push(parse_quote!(#[doc = #doc]));

    let mut splicer = BuildSplicer { body, spliced: 0 };
    splicer.visit_block_mut(&mut method.block);
    if splicer.spliced != 1 {
        return Err(Error::Internal(format!(
            "expected one request `.build()` in `{}`, found {}; progenitor's output changed",
            op.method_name, splicer.spliced
        )));
    }
    Ok(())
}

/// Rewrites `<request builder>.build()` to `multipart::attach(<request builder>, body)?.build()`.
struct BuildSplicer {
    body: syn::Ident,
    spliced: usize,
}

impl VisitMut for BuildSplicer {
    fn visit_expr_method_call_mut(&mut self, call: &mut syn::ExprMethodCall) {
        syn::visit_mut::visit_expr_method_call_mut(self, call);
        if call.method == "build" && call.args.is_empty() {
            let (receiver, body) = (&call.receiver, &self.body);
            let wrapped: Expr = parse_quote! {
                multipart::attach(#receiver, #body).map_err(|e| Error::InvalidRequest(e.to_string()))?
            };
            *call.receiver = wrapped;
            self.spliced += 1;
        }
    }
}

/// The methods of the file's inherent impls (progenitor's `impl Client`). Mutable, as the
/// splice needs them so; checks take them the same way to share one walk.
fn inherent_methods(file: &mut syn::File) -> impl Iterator<Item = &mut ImplItemFn> {
    file.items
        .iter_mut()
        .filter_map(|item| match item {
            Item::Impl(imp) if imp.trait_.is_none() => Some(imp),
            _ => None,
        })
        .flat_map(|imp| imp.items.iter_mut())
        .filter_map(|item| match item {
            ImplItem::Fn(f) => Some(f),
            _ => None,
        })
}

/// `body`, else `multipart_body`, `multipart_body_2`, ...: the first name no identifier of
/// `method` (parameters, progenitor's locals) uses.
fn free_ident(method: &mut ImplItemFn) -> syn::Ident {
    struct Idents(BTreeSet<String>);
    impl VisitMut for Idents {
        fn visit_ident_mut(&mut self, ident: &mut syn::Ident) {
            self.0.insert(ident.to_string());
        }
    }
    let mut used = Idents(BTreeSet::new());
    used.visit_impl_item_fn_mut(method);
    let name = ["body".to_owned(), "multipart_body".to_owned()]
        .into_iter()
        .chain((2..).map(|n| format!("multipart_body_{n}")))
        .find(|name| !used.0.contains(name))
        .unwrap_or_default();
    format_ident!("{name}")
}

/// Every method's parameters have distinct names. progenitor names a JSON request body
/// `body` whatever the operation's parameters are called; a parameter `body` beside one
/// would not compile, so it is an error naming the operation instead.
pub(crate) fn check_arguments(spec: &Spec, file: &mut syn::File) -> Result<()> {
    for method in inherent_methods(file) {
        let mut seen = BTreeSet::new();
        for input in &method.sig.inputs {
            let FnArg::Typed(arg) = input else { continue };
            let Pat::Ident(ident) = &*arg.pat else {
                continue;
            };
            let name = ident.ident.to_string();
            if seen.insert(name.clone()) {
                continue;
            }
            let op = spec
                .operations
                .iter()
                .find(|op| method.sig.ident == op.name);
            return Err(Error::Unsupported {
                operation: op.map_or_else(|| method.sig.ident.to_string(), |op| op.label()),
                pointer: op.map_or_else(
                    || "#/paths".to_owned(),
                    |op| format!("{}/parameters", op.pointer),
                ),
                message: format!(
                    "two arguments of the generated method are named `{name}` (progenitor names a JSON request body `body`); the method would not compile"
                ),
            });
        }
    }
    Ok(())
}
