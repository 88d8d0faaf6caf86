/// Support for `multipart/form-data` request bodies (RFC 7578), which the generator adds
/// because progenitor does not support them.
pub mod multipart {
    use std::borrow::Cow;
    use std::fmt;

    use reqwest::multipart::{Form, Part};

    /// A file sent as one part of a `multipart/form-data` body: bytes in memory or a stream,
    /// with an optional file name and content type.
    ///
    /// Without a file name the part's name is used, because many servers only treat a part
    /// with a `filename` as a file. Without a content type, the spec's
    /// `encoding.<part>.contentType` is used when it names one type, else
    /// `application/octet-stream`.
    pub struct FilePart {
        body: FileBody,
        file_name: Option<String>,
        content_type: Option<String>,
    }

    enum FileBody {
        Bytes(bytes::Bytes),
        Stream {
            body: reqwest::Body,
            length: Option<u64>,
        },
    }

    impl FilePart {
        /// A file held in memory.
        pub fn bytes(data: impl Into<bytes::Bytes>) -> Self {
            Self {
                body: FileBody::Bytes(data.into()),
                file_name: None,
                content_type: None,
            }
        }

        /// A file read from a stream while the request is sent (for large uploads).
        /// With `length`, the part has a known size.
        pub fn stream<S>(stream: S, length: Option<u64>) -> Self
        where
            S: futures_core::TryStream + Send + 'static,
            S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
            bytes::Bytes: From<S::Ok>,
        {
            Self {
                body: FileBody::Stream {
                    body: reqwest::Body::wrap_stream(stream),
                    length,
                },
                file_name: None,
                content_type: None,
            }
        }

        /// Sets the file name sent in the part's `Content-Disposition`. It goes verbatim
        /// (UTF-8 is fine); a name with `"`, `\`, CR or LF fails to encode, because
        /// reqwest would backslash-escape it and servers do not unescape.
        pub fn file_name(mut self, name: impl Into<String>) -> Self {
            self.file_name = Some(name.into());
            self
        }

        /// Sets the part's `Content-Type` (e.g. `image/png`).
        pub fn content_type(mut self, content_type: impl Into<String>) -> Self {
            self.content_type = Some(content_type.into());
            self
        }

        /// The size in bytes, when known.
        pub fn len(&self) -> Option<u64> {
            match &self.body {
                FileBody::Bytes(b) => Some(b.len() as u64),
                FileBody::Stream { length, .. } => *length,
            }
        }

        /// Whether the file is known to be empty.
        pub fn is_empty(&self) -> bool {
            self.len() == Some(0)
        }

        /// A copy, for in-memory files; `None` for streams, which can be sent only once.
        pub fn try_clone(&self) -> Option<Self> {
            match &self.body {
                FileBody::Bytes(b) => Some(Self {
                    body: FileBody::Bytes(b.clone()),
                    file_name: self.file_name.clone(),
                    content_type: self.content_type.clone(),
                }),
                FileBody::Stream { .. } => None,
            }
        }
    }

    impl fmt::Debug for FilePart {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            let kind = match self.body {
                FileBody::Bytes(_) => "bytes",
                FileBody::Stream { .. } => "stream",
            };
            f.debug_struct("FilePart")
                .field("kind", &kind)
                .field("len", &self.len())
                .field("file_name", &self.file_name)
                .field("content_type", &self.content_type)
                .finish()
        }
    }

    /// A body could not be encoded; names the part.
    #[derive(Debug)]
    pub struct MultipartError {
        part: &'static str,
        message: String,
    }

    impl MultipartError {
        /// The name of the part that failed.
        pub fn part(&self) -> &str {
            self.part
        }
    }

    impl fmt::Display for MultipartError {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            write!(f, "multipart part `{}`: {}", self.part, self.message)
        }
    }

    impl std::error::Error for MultipartError {}

    /// A request body that encodes as `multipart/form-data` (`None`: send no body).
    pub trait MultipartBody {
        /// Encodes the body.
        fn into_form(self) -> Result<Option<Form>, MultipartError>;
    }

    impl<T: MultipartBody> MultipartBody for Option<T> {
        fn into_form(self) -> Result<Option<Form>, MultipartError> {
            match self {
                Some(body) => body.into_form(),
                None => Ok(None),
            }
        }
    }

    /// Attaches `body` to a request; reqwest sets `Content-Type: multipart/form-data; boundary=…`.
    pub fn attach<B: MultipartBody>(
        request: reqwest::RequestBuilder,
        body: B,
    ) -> Result<reqwest::RequestBuilder, MultipartError> {
        Ok(match body.into_form()? {
            Some(form) => request.multipart(form),
            None => request,
        })
    }

    fn with_type(part: Part, name: &'static str, content_type: Option<&str>) -> Result<Part, MultipartError> {
        match content_type {
            Some(ct) => part.mime_str(ct).map_err(|e| MultipartError {
                part: name,
                message: format!("invalid content type {ct:?}: {e}"),
            }),
            None => Ok(part),
        }
    }

    /// A single media type from an `encoding.contentType` list, if it names exactly one.
    fn single_type(content_type: Option<&str>) -> Option<&str> {
        content_type.filter(|ct| !ct.contains(',') && !ct.contains('*'))
    }

    #[doc(hidden)]
    pub fn text(form: Form, name: &'static str, value: String, content_type: Option<&str>) -> Result<Form, MultipartError> {
        let part = with_type(Part::text(value), name, single_type(content_type))?;
        Ok(form.part(name, part))
    }

    #[doc(hidden)]
    pub fn file(form: Form, name: &'static str, file: FilePart, content_type: Option<&str>) -> Result<Form, MultipartError> {
        let FilePart { body, file_name, content_type: own } = file;
        let part = match body {
            FileBody::Bytes(b) => {
                let length = b.len() as u64;
                Part::stream_with_length(reqwest::Body::from(b), length)
            }
            FileBody::Stream { body, length: Some(n) } => Part::stream_with_length(body, n),
            FileBody::Stream { body, length: None } => Part::stream(body),
        };
        let content_type = own.as_deref().or(single_type(content_type)).unwrap_or("application/octet-stream");
        let file_name = file_name.unwrap_or_else(|| name.to_owned());
        if let Some(c) = file_name.chars().find(|c| matches!(c, '"' | '\\' | '\r' | '\n')) {
            return Err(MultipartError {
                part: name,
                message: format!("file name {file_name:?} contains {c:?}, which a multipart/form-data file name cannot carry"),
            });
        }
        let part = with_type(part, name, Some(content_type))?.file_name(file_name);
        Ok(form.part(name, part))
    }

    /// A generated type: strings, numbers and booleans go as text, objects and arrays as JSON.
    #[doc(hidden)]
    pub fn serialized<T: serde::Serialize>(
        form: Form,
        name: &'static str,
        value: &T,
        content_type: Option<&str>,
    ) -> Result<Form, MultipartError> {
        let value = serde_json::to_value(value).map_err(|e| MultipartError {
            part: name,
            message: e.to_string(),
        })?;
        match value {
            serde_json::Value::Null => Ok(form),
            serde_json::Value::String(s) => text(form, name, s, content_type),
            serde_json::Value::Number(n) => text(form, name, n.to_string(), content_type),
            serde_json::Value::Bool(b) => text(form, name, b.to_string(), content_type),
            json => {
                let bytes = serde_json::to_vec(&json).map_err(|e| MultipartError {
                    part: name,
                    message: e.to_string(),
                })?;
                let ct = single_type(content_type).unwrap_or("application/json");
                let part = with_type(Part::bytes(Cow::Owned(bytes)), name, Some(ct))?;
                Ok(form.part(name, part))
            }
        }
    }
}
