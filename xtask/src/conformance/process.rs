//! Child processes with bounds: servers that are killed when dropped and whose logs are kept
//! (and shown when they fail), and commands that cannot hang the run.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Ipv4Addr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use super::KEY;

/// How long a server may take to listen.
const STARTUP: Duration = Duration::from_secs(60);
/// How many ports `start_prism` tries (another process may take the one it picked).
const PORT_ATTEMPTS: usize = 3;

/// A server process, killed when dropped; its output goes to `log`.
pub(crate) struct Server {
    child: Child,
    pub(crate) url: String,
    pub(crate) log: PathBuf,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The last lines of a log, for error messages.
pub(crate) fn tail(log: &Path) -> String {
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let lines: Vec<&str> = text.lines().collect();
    let start = lines.len().saturating_sub(30);
    format!(
        "--- {} (last lines) ---\n{}",
        log.display(),
        lines[start..].join("\n")
    )
}

fn log_file(logs: &Path, name: &str) -> anyhow::Result<(PathBuf, File)> {
    std::fs::create_dir_all(logs).with_context(|| format!("creating {}", logs.display()))?;
    let path = logs.join(format!("{name}.log"));
    let file = File::create(&path).with_context(|| format!("creating {}", path.display()))?;
    Ok((path, file))
}

/// Starts our mock on a free port (`--port 0`) and reads its `listening on URL` line, giving
/// up after [`STARTUP`] (a mock that never prints must not hang the run).
pub(crate) fn start_mock(
    bin: &Path,
    extra: &[String],
    logs: &Path,
    name: &str,
) -> anyhow::Result<Server> {
    start_mock_within(bin, extra, logs, name, STARTUP)
}

fn start_mock_within(
    bin: &Path,
    extra: &[String],
    logs: &Path,
    name: &str,
    startup: Duration,
) -> anyhow::Result<Server> {
    let (log, stderr) = log_file(logs, &format!("mock-{name}"))?;
    let mut child = Command::new(bin)
        .args(["--port", "0", "--api-key", KEY])
        .args(extra)
        .env("RUST_LOG", "simplio3d_mock=warn")
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .with_context(|| format!("starting {}", bin.display()))?;
    let stdout = child.stdout.take().context("mock stdout")?;
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut line = String::new();
        let _ = BufReader::new(stdout).read_line(&mut line);
        let _ = tx.send(line);
    });
    let mut server = Server {
        child,
        url: String::new(),
        log,
    };
    let line = rx.recv_timeout(startup).unwrap_or_default();
    match line.trim().strip_prefix("listening on ") {
        Some(url) => {
            server.url = url.to_owned();
            Ok(server)
        }
        None => {
            let exited = server.child.try_wait().ok().flatten();
            bail!(
                "simplio3d-mock {} printed {line:?} within {startup:?}, expected `listening on http://…` (exit: {exited:?})\n{}",
                extra.join(" "),
                tail(&server.log)
            )
        }
    }
}

/// Starts `prism mock <spec>` on a free port and waits until it accepts connections,
/// noticing early exits (with its log) and retrying on another port when the one picked was
/// taken between choosing and binding.
pub(crate) fn start_prism(
    prism: &Path,
    spec: &Path,
    logs: &Path,
    name: &str,
) -> anyhow::Result<Server> {
    let mut last_error = None;
    for attempt in 1..=PORT_ATTEMPTS {
        match start_prism_once(prism, spec, logs, name) {
            Ok(server) => return Ok(server),
            Err(e) if attempt < PORT_ATTEMPTS && e.to_string().contains("EADDRINUSE") => {
                eprintln!("prism ({name}): port taken, retrying ({attempt}/{PORT_ATTEMPTS})");
                last_error = Some(e);
            }
            Err(e) => return Err(e),
        }
    }
    Err(last_error.unwrap_or_else(|| anyhow::anyhow!("prism did not start")))
}

fn start_prism_once(prism: &Path, spec: &Path, logs: &Path, name: &str) -> anyhow::Result<Server> {
    let port = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))?
        .local_addr()?
        .port();
    let (log, out) = log_file(logs, &format!("prism-{name}"))?;
    let child = Command::new(prism)
        .args(["mock", "--host", "127.0.0.1", "--port", &port.to_string()])
        .arg(spec)
        .stdout(out.try_clone()?)
        .stderr(out)
        .spawn()
        .with_context(|| format!("starting {}", prism.display()))?;
    let mut server = Server {
        child,
        url: format!("http://127.0.0.1:{port}"),
        log,
    };
    let deadline = Instant::now() + STARTUP;
    loop {
        if let Some(status) = server.child.try_wait()? {
            bail!(
                "prism mock {} exited ({status}) before listening\n{}",
                spec.display(),
                tail(&server.log)
            );
        }
        if TcpStream::connect((Ipv4Addr::LOCALHOST, port)).is_ok() {
            return Ok(server);
        }
        if Instant::now() > deadline {
            bail!(
                "prism did not listen on 127.0.0.1:{port} within {STARTUP:?}\n{}",
                tail(&server.log)
            );
        }
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// What `run_captured` does with the command's stdout besides capturing it.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Echo {
    /// Shown as it arrives (a test run's output).
    Show,
    /// Only captured (machine-readable output, such as cargo's JSON messages).
    Hide,
}

/// Runs `command` with stdout captured (and shown, per `echo`), killing it after `timeout`.
pub(crate) fn run_captured(
    command: &mut Command,
    timeout: Duration,
    echo: Echo,
) -> anyhow::Result<(bool, String)> {
    let mut child = command
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("starting {command:?}"))?;
    let mut stdout = child.stdout.take().context("stdout")?;
    let reader = std::thread::spawn(move || {
        let mut captured = Vec::new();
        let mut buffer = [0u8; 8192];
        while let Ok(n) = stdout.read(&mut buffer) {
            if n == 0 {
                break;
            }
            if echo == Echo::Show {
                let _ = std::io::stdout().write_all(&buffer[..n]);
            }
            captured.extend_from_slice(&buffer[..n]);
        }
        String::from_utf8_lossy(&captured).into_owned()
    });
    let status = wait_with_timeout(&mut child, timeout, command)?;
    let captured = reader.join().unwrap_or_default();
    Ok((status, captured))
}

/// Runs `command` (output inherited), killing it after `timeout`; whether it succeeded.
pub(crate) fn run_bounded(command: &mut Command, timeout: Duration) -> anyhow::Result<bool> {
    let mut child = command
        .spawn()
        .with_context(|| format!("starting {command:?}"))?;
    wait_with_timeout(&mut child, timeout, command)
}

fn wait_with_timeout(
    child: &mut Child,
    timeout: Duration,
    command: &Command,
) -> anyhow::Result<bool> {
    let deadline = Instant::now() + timeout;
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(status.success());
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "{:?} did not finish within {timeout:?}; killed",
                command.get_program()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_command_that_hangs_is_killed_at_its_timeout() {
        let error = run_bounded(Command::new("sleep").arg("30"), Duration::from_millis(300))
            .expect_err("killed");
        assert!(error.to_string().contains("did not finish"), "{error}");
    }

    #[test]
    fn captured_output_is_returned() {
        let (ok, out) = run_captured(
            Command::new("echo").arg("hello"),
            Duration::from_secs(10),
            Echo::Show,
        )
        .expect("runs");
        assert!(ok);
        assert_eq!(out.trim(), "hello");
    }

    fn script(dir: &Path, name: &str, body: &str) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).expect("script");
        let status = Command::new("chmod")
            .arg("+x")
            .arg(&path)
            .status()
            .expect("chmod");
        assert!(status.success());
        path
    }

    /// A "mock" that never prints its URL line fails at the startup bound instead of
    /// blocking in `read_line` forever; one that exits fails with its log.
    #[test]
    fn a_mock_that_never_prints_or_exits_early_is_an_error_with_its_log() {
        let dir = tempfile::tempdir().expect("tempdir");
        let silent = script(
            dir.path(),
            "silent",
            "echo 'about to hang' >&2\nexec sleep 600",
        );
        let error = start_mock_within(
            &silent,
            &[],
            dir.path(),
            "silent",
            Duration::from_millis(500),
        )
        .err()
        .expect("times out");
        assert!(format!("{error:#}").contains("about to hang"), "{error:#}");
        let exits = script(dir.path(), "exits", "echo 'no spec here' >&2\nexit 3");
        let error = start_mock(&exits, &[], dir.path(), "exits")
            .err()
            .expect("fails");
        assert!(format!("{error:#}").contains("no spec here"), "{error:#}");
    }
}
