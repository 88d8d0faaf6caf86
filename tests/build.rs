//! Generates a client for every fixture spec in `fixtures/specs/` into `$OUT_DIR/fixtures/`,
//! and `$OUT_DIR/fixtures.rs`, which declares one module per fixture, so that every fixture
//! client is compiled (and clippy-checked) with this package.
//!
//! A fixture `name.yaml` may come with an overlay `name.overlay.yaml`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// The conformance suite's call harnesses (`build_harness.rs` beside this file).
#[path = "build_harness.rs"]
mod harness;

fn main() {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let specs_dir = manifest.join("fixtures/specs");
    println!("cargo::rerun-if-changed={}", specs_dir.display());
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let fixtures_out = out_dir.join("fixtures");
    if let Err(e) = std::fs::create_dir_all(&fixtures_out) {
        println!("cargo::error=cannot create {}: {e}", fixtures_out.display());
        return;
    }
    let mut harnesses = harness::Harnesses::new(&out_dir);

    // The vendor spec: its client is `simplio3d-client`; here only its harness is needed.
    let root = manifest.join("..");
    let vendor = (
        root.join(simplio3d_codegen::SPEC_PATH),
        root.join(simplio3d_codegen::OVERLAY_PATH),
    );
    println!("cargo::rerun-if-changed={}", vendor.0.display());
    println!("cargo::rerun-if-changed={}", vendor.1.display());
    // With the settings `simplio3d-client` is built with, so the harness sees its real API.
    let sdk = simplio3d_codegen::Settings::sdk_client();
    match generate(&vendor.0, Some(&vendor.1), &sdk) {
        Ok((loaded, source)) => harnesses.add(
            "vendor",
            (&vendor.0, Some(&vendor.1)),
            &loaded,
            &source,
            "::simplio3d_client",
        ),
        Err(e) => println!("cargo::error=vendor spec: {e}"),
    }

    let mut index = String::new();
    for (name, spec, overlay) in fixtures(&specs_dir) {
        println!("cargo::rerun-if-changed={}", spec.display());
        match generate(&spec, overlay.as_deref(), &Default::default()) {
            Ok((loaded, source)) => {
                let file = fixtures_out.join(format!("{name}.rs"));
                if let Err(e) = std::fs::write(&file, &source) {
                    println!("cargo::error=cannot write {}: {e}", file.display());
                }
                let _ = writeln!(
                    index,
                    "#[doc = \"Client generated from `fixtures/specs/{name}.yaml`.\"]\npub mod {name} {{ include!(concat!(env!(\"OUT_DIR\"), \"/fixtures/{name}.rs\")); }}"
                );
                let client_path = format!("crate::fixtures::{name}");
                harnesses.add(
                    &name,
                    (&spec, overlay.as_deref()),
                    &loaded,
                    &source,
                    &client_path,
                );
            }
            Err(e) => println!("cargo::error=fixture {}: {e}", spec.display()),
        }
    }
    harnesses.write(&out_dir);
    let index_file = out_dir.join("fixtures.rs");
    if let Err(e) = std::fs::write(&index_file, index) {
        println!("cargo::error=cannot write {}: {e}", index_file.display());
    }
}

fn generate(
    spec: &Path,
    overlay: Option<&Path>,
    settings: &simplio3d_codegen::Settings,
) -> simplio3d_codegen::Result<(simplio3d_codegen::Spec, String)> {
    let loaded = simplio3d_codegen::load_files(spec, overlay)?;
    let source = simplio3d_codegen::generate_with(&loaded, settings)?;
    Ok((loaded, source))
}

/// `(module name, spec, overlay)` for every `*.yaml` fixture that is not itself an overlay.
fn fixtures(dir: &Path) -> Vec<(String, PathBuf, Option<PathBuf>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|entry| entry.path())
        .filter(|p| {
            p.extension().is_some_and(|e| e == "yaml")
                && !p.to_string_lossy().ends_with(".overlay.yaml")
        })
        .map(|spec| {
            let stem = spec
                .file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default();
            let overlay = spec.with_file_name(format!("{stem}.overlay.yaml"));
            let overlay = overlay.exists().then_some(overlay);
            (stem.replace('-', "_"), spec, overlay)
        })
        .collect();
    out.sort();
    out
}
