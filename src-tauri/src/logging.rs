//! Logging to a daily rolling file in the platform log folder and to stderr.
//!
//! The level comes from `RUST_LOG` (default `info`). Log lines carry methods,
//! path templates, statuses and correlation ids; never secrets, images or
//! personal data — callers log identifiers, not content.

use std::path::PathBuf;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::{fmt, prelude::*, EnvFilter};

use crate::config::APP_IDENTIFIER;

/// Keeps the background log writer alive; drop it last so buffered lines are flushed.
pub struct LogGuard {
    _file: Option<WorkerGuard>,
    pub dir: PathBuf,
}

/// Where log files go: `KIOSK_LOG_DIR` when set, otherwise the platform's
/// per-user log folder (Linux `$XDG_DATA_HOME/<id>/logs`, macOS
/// `~/Library/Logs/<id>`, Windows `%LOCALAPPDATA%\<id>\logs`).
pub fn log_dir() -> PathBuf {
    if let Some(dir) = std::env::var_os("KIOSK_LOG_DIR").filter(|d| !d.is_empty()) {
        return PathBuf::from(dir);
    }
    if cfg!(target_os = "macos") {
        if let Some(home) = dirs::home_dir() {
            return home.join("Library/Logs").join(APP_IDENTIFIER);
        }
    }
    dirs::data_local_dir()
        .unwrap_or_else(std::env::temp_dir)
        .join(APP_IDENTIFIER)
        .join("logs")
}

/// Where log lines go besides the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Echo {
    /// Also to stderr (the kiosk window's process).
    Stderr,
    /// The file only: a command-line tool keeps stderr for its own one-line errors.
    FileOnly,
}

/// Starts logging for one program (`kiosk` or `kioskctl`). A log folder that
/// cannot be created sends lines to stderr and says so, instead of failing.
pub fn init(program: &str, echo: Echo) -> LogGuard {
    let dir = log_dir();
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let stderr = fmt::layer().with_writer(std::io::stderr).with_target(false);
    let (file_layer, guard, problem) = match crate::config::create_private_dir(&dir) {
        Ok(()) => {
            let appender = tracing_appender::rolling::Builder::new()
                .rotation(tracing_appender::rolling::Rotation::DAILY)
                .filename_prefix(program)
                .filename_suffix("log")
                .max_log_files(14)
                .build(&dir);
            match appender {
                Ok(appender) => {
                    let (writer, guard) = tracing_appender::non_blocking(appender);
                    let layer = fmt::layer().with_writer(writer).with_ansi(false);
                    (Some(layer), Some(guard), None)
                }
                Err(e) => (None, None, Some(e.to_string())),
            }
        }
        Err(e) => (None, None, Some(e.to_string())),
    };
    // A second init (tests, or a library caller that set its own subscriber) is harmless.
    let stderr =
        (echo == Echo::Stderr || file_layer.is_none()).then(|| stderr.with_filter(filter()));
    let _ = tracing_subscriber::registry()
        .with(file_layer.with_filter(filter()))
        .with(stderr)
        .try_init();
    if let Some(problem) = problem {
        tracing::warn!(dir = %dir.display(), "log files disabled, logging to stderr only: {problem}");
    }
    LogGuard { _file: guard, dir }
}
