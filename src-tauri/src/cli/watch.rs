//! `kioskctl watch`: wait for an applicant's review by polling, and through webhooks when asked.

use std::net::SocketAddr;

use serde_json::json;

use crate::review::{self, ImageRef, LearnedBy, NoDeliveries, PollPolicy, Waited};
use crate::session::startup::start_webhooks;
use crate::verification::{api, Client};

use super::submit::{api_failure, credentials, human_outcome, outcome};
use super::Failure;

#[derive(clap::Args)]
pub struct Args {
    /// The applicant's id at the verification service.
    applicant_id: String,
    /// Also take webhook deliveries at http://ADDR/webhook (secret from KIOSK_WEBHOOK_SECRET or the keychain).
    #[arg(long, value_name = "ADDR")]
    webhook_listen: Option<SocketAddr>,
    /// Print one JSON object.
    #[arg(long)]
    json: bool,
    /// The verification service's address.
    #[arg(long, env = "KIOSK_API_URL", default_value = api::DEFAULT_BASE_URL)]
    api_url: String,
}

pub async fn run(args: Args) -> Result<(), Failure> {
    let applicant_id = args.applicant_id.trim().to_owned();
    if applicant_id.is_empty()
        || !applicant_id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        return Err(Failure::BadInput(format!(
            "'{}' is not an applicant id (letters, digits and '-')",
            args.applicant_id
        )));
    }
    let client = Client::new(&args.api_url, credentials().await?)
        .map_err(|e| Failure::BadInput(e.to_string()))?;
    // Fails early on an unknown applicant instead of polling it forever.
    client.applicant(&applicant_id).await.map_err(api_failure)?;

    let quiet = args.json;
    let on_status = |s: &crate::verification::models::ReviewStatus| {
        if !quiet {
            eprintln!("review status: {s}");
        }
    };
    let policy = PollPolicy::default();
    let (waited, learned_by, _receiver) = match args.webhook_listen {
        Some(addr) => {
            let (receiver, deliveries) = start_webhooks(addr)
                .await
                .map_err(|e| Failure::Failed(e.to_string()))?;
            if !quiet {
                eprintln!("taking webhooks at http://{}/webhook", receiver.addr);
            }
            let (w, by) =
                review::wait_for_decision(&client, &applicant_id, policy, deliveries, on_status)
                    .await
                    .map_err(api_failure)?;
            (w, by, Some(receiver))
        }
        None => {
            let (w, by) =
                review::wait_for_decision(&client, &applicant_id, policy, NoDeliveries, on_status)
                    .await
                    .map_err(api_failure)?;
            (w, by, None)
        }
    };
    let state = match waited {
        Waited::Completed(s) | Waited::StillWaiting(s) => s,
    };
    // Which picture each image id is, so a retry names the side to take again.
    let images: Vec<ImageRef> = client
        .image_resources(&applicant_id)
        .await
        .map_err(api_failure)?
        .items
        .into_iter()
        .filter(|i| i.deactivated != Some(true))
        .filter_map(|i| {
            Some(ImageRef {
                image_id: i.id,
                doc_type: i.id_doc_def.id_doc_type?,
                side: i.id_doc_def.id_doc_sub_type,
            })
        })
        .collect();
    let outcome = outcome(&client, &applicant_id, &state, &images).await?;
    if args.json {
        println!(
            "{}",
            json!({
                "applicant_id": applicant_id,
                "learned_by": learned_by,
                "outcome": outcome,
            })
        );
    } else {
        let by = match learned_by {
            LearnedBy::Polling => "polling",
            LearnedBy::Webhook => "webhook",
        };
        println!("applicant {applicant_id}");
        println!("review: {} (learned by {by})", human_outcome(&outcome));
    }
    Ok(())
}
