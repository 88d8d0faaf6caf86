//! The report's data model: rules, classes, changes and the semver hint.
//!
//! Serialised as-is by `--format json`; the schema is documented in `xtask/README.md` and
//! versioned by [`SCHEMA_VERSION`]. Renaming a rule id or a field is a schema change.

use serde::Serialize;

/// Version of the JSON report schema. Bump it when a field or rule id changes meaning.
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// How a change affects users.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Class {
    /// Existing callers break: on the wire, or at compile time in Rust.
    Breaking,
    /// A person has to decide; the rules cannot tell from the documents alone.
    NeedsReview,
    /// Safe for existing callers.
    NonBreaking,
}

impl Class {
    pub(crate) fn label(self) -> &'static str {
        match self {
            Class::Breaking => "breaking",
            Class::NeedsReview => "needs review",
            Class::NonBreaking => "non-breaking",
        }
    }
}

macro_rules! rules {
    ($( $variant:ident => ($id:literal, $wire:ident, $rust:literal, $doc:literal), )*) => {
        /// One kind of change. The id (kebab-case) is part of the JSON schema.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub(crate) enum Rule { $( #[doc = $doc] $variant, )* }

        impl Rule {
            /// Every rule, in table order (for documentation and tests).
            #[cfg_attr(not(test), allow(dead_code))]
            pub(crate) const ALL: &[Rule] = &[$(Rule::$variant,)*];

            /// Stable id, e.g. `request-property-became-required`.
            pub(crate) fn id(self) -> &'static str { match self { $(Rule::$variant => $id,)* } }

            /// The wire view (oasdiff's): does an already-built client break against the new server?
            pub(crate) fn wire(self) -> Class { match self { $(Rule::$variant => Class::$wire,)* } }

            /// Does the generated Rust API change so that code compiled against the old crate fails?
            pub(crate) fn breaks_rust_api(self) -> bool { match self { $(Rule::$variant => $rust,)* } }

            /// One line saying what the rule detects.
            #[cfg_attr(not(test), allow(dead_code))]
            pub(crate) fn describe(self) -> &'static str { match self { $(Rule::$variant => $doc,)* } }
        }
    };
}

// id, wire class, breaks the Rust API, description.
//
// Why "breaks the Rust API" is often true where oasdiff says non-breaking: the generated
// methods take parameters positionally and the generated structs have public fields, so a
// new optional parameter adds an argument, a new optional body field breaks struct
// literals, and required → optional turns `T` into `Option<T>`. Response structs are
// built by the client, not by users, so additions there are not counted.
rules! {
    OperationAdded => ("operation-added", NonBreaking, false, "A new operation (a new method on `Client`)."),
    OperationRemoved => ("operation-removed", Breaking, true, "An operation was removed (its method disappears)."),
    OperationRenamed => ("operation-renamed", NonBreaking, true, "Same method and path, different Rust method name."),
    OperationDeprecated => ("operation-deprecated", NonBreaking, false, "An operation became deprecated."),
    DocumentationChanged => ("documentation-changed", NonBreaking, false, "Only descriptions, summaries, titles or examples changed."),
    TypeRenamed => ("type-renamed", NonBreaking, true, "A generated type got another name (schema name or overlay title)."),
    SecurityChanged => ("security-changed", Breaking, false, "The security requirements callers satisfied are gone or replaced."),
    SecuritySchemeChanged => ("security-scheme-changed", Breaking, false, "A security scheme in use changed how credentials are sent."),
    SecurityAlternativeAdded => ("security-alternative-added", NonBreaking, false, "A new way to authenticate, the old ones still accepted."),
    SecurityRemoved => ("security-removed", NonBreaking, false, "The operation no longer requires authentication."),
    RequestParameterAddedRequired => ("request-parameter-added-required", Breaking, true, "A new required parameter."),
    RequestParameterAddedOptional => ("request-parameter-added-optional", NonBreaking, true, "A new optional parameter (a new method argument)."),
    RequestParameterRemoved => ("request-parameter-removed", NeedsReview, true, "A parameter was removed."),
    RequestParameterBecameRequired => ("request-parameter-became-required", Breaking, true, "An optional parameter became required."),
    RequestParameterBecameOptional => ("request-parameter-became-optional", NonBreaking, true, "A required parameter became optional."),
    RequestPathParameterRenamed => ("request-path-parameter-renamed", NonBreaking, false, "A path parameter was renamed (the URL is the same)."),
    RequestBodyAddedRequired => ("request-body-added-required", Breaking, true, "The operation now requires a body."),
    RequestBodyAddedOptional => ("request-body-added-optional", NonBreaking, true, "The operation now accepts an optional body."),
    RequestBodyRemoved => ("request-body-removed", NeedsReview, true, "The operation no longer takes a body."),
    RequestBodyBecameRequired => ("request-body-became-required", Breaking, true, "An optional body became required."),
    RequestBodyBecameOptional => ("request-body-became-optional", NonBreaking, true, "A required body became optional."),
    RequestMediaTypeChanged => ("request-media-type-changed", Breaking, true, "The request body's media types changed (e.g. multipart to JSON)."),
    RequestPropertyAddedRequired => ("request-property-added-required", Breaking, true, "A new required request body property."),
    RequestPropertyAddedOptional => ("request-property-added-optional", NonBreaking, true, "A new optional request body property."),
    RequestPropertyRemoved => ("request-property-removed", NeedsReview, true, "A request body property was removed."),
    RequestPropertyBecameRequired => ("request-property-became-required", Breaking, true, "An optional request body property became required."),
    RequestPropertyBecameOptional => ("request-property-became-optional", NonBreaking, true, "A required request body property became optional."),
    RequestPartAddedRequired => ("request-part-added-required", Breaking, true, "A new required multipart part."),
    RequestPartAddedOptional => ("request-part-added-optional", NonBreaking, true, "A new optional multipart part."),
    RequestPartRemoved => ("request-part-removed", NeedsReview, true, "A multipart part was removed."),
    RequestPartBecameRequired => ("request-part-became-required", Breaking, true, "An optional multipart part became required."),
    RequestPartBecameOptional => ("request-part-became-optional", NonBreaking, true, "A required multipart part became optional."),
    RequestTypeChanged => ("request-type-changed", Breaking, true, "A request value's type or format changed (narrowed or incompatible)."),
    RequestTypeWidened => ("request-type-widened", NonBreaking, true, "A request value accepts more (integer to number, typed to any)."),
    RequestEnumValueRemoved => ("request-enum-value-removed", Breaking, true, "A request enum no longer accepts a value."),
    RequestEnumValueAdded => ("request-enum-value-added", NonBreaking, false, "A request enum accepts a new value."),
    RequestBecameNotNullable => ("request-became-not-nullable", Breaking, true, "A request value no longer accepts null."),
    RequestBecameNullable => ("request-became-nullable", NonBreaking, true, "A request value now accepts null."),
    RequestConstraintNarrowed => ("request-constraint-narrowed", Breaking, false, "A request value's bounds or pattern got stricter."),
    RequestConstraintWidened => ("request-constraint-widened", NonBreaking, false, "A request value's bounds got looser."),
    ResponseSuccessStatusRemoved => ("response-success-status-removed", Breaking, true, "A success (2xx) status is no longer returned."),
    ResponseNonSuccessStatusRemoved => ("response-non-success-status-removed", NeedsReview, false, "An error status is no longer documented (it now surfaces as an unexpected response)."),
    ResponseSuccessStatusAdded => ("response-success-status-added", NeedsReview, false, "A new success status (the method's return type may change)."),
    ResponseNonSuccessStatusAdded => ("response-non-success-status-added", NonBreaking, false, "A new documented error status."),
    ResponseMediaTypeChanged => ("response-media-type-changed", Breaking, true, "A response's media types changed."),
    ResponseBodyAdded => ("response-body-added", NonBreaking, true, "A response that had no body now has one (return type changes)."),
    ResponseBodyRemoved => ("response-body-removed", Breaking, true, "A response no longer has a body."),
    ResponsePropertyAdded => ("response-property-added", NonBreaking, false, "A new response property."),
    ResponsePropertyRemoved => ("response-property-removed", Breaking, true, "A response property was removed."),
    ResponsePropertyBecameOptional => ("response-property-became-optional", Breaking, true, "A required response property became optional."),
    ResponsePropertyBecameRequired => ("response-property-became-required", NonBreaking, true, "An optional response property became required."),
    ResponseBecameNullable => ("response-became-nullable", Breaking, true, "A response value can now be null."),
    ResponseBecameNotNullable => ("response-became-not-nullable", NonBreaking, true, "A response value can no longer be null."),
    ResponseTypeChanged => ("response-type-changed", Breaking, true, "A response value's type or format changed."),
    ResponseEnumValueRemoved => ("response-enum-value-removed", Breaking, true, "A response enum lost a value (its Rust variant disappears)."),
    ResponseEnumValueAdded => ("response-enum-value-added", NeedsReview, false, "A response enum gained a value that old clients cannot decode."),
    ResponseConstraintNarrowed => ("response-constraint-narrowed", NonBreaking, false, "A response value's bounds or pattern got stricter."),
    ResponseConstraintWidened => ("response-constraint-widened", NeedsReview, false, "A response value's bounds got looser (old clients may reject new values)."),
    SchemaCompositionChanged => ("schema-composition-changed", NeedsReview, false, "oneOf/anyOf/allOf changed in a way the rules do not break down."),
    AdditionalPropertiesChanged => ("additional-properties-changed", NeedsReview, false, "additionalProperties changed."),
    UnclassifiedChange => ("unclassified-change", NeedsReview, false, "The operation changed in a way no rule classifies."),
}

impl Rule {
    /// Breaking when either view breaks; otherwise the wire view.
    pub(crate) fn class(self) -> Class {
        if self.breaks_rust_api() {
            Class::Breaking
        } else {
            self.wire()
        }
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

/// The operation a change belongs to.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub(crate) struct OperationRef {
    /// Upper-case HTTP method.
    pub(crate) method: String,
    /// Path template (of the new document when the operation exists there).
    pub(crate) path: String,
    /// Rust method name on `Client` (in the new document when it exists there).
    pub(crate) rust_name: String,
}

impl OperationRef {
    pub(crate) fn label(&self) -> String {
        format!("{} {} ({})", self.method, self.path, self.rust_name)
    }
}

/// One classified change.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Change {
    pub(crate) rule: Rule,
    pub(crate) class: Class,
    pub(crate) wire: Class,
    pub(crate) rust_api_breaking: bool,
    pub(crate) operation: Option<OperationRef>,
    /// Where in the operation, human-readable (`multipart part \`id\``, `response 200 › token`).
    pub(crate) location: String,
    pub(crate) message: String,
}

impl Change {
    pub(crate) fn new(
        rule: Rule,
        operation: Option<OperationRef>,
        location: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        Self {
            rule,
            class: rule.class(),
            wire: rule.wire(),
            rust_api_breaking: rule.breaks_rust_api(),
            operation,
            location: location.into(),
            message: message.into(),
        }
    }
}

/// What the report says about one side of the comparison.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct DocumentSummary {
    pub(crate) name: String,
    pub(crate) sha256: String,
    pub(crate) api_version: Option<String>,
    pub(crate) operations: usize,
    pub(crate) overlay: Option<String>,
}

/// Counts per class.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Summary {
    pub(crate) breaking: usize,
    pub(crate) needs_review: usize,
    pub(crate) non_breaking: usize,
}

/// The semver bump the changes call for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum Bump {
    None,
    Patch,
    Minor,
    Major,
}

/// The semver hint for the workspace crates.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct SemverHint {
    pub(crate) current: String,
    pub(crate) bump: Bump,
    pub(crate) next: String,
    pub(crate) reason: String,
}

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub(crate) struct Report {
    pub(crate) schema_version: u32,
    pub(crate) old: DocumentSummary,
    pub(crate) new: DocumentSummary,
    pub(crate) summary: Summary,
    pub(crate) semver: SemverHint,
    pub(crate) changes: Vec<Change>,
}

impl Report {
    pub(crate) fn new(
        old: DocumentSummary,
        new: DocumentSummary,
        mut changes: Vec<Change>,
        crate_version: &str,
    ) -> Self {
        changes.sort_by(|a, b| {
            (a.class, &a.operation, &a.location, a.rule, &a.message).cmp(&(
                b.class,
                &b.operation,
                &b.location,
                b.rule,
                &b.message,
            ))
        });
        changes.dedup();
        let mut summary = Summary::default();
        for change in &changes {
            match change.class {
                Class::Breaking => summary.breaking += 1,
                Class::NeedsReview => summary.needs_review += 1,
                Class::NonBreaking => summary.non_breaking += 1,
            }
        }
        let semver = semver_hint(crate_version, summary);
        Self {
            schema_version: SCHEMA_VERSION,
            old,
            new,
            summary,
            semver,
            changes,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Cargo's semver rules: before 1.0 the minor number is the breaking position
/// (0.1.3 → 0.2.0), and additions go in the patch number.
pub(crate) fn semver_hint(current: &str, summary: Summary) -> SemverHint {
    let parsed = parse_version(current);
    let pre_1_0 = parsed.is_none_or(|(major, _, _)| major == 0);
    let (bump, reason) = if summary.breaking > 0 {
        if pre_1_0 {
            (
                Bump::Minor,
                format!(
                    "{} breaking change(s); the crates are pre-1.0, where a breaking release bumps the minor version",
                    summary.breaking
                ),
            )
        } else {
            (
                Bump::Major,
                format!("{} breaking change(s)", summary.breaking),
            )
        }
    } else if summary.needs_review > 0 {
        let (bump, word) = if pre_1_0 {
            (Bump::Patch, "minor")
        } else {
            (Bump::Minor, "major")
        };
        (
            bump,
            format!(
                "no breaking change found, but {} change(s) need review; any of them judged breaking makes this a {word} bump",
                summary.needs_review
            ),
        )
    } else if summary.non_breaking > 0 {
        if pre_1_0 {
            (
                Bump::Patch,
                "only compatible changes; pre-1.0 crates take additions in the patch version"
                    .to_owned(),
            )
        } else {
            (Bump::Minor, "only compatible additions".to_owned())
        }
    } else {
        (Bump::None, "no API change".to_owned())
    };
    let next = match parsed {
        Some((major, minor, patch)) => match bump {
            Bump::None => format!("{major}.{minor}.{patch}"),
            Bump::Patch => format!("{major}.{minor}.{}", patch + 1),
            Bump::Minor => format!("{major}.{}.0", minor + 1),
            Bump::Major => format!("{}.0.0", major + 1),
        },
        None => "unknown".to_owned(),
    };
    SemverHint {
        current: current.to_owned(),
        bump,
        next,
        reason,
    }
}

fn parse_version(version: &str) -> Option<(u64, u64, u64)> {
    let core = version.split(['-', '+']).next()?;
    let mut parts = core.split('.').map(|p| p.parse::<u64>().ok());
    Some((parts.next()??, parts.next()??, parts.next()??))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_are_unique_kebab_case() {
        let mut seen = std::collections::BTreeSet::new();
        for rule in Rule::ALL {
            assert!(seen.insert(rule.id()), "duplicate id {}", rule.id());
            assert!(
                rule.id()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c == '-'),
                "{}",
                rule.id()
            );
            assert!(!rule.describe().is_empty());
        }
    }

    #[test]
    fn the_readme_documents_every_rule() {
        let readme = include_str!("../../README.md");
        for rule in Rule::ALL {
            assert!(
                readme.contains(&format!("| `{}` |", rule.id())),
                "xtask/README.md lacks rule {}",
                rule.id()
            );
        }
    }

    #[test]
    fn rust_api_break_makes_a_change_breaking() {
        assert_eq!(Rule::OperationRenamed.wire(), Class::NonBreaking);
        assert_eq!(Rule::OperationRenamed.class(), Class::Breaking);
        assert_eq!(Rule::ResponseEnumValueAdded.class(), Class::NeedsReview);
        assert_eq!(Rule::OperationAdded.class(), Class::NonBreaking);
    }

    #[test]
    fn pre_1_0_breaking_bumps_minor() {
        let hint = semver_hint(
            "0.1.3",
            Summary {
                breaking: 1,
                ..Summary::default()
            },
        );
        assert_eq!((hint.bump, hint.next.as_str()), (Bump::Minor, "0.2.0"));
        let hint = semver_hint(
            "0.1.3",
            Summary {
                non_breaking: 2,
                ..Summary::default()
            },
        );
        assert_eq!((hint.bump, hint.next.as_str()), (Bump::Patch, "0.1.4"));
        let hint = semver_hint(
            "1.4.2",
            Summary {
                breaking: 1,
                ..Summary::default()
            },
        );
        assert_eq!((hint.bump, hint.next.as_str()), (Bump::Major, "2.0.0"));
        let hint = semver_hint(
            "1.4.2",
            Summary {
                non_breaking: 1,
                ..Summary::default()
            },
        );
        assert_eq!((hint.bump, hint.next.as_str()), (Bump::Minor, "1.5.0"));
        let hint = semver_hint("0.1.0", Summary::default());
        assert_eq!((hint.bump, hint.next.as_str()), (Bump::None, "0.1.0"));
        assert_eq!(
            semver_hint(
                "garbage",
                Summary {
                    breaking: 1,
                    ..Summary::default()
                }
            )
            .next,
            "unknown"
        );
    }
}
