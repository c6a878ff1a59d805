//! An X display of a test's own (Xvfb), for tests that need their window to
//! keep the keyboard focus while other tests open windows of their own.

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use anyhow::{bail, Context, Result};

pub struct PrivateDisplay {
    server: Child,
    /// The value for `DISPLAY`, such as `:7`.
    pub name: String,
}

impl PrivateDisplay {
    pub fn start() -> Result<Self> {
        Self::start_sized(1600, 900)
    }

    /// A display of `width` × `height` pixels (big enough for every window
    /// size a test sets).
    pub fn start_sized(width: u32, height: u32) -> Result<Self> {
        // `-displayfd 1`: the server picks a free display number and prints it
        // once it accepts connections.
        let mut server = Command::new("Xvfb")
            .args([
                "-displayfd",
                "1",
                "-screen",
                "0",
                &format!("{width}x{height}x24"),
                "-nolisten",
                "tcp",
            ])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("Xvfb could not start (install xvfb)")?;
        let mut line = String::new();
        BufReader::new(server.stdout.take().expect("piped stdout")).read_line(&mut line)?;
        let number = line.trim();
        if number.is_empty() || !number.bytes().all(|b| b.is_ascii_digit()) {
            let _ = server.kill();
            let _ = server.wait();
            bail!("Xvfb printed no display number (got {line:?})");
        }
        let name = format!(":{number}");
        Ok(Self { server, name })
    }

    /// The environment a process needs to draw on this display.
    pub fn env(&self) -> (&'static str, &str) {
        ("DISPLAY", &self.name)
    }
}

impl Drop for PrivateDisplay {
    fn drop(&mut self) {
        let _ = self.server.kill();
        let _ = self.server.wait();
    }
}
