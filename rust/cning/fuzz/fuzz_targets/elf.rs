//! An ELF file: header-guided parsing, the choice of regions to search, and the windowed search
//! over them, on bytes that start with the ELF magic.
#![no_main]
#![forbid(unsafe_code)]

use cning::content::{self, Analysis};
use cning::{elf, regions, signatures};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let mut bytes = elf::MAGIC.to_vec();
    bytes.extend_from_slice(data);
    if let Ok(parsed) = elf::parse(&bytes[..]) {
        let found = regions::of_elf(&parsed, bytes.len() as u64);
        // Regions are sorted, disjoint and inside the file, whatever the headers say.
        assert!(found.ranges.windows(2).all(|w| w[0].end < w[1].start));
        assert!(found.ranges.iter().all(|r| r.start < r.end && r.end <= bytes.len() as u64));
        let _ = signatures::scan_ranges(&bytes[..], &found.ranges);
    }
    let _ = content::analyze(&bytes[..], "/usr/bin/fuzzed", bytes.len() as u64, 0o755, &Analysis::default());
});
