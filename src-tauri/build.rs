//! Tauri's build step. The commands the UI may call are declared once, in
//! `src-tauri/commands/list.rs`: each gets a permission here, and the
//! capability file `src-tauri/capabilities/default.json` must grant exactly
//! those (besides the event listeners), or the build fails saying what to
//! add or remove.

use std::collections::BTreeSet;

const LIST: &str = "src-tauri/commands/list.rs";
const CAPABILITY: &str = "src-tauri/capabilities/default.json";
/// Granted besides the commands: the UI listens for state events.
const EVENT_PERMISSIONS: &[&str] = &["core:event:allow-listen", "core:event:allow-unlisten"];

fn main() {
    println!("cargo:rerun-if-changed={LIST}");
    println!("cargo:rerun-if-changed={CAPABILITY}");
    let list = std::fs::read_to_string(LIST).unwrap_or_else(|e| panic!("{LIST}: {e}"));
    let commands = command_names(&list);
    check_capability(&commands);
    let names: &'static [&'static str] = Vec::leak(
        commands
            .into_iter()
            .map(|name| &*String::leak(name))
            .collect(),
    );
    let manifest = tauri_build::AppManifest::new().commands(names);
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(manifest);
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {e:#}");
    }
}

/// The `area::name` lines of the list, as names.
fn command_names(list: &str) -> Vec<String> {
    list.lines()
        .map(str::trim)
        .filter(|line| !line.starts_with("//"))
        .filter_map(|line| line.strip_suffix(','))
        .filter_map(|path| path.split_once("::"))
        .map(|(_, name)| name.trim().to_owned())
        .collect()
}

fn check_capability(commands: &[String]) {
    let text = std::fs::read_to_string(CAPABILITY).unwrap_or_else(|e| panic!("{CAPABILITY}: {e}"));
    let granted: BTreeSet<String> = text
        .split('"')
        .filter(|s| s.starts_with("allow-") || s.starts_with("core:"))
        .map(str::to_owned)
        .collect();
    let wanted: BTreeSet<String> = commands
        .iter()
        .map(|name| format!("allow-{}", name.replace('_', "-")))
        .chain(EVENT_PERMISSIONS.iter().map(|p| (*p).to_owned()))
        .collect();
    let missing: Vec<_> = wanted.difference(&granted).collect();
    let extra: Vec<_> = granted.difference(&wanted).collect();
    if !missing.is_empty() || !extra.is_empty() {
        panic!("{CAPABILITY} must grant exactly the commands of {LIST}: add {missing:?}, remove {extra:?}");
    }
}
