//! The specs the external checkers cover: the vendor's and every fixture the conformance
//! suite has (`tests/fixtures/specs/*.yaml`, each with an optional `*.overlay.yaml`),
//! enumerated the way `tests/build.rs` does, never from a list.

use std::path::{Path, PathBuf};

use anyhow::Context;

/// One spec, named as the suite's harness names it (`vendor`, or the fixture's file stem).
#[derive(Clone, Debug)]
pub(crate) struct CheckedSpec {
    pub(crate) name: String,
    pub(crate) spec: PathBuf,
    pub(crate) overlay: Option<PathBuf>,
}

impl CheckedSpec {
    /// `--spec FILE [--overlay FILE]` for `simplio3d-mock`.
    pub(crate) fn mock_args(&self) -> Vec<String> {
        let mut args = vec!["--spec".to_owned(), self.spec.display().to_string()];
        if let Some(overlay) = &self.overlay {
            args.extend(["--overlay".to_owned(), overlay.display().to_string()]);
        }
        args
    }

    /// The document Prism and schemathesis read: the file itself, or, for a spec with an
    /// overlay (which neither tool applies), the overlay-applied normalised document that
    /// our client and mock see, written under `dir`.
    pub(crate) fn document_for_tools(&self, dir: &Path) -> anyhow::Result<PathBuf> {
        let Some(overlay) = &self.overlay else {
            return Ok(self.spec.clone());
        };
        let spec = simplio3d_codegen::load_files(&self.spec, Some(overlay)).with_context(|| {
            format!("loading {} with {}", self.spec.display(), overlay.display())
        })?;
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join(format!("{}.json", self.name));
        let text = serde_json::to_string_pretty(&spec.document)?;
        std::fs::write(&path, text).with_context(|| format!("writing {}", path.display()))?;
        Ok(path)
    }
}

/// The vendor spec first, then the fixtures in name order.
pub(crate) fn all(root: &Path) -> anyhow::Result<Vec<CheckedSpec>> {
    let mut specs = vec![CheckedSpec {
        name: "vendor".into(),
        spec: root.join(simplio3d_codegen::SPEC_PATH),
        overlay: Some(root.join(simplio3d_codegen::OVERLAY_PATH)),
    }];
    let dir = root.join("tests/fixtures/specs");
    let mut fixtures = Vec::new();
    for entry in std::fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
        let path = entry?.path();
        let file = path
            .file_name()
            .map(|f| f.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(stem) = file.strip_suffix(".yaml") else {
            continue;
        };
        if stem.ends_with(".overlay") {
            continue;
        }
        let overlay = dir.join(format!("{stem}.overlay.yaml"));
        fixtures.push(CheckedSpec {
            name: stem.replace('-', "_"),
            spec: path.clone(),
            overlay: overlay.exists().then_some(overlay),
        });
    }
    fixtures.sort_by(|a, b| a.name.cmp(&b.name));
    specs.extend(fixtures);
    Ok(specs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fixture_is_enumerated_with_its_overlay() {
        let specs = all(&crate::workspace_root()).expect("specs");
        assert_eq!(specs[0].name, "vendor");
        assert!(specs.len() >= 9, "{specs:?}");
        let future = specs
            .iter()
            .find(|s| s.name == "vendor_future")
            .expect("vendor_future");
        assert!(future.overlay.is_some());
        assert!(specs.iter().all(|s| !s.name.ends_with("overlay")));
    }
}
