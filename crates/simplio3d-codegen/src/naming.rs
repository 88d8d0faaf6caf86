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

/// The Rust type name typify gives a schema named `raw` (a `components/schemas` key, or a
/// title): a copy of typify-impl 0.8's `sanitize(raw, Case::Pascal)` (`src/util.rs`), which
/// is private. It must match exactly: a multipart part whose property `$ref`s a component
/// names typify's type for it (`3DModel` → `X3dModel`, `self` → `Self_`, `Größe` kept).
/// The unit test `type_names_match_typify` checks it against typify itself.
pub(crate) fn type_name(raw: &str) -> String {
    let out = match raw {
        "+1" => "plus1".to_owned(),
        "-1" => "minus1".to_owned(),
        _ => raw
            .replace('\'', "")
            .replace(|c| !unicode_ident::is_xid_continue(c), "-")
            .to_pascal_case(),
    };
    let out = match out.chars().next() {
        None => "X".to_owned(),
        Some(c) if unicode_ident::is_xid_start(c) => out,
        Some(_) => format!("X{out}"),
    };
    // typify's `accept_as_ident`: keywords (including `Self`, `gen`) get a trailing `_`.
    if out == "_" || out == "Self" || is_keyword(&out) {
        format!("{out}_")
    } else {
        out
    }
}

/// The `operationId` an overlay should give an operation for it to be named `name`:
/// camelCase when that snake_cases back to `name` (`create_session` → `createSession`,
/// `list_b_items_2` → `listBItems_2`), else `name` itself; `None` when no operationId
/// would come back as `name` (a leading `_`, which snake_case drops).
pub(crate) fn overlay_operation_id(name: &str) -> Option<String> {
    [camel(name), name.to_owned()]
        .into_iter()
        .find(|id| unusable_reason(id).is_none() && id.to_snake_case() == name)
}

/// camelCase that keeps `_` before a digit, which snake_case would otherwise glue to the
/// word before it (`items_2` → `items_2`, not `items2`).
fn camel(name: &str) -> String {
    let mut out = String::new();
    for (i, word) in name.split('_').enumerate() {
        let mut chars = word.chars();
        match chars.next() {
            None => {}
            Some(c) if i == 0 => {
                out.push(c.to_ascii_lowercase());
                out.push_str(chars.as_str());
            }
            Some(c) if c.is_ascii_digit() => {
                out.push('_');
                out.push_str(word);
            }
            Some(c) => {
                out.push(c.to_ascii_uppercase());
                out.push_str(chars.as_str());
            }
        }
    }
    out
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
        assert_eq!(type_name("3DModel"), "X3dModel");
        assert_eq!(type_name("self"), "Self_");
        assert_eq!(type_name("Größe"), "Größe");
    }

    /// Expected names read off typify-impl 0.8's `sanitize` (`src/util.rs`).
    const TYPIFY_NAMES: &[(&str, &str)] = &[
        ("pet", "Pet"),
        ("create-session body", "CreateSessionBody"),
        ("3DModel", "X3dModel"),
        ("3d", "X3d"),
        ("self", "Self_"),
        ("Self", "Self_"),
        ("type", "Type"),
        ("Größe", "Größe"),
        ("naïve café", "NaïveCafé"),
        ("don't", "Dont"),
        ("a.b/c", "ABC"),
        ("_private", "Private"),
        ("@@@", "X"),
        ("+1", "plus1"),
        ("-1", "minus1"),
        ("v2_item", "V2Item"),
        ("HTTPServer", "HttpServer"),
    ];

    #[test]
    fn type_names_follow_typify_rules() {
        for (raw, expected) in TYPIFY_NAMES {
            assert_eq!(type_name(raw), *expected, "{raw:?}");
        }
    }

    /// typify's function is private, so ask typify itself (through progenitor): a component
    /// per table entry, and the generated type must carry the name we predict.
    #[test]
    fn type_names_match_typify() {
        let mut schemas = serde_json::Map::new();
        for (raw, _) in TYPIFY_NAMES.iter().filter(|(raw, _)| !raw.ends_with('1')) {
            schemas.insert(
                (*raw).to_owned(),
                serde_json::json!({ "type": "object", "properties": { "a": { "type": "string" } } }),
            );
        }
        let doc = serde_json::json!({
            "openapi": "3.0.0",
            "info": { "title": "t", "version": "1" },
            "paths": {},
            "components": { "schemas": schemas },
        });
        let openapi: openapiv3::OpenAPI = serde_json::from_value(doc).expect("a valid document");
        let mut generator = progenitor::Generator::new(&progenitor::GenerationSettings::default());
        generator
            .generate_tokens(&openapi)
            .expect("progenitor generates");
        let names: BTreeSet<String> = generator
            .get_type_space()
            .iter_types()
            .map(|t| t.name())
            .collect();
        for raw in schemas.keys() {
            assert!(
                names.contains(&type_name(raw)),
                "{raw:?}: typify made {names:?}, we predict {:?}",
                type_name(raw)
            );
        }
    }

    #[test]
    fn suggested_operation_ids_round_trip() {
        assert_eq!(
            overlay_operation_id("create_session").as_deref(),
            Some("createSession")
        );
        assert_eq!(
            overlay_operation_id("list_b_items_2").as_deref(),
            Some("listBItems_2")
        );
        assert_eq!(overlay_operation_id("a_b_c").as_deref(), Some("a_b_c"));
        assert_eq!(overlay_operation_id("_3d"), None);
        let paths = [
            "/api/v1/configurators/{id}/textures",
            "/b/items",
            "/v2/3d-models/{model_id}/x_y",
            "/a/b/c/d",
            "/",
        ];
        for path in paths {
            for method in ["get", "post", "put", "patch", "delete"] {
                let mut names = derived_candidates(method, path);
                names.push(format!("{}_2", names[0]));
                for name in names {
                    let id = overlay_operation_id(&name)
                        .unwrap_or_else(|| panic!("{name}: no operationId"));
                    assert_eq!(id.to_snake_case(), name, "{id}");
                    assert_eq!(unusable_reason(&id), None, "{id}");
                }
            }
        }
    }
}
