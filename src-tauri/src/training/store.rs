//! What the training service remembers, and the rules it applies. No HTTP here.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use crate::verification::models::*;

use super::config::TrainingConfig;
use super::script::{Decision, Scenario};

pub use crate::verification::files::Refusal;

pub struct StoredImage {
    pub id: String,
    pub applicant_id: String,
    pub def: IdDocDef,
    pub sha256: String,
    pub bytes: Vec<u8>,
    pub content_type: String,
    pub active: bool,
    pub added: DateTime<Utc>,
}

pub struct StoredApplicant {
    pub id: String,
    pub inspection_id: String,
    pub external_user_id: String,
    pub level: String,
    pub created: DateTime<Utc>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub fixed_info: FixedInfo,
    pub status: ReviewStatus,
    pub result: Option<ReviewResult>,
    /// Per step: the step's result and each image's.
    pub step_results: BTreeMap<String, (ReviewResult, BTreeMap<String, ReviewResult>)>,
    pub info: Option<ApplicantInfo>,
    pub attempt_cnt: u32,
    /// Completed reviews so far; picks the scenario's decision.
    pub round: u32,
    pub review_date: Option<DateTime<Utc>>,
    pub pending_since: Option<DateTime<Utc>>,
    /// Bumped whenever a review starts, so a stale timer cannot complete a newer review.
    pub generation: u64,
    pub scenario: Scenario,
}

#[derive(Default)]
pub struct Store {
    pub applicants: HashMap<String, StoredApplicant>,
    pub by_external_id: HashMap<String, String>,
    pub images: HashMap<String, StoredImage>,
    pub scenarios: HashMap<String, Scenario>,
    next_image_id: u64,
}

/// Counts for tests and staff: how many of each thing the service holds.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize, PartialEq, Eq)]
#[serde(rename_all = "camelCase")]
pub struct Stats {
    pub applicants: usize,
    pub external_ids: usize,
    pub images: usize,
    pub active_images: usize,
    /// Applicants to whom one document side was uploaded more than once
    /// (also when the later upload set the earlier one aside).
    pub applicants_with_a_side_uploaded_twice: usize,
    pub completed_reviews: usize,
    /// Requests to `/resources` so far.
    pub requests: usize,
    /// Of those, failed on purpose (injected 503, 429 or broken connection).
    pub failed_on_purpose: usize,
}

fn hex_id() -> String {
    format!("{:024x}", rand::random::<u128>() & ((1u128 << 96) - 1))
}

impl StoredApplicant {
    pub fn to_model(&self, config: &TrainingConfig) -> Applicant {
        let level = config.levels.get(&self.level);
        Applicant {
            id: self.id.clone(),
            created_at: Some(self.created.format("%Y-%m-%d %H:%M:%S").to_string()),
            inspection_id: Some(self.inspection_id.clone()),
            external_user_id: Some(self.external_user_id.clone()),
            level_name: Some(self.level.clone()),
            email: self.email.clone(),
            phone: self.phone.clone(),
            fixed_info: Some(self.fixed_info.clone()),
            info: self.info.clone(),
            required_id_docs: level.map(|l| RequiredIdDocs {
                doc_sets: l
                    .steps
                    .iter()
                    .map(|(set, types)| DocSet {
                        id_doc_set_type: Some(set.clone()),
                        types: types.clone(),
                        sub_types: if types.iter().any(|t| config.two_sided.contains(t)) {
                            vec![DocSide::FrontSide, DocSide::BackSide]
                        } else {
                            Vec::new()
                        },
                    })
                    .collect(),
            }),
            review: Some(self.review_state()),
        }
    }

    pub fn review_state(&self) -> ReviewState {
        ReviewState {
            review_status: Some(self.status.clone()),
            review_result: if self.status == ReviewStatus::Completed {
                self.result.clone()
            } else {
                None
            },
            attempt_cnt: Some(self.attempt_cnt),
            create_date: Some(self.created.format("%Y-%m-%d %H:%M:%S%.3f").to_string()),
            review_date: self
                .review_date
                .map(|d| d.format("%Y-%m-%d %H:%M:%S%.3f").to_string()),
            elapsed_since_pending_ms: self
                .pending_since
                .map(|p| (Utc::now() - p).num_milliseconds().max(0) as u64),
        }
    }

    fn is_final(&self) -> bool {
        self.result
            .as_ref()
            .is_some_and(|r| r.review_reject_type == Some(RejectType::Final))
    }
}

impl Store {
    pub fn create_applicant(
        &mut self,
        config: &TrainingConfig,
        level: &str,
        new: NewApplicant,
    ) -> Result<&StoredApplicant, Refusal> {
        if new.external_user_id.trim().is_empty() {
            return Err(Refusal::new(400, "externalUserId is required"));
        }
        if !config.levels.contains_key(level) {
            return Err(Refusal::new(404, format!("Level '{level}' not found")));
        }
        if let Some(existing) = self.by_external_id.get(&new.external_user_id) {
            return Err(Refusal::new(
                409,
                format!(
                    "Applicant with external user id '{}' already exists: {existing}",
                    new.external_user_id
                ),
            ));
        }
        let id = hex_id();
        let scenario = self
            .scenarios
            .get(&new.external_user_id)
            .copied()
            .unwrap_or(config.default_scenario);
        let applicant = StoredApplicant {
            id: id.clone(),
            inspection_id: hex_id(),
            external_user_id: new.external_user_id.clone(),
            level: level.to_owned(),
            created: Utc::now(),
            email: new.email,
            phone: new.phone,
            fixed_info: new.fixed_info.unwrap_or_default(),
            status: ReviewStatus::Init,
            result: None,
            step_results: BTreeMap::new(),
            info: None,
            attempt_cnt: 0,
            round: 0,
            review_date: None,
            pending_since: None,
            generation: 0,
            scenario,
        };
        self.by_external_id.insert(new.external_user_id, id.clone());
        Ok(self.applicants.entry(id).or_insert(applicant))
    }

    pub fn applicant(&self, id: &str) -> Result<&StoredApplicant, Refusal> {
        self.applicants
            .get(id)
            .ok_or_else(|| Refusal::new(404, format!("Applicant with id '{id}' not found")))
    }

    pub fn applicant_mut(&mut self, id: &str) -> Result<&mut StoredApplicant, Refusal> {
        self.applicants
            .get_mut(id)
            .ok_or_else(|| Refusal::new(404, format!("Applicant with id '{id}' not found")))
    }

    pub fn by_external(&self, external_user_id: &str) -> Result<&StoredApplicant, Refusal> {
        let id = self.by_external_id.get(external_user_id).ok_or_else(|| {
            Refusal::new(
                404,
                format!("Applicant with external user id '{external_user_id}' not found"),
            )
        })?;
        self.applicant(id)
    }

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
    fn step_of(config: &TrainingConfig, level: &str, doc_type: &IdDocType) -> Option<DocSetType> {
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
            let in_step: Vec<&&StoredImage> = images
                .iter()
                .filter(|i| {
                    i.def
                        .id_doc_type
                        .as_ref()
                        .is_some_and(|t| types.contains(t))
                })
                .collect();
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

    /// Starts a review: the applicant goes to "pending". Returns the review generation.
    pub fn request_check(
        &mut self,
        config: &TrainingConfig,
        applicant_id: &str,
    ) -> Result<u64, Refusal> {
        use crate::verification::ServiceErrorCode as Code;
        let missing = self.missing(config, applicant_id)?;
        let applicant = self.applicant_mut(applicant_id)?;
        if applicant.is_final() {
            return Err(Refusal::coded(
                409,
                Code::ApplicantWithFinalReject,
                "Applicant was rejected with a final decision",
            ));
        }
        match applicant.status {
            ReviewStatus::Pending
            | ReviewStatus::Queued
            | ReviewStatus::Prechecked
            | ReviewStatus::OnHold => {
                return Err(Refusal::new(
                    409,
                    format!("Applicant is already {}", applicant.status),
                ));
            }
            ReviewStatus::Completed
                if applicant
                    .result
                    .as_ref()
                    .and_then(|r| r.review_answer.clone())
                    == Some(ReviewAnswer::Green) =>
            {
                return Err(Refusal::new(409, "Applicant is already approved"));
            }
            _ => {}
        }
        if !missing.is_empty() {
            return Err(Refusal::new(
                409,
                format!("Required documents are missing: {}", missing.join(", ")),
            ));
        }
        applicant.status = ReviewStatus::Pending;
        applicant.pending_since = Some(Utc::now());
        applicant.attempt_cnt += 1;
        applicant.generation += 1;
        Ok(applicant.generation)
    }

    /// Moves a review on from "pending" to "queued"; false when the review was superseded.
    pub fn queue(&mut self, applicant_id: &str, generation: u64) -> bool {
        match self.applicants.get_mut(applicant_id) {
            Some(a) if a.generation == generation && a.status == ReviewStatus::Pending => {
                a.status = ReviewStatus::Queued;
                true
            }
            _ => false,
        }
    }

    /// Completes (or holds) the review with the scenario's decision for this round.
    pub fn decide(
        &mut self,
        config: &TrainingConfig,
        applicant_id: &str,
        generation: u64,
    ) -> Option<Decision> {
        let decision = {
            let a = self.applicants.get(applicant_id)?;
            if a.generation != generation
                || !matches!(a.status, ReviewStatus::Queued | ReviewStatus::OnHold)
            {
                return None;
            }
            match (a.status.clone(), a.scenario.decision(a.round)) {
                // The compliance officer's decision after a hold.
                (ReviewStatus::OnHold, _) => Decision::Green,
                (_, d) => d,
            }
        };
        if decision == Decision::OnHold {
            self.applicants.get_mut(applicant_id)?.status = ReviewStatus::OnHold;
            return Some(decision);
        }
        self.complete(config, applicant_id, decision);
        Some(decision)
    }

    /// Applies a decision: results per step and per image, and extracted data on approval.
    pub fn complete(&mut self, config: &TrainingConfig, applicant_id: &str, decision: Decision) {
        let images: Vec<(String, IdDocDef)> = self
            .active_images(applicant_id)
            .iter()
            .map(|i| (i.id.clone(), i.def.clone()))
            .collect();
        let Some(a) = self.applicants.get_mut(applicant_id) else {
            return;
        };
        let green = ReviewResult {
            review_answer: Some(ReviewAnswer::Green),
            ..Default::default()
        };
        let red = |reject: RejectType, labels: &[&str], comment: &str, client: &str| ReviewResult {
            review_answer: Some(ReviewAnswer::Red),
            review_reject_type: Some(reject),
            reject_labels: labels.iter().map(|s| s.to_string()).collect(),
            moderation_comment: Some(comment.to_owned()),
            client_comment: Some(client.to_owned()),
            button_ids: Vec::new(),
        };
        // Which single image (by step, document side) the decision rejects.
        let rejected = |def: &IdDocDef, step: &DocSetType| -> bool {
            match decision {
                Decision::RetryFront => {
                    *step == DocSetType::Identity && def.id_doc_sub_type != Some(DocSide::BackSide)
                }
                Decision::RetryBack => {
                    *step == DocSetType::Identity
                        && (def.id_doc_sub_type == Some(DocSide::BackSide)
                            || def.id_doc_sub_type.is_none())
                }
                Decision::RetrySelfie => *step == DocSetType::Selfie,
                _ => false,
            }
        };
        let image_comment = match decision {
            Decision::RetryFront => "The front side is blurry. Please take a new photo of the front side.",
            Decision::RetryBack => "The text on the back side is not readable. Please take a new photo of the back side.",
            Decision::RetrySelfie => "Your face is not clearly visible in the selfie. Please take a new selfie holding the document.",
            _ => "",
        };
        let mut steps: BTreeMap<String, (ReviewResult, BTreeMap<String, ReviewResult>)> =
            BTreeMap::new();
        for (id, def) in &images {
            let Some(step) = def
                .id_doc_type
                .as_ref()
                .and_then(|t| Store::step_of(config, &a.level, t))
            else {
                continue;
            };
            let entry = steps
                .entry(step.to_string())
                .or_insert_with(|| (green.clone(), BTreeMap::new()));
            let image_result = if rejected(def, &step) {
                let mut r = red(
                    RejectType::Retry,
                    &["UNSATISFACTORY_PHOTOS"],
                    image_comment,
                    "Image quality below threshold.",
                );
                r.client_comment = None;
                entry.0 = red(
                    RejectType::Retry,
                    &["UNSATISFACTORY_PHOTOS"],
                    image_comment,
                    "Resubmission requested for one image.",
                );
                r
            } else if decision == Decision::Final {
                entry.0 = red(
                    RejectType::Final,
                    &["FORGERY"],
                    "We could not verify this document.",
                    "Signs of tampering on the document.",
                );
                entry.0.clone()
            } else {
                green.clone()
            };
            entry.1.insert(id.clone(), image_result);
        }
        let overall = match decision {
            Decision::Green | Decision::OnHold => green.clone(),
            Decision::RetryFront | Decision::RetryBack | Decision::RetrySelfie => red(
                RejectType::Retry,
                &["UNSATISFACTORY_PHOTOS"],
                image_comment,
                "Resubmission requested for one image.",
            ),
            Decision::Final => red(
                RejectType::Final,
                &["FORGERY"],
                "We could not verify your identity. Please contact support.",
                "Signs of tampering on the document.",
            ),
            Decision::DataMismatch => {
                let mut r = red(
                    RejectType::Retry,
                    &["PROBLEMATIC_APPLICANT_DATA"],
                    "The name or date of birth you entered does not match the document.",
                    "Entered name differs from the document.",
                );
                r.button_ids = vec!["dataMismatch_fullName".into(), "dataMismatch_dob".into()];
                steps.insert("APPLICANT_DATA".into(), (r.clone(), BTreeMap::new()));
                r
            }
        };
        a.status = ReviewStatus::Completed;
        a.review_date = Some(Utc::now());
        a.round += 1;
        a.step_results = steps;
        a.info =
            (overall.review_answer == Some(ReviewAnswer::Green)).then(|| extracted(a, &images));
        a.result = Some(overall);
    }

    /// An approved applicant's review is opened again (`pending`, then
    /// `onHold`) before the later rejection: states without a result between
    /// the approval and the rejection. False when superseded.
    pub fn reopen_later(&mut self, applicant_id: &str, generation: u64, to: ReviewStatus) -> bool {
        let Some(a) = self.applicants.get_mut(applicant_id) else {
            return false;
        };
        let from_ok = match to {
            ReviewStatus::Pending => a.status == ReviewStatus::Completed,
            _ => matches!(a.status, ReviewStatus::Pending | ReviewStatus::OnHold),
        };
        if a.generation != generation || !from_ok {
            return false;
        }
        a.status = to;
        true
    }

    /// Drops what the session gave the training service about the person —
    /// entered details and images — keeping the ids and the review, so the
    /// recent-applicants list can still follow it. Returns whether it knew them.
    pub fn forget_personal_data(&mut self, external_user_id: &str) -> bool {
        let Some(id) = self.by_external_id.get(external_user_id).cloned() else {
            return false;
        };
        self.images.retain(|_, img| img.applicant_id != id);
        if let Some(a) = self.applicants.get_mut(&id) {
            a.email = None;
            a.phone = None;
            a.fixed_info = FixedInfo::default();
            a.info = None;
        }
        true
    }

    /// A later rejection of an approved applicant (found on a block list).
    pub fn reject_later(&mut self, applicant_id: &str, generation: u64) -> bool {
        let Some(a) = self.applicants.get_mut(applicant_id) else {
            return false;
        };
        if a.generation != generation || a.status == ReviewStatus::Completed {
            return false;
        }
        a.status = ReviewStatus::Completed;
        a.result = Some(ReviewResult {
            review_answer: Some(ReviewAnswer::Red),
            review_reject_type: Some(RejectType::Final),
            reject_labels: vec!["BLACKLIST".into()],
            moderation_comment: Some(
                "We cannot continue with this application. Please contact support.".into(),
            ),
            client_comment: Some("Applicant found on a block list after approval.".into()),
            button_ids: Vec::new(),
        });
        a.review_date = Some(Utc::now());
        true
    }

    pub fn required_docs_status(
        &self,
        config: &TrainingConfig,
        applicant_id: &str,
    ) -> Result<RequiredDocsStatus, Refusal> {
        let a = self.applicant(applicant_id)?;
        let images = self.active_images(applicant_id);
        let completed = a.status == ReviewStatus::Completed;
        let mut out = RequiredDocsStatus::new();
        for (set, types) in &config.levels[&a.level].steps {
            let in_step: Vec<&&StoredImage> = images
                .iter()
                .filter(|i| {
                    i.def
                        .id_doc_type
                        .as_ref()
                        .is_some_and(|t| types.contains(t))
                })
                .collect();
            if in_step.is_empty() {
                out.insert(set.to_string(), None);
                continue;
            }
            let results = completed
                .then(|| a.step_results.get(set.as_str()))
                .flatten();
            out.insert(
                set.to_string(),
                Some(StepStatus {
                    review_result: results.map(|r| r.0.clone()),
                    country: in_step.last().and_then(|i| i.def.country.clone()),
                    id_doc_type: in_step.last().and_then(|i| i.def.id_doc_type.clone()),
                    image_ids: in_step.iter().map(|i| i.id.clone()).collect(),
                    image_review_results: results.map(|r| r.1.clone()).unwrap_or_default(),
                }),
            );
        }
        if completed {
            if let Some((r, _)) = a.step_results.get("APPLICANT_DATA") {
                out.insert(
                    "APPLICANT_DATA".into(),
                    Some(StepStatus {
                        review_result: Some(r.clone()),
                        ..Default::default()
                    }),
                );
            }
        }
        Ok(out)
    }

    pub fn stats(&self) -> Stats {
        let mut dup = 0;
        for a in self.applicants.values() {
            let mut slots: HashMap<(Option<IdDocType>, Option<DocSide>), usize> = HashMap::new();
            // Every upload counts, active or set aside: each new upload of a side
            // deactivates the one before, so counting active images could never
            // find a side sent twice.
            for i in self.images.values().filter(|i| i.applicant_id == a.id) {
                *slots
                    .entry((i.def.id_doc_type.clone(), i.def.id_doc_sub_type.clone()))
                    .or_default() += 1;
            }
            if slots.values().any(|n| *n > 1) {
                dup += 1;
            }
        }
        Stats {
            applicants: self.applicants.len(),
            external_ids: self.by_external_id.len(),
            images: self.images.len(),
            active_images: self.images.values().filter(|i| i.active).count(),
            applicants_with_a_side_uploaded_twice: dup,
            completed_reviews: self
                .applicants
                .values()
                .filter(|a| a.status == ReviewStatus::Completed)
                .count(),
            requests: 0,
            failed_on_purpose: 0,
        }
    }
}

/// The data "read from the document": the entered names where given, otherwise
/// a sample identity derived from the applicant id.
fn extracted(a: &StoredApplicant, images: &[(String, IdDocDef)]) -> ApplicantInfo {
    const FIRST: [&str; 6] = ["ANNA", "JONAS", "MARIA", "LUCAS", "ELENA", "DAVID"];
    const LAST: [&str; 6] = [
        "MUSTERMANN",
        "GARCIA",
        "SCHMIDT",
        "LOPEZ",
        "WEBER",
        "MARTIN",
    ];
    let seed =
        a.id.bytes()
            .fold(7u64, |h, b| h.wrapping_mul(31).wrapping_add(b as u64));
    let first = a
        .fixed_info
        .first_name
        .clone()
        .unwrap_or_else(|| FIRST[(seed % 6) as usize].to_owned());
    let last = a
        .fixed_info
        .last_name
        .clone()
        .unwrap_or_else(|| LAST[((seed / 7) % 6) as usize].to_owned());
    let dob = a.fixed_info.dob.clone().unwrap_or_else(|| {
        format!(
            "19{:02}-{:02}-{:02}",
            60 + seed % 40,
            1 + (seed / 3) % 12,
            1 + (seed / 5) % 28
        )
    });
    let identity = images.iter().find(|(_, d)| {
        d.id_doc_type
            .as_ref()
            .is_some_and(|t| *t != IdDocType::Selfie)
    });
    let country = identity
        .and_then(|(_, d)| d.country.clone())
        .or_else(|| a.fixed_info.country.clone());
    let doc = ExtractedDoc {
        id_doc_type: identity.and_then(|(_, d)| d.id_doc_type.clone()),
        country: country.clone(),
        first_name: Some(first.clone()),
        last_name: Some(last.clone()),
        dob: Some(dob.clone()),
        number: Some(format!("L{:08X}", seed & 0xffff_ffff)),
        valid_until: Some(format!(
            "20{}-{:02}-{:02}",
            30 + seed % 8,
            1 + (seed / 11) % 12,
            1 + (seed / 13) % 28
        )),
        issued_date: Some(format!(
            "20{}-{:02}-01",
            18 + seed % 6,
            1 + (seed / 17) % 12
        )),
        nationality: country.clone(),
    };
    ApplicantInfo {
        first_name: Some(first),
        last_name: Some(last),
        dob: Some(dob),
        country: country.clone(),
        nationality: country,
        id_docs: vec![doc],
    }
}
