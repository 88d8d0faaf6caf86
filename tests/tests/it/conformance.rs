//! Spec conformance: every operation of every spec (the vendor's and each fixture), called
//! through its generated client against the validating mock, for every declared status.
//!
//! Operations are enumerated from the loaded spec (`Spec::operations`), never from a list
//! here: an operation added to a spec is covered by the next run. Arguments come from the
//! mock's example synthesiser; the generated harness (`simplio3d_tests::harness`) turns them
//! into the generated method's arguments.

use std::path::Path;

use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderValue};
use serde_json::{Value, json};
use simplio3d_codegen::{Source, Spec};
use simplio3d_mock::{MockConfig, MockServer, Reply, ViolationKind};
use simplio3d_tests::harness::{self, SpecHarness, support::CallOutcome};

const KEY: &str = "conformance-key";

fn load(h: &SpecHarness) -> Spec {
    simplio3d_codegen::load_files(Path::new(h.spec), h.overlay.map(Path::new))
        .unwrap_or_else(|e| panic!("{}: {e}", h.name))
}

fn http_client(extra: &[(&'static str, &str)]) -> reqwest::Client {
    let mut headers = HeaderMap::new();
    headers.insert(AUTHORIZATION, HeaderValue::from_static(KEY));
    for (name, value) in extra {
        headers.insert(*name, HeaderValue::from_str(value).expect("header value"));
    }
    reqwest::Client::builder()
        .default_headers(headers)
        // A server that stops answering fails the test instead of hanging it.
        .timeout(std::time::Duration::from_secs(30))
        .build()
        .expect("reqwest client")
}

fn describe(mock: &MockServer) -> String {
    mock.violations()
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join("\n  ")
}

/// For each spec × operation: the sample call conforms (zero violations) and succeeds; then
/// each declared status, forced on the mock, is surfaced by the client as the right result;
/// an undeclared status is `UnexpectedResponse`.
#[tokio::test]
async fn every_operation_and_declared_status_of_every_spec() {
    let mut covered = Vec::new();
    assert!(
        harness::all().len() >= 9,
        "the vendor spec and at least 8 fixtures"
    );
    for h in harness::all() {
        let spec = load(h);
        let names: Vec<&str> = spec.operations.iter().map(|op| op.name.as_str()).collect();
        assert_eq!(
            names, h.operations,
            "{}: the generated harness is stale",
            h.name
        );
        let mock = MockServer::start(spec.clone(), MockConfig::default().api_key(KEY))
            .await
            .expect("mock starts");
        let http = http_client(&[]);
        for op in &spec.operations {
            let label = format!("{} {} ({})", h.name, op.name, op.label());
            let sample = mock.sample_request(&op.name).expect("sample");
            let statuses = mock.declared_statuses(&op.name).expect("statuses");

            mock.clear();
            mock.reset_replies();
            let outcome = (h.call)(
                http.clone(),
                mock.base_url(),
                op.name.clone(),
                sample.clone(),
            )
            .await;
            assert!(
                mock.violations().is_empty(),
                "{label}: the client's request breaks the spec:\n  {}",
                describe(&mock)
            );
            assert_eq!(mock.requests().len(), 1, "{label}: one request per call");
            let success = statuses
                .iter()
                .copied()
                .find(|s| (200..300).contains(s))
                .unwrap_or(200);
            assert!(
                matches!(&outcome, CallOutcome::Ok { status, .. } if *status == success),
                "{label}: expected Ok({success}), got {outcome:?}"
            );

            for status in statuses.iter().copied().chain([418]) {
                mock.clear();
                mock.respond_with(&op.name, Reply::status(status))
                    .expect("known operation");
                let outcome = (h.call)(
                    http.clone(),
                    mock.base_url(),
                    op.name.clone(),
                    sample.clone(),
                )
                .await;
                assert!(
                    mock.violations().is_empty(),
                    "{label} [{status}]:\n  {}",
                    describe(&mock)
                );
                let right = match (&outcome, status) {
                    (CallOutcome::Ok { status: got, .. }, 200..=299) => *got == status,
                    (CallOutcome::UnexpectedResponse { status: got }, 418) => *got == 418,
                    (CallOutcome::ErrorResponse { status: got, .. }, _) => {
                        *got == status && statuses.contains(&status)
                    }
                    _ => false,
                };
                assert!(
                    right,
                    "{label}: forced status {status} surfaced as {outcome:?}"
                );
                covered.push(format!("{label} {status}"));
            }
        }
        mock.shutdown().await;
    }
    // Vendor: create_session × {200, 400, 403, 500, 418}, at least.
    assert!(
        covered
            .iter()
            .filter(|c| c.starts_with("vendor create_session"))
            .count()
            >= 5,
        "{covered:#?}"
    );
}

/// The JSON the client decodes is the mock's example: for create-session a JWT whose payload
/// has an `exp` about an hour ahead, which the wrapper reads as the session expiry.
#[tokio::test]
async fn create_session_answers_a_jwt_with_an_expiry() {
    let h = vendor();
    let mock = MockServer::vendor(MockConfig::default().api_key(KEY))
        .await
        .expect("mock");
    let sample = mock.sample_request("create_session").expect("sample");
    let outcome = (h.call)(
        http_client(&[]),
        mock.base_url(),
        "create_session".into(),
        sample,
    )
    .await;
    let CallOutcome::Ok { body, .. } = outcome else {
        panic!("{outcome:?}")
    };
    let token = body["token"].as_str().expect("token");
    let payload = token.split('.').nth(1).expect("a JWT has three segments");
    let payload = base64_url_decode(payload);
    let payload: Value = serde_json::from_slice(&payload).expect("JSON payload");
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .expect("clock")
        .as_secs();
    let exp = payload["exp"].as_u64().expect("exp claim");
    assert!(
        exp > now + 3000 && exp <= now + 3600,
        "exp {exp}, now {now}"
    );
    let request = &mock.requests()[0];
    assert_eq!(
        request.part("id").map(|p| p.data.as_ref()),
        Some(&b"example id"[..])
    );
    assert!(
        request
            .header("content-type")
            .is_some_and(|ct| ct.starts_with("multipart/form-data; boundary="))
    );
}

/// `Prefer: code=…` chooses the status like Prism's; an undeclared code is a violation.
#[tokio::test]
async fn prefer_header_chooses_the_status() {
    let h = vendor();
    let mock = MockServer::vendor(MockConfig::default().api_key(KEY))
        .await
        .expect("mock");
    let sample = mock.sample_request("create_session").expect("sample");
    let outcome = (h.call)(
        http_client(&[("prefer", "code=403")]),
        mock.base_url(),
        "create_session".into(),
        sample.clone(),
    )
    .await;
    assert!(
        matches!(outcome, CallOutcome::ErrorResponse { status: 403, .. }),
        "{outcome:?}"
    );
    assert!(mock.violations().is_empty());

    let outcome = (h.call)(
        http_client(&[("prefer", "code=201")]),
        mock.base_url(),
        "create_session".into(),
        sample,
    )
    .await;
    assert!(
        matches!(outcome, CallOutcome::ErrorResponse { status: 400, .. }),
        "{outcome:?}"
    );
    let violations = mock.violations();
    assert_eq!(violations.len(), 1, "{violations:?}");
    assert_eq!(
        (violations[0].kind, violations[0].location.as_str()),
        (ViolationKind::UndeclaredStatus, "/header/Prefer")
    );
}

/// Queued replies are used once, in order, before the sticky one.
#[tokio::test]
async fn queued_replies_come_first_then_the_sticky_one() {
    let h = vendor();
    let mock = MockServer::vendor(MockConfig::default())
        .await
        .expect("mock");
    mock.enqueue("create_session", Reply::status(500))
        .expect("enqueue");
    mock.enqueue(
        "create_session",
        Reply::status(200).json(json!({"message": "scripted", "token": "t"})),
    )
    .expect("enqueue");
    mock.respond_with("create_session", Reply::status(403))
        .expect("sticky");
    let sample = mock.sample_request("create_session").expect("sample");
    let mut seen = Vec::new();
    for _ in 0..3 {
        let outcome = (h.call)(
            http_client(&[]),
            mock.base_url(),
            "create_session".into(),
            sample.clone(),
        )
        .await;
        seen.push(outcome);
    }
    assert!(
        matches!(seen[0], CallOutcome::ErrorResponse { status: 500, .. }),
        "{seen:?}"
    );
    assert!(
        matches!(&seen[1], CallOutcome::Ok { status: 200, body, .. } if body["message"] == "scripted"),
        "{seen:?}"
    );
    assert!(
        matches!(seen[2], CallOutcome::ErrorResponse { status: 403, .. }),
        "{seen:?}"
    );
    assert!(
        mock.respond_with("no_such_operation", Reply::status(200))
            .is_err()
    );
}

fn vendor() -> &'static SpecHarness {
    harness::all()
        .iter()
        .find(|h| h.name == "vendor")
        .expect("vendor harness")
}

fn base64_url_decode(text: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut bits = 0u32;
    let mut count = 0;
    let mut out = Vec::new();
    for c in text.bytes() {
        let v = ALPHABET.iter().position(|a| *a == c).expect("base64url") as u32;
        bits = (bits << 6) | v;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    out
}

mod negative {
    //! The validator can fail, and fails for the right reason.

    use super::*;

    const CREATE_SESSION: &str = "/api/open-api/v1/auth/create-session";

    async fn vendor_mock() -> MockServer {
        MockServer::vendor(MockConfig::default().api_key(KEY))
            .await
            .expect("mock")
    }

    fn form(parts: &[(&'static str, &'static str)]) -> reqwest::multipart::Form {
        parts
            .iter()
            .fold(reqwest::multipart::Form::new(), |f, (k, v)| f.text(*k, *v))
    }

    /// Sends a request and returns its status and the only violation's (kind, location).
    async fn one_violation(
        mock: &MockServer,
        request: reqwest::RequestBuilder,
    ) -> (u16, ViolationKind, String) {
        let response = request.send().await.expect("sent");
        let status = response.status().as_u16();
        let body: Value = response
            .json()
            .await
            .expect("a JSON body listing the violations");
        let violations = mock.violations();
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(
            body["violations"][0]["location"],
            violations[0].location.as_str(),
            "the body lists it: {body}"
        );
        (status, violations[0].kind, violations[0].location.clone())
    }

    #[tokio::test]
    async fn missing_required_part() {
        let mock = vendor_mock().await;
        let request = reqwest::Client::new()
            .post(format!("{}{CREATE_SESSION}", mock.base_url()))
            .header("authorization", KEY)
            .multipart(form(&[("id", "abc")]));
        assert_eq!(
            one_violation(&mock, request).await,
            (400, ViolationKind::Missing, "/body/domain_name".into())
        );
    }

    #[tokio::test]
    async fn wrong_content_type() {
        let mock = vendor_mock().await;
        let request = reqwest::Client::new()
            .post(format!("{}{CREATE_SESSION}", mock.base_url()))
            .header("authorization", KEY)
            .json(&json!({"id": "abc", "domain_name": "example.com"}));
        assert_eq!(
            one_violation(&mock, request).await,
            (
                400,
                ViolationKind::ContentType,
                "/header/Content-Type".into()
            )
        );
    }

    #[tokio::test]
    async fn missing_authorization_gets_the_specs_403() {
        let mock = vendor_mock().await;
        let request = reqwest::Client::new()
            .post(format!("{}{CREATE_SESSION}", mock.base_url()))
            .multipart(form(&[("id", "abc"), ("domain_name", "example.com")]));
        assert_eq!(
            one_violation(&mock, request).await,
            (
                403,
                ViolationKind::MissingCredentials,
                "/header/Authorization".into()
            )
        );
    }

    #[tokio::test]
    async fn wrong_key_gets_the_specs_403_and_is_never_echoed() {
        let mock = vendor_mock().await;
        let request = reqwest::Client::new()
            .post(format!("{}{CREATE_SESSION}", mock.base_url()))
            .header("authorization", "not-the-key")
            .multipart(form(&[("id", "abc"), ("domain_name", "example.com")]));
        assert_eq!(
            one_violation(&mock, request).await,
            (
                403,
                ViolationKind::WrongCredentials,
                "/header/Authorization".into()
            )
        );
        let recorded = format!("{:?} {:?}", mock.requests(), mock.violations());
        assert!(
            !recorded.contains("not-the-key") && !recorded.contains(KEY),
            "secrets in Debug: {recorded}"
        );
    }

    #[tokio::test]
    async fn unknown_part_where_the_schema_forbids_it() {
        let spec = simplio3d_codegen::load(
            &Source {
                name: "closed.yaml".into(),
                bytes: br#"
openapi: 3.0.0
info: { title: Closed body, version: 1.0.0 }
paths:
  /upload:
    post:
      operationId: upload
      requestBody:
        required: true
        content:
          multipart/form-data:
            schema:
              type: object
              additionalProperties: false
              required: [file]
              properties:
                file: { type: string, format: binary }
      responses: { '204': { description: Stored }, '400': { description: Invalid } }
"#
                .to_vec(),
            },
            None,
        )
        .expect("spec");
        let mock = MockServer::start(spec, MockConfig::default())
            .await
            .expect("mock");
        let file = reqwest::multipart::Part::bytes(b"x".to_vec()).file_name("a.bin");
        let request = reqwest::Client::new()
            .post(format!("{}/upload", mock.base_url()))
            .multipart(
                reqwest::multipart::Form::new()
                    .part("file", file)
                    .text("comment", "hi"),
            );
        assert_eq!(
            one_violation(&mock, request).await,
            (400, ViolationKind::Unknown, "/body/comment".into())
        );
    }

    #[tokio::test]
    async fn binary_part_sent_as_text_is_not_a_file() {
        let h = harness::all()
            .iter()
            .find(|h| h.name == "vendor_future")
            .expect("fixture");
        let mock = MockServer::start(load(h), MockConfig::default().api_key(KEY))
            .await
            .expect("mock");
        let request = reqwest::Client::new()
            .post(format!(
                "{}/api/open-api/v1/configurators/c1/textures",
                mock.base_url()
            ))
            .header("authorization", KEY)
            .multipart(form(&[("texture", "not a file")]));
        assert_eq!(
            one_violation(&mock, request).await,
            (400, ViolationKind::Format, "/body/texture".into())
        );
    }

    /// A sample the generated client sends faithfully but that breaks the schema (the
    /// generated `per_page: Option<i64>` does not carry `maximum: 100`): the violation is found
    /// through the whole client → wire → mock path.
    #[tokio::test]
    async fn out_of_range_query_parameter_sent_by_the_generated_client() {
        let h = harness::all()
            .iter()
            .find(|h| h.name == "path_query_headers")
            .expect("fixture");
        let mock = MockServer::start(load(h), MockConfig::default())
            .await
            .expect("mock");
        let mut sample = mock.sample_request("list_configurators").expect("sample");
        sample["query"]["per_page"] = json!(1000);
        let outcome = (h.call)(
            http_client(&[]),
            mock.base_url(),
            "list_configurators".into(),
            sample,
        )
        .await;
        let violations = mock.violations();
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(
            (violations[0].kind, violations[0].location.as_str()),
            (ViolationKind::Range, "/query/per_page")
        );
        // The operation declares no 4xx, so the mock's 400 is unexpected for the client.
        assert!(
            matches!(outcome, CallOutcome::UnexpectedResponse { status: 400 }),
            "{outcome:?}"
        );
    }

    /// json_bodies declares 422 (not 400) for an invalid order, with a `Problem` body: the
    /// mock answers with it, the summary in its `message`.
    #[tokio::test]
    async fn invalid_json_body_gets_the_specs_422_problem() {
        let h = harness::all()
            .iter()
            .find(|h| h.name == "json_bodies")
            .expect("fixture");
        let mock = MockServer::start(load(h), MockConfig::default())
            .await
            .expect("mock");
        let response = reqwest::Client::new()
            .post(format!("{}/orders", mock.base_url()))
            .json(&json!({"configurator_id": "c1", "quantity": 0}))
            .send()
            .await
            .expect("sent");
        assert_eq!(response.status(), 422);
        let body: Value = response.json().await.expect("Problem JSON");
        assert!(
            body["message"]
                .as_str()
                .is_some_and(|m| m.contains("/body/quantity")),
            "{body}"
        );
        let violations = mock.violations();
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(
            (violations[0].kind, violations[0].location.as_str()),
            (ViolationKind::Range, "/body/quantity")
        );
    }

    #[tokio::test]
    async fn unknown_path_is_404_and_unknown_method_is_405_with_allow() {
        let mock = vendor_mock().await;
        let http = reqwest::Client::new();
        let missing = http
            .get(format!("{}/api/nothing", mock.base_url()))
            .send()
            .await
            .expect("sent");
        assert_eq!(missing.status(), 404);
        let violations = mock.violations();
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(
            (violations[0].kind, violations[0].location.as_str()),
            (ViolationKind::UnknownPath, "/path")
        );
        mock.clear();
        let wrong = http
            .delete(format!("{}{CREATE_SESSION}", mock.base_url()))
            .send()
            .await
            .expect("sent");
        assert_eq!(wrong.status(), 405);
        assert_eq!(
            wrong.headers().get("allow").and_then(|v| v.to_str().ok()),
            Some("POST")
        );
        let violations = mock.violations();
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(
            (violations[0].kind, violations[0].location.as_str()),
            (ViolationKind::MethodNotAllowed, "/method")
        );
    }
}

mod prism;
