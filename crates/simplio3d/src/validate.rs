//! Checks on `create_session` arguments, made before anything is sent.

use crate::Error;

/// Longest configurator id accepted; the vendor's encrypted ids are far shorter, and a
/// bound keeps a mistaken argument (a whole file, say) off the wire.
const MAX_CONFIGURATOR_ID_LEN: usize = 1024;
/// RFC 1035: a host name is at most 253 characters in text form.
const MAX_DOMAIN_LEN: usize = 253;
/// RFC 1035: a label is at most 63 characters.
const MAX_LABEL_LEN: usize = 63;

pub(crate) fn configurator_id(id: &str) -> Result<(), Error> {
    if is_plain_configurator_id(id) {
        return Ok(());
    }
    explain_configurator_id(id)
}

/// The common case in one pass: visible ASCII and inner spaces, nothing at the ends to
/// trim. Anything else goes to [`explain_configurator_id`], which decides and explains.
fn is_plain_configurator_id(id: &str) -> bool {
    let bytes = id.as_bytes();
    matches!((bytes.first(), bytes.last()), (Some(first), Some(last)) if *first != b' ' && *last != b' ')
        && bytes.len() <= MAX_CONFIGURATOR_ID_LEN
        && bytes.iter().all(|b| b.is_ascii_graphic() || *b == b' ')
}

/// The full checks, in the order their messages make sense; `Ok` only for ids that are
/// valid but not plain ASCII.
fn explain_configurator_id(id: &str) -> Result<(), Error> {
    const FIELD: &str = "configurator_id";
    if id.trim().is_empty() {
        return Err(Error::invalid(FIELD, "must not be empty"));
    }
    if id.len() > MAX_CONFIGURATOR_ID_LEN {
        return Err(Error::invalid(
            FIELD,
            format!(
                "is {} bytes long; at most {MAX_CONFIGURATOR_ID_LEN} are accepted",
                id.len()
            ),
        ));
    }
    if id.trim() != id {
        return Err(Error::invalid(FIELD, "has leading or trailing whitespace"));
    }
    if let Some(c) = id.chars().find(|c| c.is_control()) {
        return Err(Error::invalid(
            FIELD,
            format!("contains the control character {c:?}"),
        ));
    }
    Ok(())
}

/// Checks that `domain` is a bare host name (`shop.example.com`).
///
/// A URL such as `https://shop.example.com/` is refused rather than normalised: the
/// vendor matches the domain it has on record for the configurator, and silently
/// dropping a scheme, port or path could hide a misconfiguration. The error suggests
/// the host name to pass instead.
pub(crate) fn domain_name(domain: &str) -> Result<(), Error> {
    if is_host_name(domain) {
        return Ok(());
    }
    explain_domain_name(domain)
}

/// Whether `domain` is a valid host name. This runs on every call, so the valid case is
/// kept cheap: one branch-free pass over the bytes (it vectorises) for the alphabet, then
/// the labels for their length and hyphens. [`explain_domain_name`]
/// says what is wrong with the rest; a test checks the two agree.
fn is_host_name(domain: &str) -> bool {
    let bytes = domain.as_bytes();
    if bytes.is_empty() || bytes.len() > MAX_DOMAIN_LEN {
        return false;
    }
    let alphabet = bytes.iter().fold(true, |ok, &b| {
        ok & (b.is_ascii_alphanumeric() | (b == b'-') | (b == b'.'))
    });
    if !alphabet {
        return false;
    }
    let label_ok = |label: &[u8]| {
        label.len() <= MAX_LABEL_LEN
            && matches!((label.first(), label.last()), (Some(first), Some(last)) if *first != b'-' && *last != b'-')
    };
    let mut start = 0;
    for (at, &byte) in bytes.iter().enumerate() {
        if byte == b'.' {
            if !label_ok(&bytes[start..at]) {
                return false;
            }
            start = at + 1;
        }
    }
    label_ok(&bytes[start..])
}

/// The full checks, in the order that gives the most helpful message (a URL gets a hint
/// with its host); the reference that [`is_host_name`] must agree with.
fn explain_domain_name(domain: &str) -> Result<(), Error> {
    const FIELD: &str = "domain_name";
    let refuse = |reason: String| Err(Error::invalid(FIELD, reason));

    if domain.is_empty() {
        return refuse("must not be empty".into());
    }
    if let Some(host) = host_of_url(domain) {
        return refuse(format!(
            "must be a bare host name, not a URL; did you mean `{host}`?"
        ));
    }
    if domain.chars().any(char::is_whitespace) {
        return refuse("must not contain whitespace".into());
    }
    if domain.contains('/') {
        return refuse("must be a bare host name without a path".into());
    }
    if domain.contains(':') {
        return refuse("must be a bare host name without a port".into());
    }
    if domain.contains('@') {
        return refuse("must be a bare host name without user information".into());
    }
    if !domain.is_ascii() {
        return refuse(
            "must be ASCII; write an internationalised name in its punycode form (xn--…)".into(),
        );
    }
    if domain.len() > MAX_DOMAIN_LEN {
        return refuse(format!(
            "is {} characters long; a host name has at most {MAX_DOMAIN_LEN}",
            domain.len()
        ));
    }
    for (index, label) in domain.split('.').enumerate() {
        let position = index + 1;
        if label.is_empty() {
            return refuse(format!(
                "label {position} is empty (check for `..` or a leading or trailing dot)"
            ));
        }
        if label.len() > MAX_LABEL_LEN {
            return refuse(format!(
                "label {position} is {} characters long; at most {MAX_LABEL_LEN} are allowed",
                label.len()
            ));
        }
        if let Some(c) = label
            .chars()
            .find(|c| !(c.is_ascii_alphanumeric() || *c == '-'))
        {
            return refuse(format!(
                "label `{label}` contains {c:?}; only letters, digits and `-` are allowed"
            ));
        }
        if label.starts_with('-') || label.ends_with('-') {
            return refuse(format!("label `{label}` must not start or end with `-`"));
        }
    }
    Ok(())
}

/// The host of `input` if it looks like a URL (`scheme://host…`), for the error hint.
fn host_of_url(input: &str) -> Option<String> {
    if !input.contains("://") {
        return None;
    }
    match url::Url::parse(input) {
        Ok(url) => Some(url.host_str().unwrap_or_default().to_owned()),
        Err(_) => Some(String::new()),
    }
    .map(|host| {
        if host.is_empty() {
            "<host>".into()
        } else {
            host
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reason(result: Result<(), Error>) -> String {
        match result {
            Err(Error::InvalidInput { field, reason }) => format!("{field}: {reason}"),
            other => panic!("expected InvalidInput, got {other:?}"),
        }
    }

    #[test]
    fn accepts_host_names() {
        for ok in [
            "shop.example.com",
            "example.com",
            "localhost",
            "xn--bcher-kva.example",
            "a-b.c-d.example",
            "127.0.0.1",
            "EXAMPLE.com",
        ] {
            assert!(domain_name(ok).is_ok(), "{ok} should be accepted");
        }
        let longest = format!("{0}.{0}.{0}.{1}", "a".repeat(63), "b".repeat(61));
        assert_eq!(longest.len(), 253);
        assert!(domain_name(&longest).is_ok());
    }

    #[test]
    fn refuses_urls_with_a_hint() {
        let r = reason(domain_name("https://shop.example.com/"));
        assert_eq!(
            r,
            "domain_name: must be a bare host name, not a URL; did you mean `shop.example.com`?"
        );
    }

    #[test]
    fn refuses_what_is_not_a_host_name() {
        let cases = [
            ("", "must not be empty"),
            ("shop.example.com/cart", "without a path"),
            ("shop.example.com:8443", "without a port"),
            ("shop example.com", "whitespace"),
            (" shop.example.com", "whitespace"),
            ("user@shop.example.com", "user information"),
            ("shop..example.com", "label 2 is empty"),
            ("shop.example.com.", "label 4 is empty"),
            ("-shop.example.com", "must not start or end with `-`"),
            ("shop_1.example.com", "contains '_'"),
            ("bücher.example", "punycode"),
        ];
        for (input, expected) in cases {
            let r = reason(domain_name(input));
            assert!(r.starts_with("domain_name: "), "{input:?}: {r}");
            assert!(
                r.contains(expected),
                "{input:?}: {r} (expected {expected:?})"
            );
        }
        let long_label = format!("{}.example.com", "a".repeat(64));
        assert!(reason(domain_name(&long_label)).contains("at most 63"));
        let too_long = format!("{}.com", vec!["a".repeat(60); 5].join("."));
        assert!(reason(domain_name(&too_long)).contains("at most 253"));
    }

    /// The one-pass checks and the explaining checks must agree on every input: a
    /// generated corpus of near-miss names (each byte class at each position) plus edges.
    #[test]
    fn fast_and_full_checks_agree() {
        let alphabet = [
            "a", "Z", "0", "-", ".", "_", " ", "\t", "/", ":", "@", "é", "\u{85}", "://",
        ];
        let mut inputs: Vec<String> = vec![
            String::new(),
            "a".repeat(63),
            "a".repeat(64),
            format!("{0}.{0}.{0}.{1}", "a".repeat(63), "b".repeat(61)),
            format!("{0}.{0}.{0}.{1}", "a".repeat(63), "b".repeat(62)),
            format!("b.{}.c", "a".repeat(63)),
            format!("b.{}.c", "a".repeat(64)),
            format!("{}.c", "a".repeat(64)),
            "a--b.c".into(),
        ];
        for base in ["shop.example.com", "a.b", "x"] {
            for position in 0..=base.len() {
                for piece in alphabet {
                    let mut inserted = base.to_owned();
                    inserted.insert_str(position, piece);
                    inputs.push(inserted);
                    if position < base.len() {
                        let mut replaced = base.to_owned();
                        replaced.replace_range(position..position + 1, piece);
                        inputs.push(replaced);
                    }
                }
            }
        }
        for piece_a in alphabet {
            for piece_b in alphabet {
                inputs.push(format!("{piece_a}{piece_b}"));
                inputs.push(format!("{piece_a}x{piece_b}"));
            }
        }
        for input in &inputs {
            assert_eq!(
                is_host_name(input),
                explain_domain_name(input).is_ok(),
                "domain {input:?}"
            );
            // Valid ids that are not plain ASCII are only accepted by the full checks.
            if is_plain_configurator_id(input) {
                assert!(explain_configurator_id(input).is_ok(), "id {input:?}");
            }
            if input.is_ascii() {
                assert_eq!(
                    is_plain_configurator_id(input),
                    explain_configurator_id(input).is_ok(),
                    "id {input:?}"
                );
            }
        }
    }

    #[test]
    fn configurator_ids() {
        assert!(configurator_id("edcfrt").is_ok());
        assert_eq!(
            reason(configurator_id("")),
            "configurator_id: must not be empty"
        );
        assert!(reason(configurator_id("   ")).contains("must not be empty"));
        assert!(reason(configurator_id(" x")).contains("whitespace"));
        assert!(reason(configurator_id("a\nb")).contains("control character"));
        assert!(reason(configurator_id(&"x".repeat(2000))).contains("at most 1024"));
    }
}
