//! [`Simplio3dBuilder`]: configuration, checked once at build time.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use reqwest::header::HeaderValue;
use secrecy::{ExposeSecret as _, SecretString};
use url::Url;

use crate::client::{Inner, Simplio3d};
use crate::{Error, RetryPolicy};

/// The production API.
pub const DEFAULT_BASE_URL: &str = "https://app.simplio3d.com";
/// Environment variable read by [`Simplio3d::from_env`] for the API key.
pub const ENV_API_KEY: &str = "SIMPLIO3D_API_KEY";
/// Environment variable read by [`Simplio3d::from_env`] for the base URL.
pub const ENV_BASE_URL: &str = "SIMPLIO3D_BASE_URL";

const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// A session response is well under 1 KiB; 1 MiB leaves room and still bounds memory.
const DEFAULT_MAX_RESPONSE_BYTES: u64 = 1024 * 1024;

/// Builds a [`Simplio3d`] client. Every setting is checked in [`build`](Self::build), and
/// an error names the setting at fault.
///
/// ```
/// use std::time::Duration;
/// use simplio3d::{RetryPolicy, Simplio3d};
///
/// let client = Simplio3d::builder()
///     .api_key("my-api-key")
///     .timeout(Duration::from_secs(10))
///     .retry(RetryPolicy::default().max_attempts(4))
///     .user_agent("my-shop/1.2")
///     .build()?;
/// assert_eq!(client.base_url().as_str(), "https://app.simplio3d.com/");
///
/// // Plain http is refused except on loopback, unless you opt in.
/// let err = Simplio3d::builder().api_key("k").base_url("http://api.internal").build().unwrap_err();
/// assert!(err.to_string().contains("`base_url`"));
/// # Ok::<(), simplio3d::Error>(())
/// ```
#[must_use]
pub struct Simplio3dBuilder {
    api_key: Option<SecretString>,
    api_key_setting: &'static str,
    base_url: Option<String>,
    base_url_setting: &'static str,
    timeout: Duration,
    connect_timeout: Option<Duration>,
    retry: RetryPolicy,
    user_agent: Option<String>,
    allow_insecure_http: bool,
    max_response_bytes: u64,
    http: Option<Http>,
}

/// Where the HTTP client comes from.
enum Http {
    /// Ours, built from the caller's builder with our settings on top.
    Builder(Box<reqwest::ClientBuilder>),
    /// The caller's, used as it is.
    Client(reqwest::Client),
}

impl fmt::Debug for Simplio3dBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simplio3dBuilder")
            .field("api_key", &self.api_key.as_ref().map(|_| "[REDACTED]"))
            .field("base_url", &self.base_url)
            .field("timeout", &self.timeout)
            .field("connect_timeout", &self.connect_timeout)
            .field("retry", &self.retry)
            .field("user_agent", &self.user_agent)
            .field("allow_insecure_http", &self.allow_insecure_http)
            .field("max_response_bytes", &self.max_response_bytes)
            .field(
                "http",
                &self.http.as_ref().map(|http| match http {
                    Http::Builder(_) => "http_client_builder",
                    Http::Client(_) => "http_client",
                }),
            )
            .finish()
    }
}

impl Default for Simplio3dBuilder {
    fn default() -> Self {
        Simplio3dBuilder {
            api_key: None,
            api_key_setting: "api_key",
            base_url: None,
            base_url_setting: "base_url",
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: None,
            retry: RetryPolicy::default(),
            user_agent: None,
            allow_insecure_http: false,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            http: None,
        }
    }
}

impl Simplio3dBuilder {
    /// The API key ("Share" tab of the Simplio3D dashboard). Sent as the raw value of the
    /// `Authorization` header, as the vendor's `apiKeyAuth` scheme says (no `Bearer`).
    pub fn api_key(mut self, key: impl Into<SecretString>) -> Self {
        self.api_key = Some(key.into());
        self.api_key_setting = "api_key";
        self
    }

    /// The API's base URL, default [`DEFAULT_BASE_URL`]. May carry a path stem. `http://`
    /// is accepted only for loopback hosts unless [`allow_insecure_http`](Self::allow_insecure_http).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = Some(url.into());
        self.base_url_setting = "base_url";
        self
    }

    /// Time limit for one attempt (connecting, sending, reading the response); default
    /// 30 s. The retry policy's deadline bounds the whole call.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Time limit for establishing a connection; default 10 s.
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How failed calls are retried; [`RetryPolicy::disabled`] turns retries off.
    pub fn retry(mut self, policy: RetryPolicy) -> Self {
        self.retry = policy;
        self
    }

    /// The `User-Agent` header; default `simplio3d-rust/<version>`.
    pub fn user_agent(mut self, user_agent: impl Into<String>) -> Self {
        self.user_agent = Some(user_agent.into());
        self
    }

    /// Accept a plain `http://` base URL on a non-loopback host. The API key then
    /// travels unencrypted: only for trusted networks (a proxy on the same host, tests).
    pub fn allow_insecure_http(mut self, allow: bool) -> Self {
        self.allow_insecure_http = allow;
        self
    }

    /// The most bytes of a response body read; past it the call fails with
    /// [`Error::ResponseTooLarge`] and the rest is never read, so a broken or hostile server
    /// cannot make the client buffer without bound. Default 1 MiB. Enforced inside the
    /// generated client's own request path
    /// ([`simplio3d_client::ClientState`]).
    pub fn max_response_bytes(mut self, limit: u64) -> Self {
        self.max_response_bytes = limit;
        self
    }

    /// Start from your own `reqwest::ClientBuilder` (proxies, root certificates, local
    /// address, connection pool settings, …).
    ///
    /// The wrapper adds to it the timeouts, the user agent, `https_only` for non-loopback
    /// hosts and a redirect policy that never follows redirects (so the key cannot be
    /// forwarded anywhere); those override yours, everything else is kept. To use a client
    /// as it is, see [`http_client`](Self::http_client).
    ///
    /// ```
    /// let client = simplio3d::Simplio3d::builder()
    ///     .api_key("k")
    ///     .http_client_builder(reqwest::Client::builder().pool_max_idle_per_host(4))
    ///     .build()?;
    /// # Ok::<(), simplio3d::Error>(())
    /// ```
    pub fn http_client_builder(mut self, builder: reqwest::ClientBuilder) -> Self {
        self.http = Some(Http::Builder(Box::new(builder)));
        self
    }

    /// Use your own, already built `reqwest::Client` as it is (to share its connection
    /// pool, proxies and TLS settings with the rest of your application). Replaces
    /// [`http_client_builder`](Self::http_client_builder); the last of the two wins.
    ///
    /// The API key, the [`timeout`](Self::timeout) and the response limit are still applied,
    /// per request, by the generated client's hooks ([`simplio3d_client::ClientState`]).
    /// The client's own connect timeout, user agent and redirect policy apply instead of
    /// ours, so setting [`connect_timeout`](Self::connect_timeout) or
    /// [`user_agent`](Self::user_agent) as well is a configuration error. If the client
    /// follows redirects, reqwest drops the `Authorization` header on any change of scheme,
    /// host or port, so the key does not leave the API's origin.
    ///
    /// ```
    /// let shared = reqwest::Client::new();
    /// let client = simplio3d::Simplio3d::builder()
    ///     .api_key("k")
    ///     .http_client(shared.clone())
    ///     .build()?;
    /// # Ok::<(), simplio3d::Error>(())
    /// ```
    pub fn http_client(mut self, client: reqwest::Client) -> Self {
        self.http = Some(Http::Client(client));
        self
    }

    /// Reads `SIMPLIO3D_API_KEY` (required) and `SIMPLIO3D_BASE_URL` (optional) into
    /// this builder; errors name the variable.
    pub fn with_env(self) -> Result<Self, Error> {
        self.with_env_from(|name| std::env::var(name))
    }

    /// [`with_env`](Self::with_env) over any variable source (tests, config files).
    pub(crate) fn with_env_from(
        mut self,
        var: impl Fn(&str) -> Result<String, std::env::VarError>,
    ) -> Result<Self, Error> {
        use std::env::VarError;
        match var(ENV_API_KEY) {
            Ok(key) => {
                self = self.api_key(key);
                self.api_key_setting = ENV_API_KEY;
            }
            Err(VarError::NotPresent) => {
                return Err(Error::config(ENV_API_KEY, "is not set"));
            }
            Err(VarError::NotUnicode(_)) => {
                return Err(Error::config(ENV_API_KEY, "is not valid UTF-8"));
            }
        }
        match var(ENV_BASE_URL) {
            Ok(url) if !url.trim().is_empty() => {
                self = self.base_url(url);
                self.base_url_setting = ENV_BASE_URL;
            }
            Ok(_) | Err(VarError::NotPresent) => {}
            Err(VarError::NotUnicode(_)) => {
                return Err(Error::config(ENV_BASE_URL, "is not valid UTF-8"));
            }
        }
        Ok(self)
    }

    /// Checks every setting and builds the client.
    pub fn build(self) -> Result<Simplio3d, Error> {
        let api_key = self.api_key.as_ref().ok_or_else(|| {
            Error::config(
                "api_key",
                "is not set (or set SIMPLIO3D_API_KEY and use Simplio3d::from_env)",
            )
        })?;
        let auth = auth_header(api_key.expose_secret(), self.api_key_setting)?;
        let base_url = parse_base_url(
            self.base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            self.base_url_setting,
            self.allow_insecure_http,
        )?;
        if self.timeout.is_zero() {
            return Err(Error::config("timeout", "must be greater than zero"));
        }
        if self.connect_timeout.is_some_and(|t| t.is_zero()) {
            return Err(Error::config(
                "connect_timeout",
                "must be greater than zero",
            ));
        }
        if self.max_response_bytes == 0 {
            return Err(Error::config(
                "max_response_bytes",
                "must be greater than zero",
            ));
        }
        if self.retry.get_deadline().is_zero() {
            return Err(Error::config(
                "retry",
                "the deadline must be greater than zero",
            ));
        }
        let user_agent = match &self.user_agent {
            Some(agent) => HeaderValue::from_str(agent).map_err(|_| {
                Error::config("user_agent", "must be visible ASCII (a valid header value)")
            })?,
            None => HeaderValue::from_static(concat!("simplio3d-rust/", env!("CARGO_PKG_VERSION"))),
        };

        let mut state = simplio3d_client::ClientState::new()
            .authorization(auth)
            .max_response_bytes(self.max_response_bytes);
        let http = match self.http {
            Some(Http::Client(client)) => {
                // Per request, as that client's own timeout (if any) is not ours to change.
                // Our own client carries it instead: a per-request timeout costs reqwest an
                // allocation on every request.
                state = state.timeout(self.timeout);
                for (set, setting) in [
                    (self.user_agent.is_some(), "user_agent"),
                    (self.connect_timeout.is_some(), "connect_timeout"),
                ] {
                    if set {
                        return Err(Error::config(
                            setting,
                            "cannot be applied to a client passed with `http_client`; set it on that reqwest::Client",
                        ));
                    }
                }
                client
            }
            builder => match builder {
                Some(Http::Builder(builder)) => *builder,
                _ => reqwest::Client::builder(),
            }
            .user_agent(user_agent)
            .timeout(self.timeout)
            .connect_timeout(self.connect_timeout.unwrap_or(DEFAULT_CONNECT_TIMEOUT))
            .redirect(reqwest::redirect::Policy::none())
            .https_only(!(self.allow_insecure_http || is_loopback(&base_url)))
            .build()
            .map_err(|e| {
                Error::config(
                    "http_client_builder",
                    format!("cannot build the HTTP client: {e}"),
                )
            })?,
        };

        // The key and the body limit (and for a caller's client, the attempt timeout) go
        // through the generated client's own hooks, whichever reqwest::Client sends it.
        // The generated client appends `/api/...` to the base URL as text.
        let stem = base_url.as_str().trim_end_matches('/');
        let generated = simplio3d_client::Client::new_with_client(stem, http, state);
        Ok(Simplio3d {
            inner: Arc::new(Inner {
                generated,
                base_url,
                retry: self.retry,
                request_timeout: self.timeout,
                // `auth_header` refused an empty key, so the finder never matches everywhere.
                api_key_finder: memchr::memmem::Finder::new(api_key.expose_secret().as_bytes())
                    .into_owned(),
                api_key: api_key.clone(),
            }),
        })
    }
}

fn auth_header(key: &str, setting: &'static str) -> Result<HeaderValue, Error> {
    if key.is_empty() {
        return Err(Error::config(setting, "is empty"));
    }
    if key.trim() != key {
        return Err(Error::config(setting, "has leading or trailing whitespace"));
    }
    // The reason never quotes the key.
    let mut value = HeaderValue::from_str(key)
        .map_err(|_| Error::config(setting, "contains characters not allowed in an HTTP header"))?;
    value.set_sensitive(true);
    Ok(value)
}

fn parse_base_url(
    raw: &str,
    setting: &'static str,
    allow_insecure_http: bool,
) -> Result<Url, Error> {
    let url = Url::parse(raw.trim())
        .map_err(|e| Error::config(setting, format!("`{raw}` is not a URL: {e}")))?;
    if !url.username().is_empty() || url.password().is_some() {
        // Not echoed: the URL holds credentials.
        return Err(Error::config(
            setting,
            "must not contain credentials; the API key is set with `api_key`",
        ));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(Error::config(
            setting,
            format!("`{url}` must not have a query or fragment"),
        ));
    }
    if url.host_str().is_none() {
        return Err(Error::config(setting, format!("`{url}` has no host")));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) || allow_insecure_http => {}
        "http" => {
            return Err(Error::config(
                setting,
                format!(
                    "`{url}` is plain http on a non-loopback host, which would send the API key \
                     unencrypted; use https, or opt in with `allow_insecure_http(true)`"
                ),
            ));
        }
        other => {
            return Err(Error::config(
                setting,
                format!("scheme `{other}` is not http or https"),
            ));
        }
    }
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::env::VarError;

    fn setting_of(result: Result<Simplio3d, Error>) -> (&'static str, String) {
        match result {
            Err(Error::Config { setting, reason }) => (setting, reason),
            Err(other) => panic!("expected a config error, got {other:?}"),
            Ok(_) => panic!("expected a config error, got a client"),
        }
    }

    #[test]
    fn defaults() {
        let client = Simplio3d::builder().api_key("k").build().unwrap();
        assert_eq!(client.base_url().as_str(), "https://app.simplio3d.com/");
    }

    #[test]
    fn missing_or_bad_key_names_the_setting() {
        assert_eq!(setting_of(Simplio3d::builder().build()).0, "api_key");
        assert_eq!(
            setting_of(Simplio3d::builder().api_key("").build()).0,
            "api_key"
        );
        let (setting, reason) = setting_of(Simplio3d::builder().api_key("sec\nret").build());
        assert_eq!(setting, "api_key");
        assert!(!reason.contains("sec"), "{reason}");
        let (_, reason) = setting_of(Simplio3d::builder().api_key(" secret").build());
        assert!(!reason.contains("secret"), "{reason}");
    }

    #[test]
    fn plain_http_only_on_loopback_or_opt_in() {
        for ok in [
            "http://127.0.0.1:8080",
            "http://localhost:1234/stem/",
            "http://[::1]:80",
            "https://api.example.com",
        ] {
            assert!(
                Simplio3d::builder()
                    .api_key("k")
                    .base_url(ok)
                    .build()
                    .is_ok(),
                "{ok}"
            );
        }
        let (setting, reason) = setting_of(
            Simplio3d::builder()
                .api_key("k")
                .base_url("http://api.example.com")
                .build(),
        );
        assert_eq!(setting, "base_url");
        assert!(reason.contains("allow_insecure_http"), "{reason}");
        assert!(
            Simplio3d::builder()
                .api_key("k")
                .base_url("http://api.example.com")
                .allow_insecure_http(true)
                .build()
                .is_ok()
        );
    }

    #[test]
    fn bad_base_urls() {
        for (url, needle) in [
            ("not a url", "is not a URL"),
            ("ftp://example.com", "scheme `ftp`"),
            ("https://example.com/?q=1", "query"),
            ("https://user:pw@example.com", "credentials"),
        ] {
            let (setting, reason) =
                setting_of(Simplio3d::builder().api_key("k").base_url(url).build());
            assert_eq!(setting, "base_url");
            assert!(reason.contains(needle), "{url}: {reason}");
        }
        let (_, reason) = setting_of(
            Simplio3d::builder()
                .api_key("k")
                .base_url("https://user:hunter2@example.com")
                .build(),
        );
        assert!(!reason.contains("hunter2"));
    }

    #[test]
    fn other_settings_are_named() {
        let b = || Simplio3d::builder().api_key("k");
        assert_eq!(setting_of(b().timeout(Duration::ZERO).build()).0, "timeout");
        assert_eq!(
            setting_of(b().connect_timeout(Duration::ZERO).build()).0,
            "connect_timeout"
        );
        assert_eq!(
            setting_of(b().user_agent("bad\nagent").build()).0,
            "user_agent"
        );
        assert_eq!(
            setting_of(b().max_response_bytes(0).build()).0,
            "max_response_bytes"
        );
        assert_eq!(
            setting_of(
                b().retry(RetryPolicy::default().deadline(Duration::ZERO))
                    .build()
            )
            .0,
            "retry"
        );
    }

    #[test]
    fn settings_a_callers_client_cannot_take_are_refused() {
        let b = || {
            Simplio3d::builder()
                .api_key("k")
                .http_client(reqwest::Client::new())
        };
        assert!(b().build().is_ok());
        assert_eq!(setting_of(b().user_agent("x/1").build()).0, "user_agent");
        assert_eq!(
            setting_of(b().connect_timeout(Duration::from_secs(1)).build()).0,
            "connect_timeout"
        );
        // The last of `http_client` and `http_client_builder` wins.
        assert!(
            b().http_client_builder(reqwest::Client::builder())
                .user_agent("x/1")
                .build()
                .is_ok()
        );
    }

    #[test]
    fn env_errors_name_the_variable() {
        let env = |key: Option<&'static str>, url: Option<&'static str>| {
            move |name: &str| {
                let value = if name == ENV_API_KEY { key } else { url };
                value.map(str::to_owned).ok_or(VarError::NotPresent)
            }
        };
        let err = Simplio3dBuilder::default()
            .with_env_from(env(None, None))
            .unwrap_err();
        assert!(
            matches!(
                err,
                Error::Config {
                    setting: ENV_API_KEY,
                    ..
                }
            ),
            "{err:?}"
        );

        let built = Simplio3dBuilder::default()
            .with_env_from(env(Some("k"), Some("http://example.com")))
            .unwrap()
            .build();
        assert_eq!(setting_of(built).0, ENV_BASE_URL);

        let built = Simplio3dBuilder::default()
            .with_env_from(env(Some(""), None))
            .unwrap()
            .build();
        assert_eq!(setting_of(built).0, ENV_API_KEY);

        let client = Simplio3dBuilder::default()
            .with_env_from(env(Some("k"), Some("http://127.0.0.1:9/")))
            .unwrap()
            .build()
            .unwrap();
        assert_eq!(client.base_url().as_str(), "http://127.0.0.1:9/");
    }

    #[test]
    fn debug_hides_the_key() {
        let builder = Simplio3d::builder().api_key("hunter2-key");
        assert!(!format!("{builder:?}").contains("hunter2"));
    }
}
