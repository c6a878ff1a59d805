//! `kioskctl outbox status|flush` and `kioskctl submit --queue`.

use serde_json::json;

use crate::config::{OperatingMode, Settings};
use crate::outbox::{self, Outbox, OutboxStatus};
use crate::review::recent::{self, RecentStore};
use crate::submission::Submission;
use crate::verification::{api, Client};

use super::Failure;

#[derive(clap::Subcommand)]
pub enum Command {
    /// How many sessions wait, the oldest one's age and the last sending error.
    Status {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
    },
    /// Send what waits, oldest first (exit 0 when nothing is left waiting, 1 otherwise).
    Flush {
        /// Print one JSON object.
        #[arg(long)]
        json: bool,
        /// The verification service's address.
        #[arg(long, env = "KIOSK_API_URL", default_value = api::DEFAULT_BASE_URL)]
        api_url: String,
    },
}

async fn open() -> Result<Outbox, Failure> {
    let keychain = super::credentials::keychain()?;
    let days = Settings::load().outbox_retention_days;
    // The keychain is reached over D-Bus on Linux: keep it off the async threads.
    tokio::task::spawn_blocking(move || Outbox::open_default(&keychain, days))
        .await
        .map_err(|e| Failure::Failed(e.to_string()))?
        .map_err(|e| Failure::Failed(e.to_string()))
}

/// The outbox is sent only by a live kiosk; training never opens it for sending.
fn refuse_in_training() -> Result<(), Failure> {
    if Settings::load().mode == Some(OperatingMode::Training) {
        return Err(Failure::Failed(
            "this kiosk is in training mode: the outbox is kept for the live service and is sent only in live mode (nothing was sent or deleted)".into(),
        ));
    }
    Ok(())
}

pub async fn queue(plan: &Submission, api_url: &str, json: bool) -> Result<(), Failure> {
    refuse_in_training()?;
    // Each session is bound to the service and account it is for.
    let credentials = super::submit::credentials().await?;
    let outbox = open().await?;
    let destination = outbox.destination(api_url, &credentials.app_token);
    outbox
        .enqueue(&outbox::QueuedSession {
            submission: plan,
            applicant_id: None,
            image_ids: vec![None; plan.images.len()],
            destination,
        })
        .map_err(|e| Failure::Failed(e.to_string()))?;
    let waiting = outbox
        .status()
        .map_err(|e| Failure::Failed(e.to_string()))?
        .waiting;
    let external = &plan.applicant.external_user_id;
    if json {
        println!("{}", json!({ "queued": external, "waiting": waiting }));
    } else {
        println!("queued {external}; {waiting} waiting in the outbox");
    }
    Ok(())
}

pub async fn run(command: Command) -> Result<(), Failure> {
    match command {
        Command::Status { json } => {
            let status = open()
                .await?
                .status()
                .map_err(|e| Failure::Failed(e.to_string()))?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string(&status).expect("status serialises")
                );
            } else {
                print_status(&status);
            }
            Ok(())
        }
        Command::Flush { json, api_url } => {
            refuse_in_training()?;
            let outbox = open().await?;
            let client = Client::new(&api_url, super::submit::credentials().await?)
                .map_err(|e| Failure::BadInput(e.to_string()))?;
            let recent = RecentStore::open(&recent::default_path());
            let quiet = json;
            let drained = outbox::drain(&outbox, &client, |sent| {
                recent.record(&sent.applicant_id, &sent.external_user_id);
                if !quiet {
                    eprintln!(
                        "sent {} as applicant {}",
                        sent.external_user_id, sent.applicant_id
                    );
                }
            })
            .await
            .map_err(|e| Failure::Failed(e.to_string()))?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string(&drained).expect("result serialises")
                );
            } else {
                println!("sent {}; {} waiting", drained.sent, drained.remaining);
                if let Some(e) = &drained.error {
                    println!("last error: {e}");
                }
            }
            if drained.remaining > 0 {
                return Err(Failure::Failed(format!(
                    "{} session(s) still waiting{}",
                    drained.remaining,
                    drained.error.map(|e| format!(": {e}")).unwrap_or_default()
                )));
            }
            Ok(())
        }
    }
}

fn age(secs: u32) -> String {
    match secs {
        s if s < 120 => format!("{s} s"),
        s if s < 7_200 => format!("{} min", s / 60),
        s if s < 172_800 => format!("{} h", s / 3_600),
        s => format!("{} days", s / 86_400),
    }
}

fn print_status(s: &OutboxStatus) {
    match (s.waiting, s.oldest_age_secs) {
        (0, _) | (_, None) => println!("nothing waiting in the outbox"),
        (n, Some(a)) => println!("{n} session(s) waiting; the oldest for {}", age(a)),
    }
    if let Some(e) = &s.last_error {
        println!("last error: {e}");
    }
    for e in &s.entries {
        println!(
            "  {}  queued {}  applicant {}, {}/{} images sent, check {}, {} attempt(s)",
            e.external_user_id,
            e.queued_at,
            if e.applicant_created {
                "created"
            } else {
                "not created"
            },
            e.images_sent,
            e.images,
            if e.check_requested {
                "requested"
            } else {
                "not requested"
            },
            e.attempts
        );
    }
    if let Some(p) = &s.purged {
        println!(
            "notice: {} session(s) waited longer than {} days and were deleted unsent ({})",
            p.count, p.retention_days, p.at
        );
    }
}
