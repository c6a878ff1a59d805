//! The onboarding session: one person at the kiosk, and the kiosk around it.
//!
//! - [`kiosk::Kiosk`]: one person at the kiosk, from details to the review's outcome
//!   (what is sent, and how, is [`crate::submission`]).
//! - [`field`]: the kiosk without a network: finished sessions to the outbox, and sending them later.
//! - [`service::Service`]: in service or out of service (a live kiosk never falls back to training).

pub mod field;
pub mod kiosk;
pub mod service;
pub mod startup;
