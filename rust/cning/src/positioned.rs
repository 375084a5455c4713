//! Positioned reads over a file (`pread`, through std's safe `FileExt::read_at`) or over bytes
//! already in memory, so that ELF parsing and signature search read only the ranges they need
//! and never hold a whole file.

use std::fs::File;
use std::io;
use std::os::unix::fs::FileExt;

/// Something that can be read at any offset, and knows its length.
pub trait ReadAt: Sync {
    /// Reads into `buf` from `offset`; returns how many bytes were read (0 at the end).
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize>;
    /// The length the caller trusts (a file's size when it was stat'ed, a slice's length).
    fn len(&self) -> u64;
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// The whole source, when it is already in memory: callers can then look instead of copy.
    fn in_memory(&self) -> Option<&[u8]> {
        None
    }
}

impl ReadAt for [u8] {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let Ok(start) = usize::try_from(offset) else { return Ok(0) };
        let Some(rest) = self.get(start..) else { return Ok(0) };
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        Ok(n)
    }
    fn len(&self) -> u64 {
        <[u8]>::len(self) as u64
    }
    fn in_memory(&self) -> Option<&[u8]> {
        Some(self)
    }
}

/// A regular file and the size it had when it was stat'ed: reads never go past that size, so a
/// file that grows while it is read does not make cning read more than it planned.
pub struct SizedFile<'a> {
    pub file: &'a File,
    pub size: u64,
}

impl ReadAt for SizedFile<'_> {
    fn read_at(&self, buf: &mut [u8], offset: u64) -> io::Result<usize> {
        let room = self.size.saturating_sub(offset);
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let mut filled = 0;
        while filled < want {
            match self.file.read_at(&mut buf[filled..want], offset + filled as u64) {
                Ok(0) => break,
                Ok(n) => filled += n,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
                Err(e) => return Err(e),
            }
        }
        Ok(filled)
    }
    fn len(&self) -> u64 {
        self.size
    }
}

/// Fills as much of `buf` as the source holds from `offset`; returns how much.
pub fn read_up_to(src: &(impl ReadAt + ?Sized), buf: &mut [u8], offset: u64) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match src.read_at(&mut buf[filled..], offset + filled as u64)? {
            0 => break,
            n => filled += n,
        }
    }
    Ok(filled)
}

/// Reads exactly `len` bytes at `offset`, at most `cap` of them; `what` names the range in the
/// error. A range outside the source is malformed input (`InvalidData`), not an I/O failure.
pub fn read_range(src: &(impl ReadAt + ?Sized), offset: u64, len: u64, cap: u64, what: &str) -> io::Result<Vec<u8>> {
    if len > cap {
        return Err(malformed(format!("{what} of {len} bytes is over the {cap} byte cap")));
    }
    let end = offset.checked_add(len).filter(|end| *end <= src.len());
    if end.is_none() {
        return Err(malformed(format!("{what} ({len} bytes at offset {offset:#x}) lies outside the file")));
    }
    // The cap bounds `len`, and the cap fits in memory.
    let mut buf = vec![0u8; usize::try_from(len).map_err(|_| malformed(format!("{what} is too large")))?];
    if read_up_to(src, &mut buf, offset)? != buf.len() {
        return Err(malformed(format!("{what} is truncated")));
    }
    Ok(buf)
}

/// An error for malformed input: its kind tells callers it is the file's fault, not the disk's.
pub fn malformed(message: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_and_files_read_the_same_ranges() {
        let data: Vec<u8> = (0..=255u8).cycle().take(10_000).collect();
        let mut tmp = tempfile::NamedTempFile::new().unwrap();
        std::io::Write::write_all(&mut tmp, &data).unwrap();
        let file = SizedFile { file: tmp.as_file(), size: data.len() as u64 };
        for (offset, len) in [(0u64, 10u64), (9_990, 10), (5_000, 3_000)] {
            let a = read_range(&data[..], offset, len, 1 << 20, "range").unwrap();
            let b = read_range(&file, offset, len, 1 << 20, "range").unwrap();
            assert_eq!(a, b);
            assert_eq!(a, data[offset as usize..(offset + len) as usize]);
        }
        fn refuses_ranges_outside(src: &(impl ReadAt + ?Sized)) {
            let err = read_range(src, 9_995, 10, 1 << 20, "tail").unwrap_err();
            assert_eq!(err.kind(), io::ErrorKind::InvalidData);
            assert!(err.to_string().contains("tail (10 bytes at offset 0x270b) lies outside the file"), "{err}");
            assert!(read_range(src, u64::MAX, 2, 1 << 20, "wrap").is_err(), "offset + len overflows");
            assert!(read_range(src, 0, 2_000, 1_000, "big").unwrap_err().to_string().contains("over the 1000 byte cap"));
        }
        refuses_ranges_outside(&data[..]);
        refuses_ranges_outside(&file);
        // The size given is the bound, even if the file holds more.
        let short = SizedFile { file: tmp.as_file(), size: 100 };
        let mut buf = [0u8; 200];
        assert_eq!(read_up_to(&short, &mut buf, 50).unwrap(), 50);
    }
}
