// No console window on Windows release builds; Satchel is a GUI first.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() -> std::process::ExitCode {
    satchel_app::main()
}
