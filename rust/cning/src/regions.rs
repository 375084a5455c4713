//! Which bytes of an ELF file the signature search reads.
//!
//! A program can only use the strings the kernel maps for it, so BusyBox's banner, usage text and
//! applet table must lie in a PT_LOAD segment; what lies outside them (debug information, symbol
//! tables) cannot serve the program and is not searched. Inside the segments, the machine code is
//! skipped: sections flagged executable, but only when the section headers agree with the program
//! headers, which are what the kernel obeys. Section headers are not needed to run a program, so a
//! hostile file can strip them or make them lie; then nothing is skipped:
//!
//! - no PT_LOAD segment (relocatable objects, crafted files): the whole file is searched;
//! - no section headers, or any executable section that is not inside an executable segment at
//!   the address that segment maps it to, or that overlaps a section not flagged executable: every
//!   loaded byte is searched;
//! - otherwise every loaded byte except those executable sections. Section names play no part:
//!   data under any name (`.rodata`, `.data`, `.myrodata`, ...) is searched.
//!
//! What remains unsearched is only bytes that consistent headers call code inside a segment the
//! kernel maps executable. Data hidden there means a file built to evade this search, with its
//! read-only data in an executable segment and the section flags forged to match; `--scan-whole-files`
//! searches every byte of every ELF file for images where that is a concern.

use crate::elf::Parsed;
use goblin::elf::program_header::{PF_X, PT_LOAD};
use goblin::elf::section_header::{SHF_ALLOC, SHF_EXECINSTR, SHT_NOBITS};
use std::ops::Range;

/// Why the search covers what it covers (for tests and diagnostics).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis {
    /// No loadable segment: every byte.
    WholeFile,
    /// Every loaded byte: the section headers are missing or disagree with the program headers.
    LoadedSegments,
    /// Every loaded byte but the executable sections.
    LoadedData,
}

/// The ranges of the file to search, sorted, disjoint, within `size`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Regions {
    pub ranges: Vec<Range<u64>>,
    pub basis: Basis,
}

impl Regions {
    #[allow(clippy::single_range_in_vec_init)] // one range, the whole file, not a range of sizes
    pub fn whole(size: u64) -> Regions {
        Regions { ranges: vec![0..size], basis: Basis::WholeFile }
    }

    pub fn bytes(&self) -> u64 {
        self.ranges.iter().map(|r| r.end - r.start).sum()
    }
}

struct Load {
    file: Range<u64>,
    vaddr: u64,
    exec: bool,
}

/// The ranges of an ELF file of `size` bytes to search for signatures.
pub fn of_elf(parsed: &Parsed, size: u64) -> Regions {
    let loads: Vec<Load> = parsed
        .segments
        .iter()
        .filter(|p| p.p_type == PT_LOAD && p.p_filesz > 0 && p.p_offset < size)
        .map(|p| Load {
            file: p.p_offset..p.p_offset.saturating_add(p.p_filesz).min(size),
            vaddr: p.p_vaddr,
            exec: p.p_flags & PF_X != 0,
        })
        .collect();
    if loads.is_empty() {
        return Regions::whole(size);
    }
    let loaded = merge(loads.iter().map(|l| l.file.clone()).collect());
    match code_sections(parsed, &loads) {
        Some(code) if !code.is_empty() => Regions { ranges: subtract(&loaded, &code), basis: Basis::LoadedData },
        _ => Regions { ranges: loaded, basis: Basis::LoadedSegments },
    }
}

/// The file ranges of the executable sections, merged; None when the section headers are absent
/// or inconsistent with the segments (then they are not trusted at all).
fn code_sections(parsed: &Parsed, loads: &[Load]) -> Option<Vec<Range<u64>>> {
    let mut code = Vec::new();
    let mut data = Vec::new();
    for s in &parsed.sections {
        if s.sh_flags & u64::from(SHF_ALLOC) == 0 || s.sh_type == SHT_NOBITS || s.sh_size == 0 {
            continue;
        }
        let range = s.sh_offset..s.sh_offset.checked_add(s.sh_size)?;
        if s.sh_flags & u64::from(SHF_EXECINSTR) == 0 {
            data.push(range);
            continue;
        }
        // The kernel maps segment bytes at p_vaddr + (offset - p_offset): a code section must sit
        // in an executable segment exactly where its address says.
        let mapped = loads.iter().any(|l| {
            l.exec
                && l.file.start <= range.start
                && range.end <= l.file.end
                && s.sh_addr.checked_sub(l.vaddr) == Some(range.start - l.file.start)
        });
        if !mapped {
            return None;
        }
        code.push(range);
    }
    let code = merge(code);
    let data = merge(data);
    let overlap = data.iter().any(|d| code.iter().any(|c| c.start < d.end && d.start < c.end));
    (!overlap).then_some(code)
}

/// Sorts ranges and joins the ones that overlap or touch.
fn merge(mut ranges: Vec<Range<u64>>) -> Vec<Range<u64>> {
    ranges.retain(|r| r.start < r.end);
    ranges.sort_by_key(|r| r.start);
    let mut out: Vec<Range<u64>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match out.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => out.push(r),
        }
    }
    out
}

/// `keep` minus `remove`, both merged.
fn subtract(keep: &[Range<u64>], remove: &[Range<u64>]) -> Vec<Range<u64>> {
    let mut out = Vec::new();
    for k in keep {
        let mut start = k.start;
        for r in remove.iter().filter(|r| r.start < k.end && k.start < r.end) {
            if r.start > start {
                out.push(start..r.start);
            }
            start = start.max(r.end);
        }
        if start < k.end {
            out.push(start..k.end);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::elf;

    #[test]
    fn ranges_merge_and_subtract() {
        assert_eq!(merge(vec![5..9, 0..3, 3..4, 8..12, 20..20]), vec![0..4, 5..12]);
        assert_eq!(subtract(&[0..100, 200..300], &[10..20, 90..210, 250..260]), vec![0..10, 20..90, 210..250, 260..300]);
        assert_eq!(subtract(&[0..10, 20..30], &[0..10, 20..30]), Vec::<Range<u64>>::new());
    }

    /// /bin/sh (dash) from Debian: its code is skipped, its read-only data is not, and what is
    /// searched is far less than the file.
    #[test]
    fn debian_sh_skips_code_only() {
        let bytes = std::fs::read("/bin/sh").expect("/bin/sh");
        let parsed = elf::parse(&bytes[..]).unwrap();
        let regions = of_elf(&parsed, bytes.len() as u64);
        assert_eq!(regions.basis, Basis::LoadedData);
        let text = parsed.sections.iter().find(|s| s.sh_flags & u64::from(SHF_EXECINSTR) != 0 && s.sh_size > 4096).expect("a code section");
        assert!(regions.ranges.iter().all(|r| r.end <= text.sh_offset || r.start >= text.sh_offset + text.sh_size), "code is skipped");
        // dash's usage of its own name sits in .rodata, which must stay searched.
        let needle = b"Syntax error";
        let at = memchr::memmem::find(&bytes, needle).expect("dash's error text") as u64;
        assert!(regions.ranges.iter().any(|r| r.start <= at && at < r.end), "read-only data is searched");
        assert!(regions.bytes() < bytes.len() as u64 * 3 / 4, "{} of {}", regions.bytes(), bytes.len());
    }

    /// A code section outside any executable segment, or one over data, voids the section headers.
    #[test]
    fn lying_section_headers_are_not_trusted() {
        let bytes = std::fs::read("/bin/sh").expect("/bin/sh");
        let honest = elf::parse(&bytes[..]).unwrap();
        let rodata_at = |p: &elf::Parsed| p.sections.iter().position(|s| s.sh_flags & u64::from(SHF_ALLOC) != 0 && s.sh_flags & u64::from(SHF_EXECINSTR) == 0 && s.sh_size > 4096 && s.sh_type != SHT_NOBITS).unwrap();

        // Read-only data flagged as code: it sits in a segment that is not executable.
        let mut forged = honest.clone();
        let i = rodata_at(&forged);
        forged.sections[i].sh_flags |= u64::from(SHF_EXECINSTR);
        assert_eq!(of_elf(&forged, bytes.len() as u64).basis, Basis::LoadedSegments);

        // A data section placed over code: one of the two headers lies.
        let mut forged = honest.clone();
        let text = forged.sections.iter().position(|s| s.sh_flags & u64::from(SHF_EXECINSTR) != 0 && s.sh_size > 4096).unwrap();
        let i = rodata_at(&forged);
        (forged.sections[i].sh_offset, forged.sections[i].sh_addr) = (forged.sections[text].sh_offset + 16, forged.sections[text].sh_addr + 16);
        assert_eq!(of_elf(&forged, bytes.len() as u64).basis, Basis::LoadedSegments);

        // A code section whose address does not match where the segment maps its bytes.
        let mut forged = honest.clone();
        forged.sections[text].sh_addr += 4096;
        assert_eq!(of_elf(&forged, bytes.len() as u64).basis, Basis::LoadedSegments);

        // No section headers at all; no segments at all.
        let mut bare = honest.clone();
        bare.sections.clear();
        let regions = of_elf(&bare, bytes.len() as u64);
        assert_eq!(regions.basis, Basis::LoadedSegments);
        assert!(regions.bytes() > of_elf(&honest, bytes.len() as u64).bytes());
        bare.segments.clear();
        assert_eq!(of_elf(&bare, bytes.len() as u64), Regions::whole(bytes.len() as u64));
    }

    /// Damaged headers, byte by byte: parsing either fails cleanly or gives regions that are
    /// sorted, disjoint and inside the file, and the search over them completes.
    #[test]
    fn damaged_headers_give_sane_regions_or_errors() {
        let original = std::fs::read("/bin/sh").expect("/bin/sh");
        let shoff = u64::from_le_bytes(original[0x28..0x30].try_into().unwrap()) as usize;
        let header_bytes = (0..0x40).chain(0x40..0x40 + 13 * 56).chain(shoff..original.len().min(shoff + 30 * 64));
        let mut parsed_ok = 0;
        for (i, at) in header_bytes.enumerate() {
            let mut bytes = original.clone();
            bytes[at] ^= [0xff, 0x80, 0x01, 0x7f][i % 4];
            let size = bytes.len() as u64;
            match elf::parse(&bytes[..]) {
                Ok(parsed) => {
                    parsed_ok += 1;
                    let found = of_elf(&parsed, size);
                    assert!(found.ranges.windows(2).all(|w| w[0].end < w[1].start), "byte {at:#x}: {found:?}");
                    assert!(found.ranges.iter().all(|r| r.start < r.end && r.end <= size), "byte {at:#x}: {found:?}");
                    if parsed_ok % 16 == 0 {
                        crate::signatures::scan_ranges(&bytes[..], &found.ranges).unwrap();
                    }
                }
                Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::InvalidData, "byte {at:#x}: {e}"),
            }
        }
        assert!(parsed_ok > 100, "most single-byte damage leaves a parseable file");
    }
}
