//! The whole onboarding flow in the real app window (Xvfb), driven through its
//! web view like a person would, with the training service and the sample camera.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Result};
use fantoccini::Locator;
use kiosk_tests::{artifacts_dir, built_binary, driver::App};

struct Flow {
    app: App,
    shots: PathBuf,
    name: &'static str,
    n: usize,
}

impl Flow {
    async fn launch(name: &'static str, env: &[(&str, &str)]) -> Result<Self> {
        let binary = built_binary("KIOSK_APP_BIN", "onboard-kiosk");
        let app = App::launch(&binary, env).await?;
        app.wait_visible("[data-screen=welcome]", Duration::from_secs(30))
            .await?;
        let shots = artifacts_dir().join("flow");
        std::fs::create_dir_all(&shots)?;
        Ok(Self {
            app,
            shots,
            name,
            n: 0,
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
            if taken == 0 {
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
    tokio::time::sleep(Duration::from_secs(6)).await;
    let fps: f64 = f
        .app
        .client
        .find(Locator::Css("[data-testid=preview]"))
        .await?
        .attr("data-fps")
        .await?
        .unwrap_or_default()
        .parse()
        .unwrap_or(0.0);
    let stats = f.invoke("camera_stats").await?;
    let checks = stats["checks_per_second"].as_f64().unwrap_or(0.0);
    f.shot("shaky").await?;
    let feedback = f.app.text("[data-testid=feedback]").await?;
    assert!(feedback.contains("Hold still"), "{feedback}");
    println!(
        "metric: preview {fps} fps in the window, checks {checks:.1} per second, camera {:.1} fps",
        stats["camera_fps"].as_f64().unwrap_or(0.0)
    );
    std::fs::write(
        artifacts_dir().join("metrics-preview.json"),
        serde_json::to_vec_pretty(&serde_json::json!({ "preview_fps": fps, "stats": stats }))?,
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
