//! How the training service behaves: credentials, levels, timing, faults, webhooks.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

pub use crate::verification::digest::DigestAlg;

use crate::verification::models::{DocSetType, IdDocType};

use super::script::Scenario;

/// A level: which steps an applicant must complete, and which documents each takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Level {
    pub name: String,
    pub steps: Vec<(DocSetType, Vec<IdDocType>)>,
}

/// The levels the training service knows, by name.
pub fn default_levels() -> BTreeMap<String, Level> {
    let identity = (
        DocSetType::Identity,
        vec![
            IdDocType::Passport,
            IdDocType::IdCard,
            IdDocType::Drivers,
            IdDocType::ResidencePermit,
        ],
    );
    let selfie = (DocSetType::Selfie, vec![IdDocType::Selfie]);
    let residence = (DocSetType::ProofOfResidence, vec![IdDocType::UtilityBill]);
    [
        ("id-and-liveness", vec![identity.clone(), selfie.clone()]),
        ("basic-kyc-level", vec![identity.clone(), selfie.clone()]),
        (
            "id-selfie-residence",
            vec![identity.clone(), selfie, residence],
        ),
        ("id-only", vec![identity]),
    ]
    .into_iter()
    .map(|(name, steps)| {
        (
            name.to_owned(),
            Level {
                name: name.to_owned(),
                steps,
            },
        )
    })
    .collect()
}

/// Transient failures to inject, as shares of the requests to `/resources`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Faults {
    /// 503 before the request is handled.
    pub server_error: f64,
    /// 429 with `Retry-After: 1` before the request is handled.
    pub rate_limited: f64,
    /// The connection breaks before the request is handled.
    pub reset_before: f64,
    /// The request is handled, then the connection breaks before the answer arrives.
    pub reset_after: f64,
    /// The answer is delayed by `slow_delay`.
    pub slow: f64,
    pub slow_delay: Duration,
    pub seed: u64,
}

impl Faults {
    pub fn total_failing(&self) -> f64 {
        self.server_error + self.rate_limited + self.reset_before + self.reset_after
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Webhooks {
    pub url: String,
    pub secret: String,
    pub alg: DigestAlg,
    /// The service's retry schedule after a failed delivery (5 min, 1 h, 5 h, 18 h in production).
    pub retry_delays: Vec<Duration>,
    /// Deliver every event twice.
    pub duplicate: bool,
    /// Hold each event back until the next one was delivered.
    pub out_of_order: bool,
}

#[derive(Debug, Clone)]
pub struct TrainingConfig {
    pub app_token: String,
    pub secret_key: String,
    pub levels: BTreeMap<String, Level>,
    /// Document types that need a front and a back.
    pub two_sided: BTreeSet<IdDocType>,
    /// From "pending" to "queued".
    pub queue_delay: Duration,
    /// From "queued" to "completed" (and from "onHold" to "completed").
    pub review_delay: Duration,
    /// For the green-then-red scenario: from approval to the later rejection.
    pub later_rejection_delay: Duration,
    pub default_scenario: Scenario,
    /// Seconds the service's clock is ahead of this computer's (negative: behind).
    pub clock_offset_secs: i64,
    pub faults: Faults,
    pub webhooks: Option<Webhooks>,
    /// An applicant decided longer ago than this is forgotten (a training
    /// kiosk left running for months keeps a bounded store); asking for it
    /// afterwards is answered 404, as the service answers for an unknown id.
    pub forget_decided_after: Duration,
}

impl Default for TrainingConfig {
    fn default() -> Self {
        Self {
            app_token: format!("sbx:training-{:016x}", rand::random::<u64>()),
            secret_key: format!("{:032x}", rand::random::<u128>()),
            levels: default_levels(),
            two_sided: [
                IdDocType::IdCard,
                IdDocType::Drivers,
                IdDocType::ResidencePermit,
            ]
            .into_iter()
            .collect(),
            queue_delay: Duration::from_millis(800),
            review_delay: Duration::from_secs(3),
            later_rejection_delay: Duration::from_secs(20),
            default_scenario: Scenario::Green,
            clock_offset_secs: 0,
            faults: Faults::default(),
            webhooks: None,
            forget_decided_after: Duration::from_secs(3600),
        }
    }
}
