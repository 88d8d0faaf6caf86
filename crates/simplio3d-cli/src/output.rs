//! What goes to stdout.

use std::io::{self, Write};
use std::time::{SystemTime, UNIX_EPOCH};

use simplio3d::Session;

/// `{"token": "...", "message": "..." | null, "expires_at": <Unix seconds> | null}`.
pub fn json(out: &mut impl Write, session: &Session) -> io::Result<()> {
    let expires_at = session
        .expires_at()
        .and_then(|at| at.duration_since(UNIX_EPOCH).ok())
        .map(|d| d.as_secs());
    let value = serde_json::json!({
        "token": session.token.expose_secret(),
        "message": session.message,
        "expires_at": expires_at,
    });
    writeln!(out, "{value}")
}

/// The token alone, on one line.
pub fn token(out: &mut impl Write, session: &Session) -> io::Result<()> {
    writeln!(out, "{}", session.token.expose_secret())
}

/// A human summary; the token stays hidden.
pub fn summary(
    out: &mut impl Write,
    session: &Session,
    base_url: &str,
    mock: bool,
) -> io::Result<()> {
    let server = if mock {
        "embedded mock server"
    } else {
        "server"
    };
    writeln!(out, "Session created ({server} {base_url})")?;
    writeln!(
        out,
        "  message:    {}",
        session.message.as_deref().unwrap_or("(none)")
    )?;
    let expires = match session.expires_at() {
        Some(at) => format!("{} (in {})", httpdate::fmt_http_date(at), remaining(at)),
        None => "unknown (the token carries no expiry)".to_owned(),
    };
    writeln!(out, "  expires at: {expires}")?;
    writeln!(
        out,
        "  token:      hidden; pass --print-token or --json to print it"
    )
}

fn remaining(at: SystemTime) -> String {
    let secs = at
        .duration_since(SystemTime::now())
        .map(|d| d.as_secs())
        .unwrap_or(0);
    match (secs / 3600, secs % 3600 / 60, secs % 60) {
        (0, 0, s) => format!("{s}s"),
        (0, m, s) => format!("{m}m {s:02}s"),
        (h, m, _) => format!("{h}h {m:02}m"),
    }
}
