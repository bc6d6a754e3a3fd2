//! The UI saying it has painted its first frame, for `./x bench`'s cold
//! start figure: the line is printed only when SATCHEL_REPORT_PAINT is set.

#[tauri::command]
#[specta::specta]
pub fn painted() {
    if std::env::var_os("SATCHEL_REPORT_PAINT").is_some() {
        eprintln!("satchel: painted");
    }
}
