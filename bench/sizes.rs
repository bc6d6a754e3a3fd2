//! Figure 7: what users download and install.

use std::path::Path;

use anyhow::{Context, Result};

use crate::measure::mib;
use crate::report::Row;

/// The release binary and the packages `./x package` built (the bench's
/// caller builds them first).
pub fn sizes(root: &Path) -> Result<Vec<Row>> {
    let release = root.join("target/release");
    let mut rows = vec![size_row("release binary", &release.join("satchel"))?];
    for (kind, ext) in [("deb", "deb"), ("rpm", "rpm")] {
        let dir = release.join("bundle").join(kind);
        let package = std::fs::read_dir(&dir)
            .with_context(|| format!("no {} (run ./x package)", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .find(|p| p.extension().is_some_and(|e| e == ext))
            .with_context(|| format!("no .{ext} in {}", dir.display()))?;
        rows.push(size_row(&format!(".{ext}"), &package)?);
    }
    Ok(rows)
}

fn size_row(what: &str, path: &Path) -> Result<Row> {
    let bytes = std::fs::metadata(path)
        .with_context(|| format!("reading {}", path.display()))?
        .len();
    Ok(Row::new(
        format!("7. size of the {what}"),
        format!("{:.1} MiB", mib(bytes)),
    ))
}
