//! Reading a request body within the configured limits, and what of it the recorder keeps.

use axum::body::Body;
use axum::http::HeaderMap;
use bytes::{Bytes, BytesMut};
use futures::StreamExt as _;

use crate::model::OperationModel;
use crate::recorder::{RecordedPart, Violation, ViolationKind};
use crate::server::Limits;

/// Why a body was not read whole.
#[derive(Debug)]
pub(crate) enum Unread {
    /// Declared (`Content-Length`) or found to be over the limit.
    TooLarge {
        received: usize,
        declared: Option<u64>,
    },
    /// The client stopped sending before the body read timeout.
    Timeout { received: usize },
    /// The connection failed mid-body.
    Broken { received: usize, error: String },
}

impl Unread {
    pub(crate) fn received(&self) -> usize {
        match self {
            Self::TooLarge { received, .. }
            | Self::Timeout { received }
            | Self::Broken { received, .. } => *received,
        }
    }

    /// The status to answer with and the violation to record.
    pub(crate) fn violation(&self, op: &OperationModel, limits: &Limits) -> (u16, Violation) {
        let (status, kind, message) = match self {
            Self::TooLarge { declared, .. } => (
                413,
                ViolationKind::BodyTooLarge,
                match declared {
                    Some(length) => format!(
                        "Content-Length {length} is over the mock's limit of {} bytes",
                        limits.max_body_bytes
                    ),
                    None => format!(
                        "the body is over the mock's limit of {} bytes",
                        limits.max_body_bytes
                    ),
                },
            ),
            Self::Timeout { received } => (
                408,
                ViolationKind::Timeout,
                format!(
                    "the body did not arrive within {:?} ({received} bytes received)",
                    limits.body_read_timeout
                ),
            ),
            Self::Broken { received, error } => (
                400,
                ViolationKind::ContentType,
                format!("the body could not be read after {received} bytes: {error}"),
            ),
        };
        let violation = Violation {
            operation: Some(op.name.clone()),
            location: "/body".into(),
            kind,
            message,
        };
        (status, violation)
    }
}

/// Reads `body` whole, refusing more than `limits.max_body_bytes` (checked against
/// `Content-Length` before reading anything) and giving up after `limits.body_read_timeout`.
pub(crate) async fn read(
    body: Body,
    headers: &HeaderMap,
    limits: &Limits,
) -> Result<Bytes, Unread> {
    let max = limits.max_body_bytes;
    let declared = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok());
    if declared.is_some_and(|length| length > max as u64) {
        return Err(Unread::TooLarge {
            received: 0,
            declared,
        });
    }
    let mut buffer = BytesMut::new();
    let mut stream = body.into_data_stream();
    let reading = async {
        while let Some(chunk) = stream.next().await {
            let chunk = chunk.map_err(|e| Unread::Broken {
                received: buffer.len(),
                error: e.to_string(),
            })?;
            if buffer.len() + chunk.len() > max {
                return Err(Unread::TooLarge {
                    received: buffer.len() + chunk.len(),
                    declared,
                });
            }
            buffer.extend_from_slice(&chunk);
        }
        Ok(())
    };
    match tokio::time::timeout(limits.body_read_timeout, reading).await {
        Ok(Ok(())) => Ok(buffer.freeze()),
        Ok(Err(unread)) => Err(unread),
        Err(_) => Err(Unread::Timeout {
            received: buffer.len(),
        }),
    }
}

/// The first `limit` bytes of `bytes`, copied when cut so that the recorder does not pin the
/// whole body's allocation (a `Bytes::slice` would).
pub(crate) fn keep(bytes: &Bytes, limit: usize) -> Bytes {
    if bytes.len() <= limit {
        bytes.clone()
    } else {
        Bytes::copy_from_slice(&bytes[..limit])
    }
}

/// `parts` with their data cut to share one budget of `limit` bytes, in order.
pub(crate) fn keep_parts(parts: Vec<RecordedPart>, limit: usize) -> Vec<RecordedPart> {
    let mut left = limit;
    parts
        .into_iter()
        .map(|mut part| {
            let kept = keep(&part.data, left);
            left -= kept.len();
            part.data = kept;
            part
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recorded_parts_share_one_budget() {
        let part = |data: &'static [u8]| RecordedPart {
            name: "p".into(),
            file_name: None,
            content_type: None,
            data: Bytes::from_static(data),
        };
        let kept = keep_parts(vec![part(b"abcd"), part(b"efgh"), part(b"ij")], 6);
        let data: Vec<&[u8]> = kept.iter().map(|p| &p.data[..]).collect();
        assert_eq!(data, [&b"abcd"[..], b"ef", b""]);
        assert_eq!(&keep(&Bytes::from_static(b"abc"), 2)[..], b"ab");
    }
}
