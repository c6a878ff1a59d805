//! The verification service's REST API.
//!
//! - [`Client`]: signed calls with safe retries, typed answers and upload progress.
//! - [`models`]: the service's data, tolerant of fields and values it adds later.
//! - [`ApiError`]: every failure, with status, error code and correlation id.
//! - [`retry::decide`]: the retry decision as a pure function.
//! - [`api`]: every path and header name, in one place.
//! - [`digest`]: webhook signatures.

pub mod api;
mod client;
pub mod digest;
mod error;
pub mod files;
pub mod models;
pub mod multipart;
pub mod retry;
pub mod signing;
mod transport;

pub use client::{system_clock, Client, Clock, Progress};
pub use error::{ApiError, ServiceErrorCode, TransportFailure};
