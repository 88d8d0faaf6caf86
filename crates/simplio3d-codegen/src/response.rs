//! Response handling in progenitor's methods, redirected to constructors that move the
//! response headers instead of copying them (`response_runtime.rs`).

use std::collections::BTreeSet;

use syn::visit_mut::VisitMut;
use syn::{Expr, ExprPath, Item, parse_quote};

use crate::{Error, Result};

/// The `ResponseValue` constructors redirected; the runtime module has one of each name.
const CONSTRUCTORS: [&str; 3] = ["from_response", "stream", "empty"];

/// Support code emitted once into every generated client that calls a redirected
/// constructor, with only the constructors it calls (no dead code in the output).
const RUNTIME: &str = include_str!("response_runtime.rs");

/// Rewrites every `ResponseValue::<constructor>(..)` call in `file` to
/// `response_value::<constructor>(..)` and, when there was one, adds that module.
pub(crate) fn move_headers(file: &mut syn::File) -> Result<()> {
    let mut redirect = Redirect {
        used: BTreeSet::new(),
    };
    redirect.visit_file_mut(file);
    if redirect.used.is_empty() {
        return Ok(());
    }
    let mut runtime: syn::File = syn::parse_str(RUNTIME)
        .map_err(|e| Error::Internal(format!("response runtime does not parse: {e}")))?;
    for item in &mut runtime.items {
        if let Item::Mod(module) = item
            && let Some((_, items)) = &mut module.content
        {
            items.retain(|item| match item {
                Item::Fn(f) => redirect.used.contains(&f.sig.ident.to_string()),
                _ => true,
            });
        }
    }
    file.items.extend(runtime.items);
    Ok(())
}

struct Redirect {
    /// The constructors called.
    used: BTreeSet<String>,
}

impl VisitMut for Redirect {
    fn visit_expr_call_mut(&mut self, call: &mut syn::ExprCall) {
        syn::visit_mut::visit_expr_call_mut(self, call);
        let Expr::Path(ExprPath {
            qself: None, path, ..
        }) = &*call.func
        else {
            return;
        };
        if path.leading_colon.is_some() || path.segments.len() != 2 {
            return;
        }
        let (owner, constructor) = (&path.segments[0], &path.segments[1]);
        let name = constructor.ident.to_string();
        if owner.ident == "ResponseValue"
            && owner.arguments.is_none()
            && constructor.arguments.is_none()
            && CONSTRUCTORS.contains(&name.as_str())
        {
            let constructor = constructor.ident.clone();
            *call.func = parse_quote!(response_value::#constructor);
            self.used.insert(name);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_the_constructors_and_adds_the_runtime_once() {
        let mut file: syn::File = parse_quote! {
            impl Client {
                async fn a(&self) {
                    match status {
                        200u16 => ResponseValue::from_response(response).await,
                        204u16 => Ok(ResponseValue::empty(response)),
                        400u16 => Err(Error::ErrorResponse(ResponseValue::stream(response))),
                        _ => ResponseValue::upgrade(response).await,
                    }
                }
            }
        };
        move_headers(&mut file).unwrap();
        let text = prettyplease::unparse(&file);
        assert!(
            text.contains("response_value::from_response(response)"),
            "{text}"
        );
        assert!(
            text.contains("Ok(response_value::empty(response))"),
            "{text}"
        );
        assert!(
            text.contains("ResponseValue::upgrade(response)"),
            "left as is: {text}"
        );
        assert!(
            text.contains("Err(Error::ErrorResponse(response_value::stream(response)))"),
            "{text}"
        );
        assert_eq!(text.matches("mod response_value").count(), 1, "{text}");
    }

    #[test]
    fn emits_only_the_constructors_called() {
        let mut file: syn::File = parse_quote! {
            fn f() { Ok(ResponseValue::empty(response)) }
        };
        move_headers(&mut file).unwrap();
        let text = prettyplease::unparse(&file);
        assert!(text.contains("fn empty("), "{text}");
        assert!(!text.contains("fn stream("), "{text}");
        assert!(!text.contains("fn from_response"), "{text}");
    }

    #[test]
    fn adds_nothing_without_a_call() {
        let mut file: syn::File = parse_quote! {
            fn f() { ResponseValue::new((), status, headers); }
        };
        move_headers(&mut file).unwrap();
        assert_eq!(file.items.len(), 1);
    }
}
