//! `cargo xtask conformance`: external checkers nobody here wrote.
//!
//! 1. Installs pinned tools under `target/conformance-tools/` (skipped when present):
//!    Prism from npm, schemathesis from PyPI in a virtualenv.
//! 2. (a) Runs the conformance suite's vendor-spec calls, through the generated client, against
//!    `prism mock spec/simplio3d.openapi.json`: any `sl-violations` header or non-2xx fails.
//! 3. (b) Runs `st run --checks all` against our mock (`simplio3d-mock`): any finding fails.
//!
//! `--bench` instead measures validated create-session calls per second on our mock and on
//! Prism, same load, same run (see `BENCHMARKS.md`).

use std::io::{BufRead, BufReader};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

mod bench;

/// Prism, pinned.
const PRISM_PACKAGE: &str = "@stoplight/prism-cli@5.16.0";
const PRISM_VERSION: &str = "5.16.0";
/// schemathesis, pinned.
const SCHEMATHESIS_VERSION: &str = "4.32.5";
/// The key our mock is started with and the checkers send.
const KEY: &str = "conformance-key";

/// Arguments of `cargo xtask conformance`.
#[derive(clap::Args)]
pub(crate) struct Args {
    /// Run only one checker.
    #[arg(long, value_enum)]
    only: Option<Checker>,
    /// schemathesis: examples per operation and phase.
    #[arg(long, default_value_t = 100)]
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
    let spec = root.join(simplio3d_codegen::SPEC_PATH);
    let want = |c: Checker| args.only.is_none_or(|only| only == c);

    let prism = if want(Checker::Prism) || args.bench {
        Some(install_prism(&tools)?)
    } else {
        None
    };
    let st = if want(Checker::Schemathesis) && !args.bench {
        Some(install_schemathesis(&tools)?)
    } else {
        None
    };
    let mock_bin = build_mock(&root)?;

    if args.bench {
        let prism = prism.context("prism is installed for --bench")?;
        return bench::run(
            &root,
            &mock_bin,
            &prism,
            &spec,
            args.requests,
            args.concurrency,
        );
    }

    let mut failed = Vec::new();
    if let Some(prism) = prism {
        eprintln!("== Prism {PRISM_VERSION}: the generated client's requests against `prism mock`");
        let server = start_prism(&prism, &spec)?;
        let status = Command::new(cargo())
            .current_dir(&root)
            .args([
                "test",
                "-p",
                "simplio3d-tests",
                "--test",
                "it",
                "--",
                "--ignored",
                "--exact",
            ])
            .arg("conformance::external_prism_reports_no_violations")
            .arg("--nocapture")
            .env("SIMPLIO3D_CONFORMANCE_PRISM_URL", &server.url)
            .status()
            .context("running the conformance test against Prism")?;
        drop(server);
        if !status.success() {
            failed.push("Prism reported violations (see above)");
        }
    }
    if let Some(st) = st {
        eprintln!(
            "== schemathesis {SCHEMATHESIS_VERSION}: `st run --checks all` against simplio3d-mock"
        );
        let server = start_mock(&mock_bin, &[])?;
        // schemathesis keeps its cache in `.schemathesis/` of its working directory.
        let status = Command::new(&st)
            .current_dir(&tools)
            .arg("run")
            .arg(&spec)
            .args(["--url", &server.url, "--checks", "all"])
            // The one check that contradicts the vendor spec: schemathesis insists on 401 for
            // a missing `Authorization` header, but the spec declares only 403 for it, and a
            // 401 would fail `status_code_conformance`. We answer as the spec says.
            .args(["--exclude-checks", "missing_required_header"])
            .args(["--header", &format!("Authorization: {KEY}")])
            .args(["--max-examples", &args.max_examples.to_string()])
            .args(["--seed", "1"])
            .arg("--no-color")
            .env("SCHEMATHESIS_HOOKS", "")
            .status()
            .context("running schemathesis")?;
        drop(server);
        if !status.success() {
            failed.push("schemathesis found failures against our mock (see above)");
        }
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

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// `npm install` Prism into `tools/node` unless that exact version is there.
fn install_prism(tools: &Path) -> anyhow::Result<PathBuf> {
    let prefix = tools.join("node");
    let bin = prefix.join("node_modules/.bin/prism");
    let installed = prefix.join("node_modules/@stoplight/prism-cli/package.json");
    let current = std::fs::read_to_string(&installed).unwrap_or_default();
    if bin.exists() && current.contains(&format!("\"version\": \"{PRISM_VERSION}\"")) {
        return Ok(bin);
    }
    eprintln!("installing {PRISM_PACKAGE} into {}", prefix.display());
    std::fs::create_dir_all(&prefix).with_context(|| format!("creating {}", prefix.display()))?;
    let status = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--prefix"])
        .arg(&prefix)
        .arg(PRISM_PACKAGE)
        .status()
        .context("running npm (is Node.js installed?)")?;
    if !status.success() || !bin.exists() {
        bail!("npm install {PRISM_PACKAGE} failed");
    }
    Ok(bin)
}

/// A virtualenv with schemathesis at `tools/venv` unless that exact version is there.
fn install_schemathesis(tools: &Path) -> anyhow::Result<PathBuf> {
    let venv = tools.join("venv");
    let st = venv.join("bin/st");
    let pip = venv.join("bin/pip");
    let version = Command::new(&pip)
        .args(["show", "schemathesis"])
        .output()
        .ok();
    let current = version
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if st.exists()
        && current
            .lines()
            .any(|l| l.trim() == format!("Version: {SCHEMATHESIS_VERSION}"))
    {
        return Ok(st);
    }
    eprintln!(
        "installing schemathesis=={SCHEMATHESIS_VERSION} into {}",
        venv.display()
    );
    if !pip.exists() {
        let status = Command::new("python3")
            .args(["-m", "venv"])
            .arg(&venv)
            .status()
            .context("running python3 -m venv (is Python 3 installed?)")?;
        if !status.success() {
            bail!("python3 -m venv {} failed", venv.display());
        }
    }
    let status = Command::new(&pip)
        .args([
            "install",
            "--quiet",
            &format!("schemathesis=={SCHEMATHESIS_VERSION}"),
        ])
        .status()
        .context("running pip")?;
    if !status.success() || !st.exists() {
        bail!("pip install schemathesis=={SCHEMATHESIS_VERSION} failed");
    }
    Ok(st)
}

/// Builds `simplio3d-mock` (release: it is also what `--bench` measures).
fn build_mock(root: &Path) -> anyhow::Result<PathBuf> {
    let status = Command::new(cargo())
        .current_dir(root)
        .args([
            "build",
            "--release",
            "-p",
            "simplio3d-mock",
            "--bin",
            "simplio3d-mock",
        ])
        .status()
        .context("building simplio3d-mock")?;
    if !status.success() {
        bail!("cargo build -p simplio3d-mock failed");
    }
    Ok(root.join("target/release/simplio3d-mock"))
}

/// A server process, killed when dropped.
pub(crate) struct Server {
    child: Child,
    pub(crate) url: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Starts our mock on a free port and reads its `listening on URL` line.
pub(crate) fn start_mock(bin: &Path, extra: &[&str]) -> anyhow::Result<Server> {
    let mut child = Command::new(bin)
        .args(["--port", "0", "--api-key", KEY])
        .args(extra)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let stdout = child.stdout.take().context("mock stdout")?;
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .context("reading the mock's first line")?;
    let url = line.trim().strip_prefix("listening on ").map(str::to_owned);
    let server = Server {
        child,
        url: url.clone().unwrap_or_default(),
    };
    match url {
        Some(_) => Ok(server),
        None => bail!("simplio3d-mock printed {line:?}, expected `listening on http://…`"),
    }
}

/// Starts `prism mock` on a free port and waits until it accepts connections.
pub(crate) fn start_prism(prism: &Path, spec: &Path) -> anyhow::Result<Server> {
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port();
    let child = Command::new(prism)
        .args(["mock", "--host", "127.0.0.1", "--port", &port.to_string()])
        .arg(spec)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .with_context(|| format!("starting {}", prism.display()))?;
    let server = Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_err() {
        if Instant::now() > deadline {
            bail!("prism did not listen on 127.0.0.1:{port} within 60 s");
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    Ok(server)
}
