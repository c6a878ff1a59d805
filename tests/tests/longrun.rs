//! A kiosk that runs for months: N complete sessions in the real window, one
//! after the other, in one kiosk process (training mode, counter profile),
//! with what the process holds after each.
//!
//! A benchmark, not a test: `./kiosk-dev longrun [SESSIONS]` (100 unless
//! given). It prints a table and writes `tests/artifacts/longrun.json`, with
//! the goals beside the measured values; nothing here fails on a number.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use kiosk_tests::flow::Flow;
use kiosk_tests::{artifacts_dir, proc};

/// After warm-up, the app's memory may grow this much per session at most.
const GROWTH_GOAL_MIB_PER_SESSION: f64 = 0.2;
/// The app's memory at the welcome screen after the run.
const WELCOME_RSS_GOAL_MIB: f64 = 150.0;
/// Log lines a minute of a kiosk at rest on its welcome screen.
const REST_LINES_GOAL_PER_MINUTE: f64 = 10.0;
/// Sessions left out of the growth trend while caches fill.
const WARM_UP: usize = 5;

fn threads(pid: u32) -> usize {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("Threads:").map(|v| v.trim().parse().ok()))
                .flatten()
        })
        .unwrap_or(0)
}

fn descriptors(pid: u32) -> usize {
    std::fs::read_dir(format!("/proc/{pid}/fd"))
        .map(|d| d.count())
        .unwrap_or(0)
}

fn log_lines(dir: &Path) -> usize {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with("kiosk"))
        .filter_map(|e| std::fs::read_to_string(e.path()).ok())
        .map(|t| t.lines().count())
        .sum()
}

fn log_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| e.metadata().ok())
        .map(|m| m.len())
        .sum()
}

struct Sample {
    session: usize,
    app_mib: f64,
    tree_mib: f64,
    threads: usize,
    fds: usize,
    log_lines: usize,
}

fn sample(f: &Flow, session: usize) -> Result<Sample> {
    let pid = f.app_pid()?;
    let tree: u64 = proc::tree(pid)
        .iter()
        .filter_map(|p| proc::rss_kib(*p))
        .sum();
    Ok(Sample {
        session,
        app_mib: proc::rss_kib(pid).unwrap_or(0) as f64 / 1024.0,
        tree_mib: (tree + proc::rss_kib(pid).unwrap_or(0)) as f64 / 1024.0,
        threads: threads(pid),
        fds: descriptors(pid),
        log_lines: log_lines(&f.app.log_dir),
    })
}

/// The least-squares slope of `y` over `x`.
fn slope(points: &[(f64, f64)]) -> f64 {
    let n = points.len() as f64;
    let (sx, sy) = points
        .iter()
        .fold((0.0, 0.0), |(a, b), (x, y)| (a + x, b + y));
    let (mx, my) = (sx / n, sy / n);
    let num: f64 = points.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let den: f64 = points.iter().map(|(x, _)| (x - mx).powi(2)).sum();
    if den == 0.0 {
        0.0
    } else {
        num / den
    }
}

#[tokio::test(flavor = "multi_thread")]
#[ignore = "a benchmark of many minutes: run with ./kiosk-dev longrun [SESSIONS] [--release]"]
async fn many_sessions_in_one_kiosk() -> Result<()> {
    let sessions: usize = std::env::var("KIOSK_LONGRUN_SESSIONS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(100);
    // Which build runs: the README's figures are for the release build, the
    // one that ships; the debug build carries its line tables and is larger.
    let profile = std::env::var("KIOSK_LONGRUN_PROFILE").unwrap_or_else(|_| "debug".into());
    let mut f = Flow::launch(
        "longrun",
        &[
            ("KIOSK_PROFILE", "attendant"),
            ("KIOSK_TRAINING_REVIEW_SECS", "1"),
        ],
    )
    .await?;
    f.screenshots = false;
    f.app.without_step_limit();
    let started = Instant::now();
    let mut samples = vec![sample(&f, 0)?];
    println!("session  app MiB  tree MiB  threads  fds  log lines");
    for n in 1..=sessions {
        f.run_to_submission("id_card", true)
            .await
            .with_context(|| format!("session {n}"))?;
        f.wait("[data-screen=result][data-outcome=approved]", 60)
            .await
            .with_context(|| format!("session {n}'s result"))?;
        f.click("[data-testid=done]").await?;
        f.wait("[data-screen=welcome]", 10).await?;
        let s = sample(&f, n)?;
        println!(
            "{:>7}  {:>7.1}  {:>8.1}  {:>7}  {:>3}  {:>9}",
            s.session, s.app_mib, s.tree_mib, s.threads, s.fds, s.log_lines
        );
        samples.push(s);
    }
    let run_secs = started.elapsed().as_secs_f64();
    // At rest on the welcome screen: the log lines a minute.
    let before = log_lines(&f.app.log_dir);
    let rest = Duration::from_secs(60);
    tokio::time::sleep(rest).await;
    let rest_lines = (log_lines(&f.app.log_dir) - before) as f64 / (rest.as_secs_f64() / 60.0);
    let last = sample(&f, sessions)?;
    let trend: Vec<(f64, f64)> = samples
        .iter()
        .filter(|s| s.session > WARM_UP)
        .map(|s| (s.session as f64, s.app_mib))
        .collect();
    let growth = slope(&trend);
    let tree_growth = slope(
        &samples
            .iter()
            .filter(|s| s.session > WARM_UP)
            .map(|s| (s.session as f64, s.tree_mib))
            .collect::<Vec<_>>(),
    );
    let logs = log_bytes(&f.app.log_dir);
    let judged = |met: bool| if met { "met" } else { "MISSED" };
    println!();
    println!("{sessions} sessions in {run_secs:.0} s ({profile} build)");
    println!(
        "app RSS growth after warm-up: {growth:.3} MiB/session (goal ≤ {GROWTH_GOAL_MIB_PER_SESSION}: {})",
        judged(growth <= GROWTH_GOAL_MIB_PER_SESSION)
    );
    println!("tree RSS growth after warm-up: {tree_growth:.3} MiB/session");
    println!(
        "app RSS at the welcome screen after the run: {:.1} MiB (goal ≤ {WELCOME_RSS_GOAL_MIB}: {})",
        last.app_mib,
        judged(last.app_mib <= WELCOME_RSS_GOAL_MIB)
    );
    println!(
        "log lines a minute at rest: {rest_lines:.1} (goal ≤ {REST_LINES_GOAL_PER_MINUTE}: {})",
        judged(rest_lines <= REST_LINES_GOAL_PER_MINUTE)
    );
    println!("log folder after the run: {:.1} KB", logs as f64 / 1024.0);
    let table: Vec<_> = samples
        .iter()
        .map(|s| {
            serde_json::json!({
                "session": s.session, "app_mib": s.app_mib, "tree_mib": s.tree_mib,
                "threads": s.threads, "fds": s.fds, "log_lines": s.log_lines,
            })
        })
        .collect();
    std::fs::write(
        artifacts_dir().join("longrun.json"),
        serde_json::to_vec_pretty(&serde_json::json!({
            "sessions": sessions,
            "profile": profile,
            "seconds": run_secs,
            "app_growth_mib_per_session": growth,
            "app_growth_goal_mib_per_session": GROWTH_GOAL_MIB_PER_SESSION,
            "tree_growth_mib_per_session": tree_growth,
            "welcome_app_mib": last.app_mib,
            "welcome_app_goal_mib": WELCOME_RSS_GOAL_MIB,
            "rest_log_lines_per_minute": rest_lines,
            "rest_log_lines_goal_per_minute": REST_LINES_GOAL_PER_MINUTE,
            "log_folder_bytes": logs,
            "samples": table,
        }))?,
    )?;
    f.close().await
}
