//! Where pixels go: orientation as a list of turns and flips, crop boxes
//! carried from what the person sees back to the stored pixels, and the
//! size a picture ends up at.
//!
//! When working on this file, keep in mind:
//! - a crop box is in fractions (0–1) of the picture *as shown*: after its
//!   EXIF orientation and the person's quarter turns. The pipeline crops
//!   and resizes the stored pixels in one pass and turns only the small
//!   result, so the box is mapped back through the inverse steps first;
//! - sizes are in the shown frame too, and swapped for the stored pixels
//!   when the steps turn the picture by a quarter.

use image::metadata::Orientation;
use serde::{Deserialize, Serialize};

use super::options::Dims;

/// One way to move the pixels of a picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// A quarter turn clockwise.
    Right,
    Half,
    /// A quarter turn anticlockwise.
    Left,
    FlipH,
    FlipV,
}

impl Step {
    fn inverse(self) -> Step {
        match self {
            Step::Right => Step::Left,
            Step::Left => Step::Right,
            other => other,
        }
    }

    pub fn quarter(self) -> bool {
        matches!(self, Step::Right | Step::Left)
    }

    /// Where the point (u, v) of the unit square goes.
    fn map(self, (u, v): (f64, f64)) -> (f64, f64) {
        match self {
            Step::Right => (1.0 - v, u),
            Step::Left => (v, 1.0 - u),
            Step::Half => (1.0 - u, 1.0 - v),
            Step::FlipH => (1.0 - u, v),
            Step::FlipV => (u, 1.0 - v),
        }
    }
}

/// The steps that show a picture stored with this EXIF orientation upright.
pub fn orientation_steps(orientation: Orientation) -> Vec<Step> {
    match orientation {
        Orientation::NoTransforms => vec![],
        Orientation::FlipHorizontal => vec![Step::FlipH],
        Orientation::Rotate180 => vec![Step::Half],
        Orientation::FlipVertical => vec![Step::FlipV],
        Orientation::Rotate90FlipH => vec![Step::Right, Step::FlipH],
        Orientation::Rotate90 => vec![Step::Right],
        Orientation::Rotate270FlipH => vec![Step::Left, Step::FlipH],
        Orientation::Rotate270 => vec![Step::Left],
    }
}

/// The steps for the person's quarter turns (positive: clockwise).
pub fn turn_steps(quarters: i32) -> Vec<Step> {
    match quarters.rem_euclid(4) {
        1 => vec![Step::Right],
        2 => vec![Step::Half],
        3 => vec![Step::Left],
        _ => vec![],
    }
}

/// Whether the steps swap width and height.
pub fn swaps(steps: &[Step]) -> bool {
    steps.iter().filter(|s| s.quarter()).count() % 2 == 1
}

/// A box in fractions of a picture: left, top, width, height, each 0–1.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, specta::Type)]
pub struct Rect {
    #[specta(type = specta_typescript::Number)]
    pub x: f64,
    #[specta(type = specta_typescript::Number)]
    pub y: f64,
    #[specta(type = specta_typescript::Number)]
    pub width: f64,
    #[specta(type = specta_typescript::Number)]
    pub height: f64,
}

impl Rect {
    pub const WHOLE: Rect = Rect {
        x: 0.0,
        y: 0.0,
        width: 1.0,
        height: 1.0,
    };

    /// The box kept inside the picture, at least a sliver wide.
    pub fn clamped(self) -> Rect {
        let finite = |n: f64, or: f64| if n.is_finite() { n } else { or };
        let x = finite(self.x, 0.0).clamp(0.0, 0.999);
        let y = finite(self.y, 0.0).clamp(0.0, 0.999);
        Rect {
            x,
            y,
            width: finite(self.width, 1.0).clamp(0.001, 1.0 - x),
            height: finite(self.height, 1.0).clamp(0.001, 1.0 - y),
        }
    }

    /// This box made exactly `ratio` (width / height, in pixels) in a
    /// `width`×`height` picture, about the same centre, inside the picture.
    pub fn with_ratio(self, ratio: Option<f64>, width: u32, height: u32) -> Rect {
        let Some(ratio) = ratio.filter(|r| r.is_finite() && *r > 0.0) else {
            return self;
        };
        let (w, h) = (width as f64, height as f64);
        let mut part_w = self.width;
        let mut part_h = part_w * w / ratio / h;
        if part_h > 1.0 {
            part_h = 1.0;
            part_w = h * ratio / w;
        }
        let (cx, cy) = (self.x + self.width / 2.0, self.y + self.height / 2.0);
        Rect {
            x: (cx - part_w / 2.0).clamp(0.0, 1.0 - part_w),
            y: (cy - part_h / 2.0).clamp(0.0, 1.0 - part_h),
            width: part_w,
            height: part_h,
        }
    }

    /// The largest box of `ratio` (width / height, in pixels) centred in a
    /// `width`×`height` picture.
    pub fn centred(ratio: f64, width: u32, height: u32) -> Rect {
        let (w, h) = (width as f64, height as f64);
        if w / h > ratio {
            let part = (h * ratio / w).min(1.0);
            Rect {
                x: (1.0 - part) / 2.0,
                y: 0.0,
                width: part,
                height: 1.0,
            }
        } else {
            let part = (w / ratio / h).min(1.0);
            Rect {
                x: 0.0,
                y: (1.0 - part) / 2.0,
                width: 1.0,
                height: part,
            }
        }
    }

    /// This box (in the frame after `steps`) in the frame before them.
    pub fn before(self, steps: &[Step]) -> Rect {
        let mut a = (self.x, self.y);
        let mut b = (self.x + self.width, self.y + self.height);
        for step in steps.iter().rev() {
            a = step.inverse().map(a);
            b = step.inverse().map(b);
        }
        Rect {
            x: a.0.min(b.0),
            y: a.1.min(b.1),
            width: (a.0 - b.0).abs(),
            height: (a.1 - b.1).abs(),
        }
    }
}

/// The size a `width`×`height` picture (as shown) ends up at: `imageDim`
/// first; otherwise shrunk to fit `imageMax`, then enlarged to `imageMin`.
/// The aspect ratio holds except for an `imageDim` with both sides (then
/// the picture is scaled to cover it and the rest cropped, never stretched:
/// see [`cover`]).
pub fn target(
    width: u32,
    height: u32,
    max: Option<Dims>,
    min: Option<Dims>,
    dim: Option<Dims>,
) -> (u32, u32) {
    let (w, h) = (width as f64, height as f64);
    let scaled = |scale: f64| {
        (
            ((w * scale).round() as u32).max(1),
            ((h * scale).round() as u32).max(1),
        )
    };
    if let Some(dim) = dim {
        return match (dim.width, dim.height) {
            (Some(dw), Some(dh)) => (dw, dh),
            (Some(dw), None) => scaled(dw as f64 / w),
            (None, Some(dh)) => scaled(dh as f64 / h),
            (None, None) => (width, height),
        };
    }
    let mut scale: f64 = 1.0;
    if let Some(max) = max {
        let fit = [
            max.width.map(|m| m as f64 / w),
            max.height.map(|m| m as f64 / h),
        ]
        .into_iter()
        .flatten()
        .fold(f64::INFINITY, f64::min);
        scale = scale.min(fit);
    }
    if let Some(min) = min {
        let reach = [
            min.width.map(|m| m as f64 / w),
            min.height.map(|m| m as f64 / h),
        ]
        .into_iter()
        .flatten()
        .fold(0.0, f64::max);
        scale = scale.max(reach);
    }
    if (scale - 1.0).abs() < 1e-9 {
        (width, height)
    } else {
        scaled(scale)
    }
}

/// The part of a picture (in fractions) that an exact `imageDim` keeps:
/// the largest box of the target's shape, centred.
pub fn cover(width: u32, height: u32, target: (u32, u32)) -> Rect {
    Rect::centred(target.0 as f64 / target.1 as f64, width, height)
}

/// `Rect` within another `Rect`: `inner` in fractions of `outer`.
pub fn within(outer: Rect, inner: Rect) -> Rect {
    Rect {
        x: outer.x + inner.x * outer.width,
        y: outer.y + inner.y * outer.height,
        width: inner.width * outer.width,
        height: inner.height * outer.height,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dims(w: u32, h: u32) -> Option<Dims> {
        Some(Dims {
            width: (w > 0).then_some(w),
            height: (h > 0).then_some(h),
        })
    }

    #[test]
    fn sizes_follow_max_then_min_or_dim() {
        // A 6000×4000 photo stored sideways shows as 4000×6000.
        assert_eq!(
            target(4000, 6000, dims(1600, 1600), None, None),
            (1067, 1600)
        );
        assert_eq!(
            target(800, 600, dims(1600, 1600), None, None),
            (800, 600),
            "never enlarged by max"
        );
        assert_eq!(target(400, 300, None, dims(800, 0), None), (800, 600));
        assert_eq!(
            target(400, 300, None, dims(800, 800), None),
            (1067, 800),
            "both sides reach the minimum"
        );
        assert_eq!(target(400, 300, None, None, dims(0, 150)), (200, 150));
        assert_eq!(target(400, 300, None, None, dims(100, 100)), (100, 100));
        assert_eq!(target(4000, 3000, dims(1000, 0), None, None), (1000, 750));
    }

    #[test]
    fn boxes_map_back_through_turns_and_flips() {
        // The left half of a picture turned right is the top half stored.
        let left = Rect {
            x: 0.0,
            y: 0.0,
            width: 0.5,
            height: 1.0,
        };
        let stored = left.before(&[Step::Right]);
        assert_eq!(
            stored,
            Rect {
                x: 0.0,
                y: 0.5,
                width: 1.0,
                height: 0.5
            }
        );
        let back = left.before(&[Step::Left]);
        assert_eq!(
            back,
            Rect {
                x: 0.0,
                y: 0.0,
                width: 1.0,
                height: 0.5
            }
        );
        let flipped = left.before(&[Step::FlipH]);
        assert_eq!(flipped.x, 0.5);
        // Every orientation and its steps agree on which sides swap.
        assert!(swaps(&orientation_steps(Orientation::Rotate90)));
        assert!(!swaps(&[Step::Right, Step::Left]));
        assert_eq!(turn_steps(-1), vec![Step::Left]);
    }

    #[test]
    fn centred_boxes_have_the_ratio() {
        let square = Rect::centred(1.0, 4000, 6000);
        assert_eq!(square.width, 1.0);
        assert!((square.height * 6000.0 - 4000.0).abs() < 1e-6);
        assert!((square.y - (1.0 - 4000.0 / 6000.0) / 2.0).abs() < 1e-9);
        let snapped = Rect {
            x: 0.1,
            y: 0.1,
            width: 0.5,
            height: 0.51,
        }
        .with_ratio(Some(1.0), 600, 400);
        assert!((snapped.width * 600.0 - snapped.height * 400.0).abs() < 1e-6);
        let wide = Rect::centred(16.0 / 9.0, 1000, 1000);
        assert_eq!(wide.width, 1.0);
        let clamped = Rect {
            x: -1.0,
            y: 0.5,
            width: 9.0,
            height: f64::NAN,
        }
        .clamped();
        assert_eq!(
            clamped,
            Rect {
                x: 0.0,
                y: 0.5,
                width: 1.0,
                height: 0.5
            }
        );
    }
}
