//! The one error shape that crosses into the web view.

use serde::Serialize;
use specta::Type;

/// A closed set of codes; the UI branches on these, never on message text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    Internal,
}

/// `{code, message}`: the message is for people, the code for the UI's logic.
#[derive(Debug, Clone, Serialize, Type, thiserror::Error)]
#[error("{message}")]
pub struct IpcError {
    pub code: ErrorCode,
    pub message: String,
}
