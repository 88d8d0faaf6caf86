//! Schema comparison: one walk over an old and a new schema, in the request or the
//! response direction, resolving `$ref`s in each document.
//!
//! Hoisting (inline schema in one document, `$ref` in the other) is not a change; a `$ref`
//! to a differently named component is (`type-renamed`), since the Rust type name follows it.

use std::collections::{BTreeSet, HashSet};

use serde_json::Value;

use super::model::{Change, OperationRef, Rule};

/// Which way values flow: callers send requests and receive responses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Direction {
    Request,
    Response,
}

/// What the schema's properties are: JSON properties or multipart parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Container {
    Json,
    Multipart,
}

/// Compares schemas of one operation, appending classified changes.
pub(crate) struct SchemaWalk<'a> {
    pub(crate) old_doc: &'a Value,
    pub(crate) new_doc: &'a Value,
    pub(crate) operation: &'a OperationRef,
    pub(crate) changes: &'a mut Vec<Change>,
    seen: HashSet<(String, String, Direction)>,
}

impl<'a> SchemaWalk<'a> {
    pub(crate) fn new(
        old_doc: &'a Value,
        new_doc: &'a Value,
        operation: &'a OperationRef,
        changes: &'a mut Vec<Change>,
    ) -> Self {
        Self {
            old_doc,
            new_doc,
            operation,
            changes,
            seen: HashSet::new(),
        }
    }

    fn push(&mut self, rule: Rule, location: &str, message: String) {
        self.changes.push(Change::new(
            rule,
            Some(self.operation.clone()),
            location,
            message,
        ));
    }

    /// Compares `old` and `new` at `location`.
    pub(crate) fn compare(
        &mut self,
        direction: Direction,
        container: Container,
        old: &Value,
        new: &Value,
        location: &str,
    ) {
        let old_ref = old.get("$ref").and_then(Value::as_str);
        let new_ref = new.get("$ref").and_then(Value::as_str);
        if let (Some(o), Some(n)) = (old_ref, new_ref) {
            let (old_name, new_name) = (ref_name(o), ref_name(n));
            if old_name != new_name {
                self.push(
                    Rule::TypeRenamed,
                    location,
                    format!("type `{old_name}` is now `{new_name}`"),
                );
            }
            // Each pair of named schemas is walked once per direction: recursion stops here.
            if !self.seen.insert((o.to_owned(), n.to_owned(), direction)) {
                return;
            }
        }
        let old = resolve(self.old_doc, old);
        let new = resolve(self.new_doc, new);
        if old.is_null() || new.is_null() {
            return;
        }
        self.nullable(direction, old, new, location);
        if self.composition(direction, old, new, location) {
            return;
        }
        if !self.kind(direction, old, new, location) {
            return;
        }
        self.enumeration(direction, old, new, location);
        self.constraints(direction, old, new, location);
        self.object(direction, container, old, new, location);
        if let (Some(o), Some(n)) = (old.get("items"), new.get("items")) {
            self.compare(direction, Container::Json, o, n, &format!("{location}[]"));
        }
    }

    fn nullable(&mut self, direction: Direction, old: &Value, new: &Value, location: &str) {
        let (was, is) = (is_nullable(old), is_nullable(new));
        let rule = match (direction, was, is) {
            (Direction::Request, true, false) => Rule::RequestBecameNotNullable,
            (Direction::Request, false, true) => Rule::RequestBecameNullable,
            (Direction::Response, false, true) => Rule::ResponseBecameNullable,
            (Direction::Response, true, false) => Rule::ResponseBecameNotNullable,
            _ => return,
        };
        let message = if is {
            "can now be null"
        } else {
            "can no longer be null"
        };
        self.push(rule, location, message.to_owned());
    }

    /// Returns true when either side is a composition (handled here, not by the type rules).
    fn composition(
        &mut self,
        direction: Direction,
        old: &Value,
        new: &Value,
        location: &str,
    ) -> bool {
        let keys = ["oneOf", "anyOf", "allOf"];
        if !keys
            .iter()
            .any(|k| old.get(*k).is_some() || new.get(*k).is_some())
        {
            return false;
        }
        for key in keys {
            match (
                old.get(key).and_then(Value::as_array),
                new.get(key).and_then(Value::as_array),
            ) {
                (None, None) => {}
                (Some(o), Some(n)) if o.len() == n.len() => {
                    for (i, (o, n)) in o.iter().zip(n).enumerate() {
                        self.compare(
                            direction,
                            Container::Json,
                            o,
                            n,
                            &format!("{location} {key}[{i}]"),
                        );
                    }
                }
                (o, n) => {
                    let count =
                        |v: Option<&Vec<Value>>| v.map_or("no".to_owned(), |v| v.len().to_string());
                    self.push(
                        Rule::SchemaCompositionChanged,
                        location,
                        format!("`{key}` went from {} to {} subschemas", count(o), count(n)),
                    );
                }
            }
        }
        true
    }

    /// Compares type and format. Returns false when they differ (nothing below is comparable).
    fn kind(&mut self, direction: Direction, old: &Value, new: &Value, location: &str) -> bool {
        let (old_kind, new_kind) = (kind(old), kind(new));
        if old_kind != new_kind {
            let widened = matches!(
                (old_kind, new_kind),
                (Some("integer"), Some("number")) | (Some(_), None)
            );
            let rule = match direction {
                Direction::Request if widened => Rule::RequestTypeWidened,
                Direction::Request => Rule::RequestTypeChanged,
                Direction::Response => Rule::ResponseTypeChanged,
            };
            let show = |k: Option<&str>| k.unwrap_or("any").to_owned();
            self.push(
                rule,
                location,
                format!("type `{}` → `{}`", show(old_kind), show(new_kind)),
            );
            return false;
        }
        let (old_format, new_format) = (str_of(old, "format"), str_of(new, "format"));
        if old_format != new_format {
            let rule = match direction {
                // Dropping a format widens what is accepted, except `binary`/`byte`, which
                // change the encoding (a file part becomes a text part).
                Direction::Request
                    if new_format.is_none() && !matches!(old_format, Some("binary" | "byte")) =>
                {
                    Rule::RequestTypeWidened
                }
                Direction::Request => Rule::RequestTypeChanged,
                Direction::Response => Rule::ResponseTypeChanged,
            };
            let show = |f: Option<&str>| f.map_or("none".to_owned(), |f| format!("`{f}`"));
            self.push(
                rule,
                location,
                format!("format {} → {}", show(old_format), show(new_format)),
            );
            return false;
        }
        true
    }

    fn enumeration(&mut self, direction: Direction, old: &Value, new: &Value, location: &str) {
        let (old_values, new_values) = (
            old.get("enum").and_then(Value::as_array),
            new.get("enum").and_then(Value::as_array),
        );
        match (old_values, new_values) {
            (None, None) => {}
            (Some(o), Some(n)) => {
                let removed: Vec<&Value> = o.iter().filter(|v| !n.contains(v)).collect();
                let added: Vec<&Value> = n.iter().filter(|v| !o.contains(v)).collect();
                let (removed_rule, added_rule) = match direction {
                    Direction::Request => {
                        (Rule::RequestEnumValueRemoved, Rule::RequestEnumValueAdded)
                    }
                    Direction::Response => {
                        (Rule::ResponseEnumValueRemoved, Rule::ResponseEnumValueAdded)
                    }
                };
                if !removed.is_empty() {
                    self.push(
                        removed_rule,
                        location,
                        format!("enum values removed: {}", list(&removed)),
                    );
                }
                if !added.is_empty() {
                    self.push(
                        added_rule,
                        location,
                        format!("enum values added: {}", list(&added)),
                    );
                }
            }
            (None, Some(n)) => {
                let rule = match direction {
                    Direction::Request => Rule::RequestTypeChanged,
                    Direction::Response => Rule::ResponseTypeChanged,
                };
                self.push(
                    rule,
                    location,
                    format!(
                        "now restricted to the enum {}",
                        list(&n.iter().collect::<Vec<_>>())
                    ),
                );
            }
            (Some(_), None) => {
                let rule = match direction {
                    Direction::Request => Rule::RequestTypeWidened,
                    Direction::Response => Rule::ResponseTypeChanged,
                };
                self.push(
                    rule,
                    location,
                    "no longer an enum: any value of the type".to_owned(),
                );
            }
        }
    }

    fn constraints(&mut self, direction: Direction, old: &Value, new: &Value, location: &str) {
        let mut narrowed = Vec::new();
        let mut widened = Vec::new();
        for key in ["maxLength", "maxItems", "maxProperties", "maximum"] {
            match (num(old, key), num(new, key)) {
                (o, n) if o == n => {}
                (Some(o), Some(n)) if n > o => widened.push(format!("{key} {o} → {n}")),
                (None, Some(n)) => narrowed.push(format!("{key} now {n}")),
                (Some(o), None) => widened.push(format!("{key} {o} removed")),
                (Some(o), Some(n)) => narrowed.push(format!("{key} {o} → {n}")),
                (None, None) => {}
            }
        }
        for key in ["minLength", "minItems", "minProperties", "minimum"] {
            match (num(old, key), num(new, key)) {
                (o, n) if o == n => {}
                (Some(o), Some(n)) if n < o => widened.push(format!("{key} {o} → {n}")),
                (None, Some(n)) => narrowed.push(format!("{key} now {n}")),
                (Some(o), None) => widened.push(format!("{key} {o} removed")),
                (Some(o), Some(n)) => narrowed.push(format!("{key} {o} → {n}")),
                (None, None) => {}
            }
        }
        for key in ["exclusiveMaximum", "exclusiveMinimum", "uniqueItems"] {
            match (flag(old, key), flag(new, key)) {
                (false, true) => narrowed.push(format!("{key} now true")),
                (true, false) => widened.push(format!("{key} now false")),
                _ => {}
            }
        }
        match (str_of(old, "pattern"), str_of(new, "pattern")) {
            (o, n) if o == n => {}
            (Some(_), None) => widened.push("pattern removed".to_owned()),
            (_, Some(n)) => narrowed.push(format!("pattern now `{n}`")),
            (None, None) => {}
        }
        if old.get("multipleOf") != new.get("multipleOf") {
            narrowed.push("multipleOf changed".to_owned());
        }
        let (narrowed_rule, widened_rule) = match direction {
            Direction::Request => (
                Rule::RequestConstraintNarrowed,
                Rule::RequestConstraintWidened,
            ),
            Direction::Response => (
                Rule::ResponseConstraintNarrowed,
                Rule::ResponseConstraintWidened,
            ),
        };
        if !narrowed.is_empty() {
            self.push(narrowed_rule, location, narrowed.join(", "));
        }
        if !widened.is_empty() {
            self.push(widened_rule, location, widened.join(", "));
        }
    }

    fn object(
        &mut self,
        direction: Direction,
        container: Container,
        old: &Value,
        new: &Value,
        location: &str,
    ) {
        let empty = serde_json::Map::new();
        let old_props = old
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let new_props = new
            .get("properties")
            .and_then(Value::as_object)
            .unwrap_or(&empty);
        let (old_required, new_required) = (required(old), required(new));
        let what = match container {
            Container::Json => "property",
            Container::Multipart => "part",
        };
        let rules = PropertyRules::for_(direction, container);
        let child = |name: &str| {
            if location.is_empty() {
                name.to_owned()
            } else {
                format!("{location} › {name}")
            }
        };

        for (name, schema) in new_props {
            let is_required = new_required.contains(name.as_str());
            match old_props.get(name) {
                None => {
                    let (rule, adjective) = if is_required {
                        (rules.added_required, "required")
                    } else {
                        (rules.added_optional, "optional")
                    };
                    self.push(
                        rule,
                        &child(name),
                        format!("new {adjective} {what} `{name}`"),
                    );
                }
                Some(old_schema) => {
                    let was_required = old_required.contains(name.as_str());
                    if was_required != is_required {
                        let (rule, now) = if is_required {
                            (rules.became_required, "required")
                        } else {
                            (rules.became_optional, "optional")
                        };
                        self.push(rule, &child(name), format!("{what} `{name}` is now {now}"));
                    }
                    self.compare(direction, Container::Json, old_schema, schema, &child(name));
                }
            }
        }
        for name in old_props
            .keys()
            .filter(|name| !new_props.contains_key(*name))
        {
            self.push(
                rules.removed,
                &child(name),
                format!("{what} `{name}` was removed"),
            );
        }

        match (additional(old), additional(new)) {
            (Additional::Schema(o), Additional::Schema(n)) => {
                self.compare(direction, Container::Json, o, n, &child("{*}"))
            }
            (o, n) if o.same_kind(&n) => {}
            (o, n) => self.push(
                Rule::AdditionalPropertiesChanged,
                location,
                format!("additionalProperties {} → {}", o.describe(), n.describe()),
            ),
        }
    }
}

struct PropertyRules {
    added_required: Rule,
    added_optional: Rule,
    removed: Rule,
    became_required: Rule,
    became_optional: Rule,
}

impl PropertyRules {
    fn for_(direction: Direction, container: Container) -> Self {
        match (direction, container) {
            (Direction::Request, Container::Multipart) => Self {
                added_required: Rule::RequestPartAddedRequired,
                added_optional: Rule::RequestPartAddedOptional,
                removed: Rule::RequestPartRemoved,
                became_required: Rule::RequestPartBecameRequired,
                became_optional: Rule::RequestPartBecameOptional,
            },
            (Direction::Request, Container::Json) => Self {
                added_required: Rule::RequestPropertyAddedRequired,
                added_optional: Rule::RequestPropertyAddedOptional,
                removed: Rule::RequestPropertyRemoved,
                became_required: Rule::RequestPropertyBecameRequired,
                became_optional: Rule::RequestPropertyBecameOptional,
            },
            (Direction::Response, _) => Self {
                added_required: Rule::ResponsePropertyAdded,
                added_optional: Rule::ResponsePropertyAdded,
                removed: Rule::ResponsePropertyRemoved,
                became_required: Rule::ResponsePropertyBecameRequired,
                became_optional: Rule::ResponsePropertyBecameOptional,
            },
        }
    }
}

enum Additional<'v> {
    Any,
    None,
    Schema(&'v Value),
}

impl Additional<'_> {
    fn same_kind(&self, other: &Self) -> bool {
        matches!(
            (self, other),
            (Additional::Any, Additional::Any) | (Additional::None, Additional::None)
        )
    }

    fn describe(&self) -> &'static str {
        match self {
            Additional::Any => "any",
            Additional::None => "false",
            Additional::Schema(_) => "a schema",
        }
    }
}

fn additional(schema: &Value) -> Additional<'_> {
    match schema.get("additionalProperties") {
        None | Some(Value::Bool(true)) => Additional::Any,
        Some(Value::Bool(false)) => Additional::None,
        Some(s) => Additional::Schema(s),
    }
}

/// The last segment of a `$ref` (`#/components/schemas/Foo` → `Foo`).
pub(crate) fn ref_name(reference: &str) -> &str {
    reference.rsplit('/').next().unwrap_or(reference)
}

/// Follows local `$ref`s; `Null` when one dangles or loops.
pub(crate) fn resolve<'v>(doc: &'v Value, node: &'v Value) -> &'v Value {
    simplio3d_codegen::resolve_ref(doc, node).unwrap_or(&Value::Null)
}

/// The JSON type, inferred from the keywords when `type` is absent; `None` = any.
fn kind(schema: &Value) -> Option<&str> {
    if let Some(t) = str_of(schema, "type") {
        return Some(t);
    }
    if schema.get("properties").is_some() || schema.get("additionalProperties").is_some() {
        Some("object")
    } else if schema.get("items").is_some() {
        Some("array")
    } else {
        None
    }
}

fn is_nullable(schema: &Value) -> bool {
    flag(schema, "nullable")
}

fn flag(schema: &Value, key: &str) -> bool {
    schema.get(key).and_then(Value::as_bool).unwrap_or(false)
}

fn str_of<'v>(schema: &'v Value, key: &str) -> Option<&'v str> {
    schema.get(key).and_then(Value::as_str)
}

fn num(schema: &Value, key: &str) -> Option<f64> {
    schema.get(key).and_then(Value::as_f64)
}

fn required(schema: &Value) -> BTreeSet<&str> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn list(values: &[&Value]) -> String {
    values
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}
