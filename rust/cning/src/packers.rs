//! Executables packed by UPX or a similar self-extracting packer. What such a file runs is
//! decompressed into memory at start-up, so none of its real content (a BusyBox banner, an
//! applet table, its linkage) can be inspected: the file must be refused as it is.
//!
//! UPX is recognised by its own marks: the `UPX!` magic of its `l_info` header, which follows the
//! program header table, and, in a file without section headers as UPX writes them, its trailer
//! (`UPX!` pack header, `$Info:`/`$Id:` texts) in the last bytes of the file. (UPX's own program
//! carries those texts too, with its section headers.) Packers that leave no mark, or a UPX file whose marks were overwritten (a
//! common evasion), are recognised by what every self-extractor has: no section headers, and
//! loaded bytes that look compressed or encrypted (over [`MIN_ENTROPY`] bits per byte). Ordinary
//! executables keep their section headers; code and data measure 5 to 6.5 bits per byte.
//!
//! The marks are assembled at run time, so that cning's own binary does not carry them.

use crate::elf::Parsed;
use crate::positioned::{self, ReadAt};
use goblin::elf::program_header::{PF_X, PT_LOAD};
use memchr::memmem;
use std::io;

/// Compressed or encrypted data measures close to 8 bits per byte; code and data, far less.
pub const MIN_ENTROPY: f64 = 7.2;
/// Too few bytes say little about entropy.
const MIN_MEASURED: u64 = 16 << 10;
/// The entropy is measured over at most this many loaded bytes (enough to tell, bounded work).
const MAX_MEASURED: u64 = 8 << 20;
/// UPX's trailer sits in the last few hundred bytes; this is ample.
const TAIL: u64 = 4 << 10;

/// Why `src`, parsed as `parsed`, looks packed, or `None`.
pub fn detect(src: &(impl ReadAt + ?Sized), parsed: &Parsed) -> io::Result<Option<String>> {
    let magic = ["UP", "X!"].concat();
    // l_info { u32 checksum; u8 magic[4]; ... } right after the program header table.
    let linfo = parsed.program_headers_end;
    let mut head = [0u8; 8];
    if positioned::read_up_to(src, &mut head, linfo)? == 8 && head[4..] == *magic.as_bytes() {
        return Ok(Some(format!("UPX l_info magic at offset {:#x}", linfo + 4)));
    }
    // UPX's output has no section headers; a file with them that carries UPX's texts is more
    // likely UPX itself, whose stub holds them.
    if !parsed.sections.is_empty() {
        return Ok(None);
    }
    let len = src.len();
    let start = len.saturating_sub(TAIL);
    let mut tail = vec![0u8; usize::try_from(len - start).unwrap_or(0)];
    let got = positioned::read_up_to(src, &mut tail, start)?;
    let tail = &tail[..got];
    for (needle, what) in [(["$Info: This file is packed with the ", "UPX"].concat(), "UPX $Info text"), (["$Id: ", "UPX"].concat(), "UPX $Id text"), (magic.clone(), "UPX pack header")] {
        if let Some(at) = memmem::find(tail, needle.as_bytes()) {
            return Ok(Some(format!("{what} at offset {:#x}", start + at as u64)));
        }
    }
    let loaded: Vec<(u64, u64)> = parsed
        .segments
        .iter()
        .filter(|p| p.p_type == PT_LOAD && p.p_filesz > 0)
        .map(|p| (p.p_offset, p.p_offset.saturating_add(p.p_filesz).min(len)))
        .filter(|(from, to)| from < to)
        .collect();
    if !parsed.segments.iter().any(|p| p.p_type == PT_LOAD && p.p_flags & PF_X != 0) {
        return Ok(None);
    }
    let (bits, measured) = entropy(src, &loaded)?;
    if measured >= MIN_MEASURED && bits >= MIN_ENTROPY {
        return Ok(Some(format!("no section headers, and its {measured} loaded bytes measure {bits:.2} bits per byte (compressed or encrypted)")));
    }
    Ok(None)
}

/// Shannon entropy in bits per byte of the bytes in `ranges` (each counted once), up to
/// [`MAX_MEASURED`] of them, and how many were measured.
fn entropy(src: &(impl ReadAt + ?Sized), ranges: &[(u64, u64)]) -> io::Result<(f64, u64)> {
    let mut counts = [0u64; 256];
    let mut merged: Vec<(u64, u64)> = ranges.to_vec();
    merged.sort_unstable();
    let mut total = 0u64;
    let mut buf = vec![0u8; 1 << 20];
    let mut covered = 0u64;
    for (from, to) in merged {
        let mut at = from.max(covered);
        while at < to && total < MAX_MEASURED {
            let want = usize::try_from((to - at).min(MAX_MEASURED - total)).unwrap_or(0).min(buf.len());
            let got = positioned::read_up_to(src, &mut buf[..want], at)?;
            if got == 0 {
                break;
            }
            for &b in &buf[..got] {
                counts[usize::from(b)] += 1;
            }
            total += got as u64;
            at += got as u64;
        }
        covered = covered.max(to);
    }
    if total == 0 {
        return Ok((0.0, 0));
    }
    let n = total as f64;
    let bits = counts.iter().filter(|&&c| c > 0).map(|&c| c as f64 / n).map(|p| -p * p.log2()).sum();
    Ok((bits, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entropy_tells_random_from_code() {
        let zeros = vec![0u8; 1 << 16];
        assert_eq!(entropy(&zeros[..], &[(0, 1 << 16)]).unwrap(), (0.0, 1 << 16));
        // A simple generator is enough to give bytes near 8 bits.
        let mut x = 0x2545f4914f6cdd1du64;
        let noise: Vec<u8> = (0..1 << 16)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                (x >> 32) as u8
            })
            .collect();
        assert!(entropy(&noise[..], &[(0, 1 << 16)]).unwrap().0 > 7.9);
        let sh = std::fs::read("/bin/sh").unwrap();
        let (bits, _) = entropy(&sh[..], &[(0, sh.len() as u64)]).unwrap();
        assert!(bits < MIN_ENTROPY, "dash measures {bits}");
    }
}
