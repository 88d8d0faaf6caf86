//! A spec-driven, validating mock server for the Simplio3D Open API, or any OpenAPI 3.0
//! document: stripe-mock style, for tests, examples and your own CI.
//!
//! For each request the mock
//! - routes by method and path template (404 for an unknown path, 405 with `Allow` for a
//!   known path with another method);
//! - validates it against the operation: security (the API key header; with
//!   [`MockConfig::api_key`], a wrong key gets the spec's 403), path/query/header/cookie
//!   parameters, content type, `multipart/form-data` parts (required, types and formats,
//!   `format: binary` parts sent as files, unknown parts when the schema forbids them) and
//!   JSON bodies against their schema;
//! - answers with the declared response: the spec's example, or one synthesised from the
//!   schema. A test chooses the status with a `Prefer: code=403` header (as with Prism) or
//!   programmatically ([`MockServer::respond_with`], [`MockServer::enqueue`]);
//! - records every request and every [`Violation`] ([`MockServer::requests`],
//!   [`MockServer::violations`]). An invalid request is answered with the spec's 400 (401/403
//!   for credentials) and a body that lists the violations.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use simplio3d_mock::{MockConfig, MockServer};
//!
//! let mock = MockServer::vendor(MockConfig::default().api_key("test-key")).await?;
//! let client = reqwest::Client::new();
//! let form = reqwest::multipart::Form::new().text("id", "demo").text("domain_name", "shop.example.com");
//! let answer = client
//!     .post(format!("{}/api/open-api/v1/auth/create-session", mock.base_url()))
//!     .header("Authorization", "test-key")
//!     .multipart(form)
//!     .send()
//!     .await?;
//! assert_eq!(answer.status(), 200);
//! assert!(mock.violations().is_empty());
//! # Ok(()) }
//! ```
#![deny(missing_docs)]

mod body;
mod config;
mod handler;
mod model;
mod recorder;
mod respond;
mod router;
mod serve;
mod server;
mod synth;
mod validate;

use simplio3d_codegen::{Source, Spec};

pub use recorder::{RecordedPart, RecordedRequest, Violation, ViolationKind};
pub use respond::{Reply, VIOLATIONS_HEADER};
pub use server::{MockConfig, MockServer};
pub use synth::example;
pub use validate::schema::Direction;

/// The vendor document, embedded (byte-identical to `spec/simplio3d.openapi.json`).
const VENDOR_SPEC: &[u8] = include_bytes!("../../../spec/simplio3d.openapi.json");
/// The SDK's overlay on it, embedded.
const VENDOR_OVERLAY: &[u8] = include_bytes!("../../../spec/overlay.yaml");

/// The vendor's document with the SDK's overlay applied, as the generated client sees it.
pub fn vendor_spec() -> Result<Spec, Error> {
    let spec = Source {
        name: "simplio3d.openapi.json".into(),
        bytes: VENDOR_SPEC.to_vec(),
    };
    let overlay = Source {
        name: "overlay.yaml".into(),
        bytes: VENDOR_OVERLAY.to_vec(),
    };
    Ok(simplio3d_codegen::load(&spec, Some(&overlay))?)
}

/// Why the mock could not start or a call on it failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The spec (or overlay) could not be loaded.
    #[error(transparent)]
    Spec(#[from] simplio3d_codegen::Error),
    /// The listening socket could not be opened.
    #[error("cannot listen on 127.0.0.1:{port}: {source}")]
    Bind {
        /// The requested port (0 = any).
        port: u16,
        /// The I/O error.
        source: std::io::Error,
    },
    /// No operation has this Rust name.
    #[error("no operation named `{name}` in the spec (known: {})", known.join(", "))]
    UnknownOperation {
        /// The name asked for.
        name: String,
        /// The operations the spec has.
        known: Vec<String>,
    },
}
