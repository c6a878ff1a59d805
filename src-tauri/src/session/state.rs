//! The open session as the kiosk keeps it in memory, and the changes a
//! review's outcome makes to it.

use std::collections::BTreeMap;
use std::sync::Mutex;

use zeroize::{Zeroize, Zeroizing};

use crate::quality::{ProblemCode, Side, ZoneFields};
use crate::review::ImageRef;
use crate::verification::models::DocSetType;

use crate::submission::{DocumentImage, Receipt, Submission};

use super::applicant::ApplicantDetails;
use super::error::{Invalid, KioskError};
use super::steps::{doc_type_of, new_applicant, slots_for};
use super::views::{CaptureView, DocumentChoice, Language, OutcomeView, Phase, SessionView, Slot};
use super::zone_check::ZoneCheck;

/// A picture the person took, kept until the session ends.
pub(super) struct Capture {
    pub jpeg: Zeroizing<Vec<u8>>,
    pub width: u32,
    pub height: u32,
    pub problems: Vec<ProblemCode>,
    pub accepted: bool,
    pub overridden: bool,
    /// The service's id once uploaded; a retaken picture has none yet.
    pub image_id: Option<String>,
    /// The document side it shows, de-warped (a front is compared with the back).
    pub side: Option<Side>,
    /// Its machine-readable zone, read with every check digit verified.
    pub zone: Option<Box<ZoneFields>>,
}

impl Capture {
    pub fn new(
        jpeg: Zeroizing<Vec<u8>>,
        width: u32,
        height: u32,
        problems: Vec<ProblemCode>,
        side: Option<Side>,
    ) -> Self {
        Self {
            jpeg,
            width,
            height,
            problems,
            accepted: false,
            overridden: false,
            image_id: None,
            side,
            zone: None,
        }
    }

    /// The picture's machine-readable zone, as read.
    pub fn with_zone(mut self, zone: Option<Box<ZoneFields>>) -> Self {
        self.zone = zone;
        self
    }
}

pub(super) struct Session {
    pub external_user_id: String,
    pub details: ApplicantDetails,
    pub document: Option<DocumentChoice>,
    pub level_steps: Vec<DocSetType>,
    pub applicant_id: Option<String>,
    pub steps: Vec<Slot>,
    pub to_capture: Vec<Slot>,
    pub captures: BTreeMap<Slot, Capture>,
    pub attempt: u32,
    pub phase: Phase,
    pub outcome: Option<OutcomeView>,
    /// Images the service rejected, set aside when their retakes are sent.
    pub rejected_image_ids: Vec<String>,
    /// The pictures the service rejected, shown beside the reason until
    /// their retake is accepted (wiped like every picture).
    pub rejected: BTreeMap<Slot, Zeroizing<Vec<u8>>>,
    /// Bumped on every wipe, so a review watcher of an old session stays silent.
    pub generation: u64,
    /// The language the applicant has (or is created in) at the service.
    pub language: Language,
}

impl Session {
    pub fn new(
        external_user_id: String,
        details: ApplicantDetails,
        level_steps: Vec<DocSetType>,
        applicant_id: Option<String>,
        generation: u64,
        language: Language,
    ) -> Self {
        Self {
            external_user_id,
            details,
            document: None,
            level_steps,
            applicant_id,
            steps: Vec::new(),
            to_capture: Vec::new(),
            captures: BTreeMap::new(),
            attempt: 1,
            phase: Phase::Capturing,
            outcome: None,
            rejected_image_ids: Vec::new(),
            rejected: BTreeMap::new(),
            generation,
            language,
        }
    }

    pub fn view(&self, max_attempts: u32) -> SessionView {
        SessionView {
            external_user_id: self.external_user_id.clone(),
            applicant_id: self.applicant_id.clone(),
            document: self.document.as_ref().map(|d| d.document_type),
            steps: self.steps.clone(),
            to_capture: self.to_capture.clone(),
            captures: self
                .captures
                .iter()
                .map(|(slot, c)| CaptureView {
                    slot: *slot,
                    width: c.width,
                    height: c.height,
                    problems: c.problems.clone(),
                    accepted: c.accepted,
                    overridden: c.overridden,
                    uploaded: c.image_id.is_some(),
                    zone: c.zone.as_ref().map(|z| ZoneCheck::new(z, &self.details)),
                })
                .collect(),
            attempt: self.attempt,
            max_attempts,
            phase: self.phase,
            outcome: self.outcome.clone(),
        }
    }

    /// The document decides the pictures to take; any taken before are dropped.
    pub fn choose_document(&mut self, choice: DocumentChoice) {
        let steps = slots_for(&self.level_steps, choice.document_type);
        for c in self.captures.values_mut() {
            c.jpeg.zeroize();
        }
        self.captures.clear();
        self.to_capture = steps.clone();
        self.steps = steps;
        self.document = Some(choice);
    }

    /// The front's side as taken, for `slot` when it is the back: a back
    /// showing it again is `same_side_again`.
    pub fn side_to_differ_from(&self, slot: Slot) -> Option<Side> {
        if slot != Slot::Back {
            return None;
        }
        self.captures.get(&Slot::Front)?.side.clone()
    }

    /// Keeps a picture for `slot` (replacing one not sent yet) for review.
    pub fn keep(&mut self, slot: Slot, capture: Capture) -> Result<(), KioskError> {
        if !self.steps.contains(&slot) {
            return Err(Invalid::NotInSession.into());
        }
        if let Some(mut earlier) = self.captures.insert(slot, capture) {
            earlier.jpeg.zeroize();
        }
        Ok(())
    }

    /// Accepts the picture of `slot`. One with problems only with
    /// `overriding` (staff's decision, logged); `staff_may_override` says
    /// whether the refusal offers that.
    pub fn accept(
        &mut self,
        slot: Slot,
        overriding: bool,
        staff_may_override: bool,
    ) -> Result<(), KioskError> {
        let c = self.captures.get_mut(&slot).ok_or(Invalid::NoPicture)?;
        if !c.problems.is_empty() {
            if !overriding {
                return Err(KioskError::Rejected(staff_may_override));
            }
            c.overridden = true;
            let codes: Vec<&str> = c.problems.iter().map(|p| p.as_str()).collect();
            tracing::warn!(?slot, problems = ?codes, "staff accepted a picture with quality problems");
        }
        c.accepted = true;
        self.to_capture.retain(|x| *x != slot);
        if let Some(mut old) = self.rejected.remove(&slot) {
            old.zeroize();
        }
        Ok(())
    }

    /// Drops the picture of `slot` so it can be taken again, in step order.
    pub fn retake(&mut self, slot: Slot) -> Result<(), KioskError> {
        if self
            .captures
            .get(&slot)
            .is_some_and(|c| c.image_id.is_some())
        {
            return Err(Invalid::AlreadyAccepted.into());
        }
        if let Some(mut c) = self.captures.remove(&slot) {
            c.jpeg.zeroize();
        }
        if !self.to_capture.contains(&slot) {
            self.to_capture.push(slot);
            let order = &self.steps;
            self.to_capture
                .sort_by_key(|x| order.iter().position(|o| o == x));
        }
        Ok(())
    }

    /// The service took the submission: the pictures' ids are kept and the
    /// review is awaited. Returns the pictures as the review refers to them.
    pub fn sent(&mut self, slots: &[Slot], receipt: &Receipt) -> Vec<(Slot, ImageRef)> {
        for (slot, img) in slots.iter().zip(&receipt.images) {
            if let Some(c) = self.captures.get_mut(slot) {
                c.image_id = Some(img.image_id.clone());
            }
        }
        self.applicant_id = Some(receipt.applicant_id.clone());
        self.phase = Phase::Waiting;
        self.image_refs()
    }

    /// The submission waits in the outbox, with `waiting` sessions in all.
    pub fn queued(&mut self, waiting: u32) {
        self.phase = Phase::Queued;
        self.outcome = Some(OutcomeView::Queued { waiting });
    }

    /// The uploaded pictures, as the review refers to them.
    pub fn image_refs(&self) -> Vec<(Slot, ImageRef)> {
        let document = self.document.as_ref().map(|d| d.document_type);
        self.captures
            .iter()
            .filter_map(|(slot, c)| {
                Some((
                    *slot,
                    ImageRef {
                        image_id: c.image_id.clone()?,
                        // Pictures exist only once a document was chosen.
                        doc_type: doc_type_of(*slot, document?),
                        side: slot.side(),
                    },
                ))
            })
            .collect()
    }

    /// The review decided: a retry sets the rejected pictures aside (their
    /// ids are set aside at the service with the retakes) and asks for them
    /// again, as the next attempt.
    pub fn decided(&mut self, outcome: &OutcomeView) {
        self.phase = Phase::Decided;
        if let OutcomeView::Retry { items, .. } = outcome {
            for item in items {
                if let Some(mut c) = self.captures.remove(&item.slot) {
                    self.rejected_image_ids.extend(c.image_id.take());
                    let jpeg = std::mem::take(&mut c.jpeg);
                    if let Some(mut older) = self.rejected.insert(item.slot, jpeg) {
                        older.zeroize();
                    }
                }
            }
            self.to_capture = self
                .steps
                .iter()
                .copied()
                .filter(|x| !self.captures.contains_key(x))
                .collect();
            self.attempt += 1;
        }
        self.outcome = Some(outcome.clone());
    }

    /// The window shows `language` now: the applicant follows unless a
    /// submission or a review is under way (its comments are being written).
    /// Returns the applicant the service must be told about, if any.
    pub fn follow_language(&mut self, language: Language) -> Option<String> {
        if self.language == language || !matches!(self.phase, Phase::Capturing | Phase::Decided) {
            return None;
        }
        self.language = language;
        self.applicant_id.clone()
    }

    /// Overwrites the pictures and the entered data in memory.
    pub fn wipe(&mut self) {
        for c in self.captures.values_mut() {
            c.jpeg.zeroize();
        }
        for jpeg in self.rejected.values_mut() {
            jpeg.zeroize();
        }
        self.details.wipe();
    }
}

/// What a submission sends: the pictures not sent yet, and for a retry the
/// applicant and the rejected images to set aside.
pub(super) struct Outgoing {
    pub submission: Submission,
    /// The slot of each image, in the submission's order.
    pub slots: Vec<Slot>,
    pub generation: u64,
    /// A retry: the applicant (if known) and the images the review rejected.
    pub retry: Option<(Option<String>, Vec<String>)>,
    /// The applicant created when the session started, if it was.
    pub known_applicant: Option<String>,
}

impl Session {
    /// Everything taken and accepted, not sent yet, as a submission; the
    /// session is then "submitting".
    pub fn outgoing(&mut self, level_name: &str) -> Result<Outgoing, KioskError> {
        if !self.to_capture.is_empty() || self.steps.is_empty() {
            return Err(Invalid::PicturesMissing.into());
        }
        if matches!(self.outcome, Some(OutcomeView::Final { .. })) {
            return Err(Invalid::CannotContinue.into());
        }
        let doc = self.document.clone().ok_or(Invalid::DocumentMissing)?;
        let mut images = Vec::new();
        let mut slots = Vec::new();
        for (slot, c) in self.captures.iter().filter(|(_, c)| c.image_id.is_none()) {
            images.push(DocumentImage {
                doc_type: doc_type_of(*slot, doc.document_type),
                side: slot.side(),
                country: doc.country.clone(),
                filename: format!("{slot:?}.jpg").to_lowercase(),
                content_type: "image/jpeg".into(),
                bytes: c.jpeg.to_vec(),
            });
            slots.push(*slot);
        }
        self.phase = Phase::Submitting;
        self.outcome = None;
        let retry = self.captures.values().any(|c| c.image_id.is_some());
        Ok(Outgoing {
            submission: Submission {
                level_name: level_name.to_owned(),
                applicant: new_applicant(&self.external_user_id, &self.details, self.language),
                images,
            },
            slots,
            generation: self.generation,
            retry: retry.then(|| {
                (
                    self.applicant_id.clone(),
                    std::mem::take(&mut self.rejected_image_ids),
                )
            }),
            known_applicant: self.applicant_id.clone(),
        })
    }
}

/// Changes the session of `generation` with `change`, if it is still the
/// open one (a wiped session's late answers change nothing); `None` otherwise.
pub(super) fn if_current<R>(
    session: &Mutex<Option<Session>>,
    generation: u64,
    change: impl FnOnce(&mut Session) -> R,
) -> Option<R> {
    super::lock(session)
        .as_mut()
        .filter(|s| s.generation == generation)
        .map(change)
}

/// Whether the session of `generation` is still the open one.
pub(super) fn is_current(session: &Mutex<Option<Session>>, generation: u64) -> bool {
    if_current(session, generation, |_| ()).is_some()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::views::{DocumentType, RetryView};
    use crate::verification::models::{DocSide, IdDocType};

    fn session() -> Session {
        let mut s = Session::new(
            "kiosk-unit".into(),
            ApplicantDetails::default(),
            vec![DocSetType::Identity, DocSetType::Selfie],
            Some("applicant-1".into()),
            7,
            Language::En,
        );
        s.choose_document(DocumentChoice {
            document_type: DocumentType::IdCard,
            country: "DEU".into(),
        });
        s
    }

    fn picture(problems: Vec<ProblemCode>) -> Capture {
        Capture::new(
            Zeroizing::new(vec![0xFF, 0xD8, 1, 2]),
            1920,
            1080,
            problems,
            None,
        )
    }

    fn take_all(s: &mut Session) {
        for slot in s.steps.clone() {
            s.keep(slot, picture(Vec::new())).unwrap();
            s.accept(slot, false, true).unwrap();
        }
    }

    #[test]
    fn a_picture_with_problems_is_kept_only_when_staff_override_it() {
        let mut s = session();
        assert_eq!(s.to_capture, [Slot::Front, Slot::Back, Slot::Selfie]);
        assert!(matches!(
            s.keep(Slot::Single, picture(Vec::new())),
            Err(KioskError::Invalid(Invalid::NotInSession))
        ));
        assert!(matches!(
            s.accept(Slot::Front, false, true),
            Err(KioskError::Invalid(Invalid::NoPicture))
        ));
        s.keep(Slot::Front, picture(vec![ProblemCode::TooBlurry]))
            .unwrap();
        assert!(matches!(
            s.accept(Slot::Front, false, true),
            Err(KioskError::Rejected(true))
        ));
        assert!(matches!(
            s.accept(Slot::Front, false, false),
            Err(KioskError::Rejected(false))
        ));
        assert_eq!(s.to_capture.len(), 3, "nothing accepted yet");
        s.accept(Slot::Front, true, true).unwrap();
        assert!(s.captures[&Slot::Front].overridden);
        assert_eq!(s.to_capture, [Slot::Back, Slot::Selfie]);
    }

    #[test]
    fn a_retake_goes_back_in_step_order_until_the_service_has_the_picture() {
        let mut s = session();
        take_all(&mut s);
        assert!(s.to_capture.is_empty());
        s.retake(Slot::Selfie).unwrap();
        s.retake(Slot::Front).unwrap();
        assert_eq!(s.to_capture, [Slot::Front, Slot::Selfie]);
        assert!(!s.captures.contains_key(&Slot::Front));
        s.captures.get_mut(&Slot::Back).unwrap().image_id = Some("img-back".into());
        assert!(matches!(
            s.retake(Slot::Back),
            Err(KioskError::Invalid(Invalid::AlreadyAccepted))
        ));
    }

    #[test]
    fn a_first_submission_sends_every_picture_and_a_retry_only_the_retaken_one() {
        let mut s = session();
        assert!(matches!(
            s.outgoing("level"),
            Err(KioskError::Invalid(Invalid::PicturesMissing))
        ));
        take_all(&mut s);
        let first = s.outgoing("level").unwrap();
        assert!(first.retry.is_none());
        assert_eq!(first.slots, [Slot::Front, Slot::Back, Slot::Selfie]);
        let sent: Vec<(IdDocType, Option<DocSide>)> = first
            .submission
            .images
            .iter()
            .map(|i| (i.doc_type.clone(), i.side.clone()))
            .collect();
        assert_eq!(
            sent,
            [
                (IdDocType::IdCard, Some(DocSide::FrontSide)),
                (IdDocType::IdCard, Some(DocSide::BackSide)),
                (IdDocType::Selfie, None),
            ]
        );
        assert_eq!(s.phase, Phase::Submitting);
        for (slot, id) in [
            (Slot::Front, "f1"),
            (Slot::Back, "b1"),
            (Slot::Selfie, "s1"),
        ] {
            s.captures.get_mut(&slot).unwrap().image_id = Some(id.into());
        }

        // The review asks for the back again.
        s.decided(&OutcomeView::Retry {
            items: vec![RetryView {
                slot: Slot::Back,
                comment: None,
                labels: vec!["UNSATISFACTORY_PHOTOS".into()],
                instruction: "photo".into(),
            }],
            message: None,
            attempts_left: 2,
        });
        assert_eq!((s.phase, s.attempt), (Phase::Decided, 2));
        assert_eq!(s.to_capture, [Slot::Back]);
        assert_eq!(s.rejected_image_ids, ["b1"]);
        assert_eq!(
            s.rejected.get(&Slot::Back).map(|j| j.to_vec()),
            Some(vec![0xFF, 0xD8, 1, 2]),
            "the rejected picture is kept to be shown beside the reason"
        );
        s.keep(Slot::Back, picture(Vec::new())).unwrap();
        assert!(
            s.rejected.contains_key(&Slot::Back),
            "until the retake is accepted"
        );
        s.accept(Slot::Back, false, true).unwrap();
        assert!(s.rejected.is_empty());
        let retry = s.outgoing("level").unwrap();
        assert_eq!(retry.slots, [Slot::Back]);
        assert_eq!(
            retry.retry,
            Some((Some("applicant-1".into()), vec!["b1".to_owned()]))
        );
        assert!(s.rejected_image_ids.is_empty(), "set aside once");
    }

    #[test]
    fn a_final_rejection_sends_nothing_more() {
        let mut s = session();
        take_all(&mut s);
        s.decided(&OutcomeView::Final { message: None });
        assert!(matches!(
            s.outgoing("level"),
            Err(KioskError::Invalid(Invalid::CannotContinue))
        ));
    }
}
