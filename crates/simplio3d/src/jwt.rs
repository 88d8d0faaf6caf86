//! The `exp` claim of a session token, decoded but **not verified**: we hold no key to
//! verify it with, and only use it to decide when to fetch a new token. Decoded on demand
//! ([`Session::expires_at`](crate::Session::expires_at)), so it is off the call path.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

/// When `token` expires, if it is a JWT (`header.payload.signature`) with a usable `exp`.
pub(crate) fn expiry(token: &str) -> Option<SystemTime> {
    let mut parts = token.split('.');
    let (Some(_header), Some(payload), Some(_signature), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return None;
    };
    // RFC 7515 says unpadded base64url; tolerate padding from lenient issuers.
    let decoded = URL_SAFE_NO_PAD.decode(payload.trim_end_matches('=')).ok()?;
    let exp = claims_exp(&decoded)?;
    if !exp.is_finite() || !(0.0..=1e11).contains(&exp) {
        return None;
    }
    Some(UNIX_EPOCH + Duration::from_secs_f64(exp))
}

/// The `exp` of a JSON claims object; `None` when absent, null or unreadable. Only `exp`
/// is read: a typed struct skips the other claims without building a map.
fn claims_exp(json: &[u8]) -> Option<f64> {
    #[derive(serde::Deserialize)]
    struct Claims {
        exp: Option<f64>,
    }
    serde_json::from_slice::<Claims>(json).ok()?.exp
}

/// A JWT-shaped token with `payload` as its claims (unsigned), for tests.
#[cfg(test)]
pub(crate) fn test_token(payload: &str) -> String {
    let enc = |s: &str| URL_SAFE_NO_PAD.encode(s);
    format!(
        "{}.{}.c2ln",
        enc(r#"{"alg":"HS256","typ":"JWT"}"#),
        enc(payload)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    use super::test_token as jwt;

    #[test]
    fn reads_exp_from_a_jwt() {
        assert_eq!(
            expiry(&jwt(r#"{"exp":2000000000}"#)),
            Some(UNIX_EPOCH + Duration::from_secs(2_000_000_000))
        );
        // A Laravel (tymon/jwt-auth) shaped claim set.
        let laravel = r#"{"iss":"https://app.simplio3d.com/api/open-api/v1/auth/create-session","iat":1701234567,"exp":1701238167,"nbf":1701234567,"jti":"Xy7Q","sub":"42","prv":"23bd5c8949f600adb39e701c400872db7a5976f7"}"#;
        assert_eq!(
            expiry(&jwt(laravel)),
            Some(UNIX_EPOCH + Duration::from_secs(1_701_238_167))
        );
        assert_eq!(
            expiry(&jwt(r#"{ "exp": 12.5, "n": {"a": [1]} }"#)),
            Some(UNIX_EPOCH + Duration::from_secs_f64(12.5))
        );
    }

    #[test]
    fn long_and_padded_payloads_are_read_too() {
        let claims = format!(r#"{{"sub":"{}","exp":2000000000}}"#, "x".repeat(2000));
        assert_eq!(
            expiry(&jwt(&claims)),
            Some(UNIX_EPOCH + Duration::from_secs(2_000_000_000))
        );
        for extra in 350..420 {
            let claims = format!(r#"{{"sub":"{}","exp":7}}"#, "y".repeat(extra));
            assert_eq!(
                expiry(&jwt(&claims)),
                Some(UNIX_EPOCH + Duration::from_secs(7)),
                "{extra}"
            );
        }
        let padded = format!("e30.{}==.c2ln", URL_SAFE_NO_PAD.encode(r#"{"exp":12}"#));
        assert_eq!(expiry(&padded), Some(UNIX_EPOCH + Duration::from_secs(12)));
    }

    #[test]
    fn no_expiry_without_a_usable_exp() {
        for token in [
            "opaque-token".to_owned(),
            jwt(r#"{"sub":"x"}"#),
            jwt(r#"{"exp":"tomorrow"}"#),
            jwt(r#"{"exp":-5}"#),
            jwt(r#"{"exp":null}"#),
            jwt(r#"{"exp":1,"exp":2}"#),
            jwt("not json"),
            "a.!!!.c".to_owned(),
            "a.b.c.d".to_owned(),
            "a.b".to_owned(),
        ] {
            assert_eq!(expiry(&token), None, "{token}");
        }
    }
}
