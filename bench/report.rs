//! The table the bench prints, and `bench/results.md`, which keeps the
//! latest table on top of a short history.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::Result;

/// One figure: Satchel's number, the peer's from the same run, and whether
/// the target was met.
pub struct Row {
    pub figure: String,
    pub satchel: String,
    pub peer: String,
    /// Satchel's speed over the peer's (> 1: Satchel is faster).
    pub ratio: Option<f64>,
    pub memory: String,
    pub target: String,
    pub met: Option<bool>,
}

impl Row {
    pub fn new(figure: impl Into<String>, satchel: impl Into<String>) -> Row {
        Row {
            figure: figure.into(),
            satchel: satchel.into(),
            peer: "—".into(),
            ratio: None,
            memory: "—".into(),
            target: "—".into(),
            met: None,
        }
    }
    pub fn peer(mut self, peer: impl Into<String>, ratio: f64) -> Row {
        self.peer = peer.into();
        self.ratio = Some(ratio);
        self
    }
    pub fn memory(mut self, memory: impl Into<String>) -> Row {
        self.memory = memory.into();
        self
    }
    pub fn target(mut self, target: impl Into<String>, met: bool) -> Row {
        self.target = target.into();
        self.met = Some(met);
        self
    }
}

/// A Markdown table, readable as plain text too.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| figure | Satchel | peer | ratio | memory | target | met |\n\
         | --- | --- | --- | --- | --- | --- | --- |\n",
    );
    // A cell is one line: an error's causes are joined.
    let cell = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
    for row in rows {
        let ratio = row.ratio.map_or("—".into(), |r| format!("{r:.2}×"));
        let met = match row.met {
            Some(true) => "yes",
            Some(false) => "**no**",
            None => "—",
        };
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} |",
            cell(&row.figure),
            cell(&row.satchel),
            cell(&row.peer),
            ratio,
            cell(&row.memory),
            row.target,
            met
        );
    }
    out
}

/// Puts this run's section at the top of `results.md` (after its heading
/// and notes, which end at the first `## ` line), keeping `keep` runs.
pub fn record(path: &Path, heading: &str, table: &str, keep: usize) -> Result<()> {
    let old = std::fs::read_to_string(path).unwrap_or_else(|_| "# Benchmarks\n\n".into());
    let (intro, runs) = match old.find("\n## ") {
        Some(at) => (&old[..=at], &old[at + 1..]),
        None => (old.as_str(), ""),
    };
    let new = format!("## {heading}\n\n{table}\n");
    let kept = sections(runs).into_iter().take(keep.saturating_sub(1));
    let history: String = std::iter::once(new.as_str()).chain(kept).collect();
    std::fs::write(path, format!("{intro}{history}"))?;
    Ok(())
}

/// The `## ` sections of `text`, each with its own lines.
fn sections(text: &str) -> Vec<&str> {
    let mut starts: Vec<usize> = text.match_indices("\n## ").map(|(i, _)| i + 1).collect();
    if text.starts_with("## ") {
        starts.insert(0, 0);
    }
    let ends = starts.iter().skip(1).copied().chain([text.len()]);
    starts.iter().zip(ends).map(|(&s, e)| &text[s..e]).collect()
}
