//! `kioskctl install-autostart` / `remove-autostart`: the kiosk starts when
//! its user logs in and again after a crash.
//!
//! - Linux: the systemd user unit `onboard-kiosk.service` (`Restart=on-failure`),
//!   the package's own (`/usr/lib/systemd/user`) or, for a kiosk run from
//!   elsewhere, one written for this program; enabled for the graphical session.
//! - macOS: a LaunchAgent (`~/Library/LaunchAgents`) with `KeepAlive` on a crash.
//! - Windows: a scheduled task at logon (Assigned Access, in the README, is the
//!   locked-down alternative).

use std::path::{Path, PathBuf};

use super::Failure;

/// The unit the Linux package ships.
pub const UNIT_NAME: &str = "onboard-kiosk.service";
const PACKAGED_UNIT: &str = "/usr/lib/systemd/user/onboard-kiosk.service";
const UNIT_TEMPLATE: &str = include_str!("../../../packaging/linux/onboard-kiosk.service");
const WANTED_BY: &str = "graphical-session.target.wants";
const AGENT_LABEL: &str = "io.onboardkiosk.kiosk";

/// The kiosk's program: `onboard-kiosk` next to this `kioskctl`.
fn kiosk_program() -> Result<PathBuf, Failure> {
    let me = std::env::current_exe().map_err(|e| Failure::Failed(e.to_string()))?;
    let name = if cfg!(windows) {
        "onboard-kiosk.exe"
    } else {
        "onboard-kiosk"
    };
    let kiosk = me.with_file_name(name);
    if kiosk.is_file() {
        Ok(kiosk)
    } else {
        Err(Failure::Failed(format!(
            "the kiosk program is not next to kioskctl ({} is missing)",
            kiosk.display()
        )))
    }
}

/// The unit for a kiosk at `program` (the packaged unit names `/usr/bin/onboard-kiosk`).
pub fn systemd_unit(program: &Path) -> String {
    UNIT_TEMPLATE.replace(
        "ExecStart=/usr/bin/onboard-kiosk",
        &format!("ExecStart={}", program.display()),
    )
}

/// A LaunchAgent that starts the kiosk at login and again after a crash.
pub fn launch_agent(program: &Path) -> String {
    let escaped = program
        .display()
        .to_string()
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;");
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>Label</key>
  <string>{AGENT_LABEL}</string>
  <key>ProgramArguments</key>
  <array>
    <string>{escaped}</string>
  </array>
  <key>RunAtLoad</key>
  <true/>
  <key>KeepAlive</key>
  <dict>
    <key>SuccessfulExit</key>
    <false/>
  </dict>
  <key>ThrottleInterval</key>
  <integer>5</integer>
</dict>
</plist>
"#
    )
}

/// Enables the systemd user unit under `config` (`~/.config/systemd/user`),
/// as `systemctl --user enable` does: a link in the graphical session's wants.
/// Returns the unit the link points at.
pub fn enable_systemd(config: &Path, program: &Path) -> std::io::Result<PathBuf> {
    let packaged = Path::new(PACKAGED_UNIT);
    let unit = if packaged.is_file() && program == Path::new("/usr/bin/onboard-kiosk") {
        packaged.to_path_buf()
    } else {
        let own = config.join(UNIT_NAME);
        std::fs::create_dir_all(config)?;
        std::fs::write(&own, systemd_unit(program))?;
        own
    };
    let wants = config.join(WANTED_BY);
    std::fs::create_dir_all(&wants)?;
    let link = wants.join(UNIT_NAME);
    if link.symlink_metadata().is_ok() {
        std::fs::remove_file(&link)?;
    }
    #[cfg(unix)]
    std::os::unix::fs::symlink(&unit, &link)?;
    #[cfg(not(unix))]
    std::fs::copy(&unit, &link)?;
    Ok(unit)
}

/// Undoes [`enable_systemd`]; true when something was enabled.
pub fn disable_systemd(config: &Path) -> std::io::Result<bool> {
    let mut removed = false;
    for path in [
        config.join(WANTED_BY).join(UNIT_NAME),
        config.join(UNIT_NAME),
    ] {
        if path.symlink_metadata().is_ok() {
            std::fs::remove_file(path)?;
            removed = true;
        }
    }
    Ok(removed)
}

fn systemd_user_dir() -> Result<PathBuf, Failure> {
    dirs::config_dir()
        .map(|d| d.join("systemd/user"))
        .ok_or_else(|| Failure::Failed("this user has no configuration folder".into()))
}

/// Asks a running systemd user manager to read the units again (none runs
/// outside a login session: the link is then read at the next login).
fn reload_systemd() -> bool {
    std::process::Command::new("systemctl")
        .args(["--user", "daemon-reload"])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

fn io(e: std::io::Error) -> Failure {
    Failure::Failed(e.to_string())
}

pub fn install() -> Result<(), Failure> {
    let program = kiosk_program()?;
    if cfg!(target_os = "macos") {
        let agents = dirs::home_dir()
            .ok_or_else(|| Failure::Failed("this user has no home folder".into()))?
            .join("Library/LaunchAgents");
        std::fs::create_dir_all(&agents).map_err(io)?;
        let plist = agents.join(format!("{AGENT_LABEL}.plist"));
        std::fs::write(&plist, launch_agent(&program)).map_err(io)?;
        println!(
            "autostart on: {} starts the kiosk at login and after a crash",
            plist.display()
        );
    } else if cfg!(windows) {
        let status = std::process::Command::new("schtasks")
            .args([
                "/Create",
                "/F",
                "/TN",
                "Onboard Kiosk",
                "/SC",
                "ONLOGON",
                "/RL",
                "LIMITED",
                "/TR",
            ])
            .arg(format!("\"{}\"", program.display()))
            .status()
            .map_err(io)?;
        if !status.success() {
            return Err(Failure::Failed(
                "the scheduled task could not be created (schtasks failed)".into(),
            ));
        }
        println!("autostart on: the scheduled task \"Onboard Kiosk\" starts the kiosk at logon");
    } else {
        let config = systemd_user_dir()?;
        let unit = enable_systemd(&config, &program).map_err(io)?;
        let now = if reload_systemd() {
            "start it now with `systemctl --user start onboard-kiosk`"
        } else {
            "it starts at the next login"
        };
        println!(
            "autostart on: {} (Restart=on-failure) is enabled for the graphical session; {now}",
            unit.display()
        );
    }
    Ok(())
}

pub fn remove() -> Result<(), Failure> {
    let removed = if cfg!(target_os = "macos") {
        let plist =
            dirs::home_dir().map(|h| h.join(format!("Library/LaunchAgents/{AGENT_LABEL}.plist")));
        match plist.filter(|p| p.exists()) {
            Some(p) => std::fs::remove_file(p).map(|_| true).map_err(io)?,
            None => false,
        }
    } else if cfg!(windows) {
        std::process::Command::new("schtasks")
            .args(["/Delete", "/F", "/TN", "Onboard Kiosk"])
            .status()
            .is_ok_and(|s| s.success())
    } else {
        let removed = disable_systemd(&systemd_user_dir()?).map_err(io)?;
        reload_systemd();
        removed
    };
    println!(
        "{}",
        if removed {
            "autostart off: the kiosk no longer starts at login"
        } else {
            "autostart was not on"
        }
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_unit_restarts_a_crashed_kiosk_and_runs_the_program_given() {
        let unit = systemd_unit(Path::new("/opt/kiosk/onboard-kiosk"));
        assert!(
            unit.contains("\nExecStart=/opt/kiosk/onboard-kiosk\n"),
            "{unit}"
        );
        assert!(unit.contains("\nRestart=on-failure\n"));
        assert!(unit.contains("\nWantedBy=graphical-session.target\n"));
        assert!(!unit.contains("/usr/bin/onboard-kiosk"));
        let agent = launch_agent(Path::new(
            "/Applications/Onboard Kiosk.app/Contents/MacOS/onboard-kiosk",
        ));
        assert!(agent.contains(
            "<string>/Applications/Onboard Kiosk.app/Contents/MacOS/onboard-kiosk</string>"
        ));
        assert!(
            agent.contains("<key>SuccessfulExit</key>\n    <false/>"),
            "restarted after a crash only"
        );
    }

    #[test]
    fn enabling_links_the_unit_into_the_graphical_session_and_removing_undoes_it() {
        let dir = tempfile::tempdir().unwrap();
        let config = dir.path().join("systemd/user");
        let program = dir.path().join("onboard-kiosk");
        let unit = enable_systemd(&config, &program).unwrap();
        assert_eq!(unit, config.join(UNIT_NAME));
        let link = config
            .join("graphical-session.target.wants")
            .join(UNIT_NAME);
        assert_eq!(std::fs::read_link(&link).unwrap(), unit);
        let text = std::fs::read_to_string(&link).unwrap();
        assert!(text.contains(&format!("ExecStart={}", program.display())));
        // Twice is harmless.
        enable_systemd(&config, &program).unwrap();
        assert!(disable_systemd(&config).unwrap());
        assert!(link.symlink_metadata().is_err() && !unit.exists());
        assert!(!disable_systemd(&config).unwrap(), "nothing left to remove");
    }
}
