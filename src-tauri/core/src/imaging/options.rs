//! The picture options, named as Filestack's picker names them, and how
//! they are written in a config file, on the command line and in a link.
//!
//! ```toml
//! imageMax = [1600, 1600]        # shrink to fit
//! imageMin = [800, 0]            # enlarge to at least 800 px wide (0: any height)
//! imageDim = "1200x"             # exactly 1200 px wide, height from the aspect ratio
//! cleanupImageExif = true        # strip EXIF/XMP/IPTC (GPS too), keep the colour profile
//! imageQuality = 0.92            # JPEG quality, 0–1
//! transformations = { crop = { aspectRatio = 1.0, force = true }, circle = true, rotate = true }
//! ```

use serde::{Deserialize, Serialize};

/// Uppy's Compressor default, which Filestack users know too.
pub const DEFAULT_QUALITY: f32 = 0.92;

/// A width and a height, either of which may be left free (`None`; `0` in
/// a config file, nothing in `800x`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Dims {
    pub width: Option<u32>,
    pub height: Option<u32>,
}

impl Dims {
    /// Parses `WxH`, `Wx` or `xH` (pixels).
    pub fn parse(text: &str) -> std::result::Result<Dims, String> {
        let bad =
            || format!("{text:?} is not a size in pixels; write e.g. 1600x1600, 800x or x600");
        let (w, h) = text.trim().split_once(['x', 'X']).ok_or_else(bad)?;
        let side = |s: &str| -> std::result::Result<Option<u32>, String> {
            let s = s.trim();
            if s.is_empty() {
                return Ok(None);
            }
            match s.parse::<u32>() {
                Ok(0) => Ok(None),
                Ok(n) => Ok(Some(n)),
                Err(_) => Err(bad()),
            }
        };
        let dims = Dims {
            width: side(w)?,
            height: side(h)?,
        };
        if dims.width.is_none() && dims.height.is_none() {
            return Err(bad());
        }
        Ok(dims)
    }

    fn free(n: u32) -> Option<u32> {
        (n > 0).then_some(n)
    }
}

impl std::fmt::Display for Dims {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let side = |n: Option<u32>| n.map(|n| n.to_string()).unwrap_or_default();
        write!(f, "{}x{}", side(self.width), side(self.height))
    }
}

/// How [`Dims`] crosses the IPC: Filestack's `[w, h]` (below).
mod ipc {
    #[derive(specta::Type)]
    #[specta(remote = super::Dims, transparent)]
    #[allow(dead_code)]
    struct Dims((Option<u32>, Option<u32>));
}

impl Serialize for Dims {
    /// As Filestack's `[w, h]`, with `null` for a free side.
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        [self.width, self.height].serialize(s)
    }
}

impl<'de> Deserialize<'de> for Dims {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Pair([u32; 2]),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Pair([w, h]) if w > 0 || h > 0 => Ok(Dims {
                width: Dims::free(w),
                height: Dims::free(h),
            }),
            Raw::Pair(_) => Err(serde::de::Error::custom(
                "a size needs a width or a height above 0",
            )),
            Raw::Text(t) => Dims::parse(&t).map_err(serde::de::Error::custom),
        }
    }
}

/// Parses an aspect ratio: `W:H` (`16:9`) or a number (`1.5`).
pub fn parse_ratio(text: &str) -> std::result::Result<f64, String> {
    let bad = || format!("{text:?} is not an aspect ratio; write e.g. 1:1, 16:9 or 1.5");
    let ratio = match text.trim().split_once(':') {
        Some((w, h)) => {
            let w: f64 = w.trim().parse().map_err(|_| bad())?;
            let h: f64 = h.trim().parse().map_err(|_| bad())?;
            w / h
        }
        None => text.trim().parse().map_err(|_| bad())?,
    };
    if ratio.is_finite() && ratio > 0.0 {
        Ok(ratio)
    } else {
        Err(bad())
    }
}

/// `transformations`: which editor tools are offered, and what every
/// picture must get.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(deny_unknown_fields, rename_all = "camelCase")]
pub struct Transformations {
    #[serde(default = "CropTool::on")]
    pub crop: CropTool,
    #[serde(default = "Tool::on")]
    pub circle: Tool,
    #[serde(default = "yes")]
    pub rotate: bool,
}

fn yes() -> bool {
    true
}

impl Default for Transformations {
    fn default() -> Self {
        Transformations {
            crop: CropTool::on(),
            circle: Tool::on(),
            rotate: true,
        }
    }
}

/// A tool that is on or off (`true`/`false`), or forced on every picture
/// (`{ force = true }`).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(untagged)]
pub enum Tool {
    Offered(bool),
    Detailed {
        #[serde(default)]
        force: bool,
    },
}

impl Tool {
    fn on() -> Self {
        Tool::Offered(true)
    }
    pub fn offered(&self) -> bool {
        !matches!(self, Tool::Offered(false))
    }
    pub fn forced(&self) -> bool {
        matches!(self, Tool::Detailed { force: true })
    }
}

/// The crop tool: on or off, or with an aspect ratio and `force` (a
/// picture cannot go uncropped).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, specta::Type)]
#[serde(untagged)]
pub enum CropTool {
    Offered(bool),
    #[serde(rename_all = "camelCase")]
    Detailed {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        #[specta(type = Option<specta_typescript::Number>)]
        aspect_ratio: Option<f64>,
        #[serde(default)]
        force: bool,
    },
}

impl CropTool {
    fn on() -> Self {
        CropTool::Offered(true)
    }
    pub fn offered(&self) -> bool {
        !matches!(self, CropTool::Offered(false))
    }
    pub fn ratio(&self) -> Option<f64> {
        match self {
            CropTool::Detailed { aspect_ratio, .. } => *aspect_ratio,
            CropTool::Offered(_) => None,
        }
    }
    pub fn forced(&self) -> bool {
        matches!(self, CropTool::Detailed { force: true, .. })
    }
}

/// Every picture option in force, as the UI and a source's `config` see it.
#[derive(Debug, Clone, PartialEq, Serialize, specta::Type)]
#[serde(rename_all = "camelCase")]
pub struct ImageOptions {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_max: Option<Dims>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_min: Option<Dims>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub image_dim: Option<Dims>,
    pub cleanup_image_exif: bool,
    #[specta(type = specta_typescript::Number)]
    pub image_quality: f32,
    pub transformations: Transformations,
    /// `satchel upload`: the crop ratio applies to every picture, centred,
    /// as there is nobody to place it (the window only offers it, unless
    /// `force` says every picture must be cropped).
    #[serde(skip)]
    pub headless: bool,
}

impl Default for ImageOptions {
    fn default() -> Self {
        ImageOptions {
            image_max: None,
            image_min: None,
            image_dim: None,
            cleanup_image_exif: false,
            image_quality: DEFAULT_QUALITY,
            transformations: Transformations::default(),
            headless: false,
        }
    }
}

impl ImageOptions {
    /// Whether a picture nobody edited gets the configured ratio, centred.
    pub fn crops_unedited(&self) -> Option<f64> {
        let crop = self.transformations.crop;
        crop.ratio().filter(|_| self.headless || crop.forced())
    }

    /// Whether a picture nobody edited gets the circle mask.
    pub fn circles_unedited(&self) -> bool {
        self.transformations.circle.forced()
    }

    /// JPEG quality on the encoder's 1–100 scale.
    pub fn jpeg_quality(&self) -> u8 {
        (self.image_quality.clamp(0.01, 1.0) * 100.0).round() as u8
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes_are_written_as_filestack_and_the_command_line_write_them() {
        assert_eq!(
            Dims::parse("1600x1200").unwrap(),
            Dims {
                width: Some(1600),
                height: Some(1200)
            }
        );
        assert_eq!(Dims::parse("800x").unwrap().height, None);
        assert_eq!(Dims::parse("x600").unwrap().width, None);
        assert!(Dims::parse("x").unwrap_err().contains("1600x1600"));
        assert!(Dims::parse("big").is_err());
        let from_toml: Dims = toml::from_str::<toml::Table>("d = [800, 0]").unwrap()["d"]
            .clone()
            .try_into()
            .unwrap();
        assert_eq!(from_toml, Dims::parse("800x").unwrap());
        assert_eq!(
            serde_json::to_string(&from_toml).unwrap(),
            "[800,null]",
            "the UI sees Filestack's shape"
        );
    }

    #[test]
    fn ratios_and_tools() {
        assert_eq!(parse_ratio("16:9").unwrap(), 16.0 / 9.0);
        assert_eq!(parse_ratio("1.5").unwrap(), 1.5);
        assert!(parse_ratio("1:0").is_err() && parse_ratio("wide").is_err());
        let t: Transformations =
            toml::from_str("crop = { aspectRatio = 1.0, force = true }\ncircle = false\n").unwrap();
        assert_eq!(t.crop.ratio(), Some(1.0));
        assert!(t.crop.forced() && !t.circle.offered() && t.rotate);
        let mut options = ImageOptions {
            transformations: t,
            ..Default::default()
        };
        assert_eq!(options.crops_unedited(), Some(1.0));
        options.transformations.crop = CropTool::Detailed {
            aspect_ratio: Some(2.0),
            force: false,
        };
        assert_eq!(options.crops_unedited(), None, "the window only offers it");
        options.headless = true;
        assert_eq!(options.crops_unedited(), Some(2.0));
        assert_eq!(ImageOptions::default().jpeg_quality(), 92);
    }
}
