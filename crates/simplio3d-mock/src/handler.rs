//! One request: route, read the body, validate, choose the answer, record.
//!
//! Everything that reads request data runs inside a panic guard: a bug in the validator must
//! cost a 500 and a recorded [`ViolationKind::Internal`], never a dropped connection that a
//! test would misread as a network error.

use std::collections::VecDeque;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::StatusCode;
use axum::response::Response;
use bytes::Bytes;
use futures::FutureExt as _;
use secrecy::ExposeSecret;

use crate::body;
use crate::model::OperationModel;
use crate::recorder::{RecordedRequest, Violation, ViolationKind, lock, mark_sensitive};
use crate::respond::{self, Reply};
use crate::router::Routed;
use crate::server::Shared;
use crate::validate::{self, short_text};

pub(crate) async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let method = request.method().as_str().to_owned();
    let path = request.uri().path().to_owned();
    let query = request.uri().query().map(str::to_owned);
    let mut headers = request.headers().clone();
    mark_sensitive(&mut headers, &shared.sensitive_headers);
    let guarded = AssertUnwindSafe(process(&shared, request)).catch_unwind();
    let (response, record) = match guarded.await {
        Ok(done) => done,
        Err(panic) => {
            let message = panic
                .downcast_ref::<&str>()
                .map(|s| (*s).to_owned())
                .or_else(|| panic.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "non-text panic payload".to_owned());
            let violation = Violation {
                operation: None,
                location: String::new(),
                kind: ViolationKind::Internal,
                message: format!("the mock failed while handling this request: {message}"),
            };
            let response = respond::routing(
                StatusCode::INTERNAL_SERVER_ERROR,
                violation.message.clone(),
                None,
            );
            let record = RecordedRequest {
                method,
                path,
                query,
                operation: None,
                headers,
                body: Bytes::new(),
                body_len: 0,
                parts: Vec::new(),
                violations: vec![violation],
                status: 500,
            };
            (response, record)
        }
    };
    log(&record);
    shared.recorder.record(record);
    response
}

fn log(record: &RecordedRequest) {
    if record.violations.is_empty() {
        tracing::info!(method = %record.method, path = %record.path, status = record.status, "request");
    } else {
        tracing::warn!(
            method = %record.method,
            path = %record.path,
            status = record.status,
            violations = %record.violations.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "),
            "request does not conform"
        );
    }
}

async fn process(shared: &Shared, request: Request) -> (Response, RecordedRequest) {
    let (parts, body) = request.into_parts();
    let method = parts.method.as_str().to_owned();
    let path = parts.uri.path().to_owned();
    let query = parts.uri.query().map(str::to_owned);
    let mut headers = parts.headers;
    mark_sensitive(&mut headers, &shared.sensitive_headers);
    #[cfg(test)]
    if headers.contains_key(crate::server::TEST_PANIC_HEADER) {
        panic!("panic requested by the test");
    }
    let mut record = RecordedRequest {
        method: method.clone(),
        path: path.clone(),
        query: query.clone(),
        operation: None,
        headers: headers.clone(),
        body: Bytes::new(),
        body_len: 0,
        parts: Vec::new(),
        violations: Vec::new(),
        status: 0,
    };

    let response = match shared.router.route(&method, &path) {
        // Routing failures are violations too: a client with a wrong base path must not
        // pass `assert!(mock.violations().is_empty())`. Their bodies are not read.
        Routed::NotFound => {
            let violation = Violation {
                operation: None,
                location: "/path".into(),
                kind: ViolationKind::UnknownPath,
                message: format!("no operation at {}", short_text(&path)),
            };
            let response = respond::routing(StatusCode::NOT_FOUND, violation.message.clone(), None);
            record.violations.push(violation);
            response
        }
        Routed::MethodNotAllowed { allow } => {
            let allow = allow.join(", ");
            let violation = Violation {
                operation: None,
                location: "/method".into(),
                kind: ViolationKind::MethodNotAllowed,
                message: format!(
                    "{} is not declared for {}; allowed: {allow}",
                    short_text(&method),
                    short_text(&path)
                ),
            };
            let response = respond::routing(
                StatusCode::METHOD_NOT_ALLOWED,
                violation.message.clone(),
                Some(allow),
            );
            record.violations.push(violation);
            response
        }
        Routed::Found {
            operation,
            path_params,
        } => {
            let op = &shared.operations[operation];
            record.operation = Some(op.name.clone());
            match body::read(body, &headers, &shared.limits).await {
                Ok(bytes) => {
                    let ctx = validate::Context {
                        document: &shared.document,
                        patterns: &shared.patterns,
                        api_key: shared.api_key.as_ref().map(|k| k.expose_secret()),
                    };
                    let request = validate::Request {
                        headers: &headers,
                        query: query.as_deref(),
                        path_params: &path_params,
                        body: &bytes,
                    };
                    let outcome = validate::validate(&ctx, op, &request).await;
                    let kept = shared.limits.recorded_body_bytes;
                    record.body_len = bytes.len();
                    record.body = body::keep(&bytes, kept);
                    record.parts = body::keep_parts(outcome.parts, kept);
                    record.violations = outcome.violations;
                    cap_violations(&mut record.violations);
                    answer(shared, op, &headers, &mut record.violations)
                }
                Err(unread) => {
                    let (status, violation) = unread.violation(op, &shared.limits);
                    record.body_len = unread.received();
                    record.violations.push(violation);
                    let mut response = respond::invalid(
                        &answering(shared),
                        Some(op),
                        status,
                        &mut record.violations,
                    );
                    // The rest of the body is still on the wire: this connection is done.
                    response.headers_mut().insert(
                        axum::http::header::CONNECTION,
                        axum::http::HeaderValue::from_static("close"),
                    );
                    response
                }
            }
        }
    };
    record.status = response.status().as_u16();
    (response, record)
}

fn answering(shared: &Shared) -> respond::Answering<'_> {
    respond::Answering {
        document: &shared.document,
        patterns: &shared.patterns,
    }
}

/// At most this many violations are listed per request; the rest are counted.
const MAX_VIOLATIONS: usize = 100;

/// A body with a million bad items must not become a million-entry answer and record.
fn cap_violations(violations: &mut Vec<Violation>) {
    if violations.len() <= MAX_VIOLATIONS {
        return;
    }
    let more = violations.len() - MAX_VIOLATIONS;
    let operation = violations[0].operation.clone();
    violations.truncate(MAX_VIOLATIONS);
    violations.push(Violation {
        operation,
        location: String::new(),
        kind: ViolationKind::Truncated,
        message: format!("{more} more violations not listed"),
    });
}

/// Chooses the answer for a routed request: violations first (auth, then validation), then a
/// scripted reply, then `Prefer: code=…`, then the operation's success status.
fn answer(
    shared: &Shared,
    op: &OperationModel,
    headers: &axum::http::HeaderMap,
    violations: &mut Vec<Violation>,
) -> Response {
    let preferred = preferred_code(headers);
    if let Some(code) = preferred
        && !op.declares(code)
    {
        violations.push(Violation {
            operation: Some(op.name.clone()),
            location: "/header/Prefer".into(),
            kind: ViolationKind::UndeclaredStatus,
            message: format!(
                "code={code} is not declared for {} (declared: {:?})",
                op.name,
                op.declared_statuses()
            ),
        });
    }
    if !violations.is_empty() {
        let status = failure_status(op, violations);
        return respond::invalid(&answering(shared), Some(op), status, violations);
    }
    let scripted = {
        let mut script = lock(&shared.script);
        let queued = script
            .queued
            .get_mut(&op.name)
            .and_then(VecDeque::pop_front);
        queued.or_else(|| script.sticky.get(&op.name).cloned())
    };
    let reply = scripted
        .or_else(|| preferred.map(Reply::status))
        .unwrap_or_else(|| Reply::status(op.success_status()));
    respond::declared(&answering(shared), op, &reply, violations)
}

/// The spec's status for this kind of failure: 401/403 for credentials, 400 (or 422, 415)
/// for the rest, falling back to 400 when the operation declares none of them.
fn failure_status(op: &OperationModel, violations: &[Violation]) -> u16 {
    let first_declared = |candidates: &[u16], fallback: u16| {
        candidates
            .iter()
            .copied()
            .find(|s| {
                op.declares(*s)
                    && op
                        .response_for(*s)
                        .is_some_and(|r| r.key != crate::model::StatusKey::Default)
            })
            .unwrap_or(fallback)
    };
    let kinds = |kind: ViolationKind| violations.iter().any(|v| v.kind == kind);
    if kinds(ViolationKind::MissingCredentials) {
        first_declared(&[401, 403], 401)
    } else if kinds(ViolationKind::WrongCredentials) {
        first_declared(&[403, 401], 403)
    } else if violations
        .iter()
        .all(|v| v.kind == ViolationKind::ContentType && v.location == "/header/Content-Type")
    {
        first_declared(&[415, 400, 422], 400)
    } else {
        first_declared(&[400, 422], 400)
    }
}

/// `Prefer: code=403` (Prism's convention); other preferences are ignored.
fn preferred_code(headers: &axum::http::HeaderMap) -> Option<u16> {
    headers
        .get_all("prefer")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split([',', ';']))
        .find_map(|token| {
            let (key, value) = token.trim().split_once('=')?;
            let code: u16 =
                (key.trim() == "code").then(|| value.trim().trim_matches('"').parse().ok())??;
            // Only real statuses: `code=0` would otherwise match a `default` response.
            (100..=599).contains(&code).then_some(code)
        })
}

#[cfg(test)]
mod tests {
    use simplio3d_codegen::Source;

    use crate::server::TEST_PANIC_HEADER;
    use crate::{MockConfig, MockServer, ViolationKind};

    const CREATE_SESSION: &str = "/api/open-api/v1/auth/create-session";

    /// The one violation the mock recorded, as (kind, location).
    fn only_violation(mock: &MockServer) -> (ViolationKind, String) {
        let violations = mock.violations();
        assert_eq!(violations.len(), 1, "{violations:?}");
        (violations[0].kind, violations[0].location.clone())
    }

    #[tokio::test]
    async fn a_panic_in_the_handler_is_a_recorded_500_not_a_dropped_connection() {
        let mock = MockServer::vendor(MockConfig::default())
            .await
            .expect("mock");
        let response = reqwest::Client::new()
            .post(format!("{}{CREATE_SESSION}", mock.base_url()))
            .header(TEST_PANIC_HEADER, "1")
            .send()
            .await
            .expect("an answer, not a reset connection");
        assert_eq!(response.status(), 500);
        let violations = mock.violations();
        assert_eq!(violations.len(), 1, "{violations:?}");
        assert_eq!(violations[0].kind, ViolationKind::Internal);
        assert!(
            violations[0]
                .message
                .contains("panic requested by the test")
        );
        assert_eq!(mock.requests()[0].status, 500);
    }

    /// The input that made `format.rs` panic (`split_at(8)` inside `é`), through the server.
    #[tokio::test]
    async fn multibyte_date_time_parameter_is_a_format_violation() {
        let spec = simplio3d_codegen::load(
            &Source {
                name: "when.yaml".into(),
                bytes: br#"
openapi: 3.0.0
info: { title: When, version: 1.0.0 }
paths:
  /events:
    get:
      operationId: list_events
      parameters:
        - { name: since, in: query, schema: { type: string, format: date-time } }
      responses: { '200': { description: Ok }, '400': { description: Invalid } }
"#
                .to_vec(),
            },
            None,
        )
        .expect("spec");
        let mock = MockServer::start(spec, MockConfig::default())
            .await
            .expect("mock");
        let response = reqwest::Client::new()
            .get(format!("{}/events", mock.base_url()))
            .query(&[("since", "2024-01-01T0000000\u{e9}")])
            .send()
            .await
            .expect("answered");
        assert_eq!(response.status(), 400);
        assert_eq!(
            only_violation(&mock),
            (ViolationKind::Format, "/query/since".to_owned())
        );
    }

    fn spec(yaml: &str) -> simplio3d_codegen::Spec {
        simplio3d_codegen::load(
            &Source {
                name: "inline.yaml".into(),
                bytes: yaml.as_bytes().to_vec(),
            },
            None,
        )
        .expect("spec")
    }

    /// A spec `example` that breaks its own schema is not passed off as spec-valid.
    #[tokio::test]
    async fn the_mocks_own_answer_is_checked_against_the_response_schema() {
        let mock = MockServer::start(
            spec(
                r#"
openapi: 3.0.0
info: { title: Self check, version: 1.0.0 }
paths:
  /count:
    get:
      operationId: count
      responses:
        '200':
          description: Ok
          content:
            application/json:
              schema: { type: object, properties: { n: { type: integer } } }
              example: { n: "three" }
"#,
            ),
            MockConfig::default(),
        )
        .await
        .expect("mock");
        let response = reqwest::get(format!("{}/count", mock.base_url()))
            .await
            .expect("answered");
        assert_eq!(response.status(), 200);
        assert_eq!(
            only_violation(&mock),
            (
                ViolationKind::ResponseSchema,
                "/response/200/body/n".to_owned()
            )
        );
    }

    /// The spec's 400 body has no message-like field: the header still lists the violations.
    #[tokio::test]
    async fn invalid_requests_list_their_violations_in_a_header() {
        let mock = MockServer::start(
            spec(
                r#"
openapi: 3.0.0
info: { title: Codes only, version: 1.0.0 }
paths:
  /items:
    get:
      operationId: list_items
      parameters:
        - { name: tag, in: query, required: true, schema: { type: string, pattern: "^[a-z]+$" } }
      responses:
        '200': { description: Ok }
        '400':
          description: Invalid
          content:
            application/json:
              schema: { type: object, properties: { code: { type: integer } } }
"#,
            ),
            MockConfig::default(),
        )
        .await
        .expect("mock");
        let response = reqwest::get(format!("{}/items?tag=caf%C3%A9", mock.base_url()))
            .await
            .expect("answered");
        assert_eq!(response.status(), 400);
        let header = response
            .headers()
            .get(crate::VIOLATIONS_HEADER)
            .expect("sl-violations header")
            .to_str()
            .expect("ASCII")
            .to_owned();
        let listed: serde_json::Value = serde_json::from_str(&header).expect("JSON");
        assert_eq!(listed[0]["location"], "/query/tag");
        assert_eq!(listed[0]["kind"], "pattern");
        assert!(
            listed[0]["message"]
                .as_str()
                .is_some_and(|m| m.contains("caf\u{e9}")),
            "{listed}"
        );
        let body: serde_json::Value = response.json().await.expect("the spec's body");
        assert!(body.get("violations").is_none(), "the spec's shape: {body}");
    }
}
