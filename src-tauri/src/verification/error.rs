//! One error type for every call to the verification service.

use std::time::Duration;

use super::models::ErrorBody;

/// The service's documented error codes (`errorCode` in error bodies).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ServiceErrorCode {
    DuplicateDocument,
    TooManyDocuments,
    FileTooBig,
    EmptyFile,
    CorruptedFile,
    UnsupportedFileFormat,
    NoUploadVerificationInProgress,
    IncorrectFileSize,
    ApplicantMarkedAsDeleted,
    ApplicantWithFinalReject,
    DocTypeNotInRequiredDocs,
    EncryptedFile,
    Other(i64),
}

impl ServiceErrorCode {
    pub fn from_code(code: i64) -> Self {
        match code {
            1000 => Self::DuplicateDocument,
            1001 => Self::TooManyDocuments,
            1002 => Self::FileTooBig,
            1003 => Self::EmptyFile,
            1004 => Self::CorruptedFile,
            1005 => Self::UnsupportedFileFormat,
            1006 => Self::NoUploadVerificationInProgress,
            1007 => Self::IncorrectFileSize,
            1008 => Self::ApplicantMarkedAsDeleted,
            1009 => Self::ApplicantWithFinalReject,
            1010 => Self::DocTypeNotInRequiredDocs,
            1011 => Self::EncryptedFile,
            other => Self::Other(other),
        }
    }

    pub fn code(self) -> i64 {
        match self {
            Self::DuplicateDocument => 1000,
            Self::TooManyDocuments => 1001,
            Self::FileTooBig => 1002,
            Self::EmptyFile => 1003,
            Self::CorruptedFile => 1004,
            Self::UnsupportedFileFormat => 1005,
            Self::NoUploadVerificationInProgress => 1006,
            Self::IncorrectFileSize => 1007,
            Self::ApplicantMarkedAsDeleted => 1008,
            Self::ApplicantWithFinalReject => 1009,
            Self::DocTypeNotInRequiredDocs => 1010,
            Self::EncryptedFile => 1011,
            Self::Other(c) => c,
        }
    }

    /// The service's `errorName` for the code.
    pub fn name(self) -> &'static str {
        match self {
            Self::DuplicateDocument => "duplicate-document",
            Self::TooManyDocuments => "too-many-documents",
            Self::FileTooBig => "file-too-big",
            Self::EmptyFile => "empty-file",
            Self::CorruptedFile => "corrupted-file",
            Self::UnsupportedFileFormat => "unsupported-file-format",
            Self::NoUploadVerificationInProgress => "no-upload-verification-in-progress",
            Self::IncorrectFileSize => "incorrect-file-size",
            Self::ApplicantMarkedAsDeleted => "applicant-marked-as-deleted",
            Self::ApplicantWithFinalReject => "applicant-with-final-reject",
            Self::DocTypeNotInRequiredDocs => "doc-type-not-in-req-docs",
            Self::EncryptedFile => "encrypted-file",
            Self::Other(_) => "unknown",
        }
    }
}

/// How a request failed before any answer came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransportFailure {
    /// No connection was made: the request was never sent.
    Connect,
    /// Sent, but no complete answer in time: it may or may not have been applied.
    Timeout,
    /// The connection broke while sending or receiving: it may or may not have been applied.
    Reset,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("the verification service at {base_url} cannot be reached ({kind:?}); check the network and try again")]
    Unreachable {
        base_url: String,
        kind: TransportFailure,
    },
    #[error("the verification service rejected the request signature: the secret key does not match the app token (correlation id {})", .correlation_id.as_deref().unwrap_or("none"))]
    SignatureMismatch { correlation_id: Option<String> },
    #[error("the computer's clock is {skew_secs} s away from the verification service's; set the clock right (automatic time) and try again")]
    ClockSkew { skew_secs: i64 },
    #[error("the verification service refused the app token: {description} (correlation id {})", .correlation_id.as_deref().unwrap_or("none"))]
    Unauthorized {
        description: String,
        correlation_id: Option<String>,
    },
    #[error("the verification service is limiting requests; try again in {} s", .retry_after.map(|d| d.as_secs()).unwrap_or(5))]
    RateLimited {
        retry_after: Option<Duration>,
        correlation_id: Option<String>,
    },
    #[error("verification service error {status}: {description} (correlation id {})", .correlation_id.as_deref().unwrap_or("none"))]
    Service {
        status: u16,
        description: String,
        error_code: Option<ServiceErrorCode>,
        error_name: Option<String>,
        correlation_id: Option<String>,
    },
    #[error("the verification service answered with data the kiosk cannot read: {0}")]
    Decode(String),
    #[error("{0}")]
    InvalidRequest(String),
}

impl ApiError {
    /// Builds the error for a non-success answer. `skew_secs` is the server's
    /// clock (from its `Date` header) minus ours, when known.
    pub fn from_response(
        status: u16,
        body: &[u8],
        retry_after: Option<Duration>,
        skew_secs: Option<i64>,
    ) -> Self {
        let parsed: ErrorBody = serde_json::from_slice(body).unwrap_or_default();
        let description = parsed
            .description
            .clone()
            .unwrap_or_else(|| String::from_utf8_lossy(body).chars().take(200).collect());
        let correlation_id = parsed.correlation_id.clone();
        match status {
            401 => {
                if let Some(skew) =
                    skew_secs.filter(|s| s.abs() > super::api::TIMESTAMP_WINDOW_SECS)
                {
                    return Self::ClockSkew { skew_secs: skew };
                }
                // The one place the service's wording decides the variant.
                if description.to_ascii_lowercase().contains("signature") {
                    Self::SignatureMismatch { correlation_id }
                } else {
                    Self::Unauthorized {
                        description,
                        correlation_id,
                    }
                }
            }
            429 => Self::RateLimited {
                retry_after,
                correlation_id,
            },
            _ => Self::Service {
                status,
                description,
                error_code: parsed.error_code.map(ServiceErrorCode::from_code),
                error_name: parsed.error_name,
                correlation_id,
            },
        }
    }

    /// The error without the service's own wording, which may repeat what was
    /// sent (names, emails): what may be kept on disk or shown in a list.
    pub fn without_details(&self) -> String {
        let correlation = |c: &Option<String>| c.as_deref().unwrap_or("none").to_owned();
        match self {
            Self::Unauthorized { correlation_id, .. } => format!(
                "the verification service refused the app token (correlation id {})",
                correlation(correlation_id)
            ),
            Self::Service {
                status,
                error_name,
                correlation_id,
                ..
            } => format!(
                "verification service error {status}{} (correlation id {})",
                error_name
                    .as_deref()
                    .map(|n| format!(" ({n})"))
                    .unwrap_or_default(),
                correlation(correlation_id)
            ),
            Self::Decode(_) => {
                "the verification service answered with data the kiosk cannot read".to_owned()
            }
            Self::InvalidRequest(_) => "the request was not valid".to_owned(),
            other => other.to_string(),
        }
    }

    /// The service refused who is asking (credentials or clock): nothing will
    /// work until staff fix it, so the kiosk goes out of service.
    pub fn is_refusal(&self) -> bool {
        matches!(
            self,
            Self::SignatureMismatch { .. } | Self::Unauthorized { .. } | Self::ClockSkew { .. }
        )
    }

    /// Whether trying again later may succeed without changing anything.
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Unreachable { .. } | Self::RateLimited { .. } => true,
            Self::Service { status, .. } => *status >= 500,
            _ => false,
        }
    }

    pub fn status(&self) -> Option<u16> {
        match self {
            Self::SignatureMismatch { .. } | Self::ClockSkew { .. } | Self::Unauthorized { .. } => {
                Some(401)
            }
            Self::RateLimited { .. } => Some(429),
            Self::Service { status, .. } => Some(*status),
            _ => None,
        }
    }

    pub fn service_code(&self) -> Option<ServiceErrorCode> {
        match self {
            Self::Service { error_code, .. } => *error_code,
            _ => None,
        }
    }

    pub fn correlation_id(&self) -> Option<&str> {
        match self {
            Self::SignatureMismatch { correlation_id }
            | Self::Unauthorized { correlation_id, .. }
            | Self::RateLimited { correlation_id, .. }
            | Self::Service { correlation_id, .. } => correlation_id.as_deref(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_details_keeps_no_wording_of_the_service() {
        let e = ApiError::from_response(
            400,
            br#"{"description":"Invalid email anna.weber@example.com for Anna Weber","errorName":"invalid-field","correlationId":"c-1"}"#,
            None,
            None,
        );
        assert!(
            e.to_string().contains("anna.weber"),
            "the full error names it: {e}"
        );
        let kept = e.without_details();
        assert!(!kept.contains("anna") && !kept.contains("Anna"), "{kept}");
        assert!(
            kept.contains("400") && kept.contains("invalid-field") && kept.contains("c-1"),
            "{kept}"
        );
        let refused = ApiError::from_response(
            401,
            br#"{"description":"Token of Anna is revoked"}"#,
            None,
            None,
        );
        assert!(refused.is_refusal());
        assert!(!refused.without_details().contains("Anna"));
    }

    fn body(desc: &str, code: u16, error_code: Option<i64>) -> Vec<u8> {
        serde_json::to_vec(&serde_json::json!({
            "description": desc, "code": code, "correlationId": "corr-1", "errorCode": error_code
        }))
        .unwrap()
    }

    #[test]
    fn distinguishes_auth_failures_without_callers_matching_strings() {
        let e = ApiError::from_response(
            401,
            &body("Request signature mismatch", 401, None),
            None,
            Some(2),
        );
        assert!(
            matches!(e, ApiError::SignatureMismatch { ref correlation_id } if correlation_id.as_deref() == Some("corr-1"))
        );
        let e = ApiError::from_response(
            401,
            &body("Request signature mismatch", 401, None),
            None,
            Some(-3600),
        );
        assert!(matches!(e, ApiError::ClockSkew { skew_secs: -3600 }));
        let e = ApiError::from_response(401, &body("App token is invalid", 401, None), None, None);
        assert!(matches!(e, ApiError::Unauthorized { .. }));
    }

    #[test]
    fn keeps_status_code_name_and_correlation() {
        let e = ApiError::from_response(
            409,
            &body("Applicant is rejected", 409, Some(1009)),
            None,
            None,
        );
        assert_eq!(e.status(), Some(409));
        assert_eq!(
            e.service_code(),
            Some(ServiceErrorCode::ApplicantWithFinalReject)
        );
        assert_eq!(e.correlation_id(), Some("corr-1"));
        let e = ApiError::from_response(429, b"", Some(Duration::from_secs(7)), None);
        assert!(
            matches!(e, ApiError::RateLimited { retry_after: Some(d), .. } if d.as_secs() == 7)
        );
        let e = ApiError::from_response(502, b"<html>bad gateway</html>", None, None);
        assert!(
            matches!(e, ApiError::Service { status: 502, ref description, .. } if description.contains("bad gateway"))
        );
    }

    #[test]
    fn every_documented_code_round_trips() {
        for code in 1000..=1011 {
            let c = ServiceErrorCode::from_code(code);
            assert!(!matches!(c, ServiceErrorCode::Other(_)), "{code}");
            assert_eq!(c.code(), code);
            assert_ne!(c.name(), "unknown");
        }
        assert_eq!(
            ServiceErrorCode::from_code(4242),
            ServiceErrorCode::Other(4242)
        );
    }
}
