//! Report renderers: plain text (terminal), Markdown (PRs, CHANGELOG) and JSON (tools).

use std::fmt::Write as _;

use super::model::{Bump, Change, Class, Report};

const CLASSES: [Class; 3] = [Class::Breaking, Class::NeedsReview, Class::NonBreaking];

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

fn impact(change: &Change) -> String {
    let mut why = Vec::new();
    if change.wire == Class::Breaking {
        why.push("breaks deployed clients");
    }
    if change.rust_api_breaking {
        why.push("breaks Rust callers");
    }
    if why.is_empty() {
        String::new()
    } else {
        format!(" [{}]", why.join(", "))
    }
}

fn headline(report: &Report) -> String {
    let s = report.summary;
    format!(
        "{} change(s): {} breaking, {} need review, {} non-breaking",
        report.changes.len(),
        s.breaking,
        s.needs_review,
        s.non_breaking
    )
}

fn semver_line(report: &Report) -> String {
    let hint = &report.semver;
    let bump = match hint.bump {
        Bump::None => "no bump",
        Bump::Patch => "patch",
        Bump::Minor => "minor",
        Bump::Major => "major",
    };
    format!("{} → {} ({bump}): {}", hint.current, hint.next, hint.reason)
}

/// Groups changes by class, then by operation, keeping the report's order.
fn grouped(report: &Report, class: Class) -> Vec<(String, Vec<&Change>)> {
    let mut groups: Vec<(String, Vec<&Change>)> = Vec::new();
    for change in report.changes.iter().filter(|c| c.class == class) {
        let key = change
            .operation
            .as_ref()
            .map_or_else(|| "document".to_owned(), |op| op.label());
        match groups.last_mut() {
            Some((k, list)) if *k == key => list.push(change),
            _ => groups.push((key, vec![change])),
        }
    }
    groups
}

/// Plain text; `colour` adds ANSI colours (only when stdout is a terminal).
pub(crate) fn text(report: &Report, colour: bool) -> String {
    let paint = |code: &str, s: &str| {
        if colour {
            format!("\x1b[{code}m{s}\x1b[0m")
        } else {
            s.to_owned()
        }
    };
    let mut out = String::new();
    let _ = writeln!(
        out,
        "API changes: {} ({}) → {} ({})",
        report.old.name,
        short(&report.old.sha256),
        report.new.name,
        short(&report.new.sha256)
    );
    if report.is_empty() {
        let _ = writeln!(out, "No API changes.");
        return out;
    }
    let _ = writeln!(out, "{}", headline(report));
    let _ = writeln!(out, "Semver hint: {}", semver_line(report));
    for class in CLASSES {
        let groups = grouped(report, class);
        if groups.is_empty() {
            continue;
        }
        let title = class.label().to_uppercase();
        let code = match class {
            Class::Breaking => "1;31",
            Class::NeedsReview => "1;33",
            Class::NonBreaking => "1;32",
        };
        let _ = writeln!(out, "\n{}", paint(code, &title));
        for (operation, changes) in groups {
            let _ = writeln!(out, "  {operation}");
            for change in changes {
                let at = if change.location.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", change.location)
                };
                let mut lines = change.message.lines();
                let first = lines.next().unwrap_or_default();
                let _ = writeln!(
                    out,
                    "    - {at}{first}  ({}){}",
                    change.rule.id(),
                    impact(change)
                );
                for line in lines {
                    let _ = writeln!(out, "      {line}");
                }
            }
        }
    }
    out
}

/// Markdown, headed at `level` (2 = `##`).
pub(crate) fn markdown(report: &Report, level: usize) -> String {
    let h = "#".repeat(level);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{h} API changes: `{}` → `{}`\n",
        report.old.name, report.new.name
    );
    let _ = writeln!(
        out,
        "Old sha256 `{}`, {}.\n",
        report.old.sha256,
        changelog_marker(report)
    );
    if report.is_empty() {
        let _ = writeln!(out, "No API changes.");
        return out;
    }
    let _ = writeln!(
        out,
        "{}.\n\n**Semver hint:** {}\n",
        headline(report),
        semver_line(report)
    );
    for class in CLASSES {
        let groups = grouped(report, class);
        if groups.is_empty() {
            continue;
        }
        let mut title = class.label().to_owned();
        title[..1].make_ascii_uppercase();
        let _ = writeln!(out, "{h}# {title}\n");
        for (operation, changes) in groups {
            let _ = writeln!(out, "- `{operation}`");
            for change in changes {
                let at = if change.location.is_empty() {
                    String::new()
                } else {
                    format!("{}: ", change.location)
                };
                let mut lines = change.message.lines();
                let first = lines.next().unwrap_or_default();
                let _ = writeln!(
                    out,
                    "  - {at}{first} (`{}`){}",
                    change.rule.id(),
                    impact(change)
                );
                let rest: Vec<&str> = lines.collect();
                if !rest.is_empty() {
                    let _ = writeln!(out, "    ```yaml");
                    for line in rest {
                        let _ = writeln!(out, "    {line}");
                    }
                    let _ = writeln!(out, "    ```");
                }
            }
        }
        out.push('\n');
    }
    out
}

/// JSON (the documented schema), pretty-printed.
pub(crate) fn json(report: &Report) -> String {
    let mut out =
        serde_json::to_string_pretty(report).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
    out.push('\n');
    out
}

/// The words of a Markdown report that name the new spec: a CHANGELOG holding them already
/// has the entry for it.
pub(crate) fn changelog_marker(report: &Report) -> String {
    format!("new sha256 `{}`", report.new.sha256)
}

/// Inserts `entry` (Markdown) into a CHANGELOG: after the top `# ` heading, or at the start.
pub(crate) fn changelog(existing: Option<&str>, entry: &str) -> String {
    let existing = existing.unwrap_or("# Changelog\n\n");
    let insert_at = if existing.starts_with("# ") {
        existing.find('\n').map_or(existing.len(), |i| i + 1)
    } else {
        0
    };
    let (head, tail) = existing.split_at(insert_at);
    let mut out = String::from(head);
    if !head.is_empty() {
        out.push('\n');
    }
    out.push_str(entry.trim_end());
    out.push_str("\n\n");
    out.push_str(tail.trim_start_matches('\n'));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn changelog_entry_goes_under_the_title() {
        let out = changelog(
            Some("# Changelog\n\n## 0.1.0\n- first\n"),
            "## Unreleased\n- x\n",
        );
        assert_eq!(
            out,
            "# Changelog\n\n## Unreleased\n- x\n\n## 0.1.0\n- first\n"
        );
        let fresh = changelog(None, "## Unreleased\n");
        assert_eq!(fresh, "# Changelog\n\n## Unreleased\n\n");
    }
}
