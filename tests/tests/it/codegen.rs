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
    let generate = || {
        simplio3d_codegen::generate_with(
            &load_files(&spec, Some(&overlay)).expect("vendor spec loads"),
            &simplio3d_codegen::Settings::sdk_client(),
        )
    };
    let (first, second) = (generate(), generate());
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

/// swagger-php style ids: 12 or more hex digits (broader than the generator's own rule, so
/// that a narrowed rule there cannot hide a leak here).
fn looks_like_a_hash(id: &str) -> bool {
    id.len() >= 12 && id.chars().all(|c| c.is_ascii_hexdigit())
}

/// Every spec the suite knows: the vendor's (with and without our overlay) and each fixture
/// (with its overlay, and without it when it has one).
fn every_spec() -> Vec<(String, PathBuf, Option<PathBuf>)> {
    let vendor = workspace_root().join(simplio3d_codegen::SPEC_PATH);
    let overlay = workspace_root().join(simplio3d_codegen::OVERLAY_PATH);
    let mut out = vec![
        ("vendor".to_owned(), vendor.clone(), Some(overlay)),
        ("vendor without overlay".to_owned(), vendor, None),
    ];
    for (stem, spec, overlay) in documents(&fixtures_dir().join("specs")) {
        if overlay.is_some() {
            out.push((format!("{stem} without overlay"), spec.clone(), None));
        }
        out.push((stem, spec, overlay));
    }
    out
}

/// No hash operationId of any spec reaches the generated source, neither whole nor by the
/// 8-digit prefix a shortened name would keep.
#[test]
fn hash_operation_ids_never_reach_generated_names() {
    let mut hashes_seen = 0;
    for (name, spec, overlay) in every_spec() {
        let loaded =
            load_files(&spec, overlay.as_deref()).unwrap_or_else(|e| panic!("{name}: {e}"));
        let source = simplio3d_codegen::generate(&loaded).unwrap_or_else(|e| panic!("{name}: {e}"));
        for op in &loaded.operations {
            let Some(id) = op
                .vendor_operation_id
                .as_deref()
                .filter(|id| looks_like_a_hash(id))
            else {
                continue;
            };
            hashes_seen += 1;
            assert!(
                !looks_like_a_hash(&op.name),
                "{name}: {} is named {}",
                op.label(),
                op.name
            );
            for needle in [id, &id[..8]] {
                assert!(
                    !source.contains(needle),
                    "{name}: the hash {id} of {} leaked into the generated source",
                    op.label()
                );
            }
        }
    }
    assert!(
        hashes_seen >= 8,
        "only {hashes_seen} hash operationIds in the corpus"
    );

    // The committed vendor snapshot too.
    let committed = std::fs::read_to_string(
        workspace_root().join("crates/simplio3d-client/generated/client.rs"),
    )
    .expect("snapshot exists");
    let vendor = load_files(&workspace_root().join(simplio3d_codegen::SPEC_PATH), None)
        .expect("vendor spec loads");
    for op in &vendor.operations {
        if let Some(id) = op
            .vendor_operation_id
            .as_deref()
            .filter(|id| looks_like_a_hash(id))
        {
            assert!(
                !committed.contains(&id[..8]),
                "{id} leaked into the snapshot"
            );
        }
    }
}

/// Without the overlay the vendor's hash is replaced by the derived name, with a warning
/// that names the overlay action to pin it.
#[test]
fn the_vendor_hash_gets_a_derived_name_and_a_pinning_action() {
    let spec = workspace_root().join(simplio3d_codegen::SPEC_PATH);
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
    let source = simplio3d_codegen::generate(&loaded).expect("generates");
    assert!(source.contains("pub async fn create_session"));
}

/// A snapshot whose fixture was removed or renamed would otherwise linger unchecked.
#[test]
fn every_snapshot_has_its_fixture() {
    let stems: Vec<String> = documents(&fixtures_dir().join("specs"))
        .into_iter()
        .map(|(stem, _, _)| stem)
        .collect();
    for entry in std::fs::read_dir(fixtures_dir().join("snapshots")).expect("snapshot dir") {
        let path = entry.expect("readable dir entry").path();
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        assert!(
            path.extension().is_some_and(|e| e == "rs") && stem.is_some_and(|s| stems.contains(&s)),
            "{} has no fixture spec in fixtures/specs/; delete it",
            path.display()
        );
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
/// dropped JSON variants come with overlay actions that, applied, settle them.
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
            "#/components/requestBodies/Comment/content/application~1json".to_owned(),
        ]
    );
    for warning in &loaded.warnings[..5] {
        assert!(warning.message.starts_with("POST /notes: "), "{warning}");
    }
    assert!(loaded.warnings[0].message.contains("\"application/json\""));
    assert!(loaded.warnings[3].message.contains("\"X-Checksum\""));
    simplio3d_codegen::generate(&loaded).expect("generates");

    // The suggested actions are valid overlay YAML and remove the JSON variants.
    let actions: String = loaded
        .warnings
        .iter()
        .filter_map(|w| w.overlay_action.clone())
        .collect();
    let overlay = simplio3d_codegen::Source {
        name: "suggested.overlay.yaml".into(),
        bytes: format!("overlay: 1.0.0\ninfo: {{ title: t, version: 1.0.0 }}\nactions:\n{actions}")
            .into_bytes(),
    };
    let source = simplio3d_codegen::Source::read(&spec).expect("readable");
    let settled = simplio3d_codegen::load(&source, Some(&overlay)).expect("the actions apply");
    let left: Vec<&str> = settled
        .warnings
        .iter()
        .map(|w| w.pointer.as_str())
        .collect();
    assert_eq!(left, pointers[1..5]);
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
