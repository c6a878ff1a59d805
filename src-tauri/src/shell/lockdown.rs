//! Keeping a self-service kiosk the kiosk: the window fills the screen without
//! decorations, never navigates away from the app, and closes only when staff
//! quit it from the admin area.

use tauri::plugin::TauriPlugin;
use tauri::{Runtime, Url, WebviewWindow};

/// Whether the web view may load `url`: only the app's own pages and its picture scheme.
pub fn navigation_allowed(url: &Url) -> bool {
    match url.scheme() {
        "tauri" | "kiosk" => true,
        // Windows and Android serve the app and the pictures over http on these hosts.
        "http" | "https" => match url.host_str() {
            Some("tauri.localhost" | "kiosk.localhost") => true,
            // The development server, in debug builds only.
            Some("localhost" | "127.0.0.1") => cfg!(debug_assertions),
            _ => false,
        },
        _ => false,
    }
}

/// Refuses every navigation away from the app, in every profile.
pub fn navigation_guard<R: Runtime>() -> TauriPlugin<R> {
    tauri::plugin::Builder::new("navigation-guard")
        .on_navigation(|_, url| {
            let allowed = navigation_allowed(url);
            if !allowed {
                tracing::warn!(
                    scheme = url.scheme(),
                    "navigation away from the kiosk refused"
                );
            }
            allowed
        })
        .build()
}

/// A close request is refused in self-service unless staff are quitting.
pub fn keep_open(locked: bool, quitting: bool) -> bool {
    locked && !quitting
}

/// Full screen without decorations; also sized to the monitor, for screens
/// without a window manager to honour the full-screen request.
pub fn fill_screen<R: Runtime>(window: &WebviewWindow<R>) {
    let _ = window.set_decorations(false);
    let _ = window.set_resizable(false);
    if let Ok(Some(monitor)) = window.current_monitor() {
        let _ = window.set_position(*monitor.position());
        let _ = window.set_size(*monitor.size());
    }
    if let Err(e) = window.set_fullscreen(true) {
        tracing::warn!("the kiosk window could not go full screen: {e}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_app_itself_may_be_shown() {
        for ok in [
            "tauri://localhost/",
            "tauri://localhost/index.html",
            "kiosk://localhost/preview?after=1",
            "http://tauri.localhost/",
            "http://kiosk.localhost/still/front",
        ] {
            assert!(navigation_allowed(&Url::parse(ok).unwrap()), "{ok}");
        }
        for refused in [
            "https://example.com/",
            "http://evil.tauri.localhost.example/",
            "file:///etc/passwd",
            "javascript:alert(1)",
            "data:text/html,hi",
            "ftp://tauri.localhost/",
        ] {
            assert!(
                !navigation_allowed(&Url::parse(refused).unwrap()),
                "{refused}"
            );
        }
    }

    #[test]
    fn a_self_service_window_stays_open_until_staff_quit() {
        assert!(keep_open(true, false));
        assert!(!keep_open(true, true));
        assert!(!keep_open(false, false), "staff profiles close normally");
    }
}
