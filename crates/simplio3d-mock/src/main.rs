//! `simplio3d-mock`: serve an OpenAPI document as a validating mock on 127.0.0.1.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use simplio3d_mock::{MockConfig, MockServer};

/// A validating mock server for an OpenAPI 3.0 document (by default the embedded Simplio3D
/// document with the SDK's overlay), listening on 127.0.0.1 only.
#[derive(Parser)]
#[command(name = "simplio3d-mock", version)]
struct Cli {
    /// The OpenAPI document (JSON or YAML). Default: the embedded Simplio3D document.
    #[arg(long, value_name = "FILE")]
    spec: Option<PathBuf>,
    /// An OpenAPI Overlay 1.0 document applied to `--spec` first.
    #[arg(long, value_name = "FILE", requires = "spec")]
    overlay: Option<PathBuf>,
    /// The port on 127.0.0.1; 0 picks a free one.
    #[arg(long, default_value_t = 0)]
    port: u16,
    /// Accept only this API key (a different one gets the spec's 403).
    #[arg(long, env = "SIMPLIO3D_MOCK_API_KEY", hide_env_values = true)]
    api_key: Option<String>,
    /// The largest request body read; larger ones are answered 413 (and recorded as a violation).
    #[arg(long, value_name = "BYTES", default_value_t = MockConfig::DEFAULT_MAX_BODY_BYTES)]
    max_body_bytes: usize,
}

#[tokio::main]
async fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("simplio3d_mock=info")),
        )
        .init();
    let cli = Cli::parse();
    match run(cli).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("simplio3d-mock: {e}");
            ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<(), simplio3d_mock::Error> {
    let spec = match &cli.spec {
        Some(path) => simplio3d_codegen::load_files(path, cli.overlay.as_deref())?,
        None => simplio3d_mock::vendor_spec()?,
    };
    for warning in &spec.warnings {
        eprintln!("warning: {warning}");
    }
    let mut config = MockConfig::default()
        .port(cli.port)
        .max_body_bytes(cli.max_body_bytes);
    if let Some(key) = cli.api_key {
        config = config.api_key(key);
    }
    let mock = MockServer::start(spec, config).await?;
    // The one line on stdout, for scripts: `listening on http://127.0.0.1:PORT`.
    println!("listening on {}", mock.base_url());
    let _ = tokio::signal::ctrl_c().await;
    mock.shutdown().await;
    Ok(())
}
