/// Responses made into `ResponseValue`s. progenitor-client's own constructors copy every
/// response header (an allocation and a copy of each on every call); these move the headers
/// out of the response instead, as reading its body does not need them.
mod response_value {
    /// As `ResponseValue::from_response`: the body read whole and decoded from JSON. A
    /// function returning reqwest's body future with the decoding mapped over it, not an
    /// `async fn`: one state machine fewer on the path of every call.
    #[allow(clippy::result_large_err)] // progenitor-client's `Error`, as its methods return
    pub(super) fn from_response<T: serde::de::DeserializeOwned, E>(
        mut response: reqwest::Response,
    ) -> impl std::future::Future<Output = Result<super::ResponseValue<T>, super::Error<E>>> {
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        futures_util::FutureExt::map(response.bytes(), move |full| {
            let full = full.map_err(super::Error::ResponseBodyError)?;
            let inner = serde_json::from_slice(&full)
                .map_err(|e| super::Error::InvalidResponsePayload(full, e))?;
            Ok(super::ResponseValue::new(inner, status, headers))
        })
    }

    /// As `ResponseValue::stream`: the body left unread, as a stream of bytes.
    pub(super) fn stream(mut response: reqwest::Response) -> super::ResponseValue<super::ByteStream> {
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        let body = super::ByteStream::new(Box::pin(response.bytes_stream()));
        super::ResponseValue::new(body, status, headers)
    }

    /// As `ResponseValue::empty`: no body.
    pub(super) fn empty(mut response: reqwest::Response) -> super::ResponseValue<()> {
        let status = response.status();
        let headers = std::mem::take(response.headers_mut());
        super::ResponseValue::new((), status, headers)
    }
}
