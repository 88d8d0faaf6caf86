//! The [`MockServer`] API and its configuration; requests are handled in `handler.rs`.

use std::collections::{HashMap, VecDeque};
use std::fmt;
use std::net::{Ipv4Addr, SocketAddr};
use std::sync::{Arc, Mutex};

use axum::Router as AxumRouter;
use secrecy::SecretString;
use serde_json::Value;
use simplio3d_codegen::Spec;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub use crate::config::MockConfig;
use crate::model::{Credential, OperationModel, ParamIn};
use crate::recorder::{RecordedRequest, Recorder, Violation, lock};
use crate::respond::Reply;
use crate::router::Router;
use crate::validate::Patterns;
use crate::{Error, synth};

/// A request carrying this header panics inside the handler (unit tests of the panic guard).
#[cfg(test)]
pub(crate) const TEST_PANIC_HEADER: &str = "x-simplio3d-mock-test-panic";

/// Scripted answers, by operation name.
#[derive(Debug, Default)]
pub(crate) struct Script {
    /// One-shot answers, used in order before anything else.
    pub(crate) queued: HashMap<String, VecDeque<Reply>>,
    /// Answers used for every request once the queue is empty.
    pub(crate) sticky: HashMap<String, Reply>,
}

/// What every request handler reads.
pub(crate) struct Shared {
    pub(crate) document: Value,
    pub(crate) operations: Vec<OperationModel>,
    pub(crate) router: Router,
    pub(crate) patterns: Patterns,
    pub(crate) api_key: Option<SecretString>,
    /// `apiKey` header names, hidden from `Debug` like `Authorization`.
    pub(crate) sensitive_headers: Vec<String>,
    pub(crate) recorder: Recorder,
    pub(crate) script: Mutex<Script>,
    pub(crate) limits: Limits,
}

/// The request limits of [`MockConfig`] that the handler applies.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Limits {
    pub(crate) max_body_bytes: usize,
    pub(crate) recorded_body_bytes: usize,
    pub(crate) body_read_timeout: std::time::Duration,
}

/// A running mock server on 127.0.0.1. Stops when dropped (or with [`MockServer::shutdown`]).
///
/// ```no_run
/// # async fn demo() -> Result<(), simplio3d_mock::Error> {
/// use simplio3d_mock::{MockConfig, MockServer, Reply};
///
/// let mock = MockServer::vendor(MockConfig::default().api_key("test-key")).await?;
/// mock.respond_with("create_session", Reply::status(403))?;
/// // ... point a client at mock.base_url() ...
/// assert!(mock.violations().is_empty());
/// # Ok(()) }
/// ```
pub struct MockServer {
    addr: SocketAddr,
    spec: Arc<Spec>,
    shared: Arc<Shared>,
    shutdown: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<()>>,
}

impl fmt::Debug for MockServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("MockServer")
            .field("addr", &self.addr)
            .field("spec", &self.spec.spec_name)
            .finish_non_exhaustive()
    }
}

impl MockServer {
    /// Serves `spec` on 127.0.0.1 (port from `config`, `0` = any free port). Must be called
    /// inside a Tokio runtime; the server runs as a task on it.
    pub async fn start(spec: Spec, config: MockConfig) -> Result<Self, Error> {
        let operations = crate::model::operations(&spec);
        let mut router = Router::default();
        for (index, op) in operations.iter().enumerate() {
            router.add(&op.method, &op.path, index);
        }
        let sensitive_headers = operations
            .iter()
            .flat_map(|op| op.security.iter().flatten())
            .filter_map(|scheme| match &scheme.credential {
                Credential::ApiKey {
                    location: ParamIn::Header,
                    name,
                } => Some(name.clone()),
                _ => None,
            })
            .collect();
        let shared = Arc::new(Shared {
            document: spec.document.clone(),
            operations,
            router,
            patterns: Patterns::default(),
            api_key: config.api_key,
            sensitive_headers,
            recorder: Recorder::new(config.history),
            script: Mutex::new(Script::default()),
            limits: Limits {
                max_body_bytes: config.max_body_bytes,
                recorded_body_bytes: config.recorded_body_bytes,
                body_read_timeout: config.body_read_timeout,
            },
        });
        let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, config.port))
            .await
            .map_err(|source| Error::Bind {
                port: config.port,
                source,
            })?;
        let addr = listener.local_addr().map_err(|source| Error::Bind {
            port: config.port,
            source,
        })?;
        let app = AxumRouter::new()
            .fallback(crate::handler::handle)
            .with_state(Arc::clone(&shared));
        let (shutdown, stopped) = oneshot::channel::<()>();
        let task = tokio::spawn(crate::serve::serve(
            listener,
            app,
            config.header_read_timeout,
            stopped,
        ));
        tracing::info!(%addr, spec = %spec.spec_name, operations = shared.operations.len(), "mock server listening");
        Ok(Self {
            addr,
            spec: Arc::new(spec),
            shared,
            shutdown: Some(shutdown),
            task: Some(task),
        })
    }

    /// Serves the vendor's Simplio3D document with the SDK's overlay, both embedded in this
    /// crate: no files needed.
    pub async fn vendor(config: MockConfig) -> Result<Self, Error> {
        Self::start(crate::vendor_spec()?, config).await
    }

    /// The socket address (always 127.0.0.1).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`, the base URL to give a client.
    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// The spec being served.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.recorder.requests()
    }

    /// Every violation of every request so far, in order.
    pub fn violations(&self) -> Vec<Violation> {
        self.shared.recorder.violations()
    }

    /// Forgets recorded requests and violations (scripted replies stay).
    pub fn clear(&self) {
        self.shared.recorder.clear();
    }

    /// Answers every valid request to `operation` (its Rust name, e.g. `create_session`) with
    /// `reply` from now on, once queued replies are used up.
    pub fn respond_with(&self, operation: &str, reply: Reply) -> Result<(), Error> {
        self.operation(operation)?;
        lock(&self.shared.script)
            .sticky
            .insert(operation.to_owned(), reply);
        Ok(())
    }

    /// Answers the next valid request to `operation` with `reply`, once; queued replies are
    /// used in order, before any [`MockServer::respond_with`] reply.
    pub fn enqueue(&self, operation: &str, reply: Reply) -> Result<(), Error> {
        self.operation(operation)?;
        lock(&self.shared.script)
            .queued
            .entry(operation.to_owned())
            .or_default()
            .push_back(reply);
        Ok(())
    }

    /// Drops all scripted replies: the mock answers from the spec again.
    pub fn reset_replies(&self) {
        let mut script = lock(&self.shared.script);
        script.queued.clear();
        script.sticky.clear();
    }

    /// The statuses `operation` declares (ranges as `200`, `400`, ...; `default` left out).
    pub fn declared_statuses(&self, operation: &str) -> Result<Vec<u16>, Error> {
        Ok(self.operation(operation)?.declared_statuses())
    }

    /// A valid request for `operation`, as JSON: `{"path": {..}, "query": {..},
    /// "header": {..}, "body": ..}` (parameters by name; `body` absent when the operation
    /// has none). Examples come from the spec, else are synthesised from the schemas.
    pub fn sample_request(&self, operation: &str) -> Result<Value, Error> {
        Ok(sample_request(
            &self.shared.document,
            self.operation(operation)?,
        ))
    }

    /// Stops the server and waits for in-flight requests to finish.
    pub async fn shutdown(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }

    fn operation(&self, name: &str) -> Result<&OperationModel, Error> {
        self.shared
            .operations
            .iter()
            .find(|op| op.name == name)
            .ok_or_else(|| Error::UnknownOperation {
                name: name.to_owned(),
                known: self
                    .shared
                    .operations
                    .iter()
                    .map(|op| op.name.clone())
                    .collect(),
            })
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// See [`MockServer::sample_request`].
pub(crate) fn sample_request(document: &Value, op: &OperationModel) -> Value {
    use crate::validate::Direction::Request;
    let mut sample = serde_json::Map::new();
    for location in [
        ParamIn::Path,
        ParamIn::Query,
        ParamIn::Header,
        ParamIn::Cookie,
    ] {
        let params: serde_json::Map<String, Value> = op
            .parameters
            .iter()
            .filter(|p| p.location == location)
            .map(|p| (p.name.clone(), synth::example(document, &p.schema, Request)))
            .collect();
        sample.insert(location.as_str().to_owned(), Value::Object(params));
    }
    if let Some(body) = &op.request_body {
        let media = body
            .content
            .iter()
            .find(|m| m.media_type == "application/json")
            .or_else(|| body.content.first());
        if let Some(media) = media {
            sample.insert(
                "content_type".into(),
                Value::String(media.media_type.clone()),
            );
            sample.insert(
                "body".into(),
                synth::media_example(document, media, Request),
            );
        }
    }
    Value::Object(sample)
}
