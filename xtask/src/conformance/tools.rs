//! Installing the pinned checkers under `target/conformance-tools/`, reproducibly: Prism with
//! `npm ci` from the committed `xtask/conformance/package-lock.json`, schemathesis into a
//! virtualenv from the committed, fully pinned `xtask/conformance/requirements.txt`.
//! A tool is reinstalled whenever its committed pin file differs from the copy its install
//! left behind, or when it no longer runs.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};

use super::process::run_bounded;
use super::{PRISM_VERSION, SCHEMATHESIS_VERSION};

/// A registry install that takes longer than this is stuck.
const INSTALL_TIMEOUT: Duration = Duration::from_secs(15 * 60);

fn pins(root: &Path) -> PathBuf {
    root.join("xtask/conformance")
}

/// Whether `file` under `dir` has the same bytes as the committed `pinned`.
fn same(pinned: &Path, installed: &Path) -> bool {
    match (std::fs::read(pinned), std::fs::read(installed)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// `--version` output of `bin`, if it runs.
fn version(bin: &Path) -> Option<String> {
    let output = Command::new(bin).arg("--version").output().ok()?;
    output
        .status
        .success()
        .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
}

/// Prism from the committed lock file, into `tools/node`.
pub(crate) fn install_prism(root: &Path, tools: &Path) -> anyhow::Result<PathBuf> {
    let prefix = tools.join("node");
    let bin = prefix.join("node_modules/.bin/prism");
    let lock = pins(root).join("package-lock.json");
    let manifest = pins(root).join("package.json");
    if same(&lock, &prefix.join("package-lock.json"))
        && version(&bin).is_some_and(|v| v.contains(PRISM_VERSION))
    {
        return Ok(bin);
    }
    eprintln!(
        "installing Prism {PRISM_VERSION} (npm ci, {}) into {}",
        lock.display(),
        prefix.display()
    );
    std::fs::create_dir_all(&prefix).with_context(|| format!("creating {}", prefix.display()))?;
    for file in [&manifest, &lock] {
        let target = prefix.join(file.file_name().context("pin file name")?);
        std::fs::copy(file, &target)
            .with_context(|| format!("copying {} to {}", file.display(), target.display()))?;
    }
    let ok = run_bounded(
        Command::new("npm")
            .args(["ci", "--no-audit", "--no-fund", "--prefix"])
            .arg(&prefix),
        INSTALL_TIMEOUT,
    )
    .context("running npm (is Node.js with npm installed? apt-get install nodejs npm)")?;
    match version(&bin) {
        Some(v) if ok && v.contains(PRISM_VERSION) => Ok(bin),
        other => {
            // Leave no lock copy behind, so the next run installs again.
            let _ = std::fs::remove_file(prefix.join("package-lock.json"));
            bail!("npm ci of Prism {PRISM_VERSION} failed (prism --version: {other:?})")
        }
    }
}

/// schemathesis from the committed requirements, into the virtualenv `tools/venv`.
pub(crate) fn install_schemathesis(root: &Path, tools: &Path) -> anyhow::Result<PathBuf> {
    let venv = tools.join("venv");
    let st = venv.join("bin/st");
    let requirements = pins(root).join("requirements.txt");
    let installed = venv.join("requirements.txt");
    if same(&requirements, &installed)
        && version(&st).is_some_and(|v| v.contains(SCHEMATHESIS_VERSION))
    {
        return Ok(st);
    }
    check_python_venv()?;
    eprintln!(
        "installing schemathesis {SCHEMATHESIS_VERSION} ({}) into {}",
        requirements.display(),
        venv.display()
    );
    // A virtualenv moved from elsewhere has scripts pointing at the old path: start afresh.
    if venv.exists() {
        std::fs::remove_dir_all(&venv).with_context(|| format!("removing {}", venv.display()))?;
    }
    let created = run_bounded(
        Command::new("python3").args(["-m", "venv"]).arg(&venv),
        INSTALL_TIMEOUT,
    )?;
    if !created {
        bail!("python3 -m venv {} failed", venv.display());
    }
    let pip = venv.join("bin/pip");
    // --no-deps: the file pins every package, so pip resolves nothing on its own.
    let ok = run_bounded(
        Command::new(&pip)
            .args([
                "install",
                "--quiet",
                "--disable-pip-version-check",
                "--no-deps",
                "-r",
            ])
            .arg(&requirements),
        INSTALL_TIMEOUT,
    )?;
    if !ok {
        bail!("pip install -r {} failed", requirements.display());
    }
    // The pins must be complete: `pip check` fails when a dependency is missing.
    if !run_bounded(
        Command::new(&pip).args(["check", "--disable-pip-version-check"]),
        INSTALL_TIMEOUT,
    )? {
        bail!(
            "{} is incomplete (pip check failed): regenerate it with pip freeze",
            requirements.display()
        );
    }
    match version(&st) {
        Some(v) if v.contains(SCHEMATHESIS_VERSION) => {
            std::fs::copy(&requirements, &installed)?;
            Ok(st)
        }
        other => {
            bail!("schemathesis {SCHEMATHESIS_VERSION} did not install (st --version: {other:?})")
        }
    }
}

/// Debian and Ubuntu ship `venv` without `ensurepip` unless `python3-venv` is installed; say
/// so instead of letting `python3 -m venv` fail half-way.
fn check_python_venv() -> anyhow::Result<()> {
    let probe = Command::new("python3")
        .args(["-c", "import venv, ensurepip"])
        .output()
        .context("running python3 (is Python 3 installed? apt-get install python3 python3-venv)")?;
    if !probe.status.success() {
        bail!(
            "python3 cannot create virtualenvs (no venv/ensurepip module): install python3-venv \
             (apt-get install python3-venv) and run again\n{}",
            String::from_utf8_lossy(&probe.stderr).trim()
        );
    }
    Ok(())
}
