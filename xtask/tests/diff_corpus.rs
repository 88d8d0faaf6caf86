//! The spec-pair corpus: every directory under `tests/diff-corpus/` holds `old.yaml`,
//! `new.yaml` and `expected.json` (the changes a maintainer should see, each with its
//! rule, class, wire class and operation). The test enumerates the directories, so a new
//! case is a new directory, not a code change.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{Value, json};

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/diff-corpus")
}

fn cases() -> Vec<PathBuf> {
    let mut cases: Vec<PathBuf> = std::fs::read_dir(corpus_dir())
        .expect("corpus directory")
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_dir())
        .collect();
    cases.sort();
    cases
}

fn xtask(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(args)
        .output()
        .expect("run xtask")
}

fn diff_json(case: &Path, extra: &[&str]) -> (Value, Option<i32>) {
    let (old, new) = (case.join("old.yaml"), case.join("new.yaml"));
    let mut args = vec![
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--format",
        "json",
        "--no-overlay",
    ];
    args.extend_from_slice(extra);
    let output = xtask(&args);
    let stdout = String::from_utf8_lossy(&output.stdout);
    let report = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!(
            "{}: not JSON ({e}): {stdout}\n{}",
            case.display(),
            String::from_utf8_lossy(&output.stderr)
        )
    });
    (report, output.status.code())
}

fn observed(report: &Value) -> Vec<Value> {
    let mut changes: Vec<Value> = report["changes"]
        .as_array()
        .expect("changes array")
        .iter()
        .map(|c| json!({"rule": c["rule"], "class": c["class"], "wire": c["wire"], "operation": c["operation"]["rust_name"]}))
        .collect();
    changes.sort_by_key(|c| (c["rule"].to_string(), c["operation"].to_string()));
    changes
}

#[test]
fn corpus_has_at_least_twenty_cases() {
    assert!(cases().len() >= 20, "only {} corpus cases", cases().len());
}

#[test]
fn every_case_is_classified_as_expected() {
    let mut failures = Vec::new();
    for case in cases() {
        let expected: Value = serde_json::from_str(
            &std::fs::read_to_string(case.join("expected.json")).expect("expected.json"),
        )
        .expect("expected.json is JSON");
        let (report, code) = diff_json(&case, &[]);
        assert_eq!(
            code,
            Some(0),
            "{}: diff without --fail-on-breaking must exit 0",
            case.display()
        );
        let got = observed(&report);
        if got != expected["changes"].as_array().cloned().unwrap_or_default() {
            failures.push(format!(
                "{}:\n  expected {}\n  got      {}\n  report   {}",
                case.file_name().unwrap().to_string_lossy(),
                expected["changes"],
                Value::Array(got),
                report["changes"]
            ));
            continue;
        }
        // The summary and the semver hint agree with the changes.
        let count = |class: &str| {
            report["changes"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|c| c["class"] == class)
                .count()
        };
        assert_eq!(
            report["summary"]["breaking"],
            count("breaking"),
            "{}",
            case.display()
        );
        assert_eq!(
            report["summary"]["needs_review"],
            count("needs-review"),
            "{}",
            case.display()
        );
        assert_eq!(
            report["summary"]["non_breaking"],
            count("non-breaking"),
            "{}",
            case.display()
        );
        assert_eq!(report["schema_version"], 1);
        let bump = report["semver"]["bump"].as_str().unwrap();
        let expected_bump = if count("breaking") > 0 {
            "minor" // the crates are 0.x
        } else if report["changes"].as_array().unwrap().is_empty() {
            "none"
        } else {
            "patch"
        };
        assert_eq!(bump, expected_bump, "{}", case.display());

        let (_, code) = diff_json(&case, &["--fail-on-breaking"]);
        let want = if count("breaking") > 0 { 1 } else { 0 };
        assert_eq!(
            code,
            Some(want),
            "{}: --fail-on-breaking exit code",
            case.display()
        );
    }
    assert!(
        failures.is_empty(),
        "{} case(s) differ:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// Every rule id some case's expected.json names.
fn expected_rules() -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    for case in cases() {
        let expected: Value =
            serde_json::from_str(&std::fs::read_to_string(case.join("expected.json")).unwrap())
                .unwrap();
        for change in expected["changes"].as_array().unwrap() {
            seen.insert(change["rule"].as_str().unwrap().to_owned());
        }
    }
    seen
}

/// The breaking-change rules the maintainers asked for (oasdiff's main ones) each have a case.
#[test]
fn corpus_covers_the_required_rules() {
    let seen = expected_rules();
    let required = [
        "operation-added",
        "operation-removed",
        "operation-renamed",
        "response-success-status-removed",
        "request-parameter-added-required",
        "request-property-added-required",
        "request-part-added-required",
        "request-parameter-became-required",
        "request-property-became-required",
        "request-part-became-required",
        "request-type-changed",
        "request-enum-value-removed",
        "response-property-removed",
        "response-enum-value-removed",
        "response-type-changed",
        "response-property-became-optional",
        "response-became-nullable",
        "security-changed",
    ];
    let missing: Vec<&str> = required
        .iter()
        .copied()
        .filter(|r| !seen.contains(*r))
        .collect();
    assert!(missing.is_empty(), "no corpus case for {missing:?}");
    let controls = cases()
        .iter()
        .filter(|c| {
            c.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("control-")
        })
        .count();
    assert!(controls >= 5, "only {controls} non-breaking controls");
}

/// Every rule of the classification table in xtask/README.md (which a unit test keeps equal
/// to the rules in the code) is expected by at least one corpus case: a rule nobody has
/// seen fire is a rule nobody has checked.
#[test]
fn every_rule_has_a_corpus_case() {
    let readme = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
        .expect("xtask/README.md");
    let rules: BTreeSet<String> = readme
        .lines()
        .filter_map(|line| {
            let cells: Vec<&str> = line.split('|').map(str::trim).collect();
            let wire = *cells.get(2)?;
            let id = cells.get(1)?.strip_prefix('`')?.strip_suffix('`')?;
            matches!(wire, "breaking" | "non-breaking" | "needs review").then(|| id.to_owned())
        })
        .collect();
    assert!(rules.len() > 50, "rule table not found: {rules:?}");
    let seen = expected_rules();
    let missing: Vec<&String> = rules.difference(&seen).collect();
    assert!(missing.is_empty(), "no corpus case expects {missing:?}");
}

/// Oxide's `drift` as an independent oracle: wherever it sees a non-trivial difference, we
/// must report at least one change. (drift panics on some inputs, e.g. a media type that
/// appears or disappears; those cases are skipped for the oracle, not for our own test.)
#[test]
fn drift_never_sees_a_change_we_miss() {
    let mut consulted = 0;
    for case in cases() {
        let read = |name: &str| -> Value {
            serde_yaml_ng::from_str(&std::fs::read_to_string(case.join(name)).unwrap()).unwrap()
        };
        let (old, new) = (read("old.yaml"), read("new.yaml"));
        let Ok(Ok(drift_changes)) = std::panic::catch_unwind(|| drift::compare(&old, &new)) else {
            continue;
        };
        consulted += 1;
        let drift_sees = drift_changes.iter().any(|c| {
            c.changes
                .iter()
                .any(|i| i.class != drift::ChangeClass::Trivial)
        });
        let (report, _) = diff_json(&case, &[]);
        let we_see = !report["changes"].as_array().unwrap().is_empty();
        assert!(
            !drift_sees || we_see,
            "{}: drift sees {drift_changes:?}, we report nothing",
            case.display()
        );
    }
    assert!(consulted >= 20, "drift could only judge {consulted} cases");
}

#[test]
fn the_vendor_spec_against_itself_has_no_changes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap();
    let spec = root.join("spec/simplio3d.openapi.json");
    let output = xtask(&[
        "diff",
        spec.to_str().unwrap(),
        spec.to_str().unwrap(),
        "--format",
        "json",
        "--root",
        root.to_str().unwrap(),
    ]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["changes"], json!([]));
    assert_eq!(report["semver"]["bump"], "none");
    let text = xtask(&[
        "diff",
        spec.to_str().unwrap(),
        spec.to_str().unwrap(),
        "--root",
        root.to_str().unwrap(),
    ]);
    assert!(String::from_utf8_lossy(&text.stdout).contains("No API changes."));
}

#[test]
fn markdown_report_names_the_class_and_the_rule() {
    let case = corpus_dir().join("request-part-added-required");
    let (old, new) = (case.join("old.yaml"), case.join("new.yaml"));
    let output = xtask(&[
        "diff",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--format",
        "markdown",
        "--no-overlay",
    ]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("### Breaking"), "{text}");
    assert!(text.contains("`request-part-added-required`"), "{text}");
    assert!(text.contains("0.1.0 → 0.2.0"), "{text}");
}

#[test]
fn an_unreadable_document_is_a_clear_error() {
    let output = xtask(&[
        "diff",
        "/nonexistent/old.yaml",
        "/nonexistent/new.yaml",
        "--no-overlay",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("old document") && stderr.contains("/nonexistent/old.yaml"),
        "{stderr}"
    );
}

#[test]
fn a_dangling_ref_is_a_clear_error_naming_the_pointer() {
    let dir = tempfile::tempdir().unwrap();
    let good = corpus_dir().join("control-identical/old.yaml");
    let text = std::fs::read_to_string(&good).unwrap();
    let broken = text.replacen(
        "schema: {$ref: '#/components/schemas/Thing'}",
        "schema: {$ref: '#/components/schemas/Gone'}",
        1,
    );
    assert_ne!(broken, text);
    let new = dir.path().join("new.yaml");
    std::fs::write(&new, broken).unwrap();
    let output = xtask(&[
        "diff",
        good.to_str().unwrap(),
        new.to_str().unwrap(),
        "--no-overlay",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("new document")
            && stderr.contains("`#/components/schemas/Gone` at #/paths/~1things~1{thing_id}/get/responses/200/content/application~1json/schema"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// `cargo xtask diff … | head`: a reader that goes away is no panic, and the exit status
/// is still the command's own (here `--fail-on-breaking` with breaking changes).
#[test]
fn a_closed_stdout_ends_the_output_quietly() {
    let case = corpus_dir().join("security-changed");
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .args(["diff", "--no-overlay", "--fail-on-breaking"])
        .arg(case.join("old.yaml"))
        .arg(case.join("new.yaml"))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run xtask");
    drop(child.stdout.take());
    let output = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(output.status.code(), Some(1), "{stderr}");
}
