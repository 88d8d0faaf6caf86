//! Rust names for operations, types and fields.
//!
//! An operationId is used as is (snake_cased) unless it is a hex hash (swagger-php md5 ids),
//! starts with a digit, is a Rust keyword or a method progenitor's `Client` already has, or
//! collides with another operation after snake_casing. Those get a name derived from the
//! method and path: `POST /api/open-api/v1/auth/create-session` → `create_session`.

use std::collections::{BTreeMap, BTreeSet};

use heck::{ToPascalCase, ToSnakeCase};

/// Why an operationId cannot be used as a method name.
pub(crate) fn unusable_reason(operation_id: &str) -> Option<&'static str> {
    let snake = operation_id.to_snake_case();
    if operation_id.trim().is_empty() {
        Some("is empty")
    } else if is_hex_hash(operation_id) {
        Some("is a hex hash")
    } else if operation_id.starts_with(|c: char| c.is_ascii_digit()) {
        Some("starts with a digit")
    } else if !is_identifier(&snake) {
        Some("has no usable identifier characters")
    } else if is_keyword(&snake) {
        Some("is a Rust keyword")
    } else if CLIENT_METHODS.contains(&snake.as_str()) {
        Some("would shadow a method of the generated Client")
    } else {
        None
    }
}

/// swagger-php and similar tools emit md5/sha ids; 12+ hex digits with at least one digit.
fn is_hex_hash(id: &str) -> bool {
    id.len() >= 12
        && id.chars().all(|c| c.is_ascii_hexdigit())
        && id.chars().any(|c| c.is_ascii_digit())
}

fn is_identifier(snake: &str) -> bool {
    !snake.is_empty()
        && !snake.starts_with(|c: char| c.is_ascii_digit())
        && snake
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

/// Strict and reserved keywords of Rust 2024.
const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe",
    "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override",
    "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// Methods the generated `Client` already has (inherent, `ClientInfo`, `ClientHooks`).
const CLIENT_METHODS: &[&str] = &[
    "new",
    "new_with_client",
    "baseurl",
    "client",
    "api_version",
    "inner",
    "pre",
    "post",
    "exec",
];

pub(crate) fn is_keyword(word: &str) -> bool {
    KEYWORDS.contains(&word)
}

/// Path segments that carry no meaning for a name.
fn is_noise_segment(segment: &str) -> bool {
    matches!(segment, "api" | "open-api" | "openapi" | "rest")
        || (segment.len() >= 2
            && segment.starts_with('v')
            && segment[1..].chars().all(|c| c.is_ascii_digit()))
}

/// Words that already read as a verb, so no method verb is prefixed.
const VERBS: &[&str] = &[
    "add",
    "cancel",
    "copy",
    "create",
    "delete",
    "download",
    "duplicate",
    "export",
    "generate",
    "get",
    "import",
    "list",
    "login",
    "logout",
    "refresh",
    "remove",
    "reset",
    "search",
    "send",
    "set",
    "share",
    "update",
    "upload",
    "validate",
    "verify",
];

/// Candidate names for an operation, from the shortest to the most specific.
pub(crate) fn derived_candidates(method: &str, path: &str) -> Vec<String> {
    let segments: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    let ends_with_param = segments.last().is_some_and(|s| is_param(s));
    let statics: Vec<String> = segments
        .iter()
        .filter(|s| !is_param(s) && !is_noise_segment(s))
        .map(|s| s.to_snake_case())
        .filter(|s| !s.is_empty())
        .collect();
    let params: Vec<String> = segments
        .iter()
        .filter(|s| is_param(s))
        .map(|s| s.trim_matches(['{', '}']).to_snake_case())
        .collect();

    let verb = match method {
        "get" if ends_with_param || statics.is_empty() => "get",
        "get" => "list",
        "post" => "create",
        "put" => "replace",
        "patch" => "update",
        "delete" => "delete",
        other => other,
    };
    let by_params = if ends_with_param && !params.is_empty() {
        format!("_by_{}", params.join("_and_"))
    } else {
        String::new()
    };

    let mut out = Vec::new();
    for take in 1..=statics.len().max(1) {
        let tail = &statics[statics.len().saturating_sub(take)..];
        let noun = tail.join("_");
        let reads_as_verb = tail
            .first()
            .and_then(|s| s.split('_').next())
            .is_some_and(|w| VERBS.contains(&w));
        let base = match (noun.is_empty(), reads_as_verb) {
            (true, _) => verb.to_owned(),
            (false, true) => noun,
            (false, false) => format!("{verb}_{noun}"),
        };
        out.push(format!("{base}{by_params}"));
    }
    let most_specific = out.last().cloned().unwrap_or_else(|| verb.to_owned());
    out.push(format!("{most_specific}_{method}"));
    out.into_iter().map(|n| sanitize_field(&n)).collect()
}

fn is_param(segment: &str) -> bool {
    segment.starts_with('{') && segment.ends_with('}')
}

/// Assigns final names. `ops` is `(operationId, method, path)` in document order; the result
/// is the name for each and, for each derived one, why the operationId was not used.
pub(crate) fn assign_operation_names(
    ops: &[(Option<String>, String, String)],
) -> Vec<(String, Option<String>)> {
    // Snake names that more than one usable operationId maps to.
    let mut usable_counts: BTreeMap<String, usize> = BTreeMap::new();
    for (id, _, _) in ops {
        if let Some(id) = id.as_deref().filter(|id| unusable_reason(id).is_none()) {
            *usable_counts.entry(id.to_snake_case()).or_default() += 1;
        }
    }
    let mut taken: BTreeSet<String> = usable_counts
        .iter()
        .filter(|(_, n)| **n == 1)
        .map(|(name, _)| name.clone())
        .collect();

    ops.iter()
        .map(|(id, method, path)| {
            let reason = match id.as_deref() {
                None => Some("is missing".to_owned()),
                Some(id) => match unusable_reason(id) {
                    Some(reason) => Some(format!("{id:?} {reason}")),
                    None if usable_counts[&id.to_snake_case()] > 1 => Some(format!(
                        "{id:?} collides with another operationId after snake_case"
                    )),
                    None => None,
                },
            };
            match (reason, id) {
                (None, Some(id)) => (id.to_snake_case(), None),
                (reason, _) => {
                    let name = first_free(derived_candidates(method, path), &mut taken);
                    (name, reason)
                }
            }
        })
        .collect()
}

fn first_free(candidates: Vec<String>, taken: &mut BTreeSet<String>) -> String {
    let usable = |name: &String| !is_keyword(name) && !CLIENT_METHODS.contains(&name.as_str());
    let mut chosen = candidates
        .iter()
        .find(|c| usable(c) && !taken.contains(*c))
        .cloned();
    if chosen.is_none() {
        let last = candidates
            .last()
            .cloned()
            .unwrap_or_else(|| "operation".to_owned());
        chosen = (2..)
            .map(|n| format!("{last}_{n}"))
            .find(|c| !taken.contains(c));
    }
    let name = chosen.unwrap_or_default();
    taken.insert(name.clone());
    name
}

/// A snake_case field or method identifier for any wire name (`meta-data` → `meta_data`,
/// `type` → `type_`, `3d` → `_3d`).
pub(crate) fn sanitize_field(wire: &str) -> String {
    let mut snake = wire.to_snake_case();
    snake.retain(|c| c.is_ascii_alphanumeric() || c == '_');
    if snake.is_empty() {
        snake = "field".to_owned();
    }
    if snake.starts_with(|c: char| c.is_ascii_digit()) {
        snake.insert(0, '_');
    }
    if is_keyword(&snake) || snake == "self" {
        snake.push('_');
    }
    snake
}

/// A PascalCase type name for a schema name or title, as typify derives it from a
/// `components/schemas` key.
pub(crate) fn type_name(raw: &str) -> String {
    let mut pascal = raw.to_pascal_case();
    pascal.retain(|c| c.is_ascii_alphanumeric() || c == '_');
    if pascal.is_empty() || pascal.starts_with(|c: char| c.is_ascii_digit()) {
        pascal.insert_str(0, "Type");
    }
    pascal
}

/// `createSession` for an overlay `operationId` that snake_cases to `name`.
pub(crate) fn camel(name: &str) -> String {
    let pascal = name.to_pascal_case();
    let mut chars = pascal.chars();
    chars
        .next()
        .map(|c| c.to_ascii_lowercase().to_string() + chars.as_str())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vendor_hash_gets_the_path_name() {
        let ops = [(
            Some("40e023f5f250da13f94e48c808d5560c".to_owned()),
            "post".to_owned(),
            "/api/open-api/v1/auth/create-session".to_owned(),
        )];
        let names = assign_operation_names(&ops);
        assert_eq!(names[0].0, "create_session");
        assert!(names[0].1.as_deref().unwrap().contains("hex hash"));
    }

    #[test]
    fn derived_names_read_well() {
        assert_eq!(
            derived_candidates("get", "/api/v1/configurators")[0],
            "list_configurators"
        );
        assert_eq!(
            derived_candidates("get", "/api/v1/configurators/{id}")[0],
            "get_configurators_by_id"
        );
        assert_eq!(
            derived_candidates("post", "/api/v1/textures")[0],
            "create_textures"
        );
        assert_eq!(
            derived_candidates("post", "/api/v1/textures/upload")[0],
            "upload"
        );
        assert_eq!(derived_candidates("delete", "/")[0], "delete");
    }

    #[test]
    fn keywords_digits_collisions_and_client_methods_fall_back() {
        let ops = [
            (
                Some("type".to_owned()),
                "get".to_owned(),
                "/types".to_owned(),
            ),
            (
                Some("3d".to_owned()),
                "get".to_owned(),
                "/models/{id}".to_owned(),
            ),
            (
                Some("getItem".to_owned()),
                "get".to_owned(),
                "/items/{id}".to_owned(),
            ),
            (
                Some("get_item".to_owned()),
                "get".to_owned(),
                "/things/{id}".to_owned(),
            ),
            (
                Some("post".to_owned()),
                "post".to_owned(),
                "/posts".to_owned(),
            ),
            (
                Some("fine".to_owned()),
                "get".to_owned(),
                "/fine".to_owned(),
            ),
        ];
        let names: Vec<_> = assign_operation_names(&ops)
            .into_iter()
            .map(|n| n.0)
            .collect();
        assert_eq!(
            names,
            [
                "list_types",
                "get_models_by_id",
                "get_items_by_id",
                "get_things_by_id",
                "create_posts",
                "fine"
            ]
        );
    }

    #[test]
    fn derived_names_never_collide() {
        let ops = [
            (None, "get".to_owned(), "/a/items".to_owned()),
            (None, "get".to_owned(), "/b/items".to_owned()),
            (None, "get".to_owned(), "/b/items".to_owned()),
        ];
        let names: Vec<_> = assign_operation_names(&ops)
            .into_iter()
            .map(|n| n.0)
            .collect();
        assert_eq!(names, ["list_items", "list_b_items", "list_b_items_get"]);
    }

    #[test]
    fn fields_and_types() {
        assert_eq!(sanitize_field("meta-data"), "meta_data");
        assert_eq!(sanitize_field("type"), "type_");
        assert_eq!(sanitize_field("3d"), "_3d");
        assert_eq!(sanitize_field("file[]"), "file");
        assert_eq!(type_name("create-session body"), "CreateSessionBody");
        assert_eq!(camel("create_session"), "createSession");
    }
}
