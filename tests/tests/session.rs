//! The kiosk session against the training service over real HTTP, with the
//! sample camera: every review outcome, and a retry that sends only what was rejected.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use onboard_kiosk::capture::Resolution;
use onboard_kiosk::capture::{Impairment, SampleCamera};
use onboard_kiosk::config::Profile;
use onboard_kiosk::credentials::Sensitive;
use onboard_kiosk::review::recent::RecentStore;
use onboard_kiosk::review::recheck::RecheckPolicy;
use onboard_kiosk::review::webhook::WebhookReceiver;
use onboard_kiosk::review::PollPolicy;
use onboard_kiosk::session::kiosk::*;
use onboard_kiosk::training::{DigestAlg, Scenario, TrainingConfig, TrainingService, Webhooks};
use onboard_kiosk::verification::Client;

static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

struct LiveFeedbackSeen {
    problems: usize,
}

struct Harness {
    kiosk: Arc<Kiosk>,
    /// The outbox's folder, when the kiosk has one.
    _outbox: Option<tempfile::TempDir>,
    events: Arc<Mutex<Vec<KioskEvent>>>,
    sample: SampleCamera,
    base_url: String,
    _webhooks: Option<WebhookReceiver>,
}

async fn harness(profile: Profile) -> Harness {
    harness_with(profile, false).await
}

/// With `webhooks`, the training service signs and delivers review events to a
/// receiver, twice and out of order, and polling is too slow to matter.
async fn harness_with(profile: Profile, webhooks: bool) -> Harness {
    harness_full(profile, webhooks, None, false).await
}

/// The outbox key in memory: these tests look at the session, not the keychain.
#[derive(Default)]
struct MemoryKey(Mutex<Option<String>>);

impl onboard_kiosk::outbox::KeyStore for MemoryKey {
    fn get(
        &self,
    ) -> Result<Option<zeroize::Zeroizing<String>>, onboard_kiosk::credentials::KeychainError> {
        Ok(self.0.lock().unwrap().clone().map(zeroize::Zeroizing::new))
    }
    fn put(&self, hex: &str) -> Result<(), onboard_kiosk::credentials::KeychainError> {
        *self.0.lock().unwrap() = Some(hex.to_owned());
        Ok(())
    }
}

/// `camera`: a camera to use instead of the sample camera itself; `outbox`:
/// the kiosk keeps sessions it cannot send in an outbox of its own.
async fn harness_full(
    profile: Profile,
    webhooks: bool,
    camera: Option<Arc<dyn onboard_kiosk::capture::Camera>>,
    outbox: bool,
) -> Harness {
    let receiver = if webhooks {
        Some(
            WebhookReceiver::start(
                "127.0.0.1:0".parse().unwrap(),
                Sensitive::new("hook-secret".to_owned()),
            )
            .await
            .unwrap(),
        )
    } else {
        None
    };
    let svc = TrainingService::start(
        "127.0.0.1:0".parse().unwrap(),
        TrainingConfig {
            queue_delay: Duration::from_millis(50),
            review_delay: Duration::from_millis(200),
            // The later rejection's steps come a second apart: longer than the
            // training service holds a webhook back to send it out of order
            // (half a second), so the approval is heard before they begin.
            later_rejection_delay: Duration::from_secs(3),
            webhooks: receiver.as_ref().map(|(r, _)| Webhooks {
                url: format!("http://{}/webhook", r.addr),
                secret: "hook-secret".into(),
                alg: DigestAlg::Sha256,
                retry_delays: vec![Duration::from_millis(100)],
                duplicate: true,
                out_of_order: true,
            }),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    let client = Client::new(&svc.base_url, svc.credentials()).unwrap();
    let base_url = svc.base_url.clone();
    let events = Arc::new(Mutex::new(Vec::new()));
    let sink_events = events.clone();
    let sample = SampleCamera::new(30);
    let kiosk = Kiosk::new(
        client,
        Some(svc),
        match camera {
            Some(c) => CameraSource::Device(c),
            None => CameraSource::Sample(sample.clone()),
        },
        KioskOptions {
            profile,
            resolution: Some(Resolution::HD),
            poll: if webhooks {
                // One poll at once, then not for a minute: only webhooks can answer in time.
                PollPolicy {
                    initial: Duration::from_secs(60),
                    factor: 1.0,
                    max: Duration::from_secs(60),
                    give_up_after: None,
                }
            } else {
                PollPolicy {
                    initial: Duration::from_millis(100),
                    factor: 1.5,
                    max: Duration::from_millis(500),
                    give_up_after: Some(Duration::from_secs(20)),
                }
            },
            ..Default::default()
        },
        Arc::new(move |e| sink_events.lock().unwrap().push(e)),
        Arc::new(RecentStore::open(&std::env::temp_dir().join(format!(
            "kiosk-session-recent-{}-{}.json",
            std::process::id(),
            NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        )))),
    );
    let outbox_dir = outbox.then(|| tempfile::tempdir().unwrap());
    let kiosk = match &outbox_dir {
        Some(dir) => kiosk.with_outbox(
            onboard_kiosk::outbox::Outbox::open(
                &dir.path().join("outbox.sqlite3"),
                &MemoryKey::default(),
                7,
            )
            .map_err(|e| onboard_kiosk::session::field::NoOutbox::from(&e)),
        ),
        None => kiosk,
    };
    let mut webhook_receiver = None;
    if let Some((r, deliveries)) = receiver {
        kiosk.feed_webhooks(deliveries);
        webhook_receiver = Some(r);
    }
    Harness {
        kiosk: Arc::new(kiosk),
        _outbox: outbox_dir,
        events,
        sample,
        base_url,
        _webhooks: webhook_receiver,
    }
}

impl Harness {
    /// A session with a French passport chosen (one picture, then the selfie).
    async fn begin_passport(&self) {
        self.kiosk
            .start_session(ApplicantDetails::default())
            .await
            .unwrap();
        self.kiosk
            .choose_document(DocumentChoice {
                document_type: DocumentType::Passport,
                country: "FRA".into(),
            })
            .unwrap();
    }

    /// Waits up to `secs` for the newest event `pick` finds something in.
    async fn wait_event<T>(
        &self,
        secs: u64,
        what: &str,
        pick: impl Fn(&KioskEvent) -> Option<T>,
    ) -> T {
        let deadline = Instant::now() + Duration::from_secs(secs);
        loop {
            let found = self.events.lock().unwrap().iter().rev().find_map(&pick);
            if let Some(found) = found {
                return found;
            }
            assert!(
                Instant::now() < deadline,
                "no {what}: last event {:?}",
                self.events.lock().unwrap().last()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Waits until the checks have seen the camera's picture.
    async fn first_feedback(&self) -> LiveFeedbackSeen {
        let problems = self
            .wait_event(20, "feedback from the camera", |e| match e {
                KioskEvent::Feedback { feedback, .. } => Some(feedback.problems.len()),
                _ => None,
            })
            .await;
        LiveFeedbackSeen { problems }
    }

    /// Waits for auto-capture of `slot`, takes and accepts the picture.
    async fn capture(&self, slot: Slot) {
        self.events.lock().unwrap().clear();
        self.kiosk.start_camera(slot).unwrap();
        self.wait_event(20, &format!("auto-capture of {slot:?}"), |e| {
            matches!(e, KioskEvent::AutoCaptured { slot: s } if *s == slot).then_some(())
        })
        .await;
        let taken = self.kiosk.take_photo(slot).unwrap();
        assert!(taken.problems.is_empty(), "{slot:?}: {:?}", taken.problems);
        self.kiosk.accept_photo(slot, false).unwrap();
    }

    async fn outcome(&self) -> OutcomeView {
        let outcome = self
            .wait_event(30, "outcome", |e| match e {
                KioskEvent::Outcome { outcome } => Some(outcome.clone()),
                KioskEvent::Failed { message } => panic!("{message}"),
                _ => None,
            })
            .await;
        self.events.lock().unwrap().clear();
        outcome
    }

    async fn run(&self, scenario: Scenario, document: DocumentType) -> SessionView {
        if self.kiosk.profile() == Profile::SelfService {
            // A customer alone at the kiosk never picks a review's outcome.
            let refused = self.kiosk.set_training_outcome(Scenario::Final);
            assert!(refused.is_err(), "self-service cannot choose the outcome");
        } else {
            self.kiosk.set_training_outcome(scenario).unwrap();
        }
        let details = ApplicantDetails {
            email: Some("anna@example.com".into()),
            ..Default::default()
        };
        let started = self.kiosk.start_session(details).await.unwrap();
        if scenario != Scenario::Green && self.kiosk.profile() == Profile::SelfService {
            // Nobody at the kiosk chose it: the stand-in decides so by itself.
            let set = kiosk_tests::signed_request(
                &self.base_url,
                &self.kiosk_credentials(),
                "POST",
                "/training/scenarios",
                &[("Content-Type", "application/json")],
                serde_json::to_vec(&serde_json::json!({
                    "externalUserId": started.external_user_id,
                    "scenario": scenario.name(),
                }))
                .unwrap(),
            )
            .await;
            assert!(set.status().is_success());
        }
        let view = self
            .kiosk
            .choose_document(DocumentChoice {
                document_type: document,
                country: "deu".into(),
            })
            .unwrap();
        for slot in view.to_capture.clone() {
            self.capture(slot).await;
        }
        self.kiosk.submit().await.unwrap()
    }

    async fn active_images(&self, applicant_id: &str) -> Vec<(String, Option<String>, String)> {
        let client = Client::new(&self.base_url, self.kiosk_credentials()).unwrap();
        client
            .image_resources(applicant_id)
            .await
            .unwrap()
            .items
            .into_iter()
            .filter(|i| i.deactivated != Some(true))
            .map(|i| {
                (
                    i.id_doc_def
                        .id_doc_type
                        .map(|t| t.to_string())
                        .unwrap_or_default(),
                    i.id_doc_def.id_doc_sub_type.map(|s| s.to_string()),
                    i.id,
                )
            })
            .collect()
    }

    fn kiosk_credentials(&self) -> onboard_kiosk::credentials::ApiCredentials {
        self.kiosk.training_credentials().expect("training mode")
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_id_card_is_approved_and_staff_see_the_verified_data() {
    let h = harness(Profile::Attendant).await;
    let sent = h.run(Scenario::Green, DocumentType::IdCard).await;
    assert_eq!(sent.steps, vec![Slot::Front, Slot::Back, Slot::Selfie]);
    assert_eq!(sent.phase, Phase::Waiting);
    match h.outcome().await {
        OutcomeView::Approved { verified: Some(v) } => {
            assert!(
                v.document_number.is_some() && v.last_name.is_some(),
                "{v:?}"
            )
        }
        other => panic!("expected approval with data, got {other:?}"),
    }
    let images = h.active_images(sent.applicant_id.as_deref().unwrap()).await;
    assert_eq!(images.len(), 3, "{images:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn self_service_shows_only_the_approval_and_a_passport_is_one_picture() {
    let h = harness(Profile::SelfService).await;
    let sent = h.run(Scenario::Green, DocumentType::Passport).await;
    assert_eq!(sent.steps, vec![Slot::Single, Slot::Selfie]);
    assert_eq!(h.outcome().await, OutcomeView::Approved { verified: None });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_back_side_is_retaken_alone_then_approved() {
    let h = harness(Profile::Attendant).await;
    let sent = h.run(Scenario::RetryBack, DocumentType::IdCard).await;
    let applicant = sent.applicant_id.clone().unwrap();
    let before = h.active_images(&applicant).await;
    match h.outcome().await {
        OutcomeView::Retry {
            items,
            attempts_left,
            ..
        } => {
            assert_eq!(
                items.iter().map(|i| i.slot).collect::<Vec<_>>(),
                vec![Slot::Back]
            );
            assert!(items[0].comment.is_some(), "the service's comment is shown");
            assert_eq!(attempts_left, 2);
        }
        other => panic!("expected a retry, got {other:?}"),
    }
    let view = h.kiosk.session().unwrap();
    assert_eq!(
        view.to_capture,
        vec![Slot::Back],
        "only the back is taken again"
    );
    assert_eq!(view.attempt, 2);
    h.capture(Slot::Back).await;
    h.kiosk.submit().await.unwrap();
    assert!(matches!(h.outcome().await, OutcomeView::Approved { .. }));
    let after = h.active_images(&applicant).await;
    assert_eq!(after.len(), 3, "one active image a side: {after:?}");
    let kept = |side: &str| {
        before
            .iter()
            .find(|i| i.1.as_deref() == Some(side))
            .unwrap()
            .2
            .clone()
    };
    assert!(
        after.iter().any(|i| i.2 == kept("FRONT_SIDE")),
        "the front was not sent again"
    );
    assert!(
        !after.iter().any(|i| i.2 == kept("BACK_SIDE")),
        "the rejected back was set aside: {before:?} {after:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rejected_selfie_is_retaken_alone() {
    let h = harness(Profile::Attendant).await;
    h.run(Scenario::RetrySelfie, DocumentType::IdCard).await;
    match h.outcome().await {
        OutcomeView::Retry { items, .. } => assert_eq!(items[0].slot, Slot::Selfie),
        other => panic!("expected a retry, got {other:?}"),
    }
    assert_eq!(h.kiosk.session().unwrap().to_capture, vec![Slot::Selfie]);
    h.capture(Slot::Selfie).await;
    h.kiosk.submit().await.unwrap();
    assert!(matches!(h.outcome().await, OutcomeView::Approved { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_final_rejection_ends_with_support_and_blocks_uploads() {
    let h = harness(Profile::Attendant).await;
    h.run(Scenario::Final, DocumentType::IdCard).await;
    assert!(matches!(h.outcome().await, OutcomeView::Final { .. }));
    let e = h.kiosk.submit().await.unwrap_err().to_string();
    assert!(e.contains("contact support"), "{e}");
}

/// Polls `fut` once: it starts its first request and then waits, frozen, until polled again.
async fn poll_once<F: std::future::Future + Unpin>(fut: &mut F) -> std::task::Poll<F::Output> {
    std::future::poll_fn(|cx| std::task::Poll::Ready(std::pin::Pin::new(&mut *fut).poll(cx))).await
}

/// Takes every picture of a passport session, ready to send.
async fn ready_to_send(h: &Harness) {
    h.kiosk
        .start_session(ApplicantDetails {
            email: Some("anna@example.com".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let view = h
        .kiosk
        .choose_document(DocumentChoice {
            document_type: DocumentType::Passport,
            country: "deu".into(),
        })
        .unwrap();
    for slot in view.to_capture.clone() {
        h.capture(slot).await;
    }
}

/// Wipes the session while `sending` is under way: the send ends with no
/// session, and the applicant the service holds is in recent applicants.
async fn wipe_and_find_the_applicant_with_staff<F>(h: &Harness, external: &str, sending: F)
where
    F: std::future::Future<Output = Result<SessionView, KioskError>>,
{
    h.kiosk.end_session();
    let sent = sending.await;
    assert!(matches!(sent, Err(KioskError::NoSession)), "{sent:?}");
    let recent = h.kiosk.recent_applicants();
    assert!(
        recent.iter().any(|r| r.external_user_id == external),
        "the applicant the service holds is in recent applicants: {recent:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wipe_while_sending_leaves_the_applicant_with_staff() {
    let h = harness(Profile::Attendant).await;
    ready_to_send(&h).await;
    let external = h.kiosk.session().unwrap().external_user_id;
    let mut sending = Box::pin(h.kiosk.submit());
    assert!(
        poll_once(&mut sending).await.is_pending(),
        "the pictures are on their way"
    );
    // The idle timeout wipes the session while the pictures are on their way.
    wipe_and_find_the_applicant_with_staff(&h, &external, sending).await;
}

/// The other order of the same race: the picture has reached the service
/// when the session is wiped, so the training stand-in forgets it and the
/// check then finds it missing. That refusal is no one's to act on; staff
/// must still find the applicant.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wipe_after_the_picture_arrived_still_leaves_the_applicant_with_staff() {
    let h = harness(Profile::Attendant).await;
    ready_to_send(&h).await;
    let external = h.kiosk.session().unwrap().external_user_id;
    let mut sending = Box::pin(h.kiosk.submit());
    let uploaded = || {
        h.events.lock().unwrap().iter().any(|e| {
            matches!(e, KioskEvent::Upload { sent, total, .. } if *total > 0.0 && sent >= total)
        })
    };
    // Driven step by step until the passport page's last byte is sent (the
    // connection sends the body on its own; the next step waits for a poll).
    let deadline = Instant::now() + Duration::from_secs(20);
    while !uploaded() {
        assert!(
            poll_once(&mut sending).await.is_pending(),
            "sent before the upload was seen"
        );
        assert!(Instant::now() < deadline, "the upload never finished");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    // The service stores it and answers; the kiosk has not asked for the
    // check yet, as the submission is not polled.
    tokio::time::sleep(Duration::from_millis(300)).await;
    wipe_and_find_the_applicant_with_staff(&h, &external, sending).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wiped_sessions_review_never_reaches_the_next_customer() {
    let h = harness(Profile::Attendant).await;
    // As every kiosk does: recent applicants are kept current in the background.
    h.kiosk
        .keep_recent_current(RecheckPolicy::every(Duration::from_millis(300)));
    h.run(Scenario::Final, DocumentType::Passport).await;
    // Wiped while the review is awaited; the next customer starts.
    h.kiosk.end_session();
    h.events.lock().unwrap().clear();
    h.kiosk
        .start_session(ApplicantDetails::default())
        .await
        .unwrap();
    // The old review completes meanwhile (the stand-in decides within a second).
    tokio::time::sleep(Duration::from_secs(3)).await;
    let stray: Vec<_> = h
        .events
        .lock()
        .unwrap()
        .iter()
        .filter(|e| {
            matches!(
                e,
                KioskEvent::Review { .. } | KioskEvent::Outcome { .. } | KioskEvent::Failed { .. }
            )
        })
        .cloned()
        .collect();
    assert!(stray.is_empty(), "{stray:?}");
    assert_eq!(h.kiosk.session().unwrap().outcome, None);
    // Staff still see how the wiped session's review ended.
    let recent = h.kiosk.recent_applicants();
    assert!(recent.iter().any(|r| r.answer.is_some()), "{recent:?}");
}

/// Waits (up to 5 s) until the kiosk's running background tasks are `names`
/// (in any order), and returns what runs then.
async fn running_settles_at(h: &Harness, names: &[&str]) -> Vec<&'static str> {
    let sorted = |mut v: Vec<&'static str>| {
        v.sort_unstable();
        v
    };
    let mut expected = names.to_vec();
    expected.sort_unstable();
    let deadline = Instant::now() + Duration::from_secs(5);
    while sorted(h.kiosk.running_tasks()) != expected && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    sorted(h.kiosk.running_tasks())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wiping_stops_the_review_watch_and_shutting_down_stops_everything() {
    let h = harness_full(Profile::Attendant, false, None, true).await;
    assert_eq!(h.kiosk.running_tasks(), Vec::<&str>::new());
    const LOOPS: [&str; 3] = ["outbox sender", "recent applicants", "webhook deliveries"];
    h.kiosk
        .keep_recent_current(RecheckPolicy::every(Duration::from_secs(60)));
    let (deliveries_in, deliveries) = tokio::sync::mpsc::unbounded_channel();
    h.kiosk.feed_webhooks(deliveries);
    h.kiosk.keep_outbox_sending(Duration::from_secs(60));
    assert_eq!(
        running_settles_at(&h, &LOOPS).await,
        LOOPS,
        "the three loops run"
    );
    // A review that takes a while: its watch runs beside the loops.
    h.run(Scenario::OnHold, DocumentType::Passport).await;
    let with_watch = [LOOPS.as_slice(), &["review watch"]].concat();
    assert_eq!(
        running_settles_at(&h, &with_watch).await.len(),
        4,
        "the loops and the review watch"
    );
    h.kiosk.end_session();
    assert_eq!(
        running_settles_at(&h, &LOOPS).await,
        LOOPS,
        "the wipe stopped the watch"
    );
    // Shutting down (as dropping the kiosk does): nothing keeps running,
    // though the webhook feed's channel is still open.
    h.kiosk.shut_down();
    assert_eq!(running_settles_at(&h, &[]).await, Vec::<&str>::new());
    drop(deliveries_in);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn corrected_details_apply_to_the_session_they_were_given_for() {
    let h = harness(Profile::Attendant).await;
    h.run(Scenario::DataMismatch, DocumentType::IdCard).await;
    assert!(matches!(
        h.outcome().await,
        OutcomeView::DataMismatch { .. }
    ));
    let corrected = ApplicantDetails {
        first_name: Some("Anna".into()),
        last_name: Some("Mustermann".into()),
        date_of_birth: Some("1990-02-01".into()),
        ..Default::default()
    };
    let mut correcting = Box::pin(h.kiosk.correct_details(corrected.clone()));
    assert!(poll_once(&mut correcting).await.is_pending());
    // Meanwhile the session is wiped and the next customer starts.
    h.kiosk.end_session();
    h.kiosk
        .start_session(ApplicantDetails::default())
        .await
        .unwrap();
    assert!(matches!(correcting.await, Err(KioskError::NoSession)));
    let next = h.kiosk.session().unwrap();
    assert_eq!(
        next.phase,
        Phase::Capturing,
        "the next customer's session is untouched"
    );
    assert_eq!(next.outcome, None);
    // And a late correction has nothing to correct in a session without a mismatch.
    let late = h.kiosk.correct_details(corrected).await;
    assert!(matches!(late, Err(KioskError::Invalid(_))), "{late:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn start_tapped_again_and_again_creates_one_applicant() {
    let h = harness(Profile::SelfService).await;
    let applicants = || async {
        let stats = kiosk_tests::signed_request(
            &h.base_url,
            &h.kiosk_credentials(),
            "GET",
            "/training/stats",
            &[],
            Vec::new(),
        )
        .await;
        let stats: serde_json::Value =
            serde_json::from_slice(&stats.bytes().await.unwrap()).unwrap();
        stats["applicants"].as_u64().expect("a count")
    };
    let before = applicants().await;
    let tap = || h.kiosk.start_session(ApplicantDetails::default());
    let results = tokio::join!(tap(), tap(), tap(), tap(), tap());
    let results = [results.0, results.1, results.2, results.3, results.4];
    let started = results.iter().filter(|r| r.is_ok()).count();
    assert_eq!(started, 1, "{results:?}");
    assert_eq!(
        applicants().await - before,
        1,
        "one applicant for five taps"
    );
    // Once started, a new tap (the next customer) starts a new session as before.
    h.kiosk
        .start_session(ApplicantDetails::default())
        .await
        .unwrap();
    assert_eq!(applicants().await - before, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_customer_alone_never_reads_why_staff_must_step_in() {
    for (decides, kind) in [
        (Scenario::Final, "final"),
        (Scenario::DataMismatch, "data mismatch"),
    ] {
        let staff = harness(Profile::Attendant).await;
        staff.run(decides, DocumentType::Passport).await;
        match staff.outcome().await {
            OutcomeView::Final { message } => assert!(message.is_some(), "staff read why"),
            OutcomeView::DataMismatch { fields, .. } => assert!(!fields.is_empty()),
            other => panic!("{kind}: {other:?}"),
        }
        let alone = harness(Profile::SelfService).await;
        alone.run(decides, DocumentType::Passport).await;
        match alone.outcome().await {
            OutcomeView::Final { message } => assert_eq!(message, None, "{kind}"),
            OutcomeView::DataMismatch { fields, message } => {
                assert!(fields.is_empty() && message.is_none(), "{kind}")
            }
            other => panic!("{kind}: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_data_mismatch_is_corrected_and_approved() {
    let h = harness(Profile::Attendant).await;
    h.run(Scenario::DataMismatch, DocumentType::IdCard).await;
    match h.outcome().await {
        OutcomeView::DataMismatch { .. } => {}
        other => panic!("expected a data mismatch, got {other:?}"),
    }
    let corrected = ApplicantDetails {
        first_name: Some("Anna".into()),
        last_name: Some("Mustermann".into()),
        date_of_birth: Some("1990-02-01".into()),
        ..Default::default()
    };
    h.kiosk.correct_details(corrected).await.unwrap();
    assert!(matches!(h.outcome().await, OutcomeView::Approved { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn on_hold_then_approved() {
    let h = harness(Profile::Attendant).await;
    h.run(Scenario::OnHold, DocumentType::Passport).await;
    let outcome = h.outcome().await;
    assert!(
        matches!(outcome, OutcomeView::Approved { .. }),
        "{outcome:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_pictures_are_refused_unless_staff_override_them() {
    let h = harness(Profile::Attendant).await;
    h.begin_passport().await;
    h.sample.impair(Impairment::Blurry);
    h.kiosk.start_camera(Slot::Single).unwrap();
    assert!(
        h.first_feedback().await.problems > 0,
        "a blurry picture gets feedback"
    );
    let taken = h.kiosk.take_photo(Slot::Single).unwrap();
    assert!(!taken.problems.is_empty());
    let e = h
        .kiosk
        .accept_photo(Slot::Single, false)
        .unwrap_err()
        .to_string();
    assert!(e.contains("problems"), "{e}");
    let view = h.kiosk.accept_photo(Slot::Single, true).unwrap();
    assert!(view.captures[0].overridden);

    let kiosk = harness(Profile::SelfService).await;
    kiosk.begin_passport().await;
    kiosk.sample.impair(Impairment::Dark);
    kiosk.kiosk.start_camera(Slot::Single).unwrap();
    kiosk.first_feedback().await;
    kiosk.kiosk.take_photo(Slot::Single).unwrap();
    assert!(
        kiosk.kiosk.accept_photo(Slot::Single, true).is_err(),
        "no override in self-service"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_closing_screen_never_stops_the_camera_the_next_screen_started() {
    let h = harness(Profile::SelfService).await;
    h.begin_passport().await;
    let passport = h.kiosk.start_camera(Slot::Single).unwrap();
    let selfie = h.kiosk.start_camera(Slot::Selfie).unwrap();
    assert_ne!(passport.run, selfie.run);
    // The passport screen's stop arrives after the selfie screen's start.
    h.kiosk.stop_camera_run(passport.run);
    assert!(
        h.kiosk.preview(0, Duration::from_secs(5), 320).is_some(),
        "the selfie camera still runs"
    );
    h.kiosk.stop_camera_run(selfie.run);
    assert!(h.kiosk.camera_stats().is_none(), "its own run is stopped");
}

fn photo_file(subject: onboard_kiosk::capture::Subject) -> Vec<u8> {
    let scene = onboard_kiosk::capture::Scene::new(subject, 1920, 1080);
    let rgb = image::RgbImage::from_raw(1920, 1080, scene.render(0)).unwrap();
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 92)
        .encode_image(&rgb)
        .unwrap();
    jpeg
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn staff_import_photos_from_files_checked_like_camera_pictures() {
    let h = harness(Profile::Field).await;
    h.begin_passport().await;
    let good = photo_file(onboard_kiosk::capture::Subject::DocumentFront);
    let view = h.kiosk.import_photo(Slot::Single, &good).unwrap();
    assert!(view.problems.is_empty(), "{:?}", view.problems);
    assert!(h.kiosk.still(Slot::Single, false).is_some());
    h.kiosk.accept_photo(Slot::Single, false).unwrap();

    let e = h
        .kiosk
        .import_photo(Slot::Selfie, b"not a picture at all")
        .unwrap_err()
        .to_string();
    assert!(e.starts_with("this file cannot be used"), "{e}");
    let small = kiosk_tests::samples::jpeg(1);
    let view = h.kiosk.import_photo(Slot::Selfie, &small).unwrap();
    assert!(
        view.problems
            .contains(&onboard_kiosk::quality::ProblemCode::TooSmall),
        "{:?}",
        view.problems
    );
    let huge = vec![0u8; onboard_kiosk::session::kiosk::MAX_IMPORT_BYTES + 1];
    assert!(h
        .kiosk
        .import_photo(Slot::Selfie, &huge)
        .unwrap_err()
        .to_string()
        .contains("larger than"));

    let kiosk = harness(Profile::SelfService).await;
    kiosk.begin_passport().await;
    assert!(
        kiosk.kiosk.import_photo(Slot::Single, &good).is_err(),
        "no file import at a self-service kiosk"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_details_are_refused_and_ending_wipes_the_session() {
    let h = harness(Profile::Attendant).await;
    let bad = ApplicantDetails {
        email: Some("not-an-email".into()),
        ..Default::default()
    };
    let e = h.kiosk.start_session(bad).await.unwrap_err().to_string();
    assert!(e.contains("email"), "{e}");
    h.kiosk
        .start_session(ApplicantDetails::default())
        .await
        .unwrap();
    h.kiosk
        .choose_document(DocumentChoice {
            document_type: DocumentType::Passport,
            country: "ESP".into(),
        })
        .unwrap();
    h.kiosk.start_camera(Slot::Single).unwrap();
    h.first_feedback().await;
    h.kiosk.take_photo(Slot::Single).unwrap();
    assert!(h.kiosk.still(Slot::Single, false).is_some());
    h.kiosk.end_session();
    assert!(h.kiosk.session().is_none());
    assert!(h.kiosk.still(Slot::Single, false).is_none());
    assert!(
        h.kiosk.preview(0, Duration::from_millis(100), 0).is_none(),
        "camera stopped"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_writes_its_reasons_in_the_language_the_person_reads() {
    let h = harness(Profile::Attendant).await;
    h.kiosk.set_language(Language::De).await;
    h.run(Scenario::RetryBack, DocumentType::IdCard).await;
    let OutcomeView::Retry { items, .. } = h.outcome().await else {
        panic!("expected a retry")
    };
    assert_eq!(
        items[0].comment.as_deref(),
        Some("Der Text auf der Rückseite ist nicht lesbar. Bitte fotografieren Sie die Rückseite noch einmal.")
    );
    assert_eq!(items[0].labels, ["UNSATISFACTORY_PHOTOS"]);
    assert_eq!(items[0].instruction, "photo");
    let rejected = h.kiosk.still(Slot::Back, true).expect("kept to be shown");
    assert_eq!(&rejected[..2], &[0xFF, 0xD8], "the rejected JPEG");
    h.kiosk.end_session();
    assert!(
        h.kiosk.still(Slot::Back, true).is_none(),
        "wiped with the session"
    );

    // The next person starts in English and switches to Spanish before sending:
    // the applicant, created in English, follows.
    h.kiosk.set_language(Language::En).await;
    h.kiosk.set_training_outcome(Scenario::RetrySelfie).unwrap();
    h.kiosk
        .start_session(ApplicantDetails::default())
        .await
        .unwrap();
    h.kiosk.set_language(Language::Es).await;
    let view = h
        .kiosk
        .choose_document(DocumentChoice {
            document_type: DocumentType::Passport,
            country: "ESP".into(),
        })
        .unwrap();
    for slot in view.to_capture.clone() {
        h.capture(slot).await;
    }
    h.kiosk.submit().await.unwrap();
    let OutcomeView::Retry { items, .. } = h.outcome().await else {
        panic!("expected a retry")
    };
    assert_eq!(
        items[0].comment.as_deref(),
        Some("Su cara no se ve con claridad en el selfie. Por favor, haga un selfie nuevo sosteniendo el documento.")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_bring_the_outcome_and_a_retry_round_trip_works_through_them() {
    let h = harness_with(Profile::Attendant, true).await;
    h.run(Scenario::RetryBack, DocumentType::IdCard).await;
    match h.outcome().await {
        OutcomeView::Retry { items, .. } => assert_eq!(items[0].slot, Slot::Back),
        other => panic!("expected a retry, got {other:?}"),
    }
    h.capture(Slot::Back).await;
    h.kiosk.submit().await.unwrap();
    assert!(matches!(h.outcome().await, OutcomeView::Approved { .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn webhooks_bring_final_and_on_hold_outcomes() {
    let h = harness_with(Profile::Attendant, true).await;
    h.run(Scenario::Final, DocumentType::Passport).await;
    assert!(matches!(h.outcome().await, OutcomeView::Final { .. }));
    let h = harness_with(Profile::Attendant, true).await;
    h.run(Scenario::OnHold, DocumentType::Passport).await;
    assert!(matches!(h.outcome().await, OutcomeView::Approved { .. }));
}

impl Harness {
    /// Waits until the recent list shows the applicant as approved earlier, rejected now.
    async fn turned_red(&self, applicant_id: &str) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let entry = self
                .kiosk
                .recent_applicants()
                .into_iter()
                .find(|a| a.applicant_id == applicant_id)
                .expect("the submitted applicant is listed");
            if entry.turned_red {
                assert_eq!(entry.answer.as_deref(), Some("RED"));
                let flagged =
                    self.events.lock().unwrap().iter().any(
                        |e| matches!(e, KioskEvent::Recent { applicant } if applicant.turned_red),
                    );
                assert!(flagged, "the change reached the screen as an event");
                return;
            }
            assert!(Instant::now() < deadline, "not flagged: {entry:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_turned_red_later_is_flagged_by_polling() {
    let h = harness(Profile::Attendant).await;
    h.kiosk
        .keep_recent_current(RecheckPolicy::every(Duration::from_millis(200)));
    let sent = h.run(Scenario::GreenThenRed, DocumentType::Passport).await;
    let outcome = h.outcome().await;
    assert!(
        matches!(outcome, OutcomeView::Approved { .. }),
        "{outcome:?}"
    );
    let id = sent.applicant_id.as_deref().unwrap();
    assert_eq!(h.active_images(id).await.len(), 2, "passport and selfie");
    h.kiosk.end_session();
    // The training stand-in keeps nothing of the person after the session.
    assert!(h.active_images(id).await.is_empty());
    h.turned_red(sent.applicant_id.as_deref().unwrap()).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approval_turned_red_later_is_flagged_by_webhook() {
    let h = harness_with(Profile::Attendant, true).await;
    let sent = h.run(Scenario::GreenThenRed, DocumentType::Passport).await;
    let outcome = h.outcome().await;
    assert!(
        matches!(outcome, OutcomeView::Approved { .. }),
        "{outcome:?}"
    );
    h.kiosk.end_session();
    let id = sent.applicant_id.as_deref().unwrap();
    // GREEN, then pending and on hold (no result), then RED: flagged.
    h.turned_red(id).await;

    // A correctly signed delivery saying GREEN (a replay of the approval, with
    // a time newer than any seen) is only a reason to read the status again:
    // the list keeps what the service says, the rejection.
    let body = serde_json::json!({
        "type": "applicantReviewed",
        "applicantId": id,
        "reviewStatus": "completed",
        "reviewResult": { "reviewAnswer": "GREEN" },
        "createdAtMs": "2099-01-01 00:00:00.000",
    })
    .to_string();
    let digest = onboard_kiosk::verification::digest::digest(
        DigestAlg::Sha256,
        b"hook-secret",
        body.as_bytes(),
    );
    let addr = h._webhooks.as_ref().unwrap().addr;
    let answer = reqwest::Client::new()
        .post(format!("http://{addr}/webhook"))
        .header("X-Payload-Digest-Alg", "HMAC_SHA256_HEX")
        .header("X-Payload-Digest", digest)
        .body(body)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200, "the delivery itself is genuine");
    tokio::time::sleep(Duration::from_secs(1)).await;
    let entry = h
        .kiosk
        .recent_applicants()
        .into_iter()
        .find(|a| a.applicant_id == id)
        .unwrap();
    assert_eq!(
        (entry.answer.as_deref(), entry.turned_red),
        (Some("RED"), true),
        "{entry:?}"
    );
}

/// Two cameras: the first is used by another program, the second is the sample camera.
struct BusyThenSample(SampleCamera);

impl onboard_kiosk::capture::Camera for BusyThenSample {
    fn devices(
        &self,
    ) -> Result<Vec<onboard_kiosk::capture::DeviceInfo>, onboard_kiosk::capture::CameraError> {
        let mut devices = self.0.devices()?;
        let mut busy = devices[0].clone();
        busy.id = "desk-camera".into();
        busy.name = "Desk camera".into();
        devices.insert(0, busy);
        Ok(devices)
    }

    fn start(
        &self,
        device: &str,
        resolution: Resolution,
        sink: onboard_kiosk::capture::FrameSink,
    ) -> Result<Box<dyn onboard_kiosk::capture::CameraStream>, onboard_kiosk::capture::CameraError>
    {
        if device == "desk-camera" {
            return Err(onboard_kiosk::capture::CameraError::Busy(
                "a video call".into(),
            ));
        }
        self.0.start(device, resolution, sink)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_busy_camera_can_be_swapped_for_another() {
    let camera = Arc::new(BusyThenSample(SampleCamera::new(30)));
    let h = harness_full(Profile::Attendant, false, Some(camera), false).await;
    h.begin_passport().await;
    let busy = h.kiosk.start_camera(Slot::Single).unwrap_err();
    assert!(
        matches!(
            busy,
            KioskError::Camera(onboard_kiosk::capture::CameraError::Busy(_))
        ),
        "{busy}"
    );
    let cameras = h.kiosk.cameras().unwrap();
    assert_eq!(cameras.len(), 2);
    assert!(cameras[0].in_use && !cameras[1].in_use);
    assert!(h.kiosk.choose_camera("no-such-camera").is_err());
    h.kiosk.choose_camera(&cameras[1].id).unwrap();
    assert!(h.kiosk.cameras().unwrap()[1].in_use);
    let started = h.kiosk.start_camera(Slot::Single).unwrap();
    assert_eq!(started.name, cameras[1].name);
    assert!(
        h.kiosk.preview(0, Duration::from_secs(5), 320).is_some(),
        "frames come from the second camera"
    );
}
