//! `cargo xtask regen` (being written; see the issue that owns it).

use std::process::ExitCode;

/// Arguments of `cargo xtask regen`.
#[derive(clap::Args)]
pub(crate) struct Args {}

pub(crate) fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`cargo xtask regen` is not written yet")
}
