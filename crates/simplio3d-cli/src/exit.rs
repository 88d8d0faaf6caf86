//! Exit codes: one per kind of failure, so scripts can tell them apart.

use std::process::ExitCode;

use simplio3d::Error;

/// Something else failed (the mock server did not start, stdout closed).
pub const OTHER: u8 = 1;
/// Bad arguments or configuration: nothing was sent (clap uses 2 for its usage errors too).
pub const USAGE: u8 = 2;
/// The server refused the API key (HTTP 401/403).
pub const AUTH: u8 = 3;
/// The server answered with an error or something unusable (400/422, 429, 5xx, another
/// unexpected status, an undecodable body, no token).
pub const SERVER: u8 = 4;
/// The server could not be reached or did not answer in time.
pub const NETWORK: u8 = 5;

/// The exit code table shown by `--help`.
pub fn exit_code_help() -> String {
    format!(
        "Exit codes:\n  0  success\n  {OTHER}  other failure (e.g. the embedded mock server did not start)\n  \
         {USAGE}  usage or configuration error: nothing was sent\n  \
         {AUTH}  authentication: the server refused the API key (HTTP 401/403)\n  \
         {SERVER}  server: an error or unusable answer (HTTP 400/422, 429, 5xx, unexpected status, bad body, no token)\n  \
         {NETWORK}  network: connection failed or timed out\n\n\
         Environment:\n  SIMPLIO3D_API_KEY   the API key (or --api-key-file)\n  \
         SIMPLIO3D_BASE_URL  the API base URL (or --base-url)\n  RUST_LOG            log filter for stderr"
    )
}

/// A failure to report on stderr, with its exit code.
#[derive(Debug)]
pub struct Failure {
    code: u8,
    message: String,
}

impl Failure {
    pub fn usage(message: impl Into<String>) -> Self {
        Failure {
            code: USAGE,
            message: message.into(),
        }
    }

    pub fn other(message: impl Into<String>) -> Self {
        Failure {
            code: OTHER,
            message: message.into(),
        }
    }

    /// Prints `error: <message>` on stderr and gives the exit code.
    pub fn report(self) -> ExitCode {
        eprintln!("error: {}", self.message);
        ExitCode::from(self.code)
    }
}

impl From<Error> for Failure {
    fn from(error: Error) -> Self {
        let code = match &error {
            Error::Config { .. } | Error::InvalidInput { .. } => USAGE,
            Error::Unauthorized { .. } => AUTH,
            Error::Connection { .. } | Error::Timeout { .. } => NETWORK,
            Error::Rejected { .. }
            | Error::RateLimited { .. }
            | Error::Server { .. }
            | Error::UnexpectedStatus { .. }
            | Error::Decode { .. }
            | Error::MissingToken { .. }
            | Error::ResponseTooLarge { .. } => SERVER,
            _ => OTHER,
        };
        // The error's message never holds a secret; include its sources for context.
        let mut message = error.to_string();
        let mut source = std::error::Error::source(&error);
        while let Some(cause) = source {
            let text = cause.to_string();
            if !message.contains(&text) {
                message.push_str(": ");
                message.push_str(&text);
            }
            source = cause.source();
        }
        Failure { code, message }
    }
}
