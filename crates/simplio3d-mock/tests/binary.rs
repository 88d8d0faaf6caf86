//! The `simplio3d-mock` binary as scripts run it: the URL on stdout's first line, `--spec`
//! and `--overlay`, `--api-key`, `--max-body-bytes`, and a clear error for a bad spec.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const BIN: &str = env!("CARGO_BIN_EXE_simplio3d-mock");
/// How long the binary may take to print its URL before the test gives up (not a timing claim).
const STARTUP: Duration = Duration::from_secs(30);
const CREATE_SESSION: &str = "/api/open-api/v1/auth/create-session";

/// A running mock process, killed when dropped.
struct Running {
    child: Child,
    url: String,
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../tests/fixtures/specs")
        .join(name)
}

fn start(args: &[&str]) -> Running {
    let mut child = Command::new(BIN)
        .args(["--port", "0"])
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("the binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let mut running = Running {
        child,
        url: String::new(),
    };
    let line = rx.recv_timeout(STARTUP).expect("a first stdout line");
    running.url = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap_or_else(|| panic!("first line {line:?}"))
        .to_owned();
    running
}

fn session_form() -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("id", "demo")
        .text("domain_name", "shop.example.com")
}

#[tokio::test]
async fn port_zero_prints_a_loopback_url_and_the_api_key_is_enforced() {
    let mock = start(&["--api-key", "right-key"]);
    assert!(mock.url.starts_with("http://127.0.0.1:"), "{}", mock.url);
    let http = reqwest::Client::new();
    let url = format!("{}{CREATE_SESSION}", mock.url);
    let wrong = http
        .post(&url)
        .header("authorization", "wrong-key")
        .multipart(session_form())
        .send()
        .await
        .expect("answered");
    assert_eq!(wrong.status(), 403);
    let right = http
        .post(&url)
        .header("authorization", "right-key")
        .multipart(session_form())
        .send()
        .await
        .expect("answered");
    assert_eq!(right.status(), 200);
}

#[tokio::test]
async fn spec_and_overlay_are_served() {
    let mock = start(&[
        "--spec",
        fixture("no_content.yaml").to_str().expect("utf-8 path"),
    ]);
    let http = reqwest::Client::new();
    let deleted = http
        .delete(format!("{}/share-links/abc", mock.url))
        .send()
        .await
        .expect("answered");
    assert_eq!(deleted.status(), 204);
    let vendor_path = http
        .post(format!("{}{CREATE_SESSION}", mock.url))
        .send()
        .await
        .expect("answered");
    assert_eq!(vendor_path.status(), 404, "not the embedded vendor spec");

    let future = start(&[
        "--spec",
        fixture("vendor_future.yaml").to_str().expect("utf-8 path"),
        "--overlay",
        fixture("vendor_future.overlay.yaml")
            .to_str()
            .expect("utf-8 path"),
    ]);
    let listed = http
        .get(format!("{}/api/open-api/v1/configurators", future.url))
        .header("authorization", "any-key")
        .send()
        .await
        .expect("answered");
    assert_eq!(listed.status(), 200);
}

#[tokio::test]
async fn max_body_bytes_is_413() {
    let mock = start(&["--max-body-bytes", "64"]);
    let response = reqwest::Client::new()
        .post(format!("{}{CREATE_SESSION}", mock.url))
        .header("authorization", "key")
        .header("content-type", "multipart/form-data; boundary=XX")
        .body(vec![b'x'; 65])
        .send()
        .await
        .expect("answered");
    assert_eq!(response.status(), 413);
}

#[test]
fn a_missing_spec_file_is_a_clear_error() {
    let output = Command::new(BIN)
        .args(["--port", "0", "--spec", "/nonexistent/spec.yaml"])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("simplio3d-mock:") && stderr.contains("/nonexistent/spec.yaml"),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
}
