//! Logging to files in the platform log folder, kept under a size cap, and
//! to stderr.
//!
//! The level comes from `RUST_LOG` (default `info`). Log lines carry methods,
//! path templates, statuses and correlation ids; never secrets, images or
//! personal data — callers log identifiers, not content.
//!
//! The folder never holds more than its cap (`log_max_mb`, 50 MB unless
//! set), whatever a kiosk left running for months writes: each program's
//! files roll over at a tenth of its share, and the oldest is deleted when a
//! new one starts (`logroller`). The files hold readable lines, or JSON
//! objects for a log collector (`log_format = "json"`, [`json`]).

use std::path::{Path, PathBuf};

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::{fmt, prelude::*, EnvFilter, Layer, Registry};

use crate::config::{LogFormat, Settings, APP_IDENTIFIER};

pub mod json;

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

/// The log folder's cap when no setting changes it.
pub const DEFAULT_MAX_MB: u64 = crate::config::DEFAULT_LOG_MAX_MB as u64;

/// Files each program's share is kept in: the one written and the older ones.
const FILES: u64 = 10;

/// The log folder's cap in bytes (`log_max_mb`: 5 to 10,000 MB, else 50).
pub fn max_bytes() -> u64 {
    bytes_of(&Settings::resolve().settings)
}

fn bytes_of(settings: &Settings) -> u64 {
    u64::from(settings.log_max_mb) * 1024 * 1024
}

/// A program's share of the folder's cap: `kioskctl`, run now and then, a
/// tenth; the kiosk the rest.
fn share(program: &str, cap: u64) -> u64 {
    if program == "kioskctl" {
        cap / 10
    } else {
        cap - cap / 10
    }
}

/// A writer for `program`'s log in `dir` whose files stay under `bytes`
/// together: they roll over at a tenth of it, and of the older ones the
/// newest nine are kept.
pub fn capped_writer(
    dir: &Path,
    program: &str,
    bytes: u64,
) -> Result<logroller::LogRoller, String> {
    logroller::LogRollerBuilder::new(dir.to_path_buf(), PathBuf::from(format!("{program}.log")))
        .rotation(logroller::Rotation::SizeBased(
            logroller::RotationSize::Bytes((bytes / FILES).max(4096)),
        ))
        .max_keep_files(FILES - 1)
        .graceful_shutdown(true)
        .build()
        .map_err(|e| e.to_string())
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
    let settings = Settings::resolve().settings;
    let filter = || EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let stderr = fmt::layer().with_writer(std::io::stderr).with_target(false);
    let (file_layer, guard, problem) = match crate::config::create_private_dir(&dir) {
        Ok(()) => match capped_writer(&dir, program, share(program, bytes_of(&settings))) {
            Ok(appender) => {
                let (writer, guard) = tracing_appender::non_blocking(appender);
                let layer: Box<dyn Layer<Registry> + Send + Sync> = match settings.log_format {
                    LogFormat::Text => fmt::layer().with_writer(writer).with_ansi(false).boxed(),
                    LogFormat::Json => fmt::layer()
                        .with_writer(writer)
                        .event_format(json::JsonLines {
                            kiosk_id: crate::config::kiosk_id().to_owned(),
                        })
                        .boxed(),
                };
                (Some(layer), Some(guard), None)
            }
            Err(e) => (None, None, Some(e)),
        },
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

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn folder_size(dir: &Path) -> (u64, usize) {
        let files: Vec<_> = std::fs::read_dir(dir)
            .unwrap()
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
            .collect();
        let bytes = files.iter().map(|e| e.metadata().unwrap().len()).sum();
        (bytes, files.len())
    }

    #[test]
    fn the_log_folder_stays_under_its_cap_whatever_is_written() {
        let dir = tempfile::tempdir().unwrap();
        let cap = 400 * 1024;
        let line = format!("{}\n", "x".repeat(199));
        let mut writer = capped_writer(dir.path(), "kiosk", cap).unwrap();
        // Five times the cap, a line at a time as the logger writes.
        for _ in 0..5 * cap / line.len() as u64 {
            writer.write_all(line.as_bytes()).unwrap();
        }
        writer.flush().unwrap();
        drop(writer);
        let (bytes, files) = folder_size(dir.path());
        println!("metric: log folder after writing 5 × its {cap}-byte cap: {bytes} bytes in {files} files");
        // At most one line over (a file rolls over after the line that fills it).
        assert!(
            bytes <= cap + line.len() as u64,
            "{bytes} bytes in {files} files"
        );
        // …and the newest nine tenths and more are still there.
        assert!(bytes >= cap * 8 / 10, "{bytes} bytes in {files} files");
        assert!(files as u64 <= FILES, "{files} files");
    }

    #[test]
    fn the_cap_is_shared_with_the_command_line() {
        assert_eq!(share("kioskctl", 1000), 100);
        assert_eq!(share("kiosk", 1000), 900);
        assert_eq!(DEFAULT_MAX_MB * 1024 * 1024, 52_428_800);
    }
}
