//! Checks of a multipart body made while normalising, so that `load` reports them: what the
//! generated client cannot send as the spec describes is an error; what the spec says and
//! the client does not do is a warning, never silent.

use serde_json::{Map, Value};

use super::{follow, media_type_key};
use crate::load::{Operation, Warning};
use crate::normalise::resolve;
use crate::{Error, Result, pointer};

/// Errors and warnings for `op`'s multipart body; none when it has none.
pub(crate) fn check(doc: &Value, op: &Operation) -> Result<Vec<Warning>> {
    let op_ptr = format!("/paths/{}/{}", pointer::escape(&op.path), op.method);
    let Some((body_ptr, key)) = media_type_key(doc, &op_ptr) else {
        return Ok(Vec::new());
    };
    let mut warnings = other_media_types(doc, op, &body_ptr, &key);
    let media_ptr = format!("{body_ptr}/content/{}", pointer::escape(&key));
    // A body without a schema or properties is `MultipartOp::analyse`'s error to report.
    let properties = follow(doc, format!("{media_ptr}/schema")).and_then(|schema_ptr| {
        let properties = doc
            .pointer(&format!("{schema_ptr}/properties"))?
            .as_object()?;
        Some((schema_ptr, properties))
    });
    let empty = Map::new();
    let properties = match properties {
        Some((schema_ptr, properties)) => {
            part_names(op, &schema_ptr, properties)?;
            properties
        }
        None => &empty,
    };
    warnings.extend(encoding(doc, op, &media_ptr, properties)?);
    Ok(warnings)
}

/// progenitor takes one media type per body; the client sends the multipart one.
fn other_media_types(doc: &Value, op: &Operation, body_ptr: &str, key: &str) -> Vec<Warning> {
    let content = doc
        .pointer(&format!("{body_ptr}/content"))
        .and_then(Value::as_object);
    content
        .into_iter()
        .flat_map(|c| c.keys())
        .filter(|other| *other != key)
        .map(|other| {
            let ptr = format!("{body_ptr}/content/{}", pointer::escape(other));
            Warning {
                pointer: format!("#{ptr}"),
                message: format!(
                    "{}: the request body is offered as {key:?} and as {other:?}; the generated client sends {key:?} only, so the {other:?} variant is not generated",
                    op.label()
                ),
                overlay_action: Some(format!(
                    "  - target: {}\n    remove: true\n",
                    pointer::yaml_quoted(&pointer::jsonpath(&ptr))
                )),
            }
        })
        .collect()
}

/// Part names travel verbatim in `Content-Disposition: form-data; name="…"` (RFC 7578
/// §4.2; the client turns reqwest's percent-encoding off because `name*=` is forbidden
/// there). A quote, CR or LF cannot be carried: browsers send `%22`/`%0D`/`%0A`, which
/// servers do not decode back, so such a name could never arrive as the spec names it.
fn part_names(op: &Operation, schema_ptr: &str, properties: &Map<String, Value>) -> Result<()> {
    let bad = properties
        .keys()
        .find(|name| name.contains(['"', '\r', '\n']));
    match bad {
        None => Ok(()),
        Some(name) => Err(Error::Unsupported {
            operation: op.label(),
            pointer: format!("#{schema_ptr}/properties/{}", pointer::escape(name)),
            message: format!(
                "part name {name:?} contains a double quote, CR or LF, which a multipart/form-data part name cannot carry"
            ),
        }),
    }
}

/// `encoding.<prop>`: `contentType` is honoured; the rest is checked here.
fn encoding(
    doc: &Value,
    op: &Operation,
    media_ptr: &str,
    properties: &Map<String, Value>,
) -> Result<Vec<Warning>> {
    let Some(encoding) = doc
        .pointer(&format!("{media_ptr}/encoding"))
        .and_then(Value::as_object)
    else {
        return Ok(Vec::new());
    };
    let mut warnings = Vec::new();
    let mut warn = |ptr: String, message: String| {
        warnings.push(Warning {
            pointer: format!("#{ptr}"),
            message: format!("{}: {message}", op.label()),
            overlay_action: None,
        });
    };
    for (prop, entry) in encoding {
        let entry_ptr = format!("{media_ptr}/encoding/{}", pointer::escape(prop));
        if !properties.contains_key(prop) {
            warn(
                entry_ptr.clone(),
                format!(
                    "`encoding` names {prop:?}, which is no property of the body; it is ignored"
                ),
            );
        }
        // OpenAPI 3.0: these "SHALL be ignored" unless the body is form-urlencoded.
        for key in ["style", "explode", "allowReserved"] {
            if entry.get(key).is_some() {
                warn(
                    format!("{entry_ptr}/{key}"),
                    format!(
                        "`{key}` applies to application/x-www-form-urlencoded bodies only (OpenAPI 3.0); part {prop:?} is sent as one part per value"
                    ),
                );
            }
        }
        if let Some(headers) = entry.get("headers").and_then(Value::as_object) {
            let headers_ptr = format!("{entry_ptr}/headers");
            let mut ignored = Vec::new();
            for (name, header) in headers {
                // The spec has `Content-Type` ignored here (it is `contentType`'s job).
                if name.eq_ignore_ascii_case("content-type") {
                    continue;
                }
                if resolve(doc, header).get("required") == Some(&Value::Bool(true)) {
                    return Err(Error::Unsupported {
                        operation: op.label(),
                        pointer: format!("#{headers_ptr}/{}", pointer::escape(name)),
                        message: format!(
                            "part {prop:?} requires the part header {name:?}, and the generated client sends no part headers"
                        ),
                    });
                }
                ignored.push(format!("{name:?}"));
            }
            if !ignored.is_empty() {
                warn(
                    headers_ptr,
                    format!(
                        "the optional part header(s) {} of part {prop:?} are not sent",
                        ignored.join(", ")
                    ),
                );
            }
        }
    }
    Ok(warnings)
}
