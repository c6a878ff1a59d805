//! The kiosk as the only program of a session: the `cage` Wayland compositor
//! on a headless output, run as a plain user (cage refuses to run as root,
//! as a kiosk account would not be root either), with `grim` taking the
//! session's picture.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, ensure, Context, Result};
use image::RgbImage;

/// The account the session runs as (`tests/package.sh` creates it).
pub const SESSION_USER: &str = "onboard-kiosk-session";

/// A running `cage -- onboard-kiosk` session.
pub struct CageSession {
    cage: Child,
    runtime: PathBuf,
    log: PathBuf,
    started: Instant,
}

/// Runs `program` as [`SESSION_USER`], with only the environment given (and
/// a plain `PATH`).
fn as_session_user(env: &[(&str, String)], program: &[&str]) -> Command {
    let mut c = if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", SESSION_USER, "--"]);
        c
    } else {
        let mut c = Command::new("sudo");
        c.args(["-n", "-u", SESSION_USER, "--"]);
        c
    };
    c.args(["env", "-i", "PATH=/usr/local/bin:/usr/bin:/bin"]);
    c.args(env.iter().map(|(k, v)| format!("{k}={v}")));
    c.args(program);
    c
}

fn is_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|m| {
        use std::os::unix::fs::MetadataExt;
        m.uid() == 0
    })
}

fn uid_of(user: &str) -> Result<u32> {
    let out = Command::new("id").args(["-u", user]).output()?;
    ensure!(
        out.status.success(),
        "the user {user} does not exist (tests/package.sh creates it)"
    );
    Ok(String::from_utf8_lossy(&out.stdout).trim().parse()?)
}

impl CageSession {
    /// Starts `cage -- app` on a headless output with `env` for the kiosk.
    pub fn start(app: &Path, env: &[(&str, &str)]) -> Result<Self> {
        let uid = uid_of(SESSION_USER)?;
        let runtime = PathBuf::from(format!("/tmp/onboard-kiosk-cage-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&runtime);
        std::fs::create_dir(&runtime)?;
        std::os::unix::fs::chown(&runtime, Some(uid), None)?;
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))?;
        }
        let log = runtime.with_extension("log");
        let output = std::fs::File::create(&log)?;
        let mut vars: Vec<(&str, String)> = vec![
            ("HOME", format!("/home/{SESSION_USER}")),
            ("XDG_RUNTIME_DIR", runtime.display().to_string()),
            ("WLR_BACKENDS", "headless".into()),
            ("WLR_LIBINPUT_NO_DEVICES", "1".into()),
        ];
        vars.extend(env.iter().map(|(k, v)| (*k, v.to_string())));
        let app = app.display().to_string();
        // `-r -r` turns the output 180°. On a headless output drawn without a
        // GPU, wlroots 0.15 tries to show a full-screen window's buffer
        // directly (direct scan-out), the output refuses the commit, and no
        // frame after the first is ever shown. Turned, the output cannot take
        // the buffer as it is, so cage composes every frame itself; `grim`
        // reads the picture upright. A monitor on a real GPU needs no turn.
        let cage = as_session_user(
            &vars,
            &["dbus-run-session", "--", "cage", "-r", "-r", "--", &app],
        )
        .stdin(Stdio::null())
        // One file, one offset: cage's and the kiosk's lines one after another.
        .stdout(output.try_clone()?)
        .stderr(output)
        .spawn()
        .context("starting cage (apt install cage xwayland grim)")?;
        Ok(Self {
            cage,
            runtime,
            log,
            started: Instant::now(),
        })
    }

    /// The time since cage was started.
    pub fn elapsed(&self) -> Duration {
        self.started.elapsed()
    }

    /// The session's log so far (cage's and the kiosk's).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// Waits for the kiosk to report its first screen; the time since cage
    /// was started.
    pub fn wait_for_first_screen(&mut self, limit: Duration) -> Result<Duration> {
        while self.started.elapsed() < limit {
            if self.log().contains("the window shows its first screen") {
                return Ok(self.started.elapsed());
            }
            if let Some(status) = self.cage.try_wait()? {
                bail!(
                    "cage ended ({status}) before the kiosk showed a screen:\n{}",
                    self.log()
                );
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!("no first screen within {limit:?}:\n{}", self.log())
    }

    /// The whole output, as `grim` takes it.
    pub fn screenshot(&self) -> Result<RgbImage> {
        let file = self.runtime.join("session.png");
        let vars = [
            ("XDG_RUNTIME_DIR", self.runtime.display().to_string()),
            ("WAYLAND_DISPLAY", "wayland-0".to_string()),
        ];
        let out = as_session_user(&vars, &["grim", &file.display().to_string()]).output()?;
        ensure!(
            out.status.success(),
            "grim: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        Ok(image::open(&file)?.to_rgb8())
    }

    /// Stops the kiosk as a service manager would (SIGTERM) and waits for the
    /// session to end with it.
    pub fn quit_kiosk(&mut self) -> Result<Duration> {
        let stopped = as_session_user(&[], &["pkill", "-TERM", "-x", "onboard-kiosk"]).status()?;
        ensure!(stopped.success(), "the kiosk is not running in the session");
        let asked = Instant::now();
        while asked.elapsed() < Duration::from_secs(20) {
            if self.cage.try_wait()?.is_some() {
                return Ok(asked.elapsed());
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        bail!(
            "the session did not end when the kiosk quit:\n{}",
            self.log()
        )
    }
}

impl Drop for CageSession {
    fn drop(&mut self) {
        if self.cage.try_wait().ok().flatten().is_none() {
            let _ = as_session_user(&[], &["pkill", "-KILL", "-u", SESSION_USER]).status();
            let _ = self.cage.wait();
        }
        let _ = std::fs::remove_dir_all(&self.runtime);
        let _ = std::fs::remove_file(&self.log);
    }
}
