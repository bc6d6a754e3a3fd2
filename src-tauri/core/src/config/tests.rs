//! Unit tests of the configuration: layering, locks, sources, `config show`.

use super::*;
use crate::sources::SourceCapabilities;
use crate::spool::SpoolLimits;

fn layer(path: &str, toml_text: &str) -> Layer {
    Layer {
        path: path.into(),
        file: toml::from_str(toml_text).unwrap(),
    }
}

#[test]
fn later_layers_win_unless_the_policy_locks_the_key() {
    let policy = layer(
        "/etc/satchel/policy.toml",
        "maxFiles = 5\nmaxSize = \"10MB\"\nlocked = [\"maxSize\"]\n",
    );
    let user = layer(
        "/home/u/.config/satchel/config.toml",
        "maxFiles = 8\nmaxSize = 999\n",
    );
    let cli = ConfigFile {
        min_files: Some(2),
        ..Default::default()
    };
    let eff = resolve(Some(&policy), Some(&user), &cli).unwrap();
    assert_eq!(eff.options.max_files, 8);
    assert_eq!(eff.options.max_size, Some(10_000_000));
    assert_eq!(eff.options.min_files, 2);
    assert_eq!(
        eff.origins["maxFiles"],
        Origin::User("/home/u/.config/satchel/config.toml".into())
    );
    assert_eq!(
        eff.origins["maxSize"],
        Origin::Policy("/etc/satchel/policy.toml".into())
    );
    assert_eq!(eff.origins["minFiles"], Origin::CommandLine);
    assert_eq!(eff.origins["accept"], Origin::Default);
    // The user's try at a locked key is reported, not fatal.
    assert_eq!(eff.notices.len(), 1);
    assert!(
        eff.notices[0].message.contains("maxSize")
            && eff.notices[0].message.contains("/etc/satchel/policy.toml")
    );

    let cli = ConfigFile {
        max_size: Some(Size(1)),
        ..Default::default()
    };
    let err = resolve(Some(&policy), None, &cli).unwrap_err();
    assert_eq!(err.kind(), "locked");
    assert_eq!(
        err.to_string(),
        "maxSize is locked by /etc/satchel/policy.toml"
    );
}

#[test]
fn destinations_and_sources_follow_the_policy() {
    let policy = layer(
        "/etc/satchel/policy.toml",
        "destinations = [\"/srv/a\", \"/srv/b\"]\nuserSources = false\nallowedSources = [\"/opt/ok.js\"]\nlocked = [\"userSources\"]\n",
    );
    let eff = resolve(Some(&policy), None, &ConfigFile::default()).unwrap();
    assert_eq!(
        eff.destination.as_deref(),
        Some("/srv/a"),
        "the first allowed is the default"
    );
    let cli = ConfigFile {
        destination: Some("/tmp/elsewhere".into()),
        ..Default::default()
    };
    let err = resolve(Some(&policy), None, &cli).unwrap_err();
    assert!(
        err.to_string().contains("/tmp/elsewhere") && err.to_string().contains("not allowed"),
        "{err}"
    );

    let user = layer(
        "/home/u/c.toml",
        "sources = [\"/opt/ok.js\", \"/home/u/mine.js\"]\n",
    );
    let eff = resolve(Some(&policy), Some(&user), &ConfigFile::default()).unwrap();
    let paths: Vec<_> = eff
        .sources
        .iter()
        .map(|s| s.path.display().to_string())
        .collect();
    assert_eq!(paths, ["/opt/ok.js"]);
    assert!(eff
        .notices
        .iter()
        .any(|n| n.message.contains("/home/u/mine.js")));
}

#[test]
fn a_source_can_be_allowed_by_its_hash() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("mine.js");
    std::fs::write(&source, "export default {}").unwrap();
    let hash = crate::sources::sha256_hex(b"export default {}");
    let policy = layer(
        "/etc/satchel/policy.toml",
        &format!(
            "userSources = false\nallowedSources = [\"sha256:{}\"]\n",
            hash.to_uppercase()
        ),
    );
    let cli = ConfigFile {
        sources: Some(vec![SourceSpec::Path(source.clone())]),
        ..Default::default()
    };
    let eff = resolve(Some(&policy), None, &cli).unwrap();
    assert_eq!(eff.sources[0].pin.as_deref(), Some(hash.as_str()));
    std::fs::write(&source, "export default {evil: 1}").unwrap();
    let err = resolve(Some(&policy), None, &cli).unwrap_err();
    assert_eq!(err.kind(), "notAllowed");
}

#[test]
fn files_report_unknown_keys_and_wrong_types_with_lines() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("config.toml");
    std::fs::write(&path, "maxFiles = 3\ncolour = \"blue\"\n").unwrap();
    let text = Layer::load(&path).unwrap_err().to_string();
    assert!(
        text.contains("config.toml") && text.contains("line 2") && text.contains("colour"),
        "{text}"
    );
    std::fs::write(&path, "maxFiles = \"many\"\n").unwrap();
    let text = Layer::load(&path).unwrap_err().to_string();
    assert!(
        text.contains("line 1") && text.contains("maxFiles"),
        "{text}"
    );
    assert!(Layer::load(&dir.path().join("missing.toml"))
        .unwrap()
        .is_none());
}

#[test]
fn relative_sources_are_relative_to_their_file_and_show_lists_every_key() {
    let user = layer(
        "/home/u/.config/satchel/config.toml",
        "sources = [\"a.js\", { path = \"/b.js\", connect = [\"https://api.example.com\"] }]\n",
    );
    let eff = resolve(None, Some(&user), &ConfigFile::default()).unwrap();
    assert_eq!(
        eff.sources[0].path,
        PathBuf::from("/home/u/.config/satchel/a.js")
    );
    assert_eq!(eff.sources[1].connect, ["https://api.example.com"]);
    let shown = eff.show();
    for key in KEYS {
        assert!(
            shown.contains(&format!("{key} = ")),
            "{key} missing from:\n{shown}"
        );
    }
    assert!(shown.contains("maxFiles = 1000  # default"), "{shown}");
}

#[test]
fn spool_caps_are_sizes_the_policy_can_lock() {
    let policy = layer(
        "/etc/satchel/policy.toml",
        "spoolMaxPerSource = \"2MB\"\nspoolMaxTotal = \"1GiB\"\nlocked = [\"spoolMaxTotal\"]\n",
    );
    let user = layer(
        "/home/u/.config/satchel/config.toml",
        "spoolMaxPerSource = \"5MB\"\nspoolMaxTotal = \"9GB\"\n",
    );
    let effective = resolve(Some(&policy), Some(&user), &ConfigFile::default()).unwrap();
    assert_eq!(
        effective.spool_limits,
        SpoolLimits {
            per_source: Some(5_000_000),
            total: Some(1 << 30),
        }
    );
    assert!(effective.notices[0].message.contains("spoolMaxTotal"));
    let shown = effective.show();
    assert!(
        shown.contains("spoolMaxTotal = 1073741824  # /etc/satchel/policy.toml (locked)"),
        "{shown}"
    );
    let cli = ConfigFile {
        spool_max_total: Some(Size(1)),
        ..Default::default()
    };
    let err = resolve(Some(&policy), None, &cli).unwrap_err();
    assert_eq!(err.kind(), "locked");
    let none = resolve(None, None, &ConfigFile::default()).unwrap();
    assert!(none
        .show()
        .contains("spoolMaxPerSource = \"unlimited\"  # default"));
}

#[test]
fn a_locked_sources_list_is_the_policys_alone() {
    let policy = layer(
        "/etc/satchel/policy.toml",
        "sources = [\"/opt/ok.js\"]\nlocked = [\"sources\"]\n",
    );
    let user = layer("/home/u/c.toml", "sources = [\"/home/u/mine.js\"]\n");
    let eff = resolve(Some(&policy), Some(&user), &ConfigFile::default()).unwrap();
    let paths: Vec<_> = eff.sources.iter().map(|s| s.path.clone()).collect();
    assert_eq!(paths, [PathBuf::from("/opt/ok.js")]);
    assert!(
        eff.notices
            .iter()
            .any(|n| n.kind == "locked" && n.message.contains("sources")),
        "{:?}",
        eff.notices
    );
    assert_eq!(
        eff.origins["sources"],
        Origin::Policy("/etc/satchel/policy.toml".into())
    );
    let cli = ConfigFile {
        sources: Some(vec![SourceSpec::Path("/tmp/evil.js".into())]),
        ..Default::default()
    };
    let err = resolve(Some(&policy), None, &cli).unwrap_err();
    assert_eq!(
        err.to_string(),
        "sources is locked by /etc/satchel/policy.toml"
    );
}

#[test]
fn the_policy_fixes_the_s3_endpoint() {
    let policy = layer(
        "/etc/satchel/policy.toml",
        "destinations = [\"s3://corp/in/\", \"s3://corp/minio/?endpoint=https://minio.corp.example/\"]\nlocked = [\"destinations\"]\n",
    );
    let eff = resolve(Some(&policy), None, &ConfigFile::default()).unwrap();
    let asked = |url: &str| Some(url.to_owned());
    assert!(eff.s3_endpoint_allowed("s3://corp/in/", None).is_ok());
    let err = eff
        .s3_endpoint_allowed("s3://corp/in/", asked("http://evil.example:9000"))
        .unwrap_err();
    assert_eq!(err.kind(), "notAllowed");
    assert!(err.to_string().contains("evil.example"), "{err}");
    let minio = "s3://corp/minio/?endpoint=https://minio.corp.example/";
    assert!(eff.s3_endpoint_allowed(minio, None).is_ok());
    assert!(eff
        .s3_endpoint_allowed(minio, asked("https://minio.corp.example"))
        .is_ok());
    assert!(eff
        .s3_endpoint_allowed(minio, asked("https://evil.example"))
        .is_err());
    // Without a policy list, the endpoint is the person's to choose.
    let free = resolve(None, None, &ConfigFile::default()).unwrap();
    assert!(free
        .s3_endpoint_allowed("s3://b/", asked("http://127.0.0.1:9000"))
        .is_ok());
}

#[test]
fn picture_options_layer_and_the_policy_can_lock_exif_cleanup() {
    let policy = layer(
        "/etc/satchel/policy.toml",
        "cleanupImageExif = true\nimageMax = [2000, 2000]\nlocked = [\"cleanupImageExif\"]\n",
    );
    let user = layer(
        "/home/u/.config/satchel/config.toml",
        "cleanupImageExif = false\nimageMax = \"1600x\"\nimageQuality = 0.8\n\
         transformations = { crop = { aspectRatio = 1.5, force = true }, circle = false }\n",
    );
    let eff = resolve(Some(&policy), Some(&user), &ConfigFile::default()).unwrap();
    let image = &eff.options.image;
    assert!(image.cleanup_image_exif, "locked by the policy");
    assert!(eff.notices[0].message.contains("cleanupImageExif"));
    assert_eq!(image.image_max, Some(Dims::parse("1600x").unwrap()));
    assert_eq!(image.image_quality, 0.8);
    assert_eq!(image.transformations.crop.ratio(), Some(1.5));
    assert!(!image.transformations.circle.offered());
    let shown = eff.show();
    assert!(
        shown.contains("cleanupImageExif = true  # /etc/satchel/policy.toml (locked)"),
        "{shown}"
    );
    assert!(shown.contains("imageMax = [1600, 0]"), "{shown}");
    assert!(
        shown.contains("transformations = { crop = { aspectRatio = 1.5, force = true }, circle = false, rotate = true }"),
        "{shown}"
    );
    let cli = ConfigFile {
        cleanup_image_exif: Some(false),
        ..Default::default()
    };
    assert_eq!(
        resolve(Some(&policy), None, &cli).unwrap_err().kind(),
        "locked"
    );
    assert!(toml::from_str::<ConfigFile>("imageMax = [0, 0]").is_err());
}

#[test]
fn shipped_sources_follow_from_sources_and_providers_tables() {
    let policy = layer(
        "/etc/satchel/policy.toml",
        "[providers.googledrive]\nclient_id = \"corp.apps\"\n[providers.unsplash]\naccess_key = \"corp-key\"\n",
    );
    let user = layer(
        "/home/u/c.toml",
        "fromSources = [\"local_file_system\", \"unsplash\", \"googledrive\", \"facebook\", \"dropbox\"]\n\
         [providers.unsplash]\naccess_key = \"my-key\"\n",
    );
    let eff = resolve(Some(&policy), Some(&user), &ConfigFile::default()).unwrap();
    let names: Vec<String> = eff
        .shipped_sources
        .iter()
        .map(|s| s.shipped.as_ref().unwrap().name.clone())
        .collect();
    assert_eq!(names, ["unsplash", "googledrive", "dropbox"]);
    let unsplash = eff.shipped_sources[0].shipped.as_ref().unwrap();
    assert_eq!(unsplash.access_key.as_deref(), Some("my-key"));
    assert!(eff.shipped_sources[0].path.ends_with("unsplash.js"));
    assert_eq!(
        eff.shipped_sources[1].auth.as_ref().unwrap().client_id(),
        "corp.apps"
    );
    assert!(eff.shipped_sources[2]
        .shipped
        .as_ref()
        .unwrap()
        .missing
        .is_some());
    assert!(eff
        .notices
        .iter()
        .any(|n| n.kind == "sourceNotAvailable" && n.message.contains("facebook")));
    let shown = eff.show();
    assert!(shown.contains("providers = {"), "{shown}");
    assert!(
        !shown.contains("my-key") && !shown.contains("corp.apps"),
        "{shown}"
    );

    // A locked `providers` keeps the policy's; a table for no shipped source is reported.
    let policy = layer(
        "/etc/satchel/policy.toml",
        "locked = [\"providers\"]\n[providers.unsplash]\naccess_key = \"corp-key\"\n",
    );
    let eff = resolve(Some(&policy), Some(&user), &ConfigFile::default()).unwrap();
    assert_eq!(
        eff.shipped_sources[0]
            .shipped
            .as_ref()
            .unwrap()
            .access_key
            .as_deref(),
        Some("corp-key")
    );
    assert!(eff.notices.iter().any(|n| n.kind == "locked"));
    let odd = layer("/home/u/c.toml", "[providers.myspace]\nclient_id = \"x\"\n");
    let eff = resolve(None, Some(&odd), &ConfigFile::default()).unwrap();
    assert!(eff.notices.iter().any(|n| n.message.contains("myspace")));
}

#[test]
fn sizes_take_units() {
    assert_eq!(parse_size("10MB").unwrap(), Size(10_000_000));
    assert_eq!(parse_size("1.5 GiB").unwrap(), Size(1_610_612_736));
    assert!(parse_size("lots").unwrap_err().contains("10MB"));
}

#[test]
fn source_capabilities_default_on_and_the_policy_can_lock_them_off() {
    let dir = tempfile::tempdir().unwrap();
    let policy_path = dir.path().join("policy.toml");
    std::fs::write(
        &policy_path,
        "sourceStorage = false\nsourceLinks = false\nlocked = [\"sourceStorage\"]\n",
    )
    .unwrap();
    let policy = Layer::load(&policy_path).unwrap().unwrap();
    let eff = resolve(Some(&policy), None, &ConfigFile::default()).unwrap();
    assert_eq!(
        eff.source_capabilities,
        SourceCapabilities {
            storage: false,
            forms: true,
            links: false
        }
    );
    let cli = ConfigFile {
        source_storage: Some(true),
        ..Default::default()
    };
    assert_eq!(
        resolve(Some(&policy), None, &cli).unwrap_err().kind(),
        "locked"
    );
    let defaults = resolve(None, None, &ConfigFile::default()).unwrap();
    assert_eq!(defaults.source_capabilities, SourceCapabilities::default());
}

#[test]
fn a_source_entry_may_sign_in_and_the_policy_may_keep_no_sign_in() {
    let user = layer(
        "/home/u/.config/satchel/config.toml",
        "sources = [{ path = \"/s/team.js\", connect = [\"https://files.example.com\"], \
         auth = { issuer = \"https://id.example.com\", client_id = \"c\", scopes = [\"openid\"] } }]\n",
    );
    let eff = resolve(None, Some(&user), &ConfigFile::default()).unwrap();
    let auth = eff.sources[0]
        .auth
        .as_ref()
        .expect("auth is kept with the source");
    assert_eq!(auth.client_id(), "c");
    assert!(eff.remember_sign_in, "kept in the keyring by default");

    let broken = layer(
        "/home/u/.config/satchel/config.toml",
        "sources = [{ path = \"/s/team.js\", auth = { issuer = \"http://id.example.com\", client_id = \"c\" } }]\n",
    );
    let eff = resolve(None, Some(&broken), &ConfigFile::default()).unwrap();
    assert!(eff.sources.is_empty(), "a broken user entry is not loaded");
    let said = &eff.notices[0].message;
    assert!(
        said.contains("/s/team.js") && said.contains("https"),
        "{said}"
    );

    let policy = layer(
        "/etc/satchel/policy.toml",
        "rememberSignIn = false\nlocked = [\"rememberSignIn\"]\n",
    );
    let mine = layer(
        "/home/u/.config/satchel/config.toml",
        "rememberSignIn = true\n",
    );
    let eff = resolve(Some(&policy), Some(&mine), &ConfigFile::default()).unwrap();
    assert!(!eff.remember_sign_in, "the policy's lock holds");
    assert!(eff.show().contains("rememberSignIn = false"));
}

#[test]
fn a_forced_crop_needs_a_ratio() {
    let user = layer(
        "/home/u/.config/satchel/config.toml",
        "transformations = { crop = { force = true } }\n",
    );
    let eff = resolve(None, Some(&user), &ConfigFile::default()).unwrap();
    assert!(!eff.options.image.transformations.crop.forced());
    assert!(
        eff.notices.iter().any(
            |n| n.message.contains("needs an aspectRatio") && n.message.contains("config.toml")
        ),
        "{:?}",
        eff.notices
    );
    let policy = layer(
        "/etc/satchel/policy.toml",
        "transformations = { crop = { force = true } }\n",
    );
    let err = resolve(Some(&policy), None, &ConfigFile::default()).unwrap_err();
    assert_eq!(err.kind(), "config");
    assert!(err.to_string().contains("policy.toml"), "{err}");
}
