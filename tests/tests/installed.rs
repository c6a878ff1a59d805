//! The kiosk as an IT department installs it: from its package, with the
//! organisation's settings file, then uninstalled.
//!
//! Run by `tests/package.sh`, which builds the .deb, installs it with apt and
//! runs this test against `/usr/bin` (it is ignored in the plain test run,
//! where nothing is installed).

use std::path::Path;
use std::process::Command;

use std::time::Duration;

use anyhow::{bail, ensure, Context, Result};
use kiosk_tests::cage::CageSession;
use kiosk_tests::flow::{kioskctl, Flow};

const ORGANISATION_FILE: &str = "/etc/onboard-kiosk/kiosk.toml";

/// Removes the organisation file however the test ends.
struct OrganisationFile;

impl OrganisationFile {
    fn write(text: &str) -> Result<Self> {
        std::fs::create_dir_all("/etc/onboard-kiosk")?;
        std::fs::write(ORGANISATION_FILE, text)?;
        Ok(Self)
    }
}

impl Drop for OrganisationFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(ORGANISATION_FILE);
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "needs the kiosk installed from its package: run by tests/package.sh"]
async fn the_installed_kiosk_starts_takes_the_organisations_settings_and_uninstalls_cleanly(
) -> Result<()> {
    // What the package put where.
    for file in [
        "/usr/bin/onboard-kiosk",
        "/usr/bin/kioskctl",
        "/usr/share/applications/Onboard Kiosk.desktop",
        "/usr/share/icons/hicolor/128x128/apps/onboard-kiosk.png",
        "/usr/lib/systemd/user/onboard-kiosk.service",
        "/usr/share/onboard-kiosk/kiosk.schema.json",
        "/usr/share/onboard-kiosk/kiosk.example.toml",
    ] {
        ensure!(Path::new(file).exists(), "{file} was not installed");
    }
    let version = Command::new("kioskctl").arg("--version").output()?;
    ensure!(version.status.success(), "kioskctl --version failed");
    assert_eq!(
        String::from_utf8_lossy(&version.stdout).trim(),
        format!("kioskctl {}", env!("CARGO_PKG_VERSION")),
        "kioskctl is on the PATH"
    );

    // The organisation makes this a self-service kiosk.
    let file = OrganisationFile::write(
        "# pushed by IT\nprofile = \"self_service\"\nidle_timeout_secs = 120\n",
    )?;
    let mut f = Flow::launch("installed", &[]).await?;
    let status = f
        .app
        .client
        .execute_async(
            "const done = arguments[arguments.length - 1]; \
             window.__TAURI_INTERNALS__.invoke('app_status').then(done, e => done({ error: e }));",
            vec![],
        )
        .await?;
    assert_eq!(status["profile"], "self_service", "{status}");
    f.shot("welcome").await?;
    // Staff set the PIN on the computer with the installed kioskctl.
    let (bus_key, bus) = f.bus.as_ref().context("own bus")?.env();
    let set = kioskctl(&[(bus_key, bus)], &["admin", "set-pin"], "246813\n")?;
    ensure!(
        set.status.success(),
        "{}",
        String::from_utf8_lossy(&set.stderr)
    );
    f.click("[data-testid=open-admin]").await?;
    f.type_into("input[name=admin-pin]", "246813").await?;
    f.click("[data-testid=admin-unlock]").await?;
    f.wait("[data-testid=admin-managed-profile]", 10).await?;
    let disabled = f
        .app
        .client
        .execute(
            "return document.querySelector('select[name=profile]').disabled",
            vec![],
        )
        .await?;
    assert_eq!(disabled, true, "a managed profile cannot be changed");
    f.app
        .client
        .execute(
            "document.querySelector('[data-testid=admin-managed-profile]').scrollIntoView({block: 'center'})",
            vec![],
        )
        .await?;
    let id = f.app.text("[data-testid=admin-kiosk-id]").await?;
    assert!(id.contains(ORGANISATION_FILE), "{id}");
    f.shot("admin-managed").await?;
    f.close().await?;

    // `kioskctl doctor` names the file and where each setting comes from.
    let doctor = Command::new("kioskctl")
        .args(["doctor", "--json"])
        .output()?;
    let report: serde_json::Value = serde_json::from_slice(&doctor.stdout)?;
    let setting = |name: &str| {
        report["settings"]
            .as_array()
            .and_then(|s| s.iter().find(|l| l["name"] == name).cloned())
            .unwrap_or_default()
    };
    assert_eq!(setting("profile")["source"], "organisation", "{report}");
    assert_eq!(setting("idle_timeout_secs")["value"], "120", "{report}");
    assert_eq!(setting("camera")["source"], "default", "{report}");

    // The self-service kiosk as the only program of a session.
    the_kiosk_alone_in_a_cage_session()?;

    // A file that is not valid keeps the kiosk out of service, naming the line.
    drop(file);
    let _file = OrganisationFile::write("profile = \"attendant\"\nidle_timeout_secs = 5\n")?;
    let mut f = Flow::launch_to(
        "installed-invalid",
        &[],
        None,
        "[data-screen=out-of-service]",
    )
    .await?;
    let detail = f.app.text("[data-testid=oos-detail]").await?;
    assert!(
        detail.contains("/etc/onboard-kiosk/kiosk.toml, line 2, setting 'idle_timeout_secs'"),
        "{detail}"
    );
    f.shot("organisation-file-invalid").await?;
    f.close().await?;
    let doctor = Command::new("kioskctl")
        .args(["doctor", "--json"])
        .output()?;
    ensure!(
        !doctor.status.success(),
        "doctor fails on an invalid organisation file"
    );
    let report: serde_json::Value = serde_json::from_slice(&doctor.stdout)?;
    let organisation = report["checks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["name"] == "organisation").cloned())
        .unwrap_or_default();
    assert_eq!(organisation["level"], "FAIL", "{report}");

    // Uninstalling removes the program and leaves the user's data alone.
    let data = dirs_data().join("io.onboardkiosk.kiosk");
    let id_before = std::fs::read_to_string(data.join("kiosk-id")).context("the kiosk id")?;
    let removed = Command::new("apt-get")
        .args(["remove", "-y", "-qq", "onboard-kiosk"])
        .env("DEBIAN_FRONTEND", "noninteractive")
        .output()?;
    ensure!(
        removed.status.success(),
        "{}",
        String::from_utf8_lossy(&removed.stderr)
    );
    for gone in [
        "/usr/bin/onboard-kiosk",
        "/usr/bin/kioskctl",
        "/usr/lib/systemd/user/onboard-kiosk.service",
    ] {
        ensure!(
            !Path::new(gone).exists(),
            "{gone} is still there after uninstalling"
        );
    }
    assert_eq!(
        std::fs::read_to_string(data.join("kiosk-id"))?,
        id_before,
        "the data folder is kept"
    );
    Ok(())
}

/// `cage -- onboard-kiosk` on a headless output, as the README sets up a
/// self-service kiosk: the installed kiosk fills the output with its welcome
/// screen (no title bar, no border), and the session ends when the kiosk quits.
fn the_kiosk_alone_in_a_cage_session() -> Result<()> {
    let app = Path::new("/usr/bin/onboard-kiosk");
    let mut session = CageSession::start(app, &[])?;
    let first = session.wait_for_first_screen(Duration::from_secs(90))?;
    // The first screen is the page saying it is starting; the welcome screen
    // follows once the kiosk is ready, and its picture reaches the output a
    // few frames later.
    let (picture, verdict, welcome) = loop {
        let picture = session.screenshot()?;
        let verdict = shows_the_welcome_screen_on_the_whole_output(&picture);
        let since_start = session.elapsed();
        if verdict.is_ok() || since_start > first + Duration::from_secs(20) {
            break (picture, verdict, since_start);
        }
        std::thread::sleep(Duration::from_millis(250));
    };
    let path = kiosk_tests::artifacts_dir().join("installed-cage-session.png");
    picture.save(&path)?;
    if let Err(e) = verdict {
        bail!("{e} (see {})\n{}", path.display(), session.log());
    }
    let ended = session.quit_kiosk()?;
    println!(
        "metric: cage session: first screen {:.1} s and welcome screen (seen by grim) {:.1} s after cage started; the session ended {:.1} s after the kiosk was stopped",
        first.as_secs_f64(),
        welcome.as_secs_f64(),
        ended.as_secs_f64()
    );
    Ok(())
}

/// The welcome screen over the whole output: no pixel of cage's black
/// background in the corners (a window smaller than the output, or one still
/// in its first frame with its shadow), the page's dark header along the top
/// (a title bar, or a web view that was never drawn, is light), and the
/// welcome screen's white cards across the middle (the screen saying the
/// kiosk is starting has none).
fn shows_the_welcome_screen_on_the_whole_output(picture: &image::RgbImage) -> Result<(), String> {
    let (w, h) = picture.dimensions();
    if w < 960 || h < 600 {
        return Err(format!("the output is {w}×{h}"));
    }
    let luma = |x: u32, y: u32| {
        let p = picture.get_pixel(x, y).0;
        (u32::from(p[0]) * 299 + u32::from(p[1]) * 587 + u32::from(p[2]) * 114) / 1000
    };
    for (x, y) in [(0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1)] {
        if picture.get_pixel(x, y).0.iter().all(|&c| c < 8) {
            return Err(format!(
                "the corner ({x}, {y}) shows the compositor's background"
            ));
        }
    }
    let mean = |rows: std::ops::Range<u32>| {
        let n = u64::from(rows.len() as u32) * u64::from(w);
        let sum: u64 = rows
            .flat_map(|y| (0..w).map(move |x| (x, y)))
            .map(|(x, y)| u64::from(luma(x, y)))
            .sum();
        sum / n
    };
    let header = mean(8..40);
    if header > 90 {
        return Err(format!(
            "the top of the output is light (mean brightness {header}): no header of the page"
        ));
    }
    let middle = h / 3..2 * h / 3;
    let white = middle
        .clone()
        .flat_map(|y| (0..w).map(move |x| (x, y)))
        .filter(|&(x, y)| picture.get_pixel(x, y).0.iter().all(|&c| c >= 250))
        .count();
    let share = white as f64 / (f64::from(middle.len() as u32) * f64::from(w));
    if share < 0.15 {
        return Err(format!(
            "{:.0} % of the middle third is white: not the welcome screen's cards",
            share * 100.0
        ));
    }
    Ok(())
}

/// The user's data folder, as the kiosk finds it (`kioskctl` here runs
/// without `KIOSK_DATA_DIR`).
fn dirs_data() -> std::path::PathBuf {
    std::env::var_os("XDG_DATA_HOME")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default())
                .join(".local/share")
        })
}
