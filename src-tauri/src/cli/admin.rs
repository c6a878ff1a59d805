//! `kioskctl admin`: what staff do on the kiosk's computer itself.

use clap::Subcommand;

use crate::admin::{Admin, AdminError};
use crate::config::Settings;

use super::credentials::read_secret;
use super::Failure;

#[derive(Subcommand)]
pub enum Command {
    /// Set the admin PIN (6 to 12 digits; read from stdin, or asked for twice
    /// without echo). Changing a PIN needs the current one first.
    SetPin,
}

pub async fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::SetPin => tokio::task::spawn_blocking(set_pin)
            .await
            .map_err(|e| Failure::Failed(e.to_string()))?,
    }
}

fn set_pin() -> Result<(), Failure> {
    let admin = Admin::for_kiosk(Settings::load());
    let failed = |e: AdminError| match e {
        AdminError::Pin(p) => Failure::BadInput(p.to_string()),
        other => Failure::Failed(other.to_string()),
    };
    let interactive = std::io::IsTerminal::is_terminal(&std::io::stdin());
    let current = if admin.pin_is_set().map_err(failed)? {
        Some(read_secret("Current PIN: ")?.expose().clone())
    } else {
        None
    };
    let pin = read_secret("New PIN: ")?;
    if interactive {
        let again = read_secret("New PIN again: ")?;
        if again.expose() != pin.expose() {
            return Err(Failure::BadInput("the two PINs differ".into()));
        }
    }
    admin
        .set_pin_on_this_computer(current, pin.expose())
        .map_err(failed)?;
    println!("The admin PIN is set.");
    Ok(())
}
