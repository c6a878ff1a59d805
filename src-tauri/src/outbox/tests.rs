use std::cell::RefCell;

use super::*;
use crate::submission::{DocumentImage, Submission};
use crate::training::{TrainingConfig, TrainingService};
use crate::verification::models::{DocSide, FixedInfo, IdDocType, NewApplicant};
use crate::verification::Client;

/// A key store in memory, standing in for the keychain in these tests.
#[derive(Default)]
struct Keys(RefCell<Option<String>>);

impl KeyStore for Keys {
    fn get(&self) -> Result<Option<Zeroizing<String>>, KeychainError> {
        Ok(self.0.borrow().clone().map(Zeroizing::new))
    }
    fn put(&self, hex: &str) -> Result<(), KeychainError> {
        *self.0.borrow_mut() = Some(hex.to_owned());
        Ok(())
    }
}

fn jpeg(seed: u32) -> Vec<u8> {
    let img = image::RgbImage::from_fn(320, 200, |x, y| {
        let v = (x.wrapping_mul(31) ^ y.wrapping_mul(17) ^ seed.wrapping_mul(2_654_435_761)) as u8;
        image::Rgb([v, v.wrapping_add(seed as u8), 255 - v])
    });
    let mut out = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 85)
        .encode_image(&img)
        .unwrap();
    out
}

fn image(doc_type: IdDocType, side: Option<DocSide>, seed: u32) -> DocumentImage {
    DocumentImage {
        doc_type,
        side,
        country: "DEU".into(),
        filename: "photo.jpg".into(),
        content_type: "image/jpeg".into(),
        bytes: jpeg(seed),
    }
}

fn session(n: u32) -> Submission {
    Submission {
        level_name: "id-and-liveness".into(),
        applicant: NewApplicant {
            external_user_id: format!("outbox-test-{n}-{}", rand::random::<u32>()),
            email: Some(format!("erika.{n}@example.org")),
            fixed_info: Some(FixedInfo {
                first_name: Some("Erika".into()),
                last_name: Some("Gabler".into()),
                ..Default::default()
            }),
            ..Default::default()
        },
        // Deliberately not in upload order: the outbox sorts them.
        images: vec![
            image(IdDocType::Selfie, None, n * 3 + 2),
            image(IdDocType::IdCard, Some(DocSide::BackSide), n * 3 + 1),
            image(IdDocType::IdCard, Some(DocSide::FrontSide), n * 3),
        ],
    }
}

fn queue(outbox: &Outbox, s: &Submission) {
    queue_to(
        outbox,
        s,
        outbox.destination("http://127.0.0.1:1", "sbx:unit"),
    );
}

/// Queued for the service and account `client` sends to.
fn queue_for(outbox: &Outbox, s: &Submission, client: &Client) {
    queue_to(
        outbox,
        s,
        outbox.destination(client.base_url(), client.app_token()),
    );
}

fn queue_to(outbox: &Outbox, s: &Submission, destination: super::Destination) {
    outbox
        .enqueue(&QueuedSession {
            submission: s,
            applicant_id: None,
            image_ids: vec![None; s.images.len()],
            destination,
        })
        .unwrap();
}

/// An outbox path in a folder of its own, removed when the folder is dropped.
fn temp() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::Builder::new()
        .prefix("kiosk-outbox-unit-")
        .tempdir()
        .unwrap();
    let path = dir.path().join(FILE_NAME);
    (dir, path)
}

/// Every file SQLite keeps for the outbox, as raw bytes.
fn raw(path: &Path) -> Vec<u8> {
    let mut all = Vec::new();
    for suffix in ["", "-wal", "-journal"] {
        let p = PathBuf::from(format!("{}{suffix}", path.display()));
        all.extend(std::fs::read(p).unwrap_or_default());
    }
    all
}

fn contains(hay: &[u8], needle: &[u8]) -> bool {
    hay.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn the_file_holds_no_readable_personal_data_or_image_bytes() {
    let (_dir, path) = temp();
    let keys = Keys::default();
    let outbox = Outbox::open(&path, &keys, 7).unwrap();
    let s = session(1);
    queue(&outbox, &s);
    let bytes = raw(&path);
    assert!(bytes.len() > 3 * 1000, "the images are in the file");
    for needle in [
        &b"erika.1@example.org"[..],
        b"Erika",
        b"Gabler",
        // The start of every JPEG file the encoder writes (SOI, APP0, "JFIF").
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
        &s.images[0].bytes[100..132],
    ] {
        assert!(
            !contains(&bytes, needle),
            "{:?} is readable in the outbox file",
            String::from_utf8_lossy(needle)
        );
    }
    assert!(contains(&bytes, s.applicant.external_user_id.as_bytes()));
    let status = outbox.status().unwrap();
    assert_eq!(status.waiting, 1);
    assert_eq!(status.entries[0].images, 3);
    assert_eq!(status.entries[0].images_sent, 0);
    assert!(status.oldest_age_secs.unwrap() < 60);
}

#[test]
fn a_wrong_or_missing_key_is_a_clear_error_and_deletes_nothing() {
    let (_dir, path) = temp();
    let keys = Keys::default();
    queue(&Outbox::open(&path, &keys, 7).unwrap(), &session(2));
    let size = raw(&path).len();

    let other = Keys::default();
    other.put(&OutboxKey::generate().to_hex()).unwrap();
    let e = Outbox::open(&path, &other, 7).unwrap_err();
    assert!(matches!(e, OutboxError::WrongKey { .. }), "{e:?}");
    assert!(e.to_string().contains("Nothing was deleted"), "{e}");

    let none = Keys::default();
    let e = Outbox::open(&path, &none, 7).unwrap_err();
    assert!(
        matches!(e, OutboxError::KeyMissing { waiting: 1, .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains("1 session(s) waiting"), "{e}");
    assert!(
        none.0.borrow().is_none(),
        "no new key replaces the missing one"
    );

    let garbled = Keys::default();
    garbled.put("not a key").unwrap();
    assert!(matches!(
        Outbox::open(&path, &garbled, 7).unwrap_err(),
        OutboxError::WrongKey { .. }
    ));

    // The right key still opens everything that was there.
    let outbox = Outbox::open(&path, &keys, 7).unwrap();
    assert_eq!(outbox.status().unwrap().waiting, 1);
    assert!(raw(&path).len() >= size);
}

#[test]
fn an_empty_outbox_gets_a_new_key_when_the_old_one_is_gone() {
    let (_dir, path) = temp();
    let first = Keys::default();
    drop(Outbox::open(&path, &first, 7).unwrap());
    let second = Keys::default();
    let outbox = Outbox::open(&path, &second, 7).unwrap();
    assert!(second.0.borrow().is_some());
    queue(&outbox, &session(3));
    drop(outbox);
    assert!(Outbox::open(&path, &second, 7).is_ok());
}

#[test]
fn a_session_goes_in_once_and_incomplete_sessions_are_refused() {
    let (_dir, path) = temp();
    let outbox = Outbox::open(&path, &Keys::default(), 7).unwrap();
    let s = session(4);
    queue(&outbox, &s);
    let again = outbox.enqueue(&QueuedSession {
        submission: &s,
        applicant_id: None,
        image_ids: vec![None; 3],
        destination: outbox.destination("http://127.0.0.1:1", "sbx:unit"),
    });
    assert!(
        matches!(again, Err(OutboxError::AlreadyQueued(_))),
        "{again:?}"
    );
    let mut no_back = session(5);
    no_back.images.remove(1);
    let refused = outbox.enqueue(&QueuedSession {
        submission: &no_back,
        applicant_id: None,
        image_ids: vec![None; 2],
        destination: outbox.destination("http://127.0.0.1:1", "sbx:unit"),
    });
    assert!(
        matches!(refused, Err(OutboxError::Invalid(_))),
        "{refused:?}"
    );
    assert_eq!(outbox.status().unwrap().waiting, 1);
}

#[test]
fn an_altered_entry_is_reported_damaged_and_kept() {
    let (_dir, path) = temp();
    let outbox = Outbox::open(&path, &Keys::default(), 7).unwrap();
    queue(&outbox, &session(6));
    {
        let conn = outbox.conn();
        let mut sealed: Vec<u8> = conn
            .query_row("SELECT sealed FROM images WHERE idx = 0", [], |r| r.get(0))
            .unwrap();
        sealed[40] ^= 0x01;
        conn.execute("UPDATE images SET sealed = ?1 WHERE idx = 0", [sealed])
            .unwrap();
    }
    let entry = outbox.next_entry(0).unwrap().unwrap();
    assert!(matches!(
        outbox.image(&entry, 0),
        Err(OutboxError::Damaged(_))
    ));
    assert!(outbox.image(&entry, 1).is_ok());
}

#[test]
fn sessions_past_the_retention_period_are_purged_with_a_notice() {
    let (_dir, path) = temp();
    let outbox = Outbox::open(&path, &Keys::default(), 7).unwrap();
    queue(&outbox, &session(7));
    queue(&outbox, &session(8));
    outbox
        .conn()
        .execute(
            "UPDATE entries SET queued_at = queued_at - 8 * 86400 WHERE id = (SELECT MIN(id) FROM entries)",
            [],
        )
        .unwrap();
    assert_eq!(outbox.purge_expired().unwrap(), 1);
    let status = outbox.status().unwrap();
    assert_eq!(status.waiting, 1);
    let notice = status.purged.expect("a purge notice");
    assert_eq!((notice.count, notice.retention_days), (1, 7));
    let images: u32 = outbox
        .conn()
        .query_row("SELECT COUNT(*) FROM images", [], |r| r.get(0))
        .unwrap();
    assert_eq!(images, 3, "the purged session's images are gone");
}

async fn training() -> (TrainingService, Client) {
    let service = TrainingService::start("127.0.0.1:0".parse().unwrap(), TrainingConfig::default())
        .await
        .unwrap();
    let client = Client::new(&service.base_url, service.credentials()).unwrap();
    (service, client)
}

#[tokio::test]
async fn draining_sends_each_session_once_in_order_and_deletes_it() {
    let (service, client) = training().await;
    let (_dir, path) = temp();
    let outbox = Outbox::open(&path, &Keys::default(), 7).unwrap();
    let sessions: Vec<Submission> = (10..13).map(session).collect();
    for s in &sessions {
        queue_for(&outbox, s, &client);
    }
    let mut sent = Vec::new();
    let drained = drain(&outbox, &client, |s| sent.push(s.clone()))
        .await
        .unwrap();
    assert_eq!(
        (drained.sent, drained.remaining, drained.error),
        (3, 0, None)
    );
    let order: Vec<&str> = sent.iter().map(|s| s.external_user_id.as_str()).collect();
    let expected: Vec<&str> = sessions
        .iter()
        .map(|s| s.applicant.external_user_id.as_str())
        .collect();
    assert_eq!(order, expected);
    let stats = service.stats();
    assert_eq!(
        (stats.applicants, stats.images, stats.active_images),
        (3, 9, 9)
    );
    assert_eq!(stats.applicants_with_a_side_uploaded_twice, 0);
    for s in &sent {
        let state = client.review_status(&s.applicant_id).await.unwrap();
        assert_ne!(
            state.review_status,
            Some(crate::verification::models::ReviewStatus::Init),
            "the check was requested"
        );
    }
    let left: u32 = outbox
        .conn()
        .query_row(
            "SELECT (SELECT COUNT(*) FROM entries) + (SELECT COUNT(*) FROM images)",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(left, 0);
    assert!(outbox.status().unwrap().last_error.is_none());
}

#[tokio::test]
async fn steps_whose_answer_was_lost_are_not_repeated_on_the_service() {
    let (service, client) = training().await;
    let (_dir, path) = temp();
    let outbox = Outbox::open(&path, &Keys::default(), 7).unwrap();
    let s = session(20);
    queue_for(&outbox, &s, &client);
    // The applicant and the front were created, but the kiosk died before it
    // could note either: the service knows them, the outbox does not.
    let created = client
        .create_applicant(&s.level_name, &s.applicant)
        .await
        .unwrap();
    let front = &s.images[2];
    client
        .add_document_image(
            &created.id,
            &crate::verification::models::DocMetadata {
                id_doc_type: front.doc_type.clone(),
                id_doc_sub_type: front.side.clone(),
                country: Some("DEU".into()),
            },
            "photo.jpg",
            "image/jpeg",
            &front.bytes,
            None,
        )
        .await
        .unwrap();
    let drained = drain(&outbox, &client, |_| {}).await.unwrap();
    assert_eq!(drained.sent, 1);
    let stats = service.stats();
    assert_eq!((stats.applicants, stats.images), (1, 3));
    assert_eq!(stats.applicants_with_a_side_uploaded_twice, 0);
}

#[tokio::test]
async fn an_unreachable_service_keeps_everything_and_says_why() {
    let (service, client) = training().await;
    service.abort();
    let (_dir, path) = temp();
    let outbox = Outbox::open(&path, &Keys::default(), 7).unwrap();
    queue_for(&outbox, &session(30), &client);
    queue_for(&outbox, &session(31), &client);
    let client = client.with_retry_policy(crate::verification::retry::RetryPolicy {
        max_attempts: 1,
        ..Default::default()
    });
    let drained = drain(&outbox, &client, |_| panic!("nothing is sent"))
        .await
        .unwrap();
    assert_eq!((drained.sent, drained.remaining), (0, 2));
    let error = drained.error.expect("the reason");
    assert!(error.contains("creating the applicant failed"), "{error}");
    let status = outbox.status().unwrap();
    assert_eq!(status.last_error.as_deref(), Some(error.as_str()));
    assert_eq!(status.entries[0].attempts, 1);
    assert_eq!(
        status.entries[1].attempts, 0,
        "sending stopped at the first"
    );
}

#[tokio::test]
async fn a_session_is_sent_only_to_the_service_and_account_it_was_queued_for() {
    let (service, client) = training().await;
    let (_dir, path) = temp();
    let outbox = Outbox::open(&path, &Keys::default(), 7).unwrap();
    queue_for(&outbox, &session(40), &client);
    queue_for(&outbox, &session(41), &client);

    // Another account at the same service: refused, named, nothing deleted.
    let other = Client::new(
        &service.base_url,
        crate::credentials::ApiCredentials::new("sbx:another-account", "its-secret"),
    )
    .unwrap();
    let drained = drain(&outbox, &other, |_| panic!("nothing is sent"))
        .await
        .unwrap();
    assert_eq!((drained.sent, drained.remaining), (0, 2));
    let error = drained.error.expect("the reason");
    assert!(error.contains("the account"), "{error}");
    assert!(!error.contains("the service ("), "{error}");
    assert!(
        !error.contains("another-account"),
        "never the token: {error}"
    );

    // The same account at another service (a training stand-in, say): refused too.
    let (elsewhere, _) = training().await;
    let moved = Client::new(&elsewhere.base_url, service.credentials()).unwrap();
    let drained = drain(&outbox, &moved, |_| panic!("nothing is sent"))
        .await
        .unwrap();
    let error = drained.error.expect("the reason");
    assert!(error.contains("the service ("), "{error}");
    assert_eq!(elsewhere.stats().applicants, 0);
    assert_eq!(service.stats().applicants, 0);
    assert_eq!(outbox.status().unwrap().waiting, 2);

    // The account it was queued for: sent, once each.
    let drained = drain(&outbox, &client, |_| {}).await.unwrap();
    assert_eq!((drained.sent, drained.remaining), (2, 0));
    assert_eq!(service.stats().applicants, 2);
}

#[tokio::test]
async fn an_edited_progress_row_is_refused_and_nothing_is_deleted() {
    let (service, client) = training().await;
    let (_dir, path) = temp();
    let keys = Keys::default();
    let outbox = Outbox::open(&path, &keys, 7).unwrap();
    queue_for(&outbox, &session(50), &client);
    queue_for(&outbox, &session(51), &client);
    queue_for(&outbox, &session(52), &client);
    {
        let raw = rusqlite::Connection::open(&path).unwrap();
        let ids: Vec<i64> = raw
            .prepare("SELECT id FROM entries ORDER BY id")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        // Redirected to another applicant, and marked as if the check was requested.
        raw.execute(
            "UPDATE entries SET applicant_id = 'someone-elses-applicant' WHERE id = ?1",
            [ids[0]],
        )
        .unwrap();
        raw.execute(
            "UPDATE entries SET check_requested = 1 WHERE id = ?1",
            [ids[1]],
        )
        .unwrap();
    }
    let drained = drain(&outbox, &client, |_| {}).await.unwrap();
    assert_eq!(
        (drained.sent, drained.remaining),
        (1, 2),
        "only the untouched one"
    );
    let error = drained.error.expect("the reason");
    assert!(error.contains("altered outside the kiosk"), "{error}");
    assert_eq!(
        service.stats().applicants,
        1,
        "nothing sent for the edited rows"
    );
    let status = Outbox::open(&path, &keys, 7).unwrap().status().unwrap();
    assert_eq!(status.waiting, 2, "nothing deleted");
    assert!(status.entries.iter().all(|e| e.attempts == 1));
    // Clearing the authentication does not make an edited row pass either.
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute("UPDATE entries SET progress_mac = NULL", [])
        .unwrap();
    let reopened = Outbox::open(&path, &keys, 7).unwrap();
    let drained = drain(&reopened, &client, |_| {}).await.unwrap();
    assert_eq!((drained.sent, drained.remaining), (0, 2));
}

/// The layout version SQLite keeps in the file.
fn layout(path: &Path) -> u32 {
    Connection::open(path)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap()
}

#[test]
fn a_file_in_an_earlier_layout_is_brought_up_to_date_and_keeps_what_waits() {
    let (_dir, path) = temp();
    let keys = Keys::default();
    let queued = session(11);
    {
        let outbox = Outbox::open(&path, &keys, 7).unwrap();
        queue(&outbox, &queued);
    }
    assert_eq!(layout(&path), schema::VERSION);
    // The file as the first kiosks wrote it: no layout version, no
    // destinations, no authenticated progress.
    {
        let conn = Connection::open(&path).unwrap();
        for column in ["environment", "base_url", "account", "progress_mac"] {
            conn.execute_batch(&format!("ALTER TABLE entries DROP COLUMN {column}"))
                .unwrap();
        }
        conn.execute_batch(
            "DELETE FROM meta WHERE key = 'progress_authenticated'; PRAGMA user_version = 0;",
        )
        .unwrap();
    }
    assert_eq!(layout(&path), 0);

    let outbox = Outbox::open(&path, &keys, 7).unwrap();
    assert_eq!(layout(&path), schema::VERSION);
    let entry = outbox
        .next_entry(0)
        .unwrap()
        .expect("the session still waits");
    assert_eq!(entry.external_user_id, queued.applicant.external_user_id);
    assert!(
        entry.destination.is_none(),
        "it goes to the first live account that sends it"
    );
    outbox
        .verify(&entry)
        .expect("its progress is authenticated now");
    assert_eq!(
        outbox.applicant(&entry).unwrap().external_user_id,
        entry.external_user_id
    );
    assert_eq!(outbox.unsent_images(&entry).unwrap().len(), 3);
    drop(outbox);

    // Opened again, it is simply the current layout.
    let outbox = Outbox::open(&path, &keys, 7).unwrap();
    assert_eq!(layout(&path), schema::VERSION);
    assert_eq!(outbox.status().unwrap().waiting, 1);
}

#[test]
fn a_file_from_a_newer_kiosk_is_refused_and_left_as_it_is() {
    let (_dir, path) = temp();
    let keys = Keys::default();
    {
        let outbox = Outbox::open(&path, &keys, 7).unwrap();
        queue(&outbox, &session(12));
    }
    Connection::open(&path)
        .unwrap()
        .pragma_update(None, "user_version", schema::VERSION + 1)
        .unwrap();
    let before = raw(&path);
    let err = Outbox::open(&path, &keys, 7).unwrap_err();
    assert!(
        matches!(err, OutboxError::Newer { found, supported } if found == schema::VERSION + 1 && supported == schema::VERSION),
        "{err}"
    );
    assert!(
        err.to_string().contains("newer version of the kiosk"),
        "{err}"
    );
    assert_eq!(raw(&path), before, "nothing in the file changed");
}
