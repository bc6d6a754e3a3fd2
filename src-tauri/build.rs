fn main() {
    // Commands are listed here so each gets a permission, and the capability
    // files in src-tauri/capabilities grant only the ones the UI calls.
    let manifest = tauri_build::AppManifest::new().commands(&[
        "get_state",
        "choose_files",
        "choose_folder",
        "add_paths",
        "remove_file",
        "dismiss_notice",
        "list_sources",
        "sidebar_sources",
        "source_loaded",
        "source_failed",
        "source_mounted",
        "source_unmounted",
        "source_view",
        "source_action",
        "source_chunk",
        "auth_status",
        "auth_sign_in",
        "auth_cancel",
        "auth_sign_out",
        "start_upload",
        "cancel_file",
        "cancel_all",
        "pause_file",
        "pause_all",
        "thumbnail",
        "picture_preview",
        "set_edit",
        "add_blob_begin",
        "add_blob_chunk",
        "add_blob_finish",
        "add_blob_abort",
        "link_metadata",
        "link_add",
        "copy_link",
        "open_folder",
        "ui_config",
        "close_window",
        "retry_file",
        "finish",
        "painted",
    ]);
    let attributes = tauri_build::Attributes::new()
        .capabilities_path_pattern("./src-tauri/capabilities/**/*")
        .app_manifest(manifest);
    if let Err(e) = tauri_build::try_build(attributes) {
        panic!("tauri-build failed: {e:#}");
    }
}
