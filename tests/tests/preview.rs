//! The live preview's frame rate in the real window. A test binary of its
//! own: cargo runs test binaries one after another, so no other window
//! competes for the processor while it measures.

use std::time::Duration;

use anyhow::Result;
use kiosk_tests::artifacts_dir;
use kiosk_tests::flow::Flow;

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
    f.start_without_details().await?;
    f.choose_document(None, "germ", "DEU").await?;
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
        "metric: preview {fps:.1} fps drawn in the window (goal ≥ 20), checks {checks:.1} per second (goal ≥ 15), camera {camera_fps:.1} fps"
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
    // Judged against the camera in the same run: the window draws at least
    // three quarters of the camera's frames (all of them, measured) and the
    // checks keep up with half of them
    // (15 a second at 30 fps). (An unoptimised build drew 4.9 of 13.5 and
    // checked 2.2: both fail; checks spaced 100 ms apart made 9.9 of 29.8:
    // the second fails. The web view composited through software OpenGL,
    // without a GPU, drew 7.7 to 20 of 30: the first fails.)
    assert!(
        fps >= 0.75 * camera_fps,
        "the window drew {fps:.1} fps of the camera's {camera_fps:.1}"
    );
    assert!(
        checks >= 0.5 * camera_fps,
        "{checks:.1} checks per second for the camera's {camera_fps:.1} fps"
    );
    f.close().await
}
