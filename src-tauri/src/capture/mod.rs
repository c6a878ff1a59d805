//! Where frames come from.
//!
//! - [`sample::Scene`]: frames drawn in software (training mode, tests).

pub mod sample;
