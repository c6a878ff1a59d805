//! The onboarding session: what is sent for one applicant, and how.
//!
//! - [`submission::submit`]: create or find the applicant, upload each side, request the check.

pub mod submission;
