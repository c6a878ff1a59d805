//! The review's states: requested ("pending"), queued, decided (or held), and
//! the later changes to an approved applicant. A review carries a generation;
//! a timer from an older review cannot move a newer one.

use chrono::Utc;

use crate::verification::models::*;

use super::super::config::TrainingConfig;
use super::super::script::Decision;
use super::{Refusal, Store};

impl Store {
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
                super::verdicts::said(super::verdicts::Said::CannotContinue, a.lang.as_deref())
                    .into(),
            ),
            client_comment: Some("Applicant found on a block list after approval.".into()),
            button_ids: Vec::new(),
        });
        a.review_date = Some(Utc::now());
        true
    }
}

#[cfg(test)]
mod tests {
    use super::super::super::script::Scenario;
    use super::*;

    const LEVEL: &str = "id-and-liveness";

    fn upload(
        store: &mut Store,
        config: &TrainingConfig,
        id: &str,
        doc: IdDocType,
        side: Option<DocSide>,
        seed: u8,
    ) {
        let metadata = DocMetadata {
            id_doc_type: doc,
            id_doc_sub_type: side,
            country: Some("DEU".into()),
        };
        store
            .add_image(config, id, &metadata, vec![seed; 64], "image/jpeg".into())
            .expect("upload accepted");
    }

    /// A new applicant whose reviews decide as `scenario` says; its id.
    fn created(store: &mut Store, config: &TrainingConfig, scenario: Scenario) -> String {
        let external = format!("unit-{}", store.applicants.len());
        store.scenarios.insert(external.clone(), scenario);
        store
            .create_applicant(
                config,
                LEVEL,
                NewApplicant {
                    external_user_id: external,
                    ..Default::default()
                },
            )
            .unwrap()
            .id
            .clone()
    }

    #[test]
    fn applicants_decided_a_while_ago_are_forgotten_with_their_images() {
        let config = TrainingConfig::default();
        let mut store = Store::default();
        let old = ready(&mut store, &config, Scenario::Green);
        let recent = ready(&mut store, &config, Scenario::Green);
        let open = ready(&mut store, &config, Scenario::Green);
        for (id, hours_ago) in [(&old, 2), (&recent, 0)] {
            let a = store.applicants.get_mut(id).unwrap();
            a.status = ReviewStatus::Completed;
            a.review_date = Some(Utc::now() - chrono::Duration::hours(hours_ago));
        }
        assert_eq!(store.images.len(), 9);
        let forgotten = store.forget_decided_before(Utc::now() - chrono::Duration::hours(1));
        assert_eq!(forgotten, 1);
        assert_eq!(store.applicant(&old).err().map(|r| r.status), Some(404));
        assert!(store.applicant(&recent).is_ok() && store.applicant(&open).is_ok());
        assert_eq!(store.images.len(), 6, "the forgotten one's images go too");
        assert_eq!(store.by_external_id.len(), 2);
    }

    /// An applicant with the scenario, and every document the level needs.
    fn ready(store: &mut Store, config: &TrainingConfig, scenario: Scenario) -> String {
        let id = created(store, config, scenario);
        upload(
            store,
            config,
            &id,
            IdDocType::IdCard,
            Some(DocSide::FrontSide),
            1,
        );
        upload(
            store,
            config,
            &id,
            IdDocType::IdCard,
            Some(DocSide::BackSide),
            2,
        );
        upload(store, config, &id, IdDocType::Selfie, None, 3);
        id
    }

    fn answer(store: &Store, id: &str) -> (ReviewStatus, Option<ReviewAnswer>, Option<RejectType>) {
        let a = store.applicant(id).unwrap();
        let state = a.review_state();
        let result = state.review_result.unwrap_or_default();
        (
            state.review_status.unwrap(),
            result.review_answer,
            result.review_reject_type,
        )
    }

    /// Requested, queued and decided: the generation the review runs under.
    fn run_review(store: &mut Store, config: &TrainingConfig, id: &str) -> u64 {
        let generation = store.request_check(config, id).expect("check requested");
        assert_eq!(answer(store, id).0, ReviewStatus::Pending);
        assert!(store.queue(id, generation));
        assert_eq!(answer(store, id).0, ReviewStatus::Queued);
        store.decide(config, id, generation).expect("decided");
        generation
    }

    #[test]
    fn a_check_needs_every_document_of_the_level() {
        let config = TrainingConfig::default();
        let mut store = Store::default();
        let id = created(&mut store, &config, Scenario::Green);
        upload(
            &mut store,
            &config,
            &id,
            IdDocType::IdCard,
            Some(DocSide::FrontSide),
            1,
        );
        let refused = store.request_check(&config, &id).unwrap_err();
        assert_eq!(refused.status, 409);
        assert!(
            refused.description.contains("IDENTITY ID_CARD BACK_SIDE"),
            "{}",
            refused.description
        );
        assert!(
            refused.description.contains("SELFIE"),
            "{}",
            refused.description
        );
        assert_eq!(answer(&store, &id).0, ReviewStatus::Init);
    }

    #[test]
    fn an_approval_gives_green_results_and_the_data_read_from_the_document() {
        let config = TrainingConfig::default();
        let mut store = Store::default();
        let id = ready(&mut store, &config, Scenario::Green);
        run_review(&mut store, &config, &id);
        assert_eq!(
            answer(&store, &id),
            (ReviewStatus::Completed, Some(ReviewAnswer::Green), None)
        );
        let a = store.applicant(&id).unwrap();
        assert!(a.info.as_ref().is_some_and(|i| i.id_docs.len() == 1));
        let steps = store.required_docs_status(&config, &id).unwrap();
        assert_eq!(steps.len(), 2, "{steps:?}");
        // Approved is approved: no second check.
        assert_eq!(store.request_check(&config, &id).unwrap_err().status, 409);
    }

    #[test]
    fn a_retry_names_the_one_image_and_the_next_review_can_pass() {
        let config = TrainingConfig::default();
        let mut store = Store::default();
        let id = ready(&mut store, &config, Scenario::RetryBack);
        run_review(&mut store, &config, &id);
        assert_eq!(
            answer(&store, &id),
            (
                ReviewStatus::Completed,
                Some(ReviewAnswer::Red),
                Some(RejectType::Retry)
            )
        );
        let steps = store.required_docs_status(&config, &id).unwrap();
        let identity = steps["IDENTITY"].as_ref().unwrap();
        let red: Vec<&String> = identity
            .image_review_results
            .iter()
            .filter(|(_, r)| r.review_answer == Some(ReviewAnswer::Red))
            .map(|(id, _)| id)
            .collect();
        let back = store
            .active_images(&id)
            .into_iter()
            .find(|i| i.def.id_doc_sub_type == Some(DocSide::BackSide))
            .unwrap()
            .id
            .clone();
        assert_eq!(red, vec![&back], "only the back side is to be taken again");
        assert!(store.applicant(&id).unwrap().info.is_none());

        upload(
            &mut store,
            &config,
            &id,
            IdDocType::IdCard,
            Some(DocSide::BackSide),
            4,
        );
        run_review(&mut store, &config, &id);
        assert_eq!(answer(&store, &id).1, Some(ReviewAnswer::Green));
        assert_eq!(store.applicant(&id).unwrap().attempt_cnt, 2);
    }

    /// The rejected back side's result: its labels and comment.
    fn back_result(store: &Store, config: &TrainingConfig, id: &str) -> ReviewResult {
        let steps = store.required_docs_status(config, id).unwrap();
        let identity = steps["IDENTITY"].clone().unwrap();
        identity
            .image_review_results
            .into_values()
            .find(|r| r.review_answer == Some(ReviewAnswer::Red))
            .expect("one image rejected")
    }

    #[test]
    fn comments_come_in_the_applicants_language_and_labels_only_scenarios_write_none() {
        let config = TrainingConfig::default();
        let mut store = Store::default();
        let id = ready(&mut store, &config, Scenario::RetryBack);
        store.applicant_mut(&id).unwrap().lang = Some("de".into());
        run_review(&mut store, &config, &id);
        let r = back_result(&store, &config, &id);
        assert_eq!(
            r.moderation_comment.as_deref(),
            Some("Der Text auf der Rückseite ist nicht lesbar. Bitte fotografieren Sie die Rückseite noch einmal.")
        );
        assert_eq!(r.reject_labels, ["UNSATISFACTORY_PHOTOS"]);

        let id = ready(&mut store, &config, Scenario::RetryBackLabels);
        store.applicant_mut(&id).unwrap().lang = Some("es".into());
        run_review(&mut store, &config, &id);
        let r = back_result(&store, &config, &id);
        assert_eq!(r.moderation_comment, None);
        assert_eq!(r.reject_labels, ["UNSATISFACTORY_PHOTOS"]);
        let overall = store
            .applicant(&id)
            .unwrap()
            .review_state()
            .review_result
            .unwrap();
        assert_eq!(
            (overall.moderation_comment, overall.reject_labels.len()),
            (None, 1)
        );
        // The retake is approved, as in every retry scenario.
        upload(
            &mut store,
            &config,
            &id,
            IdDocType::IdCard,
            Some(DocSide::BackSide),
            9,
        );
        run_review(&mut store, &config, &id);
        assert_eq!(answer(&store, &id).1, Some(ReviewAnswer::Green));
    }

    #[test]
    fn a_final_rejection_stays_final_and_refuses_new_documents() {
        let config = TrainingConfig::default();
        let mut store = Store::default();
        let id = ready(&mut store, &config, Scenario::Final);
        run_review(&mut store, &config, &id);
        assert_eq!(answer(&store, &id).2, Some(RejectType::Final));
        let refused = store.request_check(&config, &id).unwrap_err();
        assert_eq!(refused.status, 409);
        assert!(
            refused.error_code.is_some(),
            "a coded refusal the client recognises"
        );
        let metadata = DocMetadata {
            id_doc_type: IdDocType::Selfie,
            id_doc_sub_type: None,
            country: None,
        };
        assert!(store
            .add_image(&config, &id, &metadata, vec![9; 64], "image/jpeg".into())
            .is_err());
    }

    #[test]
    fn a_hold_is_decided_later_and_documents_wait_meanwhile() {
        let config = TrainingConfig::default();
        let mut store = Store::default();
        let id = ready(&mut store, &config, Scenario::OnHold);
        let generation = run_review(&mut store, &config, &id);
        assert_eq!(answer(&store, &id), (ReviewStatus::OnHold, None, None));
        let metadata = DocMetadata {
            id_doc_type: IdDocType::Selfie,
            id_doc_sub_type: None,
            country: None,
        };
        assert_eq!(
            store
                .add_image(&config, &id, &metadata, vec![9; 64], "image/jpeg".into())
                .unwrap_err()
                .status,
            409,
            "nothing is added under review"
        );
        assert_eq!(
            store.decide(&config, &id, generation),
            Some(Decision::Green)
        );
        assert_eq!(answer(&store, &id).1, Some(ReviewAnswer::Green));
    }

    #[test]
    fn a_timer_from_an_earlier_review_moves_nothing() {
        let config = TrainingConfig::default();
        let mut store = Store::default();
        let id = ready(&mut store, &config, Scenario::RetryFront);
        let first = run_review(&mut store, &config, &id);
        upload(
            &mut store,
            &config,
            &id,
            IdDocType::IdCard,
            Some(DocSide::FrontSide),
            5,
        );
        let second = store.request_check(&config, &id).unwrap();
        assert!(second > first);
        assert!(!store.queue(&id, first), "the old review's timer");
        assert_eq!(store.decide(&config, &id, first), None);
        assert!(!store.reject_later(&id, first));
        assert_eq!(answer(&store, &id).0, ReviewStatus::Pending);
        assert!(store.queue(&id, second));
    }

    #[test]
    fn an_approval_can_be_reopened_and_rejected_later() {
        let config = TrainingConfig::default();
        let mut store = Store::default();
        let id = ready(&mut store, &config, Scenario::GreenThenRed);
        let generation = run_review(&mut store, &config, &id);
        assert_eq!(answer(&store, &id).1, Some(ReviewAnswer::Green));
        assert!(
            !store.reject_later(&id, generation),
            "not while it is completed"
        );
        assert!(
            !store.reopen_later(&id, generation, ReviewStatus::OnHold),
            "pending comes first"
        );
        assert!(store.reopen_later(&id, generation, ReviewStatus::Pending));
        assert!(store.reopen_later(&id, generation, ReviewStatus::OnHold));
        assert!(store.reject_later(&id, generation));
        let a = store.applicant(&id).unwrap();
        let result = a.result.as_ref().unwrap();
        assert_eq!(result.review_reject_type, Some(RejectType::Final));
        assert_eq!(result.reject_labels, vec!["BLACKLIST".to_owned()]);
    }

    #[test]
    fn forgetting_keeps_the_review_and_drops_the_person() {
        let config = TrainingConfig::default();
        let mut store = Store::default();
        let id = ready(&mut store, &config, Scenario::Green);
        run_review(&mut store, &config, &id);
        let external = store.applicant(&id).unwrap().external_user_id.clone();
        assert!(store.forget_personal_data(&external));
        assert!(store.active_images(&id).is_empty());
        let a = store.applicant(&id).unwrap();
        assert!(a.info.is_none() && a.fixed_info == FixedInfo::default());
        assert_eq!(answer(&store, &id).1, Some(ReviewAnswer::Green));
        assert!(!store.forget_personal_data("unit-nobody"));
    }
}
