//! The Satchel desktop app: command line, window and the Tauri commands that
//! adapt `satchel-core` to the webview.

mod cli;
mod clipboard;
mod commands;
mod deep_link;
mod dialog;
mod display;
mod error;
mod frame;
mod headless;
mod output;
mod settings;
mod state;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::{Arc, Mutex};

use clap::Parser;
use satchel_core::{
    default_state_dir, default_upload_dir, parse_destination_with, Destination, Effective,
    ErrorInfo, NetworkPolicy, Picker, SourceRegistry, Store, LOCAL_SOURCE,
};
use tauri::http::{header, Response, StatusCode};
use tauri::{AppHandle, Emitter, Manager, RunEvent, UriSchemeContext, WindowEvent};
use tauri_plugin_deep_link::DeepLinkExt;

use crate::cli::{Cli, Command, ConfigCommand, PickerArgs, SourcesCommand};
use crate::state::{AppState, WebviewEvents};

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match &cli.command {
        Some(Command::Upload {
            files,
            picker,
            reach,
            run,
        }) => return headless::upload(files, picker, reach, run),
        Some(Command::Resume {
            reach,
            run,
            discard,
        }) => return headless::resume(reach, run, *discard),
        _ => {}
    }
    match try_main(cli) {
        Ok(code) => code,
        Err(message) => {
            eprintln!("satchel: {message}");
            ExitCode::from(2)
        }
    }
}

fn try_main(mut cli: Cli) -> Result<ExitCode, String> {
    if let Some(Command::Config(ConfigCommand::Show { picker })) = &cli.command {
        let effective = settings::load(picker)?;
        for notice in &effective.notices {
            eprintln!("satchel: warning: {}", notice.message);
        }
        output::text(&effective.show());
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(Command::Sources(SourcesCommand::Forget { name })) = &cli.command {
        let storage = satchel_core::SourceStorage::default();
        let forgotten = storage.forget(name).map_err(|e| e.to_string())?;
        output::text(&if forgotten {
            format!("forgot what {name} kept\n")
        } else {
            format!("{name} kept nothing\n")
        });
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(Command::Sources(SourcesCommand::Signout { name })) = &cli.command {
        let removed = forget_sign_in(name)?;
        output::text(&if removed {
            format!("signed {name} out: its sign-in is gone from the keyring\n")
        } else {
            format!("{name} kept no sign-in in the keyring\n")
        });
        return Ok(ExitCode::SUCCESS);
    }
    let from_link = take_deep_link(&mut cli)?;
    let effective = settings::load(&cli.picker)?;
    if from_link && cli.picker.to.is_some() && effective.destinations.is_empty() {
        return Err(
            "a satchel:// link may choose a destination only from the policy's `destinations`"
                .into(),
        );
    }
    // The same spelling `satchel upload` saves, so the two share a queue.
    let spec = effective
        .destination
        .clone()
        .unwrap_or_else(|| default_upload_dir().display().to_string());
    effective
        .check_s3_endpoint(&spec, cli.reach.s3_endpoint.as_deref())
        .map_err(|e| e.to_string())?;
    if !cli.files.is_empty() {
        local_files_offered(&effective.builtin_sources)?;
    }
    let destination = parse_destination_with(&spec, &settings::reach_options(&cli.reach))
        .map_err(|e| e.to_string())?;
    display::ensure_available().map_err(|e| e.to_string())?;
    run_window(cli, effective, destination, spec, from_link)
}

/// Removes what a source's sign-in kept in the OS keyring; a keyring that
/// does not answer within a few seconds is said, never waited on.
fn forget_sign_in(name: &str) -> Result<bool, String> {
    let (tx, rx) = std::sync::mpsc::channel();
    let name = name.to_owned();
    std::thread::spawn(move || {
        let _ = tx.send(satchel_core::auth::SignIns::forget_kept(
            &satchel_core::auth::KeyringStore,
            &name,
        ));
    });
    match rx.recv_timeout(std::time::Duration::from_secs(10)) {
        Ok(outcome) => outcome.map_err(|e| e.to_string()),
        Err(_) => Err("the keyring did not answer within 10 s".into()),
    }
}

/// How long a sign-in waits for the browser. Debug builds (the test suite)
/// may shorten it with SATCHEL_SIGN_IN_TIMEOUT (seconds).
fn sign_in_timeout() -> std::time::Duration {
    #[cfg(debug_assertions)]
    if let Some(seconds) = std::env::var("SATCHEL_SIGN_IN_TIMEOUT")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
    {
        return std::time::Duration::from_secs(seconds);
    }
    satchel_core::auth::SIGN_IN_TIMEOUT
}

/// Sign-ins for this window: the browser opened by the desktop's URL
/// handler (xdg-open, which honours $BROWSER), changes told to the UI.
fn sign_ins(
    app: &AppHandle,
    remember: bool,
    locale: &str,
) -> Result<Arc<satchel_core::auth::SignIns>, satchel_core::Error> {
    let opener = Arc::new(|url: &str| {
        open::that_detached(url).map_err(|e| satchel_core::Error::SignInFailed {
            reason: format!("the browser could not be opened: {e}"),
        })
    });
    let handle = app.clone();
    let on_change = Arc::new(move |name: &str| {
        let _ = handle.emit(commands::auth::AUTH_EVENT, name);
    });
    Ok(Arc::new(
        satchel_core::auth::SignIns::new(
            Arc::new(satchel_core::auth::KeyringStore),
            remember,
            opener,
            on_change,
        )?
        .with_timeout(sign_in_timeout())
        .with_lang(locale),
    ))
}

/// A file argument as a path: the desktop entry's `%U` hands files over as
/// `file://` URLs (and links as `satchel://`), a shell as paths.
fn local_path(arg: &std::path::Path) -> PathBuf {
    let text = arg.to_string_lossy();
    if text
        .get(..7)
        .is_some_and(|s| s.eq_ignore_ascii_case("file://"))
    {
        if let Some(path) = url::Url::parse(&text)
            .ok()
            .and_then(|u| u.to_file_path().ok())
        {
            return path;
        }
    }
    arg.to_path_buf()
}

/// Files named on the command line (or by a second launch) come from My
/// device: refused when the policy's `builtinSources` leaves it out.
fn local_files_offered(builtin_sources: &[String]) -> Result<(), String> {
    if builtin_sources.iter().any(|s| s == LOCAL_SOURCE) {
        return Ok(());
    }
    Err(format!(
        "files cannot be added from this device: the policy's builtinSources does not offer \
         {LOCAL_SOURCE} (My device)"
    ))
}

/// Whether the window starts uploading by itself when it opens: only for
/// files named on its command line with `uploadInBackground`, never for a
/// link (a web page can open one) nor for a queue restored from before.
fn starts_upload_at_open(from_link: bool, preloaded: usize, background: bool) -> bool {
    !from_link && preloaded > 0 && background
}

/// A lone satchel:// argument becomes picker options, checked like any
/// other command-line options (locks included).
fn take_deep_link(cli: &mut Cli) -> Result<bool, String> {
    let link = match cli.files.as_slice() {
        [only] if deep_link::is_link(&only.to_string_lossy()) => {
            only.to_string_lossy().into_owned()
        }
        _ => return Ok(false),
    };
    let from_link = deep_link::parse(&link)?;
    cli.files.clear();
    cli.picker = PickerArgs {
        sources: cli.picker.sources.clone(),
        source_connect: cli.picker.source_connect.clone(),
        source_script: cli.picker.source_script.clone(),
        ..from_link
    };
    Ok(true)
}

fn run_window(
    cli: Cli,
    effective: Effective,
    destination: Arc<dyn Destination>,
    spec: String,
    from_link: bool,
) -> Result<ExitCode, String> {
    let json = cli.json;
    let upload_now = cli.upload_now;
    let preload: Vec<PathBuf> = cli.files.iter().map(|f| local_path(f)).collect();
    let network = NetworkPolicy::parse(&effective.network_allow, &effective.network_deny)
        .map_err(|e| format!("networkAllow/networkDeny: {e}"))?;
    let spool_limits = effective.spool_limits;
    let policy_check = effective.clone();
    let Effective {
        options,
        mut sources,
        shipped_sources,
        builtin_sources,
        source_capabilities,
        remember_sign_in,
        mut notices,
        lang,
        ..
    } = effective;
    let locale = commands::window::pick_locale(lang.as_deref());
    // The shipped sources `fromSources` names load after the custom ones.
    sources.extend(shipped_sources);
    let auth_locale = locale.clone();
    let app = tauri::Builder::default()
        // First, so a second launch hands its files over before anything else starts.
        .plugin(tauri_plugin_single_instance::init(|app, argv, cwd| {
            forward_second_launch(app, argv, cwd);
        }))
        // satchel:// links: the OS hands them over through the desktop entry's
        // x-scheme-handler; a link for a running picker arrives here.
        .plugin(tauri_plugin_deep_link::init())
        .register_asynchronous_uri_scheme_protocol(frame::SCHEME, |ctx, request, responder| {
            if frame::raw::is_raw(&request) {
                return frame::raw::receive(&ctx, request, responder);
            }
            responder.respond(serve_frame(&ctx, request.uri().host().unwrap_or_default()));
        })
        .setup(move |app| {
            let events = Arc::new(WebviewEvents::new(app.handle().clone()));
            let auth = sign_ins(app.handle(), remember_sign_in, &auth_locale)?;
            let picker = Picker::new(destination, events.clone())
                .with_authorizer(auth.clone())
                .with_options(options)
                .with_network(network)
                .with_spool_limits(spool_limits);
            let picker = Arc::new(take_over_saved_queue(picker, &spec, &policy_check));
            events.watch(&picker);
            let mut preloaded = 0;
            if !preload.is_empty() {
                // Errors (a missing file, say) become notices in the window.
                preloaded = picker.add_paths(&preload, LOCAL_SOURCE).added.len();
            }
            for notice in notices.drain(..) {
                picker.notify(notice);
            }
            let sources = Mutex::new(
                SourceRegistry::new(sources)
                    .with_builtins(builtin_sources)
                    .with_capabilities(source_capabilities),
            );
            let background = picker.options().upload_in_background;
            if upload_now {
                upload_then_exit(app.handle().clone(), picker.clone());
            } else {
                // With uploadInBackground, files start uploading as they are
                // added; those there at start only when they were named on
                // the command line (never for a link, nor a restored queue).
                let at_once = starts_upload_at_open(from_link, preloaded, background);
                tauri::async_runtime::spawn(picker.clone().upload_in_background(at_once));
            }
            app.manage(AppState {
                picker,
                sources,
                storage: satchel_core::SourceStorage::default(),
                auth,
                json,
                locale,
                closing: Default::default(),
            });
            let handle = app.handle().clone();
            app.deep_link().on_open_url(move |event| {
                for url in event.urls() {
                    link_while_open(&handle, url.as_str());
                }
            });
            Ok(())
        })
        .invoke_handler(commands::handler())
        .on_window_event(|window, event| {
            if let WindowEvent::CloseRequested { api, .. } = event {
                ask_before_dropping_uploads(window, api);
            }
        })
        .build(tauri::generate_context!())
        .map_err(|e| format!("cannot start the picker: {e}"))?;

    app.run(|app, event| {
        if let RunEvent::Exit = event {
            let picker = &app.state::<AppState>().picker;
            picker.abort_unfinished_raw();
            // The last changes reach the queue file before the process ends.
            picker.saved_blocking();
            print_result(app);
        }
    });
    Ok(ExitCode::SUCCESS)
}

/// Closing the window while files upload never drops them silently: the
/// view asks whether to go on in the background or pause and close.
/// Otherwise the shown source is unmounted first (its `unmounted` runs),
/// within a short deadline.
fn ask_before_dropping_uploads(window: &tauri::Window, api: &tauri::CloseRequestApi) {
    let state = window.state::<AppState>();
    let uploading = state.picker.is_uploading();
    if uploading && window.is_visible().unwrap_or(true) {
        api.prevent_close();
        let _ = window.emit(commands::window::CLOSE_REQUESTED_EVENT, ());
        return;
    }
    if commands::window::unmount_before_closing(window, &state) {
        api.prevent_close();
    }
}

/// A second `satchel FILE…` while this one runs: its files join this window.
fn forward_second_launch(app: &AppHandle, argv: Vec<String>, cwd: String) {
    if let Some(window) = app.get_webview_window("main") {
        let _ = window.unminimize();
        let _ = window.show();
        let _ = window.set_focus();
    }
    let Ok(second) = Cli::try_parse_from(&argv) else {
        return;
    };
    let paths: Vec<PathBuf> = second
        .files
        .iter()
        .filter(|f| !deep_link::is_link(&f.to_string_lossy()))
        .map(|f| PathBuf::from(&cwd).join(local_path(f)))
        .collect();
    if paths.is_empty() {
        return;
    }
    let state = app.state::<AppState>();
    if let Err(e) = state.require_source(LOCAL_SOURCE) {
        state.picker.notify(ErrorInfo::new(
            "sourceOff",
            format!("the files of a second launch were not added: {e}"),
        ));
        return;
    }
    let picker = state.picker.clone();
    tauri::async_runtime::spawn_blocking(move || {
        picker.add_paths(&paths, LOCAL_SOURCE);
    });
}

/// A satchel:// link for a picker that is already open: its options were
/// fixed when the picker opened, so the person is told rather than surprised.
fn link_while_open(app: &AppHandle, link: &str) {
    let notice = match deep_link::parse(link) {
        Ok(_) => ErrorInfo::new(
            "deepLink",
            format!(
                "{link} arrived while the picker was open: its options take effect in the next picker"
            ),
        )
        .with_arg("link", link),
        Err(e) => ErrorInfo::new("deepLink", e),
    };
    app.state::<AppState>().picker.notify(notice);
}

/// `--upload-now`: upload what was given, then close (exit 1 if any failed).
fn upload_then_exit(app: AppHandle, picker: Arc<Picker>) {
    tauri::async_runtime::spawn(async move {
        let code = match picker.upload().await {
            Ok(done) if done.files_failed.is_empty() => 0,
            _ => 1,
        };
        app.exit(code);
    });
}

/// Answers `satchel-source://s<id>/` with that source's frame document.
fn serve_frame<R: tauri::Runtime>(ctx: &UriSchemeContext<'_, R>, host: &str) -> Response<Vec<u8>> {
    let state = ctx.app_handle().state::<AppState>();
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let document = frame::source_id(host)
        .ok_or_else(|| format!("no source at {host:?}"))
        .and_then(|id| frame::document(&state.lock_sources(), id, &nonce, &state.locale));
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

fn print_result(app: &AppHandle) {
    let state = app.state::<AppState>();
    if !state.json {
        return;
    }
    output::json_line(&state.picker.result());
}

/// Crash safety in the window: the queue is saved as it changes, and an
/// upload interrupted before (here or by `satchel upload`) to the same
/// destination comes back queued, its resume state intact, with a notice;
/// Upload then resumes it from what the server has. An interrupted upload
/// to another destination is left for `satchel resume`, and not overwritten.
fn take_over_saved_queue(picker: Picker, spec: &str, settings: &Effective) -> Picker {
    let store = Store::new(default_state_dir());
    let saved = match store.load() {
        Ok(saved) => saved,
        Err(e) => {
            // Already set aside: say so, and start afresh.
            picker.notify(e.info());
            None
        }
    };
    let Some(saved) = saved.filter(|q| q.unfinished() > 0) else {
        return picker.with_store(store, spec);
    };
    if saved.destination != spec {
        picker.notify(
            ErrorInfo::new(
                "interruptedElsewhere",
                format!(
                    "an interrupted upload of {} file(s) to {} is waiting: run `satchel resume` to finish it",
                    saved.unfinished(),
                    saved.destination
                ),
            )
            .with_arg("count", saved.unfinished())
            .with_arg("destination", &saved.destination),
        );
        return picker;
    }
    // A policy installed since then holds for the queue too: it stays saved,
    // untouched, and nothing of it is sent.
    if let Err(e) = settings.check_saved_queue(&saved) {
        picker.notify(
            ErrorInfo::new(
                "interruptedRefused",
                format!(
                    "an interrupted upload of {} file(s) was not restored: {e}",
                    saved.unfinished()
                ),
            )
            .with_arg("count", saved.unfinished())
            .with_arg("reason", e.to_string()),
        );
        return picker;
    }
    let waiting = saved.unfinished();
    picker.restore(saved);
    picker.notify(
        ErrorInfo::new(
            "interruptedUpload",
            format!(
                "{waiting} file(s) from an interrupted upload are back in the queue: Upload resumes them"
            ),
        )
        .with_arg("count", waiting),
    );
    picker.with_store(store, spec)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_files_on_the_command_line_start_an_upload_at_open() {
        assert!(starts_upload_at_open(false, 2, true));
        assert!(!starts_upload_at_open(false, 2, false));
        // A link never starts one, nor does a restored queue alone.
        assert!(!starts_upload_at_open(true, 2, true));
        assert!(!starts_upload_at_open(false, 0, true));
    }

    #[test]
    fn the_desktop_entry_hands_links_over() {
        let entry = include_str!("linux/satchel.desktop");
        // GIO passes URLs (satchel://) only for %u and %U; %F drops them.
        assert!(entry.contains("\nExec=satchel %U\n"), "{entry}");
    }

    #[test]
    fn file_urls_from_the_desktop_entry_are_paths() {
        assert_eq!(
            local_path(std::path::Path::new("file:///tmp/a%20b.txt")),
            PathBuf::from("/tmp/a b.txt")
        );
        assert_eq!(
            local_path(std::path::Path::new("rel/a.txt")),
            PathBuf::from("rel/a.txt")
        );
    }

    #[test]
    fn command_line_files_need_my_device() {
        assert!(local_files_offered(&["local_file_system".into()]).is_ok());
        let err = local_files_offered(&["url".into()]).unwrap_err();
        assert!(err.contains("builtinSources"), "{err}");
    }
}
