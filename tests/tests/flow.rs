//! The whole onboarding flow in the real app window (Xvfb), driven through its
//! web view like a person would, with the training service and the sample camera.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use fantoccini::Locator;
use kiosk_tests::{artifacts_dir, built_binary, driver::App};

struct Flow {
    app: App,
    shots: PathBuf,
    name: &'static str,
    n: usize,
    /// Each app gets a D-Bus session and keyring of its own, unless the test brings one.
    bus: Option<kiosk_tests::keyring::PrivateKeyring>,
    /// A display of the test's own, when its window must keep the keyboard focus.
    display: Option<kiosk_tests::display::PrivateDisplay>,
}

impl Flow {
    async fn launch(name: &'static str, env: &[(&str, &str)]) -> Result<Self> {
        Self::launch_with_output(name, env, None).await
    }

    /// As [`Flow::launch`], on an X display of its own: windows other tests
    /// open meanwhile cannot take the keyboard focus (and with it `:focus`
    /// styles) away from this one.
    async fn launch_alone(name: &'static str, env: &[(&str, &str)]) -> Result<Self> {
        let display = kiosk_tests::display::PrivateDisplay::start()?;
        let mut env = env.to_vec();
        env.push(display.env());
        let mut flow = Self::launch_with_output(name, &env, None).await?;
        flow.display = Some(display);
        Ok(flow)
    }

    async fn launch_with_output(
        name: &'static str,
        env: &[(&str, &str)],
        output: Option<&std::path::Path>,
    ) -> Result<Self> {
        Self::launch_to(name, env, output, "[data-screen=welcome]").await
    }

    /// As [`Flow::launch_with_output`], ready when `ready` (a CSS selector) shows.
    async fn launch_to(
        name: &'static str,
        env: &[(&str, &str)],
        output: Option<&std::path::Path>,
        ready: &str,
    ) -> Result<Self> {
        let binary = built_binary("KIOSK_APP_BIN", "onboard-kiosk");
        let bus = if env.iter().any(|(k, _)| *k == "DBUS_SESSION_BUS_ADDRESS") {
            None
        } else {
            Some(kiosk_tests::keyring::PrivateKeyring::start(name)?)
        };
        let mut env = env.to_vec();
        if let Some(bus) = &bus {
            env.push(bus.env());
        }
        let app = App::launch_with_output(&binary, &env, output).await?;
        app.wait_visible(ready, Duration::from_secs(30)).await?;
        let shots = artifacts_dir().join("flow");
        std::fs::create_dir_all(&shots)?;
        // Screenshots of an earlier run of this test would mix with this run's.
        // (`{name}-NN-…`: "admin" must not take "admin-live-…" along.)
        for entry in std::fs::read_dir(&shots)?.filter_map(|e| e.ok()) {
            let file = entry.file_name().to_string_lossy().into_owned();
            let ours = file.strip_prefix(name).and_then(|r| r.strip_prefix('-'));
            if ours.is_some_and(|r| {
                r.len() > 3 && r[..2].bytes().all(|b| b.is_ascii_digit()) && &r[2..3] == "-"
            }) {
                std::fs::remove_file(entry.path())?;
            }
        }
        Ok(Self {
            app,
            shots,
            name,
            n: 0,
            bus,
            display: None,
        })
    }

    async fn shot(&mut self, what: &str) -> Result<()> {
        self.n += 1;
        let path = self
            .shots
            .join(format!("{}-{:02}-{what}.png", self.name, self.n));
        self.app.screenshot(&path).await
    }

    async fn click(&self, css: &str) -> Result<()> {
        self.app
            .wait_visible(css, Duration::from_secs(20))
            .await?
            .click()
            .await?;
        Ok(())
    }

    async fn wait(&self, css: &str, secs: u64) -> Result<()> {
        self.app
            .wait_visible(css, Duration::from_secs(secs))
            .await?;
        Ok(())
    }

    async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        self.app
            .wait_visible(css, Duration::from_secs(10))
            .await?
            .send_keys(text)
            .await?;
        Ok(())
    }

    async fn choose_training_outcome(&self, outcome: &str) -> Result<()> {
        self.click(&format!(
            "[data-testid=training-outcome] option[value={outcome}]"
        ))
        .await
    }

    async fn body_text(&self) -> Result<String> {
        Ok(self
            .app
            .client
            .find(Locator::Css("body"))
            .await?
            .text()
            .await?)
    }

    async fn invoke_with(
        &self,
        command: &str,
        args: serde_json::Value,
    ) -> Result<serde_json::Value> {
        Ok(self
            .app
            .client
            .execute_async(
                "const [cmd, args, done] = arguments; window.__TAURI_INTERNALS__.invoke(cmd, args).then(done, (e) => done({ error: e }));",
                vec![command.into(), args],
            )
            .await?)
    }

    async fn invoke(&self, command: &str) -> Result<serde_json::Value> {
        Ok(self
            .app
            .client
            .execute_async(
                "const [cmd, done] = arguments; window.__TAURI_INTERNALS__.invoke(cmd).then(done, (e) => done({ error: e }));",
                vec![command.into()],
            )
            .await?)
    }

    /// Start → details (attendant) → document → every capture → send.
    async fn run_to_submission(&mut self, document: &str, details: bool) -> Result<()> {
        self.click("[data-testid=start]").await?;
        if details {
            self.wait("[data-screen=details]", 10).await?;
            self.type_into("input[name=email]", "anna.weber@example.com")
                .await?;
            self.shot("details").await?;
            self.click("[data-testid=details-continue]").await?;
        }
        self.wait("[data-screen=document]", 20).await?;
        self.click(&format!("[data-document={document}]")).await?;
        self.type_into("[data-testid=country-search]", "germ")
            .await?;
        self.click("[data-country=DEU]").await?;
        self.shot("document").await?;
        self.click("[data-testid=document-continue]").await?;
        self.capture_all().await?;
        self.wait("[data-screen=submit]", 10).await?;
        self.shot("ready-to-send").await?;
        self.click("[data-testid=send]").await?;
        Ok(())
    }

    /// Lets auto-capture take each picture and keeps it.
    async fn capture_all(&mut self) -> Result<usize> {
        let mut taken = 0;
        loop {
            let deadline = Instant::now() + Duration::from_secs(30);
            let slot = loop {
                if let Ok(el) = self
                    .app
                    .client
                    .find(Locator::Css("[data-screen=capture]"))
                    .await
                {
                    if let Some(slot) = el.attr("data-slot").await? {
                        break Some(slot);
                    }
                }
                if self
                    .app
                    .client
                    .find(Locator::Css("[data-screen=submit]"))
                    .await
                    .is_ok()
                {
                    break None;
                }
                if Instant::now() > deadline {
                    bail!("neither a capture nor the submission screen appeared");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            };
            let Some(slot) = slot else { return Ok(taken) };
            self.wait("[data-testid=feedback]", 20).await?;
            if slot == "selfie" {
                // The selfie step shows how to hold the document.
                self.wait("[data-testid=selfie-hint]", 5).await?;
            }
            if taken == 0 || slot == "selfie" {
                tokio::time::sleep(Duration::from_millis(300)).await;
                self.shot(&format!("live-{slot}")).await?;
            }
            if let Err(e) = self.wait("[data-testid=use-photo]", 30).await {
                let _ = self.shot(&format!("stuck-{slot}")).await;
                let stats = self.invoke("camera_stats").await.unwrap_or_default();
                let feedback = self
                    .app
                    .text("[data-testid=feedback]")
                    .await
                    .unwrap_or_default();
                bail!("{e} on the {slot} step; camera: {stats}; feedback: {feedback}");
            }
            self.shot(&format!("still-{slot}")).await?;
            self.click("[data-testid=use-photo]").await?;
            taken += 1;
            // The next screen replaces this one.
            let deadline = Instant::now() + Duration::from_secs(10);
            while self
                .app
                .client
                .find(Locator::Css(&format!(
                    "[data-screen=capture][data-slot={slot}]"
                )))
                .await
                .is_ok()
            {
                if Instant::now() > deadline {
                    bail!("the {slot} capture screen did not close");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }

    async fn close(self) -> Result<()> {
        self.app.close().await
    }

    /// Whether nothing matches `css` on the screen now.
    async fn absent(&self, css: &str) -> bool {
        self.app.client.find(Locator::Css(css)).await.is_err()
    }

    /// The app's own process (below tauri-driver and WebKitWebDriver).
    fn app_pid(&self) -> Result<u32> {
        let driver = self.app.driver_pid().context("no driver")?;
        kiosk_tests::proc::app_below(driver, &self.app.binary).context("the app process")
    }

    /// TCP ports the app itself listens on, other than the one WebDriver
    /// drives it through (WebKit's inspector server, named in its environment).
    fn listening_ports(&self) -> Result<Vec<u16>> {
        let pid = self.app_pid()?;
        let environ = std::fs::read(format!("/proc/{pid}/environ"))?;
        let inspector: Vec<u16> = environ
            .split(|b| *b == 0)
            .filter_map(|v| std::str::from_utf8(v).ok())
            .filter_map(|v| v.strip_prefix("WEBKIT_INSPECTOR_SERVER="))
            .filter_map(|v| v.rsplit(':').next()?.parse().ok())
            .collect();
        Ok(kiosk_tests::proc::listening_ports(pid)
            .into_iter()
            .filter(|p| !inspector.contains(p))
            .collect())
    }
}

#[tokio::test]
async fn an_id_card_is_approved_from_welcome_to_result() -> Result<()> {
    let mut f = Flow::launch("green-id-card", &[("KIOSK_PROFILE", "attendant")]).await?;
    f.shot("welcome").await?;
    let started = Instant::now();
    f.run_to_submission("id_card", true).await?;
    f.wait("[data-screen=waiting]", 10).await?;
    f.shot("waiting").await?;
    f.wait("[data-screen=result][data-outcome=approved]", 60)
        .await?;
    let elapsed = started.elapsed();
    f.wait("[data-testid=verified]", 5).await?;
    f.shot("approved").await?;
    let verified = f.app.text("[data-testid=verified]").await?;
    assert!(verified.contains("Document number"), "{verified}");
    // A training result says so, in every language; the stand-in listens on loopback.
    for (language, marker) in [
        ("en", "TRAINING — NOT A REAL VERIFICATION"),
        ("de", "ÜBUNG — KEINE ECHTE PRÜFUNG"),
        ("es", "FORMACIÓN — NO ES UNA VERIFICACIÓN REAL"),
    ] {
        f.click(&format!("[data-language={language}]")).await?;
        f.app
            .wait_visible("[data-testid=training-marker]", Duration::from_secs(5))
            .await?;
        let shown = f.app.text("[data-testid=training-marker]").await?;
        assert_eq!(shown.to_uppercase(), marker, "{language}");
        f.shot(&format!("training-result-{language}")).await?;
    }
    let sentence = f.app.text("[data-testid=training-camera-sentence]").await?;
    assert!(
        sentence.contains("cámara son simuladas"),
        "the sample camera is named: {sentence}"
    );
    assert!(
        !f.listening_ports()?.is_empty(),
        "the training service listens in the app's process"
    );
    f.click("[data-language=en]").await?;
    f.click("[data-testid=done]").await?;
    f.wait("[data-screen=welcome]", 10).await?;
    println!(
        "metric: GREEN ID card, welcome to result: {:.1} s",
        elapsed.as_secs_f64()
    );
    std::fs::write(
        artifacts_dir().join("metrics-flow.json"),
        serde_json::to_vec_pretty(
            &serde_json::json!({ "green_id_card_seconds": elapsed.as_secs_f64() }),
        )?,
    )?;
    f.close().await
}

#[tokio::test]
async fn a_flood_at_the_webhook_port_leaves_the_kiosk_working_and_deliveries_arriving() -> Result<()>
{
    use onboard_kiosk::training::DigestAlg;
    use onboard_kiosk::verification::digest::digest;
    use tokio::io::AsyncWriteExt;
    const SECRET: &str = "webhook-secret-for-the-flood";
    let port = std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port();
    let listen = format!("127.0.0.1:{port}");
    let mut f = Flow::launch(
        "webhook-flood",
        &[
            ("KIOSK_PROFILE", "attendant"),
            ("KIOSK_WEBHOOK_LISTEN", &listen),
            ("KIOSK_WEBHOOK_SECRET", SECRET),
        ],
    )
    .await?;
    let pid = f.app_pid()?;
    let descriptors = move || std::fs::read_dir(format!("/proc/{pid}/fd")).map_or(0, |d| d.count());
    let before = descriptors();
    let addr: std::net::SocketAddr = listen.parse()?;
    // 2,000 connections that never say anything, from one address.
    let mut idle = Vec::new();
    for _ in 0..2000 {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind("127.0.0.2:0".parse()?)?;
        if let Ok(Ok(s)) = tokio::time::timeout(Duration::from_secs(5), socket.connect(addr)).await
        {
            idle.push(s);
        }
    }
    assert!(idle.len() > 1500, "the flood connected: {}", idle.len());
    // And a body that comes a byte at a time, from another.
    let slow = tokio::spawn(async move {
        let socket = tokio::net::TcpSocket::new_v4()?;
        socket.bind("127.0.0.3:0".parse()?)?;
        let mut s = socket.connect(addr).await?;
        s.write_all(b"POST /webhook HTTP/1.1\r\nHost: kiosk\r\nX-Payload-Digest-Alg: HMAC_SHA256_HEX\r\nX-Payload-Digest: 00\r\nContent-Length: 100000\r\n\r\n").await?;
        let started = Instant::now();
        while s.write_all(b" ").await.is_ok() {
            if started.elapsed() > Duration::from_secs(120) {
                bail!("a slow body was held for two minutes");
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Ok::<f64, anyhow::Error>(started.elapsed().as_secs_f64())
    });
    let peak = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(descriptors()));
    let watching = {
        let peak = peak.clone();
        tokio::spawn(async move {
            loop {
                peak.fetch_max(descriptors(), std::sync::atomic::Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    // The kiosk takes a whole submission to approval meanwhile.
    f.run_to_submission("id_card", true).await?;
    f.wait("[data-screen=result][data-outcome=approved]", 60)
        .await?;
    // A signed delivery from the service's address still gets through.
    let body = serde_json::to_vec(&serde_json::json!({
        "type": "applicantReviewed",
        "applicantId": "flood-test",
        "reviewStatus": "completed",
        "reviewResult": { "reviewAnswer": "GREEN" },
        "createdAtMs": "2026-11-29 10:00:00.000",
    }))?;
    let signed = digest(DigestAlg::Sha256, SECRET.as_bytes(), &body);
    let status = reqwest::Client::new()
        .post(format!("http://{listen}/webhook"))
        .header("X-Payload-Digest-Alg", DigestAlg::Sha256.header_name())
        .header("X-Payload-Digest", signed)
        .header("Content-Type", "application/json")
        .body(body)
        .timeout(Duration::from_secs(10))
        .send()
        .await?
        .status();
    assert_eq!(
        status.as_u16(),
        200,
        "a signed delivery arrives during the flood"
    );
    let slow_cut_after = slow.await??;
    watching.abort();
    let peak = peak.load(std::sync::atomic::Ordering::Relaxed);
    println!(
        "metric: webhook flood of {} idle connections: app descriptors {before} before, {peak} at most; a slow body cut off after {slow_cut_after:.1} s",
        idle.len()
    );
    assert!(
        peak < before + 200,
        "the app's descriptors stay bounded: {before} before, {peak} during the flood"
    );
    drop(idle);
    f.close().await
}

/// A JPEG of about `target` bytes: a detailed 8000×6000 picture (48 MP).
fn large_jpeg(target: usize) -> Result<Vec<u8>> {
    use rand::{Rng, SeedableRng};
    let (w, h) = (8000u32, 6000u32);
    let mut noise = 40u8;
    for _ in 0..6 {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            let base = ((x / 16 + y / 16) % 200) as u8;
            let n: u8 = rng.random_range(0..=noise);
            image::Rgb([base.wrapping_add(n), base / 2 + n / 2, 255 - base])
        });
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 92).encode_image(&img)?;
        if jpeg.len() > target {
            return Ok(jpeg);
        }
        noise = noise.saturating_mul(2).max(noise.saturating_add(40));
    }
    bail!("no JPEG of {target} bytes could be made")
}

/// Peak resident memory of `pid` so far, in MiB (`VmHWM`).
fn peak_rss_mib(pid: u32) -> Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("VmHWM")?;
    Ok(kib / 1024.0)
}

#[tokio::test]
async fn a_huge_or_hostile_photo_file_is_handled_within_bounded_memory() -> Result<()> {
    // A folder of this test's own: the window tests run side by side.
    let dir = std::env::temp_dir().join(format!("kiosk-import-large-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    // A small PNG that declares 16000×16000 pixels (768 MB once decoded).
    let bomb = dir.join("bomb.png");
    let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
    png.extend_from_slice(&16_000u32.to_be_bytes());
    png.extend_from_slice(&16_000u32.to_be_bytes());
    png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
    png.extend_from_slice(&(1024u32 * 1024).to_be_bytes());
    png.extend_from_slice(b"IDAT");
    png.resize(png.len() + 1024 * 1024, 0);
    std::fs::write(&bomb, &png)?;
    let big = dir.join("big.jpg");
    let jpeg = large_jpeg(22 * 1024 * 1024)?;
    let jpeg_mib = jpeg.len() as f64 / (1024.0 * 1024.0);
    std::fs::write(&big, &jpeg)?;
    drop(jpeg);

    let mut f = Flow::launch("import", &[("KIOSK_PROFILE", "attendant")]).await?;
    let pid = f.app_pid()?;
    // A blurry sample camera: nothing is taken by itself meanwhile.
    f.click("[data-testid=training-camera] option[value=blurry]")
        .await?;
    f.click("[data-testid=start]").await?;
    f.wait("[data-screen=details]", 10).await?;
    f.click("[data-testid=details-continue]").await?;
    f.wait("[data-screen=document]", 20).await?;
    f.click("[data-document=id_card]").await?;
    f.type_into("[data-testid=country-search]", "germ").await?;
    f.click("[data-country=DEU]").await?;
    f.click("[data-testid=document-continue]").await?;
    f.wait("[data-screen=capture][data-slot=front]", 20).await?;
    f.wait("[data-testid=feedback]", 20).await?;
    let before = peak_rss_mib(pid)?;

    let input = f
        .app
        .client
        .find(Locator::Css("[data-testid=import-file]"))
        .await?;
    let sent = Instant::now();
    input.send_keys(&bomb.display().to_string()).await?;
    if let Err(e) = f.wait("[data-testid=capture-error]", 10).await {
        f.shot("bomb-not-refused").await?;
        bail!("{e}: {}", f.body_text().await?);
    }
    let refused_after = sent.elapsed();
    let said = f.app.text("[data-testid=capture-error]").await?;
    assert!(
        said.contains("16000×16000") && said.contains("50 megapixels"),
        "a clear message: {said}"
    );
    f.shot("bomb-refused").await?;

    let input = f
        .app
        .client
        .find(Locator::Css("[data-testid=import-file]"))
        .await?;
    input.send_keys(&big.display().to_string()).await?;
    f.wait("[data-testid=still]", 60).await?;
    f.shot("large-imported").await?;
    let peak = peak_rss_mib(pid)?;
    println!(
        "metric: import: a 16000×16000 PNG refused after {:.2} s; a {jpeg_mib:.1} MiB 48 MP JPEG imported; app peak RSS {before:.0} MiB before, {peak:.0} MiB after",
        refused_after.as_secs_f64()
    );
    assert!(
        peak < 400.0,
        "the app's peak RSS stays below 400 MB: {peak:.0} MiB"
    );
    let _ = std::fs::remove_dir_all(&dir);
    f.close().await
}

#[tokio::test]
async fn a_passport_is_one_picture_and_self_service_sees_no_staff_data() -> Result<()> {
    let mut f = Flow::launch("green-passport", &[("KIOSK_PROFILE", "self-service")]).await?;
    f.run_to_submission("passport", false).await?;
    f.wait("[data-screen=result][data-outcome=approved]", 60)
        .await?;
    f.shot("approved").await?;
    assert!(f
        .app
        .client
        .find(Locator::Css("[data-testid=verified]"))
        .await
        .is_err());
    let files: Vec<_> = std::fs::read_dir(&f.shots)?
        .filter_map(|e| e.ok())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("green-passport") && n.contains("still-"))
        .collect();
    assert_eq!(files.len(), 2, "photo page and selfie: {files:?}");
    f.close().await
}

#[tokio::test]
async fn a_rejected_back_side_is_retaken_alone_then_approved() -> Result<()> {
    let mut f = Flow::launch("retry-back", &[("KIOSK_PROFILE", "attendant")]).await?;
    f.choose_training_outcome("retry-back").await?;
    f.run_to_submission("id_card", true).await?;
    f.wait("[data-screen=result][data-outcome=retry]", 60)
        .await?;
    f.shot("retry").await?;
    let items = f
        .app
        .client
        .find_all(Locator::Css("[data-testid=retry-items] li"))
        .await?;
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].attr("data-slot").await?.as_deref(), Some("back"));
    f.click("[data-testid=retake-rejected]").await?;
    f.wait("[data-screen=capture][data-slot=back]", 10).await?;
    let retaken = f.capture_all().await?;
    assert_eq!(retaken, 1, "only the back is taken again");
    f.wait("[data-screen=submit]", 10).await?;
    let to_send = f
        .app
        .client
        .find_all(Locator::Css("[data-screen=submit] .image"))
        .await?;
    assert_eq!(to_send.len(), 1, "only the back is sent again");
    f.click("[data-testid=send]").await?;
    f.wait("[data-screen=result][data-outcome=approved]", 60)
        .await?;
    f.shot("approved").await?;
    f.close().await
}

#[tokio::test]
async fn a_final_rejection_sends_the_person_to_support() -> Result<()> {
    let mut f = Flow::launch("final", &[("KIOSK_PROFILE", "attendant")]).await?;
    f.choose_training_outcome("final").await?;
    f.run_to_submission("passport", true).await?;
    f.wait("[data-screen=result][data-outcome=final]", 60)
        .await?;
    f.shot("final").await?;
    assert!(f
        .app
        .text("#result-title")
        .await?
        .contains("cannot continue"));
    assert!(f
        .app
        .client
        .find(Locator::Css("[data-testid=retake-rejected]"))
        .await
        .is_err());
    f.click("[data-testid=done]").await?;
    f.wait("[data-screen=welcome]", 10).await?;
    f.close().await
}

#[tokio::test]
async fn idle_timeout_wipes_the_session() -> Result<()> {
    let mut f = Flow::launch(
        "idle",
        &[
            ("KIOSK_PROFILE", "attendant"),
            ("KIOSK_IDLE_TIMEOUT_SECS", "10"),
        ],
    )
    .await?;
    f.click("[data-testid=start]").await?;
    f.type_into("input[name=email]", "idle.person@example.com")
        .await?;
    f.click("[data-testid=details-continue]").await?;
    f.wait("[data-screen=document]", 20).await?;
    assert!(
        f.invoke("current_session").await?.is_object(),
        "a session is open"
    );
    f.wait("[data-testid=idle-warning]", 20).await?;
    f.shot("warning").await?;
    let warning = f.app.text("[data-testid=idle-warning]").await?;
    assert!(warning.contains("seconds"), "{warning}");
    f.wait("[data-screen=welcome]", 30).await?;
    f.shot("wiped").await?;
    let html: String = f
        .app
        .client
        .execute("return document.documentElement.outerHTML;", vec![])
        .await?
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert!(
        !html.contains("idle.person"),
        "entered data left in the DOM"
    );
    assert!(
        f.invoke("current_session").await?.is_null(),
        "the session was wiped"
    );
    f.close().await
}

#[tokio::test]
async fn the_language_switch_changes_the_whole_screen() -> Result<()> {
    let mut f = Flow::launch("language", &[("KIOSK_PROFILE", "attendant")]).await?;
    f.click("[data-testid=start]").await?;
    f.wait("[data-screen=details]", 10).await?;
    let english = f.body_text().await?;
    f.click("[data-language=es]").await?;
    let deadline = Instant::now() + Duration::from_secs(5);
    while !f.app.text("h1").await?.contains("Datos de la persona") {
        assert!(Instant::now() < deadline, "the title did not switch");
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    f.shot("details-es").await?;
    let spanish = f.body_text().await?;
    for line in english.lines().map(str::trim).filter(|l| l.len() > 3) {
        // Proper names and the product name stay; every other line changes.
        if ["Onboard Kiosk", "English", "Deutsch", "Español"].contains(&line) {
            continue;
        }
        assert!(
            !spanish.lines().any(|s| s.trim() == line),
            "still in English: {line:?}"
        );
    }
    f.close().await
}

#[tokio::test]
async fn a_missing_camera_says_so_and_offers_a_way_on() -> Result<()> {
    let mut f = Flow::launch(
        "no-camera",
        &[("KIOSK_PROFILE", "attendant"), ("KIOSK_CAMERA", "webcam")],
    )
    .await?;
    f.click("[data-testid=start]").await?;
    f.click("[data-testid=details-continue]").await?;
    f.wait("[data-screen=document]", 20).await?;
    f.click("[data-document=id_card]").await?;
    f.type_into("[data-testid=country-search]", "spain").await?;
    f.click("[data-country=ESP]").await?;
    f.click("[data-testid=document-continue]").await?;
    f.wait("[data-testid=camera-problem][data-problem=none]", 20)
        .await?;
    f.shot("no-camera").await?;
    assert!(f
        .app
        .text("[data-testid=camera-problem]")
        .await?
        .contains("No camera found"));
    f.click("[data-testid=camera-retry]").await?;
    f.wait("[data-testid=camera-problem]", 10).await?;

    // Staff import the picture from a file instead; a file that is not a photo is refused plainly.
    let dir = std::env::temp_dir().join(format!("kiosk-import-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let not_a_photo = dir.join("notes.png");
    std::fs::write(&not_a_photo, b"this is not a picture")?;
    let front = dir.join("front.jpg");
    let scene = onboard_kiosk::capture::Scene::new(
        onboard_kiosk::capture::Subject::DocumentFront,
        1920,
        1080,
    );
    let rgb = image::RgbImage::from_raw(1920, 1080, scene.render(0)).expect("frame size");
    let mut jpeg = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 92).encode_image(&rgb)?;
    std::fs::write(&front, jpeg)?;
    let input = f
        .app
        .client
        .find(Locator::Css("[data-testid=import-file]"))
        .await?;
    input.send_keys(&not_a_photo.display().to_string()).await?;
    f.wait("[data-testid=camera-problem] .alert", 10).await?;
    let refused = f.app.text("[data-testid=camera-problem] .alert").await?;
    assert!(refused.contains("cannot be used"), "{refused}");
    let input = f
        .app
        .client
        .find(Locator::Css("[data-testid=import-file]"))
        .await?;
    input.send_keys(&front.display().to_string()).await?;
    f.wait("[data-testid=still-ok]", 20).await?;
    f.shot("imported").await?;
    f.click("[data-testid=use-photo]").await?;
    f.wait(
        "[data-screen=capture][data-slot=back] [data-testid=camera-problem]",
        20,
    )
    .await?;
    f.close().await
}

#[tokio::test]
async fn the_preview_runs_smoothly_while_the_checks_run() -> Result<()> {
    let mut f = Flow::launch(
        "preview",
        &[
            ("KIOSK_PROFILE", "attendant"),
            ("KIOSK_CAMERA_RESOLUTION", "1280x720"),
        ],
    )
    .await?;
    // A shaky hand keeps the camera running: nothing is auto-captured.
    f.click("[data-testid=training-camera] option[value=shaky]")
        .await?;
    f.click("[data-testid=start]").await?;
    f.click("[data-testid=details-continue]").await?;
    f.wait("[data-screen=document]", 20).await?;
    f.type_into("[data-testid=country-search]", "germ").await?;
    f.click("[data-country=DEU]").await?;
    f.click("[data-testid=document-continue]").await?;
    f.wait("[data-testid=preview]", 20).await?;
    // Past the start, count the frames drawn and the checks made over five
    // seconds: a steady rate, not the start-up.
    tokio::time::sleep(Duration::from_secs(2)).await;
    let (drawn0, at0) = f.frames_drawn().await?;
    let stats0 = f.invoke("camera_stats").await?;
    tokio::time::sleep(Duration::from_secs(5)).await;
    let (drawn1, at1) = f.frames_drawn().await?;
    let stats = f.invoke("camera_stats").await?;
    let fps = (drawn1 - drawn0) / ((at1 - at0) / 1000.0);
    let count = |s: &serde_json::Value, key: &str| {
        s[key].as_f64().unwrap_or(0.0) * s["seconds"].as_f64().unwrap_or(0.0)
    };
    let span = stats["seconds"].as_f64().unwrap_or(0.0) - stats0["seconds"].as_f64().unwrap_or(0.0);
    let rate = |key: &str| (count(&stats, key) - count(&stats0, key)) / span;
    let (camera_fps, checks) = (rate("camera_fps"), rate("checks_per_second"));
    f.shot("shaky").await?;
    let feedback = f.app.text("[data-testid=feedback]").await?;
    assert!(feedback.contains("Hold still"), "{feedback}");
    println!(
        "metric: preview {fps:.1} fps drawn in the window, checks {checks:.1} per second, camera {camera_fps:.1} fps"
    );
    std::fs::write(
        artifacts_dir().join("metrics-preview.json"),
        serde_json::to_vec_pretty(&serde_json::json!({
            "preview_fps": fps,
            "camera_fps": camera_fps,
            "checks_per_second": checks,
            "seconds": span,
            "stats": stats,
        }))?,
    )?;
    assert!(
        fps > 0.0 && checks > 0.0,
        "frames reach the window and are checked"
    );
    f.close().await
}

#[tokio::test]
async fn staff_see_a_later_rejection_in_recent_applicants() -> Result<()> {
    let mut f = Flow::launch("recent", &[("KIOSK_PROFILE", "attendant")]).await?;
    f.choose_training_outcome("green-then-red").await?;
    f.run_to_submission("passport", true).await?;
    f.wait("[data-screen=result][data-outcome=approved]", 60)
        .await?;
    f.click("[data-testid=done]").await?;
    f.click("[data-testid=open-recent]").await?;
    f.wait("[data-screen=recent] tbody tr", 10).await?;
    f.shot("approved").await?;
    // The training service rejects this applicant 20 s after approving it.
    f.wait("tr[data-turned-red=true]", 60).await?;
    f.wait("[data-testid=recent-alert]", 5).await?;
    f.shot("turned-red").await?;
    let text = f.body_text().await?;
    assert!(
        !text.contains("anna.weber"),
        "no personal data in the staff list"
    );
    f.close().await
}

/// Records everything the backend delivers into the web view (command
/// answers and events alike arrive through the IPC callback table), as JSON.
const RECORD_IPC: &str = r#"
const callbacks = window.__TAURI_INTERNALS__.callbacks;
if (!window.__ipcLog) {
  window.__ipcLog = [];
  const record = (d) => { try { window.__ipcLog.push(JSON.stringify(d) ?? "null"); } catch (e) { window.__ipcLog.push(String(d)); } };
  const get = Map.prototype.get;
  callbacks.get = function (id) {
    const callback = get.call(this, id);
    return callback && ((data) => { record(data); return callback(data); });
  };
}
return callbacks.get !== Map.prototype.get;
"#;

impl Flow {
    /// Frames the preview has drawn so far, and the page's clock then (ms).
    async fn frames_drawn(&self) -> Result<(f64, f64)> {
        let v = self
            .app
            .client
            .execute(
                "return [Number(document.querySelector('[data-testid=preview]').dataset.drawn), performance.now()];",
                vec![],
            )
            .await?;
        Ok((v[0].as_f64().unwrap_or(0.0), v[1].as_f64().unwrap_or(0.0)))
    }

    async fn record_ipc(&self) -> Result<()> {
        let installed = self.app.client.execute(RECORD_IPC, vec![]).await?;
        anyhow::ensure!(
            installed == serde_json::json!(true),
            "IPC recorder not installed"
        );
        Ok(())
    }

    async fn ipc_log(&self) -> Result<Vec<String>> {
        let log = self
            .app
            .client
            .execute("return window.__ipcLog || [];", vec![])
            .await?;
        Ok(serde_json::from_value(log)?)
    }
}

#[tokio::test]
async fn credentials_set_in_the_admin_area_go_live_and_the_secret_never_comes_out() -> Result<()> {
    use kiosk_tests::keyring::PrivateKeyring;

    let svc = quick_training_service().await?;
    let creds = svc.credentials();
    let secret = creds.secret_key.expose().clone();
    let keyring = PrivateKeyring::start("admin-e2e")?;
    let root = std::env::temp_dir().join(format!("kiosk-admin-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (data, logs) = (root.join("data"), root.join("logs"));
    std::fs::create_dir_all(&data)?;
    std::fs::create_dir_all(&logs)?;
    let output = root.join("app-output.txt");
    let (bus_key, bus) = keyring.env();
    let (data_s, logs_s) = (data.display().to_string(), logs.display().to_string());
    let common = [
        (bus_key, bus),
        ("KIOSK_API_URL", svc.base_url.as_str()),
        ("KIOSK_CAMERA", "sample"),
        ("KIOSK_DATA_DIR", data_s.as_str()),
        ("KIOSK_LOG_DIR", logs_s.as_str()),
        ("RUST_LOG", "debug"),
    ];

    // 1. A self-service kiosk without credentials trains; staff store them in the admin area.
    let mut env = common.to_vec();
    env.push(("KIOSK_PROFILE", "self_service"));
    let mut f = Flow::launch_with_output("admin", &env, Some(&output)).await?;
    f.record_ipc().await?;
    f.wait("[data-testid=training-banner]", 10).await?;
    assert!(
        f.app
            .client
            .find(Locator::Css("[data-testid=training-outcome]"))
            .await
            .is_err(),
        "no outcome picker at a self-service kiosk"
    );
    // Without a PIN, a self-service kiosk's admin area opens to nobody, and
    // every staff-only command is refused through the real IPC.
    f.click("[data-testid=open-admin]").await?;
    f.wait("[data-screen=admin]", 10).await?;
    f.wait("[data-testid=admin-pin-not-set-up]", 10).await?;
    assert!(f.absent("input[name=app-token]").await);
    f.shot("no-pin-yet").await?;
    let no_details = serde_json::json!({ "details": { "email": null, "phone": null,
        "first_name": null, "last_name": null, "date_of_birth": null } });
    let staff_only: Vec<(&str, serde_json::Value)> = vec![
        ("recent_applicants", serde_json::json!({})),
        ("outbox_status", serde_json::json!({})),
        ("send_outbox", serde_json::json!({})),
        ("correct_details", no_details),
        (
            "set_training_outcome",
            serde_json::json!({ "outcome": "green" }),
        ),
        ("admin_status", serde_json::json!({})),
        (
            "admin_set_credentials",
            serde_json::json!({ "appToken": "sbx:x", "secretKey": "y" }),
        ),
        (
            "admin_set_webhook_secret",
            serde_json::json!({ "secret": "y" }),
        ),
        ("admin_clear_credentials", serde_json::json!({})),
        (
            "admin_set_pin",
            serde_json::json!({ "current": null, "pin": "111111" }),
        ),
        (
            "admin_save_settings",
            serde_json::json!({ "profile": "attendant", "levelName": "x" }),
        ),
        ("admin_set_mode", serde_json::json!({ "mode": "live" })),
        ("admin_verify_connection", serde_json::json!({})),
        ("restart_kiosk", serde_json::json!({})),
        ("quit_kiosk", serde_json::json!({})),
    ];
    for (command, args) in &staff_only {
        let refused = f.invoke_with(command, args.clone()).await?;
        assert_eq!(
            refused["error"]["code"], "forbidden",
            "{command}: {refused}"
        );
    }
    // The photo import takes raw bytes; it is refused the same way.
    let refused = f
        .app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             window.__TAURI_INTERNALS__.invoke('import_photo', new Uint8Array([255, 216, 255]), { headers: { slot: 'front' } }) \
               .then(v => done({ ok: v }), e => done({ error: e }));",
            vec![],
        )
        .await?;
    assert_eq!(
        refused["error"]["code"], "forbidden",
        "import_photo: {refused}"
    );
    f.click("[data-testid=admin-close]").await?;
    // Staff set the PIN on the computer itself.
    let mut at_computer = common.to_vec();
    at_computer.push(("KIOSK_PROFILE", "self_service"));
    let set = kioskctl(&at_computer, &["admin", "set-pin"], "135790\n")?;
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    f.click("[data-testid=open-admin]").await?;
    f.wait("[data-testid=admin-pin-form]", 10).await?;
    f.type_into("input[name=admin-pin]", "135790").await?;
    f.click("[data-testid=admin-unlock]").await?;
    f.wait("input[name=app-token]", 10).await?;
    f.type_into("input[name=app-token]", &creds.app_token)
        .await?;
    f.type_into("input[name=secret-key]", &secret).await?;
    f.click("[data-testid=admin-save-credentials]").await?;
    f.wait("[data-testid=admin-saved]", 10).await?;
    let token = f.app.text("[data-testid=admin-token]").await?;
    assert!(
        token.starts_with("sbx:trai") && token.contains('…'),
        "{token}"
    );
    assert_eq!(
        f.app
            .client
            .find(Locator::Css("input[name=secret-key]"))
            .await?
            .prop("value")
            .await?
            .unwrap_or_default(),
        "",
        "the secret field is emptied after saving"
    );
    f.click("[data-testid=admin-verify]").await?;
    f.wait("[data-testid=admin-verify-result][data-kind=ok]", 20)
        .await?;
    let verified = f.app.text("[data-testid=admin-verified]").await?;
    assert!(!verified.contains("Never"), "{verified}");
    f.type_into("input[name=current-pin]", "135790").await?;
    f.type_into("input[name=new-pin]", "482913").await?;
    f.type_into("input[name=repeat-pin]", "482913").await?;
    f.click("[data-testid=admin-save-pin]").await?;
    f.wait("[data-testid=admin-saved]", 10).await?;
    f.click("select[name=profile] option[value=attendant]")
        .await?;
    f.click("[data-testid=admin-save-settings]").await?;
    f.wait("[data-testid=admin-restart]", 10).await?;
    f.app
        .client
        .execute("document.querySelector('.content').scrollTo(0, 0);", vec![])
        .await?;
    f.shot("admin").await?;

    // 2. With a PIN set, the admin area asks for it; a wrong one is refused.
    f.click("[data-testid=admin-close]").await?;
    f.wait("[data-screen=welcome]", 10).await?;
    f.click("[data-testid=open-admin]").await?;
    f.wait("[data-testid=admin-pin-form]", 10).await?;
    f.shot("admin-pin").await?;
    f.type_into("input[name=admin-pin]", "000000").await?;
    f.click("[data-testid=admin-unlock]").await?;
    f.wait("[data-testid=admin-error]", 10).await?;
    let refused = f.app.text("[data-testid=admin-error]").await?;
    assert!(refused.contains("4 tries left"), "{refused}");
    f.type_into("input[name=admin-pin]", "482913").await?;
    f.click("[data-testid=admin-unlock]").await?;
    f.wait("[data-testid=admin-status]", 10).await?;
    f.click("[data-testid=admin-close]").await?;
    f.wait("[data-screen=welcome]", 10).await?;
    let mut ipc = f.ipc_log().await?;
    f.close().await?;

    // 3. The next start is live (and at the counter, as saved): a whole submission.
    let mut f = Flow::launch_with_output("admin-live", &common, Some(&output)).await?;
    f.record_ipc().await?;
    assert!(
        f.app
            .client
            .find(Locator::Css("[data-testid=training-outcome]"))
            .await
            .is_err(),
        "no training banner when live"
    );
    f.run_to_submission("passport", true).await?;
    f.wait("[data-screen=result][data-outcome=approved]", 60)
        .await?;
    f.shot("live-approved").await?;
    f.click("[data-testid=done]").await?;
    f.click("[data-testid=open-admin]").await?;
    f.type_into("input[name=admin-pin]", "482913").await?;
    f.click("[data-testid=admin-unlock]").await?;
    f.wait("[data-testid=admin-status]", 10).await?;
    let mode = f.app.text("[data-testid=admin-mode]").await?;
    assert!(mode.starts_with("Live"), "{mode}");
    ipc.extend(f.ipc_log().await?);
    f.close().await?;
    let stats = svc.stats();
    assert!(
        stats.applicants >= 1,
        "the submission reached the service: {stats:?}"
    );

    // 4. The secret key is in no answer to the web view, no log file, no output.
    assert!(
        ipc.iter().any(|r| r.contains("sbx:trai")),
        "the recorder saw the admin status: {} answers",
        ipc.len()
    );
    assert!(ipc.len() > 20, "the recorder saw the flow: {}", ipc.len());
    for (i, answer) in ipc.iter().enumerate() {
        assert!(!answer.contains(&secret), "IPC answer {i} holds the secret");
        assert!(
            !answer.contains(&creds.app_token),
            "IPC answer {i} holds the whole token"
        );
    }
    let mut files = Vec::new();
    for dir in [&logs, &data] {
        for entry in std::fs::read_dir(dir)?.flatten() {
            if entry.path().is_file() {
                files.push(entry.path());
            }
        }
    }
    files.push(output.clone());
    let log_text: String = std::fs::read_dir(&logs)?
        .flatten()
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .collect();
    assert!(
        log_text.contains("verification call") && log_text.contains("API credentials stored"),
        "the logs are really there"
    );
    for file in &files {
        let bytes = std::fs::read(file)?;
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text.contains(&secret),
            "{} holds the secret",
            file.display()
        );
    }
    println!(
        "metric: secret searched in {} IPC answers and {} files",
        ipc.len(),
        files.len()
    );
    Ok(())
}

#[tokio::test]
async fn a_self_service_kiosk_fills_the_screen_stays_the_kiosk_and_runs_once() -> Result<()> {
    let data = std::env::temp_dir().join(format!("kiosk-lockdown-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&data);
    std::fs::create_dir_all(&data)?;
    let data_s = data.display().to_string();
    let env = [
        ("KIOSK_PROFILE", "self_service"),
        ("KIOSK_DATA_DIR", data_s.as_str()),
        ("KIOSK_LOG_DIR", data_s.as_str()),
    ];
    let mut f = Flow::launch("lockdown", &env).await?;
    let sizes: Vec<i64> = serde_json::from_value(
        f.app
            .client
            .execute(
                "return [window.innerWidth, window.innerHeight, screen.width, screen.height];",
                vec![],
            )
            .await?,
    )?;
    assert_eq!(
        (sizes[0], sizes[1]),
        (sizes[2], sizes[3]),
        "the window fills the screen without decorations"
    );
    let prevented = f
        .app
        .client
        .execute(
            "const e = new MouseEvent('contextmenu', { bubbles: true, cancelable: true }); \
             document.querySelector('[data-screen=welcome]').dispatchEvent(e); return e.defaultPrevented;",
            vec![],
        )
        .await?;
    assert_eq!(prevented, serde_json::json!(true), "no context menu");

    // No way out of the app by navigation.
    f.app
        .client
        .execute(
            "window.location.href = 'https://example.com/'; return 1;",
            vec![],
        )
        .await?;
    tokio::time::sleep(Duration::from_millis(1500)).await;
    f.wait("[data-screen=welcome]", 10).await?;
    let protocol = f
        .app
        .client
        .execute("return window.location.protocol;", vec![])
        .await?;
    assert_eq!(protocol, serde_json::json!("tauri:"));

    // A second start on the same desktop session leaves at once; the first stays.
    let (bus_key, bus) = f.bus.as_ref().expect("own bus").env();
    let mut second = std::process::Command::new(&f.app.binary)
        .envs(env)
        .env(bus_key, bus)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = second.try_wait()? {
            break status;
        }
        if Instant::now() > deadline {
            let _ = second.kill();
            bail!("a second self-service kiosk kept running");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "{status}");
    f.wait("[data-screen=welcome]", 5).await?;
    f.shot("self-service").await?;

    // Staff quit through the admin area.
    let driver = f.app.driver_pid().expect("driver runs");
    let running = || {
        kiosk_tests::proc::tree(driver)
            .into_iter()
            .filter(|p| kiosk_tests::proc::pids_of(&f.app.binary).contains(p))
            .count()
    };
    assert_eq!(running(), 1, "the kiosk runs under the driver");
    let (bus_key, bus) = f.bus.as_ref().expect("own bus").env();
    let mut at_computer = env.to_vec();
    at_computer.push((bus_key, bus));
    let set = kioskctl(&at_computer, &["admin", "set-pin"], "482913\n")?;
    assert!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    f.click("[data-testid=open-admin]").await?;
    f.type_into("input[name=admin-pin]", "482913").await?;
    f.click("[data-testid=admin-unlock]").await?;
    f.click("[data-testid=admin-quit]").await?;
    // The app ends while this click is answered: WebDriver may report an error.
    let _ = f.click("[data-testid=admin-quit]").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while running() > 0 {
        if Instant::now() > deadline {
            bail!("the kiosk did not quit from the admin area");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = f.close().await;
    Ok(())
}

impl Flow {
    /// Runs the axe-core accessibility rules for WCAG 2.1 A and AA on the
    /// current screen; returns one line per violation.
    async fn audit(&self) -> Result<Vec<String>> {
        let loaded = self
            .app
            .client
            .execute("return typeof window.axe === 'object';", vec![])
            .await?;
        if loaded != serde_json::json!(true) {
            let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../ui/node_modules/axe-core/axe.min.js");
            let source = std::fs::read_to_string(&path).map_err(|e| {
                anyhow::anyhow!("{}: {e} (run `npm --prefix ui ci`)", path.display())
            })?;
            self.app.client.execute(&source, vec![]).await?;
        }
        let found = self
            .app
            .client
            .execute_async(
                "const done = arguments[0]; \
                 axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] }) \
                   .then((r) => done(r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`)), \
                         (e) => done([`axe could not run: ${e}`]));",
                vec![],
            )
            .await?;
        Ok(serde_json::from_value(found)?)
    }
}

#[tokio::test]
async fn every_screen_passes_an_accessibility_audit_and_works_by_keyboard() -> Result<()> {
    let mut f = Flow::launch_alone("a11y", &[("KIOSK_PROFILE", "attendant")]).await?;
    let mut problems: Vec<String> = Vec::new();
    let mut audited = 0;
    macro_rules! audit {
        ($screen:literal) => {
            audited += 1;
            for v in f.audit().await? {
                problems.push(format!("{}: {v}", $screen));
            }
        };
    }
    audit!("welcome");

    // The keyboard alone reaches Start, with a visible focus ring, and starts.
    let mut reached = false;
    for _ in 0..20 {
        f.app
            .client
            .active_element()
            .await?
            .send_keys("\u{E004}")
            .await?;
        let state = f
            .app
            .client
            .execute(
                "const a = document.activeElement; const s = getComputedStyle(a); \
                 return [a.dataset.testid || '', s.boxShadow !== 'none' || s.outlineStyle !== 'none'];",
                vec![],
            )
            .await?;
        if state[0] == "start" {
            // The focus ring is drawn at the next style pass: give it a few frames.
            let mut visible = state[1] == serde_json::json!(true);
            for _ in 0..10 {
                if visible {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
                let again = f
                    .app
                    .client
                    .execute(
                        "const s = getComputedStyle(document.activeElement); \
                         return s.boxShadow !== 'none' || s.outlineStyle !== 'none';",
                        vec![],
                    )
                    .await?;
                visible = again == serde_json::json!(true);
            }
            assert!(visible, "focus is visible");
            reached = true;
            break;
        }
    }
    assert!(reached, "Tab reaches the Start button");
    f.app
        .client
        .active_element()
        .await?
        .send_keys("\u{E007}")
        .await?;
    f.wait("[data-screen=details]", 10).await?;
    audit!("details");
    f.click("[data-testid=details-continue]").await?;
    f.wait("[data-screen=document]", 20).await?;
    audit!("document");
    f.click("[data-document=id_card]").await?;
    f.type_into("[data-testid=country-search]", "germ").await?;
    f.click("[data-country=DEU]").await?;
    f.click("[data-testid=document-continue]").await?;
    f.wait("[data-screen=capture] [data-testid=feedback]", 20)
        .await?;
    audit!("capture");
    let live = f
        .app
        .client
        .execute(
            "const el = document.querySelector('[data-testid=feedback]'); \
             return Boolean(el.closest('[aria-live]') || el.getAttribute('role') === 'status');",
            vec![],
        )
        .await?;
    assert_eq!(
        live,
        serde_json::json!(true),
        "quality feedback is announced"
    );
    f.wait("[data-testid=use-photo]", 30).await?;
    audit!("still");
    f.click("[data-testid=use-photo]").await?;
    f.wait("[data-screen=capture][data-slot=back]", 20).await?;
    f.capture_all().await?;
    f.wait("[data-screen=submit]", 10).await?;
    audit!("submit");
    f.click("[data-testid=send]").await?;
    f.wait("[data-screen=result][data-outcome=approved]", 60)
        .await?;
    audit!("result");
    f.click("[data-testid=done]").await?;
    f.click("[data-testid=open-admin]").await?;
    f.wait("[data-testid=admin-status]", 10).await?;
    audit!("admin");
    f.click("[data-testid=admin-close]").await?;
    f.click("[data-testid=open-recent]").await?;
    f.wait("[data-screen=recent] tbody tr", 10).await?;
    audit!("recent");
    f.shot("audited").await?;
    println!(
        "metric: accessibility audit of {audited} screens, {} violations",
        problems.len()
    );
    assert!(
        problems.is_empty(),
        "accessibility problems:\n{}",
        problems.join("\n")
    );
    f.close().await
}

#[tokio::test]
async fn staff_correct_mismatched_details_and_the_check_runs_again() -> Result<()> {
    let mut f = Flow::launch("mismatch", &[("KIOSK_PROFILE", "attendant")]).await?;
    f.choose_training_outcome("data-mismatch").await?;
    f.run_to_submission("passport", true).await?;
    f.wait("[data-screen=result][data-outcome=data_mismatch]", 60)
        .await?;
    f.shot("mismatch").await?;
    f.click("[data-testid=correct-details]").await?;
    f.wait("[data-screen=correct]", 10).await?;
    f.type_into("input[name=first_name]", "Anna").await?;
    f.type_into("input[name=last_name]", "Weber").await?;
    f.shot("correct").await?;
    f.click("[data-testid=details-continue]").await?;
    f.wait("[data-screen=result][data-outcome=approved]", 60)
        .await?;
    f.shot("corrected-approved").await?;
    f.close().await
}

#[tokio::test]
async fn without_a_network_a_field_session_waits_in_the_outbox_and_goes_out_later() -> Result<()> {
    use onboard_kiosk::training::{TrainingConfig, TrainingService};

    let mut svc = TrainingService::start(
        "127.0.0.1:0".parse()?,
        TrainingConfig {
            queue_delay: Duration::from_millis(100),
            review_delay: Duration::from_millis(500),
            ..TrainingConfig::default()
        },
    )
    .await?;
    let creds = svc.credentials();
    let secret = creds.secret_key.expose().clone();
    let root = std::env::temp_dir().join(format!("kiosk-outbox-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (data, logs) = (root.join("data"), root.join("logs"));
    let (data_s, logs_s) = (data.display().to_string(), logs.display().to_string());
    let base_url = svc.base_url.clone();
    // One keychain across the restarts below: it holds the outbox key.
    let keyring = kiosk_tests::keyring::PrivateKeyring::start("outbox-e2e")?;
    let env = [
        keyring.env(),
        ("KIOSK_API_URL", base_url.as_str()),
        ("KIOSK_APP_TOKEN", creds.app_token.as_str()),
        ("KIOSK_SECRET_KEY", secret.as_str()),
        ("KIOSK_CAMERA", "sample"),
        ("KIOSK_DATA_DIR", data_s.as_str()),
        ("KIOSK_LOG_DIR", logs_s.as_str()),
        ("KIOSK_PROFILE", "field"),
        ("KIOSK_QUEUE_FIRST", "true"),
    ];
    // The field agent is out of reach of the network.
    svc.go_away();
    let mut f = Flow::launch("outbox", &env).await?;
    // The web view's processes do not inherit the secret key given to the kiosk.
    let app = f.app_pid()?;
    let helpers: Vec<u32> = kiosk_tests::proc::tree(app)
        .into_iter()
        .filter(|p| *p != app)
        .collect();
    assert!(
        !helpers.is_empty(),
        "the web view runs in processes of its own"
    );
    for pid in helpers {
        let environ = std::fs::read(format!("/proc/{pid}/environ"))?;
        let environ = String::from_utf8_lossy(&environ);
        assert!(
            !environ.contains("KIOSK_SECRET_KEY") && !environ.contains(secret.as_str()),
            "process {pid} inherited the secret key"
        );
        assert!(
            environ.contains("KIOSK_APP_TOKEN"),
            "process {pid}: the environment was read"
        );
    }
    f.run_to_submission("passport", true).await?;
    f.wait("[data-screen=result][data-outcome=queued]", 30)
        .await?;
    let waiting = f.app.text("[data-testid=queued-waiting]").await?;
    assert!(waiting.starts_with('1'), "{waiting}");
    f.shot("queued").await?;

    // Back at the start, staff see what waits; a try without the network says why it failed.
    f.click("[data-testid=done]").await?;
    f.wait("[data-testid=outbox-waiting]", 10).await?;
    let count = f.app.text("[data-testid=outbox-waiting]").await?;
    assert!(count.starts_with("1 session"), "{count}");
    f.click("[data-testid=outbox-send]").await?;
    if let Err(e) = f.wait("[data-testid=outbox-error]", 60).await {
        f.shot("outbox-no-error").await?;
        bail!("{e}: {}", f.body_text().await?);
    }
    let error = f.app.text("[data-testid=outbox-error]").await?;
    assert!(error.contains("creating the applicant failed"), "{error}");
    f.shot("outbox-waiting").await?;

    // What waits on disk is sealed: no email, no picture.
    let stored = kiosk_tests::sqlite_bytes(&data.join("outbox.sqlite3"));
    assert!(
        stored.len() > 50_000,
        "the pictures are kept ({} bytes)",
        stored.len()
    );
    for needle in [
        &b"anna.weber@example.com"[..],
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
    ] {
        assert!(
            !kiosk_tests::contains(&stored, needle),
            "{} is readable in the outbox",
            String::from_utf8_lossy(needle)
        );
    }
    assert_eq!(svc.stats().applicants, 0);
    f.close().await?;

    // Restarted in training (the network is back meanwhile): the live session is
    // not sent anywhere, staff are told what waits and for which service, and it stays.
    svc.serve_again().await?;
    let mut training_env = env.to_vec();
    training_env.push(("KIOSK_MODE", "training"));
    let f = Flow::launch("outbox-training", &training_env).await?;
    f.wait("[data-testid=training-banner]", 10).await?;
    f.wait("[data-testid=outbox]", 10).await?;
    let told = f.app.text("[data-testid=outbox]").await?;
    assert!(
        told.contains(
            "sessions from live mode wait in the outbox (1 for sandbox at http://127.0.0.1"
        ) && told.contains("never sends them"),
        "{told}"
    );
    let refused = f.invoke("send_outbox").await?;
    assert!(refused["error"].is_object(), "{refused}");
    tokio::time::sleep(Duration::from_secs(2)).await;
    f.close().await?;
    let waiting: i64 = rusqlite::Connection::open(data.join("outbox.sqlite3"))?.query_row(
        "SELECT COUNT(*) FROM entries",
        [],
        |r| r.get(0),
    )?;
    assert_eq!(waiting, 1, "still waiting");
    assert_eq!(
        svc.stats().applicants,
        0,
        "not sent to the live service either"
    );

    // Live again with the account it was queued for: the sender delivers it
    // (it tries at once on start), once, and it moves to recent applicants.
    let mut f = Flow::launch("outbox-live-again", &env).await?;
    let deadline = Instant::now() + Duration::from_secs(60);
    while f
        .app
        .client
        .find(Locator::Css("[data-testid=outbox]"))
        .await
        .is_ok()
    {
        if Instant::now() > deadline {
            f.shot("outbox-stuck").await?;
            bail!("the outbox did not empty");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    f.shot("outbox-sent").await?;
    let stats = svc.stats();
    assert_eq!((stats.applicants, stats.images), (1, 2), "{stats:?}");
    assert_eq!(stats.applicants_with_a_side_uploaded_twice, 0);
    let recent = f.invoke("recent_applicants").await?;
    assert_eq!(recent.as_array().map(Vec::len), Some(1), "{recent}");
    f.close().await?;
    let _ = std::fs::remove_dir_all(&root);
    Ok(())
}

/// A training service that decides within a second.
async fn quick_training_service() -> Result<onboard_kiosk::training::TrainingService> {
    use onboard_kiosk::training::{TrainingConfig, TrainingService};
    Ok(TrainingService::start(
        "127.0.0.1:0".parse()?,
        TrainingConfig {
            queue_delay: Duration::from_millis(100),
            review_delay: Duration::from_millis(500),
            ..TrainingConfig::default()
        },
    )
    .await?)
}

/// `kioskctl` with the environment of a kiosk under test.
fn kioskctl(env: &[(&str, &str)], args: &[&str], stdin: &str) -> Result<std::process::Output> {
    use std::io::Write;
    let mut child = std::process::Command::new(built_binary("KIOSKCTL_BIN", "kioskctl"))
        .args(args)
        .envs(env.iter().copied())
        .env_remove("KIOSK_APP_TOKEN")
        .env_remove("KIOSK_SECRET_KEY")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .context("stdin")?
        .write_all(stdin.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!(
            "kioskctl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(out)
}

#[tokio::test]
async fn a_live_kiosk_that_cannot_read_its_credentials_is_out_of_service_never_training(
) -> Result<()> {
    use kiosk_tests::keyring::PrivateKeyring;

    let svc = quick_training_service().await?;
    let creds = svc.credentials();
    let keyring = PrivateKeyring::start("out-of-service")?;
    let root = std::env::temp_dir().join(format!("kiosk-oos-e2e-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let (data, logs) = (root.join("data"), root.join("logs"));
    let (data_s, logs_s) = (data.display().to_string(), logs.display().to_string());
    let (bus_key, bus) = keyring.env();
    let env = [
        (bus_key, bus),
        ("KIOSK_API_URL", svc.base_url.as_str()),
        ("KIOSK_CAMERA", "sample"),
        ("KIOSK_DATA_DIR", data_s.as_str()),
        ("KIOSK_LOG_DIR", logs_s.as_str()),
        ("KIOSK_PROFILE", "attendant"),
    ];

    // Storing credentials makes the kiosk live.
    kioskctl(
        &env,
        &["credentials", "set", "--app-token", &creds.app_token],
        creds.secret_key.expose(),
    )?;
    let settings = std::fs::read_to_string(data.join("settings.json"))?;
    assert!(settings.contains(r#""mode": "live""#), "{settings}");

    // In service: staff set an admin PIN.
    let f = Flow::launch("oos-live", &env).await?;
    assert!(
        f.absent("[data-testid=training-banner]").await,
        "live: no training banner"
    );
    f.click("[data-testid=open-admin]").await?;
    f.type_into("input[name=new-pin]", "482913").await?;
    f.type_into("input[name=repeat-pin]", "482913").await?;
    f.click("[data-testid=admin-save-pin]").await?;
    f.wait("[data-testid=admin-saved]", 10).await?;
    f.close().await?;

    // The keyring is locked when the kiosk starts: out of service, nothing else runs.
    keyring.lock()?;
    let mut f = Flow::launch_to("oos", &env, None, "[data-screen=out-of-service]").await?;
    let cause = f
        .app
        .client
        .find(Locator::Css("[data-screen=out-of-service]"))
        .await?
        .attr("data-cause")
        .await?;
    assert_eq!(cause.as_deref(), Some("keychain_locked"));
    let body = f.body_text().await?;
    assert!(
        body.contains("This kiosk is not available right now.")
            && body.contains("Please ask a member of staff.")
            && body.contains("keychain is locked"),
        "{body}"
    );
    assert!(f.absent("[data-testid=start]").await, "no Start");
    assert!(
        f.absent("[data-testid=training-banner]").await,
        "never training"
    );
    assert_eq!(
        f.listening_ports()?,
        Vec::<u16>::new(),
        "no training service listens"
    );
    // Also through the IPC, behind the screen: refused.
    let refused = f
        .invoke_with(
            "start_session",
            serde_json::json!({ "details": { "email": null, "phone": null, "first_name": null,
                "last_name": null, "date_of_birth": null } }),
        )
        .await?;
    assert_eq!(refused["error"]["code"], "out_of_service", "{refused}");
    f.shot("out-of-service").await?;
    for (language, title) in [
        ("de", "Dieses Terminal ist zurzeit nicht verfügbar."),
        ("es", "Este quiosco no está disponible en este momento."),
    ] {
        f.click(&format!("[data-language={language}]")).await?;
        let shown = f.app.text("#oos-title").await?;
        assert_eq!(shown, title);
    }
    f.click("[data-language=en]").await?;

    // Staff reach the admin area with the PIN although the keychain is locked.
    f.click("[data-testid=oos-admin]").await?;
    f.wait("[data-testid=admin-pin-form]", 10).await?;
    f.type_into("input[name=admin-pin]", "000000").await?;
    f.click("[data-testid=admin-unlock]").await?;
    f.wait("[data-testid=admin-error]", 10).await?;
    let wrong = f.app.text("[data-testid=admin-error]").await?;
    assert!(wrong.contains("4 tries left"), "{wrong}");
    f.type_into("input[name=admin-pin]", "482913").await?;
    f.click("[data-testid=admin-unlock]").await?;
    f.wait("[data-testid=admin-oos]", 10).await?;
    f.shot("out-of-service-admin").await?;
    f.click("[data-testid=admin-close]").await?;
    f.wait("[data-screen=out-of-service]", 10).await?;

    // Still locked: Try again says so. Unlocked: Try again brings the kiosk into service.
    f.click("[data-testid=oos-try-again]").await?;
    f.wait("[data-testid=oos-still]", 30).await?;
    keyring.unlock()?;
    f.click("[data-testid=oos-try-again]").await?;
    f.wait("[data-screen=welcome]", 30).await?;
    f.wait("[data-testid=start]", 5).await?;
    assert!(
        f.absent("[data-testid=training-banner]").await,
        "back in service, live"
    );
    assert_eq!(f.listening_ports()?, Vec::<u16>::new());

    // Quit from the admin area ends the app.
    let pid = f.app_pid()?;
    f.click("[data-testid=open-admin]").await?;
    f.type_into("input[name=admin-pin]", "482913").await?;
    f.click("[data-testid=admin-unlock]").await?;
    f.click("[data-testid=admin-quit]").await?;
    // The confirming click may not get its answer: the window goes with it.
    let _ = f.click("[data-testid=admin-quit]").await;
    let deadline = Instant::now() + Duration::from_secs(15);
    while std::path::Path::new(&format!("/proc/{pid}")).exists() {
        if Instant::now() > deadline {
            bail!("the kiosk did not quit");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    drop(f);

    // Credentials cleared, restarted: out of service, not training.
    kioskctl(&env, &["credentials", "clear"], "")?;
    let f = Flow::launch_to("oos-cleared", &env, None, "[data-screen=out-of-service]").await?;
    let cause = f
        .app
        .client
        .find(Locator::Css("[data-screen=out-of-service]"))
        .await?
        .attr("data-cause")
        .await?;
    assert_eq!(cause.as_deref(), Some("no_credentials"));
    assert_eq!(f.listening_ports()?, Vec::<u16>::new());
    f.close().await?;
    assert_eq!(
        svc.stats().applicants,
        0,
        "nobody was created anywhere while out of service"
    );
    Ok(())
}
