//! The Rust tokens of a multipart body: the struct, `new`, and its encoder.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{FieldKind, MultipartOp, Scalar};

impl MultipartOp {
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
                    // RFC 7578 §4.2: names go verbatim, never as `name*=utf-8''…`
                    // (reqwest's default), which servers do not read.
                    let mut form = reqwest::multipart::Form::new().percent_encode_noop();
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
        // The common case straight to reqwest: nothing to check, nothing that can fail.
        FieldKind::Text(Scalar::String) if content_type.is_none() => {
            quote! { form = form.text(#wire, #value); }
        }
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
