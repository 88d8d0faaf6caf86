//! String `format`s that OpenAPI 3.0 names. Unknown formats are not enforced (the spec says
//! they are open-ended); `binary` is checked by the multipart validator (file part or not).

use base64::Engine as _;

/// `Some(problem)` when `text` is not a valid `format`.
pub(crate) fn check(format: &str, text: &str) -> Option<String> {
    let ok = match format {
        "date" => is_date(text),
        "date-time" => is_date_time(text),
        "uuid" => is_uuid(text),
        "email" => is_email(text),
        "byte" => base64::engine::general_purpose::STANDARD
            .decode(text.trim())
            .is_ok(),
        "ipv4" => text.parse::<std::net::Ipv4Addr>().is_ok(),
        "ipv6" => text.parse::<std::net::Ipv6Addr>().is_ok(),
        "uri" | "url" => url::Url::parse(text).is_ok(),
        _ => true,
    };
    (!ok).then(|| format!("{:?} is not a valid {format}", super::short_text(text)))
}

fn digits(text: &str, count: usize) -> Option<u32> {
    (text.len() == count && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok())?
}

fn is_date(text: &str) -> bool {
    let mut parts = text.split('-');
    let (Some(y), Some(m), Some(d), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return false;
    };
    matches!(
        (digits(y, 4), digits(m, 2), digits(d, 2)),
        (Some(_), Some(1..=12), Some(1..=31))
    )
}

/// RFC 3339 `date-time`: `2024-05-01T10:00:00(.123)?(Z|+02:00)`.
fn is_date_time(text: &str) -> bool {
    let Some((date, time)) = text.split_once(['T', 't', ' ']) else {
        return false;
    };
    if !is_date(date) {
        return false;
    }
    // `get`, not `split_at`: byte 8 may fall inside a multibyte character of request text.
    let (Some(clock), Some(zone)) = (time.get(..8), time.get(8..)) else {
        return false;
    };
    let mut hms = clock.split(':');
    let (Some(h), Some(m), Some(s), None) = (hms.next(), hms.next(), hms.next(), hms.next()) else {
        return false;
    };
    if !matches!(
        (digits(h, 2), digits(m, 2), digits(s, 2)),
        (Some(0..=23), Some(0..=59), Some(0..=60))
    ) {
        return false;
    }
    let zone = match zone.strip_prefix('.') {
        Some(rest) => {
            let fraction = rest.bytes().take_while(u8::is_ascii_digit).count();
            if fraction == 0 {
                return false;
            }
            &rest[fraction..]
        }
        None => zone,
    };
    match zone {
        "Z" | "z" => true,
        _ => {
            let Some(offset) = zone.strip_prefix(['+', '-']) else {
                return false;
            };
            matches!(offset.split_once(':'), Some((h, m)) if digits(h, 2).is_some_and(|h| h <= 23) && digits(m, 2).is_some_and(|m| m <= 59))
        }
    }
}

fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn is_email(text: &str) -> bool {
    matches!(text.rsplit_once('@'), Some((local, domain)) if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.') && !text.contains(char::is_whitespace))
}

#[cfg(test)]
mod tests {
    use super::check;

    #[test]
    fn formats_accept_valid_and_reject_invalid_text() {
        for (format, good, bad) in [
            ("date", "2024-02-29", "2024-13-01"),
            (
                "date-time",
                "2024-02-29T23:59:60.5+01:00",
                "2024-02-29 25:00:00Z",
            ),
            (
                "uuid",
                "123e4567-e89b-12d3-a456-426614174000",
                "123e4567e89b12d3a456426614174000",
            ),
            ("email", "a@example.com", "a@localhost"),
            ("byte", "aGVsbG8=", "not base64!"),
            ("ipv4", "127.0.0.1", "256.0.0.1"),
            ("uri", "https://example.com/x", "no scheme"),
        ] {
            assert_eq!(check(format, good), None, "{format} {good}");
            assert!(check(format, bad).is_some(), "{format} {bad}");
        }
        assert_eq!(check("made-up", "anything"), None);
    }

    /// Byte 8 of the time part falls inside `é`: an answer, not a panic.
    #[test]
    fn multibyte_text_where_the_clock_ends_is_invalid_not_a_panic() {
        for text in [
            "2024-01-01T0000000\u{e9}",
            "2024-01-01T\u{e9}\u{e9}\u{e9}\u{e9}",
            "2024-01-01T12:00:0\u{e9}Z",
            "2024-01-01T12:00:00.\u{e9}",
            "\u{e9}-01-01T12:00:00Z",
        ] {
            assert!(check("date-time", text).is_some(), "{text}");
        }
    }
}
