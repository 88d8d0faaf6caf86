//! Sessions and session tokens.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
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
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct Session {
    /// The session token (a JWT for the vendor's API).
    pub token: SessionToken,
    /// The server's message, e.g. `Login Successful.`.
    pub message: Option<String>,
    /// When the token expires: the JWT's `exp` claim, read **without verifying the
    /// signature** (we hold no key to verify it with, and only use it to decide when to
    /// fetch a new one). `None` when the token is not a JWT or has no `exp`.
    pub expires_at: Option<SystemTime>,
}

impl Session {
    pub(crate) fn new(token: SessionToken, message: Option<String>) -> Self {
        let expires_at = jwt_expiry(token.expose_secret());
        Session {
            token,
            message,
            expires_at,
        }
    }

    /// Time left until [`expires_at`](Self::expires_at), measured now; `None` without an
    /// expiry, zero once expired.
    pub fn expires_in(&self) -> Option<Duration> {
        self.expires_at.map(|at| {
            at.duration_since(SystemTime::now())
                .unwrap_or(Duration::ZERO)
        })
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
        if !token.bytes().all(|b| b.is_ascii_graphic()) {
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

/// The `exp` claim of a JWT (`header.payload.signature`), **not verified**.
fn jwt_expiry(token: &str) -> Option<SystemTime> {
    let (_header, rest) = token.split_once('.')?;
    let (payload, signature) = rest.split_once('.')?;
    if signature.contains('.') {
        return None;
    }
    // RFC 7515 says unpadded base64url; tolerate padding from lenient issuers.
    let payload = payload.trim_end_matches('=').as_bytes();
    // Session payloads are a few claims: decode on the stack, not in a fresh `Vec`.
    let mut stack = [0u8; 384];
    let mut heap = Vec::new();
    let decoded = if payload.len() / 4 * 3 + 3 <= stack.len() {
        let length = URL_SAFE_NO_PAD.decode_slice(payload, &mut stack).ok()?;
        &stack[..length]
    } else {
        URL_SAFE_NO_PAD.decode_vec(payload, &mut heap).ok()?;
        &heap[..]
    };
    // Only `exp` is read; a typed struct skips the other claims without building a map.
    #[derive(serde::Deserialize)]
    struct Claims {
        exp: Option<f64>,
    }
    let exp = serde_json::from_slice::<Claims>(decoded).ok()?.exp?;
    if !exp.is_finite() || !(0.0..=1e11).contains(&exp) {
        return None;
    }
    Some(UNIX_EPOCH + Duration::from_secs_f64(exp))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn jwt(payload: &str) -> String {
        let enc = |s: &str| URL_SAFE_NO_PAD.encode(s);
        format!(
            "{}.{}.c2ln",
            enc(r#"{"alg":"HS256","typ":"JWT"}"#),
            enc(payload)
        )
    }

    #[test]
    fn reads_exp_from_jwt() {
        let session = Session::new(
            SessionToken::new(jwt(r#"{"exp":2000000000}"#)).unwrap(),
            None,
        );
        assert_eq!(
            session.expires_at,
            Some(UNIX_EPOCH + Duration::from_secs(2_000_000_000))
        );
        assert!(session.expires_in().unwrap() > Duration::ZERO);
    }

    #[test]
    fn long_and_padded_payloads_are_read_too() {
        let claims = format!(r#"{{"sub":"{}","exp":2000000000}}"#, "x".repeat(2000));
        let long = jwt(&claims);
        assert_eq!(
            jwt_expiry(&long),
            Some(UNIX_EPOCH + Duration::from_secs(2_000_000_000))
        );
        // Every payload length around the stack buffer's edge.
        for extra in 350..420 {
            let claims = format!(r#"{{"sub":"{}","exp":7}}"#, "y".repeat(extra));
            assert_eq!(
                jwt_expiry(&jwt(&claims)),
                Some(UNIX_EPOCH + Duration::from_secs(7)),
                "{extra}"
            );
        }
        let padded = format!("e30.{}==.c2ln", URL_SAFE_NO_PAD.encode(r#"{"exp":12}"#));
        assert_eq!(
            jwt_expiry(&padded),
            Some(UNIX_EPOCH + Duration::from_secs(12))
        );
    }

    #[test]
    fn no_expiry_without_a_usable_exp() {
        for token in [
            "opaque-token".to_owned(),
            jwt(r#"{"sub":"x"}"#),
            jwt(r#"{"exp":"tomorrow"}"#),
            jwt(r#"{"exp":-5}"#),
            jwt("not json"),
            "a.!!!.c".to_owned(),
            "a.b.c.d".to_owned(),
        ] {
            assert_eq!(jwt_expiry(&token), None, "{token}");
        }
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
