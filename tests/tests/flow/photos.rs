//! Pictures: the camera missing, and photo files that are huge or hostile.

use super::prelude::*;

#[tokio::test]
async fn a_missing_camera_says_so_and_offers_a_way_on() -> Result<()> {
    let mut f = Flow::launch(
        "no-camera",
        &[("KIOSK_PROFILE", "attendant"), ("KIOSK_CAMERA", "webcam")],
    )
    .await?;
    f.start_without_details().await?;
    f.choose_document(Some("id_card"), "spain", "ESP").await?;
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
    let dir_folder = tempfile::Builder::new()
        .prefix("kiosk-import-")
        .tempdir()
        .expect("a temporary folder");
    let dir = dir_folder.path().to_path_buf();
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
async fn a_huge_or_hostile_photo_file_is_handled_within_bounded_memory() -> Result<()> {
    // A folder of this test's own: the window tests run side by side.
    let dir_folder = tempfile::Builder::new()
        .prefix("kiosk-import-large-")
        .tempdir()
        .expect("a temporary folder");
    let dir = dir_folder.path().to_path_buf();
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
    f.start_without_details().await?;
    f.choose_document(Some("id_card"), "germ", "DEU").await?;
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

/// Staff see what the card's machine-readable zone says beside what they
/// entered: the sample card's holder is Giulia Nowak, born 23 April 1994.
#[tokio::test]
async fn staff_see_the_backs_zone_beside_what_was_entered() -> Result<()> {
    let mut f = Flow::launch("zone", &[("KIOSK_PROFILE", "attendant")]).await?;
    f.click("[data-testid=start]").await?;
    f.wait("[data-screen=details]", 10).await?;
    f.type_into("input[name=first_name]", "Giulia").await?;
    f.type_into("input[name=last_name]", "Nowak").await?;
    f.click("[data-testid=details-continue]").await?;
    f.choose_document(Some("id_card"), "germ", "DEU").await?;
    f.wait(
        "[data-screen=capture][data-slot=front] [data-testid=use-photo]",
        30,
    )
    .await?;
    // A card's front has no zone.
    assert!(f.absent("[data-testid=zone]").await);
    f.click("[data-testid=use-photo]").await?;
    f.wait(
        "[data-screen=capture][data-slot=back] [data-testid=zone]",
        30,
    )
    .await?;
    let name = f.app.text("[data-testid=zone-name]").await?;
    assert!(name.starts_with("NOWAK, GIULIA"), "{name}");
    f.wait("[data-testid=zone-name-check][data-matches=true]", 5)
        .await?;
    let born = f.app.text("[data-testid=zone-born]").await?;
    assert_eq!(born, "1994-04-23");
    f.shot("zone").await?;
    f.close().await
}
