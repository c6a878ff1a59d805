//! The outbox across real processes: `kioskctl submit --queue` and
//! `kioskctl outbox flush` killed with SIGKILL at random points and started
//! again, the training service going away mid-upload, the raw file searched
//! for personal data, and a wrong or missing key. Each test has its own
//! Secret Service (a private D-Bus session with gnome-keyring), data folder
//! and training service, reached over real HTTP.

use std::path::PathBuf;
use std::process::Output;
use std::time::{Duration, Instant};

use kiosk_tests::keyring::PrivateKeyring;
use kiosk_tests::{contains, sqlite_bytes};
use onboard_kiosk::training::TrainingService;
use onboard_kiosk::verification::models::ReviewStatus;
use onboard_kiosk::verification::Client;
use serde_json::Value;
use tokio::process::Command;

/// The start of every JPEG file the sample encoder writes (SOI, APP0, "JFIF").
const JPEG_START: &[u8] = b"\xff\xd8\xff\xe0\x00\x10JFIF";

struct Field {
    keyring: PrivateKeyring,
    root: PathBuf,
    service: TrainingService,
}

impl Field {
    async fn new(name: &str) -> Self {
        let root = std::env::temp_dir().join(format!("kiosk-outbox-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        Self {
            keyring: PrivateKeyring::start(name).expect("a private keyring"),
            root,
            service: kiosk_tests::training_service(0).await,
        }
    }

    fn data(&self) -> PathBuf {
        self.root.join("data")
    }

    fn outbox_file(&self) -> PathBuf {
        self.data().join("outbox.sqlite3")
    }

    fn kioskctl(&self, args: &[&str]) -> Command {
        let creds = self.service.credentials();
        let (bus_var, bus) = self.keyring.env();
        let mut c = Command::new(kiosk_tests::built_binary("KIOSKCTL_BIN", "kioskctl"));
        c.args(args)
            .env(bus_var, bus)
            .env("KIOSK_DATA_DIR", self.data())
            .env("KIOSK_LOG_DIR", self.root.join("logs"))
            .env("KIOSK_API_URL", &self.service.base_url)
            .env("KIOSK_APP_TOKEN", &creds.app_token)
            .env("KIOSK_SECRET_KEY", creds.secret_key.expose())
            .env("KIOSK_ENVIRONMENT", "sandbox")
            .kill_on_drop(true);
        c
    }

    /// The arguments that queue session `n` (an ID card, front and back, and a selfie).
    fn queue_args(&self, n: u32) -> Vec<String> {
        let files = kiosk_tests::samples::write_samples(&self.root.join(format!("s{n}")), n + 1);
        [
            "submit",
            "--queue",
            "--doc-type",
            "ID_CARD",
            "--country",
            "DEU",
            "--external-user-id",
            &external(n),
            "--email",
            &format!("queued.person.{n}@example.org"),
            "--first-name",
            "Henrike",
            "--last-name",
            &format!("Wolkenstein{n}"),
            "--front",
            &files.front.display().to_string(),
            "--back",
            &files.back.display().to_string(),
            "--selfie",
            &files.selfie.display().to_string(),
        ]
        .iter()
        .map(|s| s.to_string())
        .collect()
    }

    async fn run(&self, args: &[&str]) -> Output {
        self.kioskctl(args).output().await.expect("kioskctl runs")
    }

    async fn queue(&self, n: u32) {
        let args = self.queue_args(n);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = self.run(&args).await;
        assert!(out.status.success(), "queue {n}: {}", text(&out.stderr));
    }

    async fn status(&self) -> Value {
        let out = self.run(&["outbox", "status", "--json"]).await;
        assert!(out.status.success(), "status: {}", text(&out.stderr));
        serde_json::from_slice(&out.stdout).expect("status JSON")
    }

    fn client(&self) -> Client {
        Client::new(&self.service.base_url, self.service.credentials()).unwrap()
    }

    /// The service holds `total` applicants, one per session, each with its
    /// three images once, and the sessions `ids` among them have their check requested.
    async fn assert_delivered_once(&self, ids: std::ops::Range<u32>, total: usize) {
        let stats = self.service.stats();
        assert_eq!(
            stats.applicants, total,
            "one applicant per session: {stats:?}"
        );
        assert_eq!(stats.external_ids, total, "{stats:?}");
        assert_eq!(
            stats.images,
            3 * total,
            "no image missing or twice: {stats:?}"
        );
        assert_eq!(stats.active_images, stats.images, "{stats:?}");
        assert_eq!(stats.applicants_with_a_side_uploaded_twice, 0, "{stats:?}");
        let client = self.client();
        for i in ids {
            let a = client
                .applicant_by_external_id(&external(i))
                .await
                .unwrap_or_else(|e| panic!("session {i} missing: {e}"));
            let state = client.review_status(&a.id).await.unwrap();
            assert_ne!(
                state.review_status,
                Some(ReviewStatus::Init),
                "session {i}: check requested"
            );
        }
    }
}

impl Drop for Field {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.root);
    }
}

fn external(n: u32) -> String {
    format!("field-session-{n:03}")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

enum Ended {
    Killed,
    Exited(Output),
}

/// Runs the command and sends SIGKILL after `after`, unless it ended first.
async fn kill_after(mut command: Command, after: Duration) -> Ended {
    let mut child = command
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("kioskctl starts");
    tokio::select! {
        status = child.wait() => {
            let status = status.unwrap();
            let out = child.wait_with_output().await.unwrap();
            Ended::Exited(Output { status, ..out })
        }
        _ = tokio::time::sleep(after) => {
            child.start_kill().expect("SIGKILL");
            child.wait().await.unwrap();
            Ended::Killed
        }
    }
}

fn random_below(d: Duration) -> Duration {
    d.mul_f64(rand::random::<f64>())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_at_random_points_every_session_arrives_exactly_once() {
    // Kills wanted of each kind: queueing goes on with new sessions, and
    // sending with new runs, until that many came before the run's end (a
    // busy machine makes runs slower than the timed one, and fewer kills
    // land in time: the counts, not the runs, are what the test is about).
    const QUEUE_KILLS: u32 = 30;
    const MAX_SESSIONS: u32 = 120;
    const SEND_KILLS: u32 = 70;
    let field = Field::new("crash").await;

    // How long one undisturbed queueing and one sending take, to spread the
    // kills over (the first run also stores the new outbox key: not timed).
    field.queue(1000).await;
    let args = field.queue_args(1001);
    let started = Instant::now();
    let out = field
        .run(&args.iter().map(String::as_str).collect::<Vec<_>>())
        .await;
    let queue_time = started.elapsed();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let started = Instant::now();
    let out = field.run(&["outbox", "flush"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let send_time = started.elapsed() / 2;
    let baseline = field.service.stats();
    assert_eq!(baseline.applicants, 2, "{baseline:?}");

    // Queueing: each run killed at a random point, then run again to the end.
    let mut queue_kills = 0;
    let mut committed_before_kill = 0;
    let mut sessions = 0;
    while queue_kills < QUEUE_KILLS {
        assert!(
            sessions < MAX_SESSIONS,
            "{queue_kills} kills in {sessions} queueing runs"
        );
        let n = sessions;
        sessions += 1;
        let args = field.queue_args(n);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let at = random_below(queue_time.mul_f64(0.95));
        let killed = matches!(kill_after(field.kioskctl(&args), at).await, Ended::Killed);
        if killed {
            queue_kills += 1;
        }
        let again = field.run(&args).await;
        let stderr = text(&again.stderr);
        if !again.status.success() {
            assert!(
                stderr.contains("waiting in the outbox already"),
                "session {n}: {stderr}"
            );
            if killed {
                committed_before_kill += 1;
            }
        }
    }
    let status = field.status().await;
    assert_eq!(
        status["waiting"], sessions,
        "every queued session is whole in the outbox"
    );
    for e in status["entries"].as_array().unwrap() {
        assert_eq!(e["images"], 3, "{e}");
    }

    // Sending: runs killed at random points until the kills are done, then one to the end.
    let mut queued = sessions;
    let mut send_kills = 0;
    let mut runs_with_progress = 0;
    while send_kills < SEND_KILLS {
        let before = field.service.stats();
        let after = random_below(send_time * 3);
        match kill_after(field.kioskctl(&["outbox", "flush"]), after).await {
            Ended::Killed => send_kills += 1,
            Ended::Exited(out) => {
                assert!(out.status.success(), "flush: {}", text(&out.stderr));
                // All sent before the kill came: queue more to go on killing.
                for _ in 0..3 {
                    field.queue(queued).await;
                    queued += 1;
                }
            }
        }
        if field.service.stats().images > before.images {
            runs_with_progress += 1;
        }
    }
    let out = field.run(&["outbox", "flush"]).await;
    assert!(out.status.success(), "final flush: {}", text(&out.stderr));
    let status = field.status().await;
    assert_eq!(status["waiting"], 0, "{status}");
    assert!(status["entries"].as_array().unwrap().is_empty());

    // Exactly once: one applicant per session, three images each, no duplicates, every check requested.
    let sessions = queued as usize + 2;
    field.assert_delivered_once(0..queued, sessions).await;
    let stats = field.service.stats();

    // Nothing personal is left in the outbox file.
    let bytes = sqlite_bytes(&field.outbox_file());
    for needle in [
        &b"queued.person."[..],
        b"Wolkenstein",
        b"Henrike",
        JPEG_START,
    ] {
        assert!(
            !contains(&bytes, needle),
            "{:?} left in the outbox",
            text(needle)
        );
    }
    let report = serde_json::json!({
        "sessions": queued,
        "queue_runs_killed": queue_kills,
        "queue_kills_after_commit": committed_before_kill,
        "send_runs_killed": send_kills,
        "send_runs_with_progress": runs_with_progress,
        "applicants": stats.applicants - baseline.applicants,
        "images": stats.images - baseline.images,
        "duplicate_applicants": stats.applicants - stats.external_ids,
        "duplicate_images": stats.applicants_with_a_side_uploaded_twice,
        "queue_time_ms": queue_time.as_millis() as u64,
        "send_time_ms": send_time.as_millis() as u64,
    });
    println!("crash test: {report}");
    std::fs::write(
        kiosk_tests::artifacts_dir().join("metrics-outbox-crash.json"),
        serde_json::to_vec_pretty(&report).unwrap(),
    )
    .unwrap();
    // Some sending runs were killed with part of their work done: the
    // kills fell in the middle of uploads, not only before the first.
    assert!(runs_with_progress > 0, "{report}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_service_going_away_mid_upload_loses_nothing() {
    let mut field = Field::new("netloss").await;
    for n in 0..3 {
        field.queue(n).await;
    }
    let mut flush = field
        .kioskctl(&["outbox", "flush"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Gone after the first session's second image arrived: mid-session, mid-upload.
    let deadline = Instant::now() + Duration::from_secs(60);
    while field.service.stats().images < 2 {
        assert!(Instant::now() < deadline, "no upload started");
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    field.service.go_away();
    let gone_with = field.service.stats();
    let status = tokio::time::timeout(Duration::from_secs(120), flush.wait())
        .await
        .expect("flush gives up in bounded time")
        .unwrap();
    let out = flush.wait_with_output().await.unwrap();
    assert!(
        !status.success(),
        "the flush cannot finish without the service"
    );
    let stderr = text(&out.stderr);
    assert!(stderr.contains("still waiting"), "{stderr}");
    let waiting = field.status().await;
    assert_eq!(waiting["waiting"], 3, "{waiting}");
    assert!(
        waiting["last_error"].as_str().unwrap().contains("failed"),
        "{waiting}"
    );

    field.service.serve_again().await.unwrap();
    let out = field.run(&["outbox", "flush"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(field.status().await["waiting"], 0);
    field.assert_delivered_once(0..3, 3).await;
    println!(
        "service went away with {} image(s) stored; all {} arrived once after it came back",
        gone_with.images,
        field.service.stats().images
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_outbox_file_is_unreadable_without_its_key_and_a_wrong_key_loses_nothing() {
    let field = Field::new("plain").await;
    field.queue(0).await;
    field.queue(1).await;
    let bytes = sqlite_bytes(&field.outbox_file());
    let sample = kiosk_tests::samples::jpeg(1);
    assert!(
        contains(&sample, JPEG_START),
        "the search would find a plain JPEG"
    );
    for needle in [
        &b"queued.person.0@example.org"[..],
        b"Wolkenstein0",
        b"Henrike",
        JPEG_START,
        &sample[200..232],
    ] {
        assert!(
            !contains(&bytes, needle),
            "{:?} is readable in the outbox",
            text(needle)
        );
    }
    assert!(
        bytes.len() > 100_000,
        "the images are in it ({} bytes)",
        bytes.len()
    );

    // Another keychain: the key is missing.
    let other = PrivateKeyring::start("plain-other").unwrap();
    let (var, bus) = other.env();
    let out = field
        .kioskctl(&["outbox", "status"])
        .env(var, bus)
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("outbox key is missing") && stderr.contains("Nothing was deleted"),
        "{stderr}"
    );

    // That keychain gets a key of its own from another outbox: it is the wrong one here.
    let elsewhere = field.root.join("elsewhere");
    let out = field
        .kioskctl(&["outbox", "status"])
        .env(var, bus)
        .env("KIOSK_DATA_DIR", &elsewhere)
        .output()
        .await
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = field
        .kioskctl(&["outbox", "flush"])
        .env(var, bus)
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = text(&out.stderr);
    assert!(
        stderr.contains("does not open") && stderr.contains("Nothing was deleted"),
        "{stderr}"
    );
    assert_eq!(field.service.stats().applicants, 0, "nothing was sent");

    // The right key still sends both.
    assert_eq!(field.status().await["waiting"], 2);
    let out = field.run(&["outbox", "flush", "--json"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let drained: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        (drained["sent"].as_u64(), drained["remaining"].as_u64()),
        (Some(2), Some(0))
    );
    field.assert_delivered_once(0..2, 2).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fifty_queued_sessions_drain_and_the_time_is_recorded() {
    const SESSIONS: u32 = 50;
    let field = Field::new("fifty").await;
    for n in 0..SESSIONS {
        field.queue(n).await;
    }
    assert_eq!(field.status().await["waiting"], SESSIONS);
    let started = Instant::now();
    let out = field.run(&["outbox", "flush", "--json"]).await;
    let elapsed = started.elapsed();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let drained: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(drained["sent"], SESSIONS);
    field
        .assert_delivered_once(0..SESSIONS, SESSIONS as usize)
        .await;
    let report = serde_json::json!({
        "sessions": SESSIONS,
        "images": 3 * SESSIONS,
        "drain_ms": elapsed.as_millis() as u64,
        "per_session_ms": elapsed.as_millis() as f64 / SESSIONS as f64,
    });
    println!("drain: {report}");
    std::fs::write(
        kiosk_tests::artifacts_dir().join("metrics-outbox-drain.json"),
        serde_json::to_vec_pretty(&report).unwrap(),
    )
    .unwrap();
}

#[tokio::test]
async fn queued_sessions_go_only_to_the_account_they_were_queued_for() {
    let field = Field::new("bound").await;
    field.queue(700).await;
    field.queue(701).await;

    // Restarted in training: the outbox is not sent, not even opened for sending.
    let out = field
        .kioskctl(&["outbox", "flush"])
        .env("KIOSK_MODE", "training")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", text(&out.stderr));
    assert!(
        text(&out.stderr).contains("training mode"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(field.status().await["waiting"], 2);

    // Another account's credentials: refused, the mismatch named, nothing sent or deleted.
    let out = field
        .kioskctl(&["outbox", "flush", "--json"])
        .env("KIOSK_APP_TOKEN", "sbx:a-different-account")
        .env("KIOSK_SECRET_KEY", "its-own-secret")
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let drained: Value = serde_json::from_slice(&out.stdout).expect("flush JSON");
    assert_eq!(
        (drained["sent"].as_u64(), drained["remaining"].as_u64()),
        (Some(0), Some(2))
    );
    let error = drained["error"].as_str().unwrap_or_default().to_owned();
    assert!(error.contains("differs in the account"), "{error}");
    assert!(
        !error.contains("a-different-account"),
        "never a token: {error}"
    );
    // The same account at another service (a stand-in): refused too.
    let elsewhere = kiosk_tests::training_service(0).await;
    let out = field
        .kioskctl(&["outbox", "flush", "--json"])
        .env("KIOSK_API_URL", &elsewhere.base_url)
        .output()
        .await
        .unwrap();
    let drained: Value = serde_json::from_slice(&out.stdout).expect("flush JSON");
    let error = drained["error"].as_str().unwrap_or_default().to_owned();
    assert!(error.contains("differs in the service"), "{error}");
    assert_eq!(elsewhere.stats().applicants, 0);
    assert_eq!(field.service.stats().applicants, 0);
    let status = field.status().await;
    assert_eq!(status["waiting"], 2, "nothing deleted: {status}");

    // The account they were queued with: sent exactly once.
    let out = field.run(&["outbox", "flush"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    field.assert_delivered_once(700..702, 2).await;
    let again = field.run(&["outbox", "flush"]).await;
    assert!(again.status.success());
    assert_eq!(field.service.stats().applicants, 2, "not twice");
}

#[tokio::test]
async fn the_outbox_and_its_folder_are_owner_only_from_the_first_write() {
    use std::os::unix::fs::PermissionsExt;
    let field = Field::new("private").await;
    field.queue(710).await;
    let mode = |p: &std::path::Path| std::fs::metadata(p).map(|m| m.permissions().mode() & 0o777);
    assert_eq!(mode(&field.data()).unwrap(), 0o700, "the data folder");
    let db = field.outbox_file();
    assert_eq!(mode(&db).unwrap(), 0o600, "the database");
    // The WAL exists while a connection is open; SQLite gives it the database's permissions.
    let conn = rusqlite::Connection::open(&db).unwrap();
    conn.pragma_update(None, "journal_mode", "WAL").unwrap();
    conn.execute("CREATE TABLE IF NOT EXISTS probe (x)", [])
        .unwrap();
    let wal = db.with_extension("sqlite3-wal");
    assert_eq!(mode(&wal).unwrap(), 0o600, "the WAL");
    let out = field.run(&["outbox", "flush"]).await;
    assert!(out.status.success(), "{}", text(&out.stderr));
    let recent = field.data().join("recent-applicants.json");
    assert_eq!(mode(&recent).unwrap(), 0o600, "the recent-applicants list");
    let logs = field.root.join("logs");
    assert_eq!(mode(&logs).unwrap(), 0o700, "the log folder");
    for log in std::fs::read_dir(&logs).unwrap().flatten() {
        assert_eq!(
            mode(&log.path()).unwrap(),
            0o600,
            "{}",
            log.path().display()
        );
    }
}
