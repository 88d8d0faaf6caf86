//! `cargo xtask conformance --bench`: validated create-session calls per second on our mock
//! and on Prism, same load, same run, loopback only.
//!
//! The load is the same multipart request the generated client sends (`id`, `domain_name`,
//! `Authorization`), `concurrency` requests in flight, `requests` in total per server, with a
//! 60-second cap per server. The driver runs on one Tokio thread so it leaves the other core
//! to the server under test; both servers face the same driver.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures::StreamExt;

use super::KEY;
use super::process::{start_mock, start_prism};

const PATH: &str = "/api/open-api/v1/auth/create-session";
const CAP: Duration = Duration::from_secs(60);

struct Measured {
    ok: usize,
    failed: usize,
    elapsed: Duration,
    p50: Duration,
    p99: Duration,
}

pub(crate) fn run(
    mock_bin: &Path,
    prism: &Path,
    spec: &Path,
    logs: &Path,
    requests: usize,
    concurrency: usize,
) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mock = start_mock(mock_bin, &[], logs, "bench")?;
    let ours = runtime.block_on(load(&mock.url, requests, concurrency))?;
    drop(mock);
    let prism_server = start_prism(prism, spec, logs, "bench")?;
    let theirs = runtime.block_on(load(&prism_server.url, requests, concurrency))?;
    drop(prism_server);

    println!("| server | requests | ok | failed | seconds | requests/s | p50 ms | p99 ms |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for (name, m) in [
        ("simplio3d-mock (release)", &ours),
        ("prism mock 5.16.0", &theirs),
    ] {
        let secs = m.elapsed.as_secs_f64();
        println!(
            "| {name} | {} | {} | {} | {secs:.2} | {:.0} | {:.2} | {:.2} |",
            m.ok + m.failed,
            m.ok,
            m.failed,
            m.ok as f64 / secs,
            m.p50.as_secs_f64() * 1e3,
            m.p99.as_secs_f64() * 1e3,
        );
    }
    println!(
        "\nconcurrency {concurrency}; ratio simplio3d-mock / prism: {:.1}x",
        (ours.ok as f64 / ours.elapsed.as_secs_f64())
            / (theirs.ok as f64 / theirs.elapsed.as_secs_f64())
    );
    Ok(if ours.failed == 0 && theirs.failed == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

async fn load(base_url: &str, requests: usize, concurrency: usize) -> anyhow::Result<Measured> {
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        // A server that stops answering ends the run instead of hanging it.
        .timeout(Duration::from_secs(30))
        .build()
        .context("reqwest client")?;
    let url = format!("{base_url}{PATH}");
    let send = |client: reqwest::Client, url: String| async move {
        let form = reqwest::multipart::Form::new()
            .text("id", "bench-configurator")
            .text("domain_name", "shop.example.com");
        let started = Instant::now();
        let response = client
            .post(url)
            .header("authorization", KEY)
            .multipart(form)
            .send()
            .await;
        let ok = match response {
            Ok(r) => r.status() == 200 && r.bytes().await.is_ok(),
            Err(_) => false,
        };
        (ok, started.elapsed())
    };
    // Warm up connections (and Prism's JIT) before measuring.
    futures::stream::iter(0..concurrency * 10)
        .map(|_| send(client.clone(), url.clone()))
        .buffer_unordered(concurrency)
        .collect::<Vec<_>>()
        .await;
    let started = Instant::now();
    let results: Vec<(bool, Duration)> = futures::stream::iter(0..requests)
        .take_while(|_| std::future::ready(started.elapsed() < CAP))
        .map(|_| send(client.clone(), url.clone()))
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed();
    let mut latencies: Vec<Duration> = results.iter().map(|(_, d)| *d).collect();
    latencies.sort_unstable();
    let pick = |q: f64| {
        latencies
            .get(((latencies.len() as f64 * q) as usize).min(latencies.len().saturating_sub(1)))
            .copied()
            .unwrap_or_default()
    };
    Ok(Measured {
        ok: results.iter().filter(|(ok, _)| *ok).count(),
        failed: results.iter().filter(|(ok, _)| !*ok).count(),
        elapsed,
        p50: pick(0.50),
        p99: pick(0.99),
    })
}
