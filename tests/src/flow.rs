//! The page-object harness for the window tests: the real app launched
//! through tauri-driver, one helper per screen and step, and what the tests
//! measure about the app's process.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use fantoccini::Locator;

use crate::{artifacts_dir, built_binary, driver::App};

pub struct Flow {
    pub app: App,
    pub shots: PathBuf,
    pub name: &'static str,
    n: usize,
    /// Each app gets a D-Bus session and keyring of its own, unless the test brings one.
    pub bus: Option<crate::keyring::PrivateKeyring>,
    /// A display of the test's own, when its window must keep the keyboard focus.
    pub display: Option<crate::display::PrivateDisplay>,
    /// Screenshots at each step (off for runs of many sessions).
    pub screenshots: bool,
}

impl Flow {
    pub async fn launch(name: &'static str, env: &[(&str, &str)]) -> Result<Self> {
        Self::launch_with_output(name, env, None).await
    }

    /// As [`Flow::launch`], on an X display of its own: windows other tests
    /// open meanwhile cannot take the keyboard focus (and with it `:focus`
    /// styles) away from this one.
    pub async fn launch_alone(name: &'static str, env: &[(&str, &str)]) -> Result<Self> {
        Self::launch_alone_on(name, env, crate::display::PrivateDisplay::start()?).await
    }

    /// As [`Flow::launch_alone`], on `display`.
    pub async fn launch_alone_on(
        name: &'static str,
        env: &[(&str, &str)],
        display: crate::display::PrivateDisplay,
    ) -> Result<Self> {
        let mut env = env.to_vec();
        env.push(display.env());
        let mut flow = Self::launch_with_output(name, &env, None).await?;
        flow.display = Some(display);
        Ok(flow)
    }

    pub async fn launch_with_output(
        name: &'static str,
        env: &[(&str, &str)],
        output: Option<&std::path::Path>,
    ) -> Result<Self> {
        Self::launch_to(name, env, output, "[data-screen=welcome]").await
    }

    /// As [`Flow::launch_with_output`], ready when `ready` (a CSS selector) shows.
    pub async fn launch_to(
        name: &'static str,
        env: &[(&str, &str)],
        output: Option<&std::path::Path>,
        ready: &str,
    ) -> Result<Self> {
        let binary = built_binary("KIOSK_APP_BIN", "onboard-kiosk");
        let bus = if env.iter().any(|(k, _)| *k == "DBUS_SESSION_BUS_ADDRESS") {
            None
        } else {
            Some(crate::keyring::PrivateKeyring::start(name)?)
        };
        let mut env = env.to_vec();
        if let Some(bus) = &bus {
            env.push(bus.env());
        }
        let app = App::launch_with_output(&binary, &env, output).await?;
        app.wait_visible(ready, Duration::from_secs(30)).await?;
        let shots = artifacts_dir().join("flow");
        std::fs::create_dir_all(&shots)?;
        // Screenshots of an earlier run of this test would mix with this run's.
        // (`{name}-NN-…`: "admin" must not take "admin-live-…" along.)
        for entry in std::fs::read_dir(&shots)?.filter_map(|e| e.ok()) {
            let file = entry.file_name().to_string_lossy().into_owned();
            let ours = file.strip_prefix(name).and_then(|r| r.strip_prefix('-'));
            if ours.is_some_and(|r| {
                r.len() > 3 && r[..2].bytes().all(|b| b.is_ascii_digit()) && &r[2..3] == "-"
            }) {
                std::fs::remove_file(entry.path())?;
            }
        }
        Ok(Self {
            app,
            shots,
            name,
            n: 0,
            bus,
            display: None,
            screenshots: true,
        })
    }

    pub async fn shot(&mut self, what: &str) -> Result<()> {
        if !self.screenshots {
            return Ok(());
        }
        self.n += 1;
        let path = self
            .shots
            .join(format!("{}-{:02}-{what}.png", self.name, self.n));
        self.app.screenshot(&path).await
    }

    pub async fn click(&self, css: &str) -> Result<()> {
        self.app
            .wait_visible(css, Duration::from_secs(20))
            .await?
            .click()
            .await?;
        Ok(())
    }

    pub async fn wait(&self, css: &str, secs: u64) -> Result<()> {
        self.app
            .wait_visible(css, Duration::from_secs(secs))
            .await?;
        Ok(())
    }

    pub async fn type_into(&self, css: &str, text: &str) -> Result<()> {
        self.app
            .wait_visible(css, Duration::from_secs(10))
            .await?
            .send_keys(text)
            .await?;
        Ok(())
    }

    pub async fn choose_training_outcome(&self, outcome: &str) -> Result<()> {
        self.click(&format!(
            "[data-testid=training-outcome] option[value={outcome}]"
        ))
        .await
    }

    pub async fn body_text(&self) -> Result<String> {
        Ok(self
            .app
            .client
            .find(Locator::Css("body"))
            .await?
            .text()
            .await?)
    }

    pub async fn invoke_with(
        &self,
        command: &str,
        args: serde_json::Value,
    ) -> Result<serde_json::Value> {
        self.app.step(format!("calling `{command}`"));
        Ok(self
            .app
            .client
            .execute_async(
                "const [cmd, args, done] = arguments; window.__TAURI_INTERNALS__.invoke(cmd, args).then(done, (e) => done({ error: e }));",
                vec![command.into(), args],
            )
            .await?)
    }

    pub async fn invoke(&self, command: &str) -> Result<serde_json::Value> {
        Ok(self
            .app
            .client
            .execute_async(
                "const [cmd, done] = arguments; window.__TAURI_INTERNALS__.invoke(cmd).then(done, (e) => done({ error: e }));",
                vec![command.into()],
            )
            .await?)
    }

    /// Start → details (attendant) → document → every capture → send.
    pub async fn run_to_submission(&mut self, document: &str, details: bool) -> Result<()> {
        self.click("[data-testid=start]").await?;
        if details {
            self.wait("[data-screen=details]", 10).await?;
            self.type_into("input[name=email]", "anna.weber@example.com")
                .await?;
            self.shot("details").await?;
            self.click("[data-testid=details-continue]").await?;
        }
        self.wait("[data-screen=document]", 20).await?;
        self.click(&format!("[data-document={document}]")).await?;
        // The code finds the country whatever the screen's language.
        self.type_into("[data-testid=country-search]", "deu")
            .await?;
        self.click("[data-country=DEU]").await?;
        self.shot("document").await?;
        self.click("[data-testid=document-continue]").await?;
        self.capture_all().await?;
        self.wait("[data-screen=submit]", 10).await?;
        self.shot("ready-to-send").await?;
        self.click("[data-testid=send]").await?;
        Ok(())
    }

    /// Lets auto-capture take each picture and keeps it.
    pub async fn capture_all(&mut self) -> Result<usize> {
        let mut taken = 0;
        loop {
            self.app.step(format!(
                "looking for the capture step after {taken} pictures"
            ));
            let deadline = Instant::now() + Duration::from_secs(30);
            let slot = loop {
                if let Ok(el) = self
                    .app
                    .client
                    .find(Locator::Css("[data-screen=capture]"))
                    .await
                {
                    // The screen may be replaced between finding and reading it.
                    if let Ok(Some(slot)) = el.attr("data-slot").await {
                        break Some(slot);
                    }
                }
                if self
                    .app
                    .client
                    .find(Locator::Css("[data-screen=submit]"))
                    .await
                    .is_ok()
                {
                    break None;
                }
                if Instant::now() > deadline {
                    bail!("neither a capture nor the submission screen appeared");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            };
            let Some(slot) = slot else { return Ok(taken) };
            self.wait("[data-testid=feedback]", 20).await?;
            if slot == "selfie" {
                // The selfie step shows how to hold the document.
                self.wait("[data-testid=selfie-hint]", 5).await?;
            }
            if taken == 0 || slot == "selfie" {
                tokio::time::sleep(Duration::from_millis(300)).await;
                self.shot(&format!("live-{slot}")).await?;
            }
            if let Err(e) = self.wait("[data-testid=use-photo]", 30).await {
                let _ = self.shot(&format!("stuck-{slot}")).await;
                let stats = self.invoke("camera_stats").await.unwrap_or_default();
                let feedback = self
                    .app
                    .text("[data-testid=feedback]")
                    .await
                    .unwrap_or_default();
                bail!("{e} on the {slot} step; camera: {stats}; feedback: {feedback}");
            }
            self.shot(&format!("still-{slot}")).await?;
            self.click("[data-testid=use-photo]").await?;
            taken += 1;
            // The next screen replaces this one.
            let deadline = Instant::now() + Duration::from_secs(10);
            while self
                .app
                .client
                .find(Locator::Css(&format!(
                    "[data-screen=capture][data-slot={slot}]"
                )))
                .await
                .is_ok()
            {
                if Instant::now() > deadline {
                    bail!("the {slot} capture screen did not close");
                }
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
        }
    }

    pub async fn close(self) -> Result<()> {
        self.app.close().await
    }

    /// Whether nothing matches `css` on the screen now.
    pub async fn absent(&self, css: &str) -> bool {
        self.app.client.find(Locator::Css(css)).await.is_err()
    }

    /// The app's own process (below tauri-driver and WebKitWebDriver).
    pub fn app_pid(&self) -> Result<u32> {
        let driver = self.app.driver_pid().context("no driver")?;
        crate::proc::app_below(driver, &self.app.binary).context("the app process")
    }

    /// TCP ports the app itself listens on, other than the one WebDriver
    /// drives it through (WebKit's inspector server, named in its environment).
    pub fn listening_ports(&self) -> Result<Vec<u16>> {
        let pid = self.app_pid()?;
        let environ = std::fs::read(format!("/proc/{pid}/environ"))?;
        let inspector: Vec<u16> = environ
            .split(|b| *b == 0)
            .filter_map(|v| std::str::from_utf8(v).ok())
            .filter_map(|v| v.strip_prefix("WEBKIT_INSPECTOR_SERVER="))
            .filter_map(|v| v.rsplit(':').next()?.parse().ok())
            .collect();
        Ok(crate::proc::listening_ports(pid)
            .into_iter()
            .filter(|p| !inspector.contains(p))
            .collect())
    }
}

impl Flow {
    /// Start, then on past the details screen without entering anything.
    pub async fn start_without_details(&self) -> Result<()> {
        self.click("[data-testid=start]").await?;
        self.wait("[data-screen=details]", 10).await?;
        self.click("[data-testid=details-continue]").await
    }

    /// The document screen: `document` (a `data-document` value; `None`
    /// keeps the one chosen already), the issuing country found by typing
    /// `search` and picked by its code, then on to the first capture.
    pub async fn choose_document(
        &self,
        document: Option<&str>,
        search: &str,
        country: &str,
    ) -> Result<()> {
        self.wait("[data-screen=document]", 20).await?;
        if let Some(document) = document {
            self.click(&format!("[data-document={document}]")).await?;
        }
        self.type_into("[data-testid=country-search]", search)
            .await?;
        self.click(&format!("[data-country={country}]")).await?;
        self.click("[data-testid=document-continue]").await
    }

    /// The admin PIN form: a wrong PIN first, then the right one. Returns
    /// what the refusal of the wrong one said.
    pub async fn unlock_admin_after_a_wrong_pin(&self, wrong: &str, right: &str) -> Result<String> {
        self.wait("[data-testid=admin-pin-form]", 10).await?;
        self.type_into("input[name=admin-pin]", wrong).await?;
        self.click("[data-testid=admin-unlock]").await?;
        self.wait("[data-testid=admin-error]", 10).await?;
        let refused = self.app.text("[data-testid=admin-error]").await?;
        self.type_into("input[name=admin-pin]", right).await?;
        self.click("[data-testid=admin-unlock]").await?;
        Ok(refused)
    }

    /// Waits until nothing matches `css` (a screen closed), up to `secs`.
    pub async fn wait_gone(&self, css: &str, secs: u64) -> Result<()> {
        let deadline = Instant::now() + Duration::from_secs(secs);
        while !self.absent(css).await {
            if Instant::now() > deadline {
                bail!("{css} still shows after {secs} s");
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Ok(())
    }
}

/// Records everything the backend delivers into the web view (command
/// answers and events alike arrive through the IPC callback table), as JSON.
const RECORD_IPC: &str = r#"
const callbacks = window.__TAURI_INTERNALS__.callbacks;
if (!window.__ipcLog) {
  window.__ipcLog = [];
  const record = (d) => { try { window.__ipcLog.push(JSON.stringify(d) ?? "null"); } catch (e) { window.__ipcLog.push(String(d)); } };
  const get = Map.prototype.get;
  callbacks.get = function (id) {
    const callback = get.call(this, id);
    return callback && ((data) => { record(data); return callback(data); });
  };
}
return callbacks.get !== Map.prototype.get;
"#;

impl Flow {
    /// Frames the preview has drawn so far, and the page's clock then (ms).
    pub async fn frames_drawn(&self) -> Result<(f64, f64)> {
        let v = self
            .app
            .client
            .execute(
                "return [Number(document.querySelector('[data-testid=preview]').dataset.drawn), performance.now()];",
                vec![],
            )
            .await?;
        Ok((v[0].as_f64().unwrap_or(0.0), v[1].as_f64().unwrap_or(0.0)))
    }

    pub async fn record_ipc(&self) -> Result<()> {
        let installed = self.app.client.execute(RECORD_IPC, vec![]).await?;
        anyhow::ensure!(
            installed == serde_json::json!(true),
            "IPC recorder not installed"
        );
        Ok(())
    }

    pub async fn ipc_log(&self) -> Result<Vec<String>> {
        let log = self
            .app
            .client
            .execute("return window.__ipcLog || [];", vec![])
            .await?;
        Ok(serde_json::from_value(log)?)
    }
}

impl Flow {
    /// Runs the axe-core accessibility rules for WCAG 2.1 A and AA on the
    /// current screen; returns one line per violation.
    pub async fn audit(&self) -> Result<Vec<String>> {
        let loaded = self
            .app
            .client
            .execute("return typeof window.axe === 'object';", vec![])
            .await?;
        if loaded != serde_json::json!(true) {
            let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
                .join("../ui/node_modules/axe-core/axe.min.js");
            let source = std::fs::read_to_string(&path).map_err(|e| {
                anyhow::anyhow!("{}: {e} (run `npm --prefix ui ci`)", path.display())
            })?;
            self.app.client.execute(&source, vec![]).await?;
        }
        let found = self
            .app
            .client
            .execute_async(
                "const done = arguments[0]; \
                 axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] }, resultTypes: ['violations'] }) \
                   .then((r) => done(r.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join(', ')}`)), \
                         (e) => done([`axe could not run: ${e}`]));",
                vec![],
            )
            .await?;
        Ok(serde_json::from_value(found)?)
    }
}

/// A JPEG of about `target` bytes: a detailed 8000×6000 picture (48 MP).
pub fn large_jpeg(target: usize) -> Result<Vec<u8>> {
    use rand::{Rng, SeedableRng};
    let (w, h) = (8000u32, 6000u32);
    let mut noise = 40u8;
    for _ in 0..6 {
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let img = image::RgbImage::from_fn(w, h, |x, y| {
            let base = ((x / 16 + y / 16) % 200) as u8;
            let n: u8 = rng.random_range(0..=noise);
            image::Rgb([base.wrapping_add(n), base / 2 + n / 2, 255 - base])
        });
        let mut jpeg = Vec::new();
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut jpeg, 92).encode_image(&img)?;
        if jpeg.len() > target {
            return Ok(jpeg);
        }
        noise = noise.saturating_mul(2).max(noise.saturating_add(40));
    }
    bail!("no JPEG of {target} bytes could be made")
}

/// Peak resident memory of `pid` so far, in MiB (`VmHWM`).
pub fn peak_rss_mib(pid: u32) -> Result<f64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status"))?;
    let kib: f64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("VmHWM")?;
    Ok(kib / 1024.0)
}

/// A training service that decides within a second.
pub async fn quick_training_service() -> Result<onboard_kiosk::training::TrainingService> {
    use onboard_kiosk::training::{TrainingConfig, TrainingService};
    Ok(TrainingService::start(
        "127.0.0.1:0".parse()?,
        TrainingConfig {
            queue_delay: Duration::from_millis(100),
            review_delay: Duration::from_millis(500),
            ..TrainingConfig::default()
        },
    )
    .await?)
}

/// `kioskctl` with the environment of a kiosk under test.
pub fn kioskctl(env: &[(&str, &str)], args: &[&str], stdin: &str) -> Result<std::process::Output> {
    use std::io::Write;
    let mut child = std::process::Command::new(built_binary("KIOSKCTL_BIN", "kioskctl"))
        .args(args)
        .envs(env.iter().copied())
        .env_remove("KIOSK_APP_TOKEN")
        .env_remove("KIOSK_SECRET_KEY")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()?;
    child
        .stdin
        .take()
        .context("stdin")?
        .write_all(stdin.as_bytes())?;
    let out = child.wait_with_output()?;
    if !out.status.success() {
        bail!(
            "kioskctl {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(out)
}
