//! The separation the code depends on: only the shell talks to Tauri, and
//! only the UI's backend adapter talks to Tauri from the web view.

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
