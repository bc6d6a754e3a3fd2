//! End-to-end tests: the real Satchel window under Xvfb, driven through
//! WebDriver (tauri-driver + WebKitWebDriver). Needs what `./x setup` installs.

mod desktop;
mod fake_providers;
mod harness;
mod images;
mod picker;
mod providers;
mod server;
mod signin;
mod sources;
use satchel_test_support as support;
mod tus;
mod ui;
