//! Schema comparison: one walk over an old and a new schema, in the request or the
//! response direction, resolving `$ref`s in each document.
//!
//! Hoisting (inline schema in one document, `$ref` in the other) is not a change in
//! itself; what counts is the Rust type each side generates ([`rust_type`]): a `$ref` to a
//! differently named component, or an inline enum moved to a `$ref`, renames it
//! (`type-renamed`); `Thing` → `thing` does not, since typify names both `Thing`.
//!
//! Recursion: each pair of (old node, new node) is walked once per direction, so a walk
//! over recursive types ends however the `$ref`s are placed on either side; a depth cap
//! backs that up with `unclassified-change` rather than a stack overflow.

use std::collections::{BTreeSet, HashSet};

use serde_json::Value;

use super::model::{Change, OperationRef, Rule};
use super::residue;
use super::rust_type::{self, RustType, kind};

/// Which way values flow: callers send requests and receive responses.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Direction {
    Request,
    Response,
}

/// What the schema's properties are: JSON properties or multipart parts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Container {
    Json,
    Multipart,
}

/// The names the context suggests for a type generated inline on each side
/// (`CreateThingBody` for a body, `<Parent>_<property>` below it); `None` where unknown.
#[derive(Clone, Debug, Default)]
pub(crate) struct Names {
    pub(crate) old: Option<String>,
    pub(crate) new: Option<String>,
}

impl Names {
    pub(crate) fn new(old: impl Into<String>, new: impl Into<String>) -> Self {
        Self {
            old: Some(old.into()),
            new: Some(new.into()),
        }
    }

    fn map(&self, f: impl Fn(&str) -> Option<String>) -> Self {
        Self {
            old: self.old.as_deref().and_then(&f),
            new: self.new.as_deref().and_then(&f),
        }
    }
}

/// Schemas nested deeper than this are not walked (recursion is cut by the visited set
/// long before; this only bounds pathological documents).
const MAX_DEPTH: usize = 64;

/// Keys of a schema object that the rules below read; any other difference is residue.
const SCHEMA_KEYS: &[&str] = &[
    "$ref",
    "type",
    "format",
    "nullable",
    "oneOf",
    "anyOf",
    "allOf",
    "enum",
    "maxLength",
    "maxItems",
    "maxProperties",
    "maximum",
    "minLength",
    "minItems",
    "minProperties",
    "minimum",
    "exclusiveMaximum",
    "exclusiveMinimum",
    "uniqueItems",
    "pattern",
    "multipleOf",
    "properties",
    "required",
    "additionalProperties",
    "items",
];

/// Compares schemas of one operation, appending classified changes.
pub(crate) struct SchemaWalk<'a> {
    pub(crate) old_doc: &'a Value,
    pub(crate) new_doc: &'a Value,
    pub(crate) operation: &'a OperationRef,
    pub(crate) changes: &'a mut Vec<Change>,
    /// (old node, new node, direction, container) already walked, by address: the
    /// documents do not change during the walk, so an address names one schema node.
    seen: HashSet<(usize, usize, Direction, Container)>,
    depth: usize,
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
            depth: 0,
        }
    }

    pub(crate) fn push(&mut self, rule: Rule, location: &str, message: String) {
        self.changes.push(Change::new(
            rule,
            Some(self.operation.clone()),
            location,
            message,
        ));
    }

    /// Compares `old` and `new` at `location`; `names` are what the context would call a
    /// type generated inline there.
    pub(crate) fn compare(
        &mut self,
        direction: Direction,
        container: Container,
        old: &Value,
        new: &Value,
        names: &Names,
        location: &str,
    ) {
        let (old_type, new_type) = (
            rust_type::of(old, names.old.as_deref()),
            rust_type::of(new, names.new.as_deref()),
        );
        if let (RustType::Named(o), RustType::Named(n)) = (&old_type, &new_type)
            && o != n
        {
            self.push(
                Rule::TypeRenamed,
                location,
                format!("type `{o}` is now `{n}`"),
            );
        }
        let here = Names {
            old: rust_type::context_name(old, names.old.as_deref()),
            new: rust_type::context_name(new, names.new.as_deref()),
        };
        let old = resolve(self.old_doc, old);
        let new = resolve(self.new_doc, new);
        // Dangling `$ref`s were refused when the documents were loaded (`dangling_refs`).
        if old.is_null() || new.is_null() {
            return;
        }
        let key = (
            std::ptr::from_ref(old) as usize,
            std::ptr::from_ref(new) as usize,
            direction,
            container,
        );
        if !self.seen.insert(key) {
            return;
        }
        if self.depth >= MAX_DEPTH {
            if residue::inline(self.old_doc, old) != residue::inline(self.new_doc, new) {
                self.push(
                    Rule::UnclassifiedChange,
                    location,
                    format!("schemas nested deeper than {MAX_DEPTH} levels differ here; review them by hand"),
                );
            }
            return;
        }
        self.depth += 1;
        self.walk(
            direction,
            container,
            old,
            new,
            (&old_type, &new_type),
            &here,
            location,
        );
        self.depth -= 1;
    }

    #[allow(clippy::too_many_arguments)]
    fn walk(
        &mut self,
        direction: Direction,
        container: Container,
        old: &Value,
        new: &Value,
        types: (&RustType, &RustType),
        names: &Names,
        location: &str,
    ) {
        let residue = residue::differing_keys(self.old_doc, self.new_doc, old, new, SCHEMA_KEYS);
        if !residue.is_empty() {
            self.push(
                Rule::UnclassifiedChange,
                location,
                residue::message(&residue),
            );
        }
        self.nullable(direction, old, new, location);
        if self.composition(direction, old, new, location) {
            return;
        }
        if !self.kind(direction, old, new, location) {
            return;
        }
        let enum_kept = old.get("enum").is_some() == new.get("enum").is_some();
        match types {
            (RustType::Named(_), RustType::Named(_))
            | (RustType::Opaque, _)
            | (_, RustType::Opaque) => {}
            (o, n) if o != n && enum_kept => self.push(
                Rule::RustTypeChanged,
                location,
                format!(
                    "the generated Rust type `{}` is now `{}`",
                    o.show(),
                    n.show()
                ),
            ),
            _ => {}
        }
        self.enumeration(direction, old, new, location);
        self.constraints(direction, old, new, location);
        self.object(direction, container, old, new, names, location);
        if let (Some(o), Some(n)) = (old.get("items"), new.get("items")) {
            let names = names.map(|n| Some(format!("{n}Item")));
            self.compare(
                direction,
                Container::Json,
                o,
                n,
                &names,
                &format!("{location}[]"),
            );
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

    /// Compares `oneOf` / `anyOf` / `allOf` member by member. Returns true when their shape
    /// changed (then nothing else about the two schemas is comparable).
    fn composition(
        &mut self,
        direction: Direction,
        old: &Value,
        new: &Value,
        location: &str,
    ) -> bool {
        let mut changed = false;
        for key in ["oneOf", "anyOf", "allOf"] {
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
                            &Names::default(),
                            &format!("{location} {key}[{i}]"),
                        );
                    }
                }
                (o, n) => {
                    changed = true;
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
        changed
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
                // typify makes a string enum a Rust enum (a new value is a new variant);
                // any other enum is a newtype that checks the value, so a request that
                // accepts one more value only loosened a constraint.
                let rust_enum = kind(new) == Some("string");
                let (removed_rule, added_rule) = match direction {
                    Direction::Request if rust_enum => {
                        (Rule::RequestEnumValueRemoved, Rule::RequestEnumValueAdded)
                    }
                    Direction::Request => (
                        Rule::RequestEnumValueRemoved,
                        Rule::RequestConstraintWidened,
                    ),
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

    #[allow(clippy::too_many_arguments)]
    fn object(
        &mut self,
        direction: Direction,
        container: Container,
        old: &Value,
        new: &Value,
        names: &Names,
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
                    let names = names.map(|parent| rust_type::property_name(Some(parent), name));
                    self.compare(
                        direction,
                        Container::Json,
                        old_schema,
                        schema,
                        &names,
                        &child(name),
                    );
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
                let names = names.map(|n| Some(format!("{n}Value")));
                self.compare(direction, Container::Json, o, n, &names, &child("{*}"))
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
