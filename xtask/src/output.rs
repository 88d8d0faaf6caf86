//! What reaches stdout. Colour only on a terminal and when `NO_COLOR` is unset or empty
//! (no-color.org); a closed pipe (`cargo xtask diff … | head`) ends the output quietly
//! instead of panicking inside `print!`, and the exit status stays the command's own.

use std::io::{IsTerminal as _, Write as _};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once stdout cannot be written to: later output is dropped.
static CLOSED: AtomicBool = AtomicBool::new(false);

/// Whether to paint the output with ANSI colours.
pub(crate) fn colour() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Writes `text` to stdout as is.
pub(crate) fn print(text: &str) {
    if CLOSED.load(Ordering::Relaxed) {
        return;
    }
    let mut stdout = std::io::stdout().lock();
    if let Err(e) = stdout
        .write_all(text.as_bytes())
        .and_then(|()| stdout.flush())
    {
        CLOSED.store(true, Ordering::Relaxed);
        if e.kind() != std::io::ErrorKind::BrokenPipe {
            eprintln!("error: cannot write to stdout: {e}");
        }
    }
}

/// Writes `text` and a newline to stdout.
pub(crate) fn println(text: &str) {
    print(&format!("{text}\n"));
}
