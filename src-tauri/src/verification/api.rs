//! Every path, header and query name of the verification service, in one place.

pub const DEFAULT_BASE_URL: &str = "https://api.sumsub.com";

pub const HEADER_APP_TOKEN: &str = "X-App-Token";
pub const HEADER_ACCESS_TS: &str = "X-App-Access-Ts";
pub const HEADER_ACCESS_SIG: &str = "X-App-Access-Sig";
pub const HEADER_IMAGE_ID: &str = "X-Image-Id";
pub const HEADER_RETURN_DOC_WARNINGS: &str = "X-Return-Doc-Warnings";
pub const HEADER_PAYLOAD_DIGEST: &str = "X-Payload-Digest";
pub const HEADER_PAYLOAD_DIGEST_ALG: &str = "X-Payload-Digest-Alg";

/// The service rejects request timestamps further than this from its clock.
pub const TIMESTAMP_WINDOW_SECS: i64 = 60;
/// The largest image the service accepts.
pub const MAX_IMAGE_BYTES: usize = 64 * 1024 * 1024;

/// Percent-encodes a path segment or query value (RFC 3986 unreserved kept).
pub fn encode(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for b in value.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// Paths with their query strings, exactly as sent on the wire and signed.
pub mod path {
    use super::encode;

    pub fn create_applicant(level_name: &str) -> String {
        format!("/resources/applicants?levelName={}", encode(level_name))
    }
    pub fn applicant_by_external_id(external_user_id: &str) -> String {
        format!(
            "/resources/applicants/-;externalUserId={}/one",
            encode(external_user_id)
        )
    }
    pub fn applicant(applicant_id: &str) -> String {
        format!("/resources/applicants/{}/one", encode(applicant_id))
    }
    pub fn add_id_doc(applicant_id: &str) -> String {
        format!("/resources/applicants/{}/info/idDoc", encode(applicant_id))
    }
    pub fn required_id_docs_status(applicant_id: &str) -> String {
        format!(
            "/resources/applicants/{}/requiredIdDocsStatus",
            encode(applicant_id)
        )
    }
    pub fn review_status(applicant_id: &str) -> String {
        format!("/resources/applicants/{}/status", encode(applicant_id))
    }
    pub fn request_check(applicant_id: &str) -> String {
        format!(
            "/resources/applicants/{}/status/pending",
            encode(applicant_id)
        )
    }
    pub fn test_completed(applicant_id: &str) -> String {
        format!(
            "/resources/applicants/{}/status/testCompleted",
            encode(applicant_id)
        )
    }
    pub fn image(inspection_id: &str, image_id: &str) -> String {
        format!(
            "/resources/inspections/{}/resources/{}",
            encode(inspection_id),
            encode(image_id)
        )
    }
    pub fn moderation_states(applicant_id: &str) -> String {
        format!(
            "/resources/moderationStates/-;applicantId={}",
            encode(applicant_id)
        )
    }
    /// Profile data (language, email, phone): `PATCH` with the applicant's id in the body.
    pub fn applicants() -> String {
        "/resources/applicants".to_owned()
    }
    pub fn fixed_info(applicant_id: &str) -> String {
        format!("/resources/applicants/{}/fixedInfo", encode(applicant_id))
    }
    /// The applicant's uploaded images with their document type and side; used to
    /// recover the image id of an upload whose response was lost.
    pub fn image_metadata(applicant_id: &str) -> String {
        format!(
            "/resources/applicants/{}/metadata/resources",
            encode(applicant_id)
        )
    }
}

/// Path templates for logs: identifiers replaced, so logs carry no applicant ids in paths.
pub fn template(path: &str) -> String {
    let (p, _) = path.split_once('?').unwrap_or((path, ""));
    p.split('/')
        .map(|seg| {
            let looks_like_id = seg.len() >= 16 && seg.bytes().all(|b| b.is_ascii_hexdigit());
            if looks_like_id || seg.starts_with("-;") {
                "{id}"
            } else {
                seg
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_reserved_characters_before_signing() {
        assert_eq!(
            path::create_applicant("basic-kyc-level"),
            "/resources/applicants?levelName=basic-kyc-level"
        );
        assert_eq!(
            path::create_applicant("kyc level&x"),
            "/resources/applicants?levelName=kyc%20level%26x"
        );
        assert_eq!(
            path::applicant_by_external_id("counter-7/0001"),
            "/resources/applicants/-;externalUserId=counter-7%2F0001/one"
        );
    }

    #[test]
    fn templates_hide_identifiers_and_queries() {
        assert_eq!(
            template("/resources/applicants/65a1b2c3d4e5f60718293a4b/status"),
            "/resources/applicants/{id}/status"
        );
        assert_eq!(
            template("/resources/applicants?levelName=x"),
            "/resources/applicants"
        );
        assert_eq!(
            template("/resources/applicants/-;externalUserId=abc/one"),
            "/resources/applicants/{id}/one"
        );
    }
}
