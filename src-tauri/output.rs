//! What Satchel prints for programs on stdout. A reader that went away
//! (`satchel upload … | head -c0`) is not an error worth a panic: the
//! upload happened either way, and the exit status still says how it went.

use std::io::{self, Write};

use serde::Serialize;

/// Prints `value` as one line of JSON, written out as it is made (the
/// result of 100,000 files is about 28 MB: never held whole).
pub fn json_line(value: &impl Serialize) {
    let mut out = io::BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let written = serde_json::to_writer(&mut out, value)
        .map_err(io::Error::from)
        .and_then(|()| out.write_all(b"\n"))
        .and_then(|()| out.flush());
    match written {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            eprintln!("satchel: cannot write the JSON result: {e}")
        }
        _ => {}
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
