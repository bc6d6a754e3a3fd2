//! End-to-end tests: the real Satchel window under Xvfb, driven through
//! WebDriver (tauri-driver + WebKitWebDriver). Needs what `./x setup` installs.

mod harness;
mod picker;
#[path = "../../src-tauri/core/tests/support/mod.rs"]
mod support;
mod tus;
