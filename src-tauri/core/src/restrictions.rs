//! The picker's restrictions (Filestack's `maxSize` and `accept`), checked
//! for every file whatever its source, with the reason a person can act on.

use std::path::Path;

use crate::error::Rejection;
use crate::{Error, PickerOptions, Result};

/// Checks one file against `maxSize` and `accept`.
pub fn check(options: &PickerOptions, filename: &str, mime: &str, size: Option<u64>) -> Result<()> {
    if let (Some(limit), Some(size)) = (options.max_size, size) {
        if size > limit {
            return Err(Error::Rejected {
                name: filename.to_owned(),
                why: Rejection::Size { size, limit },
            });
        }
    }
    if !options.accept.is_empty()
        && !options
            .accept
            .iter()
            .any(|rule| accepts(rule, filename, mime))
    {
        return Err(Error::Rejected {
            name: filename.to_owned(),
            why: Rejection::Type {
                mime: mime.to_owned(),
                accept: options.accept.join(", "),
            },
        });
    }
    Ok(())
}

/// One `accept` rule: `image/*`, `image/png`, `.pdf` (or `pdf`).
fn accepts(rule: &str, filename: &str, mime: &str) -> bool {
    let rule = rule.trim().to_ascii_lowercase();
    let mime = mime.to_ascii_lowercase();
    if let Some(prefix) = rule.strip_suffix("/*") {
        return mime.split('/').next() == Some(prefix);
    }
    if rule.contains('/') {
        return mime == rule;
    }
    let wanted = rule.trim_start_matches('.');
    Path::new(filename)
        .extension()
        .is_some_and(|ext| ext.to_string_lossy().eq_ignore_ascii_case(wanted))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(accept: &[&str], max_size: Option<u64>) -> PickerOptions {
        PickerOptions {
            accept: accept.iter().map(|s| s.to_string()).collect(),
            max_size,
            ..PickerOptions::default()
        }
    }

    #[test]
    fn accept_takes_types_wildcards_and_extensions() {
        let o = options(&["image/*", ".PDF", "text/csv"], None);
        assert!(check(&o, "a.png", "image/png", Some(1)).is_ok());
        assert!(check(&o, "report.pdf", "application/octet-stream", Some(1)).is_ok());
        assert!(check(&o, "t.csv", "text/csv", Some(1)).is_ok());
        let err = check(&o, "run.exe", "application/x-msdownload", Some(1)).unwrap_err();
        assert_eq!(err.kind(), "rejected");
        assert!(
            err.to_string().contains("run.exe") && err.to_string().contains("image/*, .PDF"),
            "{err}"
        );
    }

    #[test]
    fn max_size_says_by_how_much() {
        let o = options(&[], Some(10));
        assert!(check(&o, "a", "text/plain", Some(10)).is_ok());
        assert!(
            check(&o, "a", "text/plain", None).is_ok(),
            "unknown sizes are checked when known"
        );
        let err = check(&o, "big.bin", "x/y", Some(11)).unwrap_err();
        assert!(
            err.to_string().contains("11 bytes, over the maxSize of 10"),
            "{err}"
        );
    }
}
