//! The `simplio3d` binary, run as a process: outputs, where the token goes, exit codes.

use std::process::{Command, Output};

use simplio3d_mock::{MockConfig, MockServer, Reply};

const KEY: &str = "cli-test-key-5e1d";

fn simplio3d(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_simplio3d"));
    cmd.args(args)
        .env_remove("SIMPLIO3D_API_KEY")
        .env_remove("SIMPLIO3D_BASE_URL")
        .env_remove("RUST_LOG");
    cmd
}

async fn run(mut cmd: Command) -> Output {
    tokio::task::spawn_blocking(move || cmd.output().unwrap())
        .await
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

const SESSION: &[&str] = &[
    "create-session",
    "--configurator-id",
    "demo",
    "--domain",
    "shop.example.com",
];

fn with(extra: &[&'static str]) -> Vec<&'static str> {
    SESSION
        .iter()
        .copied()
        .chain(extra.iter().copied())
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mock_prints_a_session_without_the_token() {
    let out = run(simplio3d(&with(&["--mock", "-vvv"]))).await;
    let stdout = text(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    assert!(
        stdout.starts_with("Session created (embedded mock server http://127.0.0.1:"),
        "{stdout}"
    );
    assert!(stdout.contains("expires at: "), "{stdout}");
    assert!(stdout.contains("token:      hidden"), "{stdout}");
    assert!(!stdout.contains("eyJ"), "no token unless asked: {stdout}");
    assert!(!text(&out.stderr).contains("eyJ"), "no token in logs");
    assert!(
        text(&out.stderr).contains("simplio3d.call"),
        "logs go to stderr"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn json_and_print_token_put_the_token_on_stdout_only() {
    let out = run(simplio3d(&with(&["--mock", "--json", "-vvv"]))).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let value: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let token = value["token"].as_str().unwrap().to_owned();
    assert_eq!(token.split('.').count(), 3, "a JWT from the mock");
    assert!(value["expires_at"].as_u64().unwrap() > 1_700_000_000);
    assert!(value["message"].is_string());
    assert!(!text(&out.stderr).contains(&token));

    let out = run(simplio3d(&with(&["--mock", "--print-token"]))).await;
    assert_eq!(out.status.code(), Some(0));
    let stdout = text(&out.stdout);
    assert_eq!(stdout.lines().count(), 1);
    assert_eq!(stdout.trim_end().split('.').count(), 3);

    let out = run(simplio3d(&with(&["--mock", "--print-token", "--json"]))).await;
    assert_eq!(
        out.status.code(),
        Some(2),
        "conflicting flags are a usage error"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn key_from_env_or_file_reaches_the_server() {
    let mock = MockServer::vendor(MockConfig::default().api_key(KEY))
        .await
        .unwrap();
    let mut cmd = simplio3d(&with(
        &["--base-url", &mock.base_url(), "--print-token"].map(leak),
    ));
    cmd.env("SIMPLIO3D_API_KEY", KEY);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));

    let dir = std::env::temp_dir().join(format!("simplio3d-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("key");
    std::fs::write(&file, format!("{KEY}\n")).unwrap();
    let mut cmd = simplio3d(&with(&["--api-key-file", leak(file.to_str().unwrap())]));
    cmd.env("SIMPLIO3D_BASE_URL", mock.base_url());
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    std::fs::remove_dir_all(&dir).unwrap();

    assert_eq!(mock.requests().len(), 2);
    assert!(mock.violations().is_empty(), "{:?}", mock.violations());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_key_exits_with_the_auth_code() {
    let mock = MockServer::vendor(MockConfig::default().api_key(KEY))
        .await
        .unwrap();
    let mut cmd = simplio3d(&with(&["--base-url", leak(&mock.base_url())]));
    cmd.env("SIMPLIO3D_API_KEY", "wrong-key");
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(3), "stderr: {}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("unauthorized"),
        "{}",
        text(&out.stderr)
    );
    assert!(out.stdout.is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_error_exits_with_the_server_code() {
    let mock = MockServer::vendor(MockConfig::default().api_key(KEY))
        .await
        .unwrap();
    mock.respond_with("create_session", Reply::status(500))
        .unwrap();
    let mut cmd = simplio3d(&with(&["--base-url", leak(&mock.base_url()), "--no-retry"]));
    cmd.env("SIMPLIO3D_API_KEY", KEY);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(4), "stderr: {}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("server error (HTTP 500"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(mock.requests().len(), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_server_exits_with_the_network_code() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let mut cmd = simplio3d(&with(&["--base-url", leak(&url), "--no-retry"]));
    cmd.env("SIMPLIO3D_API_KEY", KEY);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(5), "stderr: {}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("connection failed"),
        "{}",
        text(&out.stderr)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn usage_errors_exit_with_the_usage_code_and_send_nothing() {
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec!["create-session", "--domain", "shop.example.com"],
            "--configurator-id",
        ),
        (with(&[]), "no API key"),
        (
            vec![
                "create-session",
                "--configurator-id",
                "demo",
                "--domain",
                "https://shop.example.com/",
                "--mock",
            ],
            "did you mean `shop.example.com`",
        ),
        (
            vec![
                "create-session",
                "--configurator-id",
                "",
                "--domain",
                "shop.example.com",
                "--mock",
            ],
            "configurator_id",
        ),
        (
            with(&["--api-key-file", "/nonexistent/key"]),
            "--api-key-file /nonexistent/key",
        ),
        (
            with(&["--mock", "--base-url", "https://x.example"]),
            "cannot be used with",
        ),
    ];
    for (args, needle) in cases {
        let out = run(simplio3d(&args)).await;
        let stderr = text(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty());
    }
    let mut cmd = simplio3d(&with(&["--base-url", "http://api.example.com"]));
    cmd.env("SIMPLIO3D_API_KEY", KEY);
    let out = run(cmd).await;
    assert_eq!(out.status.code(), Some(2));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("`base_url`") && stderr.contains("plain http"),
        "{stderr}"
    );
    assert!(!stderr.contains(KEY));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn help_documents_the_exit_codes() {
    let out = run(simplio3d(&["create-session", "--help"])).await;
    assert_eq!(out.status.code(), Some(0));
    let help = text(&out.stdout);
    for line in [
        "2  usage",
        "3  authentication",
        "4  server",
        "5  network",
        "SIMPLIO3D_API_KEY",
    ] {
        assert!(help.contains(line), "{line}: {help}");
    }
}

/// Test arguments are built once per test; leaking them keeps the `&'static str` table simple.
fn leak(s: &str) -> &'static str {
    Box::leak(s.to_owned().into_boxed_str())
}
