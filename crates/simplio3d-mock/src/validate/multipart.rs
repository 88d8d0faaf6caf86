//! `multipart/form-data` and `application/x-www-form-urlencoded` bodies: one part (or
//! field) per schema property.

use std::convert::Infallible;

use bytes::Bytes;
use serde_json::{Map, Value};

use crate::model::{Media, OperationModel, resolve};
use crate::recorder::{RecordedPart, Violation, ViolationKind};

use super::{
    Context, Outcome, coerce, essence, media_type_matches, schema::escape, short_text, violation,
};

pub(super) async fn check_multipart(
    ctx: &Context<'_>,
    op: &OperationModel,
    media: &Media,
    content_type: &str,
    body: &Bytes,
    outcome: &mut Outcome,
) {
    let boundary = match multer::parse_boundary(content_type) {
        Ok(boundary) => boundary,
        Err(e) => {
            outcome.violations.push(violation(
                op,
                "/header/Content-Type",
                ViolationKind::ContentType,
                format!("multipart/form-data without a usable boundary: {e}"),
            ));
            return;
        }
    };
    let parsed = match read_parts(body.clone(), boundary.clone()).await {
        Ok(parts) => Ok(parts),
        // multer (httparse) refuses part headers with control or non-ASCII bytes, which RFC
        // 7578 clients do send in part names (schemathesis does): only for those, read the
        // body with our own, equally strict about framing, reader.
        Err(
            e @ (multer::Error::ReadHeaderFailed(_)
            | multer::Error::DecodeHeaderName { .. }
            | multer::Error::DecodeHeaderValue { .. }),
        ) => lenient_parts(body, &boundary).map_err(|lenient| format!("{e}; {lenient}")),
        Err(e) => Err(e.to_string()),
    };
    match parsed {
        Ok(parts) => outcome.parts = parts,
        Err(e) => {
            outcome.violations.push(violation(
                op,
                "/body",
                ViolationKind::ContentType,
                format!("the multipart body does not parse: {e}"),
            ));
            return;
        }
    }
    let found = check_parts(ctx, op, media, &outcome.parts, true);
    outcome.violations.extend(found);
}

pub(super) fn check_form(
    ctx: &Context<'_>,
    op: &OperationModel,
    media: &Media,
    body: &Bytes,
    outcome: &mut Outcome,
) {
    outcome.parts = url::form_urlencoded::parse(body)
        .map(|(name, value)| RecordedPart {
            name: name.into_owned(),
            file_name: None,
            content_type: None,
            data: Bytes::from(value.into_owned()),
        })
        .collect();
    let found = check_parts(ctx, op, media, &outcome.parts, false);
    outcome.violations.extend(found);
}

async fn read_parts(body: Bytes, boundary: String) -> Result<Vec<RecordedPart>, multer::Error> {
    let stream = futures::stream::once(async move { Ok::<_, Infallible>(body) });
    let mut multipart = multer::Multipart::new(stream, boundary);
    let mut parts = Vec::new();
    while let Some(field) = multipart.next_field().await? {
        let name = field.name().unwrap_or_default().to_owned();
        let file_name = field.file_name().map(str::to_owned);
        let content_type = field.content_type().map(ToString::to_string);
        let data = field.bytes().await?;
        parts.push(RecordedPart {
            name,
            file_name,
            content_type,
            data,
        });
    }
    Ok(parts)
}

/// Splits a multipart body on its delimiters (`CRLF--boundary`) and reads each part's
/// `Content-Disposition` (`name`, `filename`) and `Content-Type` byte-wise. Framing is as
/// strict as multer's: each delimiter ends its line, the close delimiter (`--boundary--`)
/// must be there, every part needs a name; only header bytes are taken as they come.
fn lenient_parts(body: &Bytes, boundary: &str) -> Result<Vec<RecordedPart>, String> {
    let dash = format!("--{boundary}");
    let delimiter = format!("\r\n--{boundary}");
    let text = body.as_ref();
    let mut at = if text.starts_with(dash.as_bytes()) {
        dash.len()
    } else {
        find(text, delimiter.as_bytes()).ok_or("no boundary delimiter")? + delimiter.len()
    };
    let mut parts = Vec::new();
    loop {
        let rest = &text[at..];
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        if !rest.starts_with(b"\r\n") {
            return Err("a boundary delimiter is not followed by CRLF".into());
        }
        at += 2;
        let end = find(&text[at..], delimiter.as_bytes())
            .ok_or("the closing boundary delimiter is missing")?;
        let chunk = &text[at..at + end];
        at += end + delimiter.len();
        let split = find(chunk, b"\r\n\r\n").ok_or("a part has no blank line after its headers")?;
        let head = String::from_utf8_lossy(&chunk[..split]).into_owned();
        let data = Bytes::copy_from_slice(&chunk[split + 4..]);
        let mut name = None;
        let mut file_name = None;
        let mut content_type = None;
        for line in head.split("\r\n") {
            let Some((key, value)) = line.split_once(':') else {
                continue;
            };
            if key.trim().eq_ignore_ascii_case("content-disposition") {
                name = quoted(value, "name");
                file_name = quoted(value, "filename");
            } else if key.trim().eq_ignore_ascii_case("content-type") {
                content_type = Some(value.trim().to_owned());
            }
        }
        parts.push(RecordedPart {
            name: name.ok_or("a part has no Content-Disposition name")?,
            file_name,
            content_type,
            data,
        });
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    // Two-way search: `windows().position()` is O(n·m) on a hostile body.
    memchr::memmem::find(haystack, needle)
}

/// `key="value"` in a `Content-Disposition` value (`name=` does not match `filename=`).
fn quoted(disposition: &str, key: &str) -> Option<String> {
    disposition.split(';').find_map(|param| {
        let (k, v) = param.trim().split_once('=')?;
        (k.trim() == key).then(|| v.trim().trim_matches('"').to_owned())
    })
}

/// The object schema of a form body, with `allOf` members merged (a common way to compose them).
struct FormSchema {
    properties: Map<String, Value>,
    required: Vec<String>,
    additional: Option<Value>,
}

fn form_schema(document: &Value, schema: &Value) -> FormSchema {
    let mut form = FormSchema {
        properties: Map::new(),
        required: Vec::new(),
        additional: None,
    };
    collect(document, schema, &mut form, 0);
    form
}

fn collect(document: &Value, schema: &Value, form: &mut FormSchema, depth: usize) {
    let Some(schema) = resolve(document, schema) else {
        return;
    };
    if depth > 16 {
        return;
    }
    if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
        for (name, property) in properties {
            form.properties.insert(name.clone(), property.clone());
        }
    }
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        form.required
            .extend(required.iter().filter_map(Value::as_str).map(str::to_owned));
    }
    if let Some(additional) = schema.get("additionalProperties") {
        form.additional = Some(additional.clone());
    }
    for member in schema
        .get("allOf")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        collect(document, member, form, depth + 1);
    }
}

fn check_parts(
    ctx: &Context<'_>,
    op: &OperationModel,
    media: &Media,
    parts: &[RecordedPart],
    multipart: bool,
) -> Vec<Violation> {
    let mut out = Vec::new();
    let Some(schema) = &media.schema else {
        return out;
    };
    let document = ctx.document;
    let form = form_schema(document, schema);
    let validator = ctx.schemas(op);

    for name in &form.required {
        let property = form.properties.get(name).and_then(|p| resolve(document, p));
        // A required array needs at least one part: `[]` has no parts on the wire, so it
        // cannot be told from a forgotten property, and the forgotten one is the bug to catch.
        if parts.iter().any(|p| p.name == *name)
            || property.is_some_and(|p| validator.skipped_in_direction(p))
        {
            continue;
        }
        out.push(violation(
            op,
            format!("/body/{}", escape(name)),
            ViolationKind::Missing,
            format!("required part `{name}` is missing"),
        ));
    }

    for (name, property) in &form.properties {
        let sent: Vec<&RecordedPart> = parts.iter().filter(|p| p.name == *name).collect();
        let property = resolve(document, property).unwrap_or(property);
        let is_array = property.get("type").and_then(Value::as_str) == Some("array");
        let location = format!("/body/{}", escape(name));
        if sent.is_empty() {
            continue;
        }
        // One part holding a JSON array or object is the whole value JSON-encoded (as some
        // clients send arrays); check it as such rather than as a single item.
        if let ([part], true) = (sent.as_slice(), is_array)
            && let Some(value) = json_encoded(part)
        {
            out.extend(validator.validate(property, &value, &location));
            continue;
        }
        if !is_array && sent.len() > 1 {
            out.push(violation(
                op,
                location.clone(),
                ViolationKind::Range,
                format!(
                    "part `{name}` is sent {} times; the schema allows one",
                    sent.len()
                ),
            ));
            continue;
        }
        let element = if is_array {
            property.get("items").unwrap_or(&Value::Bool(true))
        } else {
            property
        };
        let encoding = media
            .object
            .pointer(&format!("/encoding/{}/contentType", escape(name)))
            .and_then(Value::as_str);
        if is_array {
            for (i, part) in sent.iter().enumerate() {
                let here = format!("{location}/{i}");
                if let Some(value) =
                    part_value(ctx, op, element, part, multipart, encoding, &here, &mut out)
                {
                    out.extend(validator.validate(element, &value, &here));
                }
            }
            // Item counts: one part per item.
            out.extend(validator.validate(
                &item_counts(property),
                &Value::Array(vec![Value::Null; sent.len()]),
                &location,
            ));
        } else if let Some(value) = part_value(
            ctx, op, element, sent[0], multipart, encoding, &location, &mut out,
        ) {
            out.extend(validator.validate(property, &value, &location));
        }
    }

    let forbidden = matches!(form.additional, Some(Value::Bool(false)));
    // A set: a hostile body may carry ~100k tiny unknown parts.
    let mut reported = std::collections::HashSet::new();
    for part in parts
        .iter()
        .filter(|p| !form.properties.contains_key(&p.name))
    {
        if !reported.insert(part.name.as_str()) {
            continue;
        }
        let location = format!("/body/{}", escape(&part.name));
        if forbidden {
            out.push(violation(
                op,
                location,
                ViolationKind::Unknown,
                format!(
                    "part `{}` is not in the schema (additionalProperties: false)",
                    short_text(&part.name)
                ),
            ));
        } else if let Some(schema @ Value::Object(_)) = &form.additional {
            let text = String::from_utf8_lossy(&part.data);
            out.extend(validator.validate(schema, &coerce(document, schema, &text), &location));
        }
    }
    out
}

/// The `minItems`/`maxItems` of an array schema, alone.
fn item_counts(property: &Value) -> Value {
    Value::Object(
        property
            .as_object()
            .into_iter()
            .flatten()
            .filter(|(k, _)| *k == "minItems" || *k == "maxItems")
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    )
}

/// A part whose text is a JSON array or object (`[`/`{` first), parsed.
fn json_encoded(part: &RecordedPart) -> Option<Value> {
    if part.file_name.is_some() {
        return None;
    }
    let text = std::str::from_utf8(&part.data).ok()?.trim_start();
    if !text.starts_with(['[', '{']) {
        return None;
    }
    serde_json::from_str(text).ok()
}

/// The JSON value of one part, for schema validation; `None` when the part was fully
/// checked here (files) or could not be read (a violation is pushed).
#[allow(clippy::too_many_arguments)]
fn part_value(
    ctx: &Context<'_>,
    op: &OperationModel,
    schema: &Value,
    part: &RecordedPart,
    multipart: bool,
    encoding: Option<&str>,
    location: &str,
    out: &mut Vec<Violation>,
) -> Option<Value> {
    let schema = resolve(ctx.document, schema).unwrap_or(schema);
    let kind = schema.get("type").and_then(Value::as_str);
    let binary =
        kind == Some("string") && schema.get("format").and_then(Value::as_str) == Some("binary");
    if let (Some(declared), Some(sent)) = (encoding, part.content_type.as_deref())
        && !media_type_matches(declared, &essence(sent))
    {
        out.push(violation(
            op,
            location,
            ViolationKind::ContentType,
            format!(
                "part `{}` has content type {:?}; the encoding allows {declared:?}",
                part.name,
                short_text(sent)
            ),
        ));
    }
    if binary {
        if multipart && part.file_name.is_none() {
            out.push(violation(
                op,
                location,
                ViolationKind::Format,
                format!(
                    "part `{}` is `format: binary` and must be sent as a file (with a filename)",
                    part.name
                ),
            ));
        }
        return None;
    }
    let Ok(text) = std::str::from_utf8(&part.data) else {
        out.push(violation(
            op,
            location,
            ViolationKind::Type,
            format!("part `{}` is not UTF-8 text", part.name),
        ));
        return None;
    };
    if matches!(kind, Some("object" | "array")) {
        return match serde_json::from_str(text) {
            Ok(value) => Some(value),
            Err(e) => {
                out.push(violation(
                    op,
                    location,
                    ViolationKind::Type,
                    format!(
                        "part `{}` should hold a JSON {}: {e}",
                        part.name,
                        kind.unwrap_or("value")
                    ),
                ));
                None
            }
        };
    }
    Some(coerce(ctx.document, schema, text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lenient_reader_takes_part_names_multer_refuses() {
        let body = Bytes::from_static(
            b"--XX\r\nContent-Disposition: form-data; name=\"<\x07\xc3\x99\"\r\n\r\n1\r\n--XX\r\nContent-Disposition: form-data; name=\"f\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\nPNG\r\n--XX--\r\n",
        );
        let parts = lenient_parts(&body, "XX").expect("parts");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].name, "<\u{7}\u{d9}");
        assert_eq!(&parts[0].data[..], b"1");
        assert_eq!(
            (
                parts[1].file_name.as_deref(),
                parts[1].content_type.as_deref()
            ),
            (Some("a.png"), Some("image/png"))
        );
        assert_eq!(&parts[1].data[..], b"PNG");
        assert!(lenient_parts(&Bytes::from_static(b"not multipart"), "XX").is_err());
        // A delimiter inside a line is data, not a delimiter.
        let inline = Bytes::from_static(
            b"--XX\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nx--XXy\r\n--XX--",
        );
        assert_eq!(
            &lenient_parts(&inline, "XX").expect("parts")[0].data[..],
            b"x--XXy"
        );
    }

    #[test]
    fn lenient_reader_requires_the_closing_delimiter_and_names() {
        for (body, problem) in [
            (
                &b"--XX\r\nContent-Disposition: form-data; name=\"\xc3\x99\"\r\n\r\n1\r\n--XX\r\nContent-Disposition: form-data; name=\"b\"\r\n\r\n2\r\n"[..],
                "closing boundary delimiter is missing",
            ),
            (
                b"--XX\r\nContent-Disposition: form-data\r\n\r\n1\r\n--XX--",
                "no Content-Disposition name",
            ),
            (b"--XXjunk", "not followed by CRLF"),
        ] {
            let got = lenient_parts(&Bytes::copy_from_slice(body), "XX").expect_err("malformed");
            assert!(got.contains(problem), "{got}");
        }
    }
}
