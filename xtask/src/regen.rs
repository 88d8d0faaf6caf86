//! `cargo xtask regen`: take in a vendor document, regenerate, report what changed.
//!
//! Nothing is written until everything succeeded: the new document is fetched, loaded
//! with the overlay and generated in memory; only then are spec, overlay, snapshot and
//! CHANGELOG written together (temporary files, then renames). `--check` writes nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::Context as _;
use simplio3d_codegen::{Source, Spec};

use crate::diff::{self, render};
use crate::fetch::{self, FetchLimits};
use crate::output;
use crate::workspace::{self, SNAPSHOT_PATH, Workspace};

mod readme;
mod stubs;

/// Arguments of `cargo xtask regen`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Change nothing; exit 1 when spec, overlay, snapshot or README are stale.
    #[arg(long)]
    check: bool,
    /// Take this vendor document (file or http(s) URL) into spec/ first, byte for byte.
    #[arg(long, value_name = "PATH|URL")]
    spec: Option<String>,
    /// Append an overlay action to spec/overlay.yaml for each operation it does not name yet.
    #[arg(long)]
    write_overlay_stubs: bool,
    /// Also write the API change report as an entry at the top of this CHANGELOG file.
    #[arg(long, value_name = "FILE")]
    changelog: Option<PathBuf>,
    #[command(flatten)]
    limits: FetchLimits,
    /// Workspace root (tests point this at a temporary copy).
    #[arg(long, hide = true, env = "XTASK_ROOT")]
    root: Option<PathBuf>,
}

impl Args {
    /// The command that brings the workspace up to date.
    fn fix_command(&self) -> String {
        let mut command = String::from("cargo xtask regen");
        if let Some(spec) = &self.spec {
            // Redacted: this line lands in CI logs; a URL's token is not repeated there.
            command.push_str(&format!(" --spec {}", fetch::redact(spec)));
        }
        if self.write_overlay_stubs {
            command.push_str(" --write-overlay-stubs");
        }
        command
    }
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let workspace = Workspace::new(args.root.clone());
    let current_spec = Source::read(&workspace.spec_path())?;
    let current_overlay = Source::read(&workspace.overlay_path())?;

    // 1. The new vendor document, validated by loading and generating it, in memory.
    let incoming = match &args.spec {
        Some(location) => Some(fetch::fetch(location, &args.limits).with_context(|| {
            format!(
                "cannot take in {}; nothing in the workspace changed",
                fetch::redact(location)
            )
        })?),
        None => None,
    };
    let spec_source = Source {
        name: current_spec.name.clone(),
        bytes: incoming
            .as_ref()
            .map_or_else(|| current_spec.bytes.clone(), |s| s.bytes.clone()),
    };
    let not_taken = |what: &str| match &args.spec {
        Some(location) => format!(
            "{} is not usable ({what}); nothing in the workspace changed",
            fetch::redact(location)
        ),
        None => format!("spec/ is not usable ({what})"),
    };
    // Alone first, so that "not OpenAPI 3.0.x" is reported as such rather than as an
    // overlay action that matches nothing in it.
    simplio3d_codegen::load(&spec_source, None)
        .with_context(|| not_taken("not a usable OpenAPI 3.0.x document"))?;
    let mut overlay = current_overlay.clone();
    let mut spec = simplio3d_codegen::load(&spec_source, Some(&overlay))
        .with_context(|| not_taken("the overlay does not apply"))?;
    if args.write_overlay_stubs
        && let Some(extended) = stubs::append(&overlay, &spec.warnings)
    {
        overlay = extended;
        spec = simplio3d_codegen::load(&spec_source, Some(&overlay)).context(
            "spec/overlay.yaml with the new stubs does not apply; add them by hand (see the warnings)",
        )?;
    }
    let generated =
        simplio3d_codegen::generate_with(&spec, &simplio3d_codegen::Settings::sdk_client())
            .with_context(|| not_taken("code generation"))?;
    for warning in &spec.warnings {
        eprintln!("warning: {warning}");
    }

    // 2. What changed: generated code, API, and what is stale.
    let snapshot = std::fs::read_to_string(workspace.snapshot_path()).unwrap_or_default();
    let colour = output::colour();
    let code_diff = unified_diff(&snapshot, &generated, colour);
    let report = baseline(&workspace, &args, &current_spec, &current_overlay)
        .map(|old| diff::build_report(&old, &spec, &workspace.crate_version()));

    let mut stale = Vec::new();
    if spec_source.bytes != current_spec.bytes {
        stale.push(format!(
            "{} differs from {}",
            simplio3d_codegen::SPEC_PATH,
            args.spec.as_deref().map_or("?".to_owned(), fetch::redact)
        ));
    }
    if overlay.bytes != current_overlay.bytes {
        stale.push(format!(
            "{} does not yet name {} operation(s)",
            simplio3d_codegen::OVERLAY_PATH,
            stubs::count(&current_overlay, &overlay)
        ));
    }
    if snapshot != generated {
        stale.push(format!(
            "{SNAPSHOT_PATH} is not what spec/ + overlay generate"
        ));
    }
    let readme_problems = readme::problems(&workspace);

    if !code_diff.is_empty() {
        output::println(&code_diff);
    }
    match &report {
        Ok(report) if !report.is_empty() => output::println(&render::text(report, colour)),
        Ok(_) => {}
        Err(e) => eprintln!("note: no API change report: {e:#}"),
    }

    // Operations named by fallback are not stale (the derived name is deterministic and
    // committed in the snapshot), but pinning them keeps a later vendor change from
    // renaming them; --check says so without failing.
    let unpinned = spec
        .warnings
        .iter()
        .filter(|w| w.overlay_action.is_some())
        .count();
    if args.check && unpinned > 0 {
        eprintln!(
            "note: {unpinned} operation(s) have derived names (warnings above); pin them with `cargo xtask regen --write-overlay-stubs`"
        );
    }
    if args.check {
        if stale.is_empty() && readme_problems.is_empty() {
            output::println("up to date");
            return Ok(ExitCode::SUCCESS);
        }
        for item in &stale {
            eprintln!("stale: {item}");
        }
        for item in &readme_problems {
            eprintln!("stale: {item}");
        }
        if !stale.is_empty() {
            eprintln!("fix: run `{}` and commit the result", args.fix_command());
        }
        if !readme_problems.is_empty() {
            eprintln!(
                "fix: edit README.md by hand (its first command is the main job, its second the test command .ci/run calls)"
            );
        }
        return Ok(ExitCode::from(1));
    }

    // 3. Write everything together, or nothing.
    let mut writes = Vec::new();
    if spec_source.bytes != current_spec.bytes {
        writes.push((workspace.spec_path(), spec_source.bytes.clone()));
    }
    if overlay.bytes != current_overlay.bytes {
        writes.push((workspace.overlay_path(), overlay.bytes.clone()));
    }
    if snapshot != generated {
        writes.push((workspace.snapshot_path(), generated.into_bytes()));
    }
    if let Some(changelog) = &args.changelog {
        let report = report.as_ref().map_err(|e| {
            anyhow::anyhow!(
                "cannot write {}: no API change report: {e:#}",
                changelog.display()
            )
        })?;
        let path = workspace.root().join(changelog);
        let existing = read_changelog(&path)?;
        let marker = render::changelog_marker(report);
        if report.is_empty() {
            output::println(&format!(
                "{}: no API change, no entry added",
                changelog.display()
            ));
        } else if existing
            .as_deref()
            .is_some_and(|text| text.contains(&marker))
        {
            output::println(&format!(
                "{}: already has an entry for spec sha256 {}, not added again",
                changelog.display(),
                report.new.sha256
            ));
        } else {
            let entry = render::changelog(existing.as_deref(), &render::markdown(report, 2));
            writes.push((path, entry.into_bytes()));
        }
    }
    workspace::write_all(&writes)?;
    for (path, _) in &writes {
        output::println(&format!(
            "wrote {}",
            path.strip_prefix(workspace.root())
                .unwrap_or(path)
                .display()
        ));
    }
    if writes.is_empty() {
        output::println("up to date");
    }
    for item in &readme_problems {
        eprintln!("warning: {item}");
    }
    Ok(ExitCode::SUCCESS)
}

/// The CHANGELOG's text, or `None` when there is none yet. Anything else (unreadable, not
/// UTF-8) is an error: rewriting it from scratch would destroy its history.
fn read_changelog(path: &Path) -> anyhow::Result<Option<String>> {
    match std::fs::read(path) {
        Ok(bytes) => String::from_utf8(bytes).map(Some).map_err(|_| {
            anyhow::anyhow!(
                "{} is not UTF-8 text; refusing to rewrite it (nothing was written)",
                path.display()
            )
        }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e).with_context(|| {
            format!(
                "cannot read {}; refusing to rewrite it (nothing was written)",
                path.display()
            )
        }),
    }
}

/// The document the API report compares against: the spec/ being replaced when `--spec`
/// is given, else spec/ and overlay as committed at git HEAD (when the root is a git
/// checkout), else spec/ as it is.
fn baseline(
    workspace: &Workspace,
    args: &Args,
    spec: &Source,
    overlay: &Source,
) -> anyhow::Result<Spec> {
    if args.spec.is_none() && workspace.root().join(".git").exists() {
        let committed = |path: &str| git_show(workspace.root(), path);
        if let (Some(spec_bytes), Some(overlay_bytes)) = (
            committed(simplio3d_codegen::SPEC_PATH),
            committed(simplio3d_codegen::OVERLAY_PATH),
        ) {
            let spec = Source {
                name: spec.name.clone(),
                bytes: spec_bytes,
            };
            let overlay = Source {
                name: overlay.name.clone(),
                bytes: overlay_bytes,
            };
            return simplio3d_codegen::load(&spec, Some(&overlay)).context("spec/ at git HEAD");
        }
    }
    simplio3d_codegen::load(spec, Some(overlay)).context("the current spec/")
}

fn git_show(root: &Path, path: &str) -> Option<Vec<u8>> {
    let output = Command::new("git")
        .arg("-C")
        .arg(root)
        .args(["show", &format!("HEAD:{path}")])
        .output()
        .ok()?;
    output.status.success().then_some(output.stdout)
}

/// A unified diff of the generated code; empty when equal.
fn unified_diff(old: &str, new: &str, colour: bool) -> String {
    if old == new {
        return String::new();
    }
    let diff = similar::TextDiff::from_lines(old, new);
    let text = diff
        .unified_diff()
        .context_radius(3)
        .header(&format!("a/{SNAPSHOT_PATH}"), &format!("b/{SNAPSHOT_PATH}"))
        .to_string();
    if !colour {
        return text;
    }
    text.lines()
        .map(|line| {
            let code = if line.starts_with("+++") || line.starts_with("---") {
                "1"
            } else if line.starts_with('+') {
                "32"
            } else if line.starts_with('-') {
                "31"
            } else if line.starts_with("@@") {
                "36"
            } else {
                return format!("{line}\n");
            };
            format!("\x1b[{code}m{line}\x1b[0m\n")
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unified_diff_is_empty_for_equal_text_and_marks_lines_otherwise() {
        assert_eq!(unified_diff("a\n", "a\n", false), "");
        let plain = unified_diff("a\nb\n", "a\nc\n", false);
        assert!(plain.contains("-b\n") && plain.contains("+c\n"), "{plain}");
        assert!(!plain.contains('\x1b'));
        let coloured = unified_diff("a\nb\n", "a\nc\n", true);
        assert!(coloured.contains("\x1b[31m-b\x1b[0m"), "{coloured}");
    }
}
