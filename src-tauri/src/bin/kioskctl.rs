//! `kioskctl`: the kiosk's command line for staff, IT and scripts.

use std::process::ExitCode;

use clap::Parser;
use onboard_kiosk::logging::Echo;

fn main() -> ExitCode {
    onboard_kiosk::credentials::take_secrets_from_env();
    onboard_kiosk::config::private_files();
    let cli = onboard_kiosk::cli::Cli::parse();
    let echo = if cli.verbose {
        Echo::Stderr
    } else {
        Echo::FileOnly
    };
    let _log = onboard_kiosk::logging::init("kioskctl", echo);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kioskctl: cannot start: {e}");
            return ExitCode::from(1);
        }
    };
    runtime.block_on(onboard_kiosk::cli::run(cli))
}
