//! What the tests of the `satchel` binary share: running it headless and
//! isolated from the machine, and reading what a tus file store holds.
#![allow(dead_code)] // each test binary uses its own part of this

use std::path::Path;
use std::process::{Command, Stdio};

/// `satchel` with no display and its state in `state` (`XDG_STATE_HOME`),
/// isolated from the machine as [`isolate`] says (the other folders inside
/// `state`, beside the `satchel/` folder the app keeps there).
pub fn satchel(state: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_satchel"));
    isolate(&mut command, state);
    command
        .env("XDG_STATE_HOME", state)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdin(Stdio::null());
    command
}

/// Points `command` away from everything of the machine's that Satchel
/// reads: `HOME` and the XDG config, data, state and cache folders go under
/// `root`, and the system policy is `root/policy.toml` (absent unless a test
/// writes it; debug builds read `SATCHEL_POLICY_FILE` instead of
/// `/etc/satchel/policy.toml`). So neither `~/.config/satchel/config.toml`
/// nor an admin's policy changes what a test sees, and nothing is written
/// to the real home. Callers may set any of these again afterwards.
pub fn isolate(command: &mut Command, root: &Path) {
    command
        .env("HOME", root.join("home"))
        .env("XDG_CONFIG_HOME", root.join("config"))
        .env("XDG_DATA_HOME", root.join("data"))
        .env("XDG_STATE_HOME", root.join("state"))
        .env("XDG_CACHE_HOME", root.join("cache"))
        .env("SATCHEL_POLICY_FILE", root.join("policy.toml"));
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
