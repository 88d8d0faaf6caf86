//! `cargo xtask diff <OLD> <NEW>`: a semantic diff of two OpenAPI documents.
//!
//! Both documents go through the same loader as code generation (overlay applied,
//! operations named, inline schemas hoisted), so the comparison sees what the generator
//! sees: operation names are the Rust method names, and hoisting is not a change.
//! Each change is classified by a rule ([`model::Rule`]); see `xtask/README.md`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use simplio3d_codegen::Spec;

use crate::fetch::{self, FetchLimits};
use crate::workspace::Workspace;

pub(crate) mod model;
mod operations;
pub(crate) mod render;
mod residue;
mod rust_type;
mod schema;
mod security;

pub(crate) use model::Report;

/// Output format of the report.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum Format {
    Text,
    Markdown,
    Json,
}

/// Arguments of `cargo xtask diff`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// The old document: a file, or an http(s) URL.
    old: String,
    /// The new document: a file, or an http(s) URL.
    new: String,
    /// Report format. The JSON schema is documented in xtask/README.md.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    format: Format,
    /// Exit with status 1 when any change is breaking.
    #[arg(long)]
    fail_on_breaking: bool,
    /// Overlay applied to both documents [default: spec/overlay.yaml].
    #[arg(long, conflicts_with = "no_overlay")]
    overlay: Option<PathBuf>,
    /// Compare the documents as they are, without an overlay.
    #[arg(long)]
    no_overlay: bool,
    #[command(flatten)]
    limits: FetchLimits,
    /// Workspace root (tests point this at a temporary copy).
    #[arg(long, hide = true, env = "XTASK_ROOT")]
    root: Option<PathBuf>,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let workspace = Workspace::new(args.root);
    let overlay = match (args.no_overlay, args.overlay) {
        (true, _) => None,
        (false, Some(path)) => Some(simplio3d_codegen::Source::read(&path)?),
        (false, None) => Some(simplio3d_codegen::Source::read(&workspace.overlay_path())?),
    };
    let load = |which: &str, location: &str| -> anyhow::Result<Spec> {
        let source =
            fetch::fetch(location, &args.limits).with_context(|| format!("{which} document"))?;
        simplio3d_codegen::load(&source, overlay.as_ref()).with_context(|| {
            format!(
                "{which} document {} (with {}; --no-overlay compares it bare)",
                fetch::redact(location),
                overlay
                    .as_ref()
                    .map_or("no overlay".to_owned(), |o| format!("overlay {}", o.name))
            )
        })
    };
    let old = load("old", &args.old)?;
    let new = load("new", &args.new)?;
    for (which, spec, location) in [("old", &old, &args.old), ("new", &new, &args.new)] {
        let dangling = dangling_refs(&spec.document);
        if !dangling.is_empty() {
            anyhow::bail!(
                "{which} document {}: {} `$ref`(s) that do not resolve (dangling, not local, or a loop of `$ref`s); nothing was compared:\n  {}",
                fetch::redact(location),
                dangling.len(),
                dangling.join("\n  ")
            );
        }
    }
    let report = build_report(&old, &new, &workspace.crate_version());
    let output = match args.format {
        Format::Text => render::text(&report, crate::output::colour()),
        Format::Markdown => render::markdown(&report, 2),
        Format::Json => render::json(&report),
    };
    crate::output::print(&output);
    Ok(if args.fail_on_breaking && report.summary.breaking > 0 {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// Compares two loaded specs.
pub(crate) fn build_report(old: &Spec, new: &Spec, crate_version: &str) -> Report {
    fn side(spec: &Spec) -> operations::Side<'_> {
        operations::Side {
            document: &spec.document,
            operations: &spec.operations,
        }
    }
    let changes = operations::compare(&side(old), &side(new));
    Report::new(summary(old), summary(new), changes, crate_version)
}

/// Every `$ref` in `doc` that does not lead to a node, as "`#/target` at `#/where`". A
/// comparison that skipped them would report nothing where the document is broken.
fn dangling_refs(doc: &serde_json::Value) -> Vec<String> {
    fn walk(
        doc: &serde_json::Value,
        node: &serde_json::Value,
        at: &mut String,
        out: &mut Vec<String>,
    ) {
        match node {
            serde_json::Value::Object(map) => {
                if let Some(target) = map.get("$ref").and_then(serde_json::Value::as_str)
                    && simplio3d_codegen::resolve_ref(doc, node).is_none()
                {
                    out.push(format!("`{target}` at #{at}"));
                }
                for (key, value) in map {
                    let len = at.len();
                    at.push('/');
                    at.push_str(&key.replace('~', "~0").replace('/', "~1"));
                    walk(doc, value, at, out);
                    at.truncate(len);
                }
            }
            serde_json::Value::Array(items) => {
                for (i, value) in items.iter().enumerate() {
                    let len = at.len();
                    at.push_str(&format!("/{i}"));
                    walk(doc, value, at, out);
                    at.truncate(len);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(doc, doc, &mut String::new(), &mut out);
    out
}

fn summary(spec: &Spec) -> model::DocumentSummary {
    model::DocumentSummary {
        name: spec.spec_name.clone(),
        sha256: spec.spec_sha256.clone(),
        api_version: spec
            .document
            .pointer("/info/version")
            .and_then(|v| v.as_str())
            .map(str::to_owned),
        operations: spec.operations.len(),
        overlay: spec
            .overlay
            .as_ref()
            .map(|(name, sha)| format!("{name} sha256 {sha}")),
    }
}
