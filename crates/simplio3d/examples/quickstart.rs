//! Create a session and reuse it from a cache, against the embedded mock server (no
//! account needed): `cargo run -p simplio3d --example quickstart`.
//!
//! Against the real API, drop the mock and use `Simplio3d::from_env()?` with
//! `SIMPLIO3D_API_KEY` set.

use simplio3d::{SessionCache, Simplio3d};
use simplio3d_mock::{MockConfig, MockServer};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    // A local server that answers as the vendor's spec says, checking every request.
    let mock = MockServer::vendor(MockConfig::default().api_key("demo-key")).await?;

    let client = Simplio3d::builder()
        .api_key("demo-key")
        .base_url(mock.base_url())
        .build()?;

    // One call.
    let session = client.create_session("demo", "shop.example.com").await?;
    println!(
        "message:    {}",
        session.message.as_deref().unwrap_or("(none)")
    );
    println!("expires in: {:?}", session.expires_in());
    println!("session:    {session:?}"); // the token is redacted

    // The header the vendor's later calls need.
    let authorization = session.token.bearer_header();
    assert!(authorization.is_sensitive());

    // Per page view: a cached session, one call per token lifetime.
    let cache = SessionCache::new(client);
    for _ in 0..100 {
        cache.get("demo", "shop.example.com").await?;
    }
    println!(
        "requests:   {} (1 direct + 1 for 100 cached page views)",
        mock.requests().len()
    );
    assert!(mock.violations().is_empty(), "{:?}", mock.violations());
    Ok(())
}
