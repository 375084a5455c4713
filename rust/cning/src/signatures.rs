//! Recognising BusyBox and toybox by what is inside a binary, not by its name.
//!
//! A renamed, relocated, hard-linked or dynamically built BusyBox still carries its banner
//! (`BusyBox v1.35.0 (...)`), its usage text, and its applet names as one sorted, NUL-separated
//! run in `.rodata` (`[\0[[\0acpid\0adjtimex\0...`). toybox carries its usage line and its
//! "multicall binary" banner. Any one of these is evidence; every match found is reported, with
//! its offset.
//!
//! Files are searched window by window over the ranges [`crate::regions`] picks, so memory stays
//! at one window (1 MiB and a 64 KiB look-ahead) whatever a file's size.
//!
//! The needles are assembled at run time from pieces, so that cning's own binary does not carry
//! them as contiguous strings and flag itself.

use crate::positioned::{self, ReadAt};
use memchr::memmem::Finder;
use std::io;
use std::ops::Range;
use std::sync::OnceLock;

/// Which multi-call family a signature belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    BusyBox,
    Toybox,
}

impl Family {
    /// The rule of findings for this family.
    pub fn rule(self) -> crate::findings::Rule {
        match self {
            Family::BusyBox => crate::findings::Rule::Busybox,
            Family::Toybox => crate::findings::Rule::Toybox,
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

/// Ranges are searched in windows of this many bytes...
const WINDOW: usize = 1 << 20;
/// ... plus this much of what follows, so that a match starting in a window is seen whole. An
/// applet table longer than this (thousands of names) is counted up to here, still far above
/// [`MIN_APPLET_TABLE`].
const LOOKAHEAD: usize = 64 << 10;
/// The longest needle and version text need far less than this after a small range's end.
const MIN_LOOKAHEAD: usize = 4 << 10;

fn needle(parts: &[&str]) -> Vec<u8> {
    parts.concat().into_bytes()
}

/// A fixed text that is evidence by itself.
struct Text {
    family: Family,
    what: &'static str,
    finder: Finder<'static>,
}

/// The needles, assembled once per process.
struct Needles {
    /// "BusyBox" as it appears in the banner.
    name: String,
    banner: Finder<'static>,
    /// BusyBox texts, then toybox texts: evidence is listed in this order.
    busybox: Vec<Text>,
    toybox: Vec<Text>,
    table: Finder<'static>,
}

fn needles() -> &'static Needles {
    static NEEDLES: OnceLock<Needles> = OnceLock::new();
    NEEDLES.get_or_init(|| {
        let text = |family, what, parts: &[&str]| Text { family, what, finder: Finder::new(&needle(parts)).into_owned() };
        let name = ["Busy", "Box"].concat();
        Needles {
            banner: Finder::new(&needle(&[&name, " v"])).into_owned(),
            name,
            busybox: vec![
                text(Family::BusyBox, "usage text", &["Usage: busy", "box [function [arguments]...]"]),
                text(Family::BusyBox, "--install usage", &["busy", "box --install [-s] [DIR]"]),
            ],
            toybox: vec![
                text(Family::Toybox, "banner", &["Toy", "box %s multicall binary"]),
                text(Family::Toybox, "usage text", &["usage: toy", "box [--long | --help | --version"]),
            ],
            table: Finder::new(&needle(&["[\0", "[[\0"])).into_owned(),
        }
    })
}

/// Every BusyBox and toybox signature in `bytes`.
pub fn scan(bytes: &[u8]) -> Vec<Signature> {
    let mut search = Search::new();
    search.window(bytes, bytes.len(), 0);
    search.finish()
}

/// Every BusyBox and toybox signature that starts in one of `ranges` of `src` (sorted, disjoint),
/// read window by window: memory stays at one window whatever the file's size.
pub fn scan_ranges(src: &(impl ReadAt + ?Sized), ranges: &[Range<u64>]) -> io::Result<Vec<Signature>> {
    let mut search = Search::new();
    if let Some(bytes) = src.in_memory() {
        for range in ranges {
            let (Ok(start), Ok(end)) = (usize::try_from(range.start), usize::try_from(range.end)) else { continue };
            let end = end.min(bytes.len());
            if start < end {
                let lookahead = (end - start).clamp(MIN_LOOKAHEAD, LOOKAHEAD);
                search.window(&bytes[start..(end + lookahead).min(bytes.len())], end - start, range.start);
            }
        }
        return Ok(search.finish());
    }
    let largest = ranges.iter().map(|r| r.end.saturating_sub(r.start)).max().unwrap_or(0);
    let cap = usize::try_from(largest).unwrap_or(usize::MAX).min(WINDOW);
    let mut buf = vec![0u8; cap + LOOKAHEAD.min(cap.max(MIN_LOOKAHEAD))];
    for range in ranges {
        let mut at = range.start;
        while at < range.end {
            let own = usize::try_from(range.end - at).unwrap_or(usize::MAX).min(WINDOW);
            let want = (own + LOOKAHEAD.min(own.max(MIN_LOOKAHEAD))).min(buf.len());
            let got = positioned::read_up_to(src, &mut buf[..want], at)?;
            if got == 0 {
                break; // the file is shorter than its headers say
            }
            search.window(&buf[..got], own.min(got), at);
            at += own as u64;
        }
    }
    Ok(search.finish())
}

/// The state of one file's search: the first match of each text, the longest applet table.
struct Search {
    needles: &'static Needles,
    banner: Option<Signature>,
    busybox: Vec<Option<Signature>>,
    toybox: Vec<Option<Signature>>,
    table: Option<(u64, usize, String)>,
}

impl Search {
    fn new() -> Search {
        let needles = needles();
        Search { needles, banner: None, busybox: vec![None; needles.busybox.len()], toybox: vec![None; needles.toybox.len()], table: None }
    }

    /// Searches `window` (file bytes from offset `base`) for matches starting before `own`.
    fn window(&mut self, window: &[u8], own: usize, base: u64) {
        let offset = |at: usize| usize::try_from(base + at as u64).unwrap_or(usize::MAX);
        let n = self.needles;
        if self.banner.is_none() {
            let len = n.banner.needle().len();
            let hit = n.banner.find_iter(window).take_while(|at| *at < own).find_map(|at| version_after(window, at + len).map(|v| (at, v)));
            if let Some((at, version)) = hit {
                self.banner = Some(Signature { family: Family::BusyBox, what: format!("banner \"{} v{version}\"", n.name), offset: offset(at) });
            }
        }
        for (texts, found) in [(&n.busybox, &mut self.busybox), (&n.toybox, &mut self.toybox)] {
            for (text, slot) in texts.iter().zip(found.iter_mut()) {
                if slot.is_some() {
                    continue;
                }
                if let Some(at) = text.finder.find(window).filter(|at| *at < own) {
                    let shown = String::from_utf8_lossy(text.finder.needle());
                    *slot = Some(Signature { family: text.family, what: format!("{} \"{shown}\"", text.what), offset: offset(at) });
                }
            }
        }
        if let Some((at, count, sample)) = applet_table_before(window, own, &n.table) {
            if self.table.as_ref().is_none_or(|t| t.1 < count) {
                self.table = Some((base + at as u64, count, sample));
            }
        }
    }

    /// The evidence, in a fixed order: banner, BusyBox texts, applet table, toybox texts.
    fn finish(self) -> Vec<Signature> {
        let mut found: Vec<Signature> = self.banner.into_iter().chain(self.busybox.into_iter().flatten()).collect();
        if let Some((offset, count, sample)) = self.table {
            found.push(Signature {
                family: Family::BusyBox,
                what: format!("sorted applet table of {count} names ({sample}, ...)"),
                offset: usize::try_from(offset).unwrap_or(usize::MAX),
            });
        }
        found.extend(self.toybox.into_iter().flatten());
        found
    }
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
#[cfg(test)]
fn applet_table(bytes: &[u8]) -> Option<(usize, usize, String)> {
    applet_table_before(bytes, bytes.len(), &needles().table)
}

/// The longest run of sorted applet names starting at a `[\0[[\0` before `own` in `bytes`.
fn applet_table_before(bytes: &[u8], own: usize, start: &Finder<'_>) -> Option<(usize, usize, String)> {
    let mut best: Option<(usize, usize, String)> = None;
    // No string-boundary precondition: BusyBox 1.38 places the table right after other data.
    // Forty sorted, printable names in a row are the guard against chance.
    for at in start.find_iter(bytes).take_while(|at| *at < own) {
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
    use crate::regions::Regions;

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

    /// Matches that straddle the window boundaries of a positioned search are found whole, at
    /// the same offsets as a search of the bytes in memory.
    #[test]
    fn windowed_search_matches_the_in_memory_search() {
        let mut bytes = vec![0x90u8; 3 * WINDOW + 1000];
        let mut put = |at: usize, what: &[u8]| bytes[at..at + what.len()].copy_from_slice(what);
        put(WINDOW - 5, &needle(&["Busy", "Box v1.36.1 (Debian)\0"]));
        let mut table = needle(&["[\0", "[[\0"]);
        for i in 0..300 {
            table.extend_from_slice(format!("applet{i:03}\0").as_bytes());
        }
        put(2 * WINDOW - 20, &table);
        put(3 * WINDOW - 3, &needle(&["usage: toy", "box [--long | --help | --version"]));
        let whole = scan(&bytes);
        assert_eq!(whole.len(), 3, "{whole:?}");
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut tmp, &bytes).unwrap();
        let file = crate::positioned::SizedFile { file: tmp.as_file(), size: bytes.len() as u64 };
        let all = Regions::whole(bytes.len() as u64).ranges;
        assert_eq!(scan_ranges(&file, &all).unwrap(), whole);
        assert_eq!(scan_ranges(&bytes[..], &all).unwrap(), whole);
        // A match must start inside a searched range, and may run past its end.
        let split = [0..WINDOW as u64 - 4, WINDOW as u64 + 100..bytes.len() as u64];
        let found = scan_ranges(&file, &split).unwrap();
        assert_eq!(found, scan_ranges(&bytes[..], &split).unwrap());
        assert_eq!(found, whole, "the banner starts before the gap and is found whole");
        let skipped = [0..WINDOW as u64 - 6, WINDOW as u64 + 100..bytes.len() as u64];
        assert!(!scan_ranges(&file, &skipped).unwrap().iter().any(|s| s.what.starts_with("banner")));
    }
}
