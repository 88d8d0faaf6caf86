//! Security requirements of one operation: public or not, and which alternatives
//! (any one of which satisfies the operation) are accepted. The generated client knows
//! nothing of security (the wrapper sends the header), so no rule here breaks the Rust API.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

use super::model::{Change, OperationRef, Rule};
use super::residue::strip_docs;
use super::schema::resolve;

/// One way to authenticate: scheme name → (scopes, how the scheme sends credentials).
/// An empty alternative (`{}`) means "anonymous is accepted".
type Alternative = BTreeMap<String, (Vec<String>, Value)>;

fn alternatives(doc: &Value, op: &Value) -> Vec<Alternative> {
    let requirements = op.get("security").or_else(|| doc.get("security"));
    let Some(requirements) = requirements.and_then(Value::as_array) else {
        return Vec::new();
    };
    requirements
        .iter()
        .filter_map(Value::as_object)
        .map(|req| {
            req.iter()
                .map(|(name, scopes)| {
                    // Scopes are a set: their order in the document means nothing.
                    let mut scopes: Vec<String> = scopes
                        .as_array()
                        .map(|s| {
                            s.iter()
                                .filter_map(Value::as_str)
                                .map(str::to_owned)
                                .collect()
                        })
                        .unwrap_or_default();
                    scopes.sort();
                    scopes.dedup();
                    let scheme = doc.pointer(&format!(
                        "/components/securitySchemes/{}",
                        name.replace('~', "~0").replace('/', "~1")
                    ));
                    let scheme = resolve(doc, scheme.unwrap_or(&Value::Null));
                    (name.clone(), (scopes, strip_docs(scheme)))
                })
                .collect()
        })
        .collect()
}

fn describe_alternative(alt: &Alternative) -> String {
    if alt.is_empty() {
        return "no authentication".to_owned();
    }
    alt.keys()
        .map(|k| format!("`{k}`"))
        .collect::<Vec<_>>()
        .join(" + ")
}

fn describe_alternatives(alts: &[Alternative]) -> String {
    if alts.is_empty() {
        return "no authentication".to_owned();
    }
    alts.iter()
        .map(describe_alternative)
        .collect::<Vec<_>>()
        .join(" or ")
}

/// No requirement at all, or an empty alternative: a caller without credentials gets in.
fn is_public(alts: &[Alternative]) -> bool {
    alts.is_empty() || alts.iter().any(BTreeMap::is_empty)
}

/// Alternatives are a set (any one of them satisfies the operation): order and repeats do
/// not matter, so `[A, B]` → `[B, A]` is no change.
fn subset(small: &[Alternative], large: &[Alternative]) -> bool {
    small.iter().all(|alt| large.contains(alt))
}

pub(crate) fn compare(
    old_doc: &Value,
    new_doc: &Value,
    old_node: &Value,
    new_node: &Value,
    operation: &OperationRef,
    changes: &mut Vec<Change>,
) {
    let (was, is) = (
        alternatives(old_doc, old_node),
        alternatives(new_doc, new_node),
    );
    // An empty alternative already makes the operation public, so `[]` and `[{}]` are alike.
    let authenticated = |alts: &[Alternative]| {
        alts.iter()
            .filter(|a| !a.is_empty())
            .cloned()
            .collect::<Vec<_>>()
    };
    let (was_public, is_public) = (is_public(&was), is_public(&is));
    let (was_auth, is_auth) = (authenticated(&was), authenticated(&is));
    if was_public == is_public && subset(&was_auth, &is_auth) && subset(&is_auth, &was_auth) {
        return;
    }
    let mut push = |rule, message: String| {
        changes.push(Change::new(
            rule,
            Some(operation.clone()),
            "security",
            message,
        ));
    };
    // Names and scopes without the scheme definitions: "the same requirements, sent differently".
    let names = |alts: &[Alternative]| {
        alts.iter()
            .map(|a| {
                a.iter()
                    .map(|(k, (s, _))| (k.clone(), s.clone()))
                    .collect::<Vec<_>>()
            })
            .collect::<BTreeSet<_>>()
    };
    match (was_public, is_public) {
        // Callers that sent nothing now get 401: breaking on the wire. The generated
        // client knows nothing of security (the wrapper adds the header), so the Rust API
        // is unchanged.
        (true, false) => push(
            Rule::SecurityChanged,
            format!(
                "now requires authentication ({}); it was public",
                describe_alternatives(&is)
            ),
        ),
        // Whatever callers sent before is still accepted, or ignored.
        (false, true) => push(
            Rule::SecurityRemoved,
            "no longer requires authentication".to_owned(),
        ),
        _ if names(&was_auth) == names(&is_auth) => {
            let changed: BTreeSet<String> = was_auth
                .iter()
                .flat_map(|alt| alt.iter())
                .filter(|(name, (_, scheme))| {
                    is_auth
                        .iter()
                        .filter_map(|alt| alt.get(*name))
                        .any(|(_, new_scheme)| new_scheme != scheme)
                })
                .map(|(name, _)| format!("`{name}`"))
                .collect();
            if !changed.is_empty() {
                push(
                    Rule::SecuritySchemeChanged,
                    format!(
                        "security scheme {} now sends credentials differently",
                        changed.into_iter().collect::<Vec<_>>().join(", ")
                    ),
                );
            }
        }
        _ if subset(&was_auth, &is_auth) => {
            let added: Vec<String> = is_auth
                .iter()
                .filter(|alt| !was_auth.contains(alt))
                .map(describe_alternative)
                .collect();
            push(
                Rule::SecurityAlternativeAdded,
                format!("also accepts {}", added.join(" or ")),
            );
        }
        _ => push(
            Rule::SecurityChanged,
            format!(
                "was {}, now {}",
                describe_alternatives(&was),
                describe_alternatives(&is)
            ),
        ),
    }
}
