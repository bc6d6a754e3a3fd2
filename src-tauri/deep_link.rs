//! `satchel://` links: open the picker with options in the query, e.g.
//! `satchel://open?maxFiles=3&accept=image/*,.pdf`.
//!
//! Links come from anywhere (a web page can open one), so they may set only
//! picker options, never sources, and a destination only from the policy's
//! allowed list. Unknown options are refused, not ignored.

use url::Url;

use crate::cli::PickerArgs;

pub const SCHEME: &str = "satchel";

/// Whether a command-line argument is a satchel:// link.
pub fn is_link(arg: &str) -> bool {
    arg.get(..SCHEME.len() + 3)
        .is_some_and(|head| head.eq_ignore_ascii_case("satchel://"))
}

/// The picker options a link asks for.
pub fn parse(link: &str) -> Result<PickerArgs, String> {
    let url =
        Url::parse(link).map_err(|e| format!("{link:?} is not a valid satchel:// link: {e}"))?;
    let mut args = PickerArgs::default();
    for (key, value) in url.query_pairs() {
        let value = value.into_owned();
        let number = |v: &str| {
            v.parse::<u32>()
                .map_err(|_| format!("satchel:// option {key}={v:?} is not a whole number"))
        };
        match key.as_ref() {
            "maxFiles" => args.max_files = Some(number(&value)?.max(1)),
            "minFiles" => args.min_files = Some(number(&value)?),
            "maxSize" => args.max_size = Some(value),
            "accept" => args.accept = Some(value.split(',').map(str::to_owned).collect()),
            "fromSources" => args.from_sources = Some(value.split(',').map(str::to_owned).collect()),
            "uploadInBackground" => {
                args.upload_in_background = Some(
                    value
                        .parse()
                        .map_err(|_| format!("satchel:// option uploadInBackground={value:?} is not true or false"))?,
                )
            }
            "destination" => args.to = Some(value),
            "lang" => args.lang = Some(value),
            "imageMax" => args.image_max = Some(value),
            "imageMin" => args.image_min = Some(value),
            "imageDim" => args.image_dim = Some(value),
            "imageQuality" => {
                args.image_quality = Some(value.parse().map_err(|_| {
                    format!("satchel:// option imageQuality={value:?} is not a number from 0 to 1")
                })?)
            }
            // A page may make pictures more private, never less.
            "cleanupImageExif" => match value.as_str() {
                "true" => args.strip_exif = true,
                _ => {
                    return Err(format!(
                        "satchel:// option cleanupImageExif={value:?}: a link can only turn it on (true)"
                    ))
                }
            },
            other => {
                return Err(format!(
                    "satchel:// option {other:?} is not supported (use maxFiles, minFiles, maxSize, accept, \
                     fromSources, uploadInBackground, destination, lang, imageMax, imageMin, imageDim, \
                     imageQuality or cleanupImageExif)"
                ))
            }
        }
    }
    Ok(args)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn options_come_from_the_query() {
        assert!(
            is_link("satchel://open?maxFiles=2")
                && is_link("SATCHEL://x")
                && !is_link("/tmp/satchel")
        );
        let args =
            parse("satchel://open?maxFiles=3&accept=image/*,.pdf&uploadInBackground=true").unwrap();
        assert_eq!(args.max_files, Some(3));
        assert_eq!(
            args.accept,
            Some(vec!["image/*".to_string(), ".pdf".to_string()])
        );
        assert_eq!(args.upload_in_background, Some(true));
    }

    #[test]
    fn unknown_and_malformed_options_are_refused() {
        let err = parse("satchel://open?source=/tmp/evil.js").unwrap_err();
        assert!(err.contains("\"source\" is not supported"), "{err}");
        assert!(parse("satchel://open?maxFiles=lots")
            .unwrap_err()
            .contains("whole number"));
        assert!(parse("satchel://open?uploadInBackground=maybe").is_err());
    }

    #[test]
    fn links_may_set_picture_sizes_and_only_turn_exif_cleanup_on() {
        let args =
            parse("satchel://open?imageMax=1600x1600&cleanupImageExif=true&imageQuality=0.8")
                .unwrap();
        assert_eq!(args.image_max.as_deref(), Some("1600x1600"));
        assert!(args.strip_exif);
        assert_eq!(args.image_quality, Some(0.8));
        let err = parse("satchel://open?cleanupImageExif=false").unwrap_err();
        assert!(err.contains("only turn it on"), "{err}");
        assert!(parse("satchel://open?transformations=x")
            .unwrap_err()
            .contains("not supported"));
    }
}
