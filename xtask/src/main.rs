//! `cargo xtask <task>`: maintainer tasks over simplio3d-codegen.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod conformance;
mod diff;
mod fetch;
mod output;
mod regen;
mod workspace;

#[derive(Parser)]
#[command(
    name = "cargo xtask",
    about = "Maintainer tasks for the Simplio3D SDK workspace"
)]
struct Cli {
    #[command(subcommand)]
    task: Task,
}

#[derive(Subcommand)]
enum Task {
    /// Regenerate the client from spec/, rewrite the committed snapshot and report what changed.
    Regen(regen::Args),
    /// Semantic diff of two OpenAPI documents, each change classified.
    Diff(diff::Args),
    /// Run the external checkers (Prism, schemathesis) against our client and mock.
    Conformance(conformance::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.task {
        Task::Regen(args) => regen::run(args),
        Task::Diff(args) => diff::run(args),
        Task::Conformance(args) => conformance::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// The workspace root (xtask lives one level below it).
pub(crate) fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(PathBuf::from).unwrap_or(manifest)
}
