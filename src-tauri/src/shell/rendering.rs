//! How the web view draws on Linux. WebKitGTK composites the page through
//! OpenGL; on a machine without a GPU (no render node under `/dev/dri`) that
//! is Mesa's software rasteriser, which takes both cores of a small kiosk PC
//! and draws a third of the camera's frames. Without a render node the
//! DMA-BUF renderer is turned off and the page is drawn in shared memory:
//! every frame of the preview, at a fraction of the processor.

use std::ffi::OsString;
use std::path::Path;

/// The WebKitGTK variable that turns the DMA-BUF renderer off.
pub const DISABLE_DMABUF: &str = "WEBKIT_DISABLE_DMABUF_RENDERER";

/// Whether the DMA-BUF renderer should be turned off: no GPU render node in
/// `dri` (`/dev/dri`), and the environment has not already decided.
pub fn software_only(dri: &Path, already: Option<OsString>) -> bool {
    if already.is_some() {
        return false;
    }
    let render_node = std::fs::read_dir(dri).is_ok_and(|entries| {
        entries
            .flatten()
            .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
    });
    !render_node
}

/// Sets up the web view's rendering before it starts. Call first thing in
/// `main`, before any thread starts (it may set an environment variable).
/// Returns what was decided, to be logged once logging runs.
pub fn prepare() -> Option<&'static str> {
    if cfg!(target_os = "linux")
        && software_only(Path::new("/dev/dri"), std::env::var_os(DISABLE_DMABUF))
    {
        std::env::set_var(DISABLE_DMABUF, "1");
        return Some("no GPU render node: the web view draws in shared memory");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_machine_without_a_render_node_draws_in_shared_memory() {
        let dir = tempfile::tempdir().unwrap();
        let dri = dir.path().join("dri");
        // No /dev/dri at all (a virtual machine, a container).
        assert!(software_only(&dri, None));
        // A display node alone is no GPU for rendering.
        std::fs::create_dir(&dri).unwrap();
        std::fs::write(dri.join("card0"), b"").unwrap();
        assert!(software_only(&dri, None));
        std::fs::write(dri.join("renderD128"), b"").unwrap();
        assert!(!software_only(&dri, None));
        // Whoever set the variable decides, either way.
        std::fs::remove_file(dri.join("renderD128")).unwrap();
        assert!(!software_only(&dri, Some("0".into())));
    }
}
