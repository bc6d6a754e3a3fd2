//! Writes Satchel's manual pages, generated from the command line itself.
//!
//! The pages are rendered from the clap definition in `src-tauri/cli.rs` (the
//! very file the app is built from), so they cannot drift from `satchel --help`:
//!
//! ```sh
//! cargo run -p satchel-man -- target/man   # target/man/satchel.1, satchel-<sub>.1…
//! ```
//!
//! `tauri build` runs this before bundling (`build.beforeBundleCommand` in
//! tauri.conf.json), and the .deb and .rpm install the pages under
//! /usr/share/man/man1.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::{fs, io};

use clap::CommandFactory;

// The app's helpers on `Cli`, if any, are not needed to render pages.
#[allow(dead_code)]
#[path = "../cli.rs"]
mod cli;

fn main() -> ExitCode {
    let Some(dir) = std::env::args_os().nth(1) else {
        eprintln!("usage: satchel-man DIR   (writes satchel.1 and one page per subcommand)");
        return ExitCode::from(2);
    };
    let dir = PathBuf::from(dir);
    match write_pages(&dir) {
        Ok(pages) => {
            for page in pages {
                println!("{}", page.display());
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("satchel-man: cannot write pages to {}: {e}", dir.display());
            ExitCode::FAILURE
        }
    }
}

/// Writes `satchel.1` and a page per visible subcommand into `dir` and returns
/// their paths, sorted. Pages left there by an earlier run are removed first, so
/// a subcommand that no longer exists is never packaged.
fn write_pages(dir: &Path) -> io::Result<Vec<PathBuf>> {
    fs::create_dir_all(dir)?;
    for page in pages_in(dir)? {
        fs::remove_file(page)?;
    }
    clap_mangen::generate_to(cli::Cli::command(), dir)?;
    pages_in(dir)
}

/// The manual pages in `dir`, plain (`.1`) or compressed (`.1.gz`).
fn pages_in(dir: &Path) -> io::Result<Vec<PathBuf>> {
    let mut pages = Vec::new();
    for entry in fs::read_dir(dir)? {
        let path = entry?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy();
        if name.ends_with(".1") || name.ends_with(".1.gz") {
            pages.push(path);
        }
    }
    pages.sort();
    Ok(pages)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every subcommand, nested ones too, with the name its page is filed under.
    fn commands(cmd: &clap::Command, prefix: &str, out: &mut Vec<(String, clap::Command)>) {
        let name = format!("{prefix}{}", cmd.get_name());
        for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
            if sub.get_name() != "help" {
                commands(sub, &format!("{name}-"), out);
            }
        }
        out.push((name, cmd.clone()));
    }

    #[test]
    fn every_command_gets_a_page_naming_all_its_options() {
        let dir = tempfile::tempdir().unwrap();
        let pages = write_pages(dir.path()).unwrap();

        let mut all = Vec::new();
        commands(&cli::Cli::command(), "", &mut all);
        assert_eq!(pages.len(), all.len(), "{pages:?}");
        for (name, cmd) in all {
            let page = dir.path().join(format!("{name}.1"));
            let roff = fs::read_to_string(&page).unwrap_or_else(|e| panic!("{name}.1: {e}"));
            assert!(
                roff.contains(&format!(".TH {name} 1")),
                "{name}.1: no title"
            );
            for arg in cmd.get_arguments().filter(|a| !a.is_hide_set()) {
                if let Some(long) = arg.get_long() {
                    // roff escapes the dashes of an option: --to is \-\-to.
                    let shown = format!("\\-\\-{}", long.replace('-', "\\-"));
                    assert!(roff.contains(&shown), "{name}.1 lacks --{long}");
                }
            }
        }
    }

    #[test]
    fn pages_of_an_earlier_run_are_replaced() {
        let dir = tempfile::tempdir().unwrap();
        fs::write(dir.path().join("satchel-gone.1.gz"), b"stale").unwrap();
        fs::write(dir.path().join("notes.txt"), b"kept").unwrap();
        let pages = write_pages(dir.path()).unwrap();
        assert!(!dir.path().join("satchel-gone.1.gz").exists());
        assert!(dir.path().join("notes.txt").exists());
        assert!(pages.contains(&dir.path().join("satchel.1")));
    }
}
