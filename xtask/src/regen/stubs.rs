//! `--write-overlay-stubs`: pin the derived names of operations the overlay does not name.

use simplio3d_codegen::{Source, Warning};

const MARKER: &str = "  # Added by `cargo xtask regen --write-overlay-stubs`: review each name, then delete this line.\n";

/// The overlay with one action appended per warning that suggests one; `None` when no
/// warning does. Appending works because `actions` is the overlay's last key; the caller
/// reloads the result in strict mode, so a layout where it is not fails loudly.
pub(super) fn append(overlay: &Source, warnings: &[Warning]) -> Option<Source> {
    let actions: Vec<&str> = warnings
        .iter()
        .filter_map(|w| w.overlay_action.as_deref())
        .collect();
    if actions.is_empty() {
        return None;
    }
    let mut bytes = overlay.bytes.clone();
    if !bytes.ends_with(b"\n") {
        bytes.push(b'\n');
    }
    bytes.extend_from_slice(MARKER.as_bytes());
    for action in actions {
        bytes.extend_from_slice(action.as_bytes());
        if !action.ends_with('\n') {
            bytes.push(b'\n');
        }
    }
    Some(Source {
        name: overlay.name.clone(),
        bytes,
    })
}

/// How many actions `extended` has beyond `original` (for messages).
pub(super) fn count(original: &Source, extended: &Source) -> usize {
    let targets = |s: &Source| {
        String::from_utf8_lossy(&s.bytes)
            .matches("- target:")
            .count()
    };
    targets(extended).saturating_sub(targets(original))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn appends_each_suggested_action_after_a_marker() {
        let overlay = Source {
            name: "overlay.yaml".into(),
            bytes: b"actions:\n  - target: a\n    update: {}".to_vec(),
        };
        let warnings = vec![
            Warning {
                pointer: "#/p".into(),
                message: "m".into(),
                overlay_action: Some("  - target: b\n    update:\n      operationId: b\n".into()),
            },
            Warning {
                pointer: "#/q".into(),
                message: "no action".into(),
                overlay_action: None,
            },
        ];
        let extended = append(&overlay, &warnings).expect("one action suggested");
        let text = String::from_utf8(extended.bytes.clone()).unwrap();
        assert!(
            text.starts_with("actions:\n  - target: a\n    update: {}\n  # Added by"),
            "{text}"
        );
        assert!(
            text.ends_with("  - target: b\n    update:\n      operationId: b\n"),
            "{text}"
        );
        assert_eq!(count(&overlay, &extended), 1);
        assert!(append(&overlay, &warnings[1..]).is_none());
    }
}
