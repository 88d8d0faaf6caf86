//! `simplio3d`: the Simplio3D Open API from a shell.
//!
//! ```text
//! simplio3d create-session --configurator-id <ID> --domain <DOMAIN> [--json | --print-token]
//! ```
//!
//! The token goes to stdout, and only when asked for; everything else (logs, the human
//! summary's notes) is on stderr or keeps the token hidden.

mod exit;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use simplio3d::{RetryPolicy, Simplio3d};

use crate::exit::{Failure, exit_code_help};

#[derive(Parser, Debug)]
#[command(
    name = "simplio3d",
    version,
    about = "The Simplio3D Open API from the command line."
)]
#[command(after_help = exit_code_help())]
struct Cli {
    /// More logging on stderr (-v info, -vv debug, -vvv trace). RUST_LOG overrides.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Create a session token for a configurator embedded on a domain.
    #[command(after_help = exit_code_help())]
    CreateSession(CreateSession),
}

#[derive(Args, Debug)]
struct CreateSession {
    /// The configurator's encrypted id (Simplio3D dashboard, "Share" tab).
    #[arg(long, value_name = "ID")]
    configurator_id: String,

    /// The storefront's host name, e.g. shop.example.com (not a URL).
    #[arg(long, value_name = "DOMAIN")]
    domain: String,

    /// Print the session as JSON on stdout, token included:
    /// {"token", "message", "expires_at" (Unix seconds or null)}.
    #[arg(long, conflicts_with = "print_token")]
    json: bool,

    /// Print only the token on stdout (for `TOKEN=$(simplio3d create-session ...)`).
    #[arg(long)]
    print_token: bool,

    /// Read the API key from this file (surrounding whitespace ignored) instead of the
    /// SIMPLIO3D_API_KEY environment variable.
    #[arg(long, value_name = "PATH")]
    api_key_file: Option<PathBuf>,

    /// The API base URL [env: SIMPLIO3D_BASE_URL] [default: https://app.simplio3d.com].
    #[arg(long, value_name = "URL", conflicts_with = "mock")]
    base_url: Option<String>,

    /// Run against the embedded mock server (served from the vendor's spec on 127.0.0.1):
    /// no account or API key needed.
    #[arg(long)]
    mock: bool,

    /// Time limit for each attempt, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    timeout: u64,

    /// Overall time limit, retries included, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 60)]
    deadline: u64,

    /// Do not retry failed attempts.
    #[arg(long)]
    no_retry: bool,
}

const MOCK_API_KEY: &str = "mock-api-key";

fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.verbose);
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => return Failure::other(format!("cannot start the async runtime: {e}")).report(),
    };
    let result = match cli.command {
        Command::CreateSession(args) => runtime.block_on(create_session(args)),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(failure) => failure.report(),
    }
}

async fn create_session(args: CreateSession) -> Result<(), Failure> {
    let mut builder = Simplio3d::builder()
        .timeout(Duration::from_secs(args.timeout.max(1)))
        .retry(
            if args.no_retry {
                RetryPolicy::disabled()
            } else {
                RetryPolicy::default()
            }
            .deadline(Duration::from_secs(args.deadline.max(1))),
        );

    let key = api_key(&args)?;
    // Kept alive until the call is done; dropped (stopped) after.
    let mut _mock = None;
    if args.mock {
        let key = key.unwrap_or_else(|| MOCK_API_KEY.to_owned());
        let config = simplio3d_mock::MockConfig::default().api_key(key.clone());
        let mock = simplio3d_mock::MockServer::vendor(config)
            .await
            .map_err(|e| Failure::other(format!("cannot start the embedded mock server: {e}")))?;
        tracing::info!(base_url = %mock.base_url(), "using the embedded mock server");
        builder = builder.api_key(key).base_url(mock.base_url());
        _mock = Some(mock);
    } else {
        let key = key.ok_or_else(|| {
            Failure::usage(
                "no API key: set SIMPLIO3D_API_KEY or pass --api-key-file (or use --mock to try \
                 the embedded mock server)",
            )
        })?;
        builder = builder.api_key(key);
        let base_url = args.base_url.clone().or_else(|| {
            std::env::var(simplio3d::ENV_BASE_URL)
                .ok()
                .filter(|u| !u.trim().is_empty())
        });
        if let Some(url) = base_url {
            builder = builder.base_url(url);
        }
    }
    let client = builder.build().map_err(Failure::from)?;
    let session = client
        .create_session(&args.configurator_id, &args.domain)
        .await
        .map_err(Failure::from)?;

    let stdout = &mut std::io::stdout().lock();
    let written = if args.json {
        output::json(stdout, &session)
    } else if args.print_token {
        output::token(stdout, &session)
    } else {
        output::summary(stdout, &session, client.base_url().as_str(), args.mock)
    };
    written.map_err(|e| Failure::other(format!("cannot write to stdout: {e}")))
}

/// The key from `--api-key-file`, else `SIMPLIO3D_API_KEY`; `None` when neither is set.
fn api_key(args: &CreateSession) -> Result<Option<String>, Failure> {
    if let Some(path) = &args.api_key_file {
        let text = std::fs::read_to_string(path).map_err(|e| {
            Failure::usage(format!(
                "--api-key-file {}: cannot read it: {e}",
                path.display()
            ))
        })?;
        let key = text.trim();
        if key.is_empty() {
            return Err(Failure::usage(format!(
                "--api-key-file {}: the file is empty",
                path.display()
            )));
        }
        return Ok(Some(key.to_owned()));
    }
    match std::env::var(simplio3d::ENV_API_KEY) {
        Ok(key) if !key.is_empty() => Ok(Some(key)),
        Ok(_) | Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => {
            Err(Failure::usage("SIMPLIO3D_API_KEY is not valid UTF-8"))
        }
    }
}

/// Logs go to stderr; stdout is for results only.
fn init_logging(verbose: u8) {
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}
