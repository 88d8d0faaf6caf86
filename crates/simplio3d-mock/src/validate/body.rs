//! The request body: presence, content type, and the body itself.

use crate::model::{Media, OperationModel};
use crate::recorder::ViolationKind;

use super::{Context, Outcome, Request, essence, media_type_matches, multipart, violation};

pub(super) async fn check(
    ctx: &Context<'_>,
    op: &OperationModel,
    request: &Request<'_>,
    outcome: &mut Outcome,
) {
    let Some(declared) = &op.request_body else {
        return;
    };
    let content_type = request
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let Some(content_type) = content_type.filter(|_| !request.body.is_empty() || declared.required)
    else {
        if declared.required {
            outcome.violations.push(violation(
                op,
                "/body",
                ViolationKind::Missing,
                "the request body is required",
            ));
        }
        return;
    };
    let actual = essence(&content_type);
    let Some(media) = pick_media(&declared.content, &actual) else {
        let accepted: Vec<&str> = declared
            .content
            .iter()
            .map(|m| m.media_type.as_str())
            .collect();
        outcome.violations.push(violation(
            op,
            "/header/Content-Type",
            ViolationKind::ContentType,
            format!(
                "content type {:?} is not accepted; the operation takes {}",
                super::short_text(&actual),
                accepted.join(", ")
            ),
        ));
        return;
    };
    if actual == "multipart/form-data" {
        multipart::check_multipart(ctx, op, media, &content_type, request.body, outcome).await;
    } else if actual == "application/x-www-form-urlencoded" {
        multipart::check_form(ctx, op, media, request.body, outcome);
    } else if actual == "application/json" || actual.ends_with("+json") {
        check_json(ctx, op, media, request, outcome);
    }
    // Other media types (octet-stream, text, images) carry opaque bytes: nothing to check.
}

/// An exact media type wins over `type/*`, which wins over `*/*`.
fn pick_media<'a>(content: &'a [Media], actual: &str) -> Option<&'a Media> {
    content
        .iter()
        .find(|m| m.media_type == actual)
        .or_else(|| {
            content.iter().find(|m| {
                m.media_type.ends_with("/*")
                    && m.media_type != "*/*"
                    && media_type_matches(&m.media_type, actual)
            })
        })
        .or_else(|| content.iter().find(|m| m.media_type == "*/*"))
}

fn check_json(
    ctx: &Context<'_>,
    op: &OperationModel,
    media: &Media,
    request: &Request<'_>,
    outcome: &mut Outcome,
) {
    let instance: serde_json::Value = match serde_json::from_slice(request.body) {
        Ok(value) => value,
        Err(e) => {
            outcome.violations.push(violation(
                op,
                "/body",
                ViolationKind::ContentType,
                format!("the body is not valid JSON: {e}"),
            ));
            return;
        }
    };
    if let Some(schema) = &media.schema {
        outcome
            .violations
            .extend(ctx.schemas(op).validate(schema, &instance, "/body"));
    }
}
