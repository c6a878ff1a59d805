//! The `kioskctl` commands. Each prints a clear one-line error and exits non-zero on failure.

mod admin;
mod autostart;
mod check_image;
mod credentials;
mod doctor;
mod outbox;
mod sandbox;
mod submit;
mod watch;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(
    name = "kioskctl",
    version,
    about = "Onboard Kiosk's command line for staff, IT and scripts"
)]
pub struct Cli {
    /// Also print log lines on stderr (they always go to the log file).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the training service (a local stand-in for the verification service).
    Sandbox(sandbox::Args),
    /// Submit an applicant's document and selfie images, optionally waiting for the review.
    Submit(submit::Args),
    /// Wait for an applicant's review (polling, and webhooks with --webhook-listen) and print the outcome.
    Watch(watch::Args),
    /// Run the kiosk's quality checks on an image file (exit 0 accept, 1 reject, 2 unreadable).
    CheckImage(check_image::Args),
    /// Store, show (masked) or clear the API credentials in the system keychain.
    #[command(subcommand)]
    Credentials(credentials::Command),
    /// Check the keychain, cameras, service, credentials, clock and logs (exit 1 on any FAIL).
    Doctor(doctor::Args),
    /// Show or send the sessions waiting in the encrypted outbox.
    #[command(subcommand)]
    Outbox(outbox::Command),
    /// Staff tasks on the kiosk's computer: the admin PIN.
    #[command(subcommand)]
    Admin(admin::Command),
    /// Print the folder the kiosk writes its logs to.
    Logs,
    /// Start the kiosk when this user logs in, and again after a crash.
    InstallAutostart,
    /// Stop starting the kiosk at login.
    RemoveAutostart,
}

/// How a command failed: exit code 1 for failures, 2 for unusable input.
pub enum Failure {
    Failed(String),
    BadInput(String),
    /// A check said no; the command already printed why.
    Rejected,
}

impl Failure {
    fn exit(self) -> ExitCode {
        let (code, message) = match self {
            Self::Failed(m) => (1, m),
            Self::BadInput(m) => (2, m),
            Self::Rejected => return ExitCode::from(1),
        };
        eprintln!("kioskctl: {}", message.lines().next().unwrap_or(""));
        ExitCode::from(code)
    }
}

pub async fn run(cli: Cli) -> ExitCode {
    let result = match cli.command {
        Command::Sandbox(args) => sandbox::run(args).await,
        Command::Submit(args) => submit::run(args).await,
        Command::Watch(args) => watch::run(args).await,
        Command::CheckImage(args) => check_image::run(args).await,
        Command::Credentials(command) => credentials::run(command).await,
        Command::Doctor(args) => doctor::run(args).await,
        Command::Outbox(command) => outbox::run(command).await,
        Command::Admin(command) => admin::run(command).await,
        Command::InstallAutostart => autostart::install(),
        Command::RemoveAutostart => autostart::remove(),
        Command::Logs => {
            println!("{}", crate::logging::log_dir().display());
            Ok(())
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(f) => f.exit(),
    }
}
