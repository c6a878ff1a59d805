//! The desktop shell: the only module that imports Tauri.
//!
//! It registers commands and events, owns the managed state, and converts
//! between domain types and what crosses into the web view. It holds no
//! business logic: each command converts its input, calls one domain
//! function, and converts the result.

mod access;
pub mod allocator;
mod commands;
mod error;
mod lockdown;
mod preview;
pub mod rendering;

use std::sync::Arc;

use tauri::Manager;
use tauri_specta::Event;

use crate::config::Settings;
use crate::session::kiosk::{EventSink, KioskEvent};
use crate::session::service::Service;

use commands::KioskState;
pub use error::{ErrorCode, IpcError};

/// Everything the kiosk tells the screen without being asked.
#[derive(Debug, Clone, serde::Serialize, specta::Type, tauri_specta::Event)]
pub struct KioskEventMessage(pub KioskEvent);

/// The commands and events the web view may use. The same builder generates
/// the TypeScript bindings in `ui/src/lib/backend/bindings.ts`.
pub fn specta_builder() -> tauri_specta::Builder<tauri::Wry> {
    tauri_specta::Builder::<tauri::Wry>::new()
        .commands(tauri_specta::collect_commands![
            commands::app_status,
            commands::try_again,
            commands::start_session,
            commands::choose_document,
            commands::start_camera,
            commands::stop_camera,
            commands::camera_stats,
            commands::take_photo,
            commands::cameras,
            commands::choose_camera,
            commands::accept_photo,
            commands::retake,
            commands::submit,
            commands::correct_details,
            commands::current_session,
            commands::end_session,
            commands::set_language,
            commands::set_training_outcome,
            commands::set_sample_impairment,
            commands::recent_applicants,
            commands::outbox_status,
            commands::send_outbox,
            commands::admin_gate,
            commands::admin_unlock,
            commands::admin_close,
            commands::admin_status,
            commands::admin_set_credentials,
            commands::admin_set_webhook_secret,
            commands::admin_clear_credentials,
            commands::admin_set_pin,
            commands::admin_save_settings,
            commands::admin_set_mode,
            commands::admin_verify_connection,
            commands::restart_kiosk,
            commands::quit_kiosk,
        ])
        .events(tauri_specta::collect_events![KioskEventMessage])
}

/// Commands that take a raw body (bytes, not JSON), outside the generated bindings.
pub const RAW_COMMANDS: &[&str] = &["import_photo"];

/// The TypeScript flavour the bindings are written in.
pub fn bindings_language() -> specta_typescript::Typescript {
    specta_typescript::Typescript::default()
        .header("// Generated from the Rust commands by `cargo test -p onboard-kiosk bindings` with UPDATE_BINDINGS=1. Do not edit.")
}

/// Opens the kiosk window and runs until it is closed.
pub fn run() {
    let started = std::time::Instant::now();
    let builder = specta_builder();
    let resolved = Settings::resolve();
    for problem in &resolved.ignored {
        tracing::warn!("{problem}");
    }
    // An organisation file that is not valid is never half used, nor replaced
    // by defaults: the kiosk stays out of service and says what is wrong.
    let unusable = resolved.organisation.error().map(|e| {
        tracing::error!("the organisation's settings file is not valid: {e}");
        format!("the organisation's settings file is not valid: {e}. Correct it, then restart the kiosk.")
    });
    // Out of service or not, the screens show the mode the kiosk is in.
    let mut settings = resolved.settings;
    settings.mode = Some(crate::admin::resolve_mode(&settings));
    tracing::info!(
        profile = ?settings.profile,
        mode = ?settings.mode,
        kiosk_id = crate::config::kiosk_id(),
        managed = ?resolved.organisation.layer().map(|l| l.set_keys()),
        "starting the kiosk"
    );
    let locked = settings.profile == crate::config::Profile::SelfService;
    let mut app = tauri::Builder::default();
    if locked {
        app = app.plugin(tauri_plugin_single_instance::init(|app, _, _| {
            tracing::info!("a second start shows the kiosk already running");
            if let Some(window) = app.get_webview_window("main") {
                let _ = window.set_focus();
            }
        }));
    }
    let result = app
        .plugin(lockdown::navigation_guard())
        .on_window_event(move |window, event| {
            if let tauri::WindowEvent::CloseRequested { api, .. } = event {
                let quitting = window.state::<KioskState>().quitting();
                if lockdown::keep_open(locked, quitting) {
                    tracing::info!("closing the self-service kiosk needs the admin PIN");
                    api.prevent_close();
                }
            }
        })
        .invoke_handler({
            let typed = builder.invoke_handler();
            let raw: Box<dyn Fn(tauri::ipc::Invoke) -> bool + Send + Sync> =
                Box::new(tauri::generate_handler![commands::import_photo]);
            let handler = move |invoke: tauri::ipc::Invoke| {
                if RAW_COMMANDS.contains(&invoke.message.command()) {
                    raw(invoke)
                } else {
                    typed(invoke)
                }
            };
            move |invoke| {
                let command = invoke.message.command().to_owned();
                let verdict = invoke
                    .message
                    .webview_ref()
                    .try_state::<KioskState>()
                    .map(|s| access::decide(&command, s.settings.profile, s.admin.is_open()));
                match verdict {
                    Some(Err(refusal)) => {
                        tracing::warn!(command, "a command was refused: {refusal}");
                        invoke.resolver.reject(IpcError::from(refusal));
                        true
                    }
                    _ => handler(invoke),
                }
            }
        })
        .register_asynchronous_uri_scheme_protocol("kiosk", |ctx, request, responder| {
            let app = ctx.app_handle().clone();
            tauri::async_runtime::spawn_blocking(move || {
                let state = app.state::<KioskState>();
                responder.respond(match state.service.kiosk() {
                    Ok(kiosk) => preview::respond(&kiosk, request.uri()),
                    Err(_) => preview::unavailable(),
                });
            });
        })
        .setup(move |app| {
            builder.mount_events(app);
            if locked {
                if let Some(window) = app.get_webview_window("main") {
                    lockdown::fill_screen(&window);
                }
            }
            let handle = app.handle().clone();
            let events: EventSink = Arc::new(move |e| {
                if let Err(err) = KioskEventMessage(e).emit(&handle) {
                    tracing::warn!("an event did not reach the window: {err}");
                }
            });
            let service = match &unusable {
                Some(detail) => {
                    Service::unusable_settings(settings.clone(), events, detail.clone())
                }
                None => tauri::async_runtime::block_on(Service::start(settings.clone(), events))?,
            };
            tracing::info!(
                mode = ?service.mode(),
                in_service = service.out_of_service().is_none(),
                "kiosk ready"
            );
            app.manage(KioskState {
                admin: Arc::new(crate::admin::Admin::for_kiosk(settings.clone())),
                settings: settings.clone(),
                service,
                quitting: Default::default(),
                started,
                first_screen: std::sync::Once::new(),
            });
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

    /// Every command the web view can call has a decision in `access::ACCESS`,
    /// and the table names no command that does not exist.
    #[test]
    fn every_command_has_an_access_decision() {
        let generated = generated_bindings("commands");
        let mut registered: Vec<&str> = generated
            .split("__TAURI_INVOKE(\"")
            .skip(1)
            .filter_map(|rest| rest.split('"').next())
            .collect();
        registered.extend_from_slice(super::RAW_COMMANDS);
        registered.sort_unstable();
        let mut decided: Vec<&str> = super::access::ACCESS.iter().map(|(n, _)| *n).collect();
        decided.sort_unstable();
        assert!(registered.len() > 30, "commands were found: {registered:?}");
        assert_eq!(registered, decided);
    }

    /// The bindings as the current commands and types generate them.
    fn generated_bindings(test: &str) -> String {
        let fresh = std::env::temp_dir().join(format!("kiosk-{test}-{}.ts", std::process::id()));
        super::specta_builder()
            .export(super::bindings_language(), &fresh)
            .expect("export bindings");
        let generated = std::fs::read_to_string(&fresh).expect("read generated bindings");
        let _ = std::fs::remove_file(&fresh);
        generated
    }

    fn committed_bindings() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../ui/src/lib/backend/bindings.ts")
    }

    /// Fails when a command or type changed and the committed bindings were not regenerated.
    #[test]
    fn bindings_are_current() {
        let generated = generated_bindings("bindings");
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
