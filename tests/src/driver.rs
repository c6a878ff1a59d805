//! The real kiosk app, started through tauri-driver and WebKitWebDriver, and
//! driven like a person would through its web view.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
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
    /// The drivers' and the app's own output (removed after a test that
    /// passed, when the harness chose the file).
    output: PathBuf,
    own_output: bool,
    watchdog: Option<Watchdog>,
}

/// How long one step of a test (a wait, a screenshot, a command) may take
/// before the app counts as hung: longer than the longest wait a test sets
/// (`KIOSK_TEST_STEP_LIMIT_SECS` changes it).
const STEP_LIMIT_SECS: u64 = 180;

/// What the test last asked of the app, and when.
struct Progress {
    step: String,
    since: Instant,
    finished: bool,
    fired: bool,
}

/// Ends an app under test that stops answering. A WebDriver request to a web
/// view that no longer answers never returns; when no new step begins within
/// the limit, the watchdog names the step the test was at, prints the end of
/// the app's output, and stops the drivers and the app, so the request fails
/// and the test reports it instead of hanging the run.
struct Watchdog {
    progress: Arc<(Mutex<Progress>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    fn start(limit: Duration, driver: u32, output: PathBuf) -> Self {
        let progress = Arc::new((
            Mutex::new(Progress {
                step: "starting".to_owned(),
                since: Instant::now(),
                finished: false,
                fired: false,
            }),
            Condvar::new(),
        ));
        let shared = Arc::clone(&progress);
        let thread = std::thread::spawn(move || {
            let (lock, wake) = &*shared;
            let mut now = lock.lock().unwrap_or_else(|e| e.into_inner());
            loop {
                if now.finished {
                    return;
                }
                let waited = now.since.elapsed();
                if waited >= limit {
                    break;
                }
                now = wake
                    .wait_timeout(now, limit - waited)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
            eprintln!(
                "the app under test did not answer for {} s, at: {}; stopping it",
                limit.as_secs(),
                now.step
            );
            now.fired = true;
            drop(now);
            print_tail(&output);
            // The whole tree: tauri-driver, WebKitWebDriver and the app.
            let mut pids = crate::proc::tree(driver);
            pids.reverse();
            for pid in pids {
                let _ = Command::new("kill")
                    .args(["-KILL", &pid.to_string()])
                    .status();
            }
        });
        Self {
            progress,
            thread: Some(thread),
        }
    }

    fn step(&self, what: String) {
        let mut now = self.progress.0.lock().unwrap_or_else(|e| e.into_inner());
        now.step = what;
        now.since = Instant::now();
    }

    /// Ends the watch; whether the app had been stopped as hung.
    fn stop(&mut self) -> bool {
        let (lock, wake) = &*self.progress;
        lock.lock().unwrap_or_else(|e| e.into_inner()).finished = true;
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
        lock.lock().unwrap_or_else(|e| e.into_inner()).fired
    }
}

/// The last lines of what the app printed (its log lines, a panic, WebKit's
/// complaints), on stderr, which the test runner shows for a failed test.
/// The logs hold no secrets or personal data.
fn print_tail(output: &Path) {
    let Ok(text) = std::fs::read_to_string(output) else {
        return;
    };
    let lines: Vec<&str> = text.lines().collect();
    let tail = &lines[lines.len().saturating_sub(40)..];
    eprintln!(
        "--- the last {} lines of {} ---\n{}\n---",
        tail.len(),
        output.display(),
        tail.join("\n")
    );
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
        // What the app prints (a panic, WebKit's complaints) is kept: its end
        // is shown when the test fails.
        let own_output = output.is_none();
        let output = output.map_or_else(
            || {
                std::env::temp_dir().join(format!(
                    "kiosk-e2e-output-{}-{port}.txt",
                    std::process::id()
                ))
            },
            Path::to_path_buf,
        );
        let file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&output)?;
        cmd.stdout(file.try_clone()?).stderr(file);
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
        let limit = std::env::var("KIOSK_TEST_STEP_LIMIT_SECS")
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(STEP_LIMIT_SECS);
        let watchdog = Watchdog::start(Duration::from_secs(limit), driver.id(), output.clone());
        Ok(Self {
            client,
            driver: Some(driver),
            binary: binary.to_path_buf(),
            log_dir,
            output,
            own_output,
            watchdog: Some(watchdog),
        })
    }

    /// Notes what the test asks of the app now (named if the app hangs there).
    pub fn step(&self, what: impl Into<String>) {
        if let Some(watchdog) = &self.watchdog {
            watchdog.step(what.into());
        }
    }

    /// Lets this app run as long as the test needs (runs of many sessions,
    /// with long rests between steps).
    pub fn without_step_limit(&mut self) {
        if let Some(mut watchdog) = self.watchdog.take() {
            watchdog.stop();
        }
    }

    /// Lets each step take at most `limit` from now on.
    pub fn set_step_limit(&mut self, limit: Duration) {
        self.without_step_limit();
        if let Some(driver) = &self.driver {
            self.watchdog = Some(Watchdog::start(limit, driver.id(), self.output.clone()));
        }
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
        self.step(format!("waiting for `{css}`"));
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
        self.step(format!("reading the text of `{css}`"));
        Ok(self.client.find(Locator::Css(css)).await?.text().await?)
    }

    /// Saves a screenshot of the web view after the next paint.
    ///
    /// WebKitGTK's driver takes the screenshot after the web view's next
    /// presentation. A page that changes nothing (a still photo, a result)
    /// presents nothing more when the page is drawn in shared memory, and the
    /// request would wait for ever; so while the screenshot is taken, one
    /// corner pixel of the page changes its (all but invisible) shade every
    /// frame.
    pub async fn screenshot(&self, path: &Path) -> Result<()> {
        self.step(format!(
            "waiting two frames before the screenshot {}",
            path.display()
        ));
        self.client
            .execute_async(SCREENSHOT_TICK_START, vec![])
            .await?;
        self.step(format!("taking the screenshot {}", path.display()));
        let png = self.client.screenshot().await;
        self.step(format!(
            "tidying up after the screenshot {}",
            path.display()
        ));
        self.client.execute(SCREENSHOT_TICK_STOP, vec![]).await?;
        std::fs::write(path, png?)?;
        Ok(())
    }

    pub async fn close(mut self) -> Result<()> {
        self.step("closing the WebDriver session");
        let closed =
            tokio::time::timeout(Duration::from_secs(10), self.client.clone().close()).await;
        if let Some(driver) = self.driver.take() {
            stop_driver(driver);
        }
        if let Some(mut watchdog) = self.watchdog.take() {
            watchdog.stop();
        }
        closed.context("closing the WebDriver session timed out")??;
        if self.own_output {
            let _ = std::fs::remove_file(&self.output);
        }
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
        let told = self.watchdog.take().is_some_and(|mut w| w.stop());
        if let Some(driver) = self.driver.take() {
            if !told {
                print_tail(&self.output);
            }
            stop_driver(driver);
        }
    }
}

/// Starts the corner pixel's frame-by-frame change, and answers after two
/// animation frames (the first may still show the previous paint).
const SCREENSHOT_TICK_START: &str = r#"
const done = arguments[0];
const tick = document.createElement("div");
tick.id = "__screenshot_tick";
tick.style.cssText = "position:fixed;right:0;bottom:0;width:1px;height:1px;pointer-events:none;z-index:2147483647";
document.documentElement.appendChild(tick);
let odd = false;
const step = () => {
  if (!tick.isConnected) return;
  odd = !odd;
  tick.style.background = odd ? "rgba(0,0,0,0.01)" : "rgba(0,0,0,0.02)";
  requestAnimationFrame(step);
};
requestAnimationFrame(step);
requestAnimationFrame(() => requestAnimationFrame(() => done(true)));
"#;

/// Removes the corner pixel the screenshot needed.
const SCREENSHOT_TICK_STOP: &str = r#"document.getElementById("__screenshot_tick")?.remove();"#;
