//! Generates the client from `spec/` into `$OUT_DIR/client.rs`.
//!
//! The committed snapshot `generated/client.rs` holds the same text for review; a test in
//! this crate fails when the two differ (fix: `cargo xtask regen`).

use std::path::Path;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let spec = root.join(simplio3d_codegen::SPEC_PATH);
    let overlay = root.join(simplio3d_codegen::OVERLAY_PATH);
    println!("cargo::rerun-if-changed={}", spec.display());
    println!("cargo::rerun-if-changed={}", overlay.display());

    let generated = simplio3d_codegen::load_files(&spec, Some(&overlay)).and_then(|loaded| {
        for warning in &loaded.warnings {
            for line in warning.to_string().lines() {
                println!("cargo::warning={line}");
            }
        }
        simplio3d_codegen::generate_with(&loaded, &simplio3d_codegen::Settings::sdk_client())
    });
    match generated {
        Ok(source) => {
            let out = Path::new(&std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"))
                .join("client.rs");
            if let Err(e) = std::fs::write(&out, source) {
                println!("cargo::error=cannot write {}: {e}", out.display());
            }
        }
        Err(e) => println!("cargo::error={e}"),
    }
}
