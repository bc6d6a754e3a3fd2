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

/// Runs `command` to its end and returns what it printed, like
/// `Command::output`, but fails the test (killing the process) if it has
/// not ended within `within`: a hung satchel must not hang the suite.
pub fn output_within(command: &mut Command, within: std::time::Duration) -> std::process::Output {
    use std::io::Read;
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the satchel binary runs");
    let drain = |pipe: Option<Box<dyn Read + Send>>| {
        std::thread::spawn(move || {
            let mut bytes = vec![];
            if let Some(mut pipe) = pipe {
                let _ = pipe.read_to_end(&mut bytes);
            }
            bytes
        })
    };
    let stdout = drain(
        child
            .stdout
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let stderr = drain(
        child
            .stderr
            .take()
            .map(|p| Box::new(p) as Box<dyn Read + Send>),
    );
    let deadline = std::time::Instant::now() + within;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            let _ = child.wait();
            panic!("{command:?} did not end within {within:?}");
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    };
    std::process::Output {
        status,
        stdout: stdout.join().unwrap(),
        stderr: stderr.join().unwrap(),
    }
}
