//! Sending one applicant's documents: create (or find) the applicant, upload
//! each image with the right side, and request the check.

use serde::Serialize;

use crate::review::ImageRef;
use crate::verification::models::*;
use crate::verification::{ApiError, Client, Progress};

/// One image ready to send.
#[derive(Clone)]
pub struct DocumentImage {
    pub doc_type: IdDocType,
    pub side: Option<DocSide>,
    /// ISO 3166-1 alpha-3 of the issuing country.
    pub country: String,
    pub filename: String,
    pub content_type: String,
    pub bytes: Vec<u8>,
}

impl std::fmt::Debug for DocumentImage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the image bytes or the file name (it may carry a person's name).
        write!(
            f,
            "DocumentImage({} {:?}, {} bytes)",
            self.doc_type,
            self.side,
            self.bytes.len()
        )
    }
}

pub struct Submission {
    pub level_name: String,
    pub applicant: NewApplicant,
    pub images: Vec<DocumentImage>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SubmittedImage {
    pub doc_type: IdDocType,
    pub side: Option<DocSide>,
    pub image_id: String,
    pub warnings: Vec<DocIssue>,
    pub errors: Vec<DocIssue>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Receipt {
    pub applicant_id: String,
    pub inspection_id: Option<String>,
    pub external_user_id: String,
    pub images: Vec<SubmittedImage>,
}

impl Receipt {
    pub fn image_refs(&self) -> Vec<ImageRef> {
        self.images
            .iter()
            .map(|i| ImageRef {
                image_id: i.image_id.clone(),
                doc_type: i.doc_type.clone(),
                side: i.side.clone(),
            })
            .collect()
    }
}

/// The step that failed, so the error says what to retry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    CreateApplicant,
    Upload {
        doc_type: IdDocType,
        side: Option<DocSide>,
    },
    RequestCheck,
}

impl std::fmt::Display for Step {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::CreateApplicant => f.write_str("creating the applicant"),
            Self::Upload {
                doc_type,
                side: Some(side),
            } => write!(f, "uploading the {doc_type} {side}"),
            Self::Upload {
                doc_type,
                side: None,
            } => write!(f, "uploading the {doc_type}"),
            Self::RequestCheck => f.write_str("requesting the check"),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SubmitError {
    #[error("{0}")]
    Invalid(String),
    #[error("{step} failed: {source}{}", if source.is_transient() { ". Submitting again continues from there." } else { "" })]
    Api { step: Step, source: Box<ApiError> },
}

/// Refuses a submission that cannot succeed, before anything is sent.
pub fn validate(s: &Submission) -> Result<(), SubmitError> {
    let invalid = |m: String| Err(SubmitError::Invalid(m));
    if s.applicant.external_user_id.trim().is_empty() {
        return invalid("an external user id is required".into());
    }
    let identity: Vec<&DocumentImage> = s
        .images
        .iter()
        .filter(|i| i.doc_type != IdDocType::Selfie)
        .collect();
    for img in &s.images {
        if let IdDocType::Other(t) = &img.doc_type {
            return invalid(format!("unknown document type '{t}'"));
        }
        if img.bytes.is_empty() {
            return invalid(format!("the {} image is empty", img.doc_type));
        }
        if img.country.len() != 3 || !img.country.bytes().all(|b| b.is_ascii_uppercase()) {
            return invalid(format!(
                "country '{}' must be three capital letters (ISO 3166-1 alpha-3), e.g. DEU",
                img.country
            ));
        }
    }
    for img in &identity {
        if img.doc_type.is_two_sided() {
            for side in [DocSide::FrontSide, DocSide::BackSide] {
                if !identity
                    .iter()
                    .any(|i| i.doc_type == img.doc_type && i.side.as_ref() == Some(&side))
                {
                    let which = if side == DocSide::BackSide {
                        "back"
                    } else {
                        "front"
                    };
                    return invalid(format!(
                        "a {} has two sides: the {which} side is missing",
                        img.doc_type
                    ));
                }
            }
        }
    }
    Ok(())
}

/// Progress of a submission, for a progress bar per image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SubmitProgress {
    Applicant { applicant_id: String },
    Uploading { index: usize, sent: u64, total: u64 },
    Uploaded { index: usize, image_id: String },
    CheckRequested,
}

/// Sends the submission. Repeating it after a failure is safe: the applicant
/// is found by its external id and images already stored are not stored again.
pub async fn submit(
    client: &Client,
    submission: &Submission,
    on_progress: impl Fn(SubmitProgress) + Send + Sync + 'static,
) -> Result<Receipt, SubmitError> {
    validate(submission)?;
    let on_progress = std::sync::Arc::new(on_progress);
    let applicant = client
        .create_applicant(&submission.level_name, &submission.applicant)
        .await
        .map_err(|source| SubmitError::Api {
            step: Step::CreateApplicant,
            source: Box::new(source),
        })?;
    on_progress(SubmitProgress::Applicant {
        applicant_id: applicant.id.clone(),
    });
    let p = on_progress.clone();
    let images = upload(client, &applicant.id, &submission.images, move |e| p(e)).await?;
    request_check(client, &applicant.id).await?;
    on_progress(SubmitProgress::CheckRequested);
    Ok(Receipt {
        applicant_id: applicant.id,
        inspection_id: applicant.inspection_id,
        external_user_id: submission.applicant.external_user_id.clone(),
        images,
    })
}

pub async fn request_check(client: &Client, applicant_id: &str) -> Result<(), SubmitError> {
    client
        .request_check(applicant_id)
        .await
        .map_err(|source| SubmitError::Api {
            step: Step::RequestCheck,
            source: Box::new(source),
        })
}

/// The order the service expects images in: the document's front, then its
/// back, then the selfie, then anything else (indexes into `images`).
pub fn upload_order(images: &[DocumentImage]) -> Vec<usize> {
    let mut order: Vec<usize> = (0..images.len()).collect();
    order.sort_by_key(|i| {
        let img = &images[*i];
        match (&img.doc_type, &img.side) {
            (IdDocType::Selfie, _) => 2,
            (_, Some(DocSide::BackSide)) => 1,
            (t, _) if t.is_two_sided() || *t == IdDocType::Passport => 0,
            _ => 3,
        }
    });
    order
}

/// Uploads images to an existing applicant: the document's front, then its
/// back, then the selfie and anything else, as the service expects. The
/// result is in the order of `images`.
pub async fn upload(
    client: &Client,
    applicant_id: &str,
    images: &[DocumentImage],
    on_progress: impl Fn(SubmitProgress) + Send + Sync + 'static,
) -> Result<Vec<SubmittedImage>, SubmitError> {
    let on_progress = std::sync::Arc::new(on_progress);
    let order = upload_order(images);
    let mut done: Vec<Option<SubmittedImage>> = vec![None; images.len()];
    for index in order {
        let img = &images[index];
        let metadata = DocMetadata {
            id_doc_type: img.doc_type.clone(),
            id_doc_sub_type: img.side.clone(),
            country: Some(img.country.clone()),
        };
        let p = on_progress.clone();
        let progress: Progress = std::sync::Arc::new(move |sent, total| {
            p(SubmitProgress::Uploading { index, sent, total })
        });
        let uploaded = client
            .add_document_image(
                applicant_id,
                &metadata,
                &img.filename,
                &img.content_type,
                &img.bytes,
                Some(progress),
            )
            .await
            .map_err(|source| SubmitError::Api {
                step: Step::Upload {
                    doc_type: img.doc_type.clone(),
                    side: img.side.clone(),
                },
                source: Box::new(source),
            })?;
        on_progress(SubmitProgress::Uploaded {
            index,
            image_id: uploaded.image_id.clone(),
        });
        done[index] = Some(SubmittedImage {
            doc_type: img.doc_type.clone(),
            side: img.side.clone(),
            image_id: uploaded.image_id,
            warnings: uploaded.warnings,
            errors: uploaded.errors,
        });
    }
    Ok(done.into_iter().flatten().collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn image(doc_type: IdDocType, side: Option<DocSide>) -> DocumentImage {
        DocumentImage {
            doc_type,
            side,
            country: "DEU".into(),
            filename: "x.jpg".into(),
            content_type: "image/jpeg".into(),
            bytes: vec![0xff, 0xd8],
        }
    }

    fn submission(images: Vec<DocumentImage>) -> Submission {
        Submission {
            level_name: "id-and-liveness".into(),
            applicant: NewApplicant {
                external_user_id: "ext-1".into(),
                ..Default::default()
            },
            images,
        }
    }

    #[test]
    fn refuses_a_two_sided_document_without_its_back() {
        let s = submission(vec![
            image(IdDocType::IdCard, Some(DocSide::FrontSide)),
            image(IdDocType::Selfie, None),
        ]);
        let e = validate(&s).unwrap_err().to_string();
        assert!(e.contains("back side is missing"), "{e}");
        let ok = submission(vec![
            image(IdDocType::IdCard, Some(DocSide::FrontSide)),
            image(IdDocType::IdCard, Some(DocSide::BackSide)),
            image(IdDocType::Selfie, None),
        ]);
        assert!(validate(&ok).is_ok());
        assert!(validate(&submission(vec![image(IdDocType::Passport, None)])).is_ok());
    }

    #[test]
    fn refuses_unknown_types_bad_countries_and_empty_images() {
        assert!(validate(&submission(vec![image(
            IdDocType::Other("LIBRARY_CARD".into()),
            None
        )]))
        .is_err());
        let mut bad_country = image(IdDocType::Passport, None);
        bad_country.country = "de".into();
        assert!(validate(&submission(vec![bad_country])).is_err());
        let mut empty = image(IdDocType::Passport, None);
        empty.bytes.clear();
        assert!(validate(&submission(vec![empty])).is_err());
    }

    #[test]
    fn debug_never_shows_image_bytes() {
        let mut img = image(IdDocType::Passport, None);
        img.filename = "max-mustermann.jpg".into();
        let shown = format!("{img:?}");
        assert!(
            !shown.contains("mustermann") && !shown.contains("255"),
            "{shown}"
        );
    }
}
