//! How the web view draws on Linux. WebKitGTK composites the page through
//! OpenGL; on a machine without a GPU (no render node under `/dev/dri`) that
//! is Mesa's software rasteriser, which takes both cores of a small kiosk PC
//! and draws a third of the camera's frames. Without a render node the
//! DMA-BUF renderer is turned off and the page is drawn in shared memory:
//! every frame of the preview, at a fraction of the processor.
//!
//! Drawn that way, the kiosk's own process needs no OpenGL at all. Left to
//! themselves, GTK (choosing its window's visual) and WebKit (asking the GL
//! display which render node to give the web process) would still load the
//! GL driver into it: Mesa's, with LLVM, is 48 MB of the process's memory
//! for nothing. So GTK's OpenGL is turned off and WebKit is told there is no
//! render node; the web process, which draws the page, is not affected.

use std::ffi::OsString;
use std::path::Path;

/// The WebKitGTK variable that turns the DMA-BUF renderer off.
pub const DISABLE_DMABUF: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";

/// The WebKitGTK variable that names the web process's render node.
pub const RENDER_DEVICE: &str = "WEBKIT_WEB_RENDER_DEVICE_FILE";

/// What the kiosk sets on a machine without a render node, each variable
/// only where the environment has not set it.
pub const SOFTWARE: [(&str, &str); 3] = [
    (DISABLE_DMABUF, "1"),
    ("GDK_GL", "disable"),
    // No DRM device has this name, so the web process gets none, as it
    // would have from the GL display; but the display is never opened.
    (RENDER_DEVICE, "/dev/dri/none"),
];

/// The variables to set before the window opens: [`SOFTWARE`] when `dri`
/// (`/dev/dri`) holds no GPU render node and the environment has not
/// already decided the renderer; nothing otherwise. `env` reads a variable.
pub fn software_settings(
    dri: &Path,
    env: impl Fn(&str) -> Option<OsString>,
) -> Vec<(&'static str, &'static str)> {
    if env(DISABLE_DMABUF).is_some() || has_render_node(dri) {
        return Vec::new();
    }
    SOFTWARE
        .into_iter()
        .filter(|(name, _)| env(name).is_none())
        .collect()
}

fn has_render_node(dri: &Path) -> bool {
    std::fs::read_dir(dri).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    })
}

/// Sets up the web view's rendering before it starts. Call first thing in
/// `main`, before any thread starts (it sets environment variables).
/// Returns what was decided, to be logged once logging runs.
pub fn prepare() -> Option<&'static str> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    let settings = software_settings(Path::new("/dev/dri"), |name| std::env::var_os(name));
    if settings.is_empty() {
        return None;
    }
    for (name, value) in settings {
        std::env::set_var(name, value);
    }
    Some("no GPU render node: the web view draws in shared memory, without OpenGL in this process")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(settings: &[(&str, &str)]) -> Vec<String> {
        settings.iter().map(|(name, _)| name.to_string()).collect()
    }

    #[test]
    fn only_a_machine_without_a_render_node_draws_in_shared_memory() {
        let dir = tempfile::tempdir().unwrap();
        let dri = dir.path().join("dri");
        let unset = |_: &str| None;
        // No /dev/dri at all (a virtual machine, a container).
        assert_eq!(software_settings(&dri, unset), SOFTWARE.to_vec());
        // A display node alone is no GPU for rendering.
        std::fs::create_dir(&dri).unwrap();
        std::fs::write(dri.join("card0"), b"").unwrap();
        assert_eq!(software_settings(&dri, unset), SOFTWARE.to_vec());
        std::fs::write(dri.join("renderD128"), b"").unwrap();
        assert!(software_settings(&dri, unset).is_empty());
        // Whoever set the renderer decides, either way, and the rest with it.
        std::fs::remove_file(dri.join("renderD128")).unwrap();
        let renderer_set = |name: &str| (name == DISABLE_DMABUF).then(|| "0".into());
        assert!(software_settings(&dri, renderer_set).is_empty());
        // A variable someone set is kept; the others are still set.
        let gl_set = |name: &str| (name == "GDK_GL").then(|| "always".into());
        assert_eq!(
            names(&software_settings(&dri, gl_set)),
            [DISABLE_DMABUF, RENDER_DEVICE]
        );
    }
}
