//! A bound on how much of a response body a call may read.
//!
//! The generated methods read a JSON response whole (`ResponseValue::from_response`), so a
//! hostile or broken server could make a caller buffer any amount. [`with_response_limit`]
//! bounds every response read by the calls made inside the given future: past the limit,
//! reading fails and the method returns `Error::ResponseBodyError`. It works through the
//! generated client's own `ClientHooks::exec`, so no request path is duplicated.

use std::future::Future;

use bytes::Bytes;
use futures_util::StreamExt;
use progenitor_client::{ClientHooks, ClientInfo, OperationInfo};
use reqwest::ResponseBuilderExt;

use crate::Client;

tokio::task_local! {
    static RESPONSE_LIMIT: u64;
}

/// Runs `call` with every response body it reads limited to `max_bytes`.
///
/// ```no_run
/// # async fn demo(client: &simplio3d_client::Client) {
/// use simplio3d_client::{types::CreateSessionBody, with_response_limit};
///
/// let body = CreateSessionBody::new("edcfrt".into(), "example.com".into());
/// let result = with_response_limit(64 * 1024, client.create_session(body)).await;
/// # let _ = result; }
/// ```
pub async fn with_response_limit<F: Future>(max_bytes: u64, call: F) -> F::Output {
    RESPONSE_LIMIT.scope(max_bytes, call).await
}

/// The body of a response was longer than the limit set by [`with_response_limit`].
#[derive(Debug, thiserror::Error)]
#[error("response body exceeds the limit of {limit} bytes")]
pub struct BodyTooLarge {
    /// The limit in bytes.
    pub limit: u64,
}

impl ClientHooks<()> for Client {
    async fn exec(
        &self,
        request: reqwest::Request,
        _info: &OperationInfo,
    ) -> reqwest::Result<reqwest::Response> {
        let response = self.client().execute(request).await?;
        Ok(match RESPONSE_LIMIT.try_with(|limit| *limit) {
            // hyper never reads past a declared length, so a body declared within the
            // limit is bounded already and needs no wrapper.
            Ok(limit)
                if response
                    .content_length()
                    .is_none_or(|length| length > limit) =>
            {
                limited(response, limit)
            }
            _ => response,
        })
    }
}

/// The same response with a body that fails once more than `limit` bytes arrive.
fn limited(response: reqwest::Response, limit: u64) -> reqwest::Response {
    let status = response.status();
    let version = response.version();
    let headers = response.headers().clone();
    // reqwest carries the response URL (for its errors) in an extension of the builder.
    let url = http::Response::builder()
        .url(response.url().clone())
        .body(())
        .map(|r| r.into_parts().0.extensions);
    let mut seen: u64 = 0;
    let body = response.bytes_stream().map(
        move |chunk| -> Result<Bytes, Box<dyn std::error::Error + Send + Sync>> {
            let chunk = chunk?;
            seen = seen.saturating_add(chunk.len() as u64);
            if seen > limit {
                Err(Box::new(BodyTooLarge { limit }))
            } else {
                Ok(chunk)
            }
        },
    );
    let mut rebuilt = http::Response::new(reqwest::Body::wrap_stream(body));
    *rebuilt.status_mut() = status;
    *rebuilt.version_mut() = version;
    *rebuilt.headers_mut() = headers;
    if let Ok(url) = url {
        rebuilt.extensions_mut().extend(url);
    }
    reqwest::Response::from(rebuilt)
}
