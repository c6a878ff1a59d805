//! `kioskctl credentials`: the API credentials in the system keychain.

use std::io::{IsTerminal, Read};

use clap::Subcommand;

use crate::credentials::{mask_token, Environment, Item, Keychain, Sensitive};

use super::Failure;

#[derive(Subcommand)]
pub enum Command {
    /// Store the app token and its secret key (the key is read from stdin, or asked for without echo).
    Set {
        #[arg(long)]
        app_token: String,
    },
    /// Store the webhook secret (read from stdin, or asked for without echo).
    SetWebhookSecret,
    /// Show what is stored, masked; never a secret.
    Status,
    /// Delete the stored credentials of this environment.
    Clear,
}

/// A secret from stdin when it is not a terminal, otherwise asked for without echo.
pub(super) fn read_secret(prompt: &str) -> Result<Sensitive<String>, Failure> {
    let stdin = std::io::stdin();
    let value = if stdin.is_terminal() {
        rpassword::prompt_password(prompt)
            .map_err(|e| Failure::Failed(format!("cannot read the secret: {e}")))?
    } else {
        let mut s = String::new();
        stdin
            .lock()
            .read_to_string(&mut s)
            .map_err(|e| Failure::Failed(format!("cannot read the secret: {e}")))?;
        s
    };
    let secret = Sensitive::new(value.trim_end_matches(['\r', '\n']).to_owned());
    if secret.expose().is_empty() {
        return Err(Failure::BadInput("the secret is empty".into()));
    }
    Ok(secret)
}

pub fn keychain() -> Result<Keychain, Failure> {
    Environment::configured()
        .map(Keychain::new)
        .map_err(|e| Failure::Failed(e.to_string()))
}

fn fail(e: crate::credentials::KeychainError) -> Failure {
    Failure::Failed(e.to_string())
}

pub async fn run(command: Command) -> Result<(), Failure> {
    let keychain = keychain()?;
    // The keychain is reached over D-Bus on Linux: keep blocking calls off the async threads.
    tokio::task::spawn_blocking(move || run_blocking(command, keychain))
        .await
        .map_err(|e| Failure::Failed(e.to_string()))?
}

fn run_blocking(command: Command, keychain: Keychain) -> Result<(), Failure> {
    match command {
        Command::Set { app_token } => {
            let app_token = app_token.trim().to_owned();
            if Environment::of_token(&app_token) != keychain.environment {
                return Err(Failure::BadInput(format!(
                    "this app token belongs to {}, but the kiosk is set to {} (KIOSK_ENVIRONMENT)",
                    Environment::of_token(&app_token).as_str(),
                    keychain.environment.as_str()
                )));
            }
            let secret = read_secret("Secret key: ")?;
            keychain.set(Item::AppToken, &app_token).map_err(fail)?;
            keychain
                .set(Item::SecretKey, secret.expose())
                .map_err(fail)?;
            // Storing credentials is choosing the live service.
            crate::config::StoredSettings::set_mode(
                &crate::config::StoredSettings::path(),
                crate::config::OperatingMode::Live,
            )
            .map_err(|e| Failure::Failed(format!("the live mode could not be recorded: {e}")))?;
            println!(
                "stored {} credentials: {}; the kiosk is live from its next start",
                keychain.environment.as_str(),
                mask_token(&app_token)
            );
        }
        Command::SetWebhookSecret => {
            let secret = read_secret("Webhook secret: ")?;
            keychain
                .set(Item::WebhookSecret, secret.expose())
                .map_err(fail)?;
            println!(
                "stored the {} webhook secret",
                keychain.environment.as_str()
            );
        }
        Command::Status => {
            println!("environment: {}", keychain.environment.as_str());
            match keychain.get(Item::AppToken).map_err(fail)? {
                Some(t) => println!("app token:      {}", mask_token(t.expose())),
                None => println!("app token:      not set"),
            }
            for item in [Item::SecretKey, Item::WebhookSecret, Item::AdminPinHash] {
                let state = if keychain.contains(item).map_err(fail)? {
                    "set"
                } else {
                    "not set"
                };
                println!("{:<15} {state}", format!("{}:", item.name()));
            }
        }
        Command::Clear => {
            for item in [Item::AppToken, Item::SecretKey, Item::WebhookSecret] {
                keychain.delete(item).map_err(fail)?;
            }
            println!("cleared the {} credentials", keychain.environment.as_str());
        }
    }
    Ok(())
}
