//! Recognising BusyBox and toybox by what is inside a binary, not by its name.
//!
//! A renamed, relocated, hard-linked or dynamically built BusyBox still carries its banner
//! (`BusyBox v1.35.0 (...)`), its usage text, and its applet names as one sorted, NUL-separated
//! run in `.rodata` (`[\0[[\0acpid\0adjtimex\0...`). toybox carries its usage line and its
//! "multicall binary" banner. Any one of these is evidence; every match found is reported, with
//! its offset.
//!
//! The needles are assembled at run time from pieces, so that cning's own binary does not carry
//! them as contiguous strings and flag itself.

use memchr::memmem;

/// Which multi-call family a signature belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    BusyBox,
    Toybox,
}

impl Family {
    /// The stable rule id of findings for this family.
    pub fn rule(self) -> &'static str {
        match self {
            Family::BusyBox => "busybox",
            Family::Toybox => "toybox",
        }
    }
}

/// One piece of evidence found in a file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    pub family: Family,
    /// What matched, for people: `banner "BusyBox v1.35.0"`, `applet table of 269 names`, ...
    pub what: String,
    pub offset: usize,
}

impl std::fmt::Display for Signature {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} at offset {:#x}", self.what, self.offset)
    }
}

/// A BusyBox applet table has hundreds of names; 40 sorted names in a row starting with `[` and
/// `[[` is far beyond chance, and below what the smallest useful BusyBox configurations carry.
pub const MIN_APPLET_TABLE: usize = 40;

fn needle(parts: &[&str]) -> Vec<u8> {
    parts.concat().into_bytes()
}

/// Every BusyBox and toybox signature in `bytes`.
pub fn scan(bytes: &[u8]) -> Vec<Signature> {
    let mut found = Vec::new();
    let bb = ["Busy", "Box"].concat();
    let banner = needle(&[&bb, " v"]);
    if let Some((offset, version)) = memmem::find_iter(bytes, &banner).find_map(|at| version_after(bytes, at + banner.len()).map(|v| (at, v))) {
        found.push(Signature { family: Family::BusyBox, what: format!("banner \"{bb} v{version}\""), offset });
    }
    for (text, what) in [
        (needle(&["Usage: busy", "box [function [arguments]...]"]), "usage text"),
        (needle(&["busy", "box --install [-s] [DIR]"]), "--install usage"),
    ] {
        if let Some(offset) = memmem::find(bytes, &text) {
            found.push(Signature { family: Family::BusyBox, what: format!("{what} \"{}\"", String::from_utf8_lossy(&text)), offset });
        }
    }
    if let Some((offset, count, sample)) = applet_table(bytes) {
        found.push(Signature {
            family: Family::BusyBox,
            what: format!("sorted applet table of {count} names ({sample}, ...)"),
            offset,
        });
    }
    for (text, what) in [
        (needle(&["Toy", "box %s multicall binary"]), "banner"),
        (needle(&["usage: toy", "box [--long | --help | --version"]), "usage text"),
    ] {
        if let Some(offset) = memmem::find(bytes, &text) {
            found.push(Signature { family: Family::Toybox, what: format!("{what} \"{}\"", String::from_utf8_lossy(&text)), offset });
        }
    }
    found
}

/// `1.35.0` in `1.35.0 (...)`: digits and dots, at least one dot, then a space or NUL.
fn version_after(bytes: &[u8], start: usize) -> Option<String> {
    let rest = bytes.get(start..)?;
    let len = rest.iter().take(32).take_while(|b| b.is_ascii_digit() || **b == b'.').count();
    let version = &rest[..len];
    let well_formed = len >= 3 && version[0].is_ascii_digit() && version.contains(&b'.') && !version.ends_with(b".");
    let terminated = matches!(rest.get(len), Some(b' ' | 0 | b'\n'));
    (well_formed && terminated).then(|| String::from_utf8_lossy(version).into_owned())
}

/// The longest run of sorted applet names starting at a `[\0[[\0` in `bytes`.
fn applet_table(bytes: &[u8]) -> Option<(usize, usize, String)> {
    let start = needle(&["[\0", "[[\0"]);
    let mut best: Option<(usize, usize, String)> = None;
    // No string-boundary precondition: BusyBox 1.38 places the table right after other data.
    // Forty sorted, printable names in a row are the guard against chance.
    for at in memmem::find_iter(bytes, &start) {
        let mut names: Vec<&[u8]> = Vec::new();
        for name in bytes[at..].split(|b| *b == 0) {
            let plausible = !name.is_empty()
                && name.len() <= 32
                && name.iter().all(|b| b.is_ascii_graphic())
                && names.last().is_none_or(|prev| *prev < name);
            if !plausible {
                break;
            }
            names.push(name);
        }
        if names.len() >= MIN_APPLET_TABLE && best.as_ref().is_none_or(|b| b.1 < names.len()) {
            let sample = names.iter().take(4).map(|n| String::from_utf8_lossy(n).into_owned()).collect::<Vec<_>>().join(", ");
            best = Some((at, names.len(), sample));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_need_digits_dots_and_a_terminator() {
        assert_eq!(version_after(b"1.35.0 (Debian)", 0).as_deref(), Some("1.35.0"));
        assert_eq!(version_after(b"1.2\0", 0).as_deref(), Some("1.2"));
        assert_eq!(version_after(b"1. ", 0), None);
        assert_eq!(version_after(b"ersion", 0), None);
        assert_eq!(version_after(b"135 ", 0), None);
    }

    #[test]
    fn applet_tables_must_be_long_and_sorted() {
        let mut table = b"junk [\0[[\0".to_vec();
        for i in 0..50 {
            table.extend_from_slice(format!("applet{i:03}\0").as_bytes());
        }
        let (offset, count, sample) = applet_table(&table).unwrap();
        assert_eq!((offset, count), (5, 52));
        assert!(sample.starts_with("[, [[, applet000"));
        let mut unsorted = b"\0[\0[[\0".to_vec();
        for i in (0..50).rev() {
            unsorted.extend_from_slice(format!("applet{i:03}\0").as_bytes());
        }
        assert!(applet_table(&unsorted).is_none());
    }

    #[test]
    fn cnings_own_needles_are_not_contiguous_in_source_form() {
        // The pieces only meet at run time; a file holding one piece is not a match.
        assert!(scan(b"Busy and Box v1.0 ").is_empty());
        assert!(scan(b"multicall binary").is_empty());
    }
}
