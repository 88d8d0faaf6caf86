//! `cargo xtask regen` against temporary copies of the workspace files (`--root`), never
//! the real spec/. URL intake is tested against loopback servers: normal, slow, huge,
//! error status and a non-OpenAPI answer; every failure must leave the copy untouched.

use std::collections::BTreeMap;
use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

const SPEC: &str = "spec/simplio3d.openapi.json";
const OVERLAY: &str = "spec/overlay.yaml";
const SNAPSHOT: &str = "crates/simplio3d-client/generated/client.rs";

fn real_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .unwrap()
        .to_owned()
}

/// A temporary workspace: the real spec and overlay, a README and .ci/run that agree,
/// no snapshot yet.
fn workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("spec")).unwrap();
    std::fs::create_dir_all(dir.path().join("crates/simplio3d-client/generated")).unwrap();
    std::fs::create_dir_all(dir.path().join(".ci")).unwrap();
    for file in [SPEC, OVERLAY] {
        std::fs::copy(real_root().join(file), dir.path().join(file)).unwrap();
    }
    std::fs::write(
        dir.path().join("README.md"),
        "# SDK\n\n```sh\ncargo run -p simplio3d-cli -- create-session --mock --configurator-id demo --domain shop.example.com\ncargo test --workspace\n```\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join(".ci/run"),
        "#!/bin/sh\nset -e\ncargo test --workspace\n",
    )
    .unwrap();
    dir
}

/// Every file under `root` with its bytes: "nothing changed" means this is equal.
fn snapshot_of(root: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut stack = vec![root.to_owned()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(
                    path.strip_prefix(root).unwrap().to_owned(),
                    std::fs::read(&path).unwrap(),
                );
            }
        }
    }
    files
}

/// Runs the xtask with `--root`; a hang becomes a test failure instead of a stuck run.
fn regen(root: &Path, args: &[&str]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_xtask"))
        .arg("regen")
        .args(args)
        .arg("--root")
        .arg(root)
        .env_remove("XTASK_ROOT")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > Duration::from_secs(120) {
            child.kill().unwrap();
            panic!("xtask regen {args:?} hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// The vendor spec with one more operation (hash operationId, like the vendor's).
fn spec_with_new_operation() -> Vec<u8> {
    let mut spec: Value =
        serde_json::from_slice(&std::fs::read(real_root().join(SPEC)).unwrap()).unwrap();
    spec["paths"]["/api/open-api/v1/configurators/{id}"] = json!({
        "get": {
            "operationId": "5d41402abc4b2a76b9719d911017c592",
            "parameters": [{"name": "id", "in": "path", "required": true, "schema": {"type": "string"}}],
            "responses": {"200": {"description": "ok", "content": {"application/json": {"schema": {
                "type": "object", "properties": {"name": {"type": "string"}}
            }}}}}
        }
    });
    serde_json::to_vec(&spec).unwrap()
}

fn write_temp(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn check_fails_before_and_passes_after_a_spec_edit() {
    let ws = workspace();
    let root = ws.path();

    let first = regen(root, &[]);
    assert!(first.status.success(), "{}", text(&first.stderr));
    assert!(
        text(&first.stdout).contains(&format!("wrote {SNAPSHOT}")),
        "{}",
        text(&first.stdout)
    );
    let check = regen(root, &["--check"]);
    assert_eq!(check.status.code(), Some(0), "{}", text(&check.stderr));
    assert!(text(&check.stdout).contains("up to date"));

    // A hand edit of spec/: --check fails, says how to fix it, and changes nothing.
    std::fs::write(root.join(SPEC), spec_with_new_operation()).unwrap();
    let before = snapshot_of(root);
    let check = regen(root, &["--check"]);
    assert_eq!(check.status.code(), Some(1));
    let stderr = text(&check.stderr);
    assert!(
        stderr.contains(&format!("stale: {SNAPSHOT}"))
            && stderr.contains("run `cargo xtask regen`"),
        "{stderr}"
    );
    assert!(
        text(&check.stdout).contains(&format!("+++ b/{SNAPSHOT}")),
        "the check shows the code diff"
    );
    assert_eq!(snapshot_of(root), before, "--check must not write");

    let update = regen(root, &[]);
    assert!(update.status.success(), "{}", text(&update.stderr));
    let stdout = text(&update.stdout);
    assert!(
        stdout.contains("+    pub async fn get_configurators_by_id"),
        "{stdout}"
    );
    assert!(regen(root, &["--check"]).status.success());
}

#[test]
fn spec_intake_replaces_spec_byte_for_byte_and_reports_the_api_change() {
    let ws = workspace();
    let root = ws.path();
    assert!(regen(root, &[]).status.success());
    let incoming = tempfile::tempdir().unwrap();
    let new_spec = write_temp(
        incoming.path(),
        "vendor-v2.json",
        &spec_with_new_operation(),
    );

    let check = regen(root, &["--check", "--spec", new_spec.to_str().unwrap()]);
    assert_eq!(
        check.status.code(),
        Some(1),
        "spec/ differs from the new document"
    );
    assert!(
        text(&check.stderr).contains(&format!(
            "fix: run `cargo xtask regen --spec {}`",
            new_spec.display()
        )),
        "{}",
        text(&check.stderr)
    );

    let update = regen(
        root,
        &[
            "--spec",
            new_spec.to_str().unwrap(),
            "--changelog",
            "CHANGELOG.md",
        ],
    );
    assert!(update.status.success(), "{}", text(&update.stderr));
    let stdout = text(&update.stdout);
    assert!(
        stdout.contains("operation-added") && stdout.contains("NON-BREAKING"),
        "{stdout}"
    );
    assert!(
        stdout.contains("0.1.0 → 0.1.1") || stdout.contains("0.0.0 → 0.0.1"),
        "{stdout}"
    );
    let stderr = text(&update.stderr);
    assert!(
        stderr.contains("warning:") && stderr.contains("operationId: getConfiguratorsById"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read(root.join(SPEC)).unwrap(),
        std::fs::read(&new_spec).unwrap()
    );
    let changelog = std::fs::read_to_string(root.join("CHANGELOG.md")).unwrap();
    assert!(
        changelog.starts_with("# Changelog\n\n## API changes"),
        "{changelog}"
    );
    assert!(changelog.contains("`operation-added`"), "{changelog}");
    assert!(regen(root, &["--check"]).status.success());
}

#[test]
fn overlay_stubs_pin_the_derived_names() {
    let ws = workspace();
    let root = ws.path();
    let incoming = tempfile::tempdir().unwrap();
    let new_spec = write_temp(incoming.path(), "v2.json", &spec_with_new_operation());
    let update = regen(
        root,
        &[
            "--spec",
            new_spec.to_str().unwrap(),
            "--write-overlay-stubs",
        ],
    );
    assert!(update.status.success(), "{}", text(&update.stderr));
    let overlay = std::fs::read_to_string(root.join(OVERLAY)).unwrap();
    assert!(overlay.contains("--write-overlay-stubs"), "{overlay}");
    assert!(
        overlay.contains("$.paths['/api/open-api/v1/configurators/{id}'].get"),
        "{overlay}"
    );
    // Pinned: no naming warning any more, and everything is up to date.
    let check = regen(root, &["--check"]);
    assert!(check.status.success(), "{}", text(&check.stderr));
    assert!(
        !text(&check.stderr).contains("warning:"),
        "{}",
        text(&check.stderr)
    );
}

#[test]
fn unusable_documents_leave_the_workspace_untouched() {
    let ws = workspace();
    let root = ws.path();
    assert!(regen(root, &[]).status.success());
    let before = snapshot_of(root);
    let incoming = tempfile::tempdir().unwrap();

    let swagger = write_temp(
        incoming.path(),
        "swagger.json",
        br#"{"swagger":"2.0","info":{"title":"x","version":"1"},"paths":{}}"#,
    );
    let out = regen(root, &["--spec", swagger.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("nothing in the workspace changed") && stderr.contains("Swagger 2.0"),
        "{stderr}"
    );

    // The vendor renamed the path our overlay names: the dangling action is named.
    let mut moved: Value =
        serde_json::from_slice(&std::fs::read(root.join(SPEC)).unwrap()).unwrap();
    let item = moved["paths"]
        .as_object_mut()
        .unwrap()
        .remove("/api/open-api/v1/auth/create-session")
        .unwrap();
    moved["paths"]["/api/open-api/v2/auth/create-session"] = item;
    let moved = write_temp(
        incoming.path(),
        "moved.json",
        &serde_json::to_vec(&moved).unwrap(),
    );
    let out = regen(root, &["--spec", moved.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("actions[0]") && stderr.contains("fix or remove that action"),
        "{stderr}"
    );

    let missing = regen(root, &["--spec", "/nonexistent/spec.json"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("/nonexistent/spec.json"));

    assert_eq!(snapshot_of(root), before);
}

#[test]
fn check_reports_a_stale_readme() {
    let ws = workspace();
    let root = ws.path();
    assert!(regen(root, &[]).status.success());
    std::fs::write(
        root.join("README.md"),
        "# SDK\n\n```sh\ncargo xtask frobnicate\ncargo test -p simplio3d-tests\ncargo xtask regen --chek   # a typo\n```\n",
    )
    .unwrap();
    let check = regen(root, &["--check"]);
    assert_eq!(check.status.code(), Some(1));
    let stderr = text(&check.stderr);
    assert!(
        stderr.contains("`cargo xtask frobnicate`, which is not a task"),
        "{stderr}"
    );
    assert!(
        stderr.contains("test command `cargo test -p simplio3d-tests` is not what .ci/run runs"),
        "{stderr}"
    );
    assert!(
        stderr.contains("`cargo xtask regen --chek` would fail") && !stderr.contains("a typo"),
        "{stderr}"
    );
    assert!(stderr.contains("edit README.md"), "{stderr}");
}

// ---- URL intake against loopback servers ---------------------------------------------

/// Serves each connection with `respond` (after reading the request head) on 127.0.0.1.
fn serve(respond: impl Fn(&mut TcpStream) + Send + Sync + 'static) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let address = listener.local_addr().unwrap();
    let respond = std::sync::Arc::new(respond);
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let respond = respond.clone();
            std::thread::spawn(move || {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") && stream.read(&mut byte).is_ok_and(|n| n == 1) {
                    head.push(byte[0]);
                }
                respond(&mut stream);
            });
        }
    });
    format!("http://{address}/simplio3d.openapi.json")
}

fn respond_with(
    status: &str,
    content_type: &str,
    body: Vec<u8>,
) -> impl Fn(&mut TcpStream) + Send + Sync + 'static {
    let status = status.to_owned();
    let content_type = content_type.to_owned();
    move |stream: &mut TcpStream| {
        let head = format!(
            "HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let _ = stream.write_all(head.as_bytes());
        let _ = stream.write_all(&body);
    }
}

#[test]
fn url_intake_takes_the_document() {
    let ws = workspace();
    let root = ws.path();
    let body = spec_with_new_operation();
    let url = serve(respond_with("200 OK", "application/json", body.clone()));
    let out = regen(root, &["--spec", &url]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(std::fs::read(root.join(SPEC)).unwrap(), body);
}

#[test]
fn url_intake_failures_are_clear_and_change_nothing() {
    let ws = workspace();
    let root = ws.path();
    assert!(regen(root, &[]).status.success());
    let before = snapshot_of(root);

    // Slow: headers never come. Bounded by --fetch-timeout.
    let slow = serve(|_stream: &mut TcpStream| std::thread::sleep(Duration::from_secs(60)));
    let out = regen(root, &["--spec", &slow, "--fetch-timeout", "1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("timed out"),
        "{}",
        text(&out.stderr)
    );

    // Trickle: a body that never ends, one byte at a time, within the same deadline.
    let trickle = serve(|stream: &mut TcpStream| {
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n{",
        );
        while stream.write_all(b" ").is_ok() {
            std::thread::sleep(Duration::from_millis(100));
        }
    });
    let out = regen(root, &["--spec", &trickle, "--fetch-timeout", "1"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("timed out"),
        "{}",
        text(&out.stderr)
    );

    // Huge, announced: refused from Content-Length.
    let huge = serve(respond_with(
        "200 OK",
        "application/json",
        vec![b' '; 2 * 1024 * 1024],
    ));
    let out = regen(root, &["--spec", &huge, "--max-spec-bytes", "1048576"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("over the 1048576-byte limit"),
        "{}",
        text(&out.stderr)
    );

    // Huge, unannounced: cut off while streaming.
    let endless = serve(|stream: &mut TcpStream| {
        let _ = stream.write_all(
            b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n",
        );
        let chunk = vec![b' '; 64 * 1024];
        while stream.write_all(&chunk).is_ok() {}
    });
    let out = regen(root, &["--spec", &endless, "--max-spec-bytes", "1048576"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("over the 1048576-byte limit"),
        "{}",
        text(&out.stderr)
    );

    // Not OpenAPI: an HTML page with 200.
    let html = serve(respond_with(
        "200 OK",
        "text/html",
        b"<!doctype html><html><body>Maintenance</body></html>".to_vec(),
    ));
    let out = regen(root, &["--spec", &html]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("is not usable") && stderr.contains("nothing in the workspace changed"),
        "{stderr}"
    );

    // An error status.
    let missing = serve(respond_with("404 Not Found", "text/plain", b"no".to_vec()));
    let out = regen(root, &["--spec", &missing]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("HTTP 404"),
        "{}",
        text(&out.stderr)
    );

    // Not http(s).
    let out = regen(root, &["--spec", "ftp://127.0.0.1/spec.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("unsupported URL scheme `ftp`"),
        "{}",
        text(&out.stderr)
    );

    // Credentials and a query token never reach the messages.
    let secret = missing.replacen("http://", "http://user:hunter2@", 1) + "?token=s3cr3t";
    let out = regen(root, &["--spec", &secret]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(stderr.contains("HTTP 404"), "{stderr}");
    assert!(
        !stderr.contains("hunter2") && !stderr.contains("s3cr3t") && !stderr.contains("user:"),
        "{stderr}"
    );
    let unreachable = "http://user:hunter2@127.0.0.1:9/spec.json?token=s3cr3t";
    let out = regen(root, &["--spec", unreachable, "--fetch-timeout", "2"]);
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        !stderr.contains("hunter2") && !stderr.contains("s3cr3t"),
        "{stderr}"
    );

    // A zero timeout or size limit is refused up front, not reported as "timed out".
    for (flag, value) in [("--fetch-timeout", "0"), ("--max-spec-bytes", "0")] {
        let out = regen(root, &["--spec", &missing, flag, value]);
        assert_eq!(out.status.code(), Some(2), "{flag} {value}");
        let stderr = text(&out.stderr);
        assert!(
            stderr.contains(flag) && stderr.contains("invalid value"),
            "{stderr}"
        );
    }

    assert_eq!(snapshot_of(root), before, "a failed intake changes nothing");
}

/// `regen --spec SPEC`, with `--changelog CHANGELOG.md` when asked.
fn intake(root: &Path, spec: &Path, with_changelog: bool) -> Output {
    let mut args = vec!["--spec", spec.to_str().unwrap()];
    if with_changelog {
        args.extend(["--changelog", "CHANGELOG.md"]);
    }
    regen(root, &args)
}

#[test]
fn changelog_entries_are_not_empty_nor_repeated_and_history_is_never_lost() {
    let ws = workspace();
    let root = ws.path();
    let incoming = tempfile::tempdir().unwrap();
    let v1 = write_temp(
        incoming.path(),
        "v1.json",
        &std::fs::read(root.join(SPEC)).unwrap(),
    );
    let v2 = write_temp(incoming.path(), "v2.json", &spec_with_new_operation());
    let changelog = root.join("CHANGELOG.md");

    // No API change: no entry, no file.
    let out = regen(root, &["--changelog", "CHANGELOG.md"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(!changelog.exists(), "an empty report adds no entry");

    // v1 → v2 once; back to v1 without a changelog; v1 → v2 again: still one entry.
    let take = |spec: &Path, with_changelog: bool| {
        let out = intake(root, spec, with_changelog);
        assert!(out.status.success(), "{}", text(&out.stderr));
        text(&out.stdout)
    };
    take(&v2, true);
    take(&v1, false);
    let again = take(&v2, true);
    assert!(again.contains("already has an entry"), "{again}");
    let entries = std::fs::read_to_string(&changelog).unwrap();
    assert_eq!(entries.matches("## API changes").count(), 1, "{entries}");

    // An existing CHANGELOG that is not UTF-8 is never rewritten, and nothing else changes.
    take(&v1, false);
    std::fs::write(&changelog, b"# Changelog\n\n\xff\xfe old history\n").unwrap();
    let before = snapshot_of(root);
    let out = regen(
        root,
        &[
            "--spec",
            v2.to_str().unwrap(),
            "--changelog",
            "CHANGELOG.md",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("not UTF-8"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(snapshot_of(root), before);
}

#[cfg(unix)]
#[test]
fn written_files_keep_their_permissions() {
    use std::os::unix::fs::PermissionsExt as _;
    let ws = workspace();
    let root = ws.path();
    let mode = |p: &str| {
        std::fs::metadata(root.join(p))
            .unwrap()
            .permissions()
            .mode()
            & 0o777
    };
    std::fs::set_permissions(root.join(SPEC), std::fs::Permissions::from_mode(0o664)).unwrap();
    let incoming = tempfile::tempdir().unwrap();
    let v2 = write_temp(incoming.path(), "v2.json", &spec_with_new_operation());
    let out = intake(root, &v2, true);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(mode(SPEC), 0o664, "a replaced file keeps its mode");
    assert_eq!(
        mode(SNAPSHOT),
        0o644,
        "a new file is 0644, not tempfile's 0600"
    );
    assert_eq!(mode("CHANGELOG.md"), 0o644);
}
