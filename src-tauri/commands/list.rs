// Every command the UI may call, declared once. `build.rs` reads this file
// for the commands' permissions (and checks `capabilities/default.json`
// grants exactly these); `commands/mod.rs` makes the invoke handler and the
// TypeScript bindings (`ui/src/lib/bindings.ts`) from it.
commands! {
    typed {
        files::get_state,
        files::choose_files,
        files::choose_folder,
        files::add_paths,
        files::remove_file,
        files::dismiss_notice,
        files::thumbnail,
        images::picture_preview,
        images::set_edit,
        files::add_blob_begin,
        files::add_blob_finish,
        files::add_blob_abort,
        link::link_metadata,
        link::link_add,
        results::copy_link,
        results::open_folder,
        window::ui_config,
        window::close_window,
        sources::list_sources,
        sources::sidebar_sources,
        sources::source_loaded,
        sources::source_failed,
        sources::source_mounted,
        sources::source_unmounted,
        sources::source_view,
        sources::source_action,
        auth::auth_status,
        auth::auth_sign_in,
        auth::auth_cancel,
        auth::auth_sign_out,
        upload::start_upload,
        upload::cancel_file,
        upload::cancel_all,
        upload::pause_file,
        upload::pause_all,
        upload::retry_file,
        upload::finish,
        startup::painted,
    }
    // A raw body (a file's chunk) and its headers: no JSON arguments to type,
    // so ipc.ts wraps these two by hand.
    raw {
        files::add_blob_chunk,
        sources::source_chunk,
    }
}
