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
    #[arg(long, value_name = "SECS", default_value_t = 30)]
    pub(crate) fetch_timeout: u64,
    /// Refuse documents larger than this many bytes.
    #[arg(long, value_name = "BYTES", default_value_t = 16 * 1024 * 1024)]
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

/// Reads `location` (a path, or an `http://` / `https://` URL) into a [`Source`] named by
/// its last path segment.
pub(crate) fn fetch(location: &str, limits: &FetchLimits) -> anyhow::Result<Source> {
    if let Some((scheme, _)) = location.split_once("://") {
        return match scheme.to_ascii_lowercase().as_str() {
            "http" | "https" => fetch_url(location, limits),
            other => bail!(
                "{location}: unsupported URL scheme `{other}`; give a file path or an http(s) URL"
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
    let url = url::Url::parse(location).with_context(|| format!("{location}: not a valid URL"))?;
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
            download(url.clone(), limits.max_spec_bytes, timeout),
        )
        .await
    });
    let bytes = match fetched {
        Ok(result) => result?,
        Err(_) => bail!(
            "GET {url}: timed out after {}s (--fetch-timeout)",
            limits.fetch_timeout
        ),
    };
    Ok(Source { name, bytes })
}

async fn download(url: url::Url, max_bytes: u64, timeout: Duration) -> anyhow::Result<Vec<u8>> {
    let client = reqwest::Client::builder()
        .connect_timeout(timeout)
        .timeout(timeout)
        .redirect(reqwest::redirect::Policy::limited(5))
        .user_agent(concat!("simplio3d-xtask/", env!("CARGO_PKG_VERSION")))
        .build()
        .context("cannot build the HTTP client")?;
    let describe = |e: reqwest::Error| {
        let what = if e.is_timeout() {
            "timed out"
        } else if e.is_connect() {
            "cannot connect"
        } else if e.is_redirect() {
            "too many redirects"
        } else {
            "request failed"
        };
        anyhow::anyhow!("GET {url}: {what}: {}", error_chain(&e))
    };
    let mut response = client.get(url.clone()).send().await.map_err(describe)?;
    let status = response.status();
    if !status.is_success() {
        bail!("GET {url}: the server answered HTTP {status}");
    }
    if let Some(length) = response.content_length().filter(|&n| n > max_bytes) {
        bail!(
            "GET {url}: the document is {length} bytes, over the {max_bytes}-byte limit (--max-spec-bytes)"
        );
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(describe)? {
        if body.len() as u64 + chunk.len() as u64 > max_bytes {
            bail!("GET {url}: the document is over the {max_bytes}-byte limit (--max-spec-bytes)");
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
