//! The documents custom sources run in: one sandboxed frame per source,
//! served from the `satchel-source` scheme, each on its own host
//! (`satchel-source://s<id>/`), with a strict Content-Security-Policy.
//!
//! The source's module is embedded as JSON text and imported from a blob:
//! URL by the shim, so no script is fetched across origins (the sandboxed
//! frame's origin is opaque) and nothing but the shim's nonce and the frame's
//! own blobs may run. A shipped source's frame also embeds the pane Satchel's
//! own sources share (`sources/kit/pane.js`), which the shim imports from a
//! blob too, for that source's `import … from "./kit/pane.js"`.

use satchel_core::{SourceFile, SourceRegistry};

pub mod raw;

pub const SCHEME: &str = "satchel-source";
const SHIM: &str = include_str!("shim.js");
/// The picker's look for the source's own elements; the source's styles win.
const BASE_CSS: &str = include_str!("base.css");

/// The URL a source's frame is loaded from.
pub fn frame_url(id: u32) -> String {
    if cfg!(windows) {
        format!("http://{SCHEME}.s{id}/")
    } else {
        format!("{SCHEME}://s{id}/")
    }
}

/// Which source a request to the scheme is for.
pub fn source_id(host: &str) -> Option<u32> {
    let host = host.strip_prefix(&format!("{SCHEME}.")).unwrap_or(host);
    host.strip_prefix('s')?.parse().ok()
}

/// The frame's policy: its nonce-bearing shim, its own blobs and scripts
/// from the origins it declared under `scripts` may run (never `eval`); it
/// may connect to its own origin `own` (where raw files are sent) and the
/// origins it declared under `connect`, and nowhere else.
pub fn content_security_policy(nonce: &str, file: &SourceFile, own: &str) -> String {
    // Its own origin, and no other source's: addRawFile POSTs there.
    let connect = std::iter::once(own.to_owned())
        .chain(file.connect.iter().cloned())
        .collect::<Vec<_>>()
        .join(" ");
    let media = format!("data: blob: {}", file.connect.join(" "));
    let also_scripts = |sources: String| {
        std::iter::once(sources)
            .chain(file.scripts.iter().cloned())
            .collect::<Vec<_>>()
            .join(" ")
    };
    let script_src = also_scripts(format!("'nonce-{nonce}' blob:"));
    let style_src = also_scripts("'unsafe-inline'".to_owned());
    format!(
        "default-src 'none'; script-src {script_src}; style-src {style_src}; \
         img-src {media}; media-src {media}; font-src data:; connect-src {connect}; \
         frame-src 'none'; child-src 'none'; worker-src 'none'; object-src 'none'; \
         form-action 'none'; base-uri 'none'"
    )
}

/// Where a shipped source imports the shared pane from, as written in its
/// code; the shim points it at the frame's blob of [`KIT`].
const KIT_IMPORT: &str = "./kit/pane.js";
/// The shared pane, under the shipped sources' folder.
const KIT: &str = "kit/pane.js";

/// The shipped sources' shared pane, read from their folder `dir`.
fn read_kit(dir: &std::path::Path) -> Result<String, String> {
    let path = dir.join(KIT);
    std::fs::read_to_string(&path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// The frame document for source `id`, or why there is none.
pub fn document(
    registry: &SourceRegistry,
    id: u32,
    nonce: &str,
    lang: &str,
) -> Result<(String, String), String> {
    let file = registry.file(id).map_err(|e| e.to_string())?;
    let code = std::fs::read_to_string(&file.path)
        .map_err(|e| format!("cannot read {}: {e}", file.path.display()))?;
    if let Some(pin) = &file.pin {
        if satchel_core::sha256_hex(code.as_bytes()) != *pin {
            return Err(format!(
                "{} changed since the policy allowed it by its sha256; it is not loaded",
                file.path.display()
            ));
        }
    }
    // Satchel's own sources share their pane (`sources/kit/pane.js`); no
    // other source gets it, and the policy is the same either way: the shim
    // imports it from one of the frame's own blobs.
    let kit = match file.shipped {
        Some(_) => Some(serde_json::json!({
            "code": read_kit(&satchel_core::providers::shipped_dir())?,
            "from": KIT_IMPORT,
        })),
        None => None,
    };
    let own = frame_url(id);
    let csp = content_security_policy(nonce, file, own.trim_end_matches('/'));
    // The window's language, so a source can speak it (`document.documentElement.lang`).
    let lang: String = lang
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .take(35)
        .collect();
    // The code and how to load it (a module, or a classic script and the
    // top-level names it may keep its source object in).
    let embedded = serde_json::json!({
        "code": code,
        "load": satchel_core::source_form(&code),
        "capabilities": registry.capabilities(),
        // Whether the source signs in: its `actions.auth` exists only then.
        "auth": file.auth.is_some(),
        // A shipped source's settings (`actions.provider`); none for others.
        "provider": file.shipped,
        "kit": kit,
    });
    // JSON inside <script type=application/json>: "</" must not end the element.
    let embedded = serde_json::to_string(&embedded)
        .map_err(|e| e.to_string())?
        .replace("</", "<\\/");
    let html = format!(
        "<!doctype html><html lang=\"{lang}\"><head><meta charset=\"utf-8\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"{csp}\">\
         <meta name=\"referrer\" content=\"no-referrer\"><title>Source</title>\
         <style id=\"satchel-base\">{BASE_CSS}</style></head>\
         <body><div id=\"satchel-mount\"></div>\
         <script type=\"application/json\" id=\"satchel-source\">{embedded}</script>\
         <script nonce=\"{nonce}\">{SHIM}</script></body></html>"
    );
    Ok((html, csp))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_ids_round_trip() {
        assert_eq!(source_id("s7"), Some(7));
        assert_eq!(source_id("satchel-source.s3"), Some(3));
        assert_eq!(source_id("localhost"), None);
        assert_eq!(source_id("s-1"), None);
        if !cfg!(windows) {
            assert_eq!(frame_url(2), "satchel-source://s2/");
        }
    }

    #[test]
    fn the_policy_allows_only_declared_origins() {
        let file = SourceFile {
            pin: None,
            shipped: None,
            path: "/x.js".into(),
            connect: vec!["https://api.example.com".into()],
            scripts: vec!["https://apis.google.com".into()],
            auth: None,
        };
        let csp = content_security_policy("abc", &file, "satchel-source://s1");
        assert!(
            csp.contains("connect-src satchel-source://s1 https://api.example.com;"),
            "{csp}"
        );
        assert!(
            csp.contains("script-src 'nonce-abc' blob: https://apis.google.com;"),
            "{csp}"
        );
        assert!(
            csp.contains("style-src 'unsafe-inline' https://apis.google.com;"),
            "{csp}"
        );
        assert!(!csp.contains("'unsafe-eval'"));
        let closed = content_security_policy(
            "n",
            &SourceFile {
                pin: None,
                shipped: None,
                path: "/x.js".into(),
                connect: vec![],
                scripts: vec![],
                auth: None,
            },
            "satchel-source://s0",
        );
        assert!(
            closed.contains("connect-src satchel-source://s0;"),
            "{closed}"
        );
        assert!(closed.contains("script-src 'nonce-n' blob:;"), "{closed}");
        assert!(closed.contains("style-src 'unsafe-inline';"), "{closed}");
    }

    #[test]
    fn source_code_cannot_close_its_script_element() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("evil.js");
        std::fs::write(
            &path,
            "export default {}; // </script><script>alert(1)</script>",
        )
        .unwrap();
        let registry = SourceRegistry::new(vec![SourceFile {
            pin: None,
            shipped: None,
            path,
            connect: vec![],
            scripts: vec![],
            auth: None,
        }]);
        let (html, _) = document(&registry, 0, "n", "en").unwrap();
        assert_eq!(
            html.matches("</script>").count(),
            2,
            "only our own two script elements close"
        );
        assert!(document(&registry, 5, "n", "en").is_err());
    }

    #[test]
    fn a_shipped_source_gets_its_settings_but_no_secret_and_the_language() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("googledrive.js");
        std::fs::write(&path, "export default {}").unwrap();
        let drive = satchel_core::providers::provider("googledrive").unwrap();
        let (shipped, auth) = drive.shipped(Some(&satchel_core::ProviderConfig {
            client_id: Some("id.apps".into()),
            client_secret: Some("hush-hush".into()),
            access_key: None,
        }));
        let registry = SourceRegistry::new(vec![SourceFile {
            pin: None,
            connect: drive.connect(&shipped),
            path,
            scripts: vec![],
            auth,
            shipped: Some(shipped),
        }]);
        let (html, _) = document(&registry, 0, "n", "de-AT\"><script>").unwrap();
        assert!(
            html.starts_with("<!doctype html><html lang=\"de-ATscript\">"),
            "{html}"
        );
        assert!(
            html.contains("\"provider\":{\"base\":{\"api\":\"https://www.googleapis.com\"},\"name\":\"googledrive\""),
            "{html}"
        );
        assert!(
            !html.contains("hush-hush") && !html.contains("id.apps"),
            "{html}"
        );
        assert!(html.contains("\"auth\":true"), "{html}");
    }

    #[test]
    fn only_a_shipped_source_gets_the_shared_pane_and_the_same_policy() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("source.js");
        std::fs::write(&path, "export default {}").unwrap();
        let file = |shipped| SourceFile {
            pin: None,
            path: path.clone(),
            connect: vec![],
            scripts: vec![],
            auth: None,
            shipped,
        };
        let (shipped, _) = satchel_core::providers::provider("dropbox")
            .unwrap()
            .shipped(None);
        let registry = SourceRegistry::new(vec![file(None), file(Some(shipped))]);
        let (other, other_csp) = document(&registry, 0, "n", "en").unwrap();
        let (ours, our_csp) = document(&registry, 1, "n", "en").unwrap();
        assert!(other.contains("\"kit\":null"), "{other}");
        assert!(!other.contains("export function browse"), "{other}");
        assert!(
            ours.contains("\"kit\":{\"code\":\"// The pane Satchel's shipped sources share"),
            "{ours}"
        );
        assert!(ours.contains("\"from\":\"./kit/pane.js\""), "{ours}");
        assert!(ours.contains("export function browse"), "{ours}");
        assert_eq!(
            our_csp.replace("s1", "s0"),
            other_csp,
            "the kit widens no policy"
        );
    }

    #[test]
    fn a_pinned_source_that_changed_is_not_served() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pinned.js");
        std::fs::write(&path, "export default {}").unwrap();
        let pin = satchel_core::sha256_hex(b"export default {}");
        let registry = SourceRegistry::new(vec![SourceFile {
            pin: Some(pin),
            path: path.clone(),
            connect: vec![],
            scripts: vec![],
            auth: None,
            shipped: None,
        }]);
        assert!(document(&registry, 0, "n", "en").is_ok());
        std::fs::write(&path, "export default {swapped: true}").unwrap();
        let err = document(&registry, 0, "n", "en").unwrap_err();
        assert!(err.contains("changed since the policy allowed it"), "{err}");
    }
}
