//! Code generation over the fixture corpus: snapshots of the generated source, errors for
//! documents the generator cannot handle, and the naming rules on the vendor spec.

use std::path::{Path, PathBuf};

use simplio3d_codegen::{Error, load_files};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// `(stem, spec, overlay)` for every file in `dir` ending in `.yaml` that is not an overlay.
fn documents(dir: &Path) -> Vec<(String, PathBuf, Option<PathBuf>)> {
    let mut out: Vec<_> = std::fs::read_dir(dir)
        .expect("fixture dir exists")
        .map(|e| e.expect("readable dir entry").path())
        .filter(|p| {
            p.to_string_lossy().ends_with(".yaml")
                && !p.to_string_lossy().ends_with(".overlay.yaml")
        })
        .map(|p| {
            let stem = p
                .file_stem()
                .expect("file name")
                .to_string_lossy()
                .into_owned();
            let overlay = p.with_file_name(format!("{stem}.overlay.yaml"));
            (stem, p.clone(), overlay.exists().then_some(overlay))
        })
        .collect();
    out.sort();
    out
}

#[test]
fn fixture_snapshots() {
    let fixtures = documents(&fixtures_dir().join("specs"));
    assert!(
        fixtures.len() >= 8,
        "the corpus has {} specs",
        fixtures.len()
    );
    for (stem, spec, overlay) in fixtures {
        let loaded =
            load_files(&spec, overlay.as_deref()).unwrap_or_else(|e| panic!("{stem}: {e}"));
        let source = simplio3d_codegen::generate(&loaded).unwrap_or_else(|e| panic!("{stem}: {e}"));
        // Overwrite with `EXPECTORATE=overwrite cargo test -p simplio3d-tests`, then review the diff.
        expectorate::assert_contents(fixtures_dir().join(format!("snapshots/{stem}.rs")), &source);
    }
}

#[test]
fn generation_is_deterministic() {
    let spec = workspace_root().join(simplio3d_codegen::SPEC_PATH);
    let overlay = workspace_root().join(simplio3d_codegen::OVERLAY_PATH);
    let first =
        simplio3d_codegen::generate(&load_files(&spec, Some(&overlay)).expect("vendor spec loads"));
    let second =
        simplio3d_codegen::generate(&load_files(&spec, Some(&overlay)).expect("vendor spec loads"));
    assert_eq!(first.expect("generates"), second.expect("generates"));
}

/// Each `fixtures/invalid/*.yaml` starts with `# error: <text>`; loading or generating it must
/// fail with an error whose message contains that text (and must not panic).
#[test]
fn unusable_documents_fail_with_what_and_where() {
    let cases = documents(&fixtures_dir().join("invalid"));
    assert!(
        cases.len() >= 8,
        "the invalid corpus has {} documents",
        cases.len()
    );
    for (stem, spec, overlay) in cases {
        let text = std::fs::read_to_string(&spec).expect("readable");
        let expected = text
            .lines()
            .next()
            .and_then(|l| l.strip_prefix("# error: "))
            .unwrap_or_else(|| panic!("{stem}: first line must be `# error: <text>`"));
        let result =
            load_files(&spec, overlay.as_deref()).and_then(|s| simplio3d_codegen::generate(&s));
        let error = result
            .err()
            .unwrap_or_else(|| panic!("{stem}: expected an error containing {expected:?}"));
        let message = error.to_string();
        assert!(
            message.contains(expected),
            "{stem}: {message:?} does not contain {expected:?}"
        );
    }
}

#[test]
fn vendor_hash_operation_ids_never_reach_public_names() {
    let spec = workspace_root().join(simplio3d_codegen::SPEC_PATH);
    // Without the overlay the hash is replaced by the derived name, with a warning that
    // names the overlay action to pin it.
    let loaded = load_files(&spec, None).expect("vendor spec loads");
    assert_eq!(loaded.operations[0].name, "create_session");
    assert_eq!(
        loaded.operations[0].vendor_operation_id.as_deref(),
        Some("40e023f5f250da13f94e48c808d5560c")
    );
    let warning = loaded.warnings.first().expect("a naming warning");
    let action = warning
        .overlay_action
        .as_deref()
        .expect("an overlay action");
    assert!(
        action.contains("$.paths['/api/open-api/v1/auth/create-session'].post"),
        "{action}"
    );
    assert!(action.contains("operationId: createSession"), "{action}");

    let committed = std::fs::read_to_string(
        workspace_root().join("crates/simplio3d-client/generated/client.rs"),
    )
    .expect("snapshot exists");
    let source = simplio3d_codegen::generate(&loaded).expect("generates");
    for text in [committed, source] {
        assert!(
            !text.contains("40e023f5"),
            "a hash leaked into generated names"
        );
        assert!(text.contains("pub async fn create_session"));
    }
}

#[test]
fn the_overlay_pins_names_and_is_strict() {
    let root = workspace_root();
    let loaded = load_files(
        &root.join(simplio3d_codegen::SPEC_PATH),
        Some(&root.join(simplio3d_codegen::OVERLAY_PATH)),
    )
    .expect("vendor spec + overlay load");
    assert!(loaded.warnings.is_empty(), "{:?}", loaded.warnings);
    assert_eq!(loaded.operations[0].name, "create_session");

    let dangling = fixtures_dir().join("invalid/dangling_overlay_target.yaml");
    let overlay = fixtures_dir().join("invalid/dangling_overlay_target.overlay.yaml");
    match load_files(&dangling, Some(&overlay)) {
        Err(Error::OverlayAction { index, .. }) => assert_eq!(index, 1),
        other => panic!("expected an overlay action error, got {other:?}"),
    }
}

/// The spec says things the client does not do: each is a warning with a pointer, and the
/// dropped JSON variant comes with an overlay action that, applied, settles it.
#[test]
fn what_the_client_leaves_out_of_a_multipart_body_is_a_warning() {
    let spec = fixtures_dir().join("specs/multipart_and_json.yaml");
    let loaded = load_files(&spec, None).expect("loads");
    let body = "#/paths/~1notes/post/requestBody/content";
    let encoding = format!("{body}/multipart~1form-data/encoding");
    let pointers: Vec<&str> = loaded.warnings.iter().map(|w| w.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            format!("{body}/application~1json"),
            format!("{encoding}/tags/style"),
            format!("{encoding}/tags/explode"),
            format!("{encoding}/attachment/headers"),
            format!("{encoding}/attachments"),
        ]
    );
    for warning in &loaded.warnings {
        assert!(warning.message.starts_with("POST /notes: "), "{warning}");
    }
    assert!(loaded.warnings[0].message.contains("\"application/json\""));
    assert!(loaded.warnings[3].message.contains("\"X-Checksum\""));
    simplio3d_codegen::generate(&loaded).expect("generates");

    // The suggested action is valid overlay YAML and removes the JSON variant.
    let action = loaded.warnings[0]
        .overlay_action
        .as_deref()
        .expect("an action");
    let overlay =
        format!("overlay: 1.0.0\ninfo: {{ title: t, version: 1.0.0 }}\nactions:\n{action}");
    let overlay = simplio3d_codegen::Source {
        name: "suggested.overlay.yaml".into(),
        bytes: overlay.into_bytes(),
    };
    let source = simplio3d_codegen::Source::read(&spec).expect("readable");
    let settled = simplio3d_codegen::load(&source, Some(&overlay));
    let settled = settled.expect("the action applies");
    assert_eq!(settled.warnings.len(), loaded.warnings.len() - 1);
    assert!(
        settled
            .warnings
            .iter()
            .all(|w| !w.pointer.ends_with("application~1json")),
        "{:?}",
        settled.warnings
    );
}

/// A derived name's suggested overlay action is valid YAML and pins the name, whatever the
/// path holds (quotes, a backslash, a `.`), and the name it pins is the one derived.
#[test]
fn suggested_name_actions_apply_to_awkward_paths() {
    let path = r#"/files/{name}.json/say "hi" it's \ok/items"#;
    let spec = serde_json::json!({
        "openapi": "3.0.0",
        "info": { "title": "Awkward paths", "version": "1" },
        "paths": { path: {
            "get": {
                "operationId": "0cc175b9c0f1b6a831c399e269772661",
                "parameters": [{ "name": "name", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": { "200": { "description": "OK" } }
            },
            "post": {
                "operationId": "92eb5ffee6ae2fec3ad71c777531578f",
                "parameters": [{ "name": "name", "in": "path", "required": true, "schema": { "type": "string" } }],
                "responses": { "200": { "description": "OK" } }
            }
        } }
    });
    let source = simplio3d_codegen::Source {
        name: "awkward.json".into(),
        bytes: serde_json::to_vec(&spec).expect("serialisable"),
    };
    let loaded = simplio3d_codegen::load(&source, None).expect("loads");
    let actions: String = loaded
        .warnings
        .iter()
        .map(|w| w.overlay_action.clone().expect("an action"))
        .collect();
    assert_eq!(loaded.warnings.len(), 2);
    let overlay = simplio3d_codegen::Source {
        name: "pins.overlay.yaml".into(),
        bytes: format!("overlay: 1.0.0\ninfo: {{ title: t, version: 1.0.0 }}\nactions:\n{actions}")
            .into_bytes(),
    };
    let pinned = simplio3d_codegen::load(&source, Some(&overlay)).expect("the actions apply");
    assert!(pinned.warnings.is_empty(), "{:?}", pinned.warnings);
    let names = |s: &simplio3d_codegen::Spec| {
        s.operations
            .iter()
            .map(|o| o.name.clone())
            .collect::<Vec<_>>()
    };
    assert_eq!(names(&pinned), names(&loaded));
}
