//! `cargo xtask conformance` (being written; see the issue that owns it).

use std::process::ExitCode;

/// Arguments of `cargo xtask conformance`.
#[derive(clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`cargo xtask conformance` is not written yet")
}
