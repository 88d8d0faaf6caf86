//! `cargo xtask conformance`: external checkers nobody here wrote.
//!
//! 1. Installs pinned tools under `target/conformance-tools/` (`tools.rs`): Prism with
//!    `npm ci` from `xtask/conformance/package-lock.json`, schemathesis into a virtualenv from
//!    `xtask/conformance/requirements.txt`.
//! 2. (a) Starts one `prism mock` per spec of the conformance suite (the vendor's and every
//!    fixture, enumerated by `specs.rs`), and runs the suite's Prism test through the
//!    generated clients against them: every operation's conformance call and every declared
//!    status (`Prefer: code=`); any `sl-violations` header or wrong result fails. The test's
//!    output is checked to have run exactly that one test over every spec (`libtest.rs`).
//! 3. (b) Starts `simplio3d-mock --spec X [--overlay Y]` per spec and runs `st run` with
//!    every check (schemathesis' default) against each: any finding fails. The few checks
//!    that cannot hold for some operations are off for exactly those (`specs.rs`).
//!
//! `--bench` instead measures validated create-session calls per second on our mock and on
//! Prism, same load, same run (see `BENCHMARKS.md`).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

mod bench;
mod libtest;
mod process;
mod specs;
mod tools;

use process::{Echo, Server, run_bounded, run_captured, start_mock, start_prism, tail};
use specs::CheckedSpec;

/// Prism, pinned (with its dependencies) by `xtask/conformance/package-lock.json`.
const PRISM_VERSION: &str = "5.16.0";
/// schemathesis, pinned (with its dependencies) by `xtask/conformance/requirements.txt`.
const SCHEMATHESIS_VERSION: &str = "4.32.5";
/// The key our mock is started with and the checkers send.
const KEY: &str = "conformance-key";
/// The suite's Prism test, run by exact name; `libtest::expect_ran` makes sure it ran.
const PRISM_TEST: &str = "conformance::prism::external_prism_reports_no_violations";
/// What that test prints last, once it has covered every spec.
const PRISM_MARKER: &str = "prism-conformance:";
/// Bounds on nested commands, so that a hang fails the run instead of eating CI's time.
const CARGO_TIMEOUT: Duration = Duration::from_secs(30 * 60);
const SCHEMATHESIS_TIMEOUT: Duration = Duration::from_secs(10 * 60);

/// Arguments of `cargo xtask conformance`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Run only one checker.
    #[arg(long, value_enum)]
    only: Option<Checker>,
    /// schemathesis: examples per operation and phase (per spec). 50 keeps the whole
    /// schemathesis step to about a minute on 2 cores.
    #[arg(long, default_value_t = 50)]
    max_examples: u32,
    /// Measure requests/s of our mock and Prism instead of checking.
    #[arg(long)]
    bench: bool,
    /// `--bench`: requests per server.
    #[arg(long, default_value_t = 20_000)]
    requests: usize,
    /// `--bench`: requests in flight at once.
    #[arg(long, default_value_t = 32)]
    concurrency: usize,
}

#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum Checker {
    Prism,
    Schemathesis,
}

pub(crate) fn run(args: Args) -> anyhow::Result<ExitCode> {
    let root = crate::workspace_root();
    let tools = root.join("target/conformance-tools");
    let logs = tools.join("logs");
    let documents = tools.join("specs");
    let want = |c: Checker| args.only.is_none_or(|only| only == c);

    let prism = if want(Checker::Prism) || args.bench {
        Some(tools::install_prism(&root, &tools)?)
    } else {
        None
    };
    let st = if want(Checker::Schemathesis) && !args.bench {
        Some(tools::install_schemathesis(&root, &tools)?)
    } else {
        None
    };
    // The Prism check drives the suite's test binary, not the mock binary. schemathesis
    // checks behaviour, so it gets the debug build `cargo test` already made (no second,
    // release build of the tree in CI); only `--bench` measures a release build.
    let mock_bin = if st.is_some() || args.bench {
        Some(build_mock(&root, args.bench)?)
    } else {
        None
    };

    if args.bench {
        let prism = prism.context("prism is installed for --bench")?;
        let mock_bin = mock_bin.context("the mock is built for --bench")?;
        let spec = root.join(simplio3d_codegen::SPEC_PATH);
        return bench::run(
            &mock_bin,
            &prism,
            &spec,
            &logs,
            args.requests,
            args.concurrency,
        );
    }

    let specs = specs::all(&root)?;
    let mut failed = Vec::new();
    if let Some(prism) = prism {
        let started = Instant::now();
        if let Err(e) = check_with_prism(&root, &prism, &specs, &documents, &logs) {
            eprintln!("conformance: Prism check failed: {e:#}");
            failed.push("Prism (see above)".to_owned());
        }
        eprintln!("== Prism step: {:.0} s", started.elapsed().as_secs_f64());
    }
    if let (Some(st), Some(mock_bin)) = (st, mock_bin) {
        let started = Instant::now();
        for spec in &specs {
            match check_with_schemathesis(
                &st,
                &mock_bin,
                spec,
                &tools,
                &documents,
                &logs,
                args.max_examples,
            ) {
                Ok(true) => {}
                Ok(false) => failed.push(format!(
                    "schemathesis found failures in {} (see above)",
                    spec.name
                )),
                Err(e) => failed.push(format!("schemathesis on {}: {e:#}", spec.name)),
            }
        }
        eprintln!(
            "== schemathesis step: {:.0} s",
            started.elapsed().as_secs_f64()
        );
    }
    if failed.is_empty() {
        eprintln!("conformance: all external checks passed");
        Ok(ExitCode::SUCCESS)
    } else {
        for f in &failed {
            eprintln!("conformance: FAILED: {f}");
        }
        Ok(ExitCode::FAILURE)
    }
}

/// One Prism per spec, then the suite's Prism test over all of them.
fn check_with_prism(
    root: &Path,
    prism: &Path,
    specs: &[CheckedSpec],
    documents: &Path,
    logs: &Path,
) -> anyhow::Result<()> {
    eprintln!(
        "== Prism {PRISM_VERSION}: the generated clients' requests against `prism mock`, {} specs",
        specs.len()
    );
    let mut servers: Vec<(String, Server)> = Vec::new();
    for spec in specs {
        let document = spec.document_for_tools(documents)?;
        servers.push((
            spec.name.clone(),
            start_prism(prism, &document, logs, &spec.name)?,
        ));
    }
    let urls = servers
        .iter()
        .map(|(name, server)| format!("{name}={}", server.url))
        .collect::<Vec<_>>()
        .join(" ");
    let (ok, stdout) = run_captured(
        Command::new(cargo())
            .current_dir(root)
            .args([
                // `--workspace`, as the README test command: the same feature
                // unification, so nothing `cargo test --workspace` built is rebuilt.
                "test",
                "--workspace",
                "--test",
                "it",
                "--",
                "--ignored",
                "--exact",
                PRISM_TEST,
                "--nocapture",
            ])
            .env("SIMPLIO3D_CONFORMANCE_PRISM_URLS", &urls),
        CARGO_TIMEOUT,
        Echo::Show,
    )
    .context("running the conformance test against Prism")?;
    let checked = if ok {
        libtest::expect_ran(&stdout, 1, PRISM_MARKER)
            .with_context(|| format!("`cargo test … --exact {PRISM_TEST}`"))
    } else {
        Err(anyhow::anyhow!(
            "Prism reported violations or a wrong result"
        ))
    };
    if checked.is_err() {
        for (_, server) in &servers {
            eprintln!("{}", tail(&server.log));
        }
    }
    checked
}

/// `st run --checks all` against our mock serving `spec`; whether it found nothing.
fn check_with_schemathesis(
    st: &Path,
    mock_bin: &Path,
    spec: &CheckedSpec,
    tools: &Path,
    documents: &Path,
    logs: &Path,
    max_examples: u32,
) -> anyhow::Result<bool> {
    eprintln!(
        "== schemathesis {SCHEMATHESIS_VERSION}: `st run` (all checks) against simplio3d-mock {}",
        spec.mock_args().join(" ")
    );
    let document = spec.document_for_tools(documents)?;
    let server = start_mock(mock_bin, &spec.mock_args(), logs, &spec.name)?;
    // schemathesis keeps its cache in `.schemathesis/` of its working directory.
    let mut command = Command::new(st);
    command.current_dir(tools);
    command
        .arg("--config-file")
        .arg(spec.schemathesis_config(documents)?);
    let ok = run_bounded(
        command
            .arg("run")
            .arg(&document)
            // Every check runs by default; `--checks all` here would also override the
            // config's per-operation settings (schemathesis 4.32), so it is not passed.
            .args(["--url", &server.url])
            // The one check that contradicts the vendor spec: schemathesis insists on 401 for
            // a missing `Authorization` header, but the spec declares only 403 for it, and a
            // 401 would fail `status_code_conformance`. We answer as the spec says.
            .args(["--exclude-checks", "missing_required_header"])
            .args(["--header", &format!("Authorization: {KEY}")])
            .args(["--max-examples", &max_examples.to_string()])
            .args(["--seed", "1"])
            .arg("--no-color")
            .env("SCHEMATHESIS_HOOKS", ""),
        SCHEMATHESIS_TIMEOUT,
    )
    .context("running schemathesis")?;
    if !ok {
        eprintln!("{}", tail(&server.log));
    }
    Ok(ok)
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Builds `simplio3d-mock` and returns its path: optimised when `release` (what `--bench`
/// measures); otherwise the binary `cargo test --workspace` builds for the mock's own
/// tests. Asking cargo for that one (rather than `cargo build -p simplio3d-mock`, whose
/// feature set differs) rebuilds nothing after the README test command has run.
fn build_mock(root: &Path, release: bool) -> anyhow::Result<PathBuf> {
    let mut build = Command::new(cargo());
    build.current_dir(root);
    if release {
        build.args([
            "build",
            "--release",
            "-p",
            "simplio3d-mock",
            "--bin",
            "simplio3d-mock",
        ]);
    } else {
        build.args(["test", "--workspace", "--no-run"]);
    }
    build.args(["--message-format", "json-render-diagnostics"]);
    let (ok, stdout) =
        run_captured(&mut build, CARGO_TIMEOUT, Echo::Hide).context("building simplio3d-mock")?;
    if !ok {
        bail!("building simplio3d-mock failed (cargo's errors are above)");
    }
    mock_executable(&stdout).context("cargo reported no simplio3d-mock executable")
}

/// The `simplio3d-mock` binary among the artifacts cargo reports in `--message-format json`.
fn mock_executable(cargo_json: &str) -> Option<PathBuf> {
    cargo_json.lines().find_map(|line| {
        let message: serde_json::Value = serde_json::from_str(line).ok()?;
        let target = message.get("target")?;
        let is_mock_bin = message.get("reason")?.as_str()? == "compiler-artifact"
            && target.get("name")?.as_str()? == "simplio3d-mock"
            && target.get("kind")?.as_array()?.iter().any(|k| k == "bin")
            // Not the unit-test harness `cargo test` also builds from the same target.
            && !message.get("profile")?.get("test")?.as_bool()?;
        is_mock_bin
            .then(|| message.get("executable")?.as_str().map(PathBuf::from))
            .flatten()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_mock_binary_is_picked_not_its_test_harness_or_library() {
        let artifact = |name: &str, kind: &str, test: bool, exe: &str| {
            serde_json::json!({
                "reason": "compiler-artifact",
                "target": { "name": name, "kind": [kind] },
                "profile": { "test": test },
                "executable": if exe.is_empty() { serde_json::Value::Null } else { exe.into() },
            })
            .to_string()
        };
        let output = [
            "not json".to_owned(),
            artifact("simplio3d-mock", "lib", false, ""),
            artifact("simplio3d-mock", "bin", true, "/t/deps/simplio3d_mock-abc"),
            artifact("other", "bin", false, "/t/debug/other"),
            artifact("simplio3d-mock", "bin", false, "/t/debug/simplio3d-mock"),
        ]
        .join("\n");
        assert_eq!(
            mock_executable(&output),
            Some(PathBuf::from("/t/debug/simplio3d-mock"))
        );
        assert_eq!(
            mock_executable(&output.replace("\"test\":false", "\"test\":true")),
            None
        );
    }
}
