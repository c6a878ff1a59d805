//! What the training service remembers, and the rules it applies. No HTTP here.
//!
//! - [`uploads`]: what may be uploaded when, and which documents are missing;
//! - [`review`]: the review's states, from "pending" to a decision and later changes;
//! - [`verdicts`]: the results and texts a decision gives, per step and per image;
//! - [`identity`]: the sample identity "read from the document" on approval.

mod identity;
mod review;
mod uploads;
mod verdicts;

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};

use crate::verification::models::*;

use super::config::TrainingConfig;
use super::script::Scenario;

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
    /// The language its moderation comments are written in (`en` unless set).
    pub lang: Option<String>,
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
            lang: self.lang.clone(),
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

    pub(super) fn is_final(&self) -> bool {
        self.result
            .as_ref()
            .is_some_and(|r| r.review_reject_type == Some(RejectType::Final))
    }
}

impl Store {
    /// Forgets applicants decided before `cutoff`, with their images and
    /// scenarios; returns how many.
    pub fn forget_decided_before(&mut self, cutoff: DateTime<Utc>) -> usize {
        let old: Vec<(String, String)> = self
            .applicants
            .values()
            .filter(|a| {
                a.status == ReviewStatus::Completed && a.review_date.is_some_and(|d| d < cutoff)
            })
            .map(|a| (a.id.clone(), a.external_user_id.clone()))
            .collect();
        for (id, external) in &old {
            self.applicants.remove(id);
            self.by_external_id.remove(external);
            self.scenarios.remove(external);
        }
        if !old.is_empty() {
            self.images
                .retain(|_, img| !old.iter().any(|(id, _)| *id == img.applicant_id));
        }
        old.len()
    }

    pub fn create_applicant(
        &mut self,
        config: &TrainingConfig,
        level: &str,
        new: NewApplicant,
    ) -> Result<&StoredApplicant, Refusal> {
        if new.external_user_id.trim().is_empty() {
            return Err(Refusal::new(400, "externalUserId is required"));
        }
        if let Ok(after) = chrono::Duration::from_std(config.forget_decided_after) {
            self.forget_decided_before(Utc::now() - after);
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
            lang: new.lang,
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
            let in_step = in_step(&images, types);
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

/// The images among `images` whose document type is one of the step's `types`.
fn in_step<'a>(images: &[&'a StoredImage], types: &[IdDocType]) -> Vec<&'a StoredImage> {
    images
        .iter()
        .copied()
        .filter(|i| {
            i.def
                .id_doc_type
                .as_ref()
                .is_some_and(|t| types.contains(t))
        })
        .collect()
}
