//! The command line without a window: what scripts and the OS see.

mod common;

use std::process::{Command, Output};

/// Runs satchel without a display, isolated from the machine's config and
/// policy (in a folder of its own, gone afterwards).
fn satchel(args: &[&str]) -> Output {
    let dir = tempfile::tempdir().unwrap();
    satchel_with(dir.path(), args)
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

/// Runs satchel without a display, with its config folder (`dir/config`),
/// policy file (`dir/policy.toml`) and the rest under `dir`.
fn satchel_with(dir: &std::path::Path, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_satchel"));
    common::isolate(&mut command, dir);
    command
        .args(args)
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .output()
        .expect("the satchel binary runs")
}

#[test]
fn config_show_says_where_each_value_came_from() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("config/satchel")).unwrap();
    std::fs::write(
        dir.path().join("policy.toml"),
        "maxSize = \"10MB\"\nlocked = [\"maxSize\"]\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("config/satchel/config.toml"),
        "maxFiles = 7\naccept = [\"image/*\"]\n",
    )
    .unwrap();
    let out = satchel_with(dir.path(), &["config", "show", "--min-files", "2"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    let policy = dir.path().join("policy.toml").display().to_string();
    let user = dir
        .path()
        .join("config/satchel/config.toml")
        .display()
        .to_string();
    for line in [
        format!("maxSize = 10000000  # {policy} (locked)"),
        format!("maxFiles = 7  # {user}"),
        format!("accept = [\"image/*\"]  # {user}"),
        "minFiles = 2  # command line".to_string(),
        "uploadInBackground = false  # default".to_string(),
    ] {
        assert!(
            shown.lines().any(|l| l == line),
            "no line {line:?} in:\n{shown}"
        );
    }
}

#[test]
fn a_locked_key_holds_against_the_command_line_and_the_user() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("config/satchel")).unwrap();
    std::fs::write(
        dir.path().join("policy.toml"),
        "maxFiles = 2\nlocked = [\"maxFiles\"]\n",
    )
    .unwrap();
    let out = satchel_with(dir.path(), &["--max-files", "5"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    let policy = dir.path().join("policy.toml").display().to_string();
    assert_eq!(
        err.trim(),
        format!("satchel: maxFiles is locked by {policy}")
    );

    std::fs::write(
        dir.path().join("config/satchel/config.toml"),
        "maxFiles = 9\n",
    )
    .unwrap();
    let out = satchel_with(dir.path(), &["config", "show"]);
    assert!(text(&out.stdout).contains(&format!("maxFiles = 2  # {policy} (locked)")));
    assert!(
        text(&out.stderr).contains("maxFiles is locked by"),
        "the user is told"
    );
}

#[test]
fn a_broken_policy_stops_satchel_and_a_broken_user_config_does_not() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("config/satchel")).unwrap();
    std::fs::write(
        dir.path().join("config/satchel/config.toml"),
        "maxFiles = \"many\"\n",
    )
    .unwrap();
    let out = satchel_with(dir.path(), &["config", "show"]);
    assert!(out.status.success());
    let err = text(&out.stderr);
    assert!(
        err.contains("config.toml") && err.contains("line 1") && err.contains("ignored"),
        "{err}"
    );

    std::fs::write(
        dir.path().join("policy.toml"),
        "maxFiles = 3\nshinyKey = true\n",
    )
    .unwrap();
    let out = satchel_with(dir.path(), &["config", "show"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(
        err.contains("policy.toml") && err.contains("line 2") && err.contains("shinyKey"),
        "{err}"
    );
}

#[test]
fn a_refusal_names_the_file_that_set_it() {
    let dir = tempfile::tempdir().unwrap();
    let user = dir.path().join("config/satchel/config.toml");
    std::fs::create_dir_all(user.parent().unwrap()).unwrap();
    std::fs::write(&user, "headless = false\nuserSources = false\n").unwrap();
    let source = dir.path().join("mine.js");
    std::fs::write(&source, "export default { label: 'Mine', mounted() {} };\n").unwrap();
    let file = dir.path().join("a.txt");
    std::fs::write(&file, "a").unwrap();
    let to = dir.path().join("out");
    let (to, file) = (to.to_str().unwrap(), file.to_str().unwrap());

    // The user's own settings: the user's file is named, not the policy.
    let out = satchel_with(dir.path(), &["upload", "--to", to, file]);
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = text(&out.stderr);
    let user = user.display().to_string();
    assert!(
        err.contains(&format!("turned off by {user} (headless = false)")),
        "{err}"
    );
    let out = satchel_with(
        dir.path(),
        &["config", "show", "--source", source.to_str().unwrap()],
    );
    let err = text(&out.stderr);
    assert!(err.contains(&format!("is not allowed by {user}")), "{err}");

    // The same from the policy names the policy.
    let policy = dir.path().join("policy.toml");
    std::fs::write(&policy, "headless = false\nuserSources = false\n").unwrap();
    std::fs::remove_file(&user).unwrap();
    let out = satchel_with(dir.path(), &["upload", "--to", to, file]);
    let err = text(&out.stderr);
    let policy = policy.display().to_string();
    assert!(err.contains(&format!("turned off by {policy}")), "{err}");
    let out = satchel_with(
        dir.path(),
        &["config", "show", "--source", source.to_str().unwrap()],
    );
    let err = text(&out.stderr);
    assert!(
        err.contains(&format!("is not allowed by {policy}")),
        "{err}"
    );
}

#[test]
fn satchel_links_take_known_options_only() {
    let dir = tempfile::tempdir().unwrap();
    let out = satchel_with(dir.path(), &["satchel://open?source=/tmp/evil.js"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("\"source\" is not supported"),
        "{}",
        text(&out.stderr)
    );

    let out = satchel_with(dir.path(), &["satchel://open?destination=/tmp/anywhere"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("only from the policy"),
        "{}",
        text(&out.stderr)
    );

    std::fs::write(
        dir.path().join("policy.toml"),
        "maxFiles = 2\nlocked = [\"maxFiles\"]\n",
    )
    .unwrap();
    let out = satchel_with(dir.path(), &["satchel://open?maxFiles=9"]);
    assert!(
        text(&out.stderr).contains("maxFiles is locked"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn sizes_with_units_and_bad_ones() {
    let dir = tempfile::tempdir().unwrap();
    let out = satchel_with(dir.path(), &["config", "show", "--max-size", "1.5GB"]);
    assert!(text(&out.stdout).contains("maxSize = 1500000000  # command line"));
    let out = satchel_with(dir.path(), &["config", "show", "--max-size", "huge"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--max-size"),
        "{}",
        text(&out.stderr)
    );
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

/// What a user's own config could say to break the tests that read it:
/// everything refused, everything tiny, and another language.
const HOSTILE_CONFIG: &str = r#"maxFiles = 1
maxSize = "1B"
accept = ["image/x-hostile"]
uploadInBackground = true
lang = "de"
destination = "/nonexistent/hostile"
networkDeny = ["127.0.0.0/8", "::1"]
spoolMaxPerSource = "1B"
"#;

#[test]
fn the_machines_own_config_and_policy_are_not_read() {
    // A home whose config would change every answer, and the variables a
    // shell would set for it, in place before the tests isolate satchel.
    let machine = tempfile::tempdir().unwrap();
    let config = machine.path().join(".config/satchel/config.toml");
    std::fs::create_dir_all(config.parent().unwrap()).unwrap();
    std::fs::write(&config, HOSTILE_CONFIG).unwrap();
    let policy = machine.path().join("policy.toml");
    std::fs::write(&policy, "maxFiles = 3\nlocked = [\"maxFiles\"]\n").unwrap();
    let own = tempfile::tempdir().unwrap();
    let mut command = Command::new(env!("CARGO_BIN_EXE_satchel"));
    command
        .env("HOME", machine.path())
        .env("XDG_CONFIG_HOME", machine.path().join(".config"))
        .env("SATCHEL_POLICY_FILE", &policy);
    common::isolate(&mut command, own.path());
    let out = command.args(["config", "show"]).output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    // Without isolation the same command reads the hostile files: the check
    // below can fail.
    let mut exposed = Command::new(env!("CARGO_BIN_EXE_satchel"));
    exposed
        .env("HOME", machine.path())
        .env("XDG_CONFIG_HOME", machine.path().join(".config"))
        .env("SATCHEL_POLICY_FILE", &policy);
    let read = text(&exposed.args(["config", "show"]).output().unwrap().stdout);
    for seen in [&config, &policy] {
        let seen = seen.display().to_string();
        assert!(read.contains(&seen), "{seen} is not read at all:\n{read}");
        assert!(!shown.contains(&seen), "{seen} was read:\n{shown}");
    }
    for key in [
        "maxFiles",
        "maxSize",
        "accept",
        "lang",
        "uploadInBackground",
    ] {
        let line = shown.lines().find(|l| l.starts_with(&format!("{key} ")));
        let line = line.unwrap_or_else(|| panic!("no {key} in:\n{shown}"));
        assert!(line.ends_with("# default"), "{line}");
    }
}

#[test]
fn signout_without_a_keyring_says_so_and_never_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let started = std::time::Instant::now();
    let mut command = Command::new(env!("CARGO_BIN_EXE_satchel"));
    common::isolate(&mut command, dir.path());
    let out = command
        .args(["sources", "signout", "teamCloud"])
        // A session bus that is not there: no Secret Service to reach.
        .env(
            "DBUS_SESSION_BUS_ADDRESS",
            format!("unix:path={}", dir.path().join("no-bus").display()),
        )
        .output()
        .unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(15));
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let err = text(&out.stderr);
    assert!(err.contains("keyring"), "{err}");
    assert!(out.stdout.is_empty());
}
