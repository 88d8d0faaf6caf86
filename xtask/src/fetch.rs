//! Reading a vendor document from a file or an http(s) URL, bounded in time and size.
//!
//! HTTP goes through the workspace's rustls-only reqwest on a current-thread runtime: the
//! xtask adds no second HTTP or TLS stack to the build.

use std::path::Path;
use std::time::Duration;

use anyhow::{Context as _, bail};
use simplio3d_codegen::Source;

/// Bounds on fetching a document.
#[derive(Clone, Debug, clap::Args)]
pub(crate) struct FetchLimits {
    /// Give up on a URL after this many seconds (connect, headers and body together).
    // 0 would time out before connecting: refused, rather than a confusing "timed out".
    #[arg(long, value_name = "SECS", default_value_t = 30,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) fetch_timeout: u64,
    /// Refuse documents larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 16 * 1024 * 1024,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub(crate) max_spec_bytes: u64,
}

impl Default for FetchLimits {
    fn default() -> Self {
        Self {
            fetch_timeout: 30,
            max_spec_bytes: 16 * 1024 * 1024,
        }
    }
}

/// `location` fit for messages and logs: a URL loses its user info (`user:password@`) and
/// its query and fragment (often a token), shown as `…`; a path is left as it is.
pub(crate) fn redact(location: &str) -> String {
    let Ok(mut url) = url::Url::parse(location) else {
        return location.to_owned();
    };
    if !matches!(url.scheme(), "http" | "https") {
        return location.to_owned();
    }
    let had_user = !url.username().is_empty() || url.password().is_some();
    let _ = url.set_username("");
    let _ = url.set_password(None);
    if url.query().is_some() {
        url.set_query(Some("…"));
    }
    if url.fragment().is_some() {
        url.set_fragment(Some("…"));
    }
    let text = url.to_string().replace("%E2%80%A6", "…");
    if had_user {
        text.replacen("://", "://…@", 1)
    } else {
        text
    }
}

/// Reads `location` (a path, or an `http://` / `https://` URL) into a [`Source`] named by
/// its last path segment.
pub(crate) fn fetch(location: &str, limits: &FetchLimits) -> anyhow::Result<Source> {
    if let Some((scheme, _)) = location.split_once("://") {
        return match scheme.to_ascii_lowercase().as_str() {
            "http" | "https" => fetch_url(location, limits),
            other => bail!(
                "{}: unsupported URL scheme `{other}`; give a file path or an http(s) URL",
                redact(location)
            ),
        };
    }
    read_file(Path::new(location), limits.max_spec_bytes)
}

fn read_file(path: &Path, max_bytes: u64) -> anyhow::Result<Source> {
    let metadata =
        std::fs::metadata(path).with_context(|| format!("cannot read {}", path.display()))?;
    if !metadata.is_file() {
        bail!("{} is not a file", path.display());
    }
    if metadata.len() > max_bytes {
        bail!(
            "{} is {} bytes, over the {max_bytes}-byte limit (--max-spec-bytes)",
            path.display(),
            metadata.len()
        );
    }
    Ok(Source::read(path)?)
}

fn fetch_url(location: &str, limits: &FetchLimits) -> anyhow::Result<Source> {
    let shown = redact(location);
    let url = url::Url::parse(location).with_context(|| format!("{shown}: not a valid URL"))?;
    let name = url
        .path_segments()
        .and_then(|mut segments| {
            segments
                .next_back()
                .filter(|s| !s.is_empty())
                .map(str::to_owned)
        })
        .unwrap_or_else(|| url.host_str().unwrap_or("document").to_owned());
    let timeout = Duration::from_secs(limits.fetch_timeout);
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("cannot start the HTTP runtime")?;
    let fetched = runtime.block_on(async {
        // One deadline over connect, headers and the whole body: a server that trickles
        // bytes forever is cut off as surely as one that never answers.
        tokio::time::timeout(
            timeout,
            download(url.clone(), &shown, limits.max_spec_bytes, timeout),
        )
        .await
    });
    // Dropping the runtime would wait for its blocking pool, where a DNS lookup may be
    // stuck well past the deadline; give it a moment, then leave it behind.
    runtime.shutdown_timeout(Duration::from_millis(200));
    let bytes = match fetched {
        Ok(result) => result?,
        Err(_) => bail!(
            "GET {shown}: timed out after {}s (--fetch-timeout)",
            limits.fetch_timeout
        ),
    };
    Ok(Source { name, bytes })
}

/// At most 5 redirects, and never from https to http: a document asked for over TLS is
/// not taken from a server anyone on the path could impersonate.
fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        match redirect_refusal(attempt.previous(), attempt.url()) {
            Some(reason) => attempt.error(reason),
            None => attempt.follow(),
        }
    })
}

/// Why a redirect to `next` after `previous` (the first is the URL asked for) is refused.
fn redirect_refusal(previous: &[url::Url], next: &url::Url) -> Option<String> {
    if next.scheme() == "http" && previous.iter().any(|u| u.scheme() == "https") {
        Some(format!(
            "refused a redirect from https to {}",
            redact(next.as_str())
        ))
    } else if previous.len() > 5 {
        Some("too many redirects (more than 5)".to_owned())
    } else {
        None
    }
}

async fn download(
    url: url::Url,
    shown: &str,
    max_bytes: u64,
    timeout: Duration,
) -> anyhow::Result<Vec<u8>> {
    let client = reqwest::Client::builder()
        .connect_timeout(timeout)
        .timeout(timeout)
        .redirect(redirect_policy())
        .user_agent(concat!("simplio3d-xtask/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("cannot build the HTTP client")?;
    let describe = |e: reqwest::Error| {
        let what = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "cannot connect"
        } else if e.is_redirect() {
            "redirect refused"
        } else {
            "request failed"
        };
        // reqwest's message would repeat the URL with its query: keep only ours, redacted.
        anyhow::anyhow!("GET {shown}: {what}: {}", error_chain(&e.without_url()))
    };
    let mut response = client.get(url).send().await.map_err(describe)?;
    let status = response.status();
    if !status.is_success() {
        bail!("GET {shown}: the server answered HTTP {status}");
    }
    if let Some(length) = response.content_length().filter(|&n| n > max_bytes) {
        bail!(
            "GET {shown}: the document is {length} bytes, over the {max_bytes}-byte limit (--max-spec-bytes)"
        );
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(describe)? {
        if body.len() as u64 + chunk.len() as u64 > max_bytes {
            bail!(
                "GET {shown}: the document is over the {max_bytes}-byte limit (--max-spec-bytes)"
            );
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

fn error_chain(error: &dyn std::error::Error) -> String {
    let mut out = error.to_string();
    let mut source = error.source();
    while let Some(e) = source {
        out.push_str(": ");
        out.push_str(&e.to_string());
        source = e.source();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_lose_credentials_and_queries_in_messages() {
        assert_eq!(
            redact("https://user:secret@example.com/spec.json?token=abc#x"),
            "https://…@example.com/spec.json?…#…"
        );
        assert_eq!(
            redact("http://example.com/a.json"),
            "http://example.com/a.json"
        );
        assert_eq!(
            redact("spec/simplio3d.openapi.json"),
            "spec/simplio3d.openapi.json"
        );
    }

    #[test]
    fn redirects_never_downgrade_to_http() {
        let url = |s: &str| url::Url::parse(s).unwrap();
        let from_tls = [url("https://vendor.example/spec.json")];
        let refusal = redirect_refusal(&from_tls, &url("http://mirror.example/spec.json?k=1"));
        assert_eq!(
            refusal.as_deref(),
            Some("refused a redirect from https to http://mirror.example/spec.json?…")
        );
        assert_eq!(
            redirect_refusal(&from_tls, &url("https://cdn.example/spec.json")),
            None
        );
        let plain = [url("http://vendor.example/spec.json")];
        assert_eq!(
            redirect_refusal(&plain, &url("http://cdn.example/s.json")),
            None
        );
        let many: Vec<url::Url> = (0..6)
            .map(|i| url(&format!("https://h{i}.example/")))
            .collect();
        assert!(redirect_refusal(&many, &url("https://last.example/")).is_some());
    }
}
