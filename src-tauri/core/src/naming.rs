//! File names: made safe to write (whatever a source, a server or a URL
//! said), and never clobbering (`a.txt`, `a (1).txt`, `a (2).txt`, …).

use unicode_normalization::UnicodeNormalization;

/// The longest name most file systems take, in bytes.
pub const MAX_NAME_BYTES: usize = 255;

/// Extensions longer than this are not kept whole when a name is shortened.
const MAX_KEPT_EXTENSION: usize = 16;

/// What a name falls back to when nothing usable is left of it.
const FALLBACK: &str = "download";

/// A name that is safe to create in a folder, on any system it may be
/// copied to: the last path segment only; NFC-normalised (so the same name
/// is the same bytes); no control, bidirectional-override or zero-width
/// characters (they hide a name's real extension); no trailing dots or
/// spaces; not a Windows device name (`CON`, `com1.txt`); at most
/// [`MAX_NAME_BYTES`] bytes, cut on a character boundary keeping the
/// extension.
pub fn clean_filename(raw: &str) -> String {
    let last = raw.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last.nfc().filter(|&c| !is_hidden(c)).collect();
    let trimmed = cleaned
        .trim()
        .trim_end_matches(|c: char| c == '.' || c.is_whitespace());
    if trimmed.is_empty() || trimmed.chars().all(|c| c == '.') {
        return FALLBACK.to_owned();
    }
    let name = if is_reserved(trimmed) {
        format!("_{trimmed}")
    } else {
        trimmed.to_owned()
    };
    shorten(&name, MAX_NAME_BYTES)
}

/// Characters that do nothing visible, or make a name read as another.
fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(c,
            '\u{200B}'..='\u{200F}' // zero-width space/joiners, LRM, RLM
            | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // bidi isolates
            | '\u{061C}' // Arabic letter mark
            | '\u{FEFF}' // zero-width no-break space (BOM)
        )
}

/// Windows device names, with or without an extension, in any case.
fn is_reserved(name: &str) -> bool {
    let stem = name.split('.').next().unwrap_or_default().trim_end();
    let upper = stem.to_ascii_uppercase();
    match upper.as_str() {
        "CON" | "PRN" | "AUX" | "NUL" | "CONIN$" | "CONOUT$" => true,
        _ => {
            // `get` rather than slicing: the name may not be ASCII.
            let (Some(prefix), Some(digit)) = (upper.get(..3), upper.get(3..)) else {
                return false;
            };
            matches!(prefix, "COM" | "LPT")
                && matches!(
                    digit,
                    "1" | "2" | "3" | "4" | "5" | "6" | "7" | "8" | "9" | "¹" | "²" | "³"
                )
        }
    }
}

/// `name` in at most `max` bytes, keeping a short extension whole.
pub(crate) fn shorten(name: &str, max: usize) -> String {
    if name.len() <= max {
        return name.to_owned();
    }
    let (stem, ext) = split_extension(name);
    let ext = if ext.len() <= MAX_KEPT_EXTENSION {
        ext
    } else {
        ""
    };
    let room = max - ext.len();
    let source = if ext.is_empty() { name } else { stem };
    let cut = (0..=room.min(source.len()))
        .rev()
        .find(|&i| source.is_char_boundary(i))
        .unwrap_or(0);
    format!("{}{ext}", &source[..cut])
}

/// Compound extensions kept whole, so `x.tar.gz` becomes `x (1).tar.gz`.
const COMPOUND: &[&str] = &[".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst"];

/// The names to try, in order, for a file called `name`. Endless: the caller
/// stops at the first one that is free.
pub fn unclobbered_names(name: &str) -> impl Iterator<Item = String> + '_ {
    let (stem, ext) = split_extension(name);
    std::iter::once(name.to_owned()).chain((1u64..).map(move |n| format!("{stem} ({n}){ext}")))
}

fn split_extension(name: &str) -> (&str, &str) {
    let lower = name.to_ascii_lowercase();
    if let Some(compound) = COMPOUND.iter().find(|c| lower.ends_with(*c)) {
        let at = name.len() - compound.len();
        if at > 0 {
            return name.split_at(at);
        }
    }
    // A leading dot is part of the name (".bashrc"), not an extension.
    match name.rfind('.') {
        Some(at) if at > 0 => name.split_at(at),
        _ => (name, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filenames_lose_paths_and_control_characters() {
        assert_eq!(clean_filename("../../etc/passwd"), "passwd");
        assert_eq!(clean_filename("a\\b\\c.txt"), "c.txt");
        assert_eq!(clean_filename("x\u{0}\n.txt"), "x.txt");
        assert_eq!(clean_filename(".."), "download");
        assert_eq!(clean_filename("."), "download");
        assert_eq!(clean_filename("a/.."), "download");
        assert_eq!(clean_filename(""), "download");
        assert_eq!(clean_filename(" \u{200B} "), "download");
    }

    #[test]
    fn unicode_is_normalised_and_invisible_characters_go() {
        // "é" as e + combining acute becomes the one precomposed character.
        assert_eq!(clean_filename("cafe\u{301}.txt"), "caf\u{e9}.txt");
        // A right-to-left override would show "invoice_fdp.exe" as "…exe.pdf".
        assert_eq!(clean_filename("invoice_\u{202E}fdp.exe"), "invoice_fdp.exe");
        assert_eq!(clean_filename("a\u{200B}b\u{FEFF}\u{2066}.txt"), "ab.txt");
        assert_eq!(clean_filename("report.pdf. . "), "report.pdf");
    }

    #[test]
    fn windows_device_names_are_renamed() {
        for name in [
            "CON",
            "con.txt",
            "Aux",
            "nul.tar.gz",
            "COM1",
            "lpt9.log",
            "PRN ",
        ] {
            let cleaned = clean_filename(name);
            assert_eq!(cleaned, format!("_{}", name.trim()), "{name}");
        }
        for fine in ["CONSOLE.txt", "com10", "lpt", "icon.png", "nul_"] {
            assert_eq!(clean_filename(fine), fine);
        }
    }

    #[test]
    fn long_names_are_cut_on_a_character_boundary_keeping_the_extension() {
        let long = format!("{}.pdf", "é".repeat(200));
        let cleaned = clean_filename(&long);
        assert!(cleaned.len() <= MAX_NAME_BYTES, "{}", cleaned.len());
        assert!(cleaned.ends_with("é.pdf"), "{cleaned}");
        assert_eq!(cleaned.len(), 254);
        let no_ext = clean_filename(&"日".repeat(100));
        assert_eq!(no_ext.len(), 255);
        // An "extension" too long to be one is cut like the rest.
        let odd = clean_filename(&format!("a.{}", "x".repeat(300)));
        assert_eq!(odd.len(), 255);
        assert!(odd.starts_with("a.xxx"));
    }

    fn first(name: &str, n: usize) -> Vec<String> {
        unclobbered_names(name).take(n).collect()
    }

    #[test]
    fn numbers_go_before_the_extension() {
        assert_eq!(first("a.txt", 3), ["a.txt", "a (1).txt", "a (2).txt"]);
        assert_eq!(
            first("my.photo.jpg", 2),
            ["my.photo.jpg", "my.photo (1).jpg"]
        );
    }

    #[test]
    fn odd_names() {
        assert_eq!(first("Makefile", 2), ["Makefile", "Makefile (1)"]);
        assert_eq!(first(".bashrc", 2), [".bashrc", ".bashrc (1)"]);
        assert_eq!(first("x.tar.gz", 2), ["x.tar.gz", "x (1).tar.gz"]);
        assert_eq!(first(".tar.gz", 2), [".tar.gz", ".tar (1).gz"]);
        assert_eq!(first("ünï.cödé", 2), ["ünï.cödé", "ünï (1).cödé"]);
    }
}
