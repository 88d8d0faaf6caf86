//! Generated call harnesses: for each spec the suite covers (the vendor spec and every
//! fixture), a function that calls any operation of its generated client by name with
//! arguments from a JSON sample. `simplio3d_codegen::generate_harness` writes them at build
//! time (see `build.rs`); [`support`] is what the generated code calls.

use std::future::Future;
use std::pin::Pin;

/// Calls one operation: `(http client, base URL, operation name, sample)`.
pub type CallFn = fn(
    reqwest::Client,
    String,
    String,
    serde_json::Value,
) -> Pin<Box<dyn Future<Output = support::CallOutcome>>>;

/// The harness of one spec.
#[derive(Clone, Copy)]
pub struct SpecHarness {
    /// `vendor` or the fixture's module name.
    pub name: &'static str,
    /// The spec file (absolute).
    pub spec: &'static str,
    /// Its overlay, if any (absolute).
    pub overlay: Option<&'static str>,
    /// The operations the harness knows, as generated.
    pub operations: &'static [&'static str],
    /// Calls an operation through the generated client.
    pub call: CallFn,
}

impl std::fmt::Debug for SpecHarness {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SpecHarness")
            .field("name", &self.name)
            .field("spec", &self.spec)
            .finish_non_exhaustive()
    }
}

/// The harness of every spec: the vendor spec first, then the fixtures.
pub fn all() -> &'static [SpecHarness] {
    generated::ALL
}

/// One module per spec, generated.
#[allow(missing_docs, clippy::all, clippy::pedantic, unused_qualifications)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/harnesses.rs"));
}

/// What generated harness code calls: argument extraction from samples and the outcome type.
pub mod support {
    use std::collections::BTreeMap;

    use progenitor_client::{ByteStream, Error, ResponseValue};
    use serde::Serialize;
    use serde::de::DeserializeOwned;
    use serde_json::Value;

    /// How a call through a generated client ended, independent of the client's types.
    #[derive(Debug, Clone, PartialEq)]
    pub enum CallOutcome {
        /// `Ok(ResponseValue<T>)`: the status and the typed body, serialised back to JSON
        /// (`null` for no body).
        Ok {
            /// The response status.
            status: u16,
            /// The decoded body as JSON.
            body: Value,
            /// The response headers (lower-case names; e.g. Prism's `sl-violations`).
            headers: BTreeMap<String, String>,
        },
        /// `Err(Error::ErrorResponse(_))`: a status the spec declares as an error.
        ErrorResponse {
            /// The response status.
            status: u16,
            /// The decoded error body as JSON (`null` when the spec declares none).
            body: Value,
            /// The response headers (lower-case names).
            headers: BTreeMap<String, String>,
        },
        /// `Err(Error::UnexpectedResponse(_))`: a status the spec does not declare.
        UnexpectedResponse {
            /// The response status.
            status: u16,
        },
        /// Any other error (transport, undecodable body, bad argument), as text.
        Failed(String),
    }

    impl CallOutcome {
        /// The HTTP status, when a response arrived and was classified.
        pub fn status(&self) -> Option<u16> {
            match self {
                Self::Ok { status, .. }
                | Self::ErrorResponse { status, .. }
                | Self::UnexpectedResponse { status } => Some(*status),
                Self::Failed(_) => None,
            }
        }

        /// Classifies the result of a generated method.
        pub fn from_result<T: Serialize, E: Serialize + std::fmt::Debug>(
            result: Result<ResponseValue<T>, Error<E>>,
        ) -> Self {
            match result {
                Ok(value) => {
                    let headers = header_map(value.headers());
                    Self::Ok {
                        status: value.status().as_u16(),
                        body: json(&value.into_inner()),
                        headers,
                    }
                }
                Err(error) => Self::from_error(error),
            }
        }

        /// Classifies the result of a generated method whose success body is a byte stream.
        pub async fn from_stream_result<E: Serialize + std::fmt::Debug>(
            result: Result<ResponseValue<ByteStream>, Error<E>>,
        ) -> Self {
            match result {
                Ok(value) => Self::from_stream_ok(value).await,
                Err(error) => Self::from_error(error),
            }
        }

        /// Classifies the result of a generated method whose error bodies are byte streams.
        pub async fn from_result_stream_error<T: Serialize>(
            result: Result<ResponseValue<T>, Error<ByteStream>>,
        ) -> Self {
            match result {
                Ok(value) => Self::from_result::<T, ()>(Ok(value)),
                Err(error) => Self::from_stream_error(error).await,
            }
        }

        /// Classifies the result of a generated method whose success and error bodies are
        /// byte streams.
        pub async fn from_stream_result_stream_error(
            result: Result<ResponseValue<ByteStream>, Error<ByteStream>>,
        ) -> Self {
            match result {
                Ok(value) => Self::from_stream_ok(value).await,
                Err(error) => Self::from_stream_error(error).await,
            }
        }

        async fn from_stream_ok(value: ResponseValue<ByteStream>) -> Self {
            let status = value.status().as_u16();
            let headers = header_map(value.headers());
            match text(value.into_inner()).await {
                Ok(body) => Self::Ok {
                    status,
                    body,
                    headers,
                },
                Err(e) => Self::Failed(e),
            }
        }

        async fn from_stream_error(error: Error<ByteStream>) -> Self {
            match error {
                Error::ErrorResponse(value) => {
                    let status = value.status().as_u16();
                    let headers = header_map(value.headers());
                    match text(value.into_inner()).await {
                        Ok(body) => Self::ErrorResponse {
                            status,
                            body,
                            headers,
                        },
                        Err(e) => Self::Failed(e),
                    }
                }
                Error::UnexpectedResponse(response) => Self::UnexpectedResponse {
                    status: response.status().as_u16(),
                },
                other => Self::Failed(other.to_string()),
            }
        }

        fn from_error<E: Serialize + std::fmt::Debug>(error: Error<E>) -> Self {
            match error {
                Error::ErrorResponse(value) => {
                    let headers = header_map(value.headers());
                    Self::ErrorResponse {
                        status: value.status().as_u16(),
                        body: json(&value.into_inner()),
                        headers,
                    }
                }
                Error::UnexpectedResponse(response) => Self::UnexpectedResponse {
                    status: response.status().as_u16(),
                },
                other => Self::Failed(other.to_string()),
            }
        }
    }

    /// A streamed body, read whole, as a JSON string.
    async fn text(body: ByteStream) -> Result<Value, String> {
        let mut stream = body.into_inner();
        let mut bytes = Vec::new();
        while let Some(chunk) = futures::StreamExt::next(&mut stream).await {
            let chunk = chunk.map_err(|e| format!("reading the body: {e}"))?;
            bytes.extend_from_slice(&chunk);
        }
        Ok(Value::String(String::from_utf8_lossy(&bytes).into_owned()))
    }

    fn header_map(headers: &reqwest::header::HeaderMap) -> BTreeMap<String, String> {
        headers
            .iter()
            .map(|(name, value)| {
                (
                    name.as_str().to_owned(),
                    String::from_utf8_lossy(value.as_bytes()).into_owned(),
                )
            })
            .collect()
    }

    fn json<T: Serialize>(value: &T) -> Value {
        serde_json::to_value(value)
            .unwrap_or_else(|e| Value::String(format!("<not serialisable: {e}>")))
    }

    fn decode<T: DeserializeOwned>(value: Value, what: &str) -> Result<T, String> {
        serde_json::from_value(value.clone())
            .map_err(|e| format!("sample {what} = {value} does not fit the generated type: {e}"))
    }

    /// Parameter `name` in `location` (`path`, `query`, `header`, `cookie`); absent → null.
    pub fn arg<T: DeserializeOwned>(
        sample: &Value,
        location: &str,
        name: &str,
    ) -> Result<T, String> {
        let value = sample
            .get(location)
            .and_then(|l| l.get(name))
            .cloned()
            .unwrap_or(Value::Null);
        decode(value, &format!("{location} parameter `{name}`"))
    }

    /// The whole body.
    pub fn body<T: DeserializeOwned>(sample: &Value) -> Result<T, String> {
        decode(sample.get("body").cloned().unwrap_or(Value::Null), "body")
    }

    /// One multipart part's value; absent → null.
    pub fn part<T: DeserializeOwned>(sample: &Value, name: &str) -> Result<T, String> {
        let value = sample
            .get("body")
            .and_then(|b| b.get(name))
            .cloned()
            .unwrap_or(Value::Null);
        decode(value, &format!("part `{name}`"))
    }

    fn bytes(value: &Value) -> Vec<u8> {
        match value {
            Value::String(text) => text.clone().into_bytes(),
            other => other.to_string().into_bytes(),
        }
    }

    /// A file part's contents (the sample's string).
    pub fn file(sample: &Value, name: &str) -> Result<Vec<u8>, String> {
        opt_file(sample, name)?.ok_or_else(|| format!("sample has no file part `{name}`"))
    }

    /// An optional file part's contents.
    pub fn opt_file(sample: &Value, name: &str) -> Result<Option<Vec<u8>>, String> {
        Ok(sample
            .get("body")
            .and_then(|b| b.get(name))
            .filter(|v| !v.is_null())
            .map(bytes))
    }

    /// Repeated file parts.
    pub fn files(sample: &Value, name: &str) -> Result<Vec<Vec<u8>>, String> {
        opt_files(sample, name)?.ok_or_else(|| format!("sample has no file parts `{name}`"))
    }

    /// Optional repeated file parts.
    pub fn opt_files(sample: &Value, name: &str) -> Result<Option<Vec<Vec<u8>>>, String> {
        match sample.get("body").and_then(|b| b.get(name)) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::Array(items)) => Ok(Some(items.iter().map(bytes).collect())),
            Some(other) => Err(format!(
                "sample part `{name}` should be an array of files, is {other}"
            )),
        }
    }
}
