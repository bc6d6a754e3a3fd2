//! Pictures made and read back with ImageMagick, the tool a person would
//! check them with (installed by `./x setup`).

use std::io;
use std::path::Path;
use std::process::Command;

/// Runs a tool the tests rely on; its output, or an error with its stderr.
pub fn tool(program: &str, args: &[&str]) -> io::Result<String> {
    let out = Command::new(program).args(args).output().map_err(|e| {
        io::Error::new(
            e.kind(),
            format!("{program} is needed here ({e}); ./x setup installs it"),
        )
    })?;
    if !out.status.success() {
        return Err(io::Error::other(format!(
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
}

/// Width and height as ImageMagick reads them.
pub fn size_of(path: &Path) -> io::Result<(u32, u32)> {
    let text = tool("identify", &["-format", "%w %h", &utf8(path)?])?;
    match numbers(&text)[..] {
        [width, height] => Ok((width, height)),
        _ => Err(io::Error::other(format!("identify said {text:?}"))),
    }
}

/// The colour of one pixel, 0–255 per channel.
pub fn pixel(path: &Path, x: u32, y: u32) -> io::Result<[u8; 3]> {
    let text = tool(
        "convert",
        &[
            &utf8(path)?,
            "-crop",
            &format!("1x1+{x}+{y}"),
            "-depth",
            "8",
            "-format",
            "%[fx:int(255*r)] %[fx:int(255*g)] %[fx:int(255*b)]",
            "info:",
        ],
    )?;
    match numbers(&text)[..] {
        [r, g, b] => Ok([r, g, b].map(|c| c.min(255) as u8)),
        _ => Err(io::Error::other(format!("convert said {text:?}"))),
    }
}

fn numbers(text: &str) -> Vec<u32> {
    text.split_whitespace()
        .filter_map(|n| n.parse().ok())
        .collect()
}

fn utf8(path: &Path) -> io::Result<String> {
    path.to_str()
        .map(str::to_owned)
        .ok_or_else(|| io::Error::other(format!("{} is not UTF-8", path.display())))
}
