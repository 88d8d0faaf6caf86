//! The one error type of code generation: every variant says what is wrong and where.

use std::path::PathBuf;

/// Why a document could not be loaded or a client could not be generated.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A document is neither JSON nor YAML.
    #[error("{file}: not valid JSON or YAML: {message}")]
    Syntax {
        /// Name of the document.
        file: String,
        /// What the parser said.
        message: String,
    },
    /// The overlay document itself is malformed.
    #[error("overlay {file}: {message}")]
    Overlay {
        /// Name of the overlay document.
        file: String,
        /// What is wrong.
        message: String,
    },
    /// An overlay action failed, e.g. its target matches nothing (strict mode).
    #[error(
        "overlay {file}: actions[{index}] (target {target}): {message}; fix or remove that action"
    )]
    OverlayAction {
        /// Name of the overlay document.
        file: String,
        /// Index of the action in `actions`.
        index: usize,
        /// The action's JSONPath target.
        target: String,
        /// What went wrong.
        message: String,
    },
    /// The document is valid JSON/YAML but not an OpenAPI 3.0.x document we can use.
    #[error("{file}{pointer}: {message}")]
    Invalid {
        /// Name of the document.
        file: String,
        /// JSON pointer (`#/paths/...`) to the offending node.
        pointer: String,
        /// What is wrong.
        message: String,
    },
    /// An operation uses something the generator cannot produce code for.
    #[error("operation {operation} ({pointer}): {message}")]
    Unsupported {
        /// `METHOD /path`.
        operation: String,
        /// JSON pointer to the offending node.
        pointer: String,
        /// What is unsupported.
        message: String,
    },
    /// progenitor rejected the (normalised) document.
    #[error("progenitor: {0}")]
    Progenitor(String),
    /// An internal invariant failed: generated tokens do not have the expected shape.
    #[error("internal code generation error: {0}")]
    Internal(String),
}
