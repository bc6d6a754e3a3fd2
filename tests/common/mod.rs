//! What the tests of the `satchel` binary share: running it headless with a
//! state folder of its own, and reading what a tus file store holds.
#![allow(dead_code)] // each test binary uses its own part of this

use std::path::Path;
use std::process::{Command, Stdio};

/// `satchel` with no display and its state in `state` (`XDG_STATE_HOME`).
pub fn satchel(state: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_satchel"));
    command
        .env("XDG_STATE_HOME", state)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null());
    command
}

/// Bytes of uploads (not their info files) in a tus file store.
pub fn tus_stored_bytes(storage: &Path) -> u64 {
    std::fs::read_dir(storage)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| !e.file_name().to_string_lossy().ends_with(".json"))
        .map(|e| e.metadata().map(|m| m.len()).unwrap_or(0))
        .sum()
}
