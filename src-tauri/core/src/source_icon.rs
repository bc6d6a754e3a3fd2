//! A custom source's `icon`, read once and made safe to draw.
//!
//! Filestack's reference calls `icon` an "svg icon", and its own snippet
//! writes `icon: 'ICON.svg'`; real sources use all of these:
//! - inline SVG, with or without `xmlns`;
//! - a `data:image/…` URL;
//! - a file name relative to the source file (`ICON.svg`, `logo.png`).
//!
//! When working on this file, keep in mind:
//! - the result is always a `data:` URL the sidebar shows as an image (an
//!   `<img>` or a CSS mask), a context where scripts never run and nothing
//!   external is loaded; the checks here are a second wall, not the only one;
//! - nothing is fetched: a web address is refused, and a file must stay inside
//!   the source's own folder;
//! - an icon that is refused never disables its source: it gets the default
//!   icon and the reason is kept for the sidebar.

use std::path::{Component, Path};

use base64::Engine as _;
use percent_encoding::{percent_decode_str, utf8_percent_encode, NON_ALPHANUMERIC};
use serde::Serialize;

/// The most an icon may weigh, inline or as a file.
pub const MAX_ICON: usize = 64 * 1024;

/// An icon ready to draw.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct Icon {
    /// A `data:image/…` URL.
    pub url: String,
    /// Drawn in one colour (black or `currentColor` only): the sidebar paints
    /// it in its text colour, so it shows in light and dark themes alike.
    pub monochrome: bool,
}

/// Reads `raw` (the source's `icon`) into an icon, or says why it cannot be shown.
/// `source_file` is the source's path, for icons named relative to it.
pub fn resolve(raw: &str, source_file: &Path) -> Result<Icon, String> {
    let raw = raw.trim();
    if raw.len() > MAX_ICON {
        return Err(format!("the icon is over {} KiB", MAX_ICON / 1024));
    }
    if raw.starts_with('<') {
        return svg(raw);
    }
    if let Some(data) = raw.strip_prefix("data:") {
        return data_url(data);
    }
    if raw.contains("://") || raw.starts_with("//") {
        return Err("icons are not fetched from the web: put the file beside the source and name it (icon: 'ICON.svg')".into());
    }
    file(raw, source_file)
}

fn data_url(data: &str) -> Result<Icon, String> {
    let (header, payload) = data
        .split_once(',')
        .ok_or("a data: URL needs a ',' before its data")?;
    let mut parts = header.split(';');
    let mime = parts.next().unwrap_or_default().to_ascii_lowercase();
    let base64 = header.split(';').any(|p| p.eq_ignore_ascii_case("base64"));
    let bytes = if base64 {
        base64::engine::general_purpose::STANDARD
            .decode(payload.trim())
            .map_err(|e| format!("the icon's base64 is broken: {e}"))?
    } else {
        percent_decode_str(payload).collect()
    };
    if mime == "image/svg+xml" {
        let text = String::from_utf8(bytes).map_err(|_| "the SVG icon is not UTF-8")?;
        return svg(&text);
    }
    raster(&bytes, &mime)
}

fn file(name: &str, source_file: &Path) -> Result<Icon, String> {
    let relative = Path::new(name);
    if !relative
        .components()
        .all(|c| matches!(c, Component::Normal(_) | Component::CurDir))
    {
        return Err(format!(
            "the icon {name:?} must be a file beside the source (no absolute path, no '..')"
        ));
    }
    let folder = source_file.parent().unwrap_or(Path::new("."));
    let path = folder.join(relative);
    // Symbolic links must not lead out of the source's folder either.
    let real_folder = folder.canonicalize().map_err(|e| e.to_string())?;
    let real = path
        .canonicalize()
        .map_err(|e| format!("cannot read the icon {}: {e}", path.display()))?;
    if !real.starts_with(&real_folder) {
        return Err(format!(
            "the icon {name:?} leads out of the source's folder"
        ));
    }
    let meta = std::fs::metadata(&real).map_err(|e| e.to_string())?;
    if !meta.is_file() || meta.len() > MAX_ICON as u64 {
        return Err(format!(
            "the icon {name:?} must be a file of at most {} KiB",
            MAX_ICON / 1024
        ));
    }
    let bytes = std::fs::read(&real)
        .map_err(|e| format!("cannot read the icon {}: {e}", path.display()))?;
    let is_svg = real
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("svg"))
        || bytes.trim_ascii_start().starts_with(b"<");
    if is_svg {
        let text = String::from_utf8(bytes).map_err(|_| "the SVG icon is not UTF-8")?;
        return svg(&text);
    }
    raster(&bytes, "")
}

/// PNG, JPEG, GIF and WebP icons, recognised by their bytes, not their name.
fn raster(bytes: &[u8], declared: &str) -> Result<Icon, String> {
    let kind = infer::get(bytes).map(|k| k.mime_type()).unwrap_or_default();
    if !matches!(
        kind,
        "image/png" | "image/jpeg" | "image/gif" | "image/webp"
    ) {
        return Err(format!(
            "the icon is not an SVG, PNG, JPEG, GIF or WebP picture{}",
            if declared.is_empty() {
                String::new()
            } else {
                format!(" (it says {declared})")
            }
        ));
    }
    Ok(Icon {
        url: format!(
            "data:{kind};base64,{}",
            base64::engine::general_purpose::STANDARD.encode(bytes)
        ),
        monochrome: false,
    })
}

/// Elements that run code, embed documents or load media: never in an icon.
const FORBIDDEN_ELEMENTS: &[&str] = &[
    "script",
    "foreignObject",
    "iframe",
    "embed",
    "object",
    "audio",
    "video",
    "handler",
    "listener",
    "animate",
    "set",
];

/// Colours that mean "one colour": the icon is then painted in the text colour.
const MONOCHROME: &[&str] = &[
    "currentcolor",
    "none",
    "transparent",
    "inherit",
    "black",
    "#000",
    "#000000",
];

fn svg(text: &str) -> Result<Icon, String> {
    let options = roxmltree::ParsingOptions {
        allow_dtd: false,
        ..Default::default()
    };
    let doc = roxmltree::Document::parse_with_options(text, options)
        .map_err(|e| format!("the SVG icon does not parse: {e}"))?;
    let root = doc.root_element();
    if root.tag_name().name() != "svg" {
        return Err("the icon must be an <svg> element".into());
    }
    let mut monochrome = true;
    for node in root.descendants().filter(|n| n.is_element()) {
        let element = node.tag_name().name();
        if FORBIDDEN_ELEMENTS.contains(&element) {
            return Err(format!("the SVG icon has a <{element}> element"));
        }
        if element == "style" {
            let css = node.text().unwrap_or_default();
            refuse_external_css(css)?;
            monochrome &= colours_in_css(css).all(is_monochrome);
        }
        for attribute in node.attributes() {
            let name = attribute.name();
            let value = attribute.value();
            if name.len() > 2 && name[..2].eq_ignore_ascii_case("on") {
                return Err(format!("the SVG icon has an event handler ({name})"));
            }
            let outside =
                (name == "href" && !value.trim_start().starts_with('#')) || refers_outside(value);
            if outside {
                return Err(format!(
                    "the SVG icon refers to something outside itself ({value:?})"
                ));
            }
            match name {
                "style" => {
                    refuse_external_css(value)?;
                    monochrome &= colours_in_css(value).all(is_monochrome);
                }
                "fill" | "stroke" | "stop-color" | "color" | "flood-color" | "lighting-color" => {
                    monochrome &= is_monochrome(value)
                }
                _ => {}
            }
        }
    }
    // An SVG drawn as an image needs its namespace; inline SVG in HTML does not.
    let text = if root.tag_name().namespace().is_none() {
        let at = text
            .find("<svg")
            .ok_or("the icon must be an <svg> element")?
            + 4;
        format!(
            "{} xmlns=\"http://www.w3.org/2000/svg\"{}",
            &text[..at],
            &text[at..]
        )
    } else {
        text.to_owned()
    };
    Ok(Icon {
        url: format!(
            "data:image/svg+xml;charset=utf-8,{}",
            utf8_percent_encode(&text, NON_ALPHANUMERIC)
        ),
        monochrome,
    })
}

/// A `url(…)` that is not a reference within the icon (`url(#id)`).
fn refers_outside(text: &str) -> bool {
    text.replace("url(#", "").contains("url(")
}

fn refuse_external_css(css: &str) -> Result<(), String> {
    let lower = css.to_ascii_lowercase();
    if lower.contains("@import") || refers_outside(&lower) {
        return Err("the SVG icon's style refers to something outside itself".into());
    }
    Ok(())
}

/// The values of the colour properties in a style sheet or style attribute.
fn colours_in_css(css: &str) -> impl Iterator<Item = &str> {
    css.split([';', '{', '}']).filter_map(|declaration| {
        let (property, value) = declaration.split_once(':')?;
        let property = property.trim();
        matches!(property, "fill" | "stroke" | "stop-color" | "color").then(|| value.trim())
    })
}

fn is_monochrome(colour: &str) -> bool {
    let colour = colour
        .trim()
        .trim_end_matches("!important")
        .trim()
        .to_ascii_lowercase();
    MONOCHROME.contains(&colour.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: &str = r#"<svg viewBox="0 0 24 24"><path d="M4 4h16v16H4z"/></svg>"#;

    fn resolve_here(raw: &str) -> Result<Icon, String> {
        resolve(raw, Path::new("/nowhere/source.js"))
    }

    #[test]
    fn inline_svg_without_xmlns_gets_it_and_is_monochrome() {
        let icon = resolve_here(PLAIN).unwrap();
        assert!(icon.url.starts_with("data:image/svg+xml;charset=utf-8,"));
        let decoded = percent_decode_str(&icon.url[33..]).decode_utf8().unwrap();
        assert!(decoded.contains(r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox"#));
        assert!(icon.monochrome);
    }

    #[test]
    fn colours_make_an_icon_coloured_and_current_color_keeps_it_monochrome() {
        let coloured = r##"<svg xmlns="http://www.w3.org/2000/svg"><path fill="#ea4335" d="M0 0h1v1z"/></svg>"##;
        assert!(!resolve_here(coloured).unwrap().monochrome);
        let current = r#"<svg xmlns="http://www.w3.org/2000/svg"><path style="fill: currentColor" stroke="none" d="M0 0h1v1z"/></svg>"#;
        assert!(resolve_here(current).unwrap().monochrome);
    }

    #[test]
    fn scripts_handlers_and_outside_references_are_refused() {
        for hostile in [
            r#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/x.png"/></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><foreignObject><p>x</p></foreignObject></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><style>@import url(https://evil.example/a.css);</style></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><path fill="url(https://evil.example/#g)"/></svg>"#,
            r#"<!DOCTYPE svg [<!ENTITY x SYSTEM "file:///etc/passwd">]><svg>&x;</svg>"#,
            "<html><body>not an svg</body></html>",
        ] {
            assert!(resolve_here(hostile).is_err(), "{hostile}");
        }
        let local_gradient = r##"<svg xmlns="http://www.w3.org/2000/svg"><linearGradient id="g"/><path fill="url(#g)" d="M0 0h1v1z"/></svg>"##;
        assert!(resolve_here(local_gradient).is_ok());
    }

    #[test]
    fn data_urls_are_decoded_and_checked() {
        let encoded = format!(
            "data:image/svg+xml,{}",
            utf8_percent_encode(PLAIN, NON_ALPHANUMERIC)
        );
        assert!(resolve_here(&encoded).unwrap().monochrome);
        let png = image_bytes();
        let url = format!(
            "data:image/png;base64,{}",
            base64::engine::general_purpose::STANDARD.encode(&png)
        );
        let icon = resolve_here(&url).unwrap();
        assert!(icon.url.starts_with("data:image/png;base64,"));
        assert!(!icon.monochrome);
        assert!(resolve_here("data:image/png;base64,bm90IGEgcGljdHVyZQ==").is_err());
        assert!(resolve_here("data:text/html,<script>alert(1)</script>").is_err());
    }

    #[test]
    fn files_beside_the_source_are_read_and_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let source = dir.path().join("source.js");
        std::fs::write(dir.path().join("ICON.svg"), PLAIN).unwrap();
        std::fs::write(dir.path().join("logo.png"), image_bytes()).unwrap();
        assert!(resolve("ICON.svg", &source).unwrap().monochrome);
        assert!(resolve("./logo.png", &source)
            .unwrap()
            .url
            .starts_with("data:image/png;base64,"));
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.svg"), PLAIN).unwrap();
        std::os::unix::fs::symlink(
            outside.path().join("secret.svg"),
            dir.path().join("link.svg"),
        )
        .unwrap();
        for refused in [
            "../secret.svg",
            "/etc/passwd",
            "link.svg",
            "missing.svg",
            "https://example.com/icon.svg",
        ] {
            assert!(resolve(refused, &source).is_err(), "{refused}");
        }
        std::fs::write(dir.path().join("big.svg"), vec![b' '; MAX_ICON + 1]).unwrap();
        assert!(resolve("big.svg", &source).unwrap_err().contains("KiB"));
    }

    fn image_bytes() -> Vec<u8> {
        let mut out = std::io::Cursor::new(Vec::new());
        image::RgbaImage::new(2, 2)
            .write_to(&mut out, image::ImageFormat::Png)
            .unwrap();
        out.into_inner()
    }
}
