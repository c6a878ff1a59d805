//! The memory allocator, set for a process that runs for months.
//!
//! glibc's allocator raises its threshold for handing big blocks straight to
//! the system each time one is freed, so after the first frames the camera's
//! frame-sized buffers (megabytes each, made and freed many times a second on
//! several threads) come from its heaps instead, and what they held stays with
//! the process: the kiosk grew by about 100 MiB over its first sessions, and
//! never gave it back. With the threshold fixed, blocks from 512 KiB up go
//! back to the system when freed, and two heaps are shared by all threads.
//!
//! glibc reads these settings only when a program starts, from
//! `GLIBC_TUNABLES`; the kiosk therefore starts itself once more, in the same
//! process (same id, same arguments and environment), with them set. Someone
//! who set `GLIBC_TUNABLES` themselves keeps theirs.

/// The allocator's settings on Linux with glibc.
pub const GLIBC_TUNABLES: &str = "glibc.malloc.mmap_threshold=524288:glibc.malloc.arena_max=2";

/// Runs this program again with [`GLIBC_TUNABLES`] set, on Linux with glibc,
/// unless the variable is already set. Returns when it is (or when the
/// program cannot be run again, which only costs memory, and is said so).
pub fn tune() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        use std::os::unix::process::CommandExt;
        if std::env::var_os("GLIBC_TUNABLES").is_some() {
            return;
        }
        let Ok(program) = std::env::current_exe() else {
            return;
        };
        let mut args = std::env::args_os();
        let mut again = std::process::Command::new(program);
        if let Some(name) = args.next() {
            again.arg0(name);
        }
        // `exec` returns only when it failed.
        let failed = again
            .args(args)
            .env("GLIBC_TUNABLES", GLIBC_TUNABLES)
            .exec();
        eprintln!("the kiosk runs with the allocator's default settings: {failed}");
    }
}
