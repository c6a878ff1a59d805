//! Document-aware capture in the real window: the sample camera shows no
//! card, then a card held too far away, then one held well, and the
//! feedback and the outline over the picture follow it; at the back step
//! the front shown again is caught, and a selfie without a face, or with
//! one too small to compare, waits.

use super::prelude::*;

/// Records every message the feedback shows and every state of the outline,
/// in order, as they change: a poll could miss one that lasts half a second.
const RECORD: &str = r#"
  window.__said = [];
  window.__outline = [];
  const note = () => {
    const fb = document.querySelector('[data-testid=feedback]');
    const said = fb ? fb.dataset.said : null;
    if (said && window.__said[window.__said.length - 1] !== said) window.__said.push(said);
    const o = document.querySelector('[data-testid=outline]');
    const good = o ? o.dataset.good : 'none';
    if (window.__outline[window.__outline.length - 1] !== good) window.__outline.push(good);
  };
  new MutationObserver(note).observe(document.body, {
    subtree: true, childList: true, attributes: true, attributeFilter: ['data-said', 'data-good'],
  });
  note();
"#;

async fn recorded(f: &Flow, what: &str) -> Result<Vec<String>> {
    let v = f
        .app
        .client
        .execute(&format!("return window.{what} || [];"), vec![])
        .await?;
    Ok(serde_json::from_value(v)?)
}

/// Sets what the sample camera shows, and waits until the kiosk has taken it
/// (the bar marks the choice applied; a click on an option while the screen
/// changes can be lost).
async fn sample_camera(f: &Flow, what: &str) -> Result<()> {
    for _ in 0..3 {
        f.click(&format!(
            "[data-testid=training-camera] option[value={what}]"
        ))
        .await?;
        for _ in 0..20 {
            let now = f
                .app
                .client
                .execute(
                    "return document.querySelector('[data-testid=training-camera]').dataset.applied;",
                    vec![],
                )
                .await?;
            if now.as_str() == Some(what) {
                return Ok(());
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    bail!("the sample camera could not be set to {what}")
}

/// Waits for the feedback to say `code` (its text holding `words`), shows
/// it in the screenshot `shot`, and checks that three seconds of checks (five
/// good ones in a row would take the picture) do not take it.
async fn said_and_not_taken(f: &mut Flow, code: &str, words: &str, shot: &str) -> Result<()> {
    if let Err(e) = f
        .wait(&format!("[data-testid=feedback][data-said={code}]"), 20)
        .await
    {
        f.shot(&format!("{shot}-missed")).await?;
        let said = recorded(f, "__said").await?;
        bail!("{e}: the feedback said {said:?}: {}", f.body_text().await?);
    }
    let said = f.app.text("[data-testid=feedback]").await?;
    assert!(said.contains(words), "{said}");
    f.shot(shot).await?;
    tokio::time::sleep(Duration::from_secs(3)).await;
    assert!(
        f.absent("[data-testid=still]").await,
        "{code}: the picture was taken all the same"
    );
    Ok(())
}

fn position(list: &[String], item: &str) -> Option<usize> {
    list.iter().position(|s| s == item)
}

#[tokio::test]
async fn the_feedback_follows_the_card_from_missing_to_far_to_taken() -> Result<()> {
    let mut f = Flow::launch("framing", &[("KIOSK_PROFILE", "attendant")]).await?;
    sample_camera(&f, "no_card").await?;
    f.start_without_details().await?;
    f.choose_document(Some("id_card"), "germ", "DEU").await?;
    f.wait("[data-screen=capture][data-slot=front]", 20).await?;
    f.app.client.execute(RECORD, vec![]).await?;

    // An empty desk: "show the document", and no outline.
    f.wait("[data-testid=feedback][data-said=no_document]", 20)
        .await?;
    let said = f.app.text("[data-testid=feedback]").await?;
    assert!(said.contains("Show the document"), "{said}");
    assert!(f.absent("[data-testid=outline]").await);
    f.shot("no-card").await?;

    // The card far away: found and outlined, amber, "bring it closer".
    sample_camera(&f, "far").await?;
    f.wait("[data-testid=feedback][data-said=document_too_far]", 20)
        .await?;
    f.wait("[data-testid=outline][data-good=false]", 5).await?;
    let said = f.app.text("[data-testid=feedback]").await?;
    assert!(said.contains("Bring the document closer"), "{said}");
    f.shot("far").await?;

    // Held well: the outline turns green and the photo is taken by itself.
    sample_camera(&f, "none").await?;
    // The green outline lasts the few checks before the picture is taken:
    // caught for the screenshot when the screen is quick enough (the
    // recording below is what the test relies on).
    if f.wait("[data-testid=outline][data-good=true]", 10)
        .await
        .is_ok()
    {
        f.shot("good").await?;
    }
    f.wait("[data-testid=still]", 30).await?;
    f.shot("taken").await?;
    let said = recorded(&f, "__said").await?;
    let outline = recorded(&f, "__outline").await?;
    let (missing, far) = (
        position(&said, "no_document"),
        position(&said, "document_too_far"),
    );
    assert!(
        missing.is_some() && far.is_some() && missing < far,
        "the feedback said: {said:?}"
    );
    let amber = position(&outline, "false").expect("an amber outline");
    let green = outline
        .iter()
        .rposition(|s| s == "true")
        .expect("a green outline");
    assert!(amber < green, "the outline was: {outline:?}");
    // The still is the good card's: no framing problem on it.
    let problems = f.app.text("[data-testid=still]").await?;
    assert!(
        !problems.contains("closer") && !problems.contains("Show the document"),
        "{problems}"
    );

    // At the back step the front is shown again: caught, and not taken.
    sample_camera(&f, "front_twice").await?;
    f.click("[data-testid=use-photo]").await?;
    f.wait("[data-screen=capture][data-slot=back]", 20).await?;
    said_and_not_taken(
        &mut f,
        "same_side_again",
        "turn the document over",
        "front-twice",
    )
    .await?;
    sample_camera(&f, "none").await?;
    f.wait(
        "[data-screen=capture][data-slot=back] [data-testid=still]",
        30,
    )
    .await?;

    // A selfie with the card but without the face is not taken by itself.
    sample_camera(&f, "no_face").await?;
    f.click("[data-testid=use-photo]").await?;
    f.wait("[data-screen=capture][data-slot=selfie]", 20)
        .await?;
    said_and_not_taken(&mut f, "no_face", "Show your face", "no-face").await?;
    // Standing too far back: asked to come closer, and not taken either.
    sample_camera(&f, "standing_back").await?;
    said_and_not_taken(&mut f, "face_too_small", "Come closer", "standing-back").await?;
    sample_camera(&f, "none").await?;
    f.wait(
        "[data-screen=capture][data-slot=selfie] [data-testid=still]",
        30,
    )
    .await?;
    f.close().await
}
