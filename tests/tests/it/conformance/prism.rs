//! The suite's calls against an external mock, Prism, run by `cargo xtask conformance`.
//!
//! Prism 5.16.0 reads a `multipart/form-data` body as a flat map of strings: a repeated part
//! (an array property, sent one part per item as OpenAPI 3.0 says) keeps only its last value,
//! and a JSON part (an object property, `application/json` by default) stays a string
//! (stoplightio/prism#2654 is the open fix for arrays). It reports such parts as `type`
//! errors, so:
//! - optional multipart array/object properties are left out of the sample sent to Prism
//!   (the mock suite sends and checks them);
//! - an operation with a *required* one cannot be sent validly to Prism at all: its call must
//!   draw only those `type` reports and a 4xx, and is counted as "limited" in the summary
//!   line; any other report fails.

use std::collections::BTreeMap;

use serde_json::Value;
use simplio3d_codegen::{Operation, Spec, resolve_ref as resolve};
use simplio3d_mock::{MockConfig, MockServer};
use simplio3d_tests::harness::{self, support::CallOutcome};

use super::{http_client, load};

/// The env var `cargo xtask conformance` sets: `name=url` per spec, whitespace-separated, one
/// `prism mock` per spec of the harness (the overlay-applied document where it has one).
const PRISM_URLS: &str = "SIMPLIO3D_CONFORMANCE_PRISM_URLS";

/// For every spec and operation, the generated client's conformance call must come back 2xx
/// and each declared status forced with `Prefer: code=<status>` must surface as the right
/// result, with no `sl-violations` header. The last stdout line is what
/// `cargo xtask conformance` checks to know that this test ran over every spec.
#[tokio::test]
#[ignore = "needs Prism; run by `cargo xtask conformance`"]
async fn external_prism_reports_no_violations() {
    let urls = prism_urls();
    let mut calls = 0;
    let mut limited = Vec::new();
    for h in harness::all() {
        let url = &urls[h.name];
        let spec = load(h);
        // Samples and declared statuses come from our mock, exactly as in the suite above.
        let ours = MockServer::start(spec.clone(), MockConfig::default())
            .await
            .expect("mock");
        for op in &spec.operations {
            let label = format!("{} {} ({})", h.name, op.name, op.label());
            let unreadable = unreadable_parts(&spec, op);
            let mut sample = ours.sample_request(&op.name).expect("sample");
            if let Some(body) = sample.get_mut("body").and_then(Value::as_object_mut) {
                for (name, _) in unreadable.iter().filter(|(_, required)| !required) {
                    body.remove(name);
                }
            }
            let call = |prefer: Option<String>| {
                let headers: Vec<(&'static str, String)> =
                    prefer.into_iter().map(|p| ("prefer", p)).collect();
                let headers: Vec<(&'static str, &str)> =
                    headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
                (h.call)(
                    http_client(&headers),
                    url.clone(),
                    op.name.clone(),
                    sample.clone(),
                )
            };

            let outcome = call(None).await;
            calls += 1;
            if unreadable.iter().any(|(_, required)| *required) {
                let reports = prism_reports(&label, &outcome);
                let other: Vec<&Value> = reports
                    .iter()
                    .filter(|v| !is_unreadable_part_report(v, &unreadable))
                    .collect();
                assert!(other.is_empty(), "{label}: Prism reports {other:#?}");
                assert!(
                    outcome.status().is_some_and(|s| (400..500).contains(&s)),
                    "{label}: {outcome:?}"
                );
                limited.push(label);
                continue;
            }
            assert_no_reports(&label, None, &outcome);
            assert!(
                matches!(&outcome, CallOutcome::Ok { status, .. } if (200..300).contains(status)),
                "{label}: Prism answered the conformance call with {outcome:?}"
            );
            for status in ours.declared_statuses(&op.name).expect("statuses") {
                let outcome = call(Some(format!("code={status}"))).await;
                calls += 1;
                assert_no_reports(&label, Some(status), &outcome);
                let right = match &outcome {
                    CallOutcome::Ok { status: got, .. } => {
                        *got == status && (200..300).contains(&status)
                    }
                    CallOutcome::ErrorResponse { status: got, .. } => *got == status,
                    _ => false,
                };
                assert!(
                    right,
                    "{label}: Prefer: code={status} surfaced as {outcome:?}"
                );
            }
        }
        ours.shutdown().await;
        eprintln!(
            "prism: {} ({} operations) checked",
            h.name,
            spec.operations.len()
        );
    }
    println!(
        "prism-conformance: {} specs, {calls} calls, no violations; limited (required multipart \
         array/object parts Prism cannot read): {}",
        urls.len(),
        if limited.is_empty() {
            "none".to_owned()
        } else {
            limited.join(", ")
        }
    );
}

/// `name → url`, one for every spec of the harness, no more, no fewer.
fn prism_urls() -> BTreeMap<String, String> {
    let urls: BTreeMap<String, String> = std::env::var(PRISM_URLS)
        .unwrap_or_else(|_| panic!("set {PRISM_URLS} (cargo xtask conformance does)"))
        .split_whitespace()
        .map(|pair| {
            let (name, url) = pair
                .split_once('=')
                .unwrap_or_else(|| panic!("{PRISM_URLS}: {pair:?} is not name=url"));
            (name.to_owned(), url.to_owned())
        })
        .collect();
    let mut names: Vec<&str> = harness::all().iter().map(|h| h.name).collect();
    names.sort_unstable();
    assert_eq!(
        urls.keys().map(String::as_str).collect::<Vec<_>>(),
        names,
        "one Prism per spec of the harness"
    );
    urls
}

/// Multipart properties of `op` whose schema is an array or an object: `(name, required)`.
fn unreadable_parts(spec: &Spec, op: &Operation) -> Vec<(String, bool)> {
    let document = &spec.document;
    let Some(schema) = document
        .pointer(&format!(
            "{}/requestBody",
            op.pointer.trim_start_matches('#')
        ))
        .and_then(|b| resolve(document, b))
        .and_then(|b| b.pointer("/content/multipart~1form-data/schema"))
        .and_then(|s| resolve(document, s))
    else {
        return Vec::new();
    };
    let required: Vec<&str> = schema
        .get("required")
        .and_then(Value::as_array)
        .map(|r| r.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    schema
        .get("properties")
        .and_then(Value::as_object)
        .into_iter()
        .flatten()
        .filter(|(_, p)| {
            let kind = resolve(document, p)
                .and_then(|p| p.get("type"))
                .and_then(Value::as_str);
            matches!(kind, Some("array" | "object"))
        })
        .map(|(name, _)| (name.clone(), required.contains(&name.as_str())))
        .collect()
}

/// A Prism `type` report on one of `unreadable`'s parts ("… must be array/object").
fn is_unreadable_part_report(report: &Value, unreadable: &[(String, bool)]) -> bool {
    let location: Vec<&str> = report["location"]
        .as_array()
        .map(|l| l.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let message = report["message"].as_str().unwrap_or_default();
    matches!(location.as_slice(), ["request", "body", name] if unreadable.iter().any(|(n, _)| n == name))
        && report["code"] == "type"
        && (message.ends_with("must be array") || message.ends_with("must be object"))
}

/// Prism's `sl-violations` reports on an answer (none when the header is absent).
fn prism_reports(label: &str, outcome: &CallOutcome) -> Vec<Value> {
    let headers = match outcome {
        CallOutcome::Ok { headers, .. } | CallOutcome::ErrorResponse { headers, .. } => headers,
        // Undeclared statuses carry no headers here; the callers' status checks explain them.
        CallOutcome::UnexpectedResponse { .. } => return Vec::new(),
        other => panic!("{label}: Prism answered {other:?}"),
    };
    headers
        .get("sl-violations")
        .map_or_else(Vec::new, |reported| {
            serde_json::from_str(reported)
                .unwrap_or_else(|e| panic!("{label}: sl-violations is not JSON ({e}): {reported}"))
        })
}

fn assert_no_reports(label: &str, status: Option<u16>, outcome: &CallOutcome) {
    let reports = prism_reports(label, outcome);
    assert!(
        reports.is_empty(),
        "{label} [{status:?}]: Prism reports {reports:#?}"
    );
}
