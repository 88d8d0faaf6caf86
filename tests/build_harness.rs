//! Writes a call harness (`simplio3d_codegen::generate_harness`) for the vendor spec and for
//! every fixture spec into `$OUT_DIR/harness/`, and `$OUT_DIR/harnesses.rs`, which declares
//! one module per spec and `ALL`, the list the conformance suite iterates over.

use std::fmt::Write as _;
use std::path::Path;

pub(crate) fn emit(manifest: &Path, specs_dir: &Path, out_dir: &Path) {
    let dir = out_dir.join("harness");
    if let Err(e) = std::fs::create_dir_all(&dir) {
        println!("cargo::error=cannot create {}: {e}", dir.display());
        return;
    }
    let root = manifest
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| manifest.to_path_buf());
    let vendor_spec = root.join(simplio3d_codegen::SPEC_PATH);
    let vendor_overlay = root.join(simplio3d_codegen::OVERLAY_PATH);
    println!("cargo::rerun-if-changed={}", vendor_spec.display());
    println!("cargo::rerun-if-changed={}", vendor_overlay.display());

    let mut specs = vec![(
        "vendor".to_owned(),
        vendor_spec,
        Some(vendor_overlay),
        "::simplio3d_client".to_owned(),
    )];
    for (name, spec, overlay) in super::fixtures(specs_dir) {
        let client = format!("crate::fixtures::{name}");
        specs.push((name, spec, overlay, client));
    }

    let mut index = String::new();
    let mut all = String::from("pub const ALL: &[super::SpecHarness] = &[\n");
    for (name, spec, overlay, client) in specs {
        let harness = simplio3d_codegen::load_files(&spec, overlay.as_deref()).and_then(|loaded| {
            let source = simplio3d_codegen::generate(&loaded)?;
            simplio3d_codegen::generate_harness(
                &loaded,
                &source,
                &client,
                "crate::harness::support",
            )
        });
        let harness = match harness {
            Ok(harness) => harness,
            Err(e) => {
                println!("cargo::error=harness for {}: {e}", spec.display());
                continue;
            }
        };
        let file = dir.join(format!("{name}.rs"));
        if let Err(e) = std::fs::write(&file, harness) {
            println!("cargo::error=cannot write {}: {e}", file.display());
        }
        let _ = writeln!(
            index,
            "pub mod {name} {{ include!(concat!(env!(\"OUT_DIR\"), \"/harness/{name}.rs\")); }}"
        );
        let overlay = overlay.map_or_else(
            || "None".to_owned(),
            |o| format!("Some({:?})", o.display().to_string()),
        );
        let _ = writeln!(
            all,
            "    super::SpecHarness {{ name: {name:?}, spec: {:?}, overlay: {overlay}, operations: {name}::OPERATIONS, call: {name}::call }},",
            spec.display().to_string()
        );
    }
    all.push_str("];\n");
    index.push_str(&all);
    let index_file = out_dir.join("harnesses.rs");
    if let Err(e) = std::fs::write(&index_file, index) {
        println!("cargo::error=cannot write {}: {e}", index_file.display());
    }
}
