//! The onboarding journeys a person makes: approved, retried, refused, corrected, in another language, or abandoned.

use super::prelude::*;

#[tokio::test]
async fn an_id_card_is_approved_from_welcome_to_result() -> Result<()> {
    // Logs as a collector takes them: one JSON object per line.
    let mut f = Flow::launch(
        "green-id-card",
        &[("KIOSK_PROFILE", "attendant"), ("KIOSK_LOG_FORMAT", "json")],
    )
    .await?;
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
    // The nationality is named, in the screen's language, not given as a code.
    for (language, marker, nationality) in [
        ("en", "TRAINING — NOT A REAL VERIFICATION", "Germany"),
        ("de", "ÜBUNG — KEINE ECHTE PRÜFUNG", "Deutschland"),
        ("es", "FORMACIÓN — NO ES UNA VERIFICACIÓN REAL", "Alemania"),
    ] {
        f.click(&format!("[data-language={language}]")).await?;
        f.app
            .wait_visible("[data-testid=training-marker]", Duration::from_secs(5))
            .await?;
        let shown = f.app.text("[data-testid=training-marker]").await?;
        assert_eq!(shown.to_uppercase(), marker, "{language}");
        assert_eq!(
            f.app.text("[data-field=nationality]").await?,
            nationality,
            "{language}"
        );
        f.shot(&format!("training-result-{language}")).await?;
    }
    // The training bar is one line; its explanation opens when tapped.
    let bar_height = |f: &Flow| {
        let client = f.app.client.clone();
        async move {
            anyhow::Ok(
                client
                    .execute("return document.querySelector('[data-testid=training-banner]').getBoundingClientRect().height", vec![])
                    .await?
                    .as_f64()
                    .unwrap_or(0.0),
            )
        }
    };
    let one_line = bar_height(&f).await?;
    assert!(one_line < 80.0, "the training bar is {one_line} px high");
    assert!(f.absent("[data-testid=training-camera-sentence]").await);
    f.click("[data-testid=training-about]").await?;
    f.wait("[data-testid=training-camera-sentence]", 5).await?;
    assert!(bar_height(&f).await? > one_line, "the explanation opens");
    f.shot("training-bar-open").await?;
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
    let log_dir = f.app.log_dir.clone();
    f.close().await?;
    // Every line of the whole run's log is a JSON object carrying the same
    // kiosk id, and none holds what the person entered.
    let log = std::fs::read_to_string(log_dir.join("kiosk.log"))?;
    let lines: Vec<serde_json::Value> = log
        .lines()
        .map(|l| serde_json::from_str(l).map_err(|e| anyhow::anyhow!("{e}: {l}")))
        .collect::<Result<_>>()?;
    assert!(lines.len() >= 5, "{} lines", lines.len());
    let id = lines[0]["kiosk_id"].as_str().unwrap_or_default().to_owned();
    assert_eq!(id.len(), 36, "a UUID: {id}");
    assert!(lines.iter().all(|l| l["kiosk_id"] == id.as_str()
        && l["level"].is_string()
        && l["target"].is_string()
        && l["message"].is_string()
        && l["fields"].is_object()));
    assert!(
        lines.iter().any(|l| l["message"] == "kiosk ready"),
        "the run's lines are there"
    );
    for personal in ["anna.weber", "@example.com"] {
        assert!(!log.contains(personal), "the log holds {personal}");
    }
    Ok(())
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
async fn a_german_date_of_birth_is_written_and_read_the_german_way() -> Result<()> {
    let mut f = Flow::launch("details-german", &[("KIOSK_PROFILE", "attendant")]).await?;
    f.click("[data-language=de]").await?;
    f.click("[data-testid=start]").await?;
    f.wait("[data-screen=details]", 10).await?;
    // Nothing looks filled in: the format is said beside the empty field.
    assert_eq!(
        f.app.text("[data-testid=dob-format]").await?,
        "Tag, Monat, Jahr: TT.MM.JJJJ"
    );
    let dob = "input[name=date_of_birth]";
    let entered = |f: &Flow| {
        let client = f.app.client.clone();
        async move {
            anyhow::Ok(
                client
                    .find(Locator::Css(dob))
                    .await?
                    .prop("value")
                    .await?
                    .unwrap_or_default(),
            )
        }
    };
    assert_eq!(entered(&f).await?, "");
    // Continue and Back are in view without scrolling (1280×800, German).
    let in_view = f
        .app
        .client
        .execute(
            "return ['details-continue', 'details-back'].every((id) => { \
               const r = document.querySelector(`[data-testid=${id}]`).getBoundingClientRect(); \
               return r.top >= 0 && r.bottom <= window.innerHeight; });",
            vec![],
        )
        .await?;
    assert_eq!(in_view, serde_json::json!(true), "the actions are in view");
    f.type_into(dob, "31.02.1990").await?;
    f.click("[data-testid=details-continue]").await?;
    f.wait("[data-testid=dob-format].invalid", 5).await?;
    assert!(f
        .app
        .text("[data-testid=dob-format]")
        .await?
        .starts_with("Das ist kein Geburtsdatum."));
    f.shot("dob-invalid-de").await?;
    f.app.client.find(Locator::Css(dob)).await?.clear().await?;
    f.type_into(dob, "31.1.1990").await?;
    f.click("[data-testid=details-continue]").await?;
    f.wait("[data-screen=document]", 20).await?;
    // Back is one step back: the details as entered, the same session.
    let session = f.invoke("current_session").await?["external_user_id"].clone();
    f.click("[data-testid=document-back]").await?;
    f.wait("[data-screen=details]", 10).await?;
    assert_eq!(entered(&f).await?, "31.01.1990");
    f.click("[data-testid=details-continue]").await?;
    f.wait("[data-screen=document]", 20).await?;
    assert_eq!(
        f.invoke("current_session").await?["external_user_id"],
        session,
        "on again, the same session"
    );
    f.choose_document(Some("passport"), "deu", "DEU").await?;
    f.capture_all().await?;
    f.wait("[data-screen=submit]", 10).await?;
    f.click("[data-testid=send]").await?;
    f.wait("[data-screen=result][data-outcome=approved]", 60)
        .await?;
    assert_eq!(
        f.app.text("[data-field=date_of_birth]").await?,
        "31.01.1990"
    );
    assert_eq!(f.app.text("[data-field=nationality]").await?, "Deutschland");
    f.shot("approved-de").await?;
    f.close().await
}

/// Waits until the rejected photo has loaded from the kiosk; its width in pixels.
async fn rejected_photo_width(f: &Flow) -> Result<f64> {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        let width = f
            .app
            .client
            .execute(
                "const i = document.querySelector('[data-testid=rejected-photo]'); return i && i.complete ? i.naturalWidth : 0;",
                vec![],
            )
            .await?
            .as_f64()
            .unwrap_or(0.0);
        if width > 0.0 || std::time::Instant::now() > deadline {
            return Ok(width);
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_german_retake_gives_the_reason_in_german_beside_the_rejected_photo() -> Result<()> {
    let mut f = Flow::launch("retry-german", &[("KIOSK_PROFILE", "attendant")]).await?;
    f.click("[data-language=de]").await?;
    f.choose_training_outcome("retry-back").await?;
    f.run_to_submission("id_card", true).await?;
    f.wait("[data-screen=result][data-outcome=retry]", 60)
        .await?;
    let comment = "Der Text auf der Rückseite ist nicht lesbar. Bitte fotografieren Sie die Rückseite noch einmal.";
    // The service's own words, in the language the applicant was created in.
    assert_eq!(
        f.app
            .text("[data-slot=back] [data-testid=retry-reason]")
            .await?,
        comment
    );
    assert!(
        rejected_photo_width(&f).await? >= 640.0,
        "the rejected back side is shown from the session's memory"
    );
    // Staff also read what the label means.
    assert_eq!(
        f.app
            .text("[data-slot=back] [data-testid=retry-label]")
            .await?,
        "Die Fotoqualität reichte nicht aus (unscharf, spiegelnd oder zu klein)."
    );
    f.shot("retry-de").await?;
    f.click("[data-testid=retake-rejected]").await?;
    f.wait("[data-screen=capture][data-slot=back]", 10).await?;
    assert_eq!(
        f.app.text("[data-testid=retake-reason] p").await?,
        comment,
        "the retake opens with the reason above the live view"
    );
    f.shot("retake-de").await?;
    f.close().await?;

    // Labels and no comment: the kiosk's own German instruction for the label.
    let mut f = Flow::launch("retry-german-labels", &[("KIOSK_PROFILE", "attendant")]).await?;
    f.click("[data-language=de]").await?;
    f.choose_training_outcome("retry-back-labels").await?;
    f.run_to_submission("id_card", true).await?;
    f.wait("[data-screen=result][data-outcome=retry]", 60)
        .await?;
    let reason = f
        .app
        .text("[data-slot=back] [data-testid=retry-reason]")
        .await?;
    assert!(
        reason.starts_with("Bitte machen Sie das Foto noch einmal: Halten Sie das Dokument ruhig"),
        "{reason}"
    );
    assert!(
        !f.body_text().await?.contains("UNSATISFACTORY_PHOTOS"),
        "no label code on the screen"
    );
    assert!(rejected_photo_width(&f).await? >= 640.0);
    f.shot("retry-de-labels").await?;
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

/// *Back* from a filled-in details form asks before it deletes what was
/// typed; a person waiting for the review is not wiped as idle, and the
/// waiting screen says what happens if they leave.
#[tokio::test]
async fn cancel_asks_first_and_waiting_for_the_review_is_not_idleness() -> Result<()> {
    let mut f = Flow::launch(
        "cancel-and-wait",
        &[
            ("KIOSK_PROFILE", "attendant"),
            ("KIOSK_IDLE_TIMEOUT_SECS", "10"),
            ("KIOSK_TRAINING_REVIEW_SECS", "45"),
        ],
    )
    .await?;
    f.click("[data-testid=start]").await?;
    f.type_into("input[name=email]", "typed.then.cancelled@example.com")
        .await?;
    f.click("[data-testid=details-back]").await?;
    f.wait("[data-testid=cancel-confirm]", 5).await?;
    f.shot("cancel-question").await?;
    assert_eq!(
        f.app.text("#cancel-title").await?,
        "Cancel and delete what was entered?"
    );
    f.click("[data-testid=cancel-wipe]").await?;
    f.wait("[data-screen=welcome]", 10).await?;
    f.click("[data-testid=start]").await?;
    f.wait("[data-screen=details]", 10).await?;
    let email: String = f
        .app
        .client
        .execute(
            "return document.querySelector('input[name=email]').value;",
            vec![],
        )
        .await?
        .as_str()
        .unwrap_or_default()
        .to_owned();
    assert_eq!(email, "", "what was typed was deleted");
    // Nothing typed: Back goes straight to the start.
    f.click("[data-testid=details-back]").await?;
    f.wait("[data-screen=welcome]", 10).await?;
    assert!(f.absent("[data-testid=cancel-confirm]").await);

    f.run_to_submission("id_card", true).await?;
    f.wait("[data-screen=waiting]", 20).await?;
    let stay = f.app.text("[data-testid=waiting-stay]").await?;
    assert!(stay.contains("Recent applicants"), "{stay}");
    // Three times the quiet time plus the warning: still waiting, unasked.
    tokio::time::sleep(Duration::from_secs(32)).await;
    assert!(
        !f.absent("[data-screen=waiting]").await,
        "the waiting screen stays while the review goes on"
    );
    assert!(f.absent("[data-testid=idle-warning]").await);
    f.shot("still-waiting").await?;
    f.wait("[data-screen=result][data-outcome=approved]", 60)
        .await?;
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
