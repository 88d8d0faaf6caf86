//! Smaller futures for progenitor's methods: the statements that build and send a request
//! become an `async` block, awaited for the response, before the body is read.
//!
//! An `async fn` keeps every local that is in scope at an `.await` in its future, moved
//! from or not. In progenitor's methods the URL, header map, request and `Result` stay in
//! scope while the body is read, so the future for a one-call method was about twice the
//! size of the body-reading future it awaits (1,400 bytes against 672 for
//! `create_session`), and a caller's future embeds and moves all of it. A plain block is
//! not enough: locals held across several `.await`s get a slot of their own for the whole
//! future. In a block future of their own they share space with the body read instead.

use std::collections::BTreeSet;

use proc_macro2::{TokenStream, TokenTree};
use quote::ToTokens;
use syn::visit_mut::VisitMut;
use syn::{Block, Expr, Local, Pat, Stmt, parse_quote};

/// Rewrites, in every async method of `file` returning `Result<_, E>`,
/// `<request statements>; let response = result?; <rest>` into
/// `let response = async { <request statements>; Ok::<_, E>(result?) }.await?; <rest>`,
/// where `<rest>` uses none of the request statements' locals and they hold no `return`
/// (which would leave the block, not the method); otherwise the method is left alone.
pub(crate) fn end_request_locals(file: &mut syn::File) {
    Scope.visit_file_mut(file);
}

struct Scope;

impl VisitMut for Scope {
    fn visit_impl_item_fn_mut(&mut self, function: &mut syn::ImplItemFn) {
        if function.sig.asyncness.is_some()
            && let Some(error) = error_type(&function.sig.output)
        {
            scope_block(&mut function.block, &error);
        }
        syn::visit_mut::visit_impl_item_fn_mut(self, function);
    }
}

fn scope_block(block: &mut Block, error: &syn::Type) {
    let Some(at) = block.stmts.iter().position(is_let_response_from_result) else {
        return;
    };
    let (head, rest) = block.stmts.split_at(at);
    let rest = &rest[1..];
    // The pattern would be `response` itself; any other local the rest still needs
    // must stay in scope.
    let bound: BTreeSet<String> = head.iter().flat_map(bound_names).collect();
    let used = idents_in(rest.iter().map(ToTokens::to_token_stream));
    let returns = idents_in(head.iter().map(ToTokens::to_token_stream)).contains("return");
    if at == 0 || returns || !bound.is_disjoint(&used) {
        return;
    }
    let head = head.to_vec();
    let rest = rest.to_vec();
    let scoped: Stmt = parse_quote! {
        let response = async {
            #(#head)*
            Ok::<_, #error>(result?)
        }.await?;
    };
    block.stmts = std::iter::once(scoped).chain(rest).collect();
}

/// `E` of a return type `Result<_, E>`.
fn error_type(output: &syn::ReturnType) -> Option<syn::Type> {
    let syn::ReturnType::Type(_, ty) = output else {
        return None;
    };
    let syn::Type::Path(path) = &**ty else {
        return None;
    };
    let last = path.path.segments.last()?;
    let syn::PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    match (last.ident == "Result", args.args.len(), args.args.last()) {
        (true, 2, Some(syn::GenericArgument::Type(error))) => Some(error.clone()),
        _ => None,
    }
}

/// `let response = result?;`
fn is_let_response_from_result(stmt: &Stmt) -> bool {
    let Stmt::Local(Local {
        pat: Pat::Ident(pat),
        init: Some(init),
        ..
    }) = stmt
    else {
        return false;
    };
    pat.ident == "response"
        && pat.by_ref.is_none()
        && pat.subpat.is_none()
        && init.diverge.is_none()
        && matches!(&*init.expr, Expr::Try(t) if matches!(&*t.expr, Expr::Path(p) if p.path.is_ident("result")))
}

/// The names a statement binds (for a `let`, every identifier of its pattern).
fn bound_names(stmt: &Stmt) -> BTreeSet<String> {
    match stmt {
        Stmt::Local(local) => idents_in([local.pat.to_token_stream()]),
        _ => BTreeSet::new(),
    }
}

fn idents_in(streams: impl IntoIterator<Item = TokenStream>) -> BTreeSet<String> {
    let mut found = BTreeSet::new();
    let mut pending: Vec<TokenStream> = streams.into_iter().collect();
    while let Some(stream) = pending.pop() {
        for tree in stream {
            match tree {
                TokenTree::Ident(ident) => {
                    found.insert(ident.to_string());
                }
                TokenTree::Group(group) => pending.push(group.stream()),
                TokenTree::Punct(_) | TokenTree::Literal(_) => {}
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scoped(file: syn::File) -> String {
        let mut file = file;
        end_request_locals(&mut file);
        prettyplease::unparse(&file)
    }

    #[test]
    fn the_request_locals_end_before_the_body_is_read() {
        let text = scoped(parse_quote! {
            impl Client {
                pub async fn op(&self) -> Result<ResponseValue<()>, Error<()>> {
                    let url = format!("{}/x", self.baseurl);
                    let request = self.client.post(url).build()?;
                    let result = self.exec(request, &info).await;
                    self.post(&result, &info).await?;
                    let response = result?;
                    match response.status().as_u16() {
                        200u16 => response_value::from_response(response).await,
                        _ => Err(Error::UnexpectedResponse(response)),
                    }
                }
            }
        });
        let expected = "let response = async {\n            let url";
        assert!(text.contains(expected), "{text}");
        let end = "Ok::<_, Error<()>>(result?)\n        }\n            .await?;\n        match";
        assert!(text.contains(end), "{text}");
    }

    #[test]
    fn left_alone_when_the_rest_needs_a_request_local() {
        let source: syn::File = parse_quote! {
            impl Client {
                pub async fn op(&self) -> Result<(), Error<()>> {
                    let info = OperationInfo { operation_id: "op" };
                    let result = self.exec(request, &info).await;
                    let response = result?;
                    log(&info, response)
                }
            }
        };
        let before = prettyplease::unparse(&source);
        assert_eq!(scoped(source), before);
    }

    #[test]
    fn left_alone_without_the_template_shape() {
        for source in [
            parse_quote! { impl C { async fn f(&self) { let response = other?; g(response) } } },
            parse_quote! { impl C { fn f(&self) { let r = h(); let response = result?; g(response) } } },
            parse_quote! { impl C { async fn f(&self) -> R<(), E> { let r = h(); let response = result?; g(response) } } },
            parse_quote! { impl C { async fn f(&self) -> Result<(), E> { let response = result?; g(response) } } },
            parse_quote! { impl C { async fn f(&self) -> Result<(), E> { if x { return y; } let response = result?; g(response) } } },
            parse_quote! { impl C { async fn f(&self) { let r = h(); let response = result?; g(response) } } },
        ] {
            let before = prettyplease::unparse(&source);
            assert_eq!(scoped(source), before);
        }
    }
}
