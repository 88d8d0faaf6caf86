//! Where the workspace files are, and how several of them change together or not at all.

use std::fs;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use tempfile::NamedTempFile;

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
/// written to a temporary file beside it (with the permissions of the file it replaces,
/// 0644 for a new one: a temporary file is created 0600), and only when every write
/// succeeded are they renamed into place. A rename that fails after others succeeded puts
/// those back from the bytes they held, read before anything was written.
pub(crate) fn write_all(files: &[(PathBuf, Vec<u8>)]) -> anyhow::Result<()> {
    write_all_with(files, |temp, path| {
        temp.persist(path).map(drop).map_err(|e| e.error)
    })
}

/// What a target held before: its bytes and permissions, or nothing (a new file).
type Original = Option<(Vec<u8>, fs::Permissions)>;

/// [`write_all`] with the final rename given (tests make it fail).
fn write_all_with(
    files: &[(PathBuf, Vec<u8>)],
    mut persist: impl FnMut(NamedTempFile, &Path) -> std::io::Result<()>,
) -> anyhow::Result<()> {
    let mut originals: Vec<Original> = Vec::with_capacity(files.len());
    for (path, _) in files {
        originals.push(match fs::read(path) {
            Ok(bytes) => Some((bytes, fs::metadata(path)?.permissions())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(e).with_context(|| format!("cannot read {}", path.display()));
            }
        });
    }
    let mut staged = Vec::with_capacity(files.len());
    for ((path, bytes), original) in files.iter().zip(&originals) {
        let permissions = original.as_ref().map(|(_, p)| p.clone());
        staged.push((stage(path, bytes, permissions)?, path));
    }
    // Dropping `staged` on an early return above removes every temporary file.
    let mut replaced: Vec<usize> = Vec::new();
    for (i, (temp, path)) in staged.into_iter().enumerate() {
        if let Err(e) = persist(temp, path) {
            let failed_restores: Vec<String> = replaced
                .iter()
                .rev()
                .filter_map(|&j| restore(&files[j].0, &originals[j]).err())
                .map(|e| format!("{e:#}"))
                .collect();
            if failed_restores.is_empty() {
                anyhow::bail!(
                    "cannot replace {}: {e}; the files already replaced were restored, nothing changed",
                    path.display()
                );
            }
            anyhow::bail!(
                "cannot replace {}: {e}; restoring the files already replaced failed too, check them by hand: {}",
                path.display(),
                failed_restores.join("; ")
            );
        }
        replaced.push(i);
    }
    Ok(())
}

fn stage(
    path: &Path,
    bytes: &[u8],
    permissions: Option<fs::Permissions>,
) -> anyhow::Result<NamedTempFile> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut temp = tempfile::Builder::new()
        .prefix(".xtask-")
        .tempfile_in(dir)
        .with_context(|| format!("cannot create a temporary file in {}", dir.display()))?;
    temp.write_all(bytes)
        .and_then(|()| match permissions.or_else(new_file_permissions) {
            Some(permissions) => fs::set_permissions(temp.path(), permissions),
            None => Ok(()),
        })
        .and_then(|()| temp.as_file().sync_all())
        .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(temp)
}

/// Puts `path` back as it was: its old bytes and permissions, or no file.
fn restore(path: &Path, original: &Original) -> anyhow::Result<()> {
    match original {
        Some((bytes, permissions)) => stage(path, bytes, Some(permissions.clone()))?
            .persist(path)
            .map(drop)
            .map_err(|e| anyhow::anyhow!("cannot restore {}: {}", path.display(), e.error)),
        None => fs::remove_file(path)
            .with_context(|| format!("cannot remove the new {}", path.display())),
    }
}

/// 0644, what `touch` or an editor would make; tempfile's 0600 would hide the spec and
/// snapshot from other users of a shared checkout.
#[cfg(unix)]
fn new_file_permissions() -> Option<fs::Permissions> {
    use std::os::unix::fs::PermissionsExt as _;
    Some(fs::Permissions::from_mode(0o644))
}

#[cfg(not(unix))]
fn new_file_permissions() -> Option<fs::Permissions> {
    None
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt as _;

    fn mode(path: &Path) -> u32 {
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn permissions_are_kept_and_new_files_are_0644() {
        let dir = tempfile::tempdir().unwrap();
        let (script, new) = (dir.path().join("run"), dir.path().join("new.md"));
        fs::write(&script, "old").unwrap();
        fs::set_permissions(&script, fs::Permissions::from_mode(0o755)).unwrap();
        write_all(&[
            (script.clone(), b"new".to_vec()),
            (new.clone(), b"x".to_vec()),
        ])
        .unwrap();
        assert_eq!(fs::read(&script).unwrap(), b"new");
        assert_eq!((mode(&script), mode(&new)), (0o755, 0o644));
    }

    #[test]
    fn a_failed_rename_puts_back_what_was_already_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b, c) = (
            dir.path().join("a"),
            dir.path().join("b"),
            dir.path().join("c"),
        );
        fs::write(&a, "a0").unwrap();
        fs::set_permissions(&a, fs::Permissions::from_mode(0o640)).unwrap();
        let files = [
            (a.clone(), b"a1".to_vec()),
            (b.clone(), b"b1".to_vec()), // new
            (c.clone(), b"c1".to_vec()), // this rename fails
        ];
        let error = write_all_with(&files, |temp, path| {
            if path == c {
                Err(std::io::Error::other("disk on fire"))
            } else {
                temp.persist(path).map(drop).map_err(|e| e.error)
            }
        })
        .unwrap_err();
        let message = format!("{error:#}");
        assert!(
            message.contains("disk on fire") && message.contains("restored"),
            "{message}"
        );
        assert_eq!(fs::read(&a).unwrap(), b"a0");
        assert_eq!(mode(&a), 0o640);
        assert!(!b.exists() && !c.exists());
        let left: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(
            left,
            vec![std::ffi::OsString::from("a")],
            "no temporary file is left"
        );
    }
}
