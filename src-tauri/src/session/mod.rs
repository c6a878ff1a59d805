//! The onboarding session: what is sent for one applicant, and how.
//!
//! - [`kiosk::Kiosk`]: one person at the kiosk, from details to the review's outcome.
//! - [`submission::submit`]: create or find the applicant, upload each side, request the check.
//! - [`field`]: the kiosk without a network: finished sessions to the outbox, and sending them later.
//! - [`service::Service`]: in service or out of service (a live kiosk never falls back to training).

pub mod field;
pub mod kiosk;
pub mod service;
pub mod startup;
pub mod submission;
