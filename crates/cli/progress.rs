//! The progress bar on a terminal (indicatif), hidden when stderr is not a terminal or with
//! `--quiet`.

use std::io::IsTerminal;
use std::sync::Mutex;

use hotspots_core::progress::Progress;
use indicatif::{ProgressBar, ProgressStyle};

/// Shows the rows read per input on stderr.
pub struct TerminalProgress {
    bar: Mutex<Option<ProgressBar>>,
    enabled: bool,
    warnings: Mutex<Vec<String>>,
}

impl TerminalProgress {
    /// A bar that shows only when stderr is a terminal and `quiet` is off.
    pub fn new(quiet: bool) -> Self {
        TerminalProgress {
            bar: Mutex::new(None),
            enabled: !quiet && std::io::stderr().is_terminal(),
            warnings: Mutex::new(Vec::new()),
        }
    }
}

impl TerminalProgress {
    /// Prints the warnings gathered so far and `more`, each once, in order.
    pub fn print_warnings<'a>(&self, more: impl IntoIterator<Item = &'a String>) {
        let mut seen: Vec<String> = std::mem::take(&mut *self.warnings.lock().expect("warnings lock"));
        seen.extend(more.into_iter().cloned());
        let mut printed: Vec<&String> = Vec::new();
        for w in &seen {
            if !printed.contains(&w) {
                eprintln!("hotspots: warning: {w}");
                printed.push(w);
            }
        }
    }
}

impl Progress for TerminalProgress {
    fn begin(&self, stage: &str, total: Option<u64>) {
        if !self.enabled {
            return;
        }
        let bar = match total {
            Some(n) => ProgressBar::new(n),
            None => ProgressBar::new_spinner(),
        };
        let style = ProgressStyle::with_template("{spinner} {msg}: {human_pos} rows [{elapsed}] {per_sec}")
            .unwrap_or_else(|_| ProgressStyle::default_spinner());
        bar.set_style(style);
        bar.set_message(stage.to_string());
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        *self.bar.lock().expect("progress lock") = Some(bar);
    }

    fn advance(&self, n: u64) {
        if let Some(bar) = self.bar.lock().expect("progress lock").as_ref() {
            bar.inc(n);
        }
    }

    fn end(&self) {
        if let Some(bar) = self.bar.lock().expect("progress lock").take() {
            bar.finish_and_clear();
        }
    }

    fn warn(&self, message: &str) {
        self.warnings.lock().expect("warnings lock").push(message.to_string());
    }
}
