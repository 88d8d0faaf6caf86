//! Huge bodies cost no memory: the process's peak resident set (Linux `VmHWM`, reset
//! through `/proc/self/clear_refs`) is measured while a 10 MB body is offered, as a 200
//! (reading stops at `max_response_bytes`) or an error status (mostly not read at all). A
//! control allocation first proves the measurement sees 10 MB. Its own test binary, so no
//! other test allocates meanwhile.
#![cfg(target_os = "linux")]

mod support;

use simplio3d::{Error, RetryPolicy};
use support::{Reply, Server, client_with};

const TEN_MB: usize = 10 * 1024 * 1024;
/// Well under the body size; generous for buffers of hyper, reqwest and the runtime.
const BUDGET: usize = 3 * 1024 * 1024;

/// Resets the peak resident set to the current one.
fn reset_peak() {
    std::fs::write("/proc/self/clear_refs", "5").expect("reset VmHWM");
}

/// Peak resident set since the last reset, in bytes.
fn peak() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

fn current() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmRSS:")).unwrap();
    let kib: usize = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

async fn peak_growth_for(status: &str) -> (usize, Error) {
    let head = format!(
        "HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {TEN_MB}\r\nconnection: close\r\n\r\n"
    );
    let server = Server::always(move || Reply::Huge {
        head: head.clone().into_bytes(),
        size: TEN_MB,
    })
    .await;
    let client = client_with(&server.url(), RetryPolicy::disabled());
    reset_peak();
    let baseline = current();
    let err = client
        .create_session("edcfrt", "shop.example.com")
        .await
        .unwrap_err();
    (peak().saturating_sub(baseline), err)
}

// One test function: the counters are process-wide.
#[tokio::test(flavor = "current_thread")]
async fn ten_megabyte_bodies_are_not_buffered() {
    // Control: the measurement does see a 10 MB buffer.
    reset_peak();
    let baseline = current();
    let control = std::hint::black_box(vec![1u8; TEN_MB]);
    let seen = peak().saturating_sub(baseline);
    drop(control);
    assert!(
        seen >= TEN_MB * 9 / 10,
        "control: peak grew by only {seen} bytes"
    );

    for status in [
        "200 OK",
        "502 Bad Gateway",
        "500 Internal Server Error",
        "422 Unprocessable Entity",
        "404 Not Found",
    ] {
        let (growth, err) = peak_growth_for(status).await;
        if status == "200 OK" {
            assert!(matches!(err, Error::ResponseTooLarge { .. }), "{err:?}");
        } else {
            assert!(err.status().is_some(), "{status}: {err:?}");
        }
        assert!(
            growth < BUDGET,
            "{status}: resident set grew by {growth} bytes for a {TEN_MB}-byte body"
        );
    }
}
