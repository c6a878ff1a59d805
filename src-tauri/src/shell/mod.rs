//! The desktop shell: the only module that imports Tauri.
//!
//! It registers commands and events, owns the managed state, and converts
//! between domain types and what crosses into the web view. It holds no
//! business logic: each command converts its input, calls one domain
//! function, and converts the result.

mod commands;
mod error;

pub use error::{ErrorCode, IpcError};

/// The commands and events the web view may use. The same builder generates
/// the TypeScript bindings in `ui/src/lib/backend/bindings.ts`.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(tauri_specta::collect_commands![commands::app_status])
}

/// The TypeScript flavour the bindings are written in.
pub fn bindings_language() -> specta_typescript::Typescript {
    specta_typescript::Typescript::default()
        .header("// Generated from the Rust commands by `cargo test -p onboard-kiosk bindings` with UPDATE_BINDINGS=1. Do not edit.")
}

/// Opens the kiosk window and runs until it is closed.
pub fn run() {
    let builder = specta_builder();
    let state = commands::KioskState::from_environment();
    tracing::info!(mode = ?state.mode, profile = ?state.settings.profile, "starting the kiosk");
    let result = tauri::Builder::default()
        .manage(state)
        .invoke_handler(builder.invoke_handler())
        .setup(move |app| {
            builder.mount_events(app);
            Ok(())
        })
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!("the kiosk window could not run: {e}");
        eprintln!("Onboard Kiosk could not open its window: {e}");
        std::process::exit(1);
    }
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    fn committed_bindings() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/backend/bindings.ts")
    }

    /// Fails when a command or type changed and the committed bindings were not regenerated.
    #[test]
    fn bindings_are_current() {
        let fresh = std::env::temp_dir().join(format!("kiosk-bindings-{}.ts", std::process::id()));
        super::specta_builder()
            .export(super::bindings_language(), &fresh)
            .expect("export bindings");
        let generated = std::fs::read_to_string(&fresh).expect("read generated bindings");
        let _ = std::fs::remove_file(&fresh);
        let path = committed_bindings();
        if std::env::var_os("UPDATE_BINDINGS").is_some() {
            std::fs::write(&path, &generated).expect("write bindings");
            return;
        }
        let committed = std::fs::read_to_string(&path).unwrap_or_default();
        assert!(
            committed == generated,
            "{} is stale: run `UPDATE_BINDINGS=1 cargo test -p onboard-kiosk bindings` and commit it",
            path.display()
        );
    }
}
