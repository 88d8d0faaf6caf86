//! Collects a call harness (`simplio3d_codegen::generate_harness`) per spec into
//! `$OUT_DIR/harness/`, and writes `$OUT_DIR/harnesses.rs`, which declares one module per
//! spec and `ALL`, the list the conformance suite iterates over.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

pub(crate) struct Harnesses {
    dir: PathBuf,
    modules: String,
    all: String,
}

impl Harnesses {
    pub(crate) fn new(out_dir: &Path) -> Self {
        let dir = out_dir.join("harness");
        if let Err(e) = std::fs::create_dir_all(&dir) {
            println!("cargo::error=cannot create {}: {e}", dir.display());
        }
        Self {
            dir,
            modules: String::new(),
            all: String::new(),
        }
    }

    /// Adds the harness of one spec, whose generated client (`source`) lives at `client_path`.
    pub(crate) fn add(
        &mut self,
        name: &str,
        (spec, overlay): (&Path, Option<&Path>),
        loaded: &simplio3d_codegen::Spec,
        source: &str,
        client_path: &str,
    ) {
        let harness = match simplio3d_codegen::generate_harness(
            loaded,
            source,
            client_path,
            "crate::harness::support",
        ) {
            Ok(harness) => harness,
            Err(e) => {
                println!("cargo::error=harness for {}: {e}", spec.display());
                return;
            }
        };
        let file = self.dir.join(format!("{name}.rs"));
        if let Err(e) = std::fs::write(&file, harness) {
            println!("cargo::error=cannot write {}: {e}", file.display());
        }
        let _ = writeln!(
            self.modules,
            "pub mod {name} {{ include!(concat!(env!(\"OUT_DIR\"), \"/harness/{name}.rs\")); }}"
        );
        let overlay = overlay.map_or_else(
            || "None".to_owned(),
            |o| format!("Some({:?})", o.display().to_string()),
        );
        let _ = writeln!(
            self.all,
            "    super::SpecHarness {{ name: {name:?}, spec: {:?}, overlay: {overlay}, operations: {name}::OPERATIONS, call: {name}::call }},",
            spec.display().to_string()
        );
    }

    pub(crate) fn write(self, out_dir: &Path) {
        let index = format!(
            "{}pub const ALL: &[super::SpecHarness] = &[\n{}];\n",
            self.modules, self.all
        );
        let index_file = out_dir.join("harnesses.rs");
        if let Err(e) = std::fs::write(&index_file, index) {
            println!("cargo::error=cannot write {}: {e}", index_file.display());
        }
    }
}
