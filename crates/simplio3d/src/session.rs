//! Sessions and session tokens.

use std::fmt;
use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret as _, SecretString};

/// A session created by [`Simplio3d::create_session`](crate::Simplio3d::create_session).
///
/// ```
/// # async fn demo(client: simplio3d::Simplio3d) -> Result<(), simplio3d::Error> {
/// let session = client.create_session("edcfrt", "shop.example.com").await?;
/// // Debug never shows the token.
/// println!("{session:?}");
/// # Ok(()) }
/// ```
#[derive(Clone)]
#[non_exhaustive]
pub struct Session {
    /// The session token (a JWT for the vendor's API).
    pub token: SessionToken,
    /// The server's message, e.g. `Login Successful.`.
    pub message: Option<String>,
    /// [`expires_at`](Self::expires_at), decoded on first use: a caller that never asks
    /// pays nothing for it on the call path.
    expires_at: OnceLock<Option<SystemTime>>,
}

impl Session {
    pub(crate) fn new(token: SessionToken, message: Option<String>) -> Self {
        Session {
            token,
            message,
            expires_at: OnceLock::new(),
        }
    }

    /// When the token expires: the JWT's `exp` claim, read **without verifying the
    /// signature** (we hold no key to verify it with, and only use it to decide when to
    /// fetch a new one). `None` when the token is not a JWT or has no usable `exp`.
    ///
    /// Decoded on the first call and remembered.
    pub fn expires_at(&self) -> Option<SystemTime> {
        *self
            .expires_at
            .get_or_init(|| crate::jwt::expiry(self.token.expose_secret()))
    }

    /// Time left until [`expires_at`](Self::expires_at), measured now; `None` without an
    /// expiry, zero once expired.
    pub fn expires_in(&self) -> Option<Duration> {
        self.expires_at().map(|at| {
            at.duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO)
        })
    }
}

impl fmt::Debug for Session {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Session")
            .field("token", &self.token)
            .field("message", &self.message)
            .field("expires_at", &self.expires_at())
            .finish()
    }
}

/// A session token. It is a secret: `Debug` and `Display` print `[REDACTED]`, and the
/// memory is zeroed on drop (secrecy).
///
/// ```
/// use simplio3d::SessionToken;
///
/// let token = SessionToken::new("eyJhbGciOiJIUzI1NiJ9.e30.sig").unwrap();
/// assert_eq!(format!("{token}"), "[REDACTED]");
/// assert_eq!(format!("{token:?}"), "SessionToken([REDACTED])");
/// assert_eq!(token.expose_secret(), "eyJhbGciOiJIUzI1NiJ9.e30.sig");
/// let header = token.bearer_header();
/// assert!(header.is_sensitive());
/// ```
#[derive(Clone)]
pub struct SessionToken(SecretString);

/// Why a string cannot be a [`SessionToken`]; never contains the string.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InvalidToken {
    /// The token is empty.
    #[error("the token is empty")]
    Empty,
    /// The token has characters an HTTP header value cannot carry.
    #[error("the token contains characters that are not allowed in an HTTP header")]
    NotAHeaderValue,
}

impl SessionToken {
    /// Wraps a token, checking it can be sent as `Authorization: Bearer <token>`.
    pub fn new(token: impl Into<String>) -> Result<Self, InvalidToken> {
        let token = token.into();
        if token.is_empty() {
            return Err(InvalidToken::Empty);
        }
        // Branch-free, so it vectorises: tokens are checked on every call.
        if !token.bytes().fold(true, |ok, b| ok & b.is_ascii_graphic()) {
            return Err(InvalidToken::NotAHeaderValue);
        }
        Ok(SessionToken(SecretString::from(token)))
    }

    /// The token itself. Keep it out of logs.
    pub fn expose_secret(&self) -> &str {
        self.0.expose_secret()
    }

    /// The `Authorization` header value the vendor's later calls need,
    /// `Bearer <token>`, marked sensitive so that HTTP libraries do not log it.
    pub fn bearer_header(&self) -> HeaderValue {
        let mut value = HeaderValue::try_from(format!("Bearer {}", self.expose_secret()))
            .expect("SessionToken::new admits only visible ASCII");
        value.set_sensitive(true);
        value
    }
}

impl fmt::Debug for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SessionToken([REDACTED])")
    }
}

impl fmt::Display for SessionToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[REDACTED]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jwt::test_token as jwt;
    use std::time::UNIX_EPOCH;

    #[test]
    fn reads_exp_from_jwt() {
        let session = Session::new(
            SessionToken::new(jwt(r#"{"exp":2000000000}"#)).unwrap(),
            None,
        );
        assert_eq!(
            session.expires_at(),
            Some(UNIX_EPOCH + Duration::from_secs(2_000_000_000))
        );
        assert!(session.expires_in().unwrap() > Duration::ZERO);
    }

    #[test]
    fn expired_session_has_zero_left() {
        let session = Session::new(SessionToken::new(jwt(r#"{"exp":1}"#)).unwrap(), None);
        assert_eq!(session.expires_in(), Some(Duration::ZERO));
    }

    #[test]
    fn token_checks() {
        assert_eq!(SessionToken::new("").unwrap_err(), InvalidToken::Empty);
        assert_eq!(
            SessionToken::new("a b").unwrap_err(),
            InvalidToken::NotAHeaderValue
        );
        assert_eq!(
            SessionToken::new("a\r\nX-Evil: 1").unwrap_err(),
            InvalidToken::NotAHeaderValue
        );
        let token = SessionToken::new("abc").unwrap();
        assert_eq!(token.bearer_header().to_str().unwrap(), "Bearer abc");
        assert!(token.bearer_header().is_sensitive());
    }
}
