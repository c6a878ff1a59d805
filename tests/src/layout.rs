//! Whether a screen fits the window: the real layout's boxes, read from the
//! web view, against its viewport.

use std::time::{Duration, Instant};

use anyhow::{bail, Result};

use crate::flow::Flow;

/// The window sizes the kiosk runs at: the commonest field laptop, the
/// default window, a full-HD counter screen, a 5:4 monitor and an upright
/// self-service kiosk.
pub const SIZES: [(u32, u32); 5] = [
    (1366, 768),
    (1280, 800),
    (1920, 1080),
    (1280, 1024),
    (1080, 1920),
];

/// What must be in view on every screen: its heading, its actions (the
/// buttons in `.actions`, and any marked `data-primary`), and, when a dialog
/// is open, the dialog's heading and buttons. For each, whether it lies fully
/// inside the viewport, is not covered by anything else at its centre and
/// sides, and shows its whole label. Returns one line per problem.
const CHECK: &str = r#"
const vw = document.documentElement.clientWidth;
const vh = document.documentElement.clientHeight;
const problems = [];
const screen = document.querySelector("[data-screen]");
if (!screen) return ["no screen is shown"];
const main = document.querySelector("main.content");
if (main && main.scrollTop !== 0) problems.push(`the screen opened scrolled down by ${main.scrollTop} px`);
if (document.documentElement.scrollWidth > vw + 1) {
  const wide = [...document.querySelectorAll("body *")]
    .filter((e) => e.getBoundingClientRect().right > vw + 1 && ![...e.children].some((c) => c.getBoundingClientRect().right > vw + 1))
    .slice(0, 3)
    .map((e) => `${e.tagName.toLowerCase()}.${e.className} to ${Math.round(e.getBoundingClientRect().right)}`);
  problems.push(`the page is ${document.documentElement.scrollWidth} px wide: ${wide.join(", ")}`);
}
const dialog = document.querySelector("[role=alertdialog], [role=dialog]");
const scope = dialog ?? screen;
const wanted = [...scope.querySelectorAll(dialog ? "h2, button" : "h1, .actions button, [data-primary]")]
  .filter((e) => e.getClientRects().length > 0 && getComputedStyle(e).visibility !== "hidden");
if (!wanted.some((e) => e.tagName === "H1" || e.tagName === "H2")) problems.push("no heading");
const name = (e) => `${e.tagName.toLowerCase()}${e.dataset.testid ? "[" + e.dataset.testid + "]" : ""} "${(e.textContent ?? "").trim().slice(0, 40)}"`;
for (const e of wanted) {
  const r = e.getBoundingClientRect();
  if (r.top < -0.5 || r.left < -0.5 || r.bottom > vh + 0.5 || r.right > vw + 0.5) {
    problems.push(`${name(e)} is outside the window: ${Math.round(r.left)},${Math.round(r.top)} to ${Math.round(r.right)},${Math.round(r.bottom)} of ${vw}×${vh}`);
    continue;
  }
  // The centre and the middle of each side, just inside (corners may be rounded off).
  const inset = 3;
  const [mx, my] = [(r.left + r.right) / 2, (r.top + r.bottom) / 2];
  const points = [
    [mx, my],
    [mx, r.top + inset],
    [mx, r.bottom - inset],
    [r.left + inset, my],
    [r.right - inset, my],
  ];
  for (const [x, y] of points) {
    const hit = document.elementFromPoint(x, y);
    if (hit && !e.contains(hit)) {
      problems.push(`${name(e)} is covered at ${Math.round(x)},${Math.round(y)} by ${name(hit)}`);
      break;
    }
  }
  if (e.tagName === "BUTTON" && (e.scrollWidth > e.clientWidth + 1 || e.scrollHeight > e.clientHeight + 1)) {
    problems.push(`${name(e)} does not show its whole label`);
  }
}
const bar = document.querySelector("[data-testid=training-banner]");
if (bar && bar.getBoundingClientRect().height > 72) problems.push(`the training bar is ${Math.round(bar.getBoundingClientRect().height)} px high`);
return problems;
"#;

impl Flow {
    /// Sets the window's inner size and waits until the web view has laid
    /// itself out at it.
    pub async fn resize(&self, width: u32, height: u32) -> Result<()> {
        self.app.client.set_window_rect(0, 0, width, height).await?;
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let got = self
                .app
                .client
                .execute(
                    "return [document.documentElement.clientWidth, window.innerHeight];",
                    vec![],
                )
                .await?;
            let got: (u32, u32) = serde_json::from_value(got)?;
            if got == (width, height) {
                break;
            }
            if Instant::now() > deadline {
                bail!("the window is {}×{}, not {width}×{height}", got.0, got.1);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        // Two animation frames: layout and paint at the new size.
        self.app
            .client
            .execute_async(
                "const done = arguments[0]; requestAnimationFrame(() => requestAnimationFrame(() => done(true)));",
                vec![],
            )
            .await?;
        Ok(())
    }

    /// What does not fit on the screen shown now (empty when everything does).
    pub async fn layout_problems(&self) -> Result<Vec<String>> {
        Ok(serde_json::from_value(
            self.app.client.execute(CHECK, vec![]).await?,
        )?)
    }

    /// Checks the screen shown now at every size in [`SIZES`], taking a
    /// screenshot at each, and returns the problems found, each prefixed with
    /// the screen, size and `label`. Leaves the window at the default size.
    pub async fn check_every_size(&mut self, label: &str) -> Result<Vec<String>> {
        let mut found = Vec::new();
        for (w, h) in SIZES {
            self.resize(w, h).await?;
            for p in self.layout_problems().await? {
                found.push(format!("{label} at {w}×{h}: {p}"));
            }
            self.shot(&format!("{label}-{w}x{h}")).await?;
        }
        self.resize(1280, 800).await?;
        Ok(found)
    }
}
