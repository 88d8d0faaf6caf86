//! RFC 6901 JSON pointers and overlay JSONPath targets, for error messages and warnings.

/// Escapes one reference token of a JSON pointer (`~` → `~0`, `/` → `~1`).
pub(crate) fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// `#/paths/~1a~1b/post` for an operation.
pub(crate) fn operation(path: &str, method: &str) -> String {
    format!("#/paths/{}/{method}", escape(path))
}

/// The overlay JSONPath that selects an operation by path and method (never by id).
pub(crate) fn overlay_target(path: &str, method: &str) -> String {
    let quoted = path.replace('\\', "\\\\").replace('\'', "\\'");
    format!("$.paths['{quoted}'].{method}")
}
