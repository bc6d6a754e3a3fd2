//! The Satchel desktop app: command line, window and the Tauri commands that
//! adapt `satchel-core` to the webview.

mod cli;
mod commands;
mod dialog;
mod display;
mod error;
mod headless;
mod state;

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use satchel_core::{
    default_state_dir, default_upload_dir, parse_destination_with, Destination, ErrorInfo, Picker,
    Store, LOCAL_SOURCE,
};
use tauri::{Manager, RunEvent};

use crate::cli::{Cli, Command};
use crate::state::{AppState, WebviewEvents};

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    // The headless commands never look for a display.
    match &cli.command {
        Some(Command::Upload {
            files,
            to,
            reach,
            run,
        }) => return headless::upload(files, to.to.clone(), reach, run),
        Some(Command::Resume {
            reach,
            run,
            discard,
        }) => return headless::resume(reach, run, *discard),
        None => {}
    }
    match try_main(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("satchel: {message}");
            ExitCode::from(2)
        }
    }
}

fn try_main(cli: Cli) -> Result<ExitCode, String> {
    // The same spelling `satchel upload` saves, so the two share a queue.
    let spec = cli
        .to
        .to
        .clone()
        .unwrap_or_else(|| default_upload_dir().display().to_string());
    let destination: Arc<dyn Destination> =
        parse_destination_with(&spec, &cli.reach.options()).map_err(|e| e.to_string())?;
    display::ensure_available().map_err(|e| e.to_string())?;

    let json = cli.json;
    let background = cli.upload_in_background;
    let preload = cli.files;
    let app = tauri::Builder::default()
        .setup(move |app| {
            let events = Arc::new(WebviewEvents(app.handle().clone()));
            let picker = Picker::new(destination, events).with_background(background);
            let picker = Arc::new(take_over_saved_queue(picker, &spec));
            if !preload.is_empty() {
                // Errors (a missing file, say) become notices in the window.
                picker.add_paths(&preload, LOCAL_SOURCE);
            }
            let state = AppState {
                picker,
                json,
                background,
            };
            if background && !preload.is_empty() {
                commands::upload::start_in_background(&state);
            }
            app.manage(state);
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::files::get_state,
            commands::files::choose_files,
            commands::files::choose_folder,
            commands::files::add_paths,
            commands::files::remove_file,
            commands::files::dismiss_notice,
            commands::upload::start_upload,
            commands::upload::cancel_file,
            commands::upload::cancel_all,
            commands::upload::pause_file,
            commands::upload::pause_all,
            commands::upload::finish,
        ])
        .build(tauri::generate_context!())
        .map_err(|e| format!("cannot start the picker: {e}"))?;

    app.run(|app, event| {
        if let RunEvent::Exit = event {
            print_result(app);
        }
    });
    Ok(ExitCode::SUCCESS)
}

fn print_result(app: &tauri::AppHandle) {
    let state = app.state::<AppState>();
    if !state.json {
        return;
    }
    match serde_json::to_string(&state.picker.result()) {
        Ok(json) => println!("{json}"),
        Err(e) => eprintln!("satchel: cannot write the JSON result: {e}"),
    }
}

/// Crash safety in the window: the queue is saved as it changes, and an
/// upload interrupted before (here or by `satchel upload`) to the same
/// destination comes back queued, its resume state intact, with a notice;
/// Upload then resumes it from what the server has. An interrupted upload
/// to another destination is left for `satchel resume`, and not overwritten.
fn take_over_saved_queue(picker: Picker, spec: &str) -> Picker {
    let store = Store::new(default_state_dir());
    let saved = match store.load() {
        Ok(saved) => saved,
        Err(e) => {
            // Already set aside: say so, and start afresh.
            picker.notice(e.info());
            None
        }
    };
    let Some(saved) = saved.filter(|q| q.unfinished() > 0) else {
        return picker.with_store(store, spec);
    };
    if saved.destination != spec {
        picker.notice(ErrorInfo {
            kind: "interruptedElsewhere".into(),
            message: format!(
                "an interrupted upload of {} file(s) to {} is waiting: run `satchel resume` to finish it",
                saved.unfinished(),
                saved.destination
            ),
        });
        return picker;
    }
    let waiting = saved.unfinished();
    picker.restore(saved);
    picker.notice(ErrorInfo {
        kind: "interruptedUpload".into(),
        message: format!(
            "{waiting} file(s) from an interrupted upload are back in the queue: Upload resumes them"
        ),
    });
    picker.with_store(store, spec)
}
