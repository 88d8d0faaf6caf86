//! The specs the external checkers cover: the vendor's and every fixture the conformance
//! suite has (`tests/fixtures/specs/*.yaml`, each with an optional `*.overlay.yaml`),
//! enumerated the way `tests/build.rs` does, never from a list.

use std::path::{Path, PathBuf};

use anyhow::Context;
use serde_json::Value;
use simplio3d_codegen::{Operation, resolve_ref};

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

impl CheckedSpec {
    /// The schemathesis config (`st --config-file`) for this spec. schemathesis runs every
    /// check by default; this turns some off where the spec or the wire makes a finding
    /// meaningless whatever the server does, each for exactly the operations concerned:
    /// - `status_code_conformance` where an operation declares no status for an invalid
    ///   request (400, 422, `4XX` or `default`; the mock answers those, else 400): refusing
    ///   one has no documented status there (a declared 403 is for credentials);
    /// - `negative_data_rejection` where the body is `multipart/form-data`: parts are text,
    ///   so the "invalid" values schemathesis makes by changing a string's type (the number
    ///   123, the boolean false) arrive as the valid strings "123" and "false";
    /// - `positive_data_acceptance` where a multipart body has an array property: `[]` and a
    ///   missing part are the same bytes (none), which schemathesis counts as valid in one
    ///   phase and invalid in another; the mock calls a missing required part missing.
    ///
    /// The conformance suite's negative tests cover multipart rejection instead.
    pub(crate) fn schemathesis_config(&self, dir: &Path) -> anyhow::Result<PathBuf> {
        let spec = simplio3d_codegen::load_files(&self.spec, self.overlay.as_deref())
            .with_context(|| format!("loading {}", self.spec.display()))?;
        let document = &spec.document;
        let at = |op: &Operation, rest: &str| {
            document.pointer(&format!("{}{rest}", op.pointer.trim_start_matches('#')))
        };
        let multipart_schema = |op: &Operation| {
            at(op, "/requestBody")
                .and_then(|b| resolve_ref(document, b))
                .and_then(|b| b.pointer("/content/multipart~1form-data/schema"))
                .and_then(|s| resolve_ref(document, s))
        };
        let no_rejection_status = |op: &Operation| {
            !at(op, "/responses")
                .and_then(Value::as_object)
                .is_some_and(|r| {
                    r.keys().any(|k| {
                        ["400", "422", "default"].contains(&k.as_str())
                            || k.eq_ignore_ascii_case("4XX")
                    })
                })
        };
        let multipart_array = |op: &Operation| {
            multipart_schema(op)
                .and_then(|s| s.get("properties"))
                .and_then(Value::as_object)
                .is_some_and(|properties| {
                    properties.values().any(|p| {
                        resolve_ref(document, p).and_then(|p| p.get("type"))
                            == Some(&Value::from("array"))
                    })
                })
        };
        let names = |keep: &dyn Fn(&Operation) -> bool| -> Vec<String> {
            spec.operations
                .iter()
                .filter(|op| keep(op))
                .map(|op| {
                    format!(
                        "{:?}",
                        format!("{} {}", op.method.to_ascii_uppercase(), op.path)
                    )
                })
                .collect()
        };
        let mut text = format!(
            "# Written by cargo xtask conformance for {} (see xtask/src/conformance/specs.rs).\n",
            self.spec.display()
        );
        for (comment, operations, check) in [
            (
                "No 400, 422, 4XX or default response declared.",
                names(&no_rejection_status),
                "status_code_conformance",
            ),
            (
                "Multipart bodies: parts are text.",
                names(&|op: &Operation| multipart_schema(op).is_some()),
                "negative_data_rejection",
            ),
            (
                "Multipart array properties.",
                names(&multipart_array),
                "positive_data_acceptance",
            ),
        ] {
            if !operations.is_empty() {
                text.push_str(&format!(
                    "\n# {comment}\n[[operations]]\ninclude-name = [{}]\nchecks.{check}.enabled = false\n",
                    operations.join(", ")
                ));
            }
        }
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
        let path = dir.join(format!("{}.schemathesis.toml", self.name));
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

    #[test]
    fn checks_are_off_only_for_the_operations_concerned() {
        let dir = tempfile::tempdir().expect("tempdir");
        let specs = all(&crate::workspace_root()).expect("specs");
        let config = |name: &str| {
            let spec = specs.iter().find(|s| s.name == name).expect(name);
            std::fs::read_to_string(spec.schemathesis_config(dir.path()).expect("config"))
                .expect("written")
        };
        let vendor = config("vendor");
        assert!(!vendor.contains("status_code_conformance"), "{vendor}");
        assert!(!vendor.contains("positive_data_acceptance"), "{vendor}");
        // Declares 403 but no status for invalid input.
        assert!(config("vendor_future").contains("\"GET /api/open-api/v1/configurators\""));
        // createOrder declares 422; updateOrder no 4xx at all.
        let json = config("json_bodies");
        assert!(json.contains("\"PATCH /orders/{order_id}\""), "{json}");
        assert!(!json.contains("\"POST /orders\""), "{json}");
        // uploadAsset has multipart arrays; replaceThumbnail has none.
        let multipart = config("multipart_uploads");
        let arrays = multipart
            .split("# Multipart array properties.")
            .nth(1)
            .expect("section");
        assert!(
            arrays.contains("\"POST /configurators/{configurator_id}/assets\""),
            "{multipart}"
        );
        assert!(!arrays.contains("thumbnail"), "{multipart}");
    }
}
