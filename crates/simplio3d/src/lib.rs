//! Rust SDK for the [Simplio3D](https://simplio3d.com) Open API.
//!
//! This crate is what a Rust backend uses: configuration checked up front, the API key
//! sent as the vendor's `apiKeyAuth` scheme says, typed errors, retries with backoff, a
//! session cache that makes one call per token lifetime, and `tracing` spans. Every HTTP
//! call goes through the client generated from the vendor's OpenAPI document
//! ([`simplio3d_client`]); this crate never hand-writes a request the spec describes.
//!
//! # Quick start
//!
//! ```no_run
//! use simplio3d::{SessionCache, Simplio3d};
//!
//! # async fn demo() -> Result<(), simplio3d::Error> {
//! // Reads SIMPLIO3D_API_KEY, and SIMPLIO3D_BASE_URL if set.
//! let client = Simplio3d::from_env()?;
//!
//! // One call:
//! let session = client.create_session("edcfrt", "shop.example.com").await?;
//! println!("session expires at {:?}", session.expires_at());
//!
//! // Or, per page view, a cached session (one call per token lifetime):
//! let cache = SessionCache::new(client);
//! let session = cache.get("edcfrt", "shop.example.com").await?;
//! let authorization = session.token.bearer_header(); // `Bearer <token>`, marked sensitive
//! # let _ = authorization; Ok(()) }
//! ```
//!
//! `examples/quickstart.rs` runs the same against the embedded mock server, no account
//! needed: `cargo run -p simplio3d --example quickstart`.
//!
//! # Secrets
//!
//! The API key and session tokens never appear in `Debug` or `Display` output, error
//! messages or log events; header values carrying them are marked sensitive.
//!
//! # Limits
//!
//! Every response body is read through a size limit
//! ([`Simplio3dBuilder::max_response_bytes`], default 1 MiB; past it,
//! [`Error::ResponseTooLarge`]), enforced inside the generated client's own `exec` hook
//! ([`simplio3d_client::ClientState`]). Error responses are mostly not read at
//! all, and a message is looked for in at most 64 KiB. Time is bounded by the per-attempt
//! timeout and the retry policy's overall deadline.
#![deny(missing_docs)]

mod cache;
mod client;
mod config;
mod error;
mod jwt;
mod retry;
mod session;
mod validate;

pub use cache::{SessionCache, SessionCacheBuilder};
pub use client::Simplio3d;
pub use config::{DEFAULT_BASE_URL, ENV_API_KEY, ENV_BASE_URL, Simplio3dBuilder};
pub use error::Error;
/// The HTTP status type used in [`Error`] (re-exported from `reqwest`).
pub use reqwest::StatusCode;
pub use retry::RetryPolicy;
pub use secrecy::SecretString;
pub use session::{InvalidToken, Session, SessionToken};
