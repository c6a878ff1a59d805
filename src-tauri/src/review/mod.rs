//! Following a review until the attendant can say what happens next.
//!
//! - [`interpret`]: the service's data to an [`Outcome`] (pure).
//! - [`wait_for_review`]: polling with capped, jittered backoff.
//! - [`wait_for_decision`]: polling and webhooks as one stream.
//! - [`webhook::WebhookReceiver`]: verified, ordered webhook deliveries.
//! - [`recent::RecentStore`]: the applicants this kiosk submitted, for staff.
//! - [`recheck`]: when to read a recent applicant's review again, within a budget.
//! - [`labels`]: what each reject label asks of the person, and tells staff.

pub mod labels;
mod outcome;
mod poller;
pub mod recent;
pub mod recheck;
mod watch;
pub mod webhook;

pub use outcome::{
    interpret, report, verified_data, ImageRef, Outcome, OutcomeReport, RetryItem, RetryReport,
    VerifiedData,
};
pub use poller::{wait_for_review, PollPolicy, Waited};
pub use watch::{wait_for_decision, Deliveries, LearnedBy, NoDeliveries};
