//! Robustness and access: a flood at the webhook port, and every screen by keyboard and for assistive technology.

use super::prelude::*;

#[tokio::test]
async fn staff_are_told_in_their_language_why_webhooks_are_off() -> Result<()> {
    // The address is taken by someone else.
    let taken = std::net::TcpListener::bind("127.0.0.1:0")?;
    let listen = taken.local_addr()?.to_string();
    let f = Flow::launch(
        "webhooks-off",
        &[
            ("KIOSK_PROFILE", "attendant"),
            ("KIOSK_WEBHOOK_LISTEN", &listen),
            ("KIOSK_WEBHOOK_SECRET", "a-secret"),
        ],
    )
    .await?;
    f.wait("[data-testid=webhooks-off]", 10).await?;
    f.click("[data-language=de]").await?;
    let told = f.app.text("[data-testid=webhooks-off]").await?;
    assert_eq!(
        told,
        format!("Webhooks sind aus, Prüfungen werden daher beim Dienst abgefragt: Das Terminal kann sie nicht unter {listen} empfangen (die Adresse ist belegt oder gehört nicht zu diesem Computer).")
    );
    drop(taken);
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
    assert!(
        f.absent("[data-testid=webhooks-off]").await,
        "webhooks are on: staff are told nothing"
    );
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
