//! What cning learns from a regular file's bytes, read once while the image is streamed:
//! its sha256, whether it is ELF (and how it is linked), its `#!` line, and BusyBox/toybox
//! signatures.

use crate::elf::{self, ElfInfo};
use crate::signatures::{self, Signature};
use sha2::{Digest, Sha256};
use std::io::{self, Read};

/// Facts about one regular file.
#[derive(Debug, Clone, Default)]
pub struct Content {
    /// Lower-case hex sha256 of the whole file, when it was computed (see [`Analysis`]).
    pub sha256: Option<String>,
    /// Lower-case hex sha1, computed for inventories only (SPDX 2.3 requires it for files).
    pub sha1: Option<String>,
    /// Parsed ELF facts, or why an ELF-looking file could not be parsed.
    pub elf: Option<Result<ElfInfo, String>>,
    /// The interpreter line of a `#!` script, without the `#!`.
    pub shebang: Option<String>,
    pub signatures: Vec<Signature>,
    /// Set when the file was larger than the inspection cap: hashed, but not parsed or searched.
    pub not_inspected: Option<String>,
}

/// How much work to do per file.
#[derive(Debug, Clone, Copy)]
pub struct Analysis {
    /// Hash every regular file (inventories).
    pub hash_all: bool,
    /// Hash executables (ELF, `#!`, exec bit): needed when a policy pins digests.
    pub hash_executables: bool,
    /// Files larger than this are hashed in a stream but not held in memory nor inspected.
    pub max_inspect: u64,
}

impl Default for Analysis {
    fn default() -> Analysis {
        Analysis { hash_all: false, hash_executables: true, max_inspect: 512 << 20 }
    }
}

/// Reads a regular file of `size` bytes and mode `mode` from `reader` and returns its facts.
/// Memory is bounded by `max_inspect`: the whole file is held only when it is smaller.
pub fn analyze(mut reader: impl Read, size: u64, mode: u32, analysis: &Analysis) -> io::Result<Content> {
    let mut head = [0u8; 4];
    let got = read_up_to(&mut reader, &mut head)?;
    let head = &head[..got];
    let is_elf = elf::is_elf(head);
    let is_script = head.starts_with(b"#!");
    let exec_bit = mode & 0o111 != 0;
    let mut content = Content::default();
    if !(is_elf || is_script || exec_bit || analysis.hash_all) {
        // Nothing to learn from the rest; a tar reader skips unread entry data by itself.
        return Ok(content);
    }
    if size > analysis.max_inspect {
        let mut hasher = Sha256::new();
        let mut sha1 = analysis.hash_all.then(sha1::Sha1::new);
        hasher.update(head);
        if let Some(s) = sha1.as_mut() {
            s.update(head);
        }
        io::copy(&mut reader, &mut HashWriter { sha256: &mut hasher, sha1: sha1.as_mut() })?;
        content.sha256 = Some(hex(&hasher.finalize()));
        content.sha1 = sha1.map(|s| hex(&s.finalize()));
        content.not_inspected = Some(format!("{size} bytes, over the {} byte inspection cap", analysis.max_inspect));
        return Ok(content);
    }
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).min(64 << 20));
    bytes.extend_from_slice(head);
    (&mut reader).take(analysis.max_inspect.saturating_sub(head.len() as u64) + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > analysis.max_inspect {
        // The header lied about the size; never hold more than the cap.
        content.not_inspected = Some(format!("more data than its declared {size} bytes"));
        io::copy(&mut reader, &mut io::sink())?;
        return Ok(content);
    }
    if analysis.hash_all || analysis.hash_executables {
        content.sha256 = Some(hex(&Sha256::digest(&bytes)));
    }
    if analysis.hash_all {
        content.sha1 = Some(hex(&sha1::Sha1::digest(&bytes)));
    }
    if is_elf {
        content.elf = Some(elf::inspect(&bytes).map_err(|e| e.to_string()));
        content.signatures = signatures::scan(&bytes);
    } else if is_script {
        let line = bytes[2..].split(|b| *b == b'\n').next().unwrap_or_default();
        content.shebang = Some(String::from_utf8_lossy(line).trim().chars().take(256).collect());
    }
    Ok(content)
}

fn read_up_to(reader: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match reader.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

struct HashWriter<'a> {
    sha256: &'a mut Sha256,
    sha1: Option<&'a mut sha1::Sha1>,
}

impl io::Write for HashWriter<'_> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.sha256.update(buf);
        if let Some(s) = self.sha1.as_mut() {
            s.update(buf);
        }
        Ok(buf.len())
    }
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_data_is_skipped_unless_hashing_all() {
        let data = b"hello world";
        let c = analyze(&data[..], 11, 0o644, &Analysis::default()).unwrap();
        assert!(c.sha256.is_none() && c.elf.is_none() && c.shebang.is_none());
        let all = Analysis { hash_all: true, ..Analysis::default() };
        let c = analyze(&data[..], 11, 0o644, &all).unwrap();
        assert_eq!(c.sha256.as_deref(), Some("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"));
    }

    #[test]
    fn scripts_and_elf_files_are_recognised() {
        let c = analyze(&b"#!/bin/sh -e\necho hi\n"[..], 21, 0o755, &Analysis::default()).unwrap();
        assert_eq!(c.shebang.as_deref(), Some("/bin/sh -e"));
        let sh = std::fs::read("/bin/sh").unwrap();
        let c = analyze(&sh[..], sh.len() as u64, 0o755, &Analysis::default()).unwrap();
        assert!(matches!(c.elf, Some(Ok(ref info)) if !info.is_static()));
    }

    #[test]
    fn files_over_the_cap_are_hashed_not_held() {
        let data = vec![7u8; 10_000];
        let small = Analysis { max_inspect: 1000, ..Analysis::default() };
        let c = analyze(&data[..], 10_000, 0o755, &small).unwrap();
        assert!(c.not_inspected.is_some());
        assert_eq!(c.sha256.unwrap(), hex(&Sha256::digest(&data)));
        // A header claiming fewer bytes than the stream holds is not trusted either.
        let c = analyze(&data[..], 10, 0o755, &small).unwrap();
        assert!(c.not_inspected.unwrap().contains("declared 10 bytes"));
    }
}
