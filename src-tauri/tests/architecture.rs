//! The separation the code depends on: only the shell talks to Tauri, only
//! the UI's backend adapter talks to Tauri from the web view, and modules
//! import only from the floors below their own (the plan in `src/lib.rs`).

use std::path::{Path, PathBuf};

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            if path
                .file_name()
                .is_some_and(|n| n == "node_modules" || n == "dist")
            {
                continue;
            }
            files(&path, ext, out);
        } else if path.extension().is_some_and(|e| e == ext) {
            out.push(path);
        }
    }
}

/// Code lines (comments dropped) that reach for a `tauri` crate: a `tauri` or
/// `tauri_*` path (`tauri::…`, `tauri_specta::…`) or `extern crate tauri`.
fn tauri_uses(source: &str) -> Vec<String> {
    source
        .lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .filter(|l| {
            if l.contains("extern crate tauri") {
                return true;
            }
            let bytes = l.as_bytes();
            l.match_indices("tauri").any(|(i, _)| {
                let starts_word =
                    i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
                let rest = &l[i..];
                let word_len = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                starts_word && rest[word_len..].starts_with("::")
            })
        })
        .map(str::to_owned)
        .collect()
}

#[test]
fn the_detector_sees_imports_and_ignores_comments() {
    assert_eq!(tauri_uses("use tauri::Manager;").len(), 1);
    assert_eq!(
        tauri_uses("    let b = tauri_specta::Builder::new();").len(),
        1
    );
    assert_eq!(tauri_uses("fn f(s: tauri::State<'_, X>) {}").len(), 1);
    assert!(tauri_uses("// tauri::command is only used in the shell").is_empty());
    assert!(tauri_uses("let tauri_like = 1; use crate::x::y;").is_empty());
}

#[test]
fn domain_modules_never_import_tauri() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut rs = Vec::new();
    files(&src, "rs", &mut rs);
    assert!(
        rs.len() > 3,
        "source files not found under {}",
        src.display()
    );
    let offenders: Vec<String> = rs
        .iter()
        .filter(|p| !p.starts_with(src.join("shell")))
        .flat_map(|p| {
            let text = std::fs::read_to_string(p).expect("read source");
            tauri_uses(&text)
                .into_iter()
                .map(move |l| format!("{}: {}", p.display(), l.trim()))
        })
        .collect();
    assert!(
        offenders.is_empty(),
        "only src/shell/ may use tauri:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn only_the_ui_backend_adapter_calls_tauri() {
    let ui = Path::new(env!("CARGO_MANIFEST_DIR")).join("../ui/src");
    let adapter = ui.join("lib/backend");
    let mut sources = Vec::new();
    files(&ui, "ts", &mut sources);
    files(&ui, "svelte", &mut sources);
    assert!(!sources.is_empty());
    let offenders: Vec<String> = sources
        .iter()
        .filter(|p| !p.starts_with(&adapter))
        .filter(|p| {
            let text = std::fs::read_to_string(p).expect("read ui source");
            text.contains("@tauri-apps/") || text.contains("__TAURI")
        })
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        offenders.is_empty(),
        "only ui/src/lib/backend may call Tauri: {offenders:?}"
    );
}

/// The floors of `src/lib.rs`: a module may use modules on lower floors only.
fn floor(module: &str) -> Option<u8> {
    Some(match module {
        "shell" | "cli" => 8,
        "session" => 7,
        "outbox" | "admin" => 6,
        "submission" => 5,
        "review" | "training" | "capture" => 4,
        "verification" => 3,
        "quality" | "credentials" => 2,
        "logging" => 1,
        "config" => 0,
        _ => return None,
    })
}

/// The top-level modules a source text reaches with `crate::…`, comments and
/// its unit tests (`#[cfg(test)]` onwards) left out.
fn crate_uses(source: &str) -> Vec<String> {
    let code = source.split("#[cfg(test)]").next().unwrap_or("");
    let mut found = Vec::new();
    for line in code.lines().map(|l| l.split("//").next().unwrap_or("")) {
        for (i, _) in line.match_indices("crate::") {
            if i > 0
                && (line.as_bytes()[i - 1].is_ascii_alphanumeric()
                    || line.as_bytes()[i - 1] == b'_')
            {
                continue;
            }
            let rest = &line[i + "crate::".len()..];
            if rest.starts_with('{') {
                // `crate::{a, b}` would hide its modules from this test.
                found.push("{grouped}".to_owned());
                continue;
            }
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                found.push(name);
            }
        }
    }
    found
}

#[test]
fn the_import_detector_reads_paths_and_skips_tests_and_comments() {
    let text = "use crate::verification::Client;\n// crate::shell is not used\nlet x = crate::config::data_dir();\n#[cfg(test)]\nmod tests { use crate::session::kiosk::Kiosk; }";
    assert_eq!(crate_uses(text), vec!["verification", "config"]);
    assert!(crate_uses("use onboard_kiosk::session;").is_empty());
    assert_eq!(crate_uses("use crate::{a, b};"), vec!["{grouped}"]);
}

#[test]
fn imports_point_down_the_floors() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut rs = Vec::new();
    files(&src, "rs", &mut rs);
    let mut offenders = Vec::new();
    let mut checked = 0;
    for path in &rs {
        let relative = path.strip_prefix(&src).expect("below src");
        let first = relative.components().next().expect("a path");
        let own = first
            .as_os_str()
            .to_string_lossy()
            .trim_end_matches(".rs")
            .to_owned();
        let Some(own_floor) = floor(&own) else {
            // lib.rs, main.rs and bin/ sit above every floor.
            continue;
        };
        // Unit test files of a module (`tests.rs`, and the files of a
        // `tests/` folder beside it) may reach up for their fixtures.
        if relative.file_name().is_some_and(|n| n == "tests.rs")
            || relative.components().any(|c| c.as_os_str() == "tests")
        {
            continue;
        }
        checked += 1;
        let text = std::fs::read_to_string(path).expect("read source");
        for used in crate_uses(&text) {
            if used == own {
                continue;
            }
            match floor(&used) {
                Some(f) if f < own_floor => {}
                Some(_) => offenders.push(format!("{}: {own} uses {used}", relative.display())),
                None => offenders.push(format!(
                    "{}: {used} has no floor in src/lib.rs and this test",
                    relative.display()
                )),
            }
        }
    }
    assert!(checked > 40, "source files were checked: {checked}");
    assert!(
        offenders.is_empty(),
        "imports that point up or sideways:\n{}",
        offenders.join("\n")
    );
}

#[test]
fn every_module_has_a_floor() {
    let lib = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/lib.rs"))
        .expect("lib.rs");
    for line in lib.lines() {
        if let Some(name) = line
            .strip_prefix("pub mod ")
            .and_then(|r| r.strip_suffix(';'))
        {
            assert!(floor(name).is_some(), "{name} has no floor");
        }
    }
}
