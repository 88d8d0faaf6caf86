//! Operation-level comparison: matching, names, security, parameters, bodies, responses.
//!
//! Operations are matched by method + path template with parameter names erased (a
//! renamed path parameter is the same URL). Everything schema-shaped goes to
//! [`SchemaWalk`]; whatever differs that no rule names becomes `unclassified-change`, so
//! nothing is silently left out of the report.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value};
use simplio3d_codegen::Operation;

use super::model::{Change, OperationRef, Rule};
use super::residue::{self, first_difference, inline, strip_docs};
use super::schema::{Container, Direction, Names, SchemaWalk, resolve};
use super::security;

/// One side of the comparison.
pub(crate) struct Side<'a> {
    pub(crate) document: &'a Value,
    pub(crate) operations: &'a [Operation],
}

/// Every change between two normalised documents.
pub(crate) fn compare(old: &Side<'_>, new: &Side<'_>) -> Vec<Change> {
    let key = |op: &Operation| (op.method.clone(), erase_parameter_names(&op.path));
    let old_by_key: BTreeMap<_, _> = old.operations.iter().map(|op| (key(op), op)).collect();
    let new_by_key: BTreeMap<_, _> = new.operations.iter().map(|op| (key(op), op)).collect();

    let mut changes = Vec::new();
    for (k, op) in &old_by_key {
        if !new_by_key.contains_key(k) {
            changes.push(Change::new(
                Rule::OperationRemoved,
                Some(op_ref(op)),
                "",
                format!("`{}` was removed", op.name),
            ));
        }
    }
    for (k, op) in &new_by_key {
        match old_by_key.get(k) {
            None => changes.push(Change::new(
                Rule::OperationAdded,
                Some(op_ref(op)),
                "",
                format!("new method `{}`", op.name),
            )),
            Some(old_op) => compare_operation(old, new, old_op, op, &mut changes),
        }
    }
    changes
}

fn op_ref(op: &Operation) -> OperationRef {
    OperationRef {
        method: op.method.to_uppercase(),
        path: op.path.clone(),
        rust_name: op.name.clone(),
    }
}

/// `/a/{id}/b` → `/a/{}/b`.
fn erase_parameter_names(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    let mut in_braces = false;
    for c in path.chars() {
        match c {
            '{' => {
                in_braces = true;
                out.push('{');
            }
            '}' => {
                in_braces = false;
                out.push('}');
            }
            _ if in_braces => {}
            _ => out.push(c),
        }
    }
    out
}

fn operation_node<'v>(doc: &'v Value, op: &Operation) -> &'v Value {
    &doc["paths"][&op.path][&op.method]
}

fn compare_operation(
    old: &Side<'_>,
    new: &Side<'_>,
    old_op: &Operation,
    new_op: &Operation,
    changes: &mut Vec<Change>,
) {
    let operation = op_ref(new_op);
    let (old_node, new_node) = (
        operation_node(old.document, old_op),
        operation_node(new.document, new_op),
    );

    if old_op.name != new_op.name {
        changes.push(Change::new(
            Rule::OperationRenamed,
            Some(operation.clone()),
            "",
            format!(
                "`{}` is now `{}`; to keep the old name, add to spec/overlay.yaml:\n  - target: \"$.paths['{}'].{}\"\n    update:\n      operationId: {}",
                old_op.name,
                new_op.name,
                new_op.path.replace('\'', "\\'"),
                new_op.method,
                camel(&old_op.name)
            ),
        ));
    }
    let deprecated = |node: &Value| {
        node.get("deprecated")
            .and_then(Value::as_bool)
            .unwrap_or(false)
    };
    let newly_deprecated = !deprecated(old_node) && deprecated(new_node);
    if newly_deprecated {
        changes.push(Change::new(
            Rule::OperationDeprecated,
            Some(operation.clone()),
            "",
            "now deprecated",
        ));
    }
    let named = changes.len();

    // Keys of the operation object no rule below reads (callbacks, servers, extensions).
    let residue = residue::differing_keys(
        old.document,
        new.document,
        old_node,
        new_node,
        &[
            "operationId",
            "parameters",
            "requestBody",
            "responses",
            "security",
            "deprecated",
        ],
    );
    if !residue.is_empty() {
        changes.push(Change::new(
            Rule::UnclassifiedChange,
            Some(operation.clone()),
            "",
            residue::message(&residue),
        ));
    }
    security::compare(
        old.document,
        new.document,
        old_node,
        new_node,
        &operation,
        changes,
    );
    parameters(old, new, old_op, new_op, &operation, changes);
    {
        let mut walk = SchemaWalk::new(old.document, new.document, &operation, changes);
        let names = |suffix: &str| {
            Names::new(
                format!("{}_{suffix}", old_op.name),
                format!("{}_{suffix}", new_op.name),
            )
        };
        request_body(&mut walk, old_node, new_node, &names("body"));
        responses(&mut walk, old_node, new_node, &names("response"));
        error_type(&mut walk, old_node, new_node);
    }

    if changes.len() == named {
        // What the rules above compared is left out: the Rust name, and a deprecation
        // already reported (un-deprecating has no rule and stays in).
        let skip: &[&str] = if newly_deprecated {
            &["operationId", "deprecated"]
        } else {
            &["operationId"]
        };
        let (old_inline, new_inline) = (
            inline_without(old.document, old_node, skip),
            inline_without(new.document, new_node, skip),
        );
        let (old_bare, new_bare) = (strip_docs(&old_inline), strip_docs(&new_inline));
        if old_bare != new_bare {
            let at = first_difference(&old_bare, &new_bare, String::new());
            changes.push(Change::new(
                Rule::UnclassifiedChange,
                Some(operation),
                at.clone(),
                format!(
                    "the operation differs at `{at}` in a way no rule classifies; review it by hand"
                ),
            ));
        } else if old_inline != new_inline {
            let at = first_difference(&old_inline, &new_inline, String::new());
            changes.push(Change::new(
                Rule::DocumentationChanged,
                Some(operation),
                at,
                "documentation changed",
            ));
        }
    }
}

/// The operation with `$ref`s inlined and the keys `skip` left out.
fn inline_without(doc: &Value, node: &Value, skip: &[&str]) -> Value {
    let mut node = inline(doc, node);
    if let Some(map) = node.as_object_mut() {
        map.retain(|k, _| !skip.contains(&k.as_str()));
    }
    node
}

/// `create_session` → `createSession` (the overlay spells operationIds in camelCase).
fn camel(snake: &str) -> String {
    let mut out = String::new();
    let mut upper = false;
    for c in snake.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            out.extend(c.to_uppercase());
            upper = false;
        } else {
            out.push(c);
        }
    }
    out
}

// ---- parameters --------------------------------------------------------------------

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
enum ParamKey {
    /// Path parameters by position: renaming one does not change the URL.
    Path(usize),
    Other(String, String),
}

fn parameter_map<'v>(doc: &'v Value, op: &Operation) -> BTreeMap<ParamKey, &'v Value> {
    let item = &doc["paths"][&op.path];
    let positions: Vec<String> = op
        .path
        .split('{')
        .skip(1)
        .filter_map(|s| s.split('}').next())
        .map(str::to_owned)
        .collect();
    let mut map = BTreeMap::new();
    for list in [&item["parameters"], &item[&op.method]["parameters"]] {
        for param in list.as_array().into_iter().flatten() {
            let param = resolve(doc, param);
            let (Some(location), Some(name)) = (param["in"].as_str(), param["name"].as_str())
            else {
                continue;
            };
            let key = match location {
                "path" => match positions.iter().position(|p| p == name) {
                    Some(i) => ParamKey::Path(i),
                    None => continue,
                },
                "header" => ParamKey::Other(location.to_owned(), name.to_ascii_lowercase()),
                _ => ParamKey::Other(location.to_owned(), name.to_owned()),
            };
            map.insert(key, param);
        }
    }
    map
}

fn param_schema(param: &Value) -> &Value {
    if let Some(schema) = param.get("schema") {
        return schema;
    }
    param["content"]
        .as_object()
        .and_then(|c| c.values().next())
        .map_or(&Value::Null, |media| &media["schema"])
}

fn parameters(
    old: &Side<'_>,
    new: &Side<'_>,
    old_op: &Operation,
    new_op: &Operation,
    operation: &OperationRef,
    changes: &mut Vec<Change>,
) {
    let (was, is) = (
        parameter_map(old.document, old_op),
        parameter_map(new.document, new_op),
    );
    let describe = |p: &Value| {
        format!(
            "{} parameter `{}`",
            p["in"].as_str().unwrap_or("?"),
            p["name"].as_str().unwrap_or("?")
        )
    };
    let required = |p: &Value| p["required"].as_bool().unwrap_or(false);
    for (key, param) in &is {
        let location = describe(param);
        match was.get(key) {
            None => {
                let rule = if required(param) {
                    Rule::RequestParameterAddedRequired
                } else {
                    Rule::RequestParameterAddedOptional
                };
                let adjective = if required(param) {
                    "required"
                } else {
                    "optional"
                };
                changes.push(Change::new(
                    rule,
                    Some(operation.clone()),
                    &location,
                    format!("new {adjective} {location}"),
                ));
            }
            Some(old_param) => {
                if old_param["name"] != param["name"] {
                    changes.push(Change::new(
                        Rule::RequestPathParameterRenamed,
                        Some(operation.clone()),
                        &location,
                        format!(
                            "{} is now `{}`",
                            describe(old_param),
                            param["name"].as_str().unwrap_or("?")
                        ),
                    ));
                }
                match (required(old_param), required(param)) {
                    (false, true) => changes.push(Change::new(
                        Rule::RequestParameterBecameRequired,
                        Some(operation.clone()),
                        &location,
                        format!("{location} is now required"),
                    )),
                    (true, false) => changes.push(Change::new(
                        Rule::RequestParameterBecameOptional,
                        Some(operation.clone()),
                        &location,
                        format!("{location} is now optional"),
                    )),
                    _ => {}
                }
                let mut walk = SchemaWalk::new(old.document, new.document, operation, changes);
                // progenitor names a parameter's type `<operation>-<parameter>`.
                let names = Names::new(
                    format!(
                        "{}-{}",
                        old_op.name,
                        old_param["name"].as_str().unwrap_or("")
                    ),
                    format!("{}-{}", new_op.name, param["name"].as_str().unwrap_or("")),
                );
                walk.compare(
                    Direction::Request,
                    Container::Json,
                    param_schema(old_param),
                    param_schema(param),
                    &names,
                    &location,
                );
                parameter_residue(&mut walk, old_param, param, &location);
            }
        }
    }
    for (key, param) in &was {
        if !is.contains_key(key) {
            let location = describe(param);
            changes.push(Change::new(
                Rule::RequestParameterRemoved,
                Some(operation.clone()),
                &location,
                format!("{location} was removed"),
            ));
        }
    }
}

/// What no parameter rule reads: `style`, `explode`, `allowReserved`, `allowEmptyValue`,
/// `deprecated`, and the media type object of a `content` parameter around its schema.
fn parameter_residue(walk: &mut SchemaWalk<'_>, old: &Value, new: &Value, location: &str) {
    let mut keys = residue::differing_keys(
        walk.old_doc,
        walk.new_doc,
        old,
        new,
        &["name", "in", "required", "schema", "content"],
    );
    let (o, n) = (content(old), content(new));
    let (o, n) = (
        o.map(|c| c.keys().collect::<BTreeSet<_>>()),
        n.map(|c| c.keys().collect::<BTreeSet<_>>()),
    );
    if o != n {
        keys.push("`content`".to_owned());
    } else if let (Some(o), Some(n)) = (content(old), content(new)) {
        for (media, old_media) in o {
            let new_media = &n[media];
            keys.extend(
                residue::differing_keys(
                    walk.old_doc,
                    walk.new_doc,
                    old_media,
                    new_media,
                    &["schema"],
                )
                .into_iter()
                .map(|k| format!("`content.{media}.{}`", k.trim_matches('`'))),
            );
        }
    }
    if !keys.is_empty() {
        walk.push(Rule::UnclassifiedChange, location, residue::message(&keys));
    }
}

// ---- bodies ------------------------------------------------------------------------

fn content(node: &Value) -> Option<&Map<String, Value>> {
    node.get("content")
        .and_then(Value::as_object)
        .filter(|c| !c.is_empty())
}

fn essence(media: &str) -> String {
    media
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

fn request_body(walk: &mut SchemaWalk<'_>, old_node: &Value, new_node: &Value, names: &Names) {
    let operation = walk.operation.clone();
    let body = |doc: &'_ Value, node: &Value| -> Option<Value> {
        node.get("requestBody").map(|b| resolve(doc, b).clone())
    };
    let (was, is) = (body(walk.old_doc, old_node), body(walk.new_doc, new_node));
    let required = |b: &Value| b["required"].as_bool().unwrap_or(false);
    let push = |walk: &mut SchemaWalk<'_>, rule, message: &str| {
        walk.changes.push(Change::new(
            rule,
            Some(operation.clone()),
            "request body",
            message,
        ))
    };
    match (was, is) {
        (None, None) => {}
        (Some(_), None) => push(
            walk,
            Rule::RequestBodyRemoved,
            "the operation no longer takes a body",
        ),
        (None, Some(b)) if required(&b) => push(
            walk,
            Rule::RequestBodyAddedRequired,
            "the operation now requires a body",
        ),
        (None, Some(_)) => push(
            walk,
            Rule::RequestBodyAddedOptional,
            "the operation now accepts an optional body",
        ),
        (Some(o), Some(n)) => {
            match (required(&o), required(&n)) {
                (false, true) => push(
                    walk,
                    Rule::RequestBodyBecameRequired,
                    "the body is now required",
                ),
                (true, false) => push(
                    walk,
                    Rule::RequestBodyBecameOptional,
                    "the body is now optional",
                ),
                _ => {}
            }
            let residue = residue::differing_keys(
                walk.old_doc,
                walk.new_doc,
                &o,
                &n,
                &["required", "content"],
            );
            if !residue.is_empty() {
                push(walk, Rule::UnclassifiedChange, &residue::message(&residue));
            }
            compare_content(walk, Direction::Request, &o, &n, names, "request body");
        }
    }
}

fn compare_content(
    walk: &mut SchemaWalk<'_>,
    direction: Direction,
    old: &Value,
    new: &Value,
    names: &Names,
    location: &str,
) {
    let empty = Map::new();
    let (was, is) = (
        content(old).unwrap_or(&empty),
        content(new).unwrap_or(&empty),
    );
    let by_essence = |c: &Map<String, Value>| {
        c.iter()
            .map(|(k, v)| (essence(k), v.clone()))
            .collect::<BTreeMap<_, _>>()
    };
    let (was, is) = (by_essence(was), by_essence(is));
    let has_schema = |c: &BTreeMap<String, Value>| c.values().any(|m| m.get("schema").is_some());
    let operation = walk.operation.clone();
    let push = |walk: &mut SchemaWalk<'_>, rule, message: String| {
        walk.changes.push(Change::new(
            rule,
            Some(operation.clone()),
            location,
            message,
        ))
    };

    if direction == Direction::Response {
        match (has_schema(&was), has_schema(&is)) {
            (true, false) => {
                return push(
                    walk,
                    Rule::ResponseBodyRemoved,
                    "the response no longer has a body".to_owned(),
                );
            }
            (false, true) => {
                return push(
                    walk,
                    Rule::ResponseBodyAdded,
                    "the response now has a body".to_owned(),
                );
            }
            (false, false) => return,
            (true, true) => {}
        }
    }
    let (old_types, new_types): (BTreeSet<_>, BTreeSet<_>) =
        (was.keys().collect(), is.keys().collect());
    if old_types != new_types {
        let rule = match direction {
            Direction::Request => Rule::RequestMediaTypeChanged,
            Direction::Response => Rule::ResponseMediaTypeChanged,
        };
        let show = |s: &BTreeSet<&String>| {
            s.iter()
                .map(|m| format!("`{m}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        push(
            walk,
            rule,
            format!("media types {} → {}", show(&old_types), show(&new_types)),
        );
    }
    for (media, old_media) in &was {
        let Some(new_media) = is.get(media) else {
            continue;
        };
        let at = if was.len() > 1 {
            format!("{location} ({media})")
        } else {
            location.to_owned()
        };
        // `encoding` (multipart part content types, headers), and what else no rule reads.
        let residue = residue::differing_keys(
            walk.old_doc,
            walk.new_doc,
            old_media,
            new_media,
            &["schema"],
        );
        if !residue.is_empty() {
            push(walk, Rule::UnclassifiedChange, residue::message(&residue));
        }
        let (Some(o), Some(n)) = (old_media.get("schema"), new_media.get("schema")) else {
            continue;
        };
        if media == "multipart/form-data" {
            // Our multipart generator names the body struct after the inline schema's
            // title, else `<Operation>Body`, even for a `$ref`'d schema: compare it inline.
            let (o, n) = (resolve(walk.old_doc, o), resolve(walk.new_doc, n));
            walk.compare(direction, Container::Multipart, o, n, names, &at);
        } else {
            walk.compare(direction, Container::Json, o, n, names, &at);
        }
    }
}

fn responses(walk: &mut SchemaWalk<'_>, old_node: &Value, new_node: &Value, names: &Names) {
    let empty = Map::new();
    let map = |node: &'_ Value| {
        node.get("responses")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_else(|| empty.clone())
    };
    let (was, is) = (map(old_node), map(new_node));
    let success = |status: &str| status.starts_with('2');
    let operation = walk.operation.clone();
    for (status, old_response) in &was {
        let location = format!("response {status}");
        match is.get(status) {
            None => {
                let rule = if success(status) {
                    Rule::ResponseSuccessStatusRemoved
                } else {
                    Rule::ResponseNonSuccessStatusRemoved
                };
                walk.changes.push(Change::new(
                    rule,
                    Some(operation.clone()),
                    &location,
                    format!("status {status} is no longer documented"),
                ));
            }
            Some(new_response) => {
                let (o, n) = (
                    resolve(walk.old_doc, old_response).clone(),
                    resolve(walk.new_doc, new_response).clone(),
                );
                // Headers and links: no rule reads them.
                let residue =
                    residue::differing_keys(walk.old_doc, walk.new_doc, &o, &n, &["content"]);
                if !residue.is_empty() {
                    walk.push(
                        Rule::UnclassifiedChange,
                        &location,
                        residue::message(&residue),
                    );
                }
                compare_content(walk, Direction::Response, &o, &n, names, &location);
            }
        }
    }
    for status in is.keys().filter(|s| !was.contains_key(*s)) {
        let rule = if success(status) {
            Rule::ResponseSuccessStatusAdded
        } else {
            Rule::ResponseNonSuccessStatusAdded
        };
        walk.changes.push(Change::new(
            rule,
            Some(operation.clone()),
            format!("response {status}"),
            format!("new status {status}"),
        ));
    }
}

/// The `E` of the method's `Error<E>`, as simplio3d-codegen and progenitor make it. When
/// every explicit 4xx/5xx response lacks content (and there is no `default`), codegen
/// offers the bodies as `ByteStream` (ARCHITECTURE.md, "Error bodies the spec does not
/// describe"); otherwise progenitor takes the one type of all error responses: `()` for
/// none, the JSON schema's type, or `ByteStream` for other content. Adding a first error
/// response with a JSON body therefore flips the type, which no status rule sees.
/// `Err` lists the types when they differ: progenitor cannot generate that method.
fn error_body_type(doc: &Value, node: &Value) -> Result<String, String> {
    let Some(responses) = node.get("responses").and_then(Value::as_object) else {
        return Ok("()".to_owned());
    };
    let is_error = |status: &str| {
        status.len() == 3
            && (status.starts_with(['4', '5']))
            && status[1..]
                .chars()
                .all(|c| c.is_ascii_digit() || c == 'X' || c == 'x')
    };
    let errors: Vec<&Value> = responses
        .iter()
        .filter(|(status, _)| is_error(status))
        .map(|(_, response)| response)
        .collect();
    let bare = |r: &Value| r.get("$ref").is_none() && content(r).is_none();
    if errors.is_empty() {
        return Ok("()".to_owned());
    }
    if !responses.contains_key("default") && errors.iter().all(|r| bare(r)) {
        return Ok("ByteStream".to_owned());
    }
    let kinds: BTreeSet<String> = errors
        .iter()
        .map(|r| {
            let r = resolve(doc, r);
            let Some(content) = content(r) else {
                return "()".to_owned();
            };
            match content
                .iter()
                .find(|(media, _)| essence(media) == "application/json")
            {
                Some((_, media)) => match media["schema"].get("$ref").and_then(Value::as_str) {
                    Some(reference) => {
                        simplio3d_codegen::type_name(super::schema::ref_name(reference))
                    }
                    None => "a JSON body".to_owned(),
                },
                None => "ByteStream".to_owned(),
            }
        })
        .collect();
    let mut kinds = kinds.into_iter().collect::<Vec<_>>();
    match kinds.len() {
        1 => Ok(kinds.remove(0)),
        _ => Err(kinds.join(", ")),
    }
}

fn error_type(walk: &mut SchemaWalk<'_>, old_node: &Value, new_node: &Value) {
    let (was, is) = (
        error_body_type(walk.old_doc, old_node),
        error_body_type(walk.new_doc, new_node),
    );
    if was == is {
        return;
    }
    let show = |t: &Result<String, String>| match t {
        Ok(t) => format!("`Error<{t}>`"),
        Err(types) => {
            format!("error bodies of different types ({types}), which progenitor cannot generate")
        }
    };
    walk.push(
        Rule::ErrorTypeChanged,
        "error responses",
        format!(
            "the method's error type was {}, now {}",
            show(&was),
            show(&is)
        ),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn path_parameter_names_do_not_matter_for_matching() {
        assert_eq!(erase_parameter_names("/a/{id}/b/{x}"), "/a/{}/b/{}");
        assert_eq!(erase_parameter_names("/plain"), "/plain");
    }

    #[test]
    fn camel_case_for_overlay_ids() {
        assert_eq!(camel("create_session"), "createSession");
        assert_eq!(camel("get"), "get");
    }
}
