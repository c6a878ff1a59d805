//! The real kiosk app, started through tauri-driver and WebKitWebDriver, and
//! driven like a person would through its web view.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use fantoccini::{Client, ClientBuilder, Locator};

/// A running app session. Dropping it ends the app and stops tauri-driver with
/// SIGTERM (a killed driver orphans WebKitWebDriver and hangs the test run).
pub struct App {
    pub client: Client,
    driver: Option<Child>,
    pub binary: PathBuf,
    pub log_dir: PathBuf,
}

fn free_port() -> Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

impl App {
    /// Starts the app at `binary` with the extra environment `env`, and waits
    /// until WebDriver answers.
    pub async fn launch(binary: &Path, env: &[(&str, &str)]) -> Result<Self> {
        Self::launch_with_output(binary, env, None).await
    }

    /// As [`App::launch`], with the app's stdout and stderr (through the
    /// drivers, which pass them on) appended to `output`.
    pub async fn launch_with_output(
        binary: &Path,
        env: &[(&str, &str)],
        output: Option<&Path>,
    ) -> Result<Self> {
        let port = free_port()?;
        let native_port = free_port()?;
        let log_dir =
            std::env::temp_dir().join(format!("kiosk-e2e-logs-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&log_dir)?;
        let mut cmd = Command::new("tauri-driver");
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .env("KIOSK_LOG_DIR", &log_dir)
        .env("KIOSK_DATA_DIR", &log_dir)
        .env_remove("KIOSK_APP_TOKEN")
        .env_remove("KIOSK_SECRET_KEY")
        .stdin(Stdio::null());
        match output {
            Some(path) => {
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)?;
                cmd.stdout(file.try_clone()?).stderr(file);
            }
            None => {
                cmd.stdout(Stdio::null()).stderr(Stdio::null());
            }
        }
        for (k, v) in env {
            cmd.env(k, v);
        }
        let driver = cmd
            .spawn()
            .context("tauri-driver could not start: install it with `./kiosk-dev setup`")?;
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), "wry".into());
        caps.insert(
            "tauri:options".into(),
            serde_json::json!({ "application": binary.to_string_lossy() }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(30);
        let client = loop {
            match ClientBuilder::rustls()?
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() < deadline => {
                    let _ = e;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
                Err(e) => {
                    stop_driver(driver);
                    bail!("WebDriver session did not start within 30 s: {e}");
                }
            }
        };
        Ok(Self {
            client,
            driver: Some(driver),
            binary: binary.to_path_buf(),
            log_dir,
        })
    }

    /// The tauri-driver process; the app under test runs below it.
    pub fn driver_pid(&self) -> Option<u32> {
        self.driver.as_ref().map(|d| d.id())
    }

    /// Waits for an element to exist and be displayed.
    pub async fn wait_visible(
        &self,
        css: &str,
        timeout: Duration,
    ) -> Result<fantoccini::elements::Element> {
        let deadline = Instant::now() + timeout;
        loop {
            if let Ok(el) = self.client.find(Locator::Css(css)).await {
                if el.is_displayed().await.unwrap_or(false) {
                    return Ok(el);
                }
            }
            if Instant::now() > deadline {
                bail!("`{css}` was not visible within {timeout:?}");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Text of the first element matching `css`.
    pub async fn text(&self, css: &str) -> Result<String> {
        Ok(self.client.find(Locator::Css(css)).await?.text().await?)
    }

    /// Saves a screenshot of the web view after the next paint.
    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        // Two animation frames: the first may still show the previous paint.
        self.client
            .execute_async(
                "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            )
            .await?;
        let png = self.client.screenshot().await?;
        std::fs::write(path, png)?;
        Ok(())
    }

    pub async fn close(mut self) -> Result<()> {
        let closed =
            tokio::time::timeout(Duration::from_secs(10), self.client.clone().close()).await;
        if let Some(driver) = self.driver.take() {
            stop_driver(driver);
        }
        closed.context("closing the WebDriver session timed out")??;
        Ok(())
    }
}

fn stop_driver(mut driver: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &driver.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = driver.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let _ = driver.kill();
    let _ = driver.wait();
}

impl Drop for App {
    fn drop(&mut self) {
        // Reached with a driver only when a test failed before `close`.
        if let Some(driver) = self.driver.take() {
            stop_driver(driver);
        }
    }
}
