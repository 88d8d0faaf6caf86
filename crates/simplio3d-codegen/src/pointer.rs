//! RFC 6901 JSON pointers and overlay JSONPath targets, for error messages and warnings.

/// Escapes one reference token of a JSON pointer (`~` → `~0`, `/` → `~1`).
pub(crate) fn escape(token: &str) -> String {
    token.replace('~', "~0").replace('/', "~1")
}

/// The reference tokens of a JSON pointer (without `#`), unescaped.
fn tokens(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer
        .split('/')
        .skip(1)
        .map(|t| t.replace("~1", "/").replace("~0", "~"))
}

/// `#/paths/~1a~1b/post` for an operation.
pub(crate) fn operation(path: &str, method: &str) -> String {
    format!("#/paths/{}/{method}", escape(path))
}

/// The overlay JSONPath that selects an operation by path and method (never by id).
pub(crate) fn overlay_target(path: &str, method: &str) -> String {
    jsonpath(&format!("/paths/{}/{method}", escape(path)))
}

/// The JSONPath (RFC 9535) selecting the node at a JSON pointer (without `#`):
/// `/paths/~1a/post` → `$.paths['/a'].post`. Names that are not identifiers go in quoted
/// brackets, with `\` and `'` escaped.
pub(crate) fn jsonpath(pointer: &str) -> String {
    let mut out = String::from("$");
    for token in tokens(pointer) {
        let plain = token.starts_with(|c: char| c.is_ascii_alphabetic() || c == '_')
            && token.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
        if plain {
            out.push('.');
            out.push_str(&token);
        } else {
            let quoted = token.replace('\\', "\\\\").replace('\'', "\\'");
            out.push_str(&format!("['{quoted}']"));
        }
    }
    out
}

/// `text` as a YAML double-quoted scalar, so that any path survives in an overlay action.
pub(crate) fn yaml_quoted(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonpaths_select_by_path_and_method() {
        assert_eq!(
            overlay_target("/api/v1/items/{id}", "post"),
            "$.paths['/api/v1/items/{id}'].post"
        );
        assert_eq!(
            jsonpath("/paths/~1a/post/requestBody/content/application~1json"),
            "$.paths['/a'].post.requestBody.content['application/json']"
        );
        assert_eq!(jsonpath("/paths/~1it's~0/get"), r"$.paths['/it\'s~'].get");
        assert_eq!(jsonpath("/x/200"), "$.x['200']");
    }

    #[test]
    fn yaml_quoting_round_trips() {
        for text in [
            r#"$.paths['/a "b" \c'].post"#,
            "tab\tnew\nline\u{7}",
            "plain",
        ] {
            let parsed: String = serde_yaml_ng::from_str(&yaml_quoted(text)).expect("YAML");
            assert_eq!(parsed, text);
        }
    }
}
