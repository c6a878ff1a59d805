//! Uploads: what may be added when, and which documents a level still misses.

use chrono::Utc;

use crate::verification::models::*;

use super::super::config::TrainingConfig;
use super::StoredImage;
use super::{Refusal, Store};

impl Store {
    /// Stores an uploaded image that was already decoded and found valid.
    pub fn add_image(
        &mut self,
        config: &TrainingConfig,
        applicant_id: &str,
        metadata: &DocMetadata,
        bytes: Vec<u8>,
        content_type: String,
    ) -> Result<String, Refusal> {
        use crate::verification::ServiceErrorCode as Code;
        let applicant = self.applicant(applicant_id)?;
        if applicant.is_final() {
            return Err(Refusal::coded(
                409,
                Code::ApplicantWithFinalReject,
                "Applicant was rejected with a final decision",
            ));
        }
        if matches!(
            applicant.status,
            ReviewStatus::Pending
                | ReviewStatus::Queued
                | ReviewStatus::Prechecked
                | ReviewStatus::OnHold
        ) {
            return Err(Refusal::new(
                409,
                "Documents cannot be added while the applicant is under review",
            ));
        }
        let level = &config.levels[&applicant.level];
        if !level
            .steps
            .iter()
            .any(|(_, types)| types.contains(&metadata.id_doc_type))
        {
            return Err(Refusal::coded(
                409,
                Code::DocTypeNotInRequiredDocs,
                format!(
                    "Document type {} is not required for this applicant",
                    metadata.id_doc_type
                ),
            ));
        }
        let two_sided = config.two_sided.contains(&metadata.id_doc_type);
        match (&metadata.id_doc_sub_type, two_sided) {
            (None, true) => {
                return Err(Refusal::new(
                    400,
                    format!("idDocSubType is required for {}", metadata.id_doc_type),
                ));
            }
            (Some(DocSide::Other(s)), _) => {
                return Err(Refusal::new(400, format!("Unknown idDocSubType {s}")))
            }
            _ => {}
        }
        let sha256 = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes));
        let side = if two_sided {
            metadata.id_doc_sub_type.clone()
        } else {
            None
        };
        let same_slot = |img: &StoredImage| {
            img.applicant_id == applicant_id
                && img.active
                && img.def.id_doc_type.as_ref() == Some(&metadata.id_doc_type)
                && img.def.id_doc_sub_type == side
        };
        if self
            .images
            .values()
            .any(|img| same_slot(img) && img.sha256 == sha256)
        {
            return Err(Refusal::coded(
                409,
                Code::DuplicateDocument,
                "This image was already uploaded",
            ));
        }
        // A new image of the same document side replaces the previous one.
        for img in self.images.values_mut().filter(|img| same_slot(img)) {
            img.active = false;
        }
        self.next_image_id += 1;
        let id = format!("{}", 1_000_000_000 + self.next_image_id);
        self.images.insert(
            id.clone(),
            StoredImage {
                id: id.clone(),
                applicant_id: applicant_id.to_owned(),
                def: IdDocDef {
                    id_doc_type: Some(metadata.id_doc_type.clone()),
                    id_doc_sub_type: side,
                    country: metadata.country.clone(),
                },
                sha256,
                bytes,
                content_type,
                active: true,
                added: Utc::now(),
            },
        );
        Ok(id)
    }

    pub fn active_images(&self, applicant_id: &str) -> Vec<&StoredImage> {
        let mut v: Vec<&StoredImage> = self
            .images
            .values()
            .filter(|i| i.applicant_id == applicant_id && i.active)
            .collect();
        v.sort_by(|a, b| a.id.cmp(&b.id));
        v
    }

    /// The step an image belongs to in the applicant's level.
    pub(super) fn step_of(
        config: &TrainingConfig,
        level: &str,
        doc_type: &IdDocType,
    ) -> Option<DocSetType> {
        config.levels[level]
            .steps
            .iter()
            .find(|(_, types)| types.contains(doc_type))
            .map(|(set, _)| set.clone())
    }

    /// What is still missing before the check can be requested, in words.
    pub fn missing(
        &self,
        config: &TrainingConfig,
        applicant_id: &str,
    ) -> Result<Vec<String>, Refusal> {
        let applicant = self.applicant(applicant_id)?;
        let images = self.active_images(applicant_id);
        let mut missing = Vec::new();
        for (set, types) in &config.levels[&applicant.level].steps {
            let in_step = super::in_step(&images, types);
            let Some(latest) = in_step.iter().max_by_key(|i| i.added) else {
                missing.push(format!("{set}"));
                continue;
            };
            let doc_type = latest
                .def
                .id_doc_type
                .clone()
                .unwrap_or(IdDocType::Other(String::new()));
            if config.two_sided.contains(&doc_type) {
                for side in [DocSide::FrontSide, DocSide::BackSide] {
                    let has = in_step.iter().any(|i| {
                        i.def.id_doc_type.as_ref() == Some(&doc_type)
                            && i.def.id_doc_sub_type.as_ref() == Some(&side)
                    });
                    if !has {
                        missing.push(format!("{set} {doc_type} {side}"));
                    }
                }
            }
        }
        Ok(missing)
    }
}
