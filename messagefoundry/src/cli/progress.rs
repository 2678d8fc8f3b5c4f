//! Progress of the commands that can run long (`send`, `test`, `hl7`, `store`): a bar with the count,
//! the rate and the time left, on standard error while it is a terminal. Where standard error
//! is not a terminal (a pipe, a file, CI), or with `--quiet`, nothing is drawn, so what the
//! command prints stays one plain line per result.

use std::io::IsTerminal;
use std::time::Duration;

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressState, ProgressStyle};

/// A progress bar, or nothing where none is drawn. Clones share the bar, so tasks on other
/// threads can count their steps on it.
#[derive(Clone)]
pub(crate) struct Progress {
    bar: Option<ProgressBar>,
}

/// How the bar reads: `[=====>    ] 1234/5000 messages  812/s  00:04 left`.
const TEMPLATE: &str =
    "[{wide_bar}] {human_pos}/{human_len} {msg}  {rate}  {elapsed} elapsed, {eta} left";

impl Progress {
    /// A bar over `total` steps of `what` ("messages", "files"), drawn only where
    /// [`shown`] says.
    pub(crate) fn new(total: usize, what: &str, quiet: bool) -> Progress {
        if !shown(std::io::stderr().is_terminal(), quiet, total) {
            return Progress { bar: None };
        }
        let style = ProgressStyle::with_template(TEMPLATE)
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .with_key(
                "rate",
                |state: &ProgressState, w: &mut dyn std::fmt::Write| {
                    let _ = write!(w, "{:.0}/s", state.per_sec());
                },
            )
            .progress_chars("=> ");
        let bar = ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr())
            .with_style(style)
            .with_message(what.to_owned());
        // Redrawn on a timer too, so the rate and time left move while one step takes long.
        bar.enable_steady_tick(Duration::from_millis(250));
        Progress { bar: Some(bar) }
    }

    /// One step done.
    pub(crate) fn step(&self) {
        if let Some(bar) = &self.bar {
            bar.inc(1);
        }
    }

    /// `done` steps done in all (for work counted in chunks).
    pub(crate) fn reach(&self, done: u64) {
        if let Some(bar) = &self.bar {
            bar.set_position(done);
        }
    }

    /// Runs `print` with the bar taken off the terminal, so a line printed to standard output
    /// is not drawn over.
    pub(crate) fn above<T>(&self, print: impl FnOnce() -> T) -> T {
        match &self.bar {
            Some(bar) => bar.suspend(print),
            None => print(),
        }
    }

    /// Takes the bar off the terminal for good: what stays is what the command printed.
    pub(crate) fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Whether a bar is drawn: on a terminal, not asked to be quiet, and for more than one step
/// (a bar over one step says nothing the result line will not).
fn shown(terminal: bool, quiet: bool, total: usize) -> bool {
    terminal && !quiet && total > 1
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bar_is_drawn_only_on_a_terminal_unasked_and_for_several_steps() {
        assert!(shown(true, false, 2));
        assert!(!shown(false, false, 1000), "not a terminal");
        assert!(!shown(true, true, 1000), "--quiet");
        assert!(!shown(true, false, 1), "one step");
    }

    #[test]
    fn without_a_terminal_nothing_is_drawn_and_lines_pass_through() {
        // Test runners capture standard error: it is not a terminal here.
        let progress = Progress::new(10, "files", false);
        assert!(progress.bar.is_none());
        progress.step();
        assert_eq!(progress.above(|| 7), 7);
        progress.finish();
    }
}
