//! Path, query, header and cookie parameters.

use serde_json::Value;

use crate::model::{OperationModel, ParamIn, Parameter, resolve};
use crate::recorder::{Violation, ViolationKind};

use super::{Context, Request, coerce, schema::escape, violation};

pub(super) fn check(
    ctx: &Context<'_>,
    op: &OperationModel,
    request: &Request<'_>,
) -> Vec<Violation> {
    let query: Vec<(String, String)> = request
        .query
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let validator = ctx.schemas(op);
    let mut out = Vec::new();
    for parameter in &op.parameters {
        // OpenAPI: these header parameters are ignored (the content type and security describe them).
        if parameter.location == ParamIn::Header
            && ["accept", "content-type", "authorization"]
                .contains(&parameter.name.to_ascii_lowercase().as_str())
        {
            continue;
        }
        let values = raw_values(parameter, request, &query);
        let location = format!(
            "/{}/{}",
            parameter.location.as_str(),
            escape(&parameter.name)
        );
        if values.is_empty() {
            if parameter.required {
                out.push(violation(
                    op,
                    location,
                    ViolationKind::Missing,
                    format!(
                        "required {} parameter `{}` is missing",
                        parameter.location.as_str(),
                        parameter.name
                    ),
                ));
            }
            continue;
        }
        let instance = typed_value(ctx.document, parameter, &values);
        out.extend(validator.validate(&parameter.schema, &instance, &location));
    }
    out
}

fn raw_values(
    parameter: &Parameter,
    request: &Request<'_>,
    query: &[(String, String)],
) -> Vec<String> {
    match parameter.location {
        ParamIn::Path => request
            .path_params
            .iter()
            .filter(|(name, _)| *name == parameter.name)
            .map(|(_, v)| v.clone())
            .collect(),
        ParamIn::Query => query
            .iter()
            .filter(|(k, _)| *k == parameter.name)
            .map(|(_, v)| v.clone())
            .collect(),
        ParamIn::Header => request
            .headers
            .get_all(parameter.name.as_str())
            .iter()
            .filter_map(|v| v.to_str().ok().map(str::to_owned))
            .collect(),
        ParamIn::Cookie => request
            .headers
            .get_all("cookie")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .filter(|(k, _)| *k == parameter.name)
            .map(|(_, v)| v.to_owned())
            .collect(),
    }
}

/// Arrays are repeated (`explode: true`, the default for query) or comma-separated.
fn typed_value(document: &Value, parameter: &Parameter, values: &[String]) -> Value {
    let schema = resolve(document, &parameter.schema).unwrap_or(&parameter.schema);
    if schema.get("type").and_then(Value::as_str) == Some("array") {
        let items = schema.get("items").cloned().unwrap_or(Value::Bool(true));
        let texts: Vec<&str> = if parameter.explode && parameter.location == ParamIn::Query {
            values.iter().map(String::as_str).collect()
        } else {
            values.iter().flat_map(|v| v.split(',')).collect()
        };
        return Value::Array(
            texts
                .into_iter()
                .map(|t| coerce(document, &items, t))
                .collect(),
        );
    }
    coerce(document, &parameter.schema, &values[0])
}
