//! Loading: bytes → JSON value → overlay applied → normalised → `openapiv3::OpenAPI`.

use std::fmt;
use std::path::Path;

use enumset::EnumSet;
use roas_overlay::apply::{Apply, ApplyOptions};
use roas_overlay::validation::Validate;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::{Error, Result, normalise};

/// A document and the name it is reported under (a file name, a URL).
#[derive(Clone, Debug)]
pub struct Source {
    /// How errors and the banner name this document.
    pub name: String,
    /// The exact bytes.
    pub bytes: Vec<u8>,
}

impl Source {
    /// Reads a file; the source is named by its file name.
    pub fn read(path: &Path) -> Result<Self> {
        let bytes = std::fs::read(path).map_err(|source| Error::Read {
            path: path.to_owned(),
            source,
        })?;
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        Ok(Self { name, bytes })
    }

    /// Hex sha256 of the bytes.
    pub fn sha256(&self) -> String {
        hex(&Sha256::digest(&self.bytes))
    }
}

/// One operation of the normalised document.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Operation {
    /// The Rust method name on `Client` (snake_case).
    pub name: String,
    /// Lower-case HTTP method (`post`).
    pub method: String,
    /// Path template (`/api/open-api/v1/auth/create-session`).
    pub path: String,
    /// The operationId the vendor document gave, if any.
    pub vendor_operation_id: Option<String>,
    /// JSON pointer to the operation.
    pub pointer: String,
}

impl Operation {
    /// `POST /path`.
    pub fn label(&self) -> String {
        format!("{} {}", self.method.to_uppercase(), self.path)
    }
}

/// Something the maintainer should act on; generation still succeeded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Warning {
    /// JSON pointer to what the warning is about.
    pub pointer: String,
    /// What happened.
    pub message: String,
    /// An overlay action (YAML, one list item) that would settle it, if one would.
    pub overlay_action: Option<String>,
}

impl fmt::Display for Warning {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.message, self.pointer)?;
        if let Some(action) = &self.overlay_action {
            write!(
                f,
                "; pin it with this action in spec/overlay.yaml:\n{action}"
            )?;
        }
        Ok(())
    }
}

/// A loaded, overlaid and normalised OpenAPI document.
#[derive(Clone, Debug)]
pub struct Spec {
    /// The normalised document, typed.
    pub openapi: openapiv3::OpenAPI,
    /// The same document as JSON (what the generator and the mock read).
    pub document: Value,
    /// The operations, in document order, with their final Rust names.
    pub operations: Vec<Operation>,
    /// Warnings from normalisation.
    pub warnings: Vec<Warning>,
    /// Name of the vendor document.
    pub spec_name: String,
    /// sha256 of the vendor document's bytes.
    pub spec_sha256: String,
    /// Name and sha256 of the overlay, when one was applied.
    pub overlay: Option<(String, String)>,
    /// Operation pointer → the name `normalise` reserved for its multipart body type.
    pub(crate) multipart_bodies: std::collections::BTreeMap<String, String>,
}

/// Loads `spec`, applies `overlay` (strict), and normalises the result.
pub fn load(spec: &Source, overlay: Option<&Source>) -> Result<Spec> {
    let mut document = parse_document(spec)?;
    if let Some(overlay) = overlay {
        apply_overlay(&mut document, overlay)?;
    }
    let normalised = normalise::normalise(document, &spec.name)?;
    Ok(Spec {
        openapi: normalised.openapi,
        document: normalised.document,
        operations: normalised.operations,
        warnings: normalised.warnings,
        spec_name: spec.name.clone(),
        spec_sha256: spec.sha256(),
        overlay: overlay.map(|o| (o.name.clone(), o.sha256())),
        multipart_bodies: normalised.multipart_bodies,
    })
}

/// [`load`] from files.
pub fn load_files(spec: &Path, overlay: Option<&Path>) -> Result<Spec> {
    let spec = Source::read(spec)?;
    let overlay = overlay.map(Source::read).transpose()?;
    load(&spec, overlay.as_ref())
}

/// JSON when it looks like JSON (JSON's errors are clearer), else YAML, which also reads
/// a document that starts like JSON but is a YAML flow mapping (`{openapi: 3.0.0, …}`).
/// When neither parses, the error is JSON's for what was meant as JSON (a `.json` name,
/// or `{"` at the start), YAML's otherwise.
pub(crate) fn parse_document(source: &Source) -> Result<Value> {
    let text = std::str::from_utf8(&source.bytes).map_err(|e| Error::Syntax {
        file: source.name.clone(),
        message: format!("not UTF-8 text ({e})"),
    })?;
    let text = text.trim_start_matches('\u{feff}');
    let yaml = |text| serde_yaml_ng::from_str::<Value>(text).map_err(|e| e.to_string());
    let parsed = match text.trim_start().strip_prefix('{') {
        None => yaml(text),
        Some(rest) => serde_json::from_str::<Value>(text).or_else(|json_error| {
            yaml(text).map_err(|yaml_error| {
                let meant_as_json = source.name.to_ascii_lowercase().ends_with(".json")
                    || rest.trim_start().starts_with('"');
                if meant_as_json {
                    json_error.to_string()
                } else {
                    yaml_error
                }
            })
        }),
    };
    parsed.map_err(|message| Error::Syntax {
        file: source.name.clone(),
        message,
    })
}

fn apply_overlay(document: &mut Value, source: &Source) -> Result<()> {
    let overlay_error = |message: String| Error::Overlay {
        file: source.name.clone(),
        message,
    };
    let value = parse_document(source)?;
    let overlay: roas_overlay::v1_0::Overlay =
        serde_json::from_value(value).map_err(|e| overlay_error(e.to_string()))?;
    overlay
        .validate(EnumSet::empty())
        .map_err(|e| overlay_error(e.to_string().trim_end().to_owned()))?;
    let strict = ApplyOptions::ErrorOnZeroMatch | ApplyOptions::ErrorOnMixedKindMatch;
    overlay
        .apply(document, strict)
        .map_err(|e| Error::OverlayAction {
            file: source.name.clone(),
            index: e.action_index,
            target: e.target.clone(),
            message: e.kind.to_string(),
        })?;
    Ok(())
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str, text: &str) -> Result<Value> {
        parse_document(&Source {
            name: name.to_owned(),
            bytes: text.as_bytes().to_vec(),
        })
    }

    #[test]
    fn json_yaml_and_yaml_flow_mappings_parse() {
        let json = parse("a.json", r#"{"openapi": "3.0.0"}"#).expect("JSON");
        assert_eq!(json["openapi"], "3.0.0");
        let yaml = parse("a.yaml", "openapi: 3.0.0\n").expect("YAML");
        assert_eq!(yaml["openapi"], "3.0.0");
        let flow = parse("a.yaml", "{openapi: 3.0.0, info: {title: t}, paths: {}}").expect("flow");
        assert_eq!(flow["info"]["title"], "t");
    }

    #[test]
    fn broken_json_reports_the_json_error() {
        for (name, text) in [
            ("spec.json", r#"{"openapi": "3.0.0", "paths": {"#),
            ("spec", "{\n  \"openapi\": \"3.0.0\",\n  \"paths\": [1, 2}"),
        ] {
            let message = parse(name, text).expect_err("broken").to_string();
            assert!(
                message.contains(&format!("{name}: not valid JSON or YAML")),
                "{message}"
            );
            assert!(message.contains("line "), "{message}");
            assert!(
                !message.contains("did not find"),
                "{name}: YAML's error: {message}"
            );
        }
        let message = parse("spec.yaml", "{openapi: [3.0.0}")
            .expect_err("broken")
            .to_string();
        assert!(
            !message.contains("key must be a string"),
            "JSON's error: {message}"
        );
    }
}
