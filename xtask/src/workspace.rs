//! Where the workspace files are, and how several of them change together or not at all.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;

/// The generated-code snapshot, relative to the workspace root.
pub(crate) const SNAPSHOT_PATH: &str = "crates/simplio3d-client/generated/client.rs";

/// The files the xtask reads and writes, under one root.
pub(crate) struct Workspace {
    root: PathBuf,
}

impl Workspace {
    /// `root`, or the workspace this xtask was built in.
    pub(crate) fn new(root: Option<PathBuf>) -> Self {
        Self {
            root: root.unwrap_or_else(crate::workspace_root),
        }
    }

    pub(crate) fn root(&self) -> &Path {
        &self.root
    }

    pub(crate) fn path(&self, relative: &str) -> PathBuf {
        self.root.join(relative)
    }

    pub(crate) fn spec_path(&self) -> PathBuf {
        self.path(simplio3d_codegen::SPEC_PATH)
    }

    pub(crate) fn overlay_path(&self) -> PathBuf {
        self.path(simplio3d_codegen::OVERLAY_PATH)
    }

    pub(crate) fn snapshot_path(&self) -> PathBuf {
        self.path(SNAPSHOT_PATH)
    }

    /// `[workspace.package] version` of the root manifest (all crates share it).
    pub(crate) fn crate_version(&self) -> String {
        let manifest = fs::read_to_string(self.path("Cargo.toml")).unwrap_or_default();
        let mut in_package = false;
        for line in manifest.lines() {
            let line = line.trim();
            if line.starts_with('[') {
                in_package = line == "[workspace.package]";
            } else if in_package && let Some(value) = line.strip_prefix("version") {
                let value = value
                    .trim_start()
                    .trim_start_matches('=')
                    .trim()
                    .trim_matches('"');
                return value.to_owned();
            }
        }
        "0.0.0".to_owned()
    }
}

/// Writes several files so that either all of them change or none does: each is first
/// written to a temporary file beside it, and only when every write succeeded are they
/// renamed into place (a rename within a directory is atomic).
pub(crate) fn write_all(files: &[(PathBuf, Vec<u8>)]) -> anyhow::Result<()> {
    let mut staged = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        let dir = path
            .parent()
            .filter(|p| !p.as_os_str().is_empty())
            .unwrap_or(Path::new("."));
        let mut temp = tempfile::Builder::new()
            .prefix(".xtask-")
            .tempfile_in(dir)
            .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
        temp.write_all(bytes)
            .and_then(|()| temp.as_file().sync_all())
            .with_context(|| format!("cannot write {}", path.display()))?;
        staged.push((temp, path));
    }
    // Dropping `staged` on an early return above removes every temporary file.
    for (temp, path) in staged {
        temp.persist(path)
            .map_err(|e| anyhow::anyhow!("cannot replace {}: {}", path.display(), e.error))?;
    }
    Ok(())
}
