//! What Satchel prints for programs on stdout. A reader that went away
//! (`satchel upload … | head -c0`) is not an error worth a panic: the
//! upload happened either way, and the exit status still says how it went.

use std::io::{self, Write};

use serde::Serialize;

/// Prints `value` as one line of JSON.
pub fn json_line(value: &impl Serialize) {
    match serde_json::to_string(value) {
        Ok(json) => text(&format!("{json}\n")),
        Err(e) => eprintln!("satchel: cannot write the JSON result: {e}"),
    }
}

/// Prints `text` as it is.
pub fn text(text: &str) {
    let mut out = io::stdout().lock();
    let written = out.write_all(text.as_bytes()).and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            eprintln!("satchel: cannot write to stdout: {e}")
        }
        _ => {}
    }
}
