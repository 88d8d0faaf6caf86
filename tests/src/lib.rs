//! Clients generated from the fixture specs in `fixtures/specs/`, one module per spec.
//!
//! They exist to be compiled and exercised by this package's tests (`tests/it/`): the
//! fixture corpus covers what the vendor's wider API will need (multipart with files,
//! optional and array parts, path and query parameters, JSON bodies, 204s, `$ref`s, enums,
//! hash and keyword operationIds, non-identifier property names).

/// One module per fixture spec. Not exempt from clippy: CI's `cargo clippy --all-targets
/// -D warnings` checks what the generator emits for every fixture.
#[allow(missing_docs, unused_qualifications)]
pub mod fixtures {
    include!(concat!(env!("OUT_DIR"), "/fixtures.rs"));
}

pub mod harness;
