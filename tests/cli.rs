//! The command line without a window: what scripts and the OS see.

use std::process::{Command, Output};

fn satchel(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_satchel"))
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("the satchel binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn version_and_help_need_no_display() {
    let out = satchel(&["--version"]);
    assert!(out.status.success());
    assert_eq!(
        text(&out.stdout).trim(),
        format!("satchel {}", env!("CARGO_PKG_VERSION"))
    );

    let out = satchel(&["--help"]);
    assert!(out.status.success());
    let help = text(&out.stdout);
    for flag in ["--to <DEST>", "--json", "[FILES]..."] {
        assert!(help.contains(flag), "--help lacks {flag}:\n{help}");
    }
}

#[test]
fn without_a_display_it_says_so_in_one_line_and_fails() {
    let out = satchel(&[]);
    assert!(!out.status.success());
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("satchel: no display"), "{err}");
}

#[test]
fn a_bad_destination_is_refused_before_anything_opens() {
    let out = satchel(&["--to", "gopher://example/x"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("gopher:// scheme is not supported"), "{err}");
}

#[test]
fn a_path_named_like_a_command_is_a_file_when_written_as_one() {
    // `./upload` is a file to preload: the picker wants a display.
    let out = satchel(&["./upload"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with("satchel: no display"));
    // `upload` is the headless command, which needs files.
    let out = satchel(&["upload"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("<FILES>"),
        "{}",
        text(&out.stderr)
    );
}
