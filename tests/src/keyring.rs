//! A Secret Service of a test's own: a private D-Bus session bus with an
//! unlocked gnome-keyring, so an app under test can store credentials without
//! touching (or seeing) any other test's.

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use anyhow::{bail, Context, Result};

pub struct PrivateKeyring {
    bus: Child,
    pub address: String,
    root: PathBuf,
}

impl PrivateKeyring {
    pub fn start(name: &str) -> Result<Self> {
        let root =
            std::env::temp_dir().join(format!("kiosk-keyring-{}-{name}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        let (data, runtime) = (root.join("data"), root.join("run"));
        std::fs::create_dir_all(&data)?;
        std::fs::create_dir_all(&runtime)?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(&runtime, std::fs::Permissions::from_mode(0o700))?;
        }
        let mut bus = Command::new("dbus-daemon")
            .args(["--session", "--nofork", "--print-address=1"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("dbus-daemon could not start (install dbus)")?;
        let mut line = String::new();
        BufReader::new(bus.stdout.take().expect("piped stdout")).read_line(&mut line)?;
        let address = line.trim().to_owned();
        if address.is_empty() {
            let _ = bus.kill();
            bail!("dbus-daemon printed no address");
        }
        let unlocked = Command::new("sh")
            .args([
                "-c",
                "echo -n pw | gnome-keyring-daemon --unlock --components=secrets >/dev/null",
            ])
            .env("DBUS_SESSION_BUS_ADDRESS", &address)
            .env("XDG_DATA_HOME", &data)
            .env("XDG_RUNTIME_DIR", &runtime)
            .status()
            .context("gnome-keyring-daemon could not start")?;
        if !unlocked.success() {
            let _ = bus.kill();
            bail!("gnome-keyring-daemon failed: {unlocked}");
        }
        Ok(Self { bus, address, root })
    }

    /// Locks the login keyring through the Secret Service's own `Lock` call,
    /// as a screen lock or a logout-less reboot leaves it.
    pub fn lock(&self) -> Result<()> {
        let status = Command::new("gdbus")
            .args([
                "call",
                "--session",
                "--dest",
                "org.freedesktop.secrets",
                "--object-path",
                "/org/freedesktop/secrets",
                "--method",
                "org.freedesktop.Secret.Service.Lock",
                "[objectpath '/org/freedesktop/secrets/collection/login']",
            ])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .stdout(Stdio::null())
            .status()
            .context("gdbus could not run")?;
        if !status.success() {
            bail!("locking the keyring failed: {status}");
        }
        Ok(())
    }

    /// Unlocks the login keyring with its password, as logging in does (a
    /// daemon unlocked with the password takes over from the locked one).
    pub fn unlock(&self) -> Result<()> {
        let status = Command::new("sh")
            .args([
                "-c",
                "echo -n pw | gnome-keyring-daemon --replace --unlock --components=secrets >/dev/null 2>&1",
            ])
            .env("DBUS_SESSION_BUS_ADDRESS", &self.address)
            .env("XDG_DATA_HOME", self.root.join("data"))
            .env("XDG_RUNTIME_DIR", self.root.join("run"))
            .status()
            .context("gnome-keyring-daemon could not run")?;
        if !status.success() {
            bail!("unlocking the keyring failed: {status}");
        }
        Ok(())
    }

    /// The environment a process needs to use this keyring.
    pub fn env(&self) -> (&'static str, &str) {
        ("DBUS_SESSION_BUS_ADDRESS", &self.address)
    }
}

impl Drop for PrivateKeyring {
    fn drop(&mut self) {
        // gnome-keyring-daemon leaves when its bus goes away.
        let _ = self.bus.kill();
        let _ = self.bus.wait();
        let _ = std::fs::remove_dir_all(&self.root);
    }
}
