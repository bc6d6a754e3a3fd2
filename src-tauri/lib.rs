//! The Satchel desktop app: command line, window and the Tauri commands that
//! adapt `satchel-core` to the webview.

mod cli;
mod commands;
mod dialog;
mod display;
mod error;
mod frame;
mod state;

use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use satchel_core::{
    default_upload_dir, parse_destination, parse_origin, user_config_path, Destination, ErrorInfo,
    Picker, PickerOptions, SourceFile, SourceRegistry, UserConfig, LOCAL_SOURCE,
};
use tauri::http::{header, Response, StatusCode};
use tauri::{Manager, RunEvent, UriSchemeContext};

use crate::cli::Cli;
use crate::state::{AppState, WebviewEvents};

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match try_main(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("satchel: {message}");
            ExitCode::from(2)
        }
    }
}

fn try_main(cli: Cli) -> Result<ExitCode, String> {
    let destination: Arc<dyn Destination> = match &cli.to {
        Some(spec) => parse_destination(spec).map_err(|e| e.to_string())?,
        None => Arc::new(satchel_core::FolderDestination::new(default_upload_dir())),
    };
    let (source_files, mut startup_errors) = source_files(&cli)?;
    let options = picker_options(&cli);
    display::ensure_available().map_err(|e| e.to_string())?;

    let json = cli.json;
    let preload = cli.files;
    let app = tauri::Builder::default()
        .register_asynchronous_uri_scheme_protocol(frame::SCHEME, |ctx, request, responder| {
            responder.respond(serve_frame(&ctx, request.uri().host().unwrap_or_default()));
        })
        .setup(move |app| {
            let events = Arc::new(WebviewEvents(app.handle().clone()));
            let picker = Arc::new(Picker::new(destination, events).with_options(options));
            if !preload.is_empty() {
                // Errors (a missing file, say) become notices in the window.
                picker.add_paths(&preload, LOCAL_SOURCE);
            }
            for error in startup_errors.drain(..) {
                picker.notify(error);
            }
            let sources = std::sync::Mutex::new(SourceRegistry::new(source_files));
            app.manage(AppState {
                picker,
                sources,
                json,
            });
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::files::get_state,
            commands::files::choose_files,
            commands::files::choose_folder,
            commands::files::add_paths,
            commands::files::remove_file,
            commands::files::dismiss_notice,
            commands::sources::list_sources,
            commands::sources::sidebar_sources,
            commands::sources::source_loaded,
            commands::sources::source_failed,
            commands::sources::source_view,
            commands::sources::source_action,
            commands::sources::source_chunk,
            commands::upload::start_upload,
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

/// Custom sources from the command line and the user's config file. A broken
/// config file is reported in the window, never fatal.
fn source_files(cli: &Cli) -> Result<(Vec<SourceFile>, Vec<ErrorInfo>), String> {
    let connect = cli
        .source_connect
        .iter()
        .map(|o| parse_origin(o))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| format!("--source-connect: {e}"))?;
    let mut files: Vec<SourceFile> = cli
        .sources
        .iter()
        .map(|path| SourceFile {
            path: std::path::absolute(path).unwrap_or_else(|_| path.clone()),
            connect: connect.clone(),
        })
        .collect();
    let mut errors = vec![];
    let config_path = user_config_path();
    match UserConfig::load(&config_path).and_then(|c| c.source_files(&config_path)) {
        Ok(from_config) => files.extend(from_config),
        Err(e) => errors.push(e.info()),
    }
    Ok((files, errors))
}

fn picker_options(cli: &Cli) -> PickerOptions {
    let mut options = PickerOptions::default();
    if let Some(order) = &cli.from_sources {
        options.from_sources = order
            .iter()
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty())
            .collect();
    }
    if let Some(max) = cli.max_files {
        options.max_files = max as usize;
    }
    options.upload_in_background = cli.upload_in_background;
    options
}

/// Answers `satchel-source://s<id>/` with that source's frame document.
fn serve_frame<R: tauri::Runtime>(ctx: &UriSchemeContext<'_, R>, host: &str) -> Response<Vec<u8>> {
    let state = ctx.app_handle().state::<AppState>();
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let document = frame::source_id(host)
        .ok_or_else(|| format!("no source at {host:?}"))
        .and_then(|id| frame::document(&state.lock_sources(), id, &nonce));
    let built = match document {
        Ok((html, csp)) => Response::builder()
            .header(header::CONTENT_TYPE, "text/html; charset=utf-8")
            .header(header::CONTENT_SECURITY_POLICY, csp)
            .header(header::X_CONTENT_TYPE_OPTIONS, "nosniff")
            .header(header::REFERRER_POLICY, "no-referrer")
            .body(html.into_bytes()),
        Err(message) => Response::builder()
            .status(StatusCode::NOT_FOUND)
            .header(header::CONTENT_TYPE, "text/plain; charset=utf-8")
            .body(message.into_bytes()),
    };
    built.unwrap_or_else(|_| Response::new(Vec::new()))
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
