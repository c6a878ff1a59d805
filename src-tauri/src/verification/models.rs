//! The service's data, as tolerant Rust types: unknown fields are ignored,
//! unknown enum values are kept as `Other(String)`, optional fields may be absent.

use std::collections::BTreeMap;

use serde::{Deserialize, Deserializer, Serialize};

/// An enum over the service's strings that keeps values it does not know.
macro_rules! open_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),* $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)*
            /// A value this version of the kiosk does not know yet.
            Other(String),
        }

        impl $name {
            pub fn as_str(&self) -> &str {
                match self {
                    $(Self::$variant => $text,)*
                    Self::Other(s) => s,
                }
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s {
                    $($text => Self::$variant,)*
                    other => Self::Other(other.to_owned()),
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                let s = String::deserialize(d)?;
                Ok(Self::from(s.as_str()))
            }
        }
    };
}

open_enum!(
    /// Where the applicant is in the review.
    ReviewStatus {
        Init = "init",
        Pending = "pending",
        Prechecked = "prechecked",
        Queued = "queued",
        Completed = "completed",
        OnHold = "onHold",
    }
);

open_enum!(ReviewAnswer { Green = "GREEN", Red = "RED" });

open_enum!(
    /// FINAL: do not resubmit. RETRY: resubmit the problematic documents only.
    RejectType { Final = "FINAL", Retry = "RETRY" }
);

open_enum!(
    IdDocType {
        Passport = "PASSPORT",
        IdCard = "ID_CARD",
        Drivers = "DRIVERS",
        ResidencePermit = "RESIDENCE_PERMIT",
        Selfie = "SELFIE",
        UtilityBill = "UTILITY_BILL",
    }
);

open_enum!(DocSide { FrontSide = "FRONT_SIDE", BackSide = "BACK_SIDE" });

open_enum!(
    /// A step of the level: which documents an applicant must provide.
    DocSetType {
        Identity = "IDENTITY",
        Selfie = "SELFIE",
        ProofOfResidence = "PROOF_OF_RESIDENCE",
        ApplicantData = "APPLICANT_DATA",
    }
);

impl IdDocType {
    /// Whether the document has a front and a back that are both required.
    pub fn is_two_sided(&self) -> bool {
        matches!(self, Self::IdCard | Self::Drivers | Self::ResidencePermit)
    }
}

/// Image ids arrive as numbers in JSON and as strings in headers; keep them as strings.
fn id_string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Id {
        S(String),
        N(i64),
    }
    Ok(match Id::deserialize(d)? {
        Id::S(s) => s,
        Id::N(n) => n.to_string(),
    })
}

fn id_strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    struct W(#[serde(deserialize_with = "id_string")] String);
    let v: Option<Vec<W>> = Option::deserialize(d)?;
    Ok(v.unwrap_or_default().into_iter().map(|w| w.0).collect())
}

fn null_as_default<'de, D: Deserializer<'de>, T: Default + Deserialize<'de>>(
    d: D,
) -> Result<T, D::Error> {
    Ok(Option::<T>::deserialize(d)?.unwrap_or_default())
}

/// Personal data entered by the applicant or the attendant.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct FixedInfo {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub first_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub last_name: Option<String>,
    /// YYYY-MM-DD
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dob: Option<String>,
    /// ISO 3166-1 alpha-3
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub nationality: Option<String>,
}

/// Body of "create applicant".
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct NewApplicant {
    pub external_user_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fixed_info: Option<FixedInfo>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct DocSet {
    pub id_doc_set_type: Option<DocSetType>,
    #[serde(deserialize_with = "null_as_default")]
    pub types: Vec<IdDocType>,
    #[serde(deserialize_with = "null_as_default")]
    pub sub_types: Vec<DocSide>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct RequiredIdDocs {
    #[serde(deserialize_with = "null_as_default")]
    pub doc_sets: Vec<DocSet>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReviewResult {
    pub review_answer: Option<ReviewAnswer>,
    pub review_reject_type: Option<RejectType>,
    #[serde(deserialize_with = "null_as_default")]
    pub reject_labels: Vec<String>,
    /// May be shown to the applicant.
    pub moderation_comment: Option<String>,
    /// Internal: never shown to the applicant.
    pub client_comment: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub button_ids: Vec<String>,
}

/// The review part of an applicant, and the answer of "review status".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ReviewState {
    pub review_status: Option<ReviewStatus>,
    pub review_result: Option<ReviewResult>,
    pub attempt_cnt: Option<u32>,
    pub create_date: Option<String>,
    pub review_date: Option<String>,
    pub elapsed_since_pending_ms: Option<u64>,
}

/// Data the service extracted from a document.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ExtractedDoc {
    pub id_doc_type: Option<IdDocType>,
    pub country: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub dob: Option<String>,
    pub number: Option<String>,
    pub valid_until: Option<String>,
    pub issued_date: Option<String>,
    pub nationality: Option<String>,
}

/// What the service knows about the applicant after checking the documents.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ApplicantInfo {
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub dob: Option<String>,
    pub country: Option<String>,
    pub nationality: Option<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub id_docs: Vec<ExtractedDoc>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct Applicant {
    pub id: String,
    pub created_at: Option<String>,
    pub inspection_id: Option<String>,
    pub external_user_id: Option<String>,
    pub level_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    /// The language the service writes its moderation comments in.
    pub lang: Option<String>,
    pub fixed_info: Option<FixedInfo>,
    pub info: Option<ApplicantInfo>,
    pub required_id_docs: Option<RequiredIdDocs>,
    pub review: Option<ReviewState>,
}

/// A change of an applicant's profile data: only the fields given change.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ApplicantPatch {
    pub id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lang: Option<String>,
}

/// Metadata part of an image upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DocMetadata {
    pub id_doc_type: IdDocType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_doc_sub_type: Option<DocSide>,
    /// ISO 3166-1 alpha-3
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// An early warning or error about an uploaded image. The service sends either
/// a bare string or an object; both become this.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DocIssue {
    pub code: String,
    pub message: Option<String>,
}

impl<'de> Deserialize<'de> for DocIssue {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Text(String),
            Object(serde_json::Map<String, serde_json::Value>),
        }
        Ok(match Raw::deserialize(d)? {
            Raw::Text(code) => Self {
                code,
                message: None,
            },
            Raw::Object(m) => {
                let text = |keys: &[&str]| {
                    keys.iter()
                        .find_map(|k| m.get(*k).and_then(|v| v.as_str()).map(str::to_owned))
                };
                Self {
                    code: text(&["code", "type", "name", "warning", "error"])
                        .unwrap_or_else(|| "unknown".into()),
                    message: text(&["message", "description", "text"]),
                }
            }
        })
    }
}

/// The answer to an image upload.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct UploadedImage {
    /// From the `X-Image-Id` response header.
    pub image_id: String,
    pub warnings: Vec<DocIssue>,
    pub errors: Vec<DocIssue>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub(crate) struct UploadEcho {
    #[serde(deserialize_with = "null_as_default")]
    pub warnings: Vec<DocIssue>,
    #[serde(deserialize_with = "null_as_default")]
    pub errors: Vec<DocIssue>,
}

/// One step of "required documents status".
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct StepStatus {
    pub review_result: Option<ReviewResult>,
    pub country: Option<String>,
    pub id_doc_type: Option<IdDocType>,
    #[serde(deserialize_with = "id_strings")]
    pub image_ids: Vec<String>,
    #[serde(deserialize_with = "null_as_default")]
    pub image_review_results: BTreeMap<String, ReviewResult>,
}

/// Step name (`IDENTITY`, `SELFIE`, …) to its status; a step not started is `None`.
pub type RequiredDocsStatus = BTreeMap<String, Option<StepStatus>>;

/// The document an image was uploaded as.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct IdDocDef {
    pub id_doc_type: Option<IdDocType>,
    pub id_doc_sub_type: Option<DocSide>,
    pub country: Option<String>,
}

/// One uploaded image as the service lists it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ImageResource {
    #[serde(deserialize_with = "id_string")]
    pub id: String,
    pub id_doc_def: IdDocDef,
    pub added_date: Option<String>,
    pub deactivated: Option<bool>,
    /// Content hash, where the service provides one.
    pub file_hash: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ImageResources {
    #[serde(deserialize_with = "null_as_default")]
    pub items: Vec<ImageResource>,
}

/// Body of the sandbox-only simulated review.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct SimulatedReview {
    pub review_answer: Option<ReviewAnswer>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reject_labels: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub review_reject_type: Option<RejectType>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub moderation_comment: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_comment: Option<String>,
}

/// The service's error body.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", default)]
pub struct ErrorBody {
    pub description: Option<String>,
    pub code: Option<u16>,
    pub correlation_id: Option<String>,
    pub error_code: Option<i64>,
    pub error_name: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applicant_parses_with_unknown_fields_and_values() {
        let json = r#"{
          "id": "65a1b2c3d4e5f60718293a4b",
          "createdAt": "2026-11-26 10:00:00",
          "key": "ABCDEF",
          "clientId": "bank",
          "inspectionId": "65a1b2c3d4e5f60718293a4c",
          "externalUserId": "counter-7-000123",
          "someFutureField": {"nested": [1, 2, 3]},
          "requiredIdDocs": {"docSets": [
            {"idDocSetType": "IDENTITY", "types": ["PASSPORT", "ID_CARD", "HOLOGRAM_CARD"], "subTypes": ["FRONT_SIDE", "BACK_SIDE"]},
            {"idDocSetType": "VIDEO_IDENT", "types": null},
            {"idDocSetType": "SELFIE", "types": ["SELFIE"]}
          ]},
          "review": {"reviewStatus": "awaitingUser", "attemptCnt": 0}
        }"#;
        let a: Applicant = serde_json::from_str(json).unwrap();
        assert_eq!(a.external_user_id.as_deref(), Some("counter-7-000123"));
        let sets = a.required_id_docs.unwrap().doc_sets;
        assert_eq!(sets[0].types[2], IdDocType::Other("HOLOGRAM_CARD".into()));
        assert_eq!(
            sets[1].id_doc_set_type,
            Some(DocSetType::Other("VIDEO_IDENT".into()))
        );
        assert!(sets[1].types.is_empty());
        assert_eq!(sets[2].id_doc_set_type, Some(DocSetType::Selfie));
        assert_eq!(
            a.review.unwrap().review_status,
            Some(ReviewStatus::Other("awaitingUser".into()))
        );
    }

    #[test]
    fn required_docs_status_reads_numeric_image_ids_and_null_steps() {
        let json = r#"{
          "IDENTITY": {"reviewResult": {"reviewAnswer": "RED", "reviewRejectType": "RETRY", "rejectLabels": ["UNSATISFACTORY_PHOTOS"],
                       "moderationComment": "The text on the back is not readable.", "clientComment": "internal only"},
                       "country": "DEU", "idDocType": "ID_CARD", "imageIds": [1001, "1002"],
                       "imageReviewResults": {"1002": {"reviewAnswer": "RED", "moderationComment": "Back side blurry"}},
                       "forbidden": false},
          "SELFIE": null
        }"#;
        let s: RequiredDocsStatus = serde_json::from_str(json).unwrap();
        let identity = s["IDENTITY"].as_ref().unwrap();
        assert_eq!(identity.image_ids, vec!["1001", "1002"]);
        assert_eq!(identity.id_doc_type, Some(IdDocType::IdCard));
        let r = identity.review_result.as_ref().unwrap();
        assert_eq!(r.review_reject_type, Some(RejectType::Retry));
        assert_eq!(r.client_comment.as_deref(), Some("internal only"));
        assert_eq!(
            identity.image_review_results["1002"].review_answer,
            Some(ReviewAnswer::Red)
        );
        assert!(s["SELFIE"].is_none());
    }

    #[test]
    fn doc_issues_accept_strings_and_objects() {
        let e: UploadEcho = serde_json::from_str(
            r#"{"idDocType":"ID_CARD","warnings":["screenshot",{"code":"dataNotReadable","message":"Text unreadable"}],"errors":null}"#,
        )
        .unwrap();
        assert_eq!(
            e.warnings[0],
            DocIssue {
                code: "screenshot".into(),
                message: None
            }
        );
        assert_eq!(e.warnings[1].code, "dataNotReadable");
        assert_eq!(e.warnings[1].message.as_deref(), Some("Text unreadable"));
        assert!(e.errors.is_empty());
    }

    #[test]
    fn open_enums_round_trip_unknown_values() {
        let v: Vec<RejectType> = serde_json::from_str(r#"["FINAL","RETRY","EXTERNAL"]"#).unwrap();
        assert_eq!(
            v,
            vec![
                RejectType::Final,
                RejectType::Retry,
                RejectType::Other("EXTERNAL".into())
            ]
        );
        assert_eq!(
            serde_json::to_string(&v).unwrap(),
            r#"["FINAL","RETRY","EXTERNAL"]"#
        );
        assert!(IdDocType::IdCard.is_two_sided());
        assert!(!IdDocType::Passport.is_two_sided());
    }

    #[test]
    fn error_body_keeps_all_fields() {
        let b: ErrorBody = serde_json::from_str(
            r#"{"description":"Applicant is rejected","code":409,"correlationId":"req-1","errorCode":1009,"errorName":"applicant-with-final-reject","extra":1}"#,
        )
        .unwrap();
        assert_eq!(b.code, Some(409));
        assert_eq!(b.error_code, Some(1009));
        assert_eq!(b.correlation_id.as_deref(), Some("req-1"));
    }
}
