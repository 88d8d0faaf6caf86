//! The Simplio3D Open API client, generated from `spec/` at build time.
//!
//! Most users want the `simplio3d` crate, which wraps this one with configuration, auth,
//! typed errors, retries and a session cache. This crate is the raw generated surface:
//! [`Client`] with one method per operation (e.g. [`Client::create_session`]), the
//! request/response [`types`], [`multipart`] support that progenitor lacks, and the
//! [`ClientState`] each client applies to its requests (the API key, a timeout, a bound on
//! response bodies) through its own hooks.
//!
//! Never edit the generated code: change `spec/overlay.yaml` and run `cargo xtask regen`.
//! `generated/client.rs` in this crate's directory is a committed copy for review.
#![deny(missing_docs)]

#[allow(missing_docs, clippy::all, clippy::pedantic, unused_qualifications)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/client.rs"));
}

pub use generated::*;

mod state;
pub use state::{BodyTooLarge, ClientState};

/// The generated source, as compiled (for the snapshot test and `cargo xtask regen`).
#[doc(hidden)]
pub const GENERATED_SOURCE: &str = include_str!(concat!(env!("OUT_DIR"), "/client.rs"));
