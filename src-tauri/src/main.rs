// No console window behind the kiosk on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    // First of all: it may run the program again, with the environment as given.
    onboard_kiosk::shell::allocator::tune();
    onboard_kiosk::credentials::take_secrets_from_env();
    onboard_kiosk::config::private_files();
    let rendering = onboard_kiosk::shell::rendering::prepare();
    let _log = onboard_kiosk::logging::init("kiosk", onboard_kiosk::logging::Echo::Stderr);
    if let Some(decided) = rendering {
        tracing::info!("{decided}");
    }
    onboard_kiosk::shell::run();
}
