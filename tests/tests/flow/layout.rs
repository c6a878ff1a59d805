//! Every screen at the sizes the kiosk really runs at, in every language:
//! the heading and every action in view without scrolling, nothing covering
//! them, every label whole. Read from the real layout (element boxes against
//! the viewport), not from a picture.

use super::prelude::*;
use kiosk_tests::display::PrivateDisplay;

/// Walks every screen of an attendant's session in `language` (welcome,
/// details, document, a capture with feedback, the still, the summary,
/// waiting, a retake asked for with its reasons, approved, recent
/// applicants, the admin area and the cancel confirmation) and checks each
/// at every size.
async fn every_screen_fits(language: &'static str, name: &'static str) -> Result<()> {
    let display = PrivateDisplay::start_sized(1920, 1920)?;
    let mut f = Flow::launch_alone_on(
        name,
        &[
            ("KIOSK_PROFILE", "attendant"),
            // Long enough to measure the waiting screen at every size.
            ("KIOSK_TRAINING_REVIEW_SECS", "25"),
        ],
        display,
    )
    .await?;
    f.click(&format!("[data-language={language}]")).await?;
    let mut problems = Vec::new();
    problems.extend(f.check_every_size("welcome").await?);

    f.choose_training_outcome("retry-back-labels").await?;
    f.click("[data-testid=start]").await?;
    f.wait("[data-screen=details]", 10).await?;
    f.type_into("input[name=first_name]", "Maximiliane").await?;
    f.type_into("input[name=last_name]", "Schwarzenberger-Oberhollenzer")
        .await?;
    f.type_into("input[name=email]", "m.schwarzenberger@example.com")
        .await?;
    problems.extend(f.check_every_size("details").await?);
    f.click("[data-testid=details-continue]").await?;

    f.wait("[data-screen=document]", 20).await?;
    f.click("[data-document=id_card]").await?;
    f.type_into("[data-testid=country-search]", "deu").await?;
    f.click("[data-country=DEU]").await?;
    problems.extend(f.check_every_size("document").await?);

    // A blurred sample camera keeps the live view up with a problem shown.
    f.click("[data-testid=training-camera] option[value=blurry]")
        .await?;
    f.click("[data-testid=document-continue]").await?;
    f.wait("[data-screen=capture][data-slot=front]", 20).await?;
    f.wait("[data-testid=feedback]", 20).await?;
    problems.extend(f.check_every_size("capture").await?);
    problems.extend(cancel_asks_first(&mut f).await?);
    f.click("[data-testid=training-camera] option[value=none]")
        .await?;
    f.wait("[data-testid=use-photo]", 30).await?;
    problems.extend(f.check_every_size("still").await?);
    f.click("[data-testid=use-photo]").await?;
    f.wait("[data-screen=capture][data-slot=back]", 20).await?;
    f.capture_all().await?;

    f.wait("[data-screen=submit]", 10).await?;
    problems.extend(f.check_every_size("submit").await?);
    f.click("[data-testid=send]").await?;
    f.wait("[data-screen=waiting]", 20).await?;
    problems.extend(f.check_every_size("waiting").await?);
    assert!(
        !f.absent("[data-screen=waiting]").await,
        "the waiting screen stayed while it was measured"
    );

    f.wait("[data-screen=result][data-outcome=retry]", 60)
        .await?;
    problems.extend(f.check_every_size("retry").await?);
    f.click("[data-testid=retake-rejected]").await?;
    f.capture_all().await?;
    f.wait("[data-screen=submit]", 10).await?;
    f.click("[data-testid=send]").await?;
    f.wait("[data-screen=result][data-outcome=approved]", 90)
        .await?;
    f.wait("[data-testid=verified]", 5).await?;
    problems.extend(f.check_every_size("approved").await?);
    f.click("[data-testid=done]").await?;

    f.wait("[data-screen=welcome]", 10).await?;
    f.click("[data-testid=open-recent]").await?;
    f.wait("[data-screen=recent]", 10).await?;
    problems.extend(f.check_every_size("recent").await?);
    f.click("[data-testid=recent-back]").await?;
    f.click("[data-testid=open-admin]").await?;
    f.wait("[data-screen=admin]", 10).await?;
    problems.extend(f.check_every_size("admin").await?);
    f.close().await?;
    assert!(
        problems.is_empty(),
        "{language}: {} problems:\n{}",
        problems.len(),
        problems.join("\n")
    );
    Ok(())
}

/// Cancel on a capture asks before it wipes what was entered; the question
/// fits too. Staying keeps the session.
async fn cancel_asks_first(f: &mut Flow) -> Result<Vec<String>> {
    f.click("[data-testid=cancel]").await?;
    f.wait("[data-testid=cancel-confirm]", 5).await?;
    let problems = f.check_every_size("cancel-question").await?;
    f.click("[data-testid=cancel-stay]").await?;
    f.wait_gone("[data-testid=cancel-confirm]", 5).await?;
    f.wait("[data-screen=capture][data-slot=front]", 5).await?;
    Ok(problems)
}

#[tokio::test]
async fn every_screen_fits_every_size_in_english() -> Result<()> {
    every_screen_fits("en", "layout-en").await
}

#[tokio::test]
async fn every_screen_fits_every_size_in_german() -> Result<()> {
    every_screen_fits("de", "layout-de").await
}

#[tokio::test]
async fn every_screen_fits_every_size_in_spanish() -> Result<()> {
    every_screen_fits("es", "layout-es").await
}
