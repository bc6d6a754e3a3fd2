//! MIME detection: the content decides first, the name only when the content
//! has no signature, so a PNG called `notes.txt` is still an image.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// How much of a file the sniffers look at.
const HEAD_LEN: usize = 8192;
const FALLBACK: &str = "application/octet-stream";

/// Reads the start of `path` and detects its MIME type.
pub fn sniff(path: &Path) -> io::Result<String> {
    let mut head = Vec::with_capacity(HEAD_LEN);
    File::open(path)?
        .take(HEAD_LEN as u64)
        .read_to_end(&mut head)?;
    Ok(detect(&head, path))
}

/// Detects a MIME type from the first bytes of a file and its name.
pub fn detect(head: &[u8], name: &Path) -> String {
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_owned();
    }
    if let Some(guess) = mime_guess::from_path(name).first() {
        return guess.essence_str().to_owned();
    }
    if !head.is_empty() && looks_like_text(head) {
        return "text/plain".to_owned();
    }
    FALLBACK.to_owned()
}

/// Text has no NUL bytes and decodes as UTF-8, allowing for a code point cut
/// off at the end of the sniffed window.
fn looks_like_text(head: &[u8]) -> bool {
    if head.contains(&0) {
        return false;
    }
    match std::str::from_utf8(head) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn content_wins_over_the_extension() {
        assert_eq!(detect(PNG, Path::new("notes.txt")), "image/png");
        assert_eq!(detect(b"%PDF-1.7\n", Path::new("x.bin")), "application/pdf");
    }

    #[test]
    fn the_extension_decides_when_content_has_no_signature() {
        assert_eq!(detect(b"a,b\n1,2\n", Path::new("t.csv")), "text/csv");
        assert_eq!(detect(b"{}", Path::new("t.json")), "application/json");
    }

    #[test]
    fn unknown_names_fall_back_to_text_or_binary() {
        assert_eq!(
            detect("grüße\n".as_bytes(), Path::new("README")),
            "text/plain"
        );
        // A multi-byte character cut off by the sniff window is still text.
        assert_eq!(detect(&"é".as_bytes()[..1], Path::new("x")), "text/plain");
        assert_eq!(detect(b"\0\x01\x02", Path::new("blob")), FALLBACK);
        assert_eq!(detect(b"", Path::new("empty")), FALLBACK);
    }

    #[test]
    fn sniff_reads_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("picture");
        std::fs::write(&path, PNG).unwrap();
        assert_eq!(sniff(&path).unwrap(), "image/png");
        assert!(sniff(&dir.path().join("missing")).is_err());
    }
}
