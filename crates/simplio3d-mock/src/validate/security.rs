//! The operation's security requirement: is a credential present, and is it the right one.

use crate::model::{Credential, OperationModel, ParamIn, Scheme};
use crate::recorder::{Violation, ViolationKind};

use super::{Context, Request, violation};

/// What a request presented for one scheme.
enum Presented<'a> {
    Absent,
    Value(&'a str),
}

/// A violation when no alternative of the requirement is satisfied: `MissingCredentials`
/// when none is fully present, `WrongCredentials` when one is present but the key differs
/// from the configured one.
pub(super) fn check(
    ctx: &Context<'_>,
    op: &OperationModel,
    request: &Request<'_>,
) -> Option<Violation> {
    let first = op.security.first()?.first()?;
    let mut wrong: Option<&Scheme> = None;
    for alternative in &op.security {
        let presented: Vec<_> = alternative
            .iter()
            .map(|s| (s, presented(s, request)))
            .collect();
        if presented
            .iter()
            .any(|(_, p)| matches!(p, Presented::Absent))
        {
            continue;
        }
        let mismatched =
            presented
                .iter()
                .find(|(scheme, p)| match (&scheme.credential, p, ctx.api_key) {
                    // Only API keys can be checked: the mock does not know which bearer tokens are valid.
                    (Credential::ApiKey { .. }, Presented::Value(value), Some(key)) => {
                        *value != key
                    }
                    _ => false,
                });
        match mismatched {
            None => return None,
            Some((scheme, _)) => wrong = wrong.or(Some(scheme)),
        }
    }
    Some(match wrong {
        Some(scheme) => violation(
            op,
            location(scheme),
            ViolationKind::WrongCredentials,
            format!(
                "the `{}` credential does not match the mock's API key",
                scheme.name
            ),
        ),
        None => violation(
            op,
            location(first),
            ViolationKind::MissingCredentials,
            format!(
                "the `{}` credential the operation requires is missing",
                first.name
            ),
        ),
    })
}

fn location(scheme: &Scheme) -> String {
    match &scheme.credential {
        Credential::ApiKey { location, name } => format!("/{}/{name}", location.as_str()),
        Credential::Authorization { .. } => "/header/Authorization".to_owned(),
    }
}

fn presented<'a>(scheme: &Scheme, request: &'a Request<'_>) -> Presented<'a> {
    let value = match &scheme.credential {
        Credential::ApiKey {
            location: ParamIn::Header,
            name,
        } => request
            .headers
            .get(name.as_str())
            .and_then(|v| v.to_str().ok()),
        Credential::ApiKey {
            location: ParamIn::Query,
            name,
        } => request.query.and_then(|q| raw_query_value(q, name)),
        Credential::ApiKey { location: _, name } => cookie(request, name),
        Credential::Authorization { scheme } => request
            .headers
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (given, rest) = v.split_once(' ')?;
                given.eq_ignore_ascii_case(scheme).then_some(rest.trim())
            }),
    };
    match value.map(str::trim) {
        Some(v) if !v.is_empty() => Presented::Value(v),
        _ => Presented::Absent,
    }
}

fn raw_query_value<'a>(query: &'a str, name: &str) -> Option<&'a str> {
    query.split('&').find_map(|pair| {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        (k == name).then_some(v)
    })
}

fn cookie<'a>(request: &'a Request<'_>, name: &str) -> Option<&'a str> {
    request
        .headers
        .get_all("cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}
