//! The onboarding session: one person at the kiosk, and the kiosk around it.
//!
//! - [`kiosk::Kiosk`]: one person at the kiosk, from details to the review's outcome
//!   (what is sent, and how, is [`crate::submission`]).
//! - [`field`]: the kiosk without a network: finished sessions to the outbox, and sending them later.
//! - [`service::Service`]: in service or out of service (a live kiosk never falls back to training).

mod applicant;
mod error;
pub mod field;
pub mod kiosk;
mod outcome_view;
pub mod service;
pub mod startup;
pub mod views;
