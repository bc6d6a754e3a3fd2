//! Names that never clobber: `a.txt`, `a (1).txt`, `a (2).txt`, …

/// Compound extensions kept whole, so `x.tar.gz` becomes `x (1).tar.gz`.
const COMPOUND: &[&str] = &[".tar.gz", ".tar.bz2", ".tar.xz", ".tar.zst"];

/// The names to try, in order, for a file called `name`. Endless: the caller
/// stops at the first one that is free.
pub fn unclobbered_names(name: &str) -> impl Iterator<Item = String> + '_ {
    let (stem, ext) = split_extension(name);
    std::iter::once(name.to_owned()).chain((1u64..).map(move |n| format!("{stem} ({n}){ext}")))
}

fn split_extension(name: &str) -> (&str, &str) {
    let lower = name.to_ascii_lowercase();
    if let Some(compound) = COMPOUND.iter().find(|c| lower.ends_with(*c)) {
        let at = name.len() - compound.len();
        if at > 0 {
            return name.split_at(at);
        }
    }
    // A leading dot is part of the name (".bashrc"), not an extension.
    match name.rfind('.') {
        Some(at) if at > 0 => name.split_at(at),
        _ => (name, ""),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(name: &str, n: usize) -> Vec<String> {
        unclobbered_names(name).take(n).collect()
    }

    #[test]
    fn numbers_go_before_the_extension() {
        assert_eq!(first("a.txt", 3), ["a.txt", "a (1).txt", "a (2).txt"]);
        assert_eq!(
            first("my.photo.jpg", 2),
            ["my.photo.jpg", "my.photo (1).jpg"]
        );
    }

    #[test]
    fn odd_names() {
        assert_eq!(first("Makefile", 2), ["Makefile", "Makefile (1)"]);
        assert_eq!(first(".bashrc", 2), [".bashrc", ".bashrc (1)"]);
        assert_eq!(first("x.tar.gz", 2), ["x.tar.gz", "x (1).tar.gz"]);
        assert_eq!(first(".tar.gz", 2), [".tar.gz", ".tar (1).gz"]);
        assert_eq!(first("ünï.cödé", 2), ["ünï.cödé", "ünï (1).cödé"]);
    }
}
