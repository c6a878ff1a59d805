//! `kioskctl sandbox`: the training service, standalone.

use std::net::SocketAddr;
use std::time::Duration;

use crate::training::{DigestAlg, Faults, Scenario, TrainingConfig, TrainingService, Webhooks};

use super::Failure;

#[derive(clap::Args)]
pub struct Args {
    /// Address to listen on (this computer only).
    #[arg(long, default_value = "127.0.0.1:8089")]
    listen: SocketAddr,
    /// App token to accept (default: a new random sandbox token).
    #[arg(long)]
    app_token: Option<String>,
    /// Secret key to accept (default: a new random key).
    #[arg(long)]
    secret_key: Option<String>,
    /// Outcome of reviews for applicants without a scenario of their own.
    #[arg(long, default_value = "green")]
    outcome: String,
    /// Milliseconds from "pending" to "queued".
    #[arg(long, default_value_t = 800)]
    queue_delay_ms: u64,
    /// Milliseconds from "queued" to the decision.
    #[arg(long, default_value_t = 3000)]
    review_delay_ms: u64,
    /// Seconds the service's clock runs ahead of this computer (negative: behind).
    #[arg(long, default_value_t = 0, allow_hyphen_values = true)]
    clock_offset_secs: i64,
    /// Send signed webhooks to this URL.
    #[arg(long)]
    webhook_url: Option<String>,
    /// Secret for webhook signatures (required with --webhook-url).
    #[arg(long)]
    webhook_secret: Option<String>,
    /// Digest algorithm of webhook signatures: sha1, sha256 or sha512.
    #[arg(long, default_value = "sha256")]
    webhook_alg: String,
    /// Share of requests answered 503 (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    fault_server_error: f64,
    /// Share of requests answered 429 with Retry-After (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    fault_rate_limited: f64,
    /// Share of requests whose connection breaks (0 to 1).
    #[arg(long, default_value_t = 0.0)]
    fault_reset: f64,
    /// Print the connection details as one JSON object.
    #[arg(long)]
    json: bool,
}

pub async fn run(args: Args) -> Result<(), Failure> {
    let mut config = TrainingConfig::default();
    if let Some(t) = args.app_token {
        config.app_token = t;
    }
    if let Some(s) = args.secret_key {
        config.secret_key = s;
    }
    config.default_scenario = args
        .outcome
        .parse::<Scenario>()
        .map_err(Failure::BadInput)?;
    config.queue_delay = Duration::from_millis(args.queue_delay_ms);
    config.review_delay = Duration::from_millis(args.review_delay_ms);
    config.clock_offset_secs = args.clock_offset_secs;
    for share in [
        args.fault_server_error,
        args.fault_rate_limited,
        args.fault_reset,
    ] {
        if !(0.0..=1.0).contains(&share) {
            return Err(Failure::BadInput(
                "fault shares are numbers from 0 to 1".into(),
            ));
        }
    }
    config.faults = Faults {
        server_error: args.fault_server_error,
        rate_limited: args.fault_rate_limited,
        reset_before: args.fault_reset / 2.0,
        reset_after: args.fault_reset / 2.0,
        seed: rand::random(),
        ..Faults::default()
    };
    if let Some(url) = args.webhook_url {
        let secret = args
            .webhook_secret
            .ok_or_else(|| Failure::BadInput("--webhook-url needs --webhook-secret".into()))?;
        let alg = match args.webhook_alg.as_str() {
            "sha1" => DigestAlg::Sha1,
            "sha256" => DigestAlg::Sha256,
            "sha512" => DigestAlg::Sha512,
            other => {
                return Err(Failure::BadInput(format!(
                    "unknown webhook algorithm '{other}': sha1, sha256 or sha512"
                )))
            }
        };
        config.webhooks = Some(Webhooks {
            url,
            secret,
            alg,
            retry_delays: vec![
                Duration::from_secs(5),
                Duration::from_secs(30),
                Duration::from_secs(120),
            ],
            duplicate: false,
            out_of_order: false,
        });
    }
    let service = TrainingService::start(args.listen, config)
        .await
        .map_err(|e| Failure::Failed(format!("cannot listen on {}: {e}", args.listen)))?;
    let creds = service.credentials();
    if args.json {
        println!(
            "{}",
            serde_json::json!({
                "base_url": service.base_url,
                "app_token": creds.app_token,
                "secret_key": creds.secret_key.expose(),
            })
        );
    } else {
        println!("Training service listening. Nothing here leaves this computer.");
        println!("  base URL:    {}", service.base_url);
        println!("  app token:   {}", creds.app_token);
        println!("  secret key:  {}", creds.secret_key.expose());
        println!("Use them with: KIOSK_API_URL={} KIOSK_APP_TOKEN=… KIOSK_SECRET_KEY=… kioskctl submit …", service.base_url);
        println!("Stop with Ctrl+C.");
    }
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| Failure::Failed(format!("cannot wait for Ctrl+C: {e}")))?;
    drop(service);
    Ok(())
}
