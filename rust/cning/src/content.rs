//! What cning learns from a regular file's bytes: its sha256, whether it is ELF (and how it is
//! linked), its `#!` line, and BusyBox/toybox signatures.
//!
//! Files in a directory are read by position ([`analyze_file`]): the first bytes of every file,
//! then for ELF files only the headers and the ranges [`crate::regions`] picks, a window at a time;
//! whole files are read only to hash them. Files in a layer stream ([`analyze`]) arrive once, in
//! order, so ELF files are held in memory (up to the inspection cap) and searched the same way;
//! other files are hashed as they stream by.

use crate::crates::{self, Crate};
use crate::elf::{self, ElfInfo};
use crate::packers;
use crate::positioned::{self, ReadAt, SizedFile};
use crate::regions::{self, Regions};
use crate::signatures::{self, Signature};
use sha2::{Digest, Sha256};
use std::fs::File;
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
    /// The crates a Rust binary lists in its `.dep-v0` section (read for inventories only), or
    /// why that section cannot be read.
    pub crates: Option<Result<Vec<Crate>, String>>,
    /// Set when the file was larger than the inspection cap: hashed, but not parsed or searched.
    pub not_inspected: Option<String>,
    /// Why the file looks packed by UPX or another self-extracting packer ([`crate::packers`]).
    pub packed: Option<String>,
    /// The text of a file cning reads whole ([`keeps_text`]); `None` for every other file.
    pub text: Option<String>,
}

/// Loader configuration files are a few lines, package records a few hundred; a larger file is
/// kept up to here.
const MAX_TEXT: u64 = 1 << 20;

/// The files whose text cning keeps: the loaders' configuration ([`crate::linking`]) and the
/// package records of the inventory ([`crate::packages`]).
pub fn keeps_text(path: &str) -> bool {
    crate::linking::is_loader_config(path) || crate::packages::is_record(path)
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
    /// Search every byte of ELF files for signatures, not only their loaded data.
    pub whole_files: bool,
    /// Read the crate lists of Rust binaries (inventories).
    pub crates: bool,
}

impl Default for Analysis {
    fn default() -> Analysis {
        Analysis { hash_all: false, hash_executables: true, max_inspect: 512 << 20, whole_files: false, crates: false }
    }
}

/// The kernel reads at most 256 bytes of a `#!` line; this is plenty.
const SCRIPT_HEAD: usize = 4096;
/// Files are hashed in reads of this size.
const HASH_BLOCK: usize = 1 << 20;

/// Reads the regular file `path` of `size` bytes and mode `mode` from `reader` and returns its
/// facts. Memory is bounded by `max_inspect`: the whole file is held only when it is smaller.
pub fn analyze(mut reader: impl Read, path: &str, size: u64, mode: u32, analysis: &Analysis) -> io::Result<Content> {
    if keeps_text(path) {
        let mut bytes = Vec::new();
        (&mut reader).take(MAX_TEXT).read_to_end(&mut bytes)?;
        let mut content = read_facts(io::Cursor::new(&bytes).chain(reader), size, mode, analysis)?;
        content.text = Some(String::from_utf8_lossy(&bytes).into_owned());
        return Ok(content);
    }
    read_facts(reader, size, mode, analysis)
}

fn read_facts(mut reader: impl Read, size: u64, mode: u32, analysis: &Analysis) -> io::Result<Content> {
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
        content.not_inspected = Some(over_cap(size, analysis));
        return Ok(content);
    }
    if !is_elf {
        // Only ELF files are searched whole; any other file is hashed as it streams by, and no
        // more than its `#!` line is held.
        let mut line = head.to_vec();
        if is_script {
            (&mut reader).take((SCRIPT_HEAD - head.len()) as u64).read_to_end(&mut line)?;
            content.shebang = Some(shebang(&line));
        }
        if analysis.hash_all || analysis.hash_executables {
            let mut hasher = Sha256::new_with_prefix(&line);
            let mut sha1 = analysis.hash_all.then(|| sha1::Sha1::new_with_prefix(&line));
            io::copy(&mut reader, &mut HashWriter { sha256: &mut hasher, sha1: sha1.as_mut() })?;
            content.sha256 = Some(hex(&hasher.finalize()));
            content.sha1 = sha1.map(|s| hex(&s.finalize()));
        }
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
        inspect_elf(&bytes[..], analysis)?.into(&mut content);
    } else if is_script {
        content.shebang = Some(shebang(&bytes));
    }
    Ok(content)
}

/// The same facts as [`analyze`] for a file on disk of `size` bytes (as stat'ed), read by
/// position: memory stays at a window or a hash block per file, whatever the file's size.
pub fn analyze_file(file: &File, path: &str, size: u64, mode: u32, analysis: &Analysis) -> io::Result<Content> {
    let src = SizedFile { file, size };
    if keeps_text(path) {
        let mut bytes = vec![0u8; usize::try_from(size.min(MAX_TEXT)).unwrap_or(0)];
        let got = positioned::read_up_to(&src, &mut bytes, 0)?;
        bytes.truncate(got);
        let mut content = analyze_file(file, "", size, mode, analysis)?;
        content.text = Some(String::from_utf8_lossy(&bytes).into_owned());
        return Ok(content);
    }
    // Most files are neither ELF nor scripts: a few bytes tell, and copying more from every
    // file of an image would cost more than the search itself.
    let mut head = [0u8; 4];
    let got = positioned::read_up_to(&src, &mut head, 0)?;
    let head = &head[..got];
    let is_elf = elf::is_elf(head);
    let is_script = head.starts_with(b"#!");
    let mut content = Content::default();
    if !(is_elf || is_script || mode & 0o111 != 0 || analysis.hash_all) {
        return Ok(content);
    }
    if size > analysis.max_inspect || analysis.hash_all || analysis.hash_executables {
        (content.sha256, content.sha1) = hash_at(&src, analysis.hash_all)?;
    }
    if size > analysis.max_inspect {
        content.not_inspected = Some(over_cap(size, analysis));
    } else if is_elf {
        inspect_elf(&src, analysis)?.into(&mut content);
    } else if is_script {
        let mut line = [0u8; SCRIPT_HEAD];
        let got = positioned::read_up_to(&src, &mut line, 0)?;
        content.shebang = Some(shebang(&line[..got]));
    }
    Ok(content)
}

fn over_cap(size: u64, analysis: &Analysis) -> String {
    format!("{size} bytes, over the {} byte inspection cap", analysis.max_inspect)
}

/// What [`inspect_elf`] learns.
struct ElfFacts {
    /// The ELF facts, or why they could not be parsed.
    elf: Result<ElfInfo, String>,
    signatures: Vec<Signature>,
    /// The crate list, when asked for.
    crates: Option<Result<Vec<Crate>, String>>,
    packed: Option<String>,
}

impl ElfFacts {
    fn into(self, content: &mut Content) {
        content.elf = Some(self.elf);
        content.signatures = self.signatures;
        content.crates = self.crates;
        content.packed = self.packed;
    }
}

/// Parses an ELF file and searches it for signatures. A file that does not parse is searched
/// whole: its headers cannot say where its data is.
fn inspect_elf(src: &(impl ReadAt + ?Sized), analysis: &Analysis) -> io::Result<ElfFacts> {
    match elf::parse(src) {
        Ok(parsed) => {
            let regions = if analysis.whole_files { Regions::whole(src.len()) } else { regions::of_elf(&parsed, src.len()) };
            let crates = if analysis.crates { crates::of_elf(src, &parsed)? } else { None };
            let packed = packers::detect(src, &parsed)?;
            Ok(ElfFacts { signatures: signatures::scan_ranges(src, &regions.ranges)?, crates, packed, elf: Ok(parsed.info) })
        }
        Err(e) if e.kind() == io::ErrorKind::InvalidData => {
            let signatures = signatures::scan_ranges(src, &Regions::whole(src.len()).ranges)?;
            Ok(ElfFacts { elf: Err(e.to_string()), signatures, crates: None, packed: None })
        }
        Err(e) => Err(e),
    }
}

/// The interpreter line after `#!`, trimmed, at most 256 characters.
fn shebang(bytes: &[u8]) -> String {
    let line = bytes[2..].split(|b| *b == b'\n').next().unwrap_or_default();
    String::from_utf8_lossy(line).trim().chars().take(256).collect()
}

/// sha256 of the whole source, and its sha1 when `sha1` is set.
fn hash_at(src: &(impl ReadAt + ?Sized), sha1: bool) -> io::Result<(Option<String>, Option<String>)> {
    let mut sha256 = Sha256::new();
    let mut sha1 = sha1.then(sha1::Sha1::new);
    let mut buf = vec![0u8; usize::try_from(src.len()).unwrap_or(usize::MAX).clamp(1, HASH_BLOCK)];
    let mut at = 0;
    while at < src.len() {
        let got = positioned::read_up_to(src, &mut buf, at)?;
        if got == 0 {
            return Err(io::Error::new(io::ErrorKind::UnexpectedEof, format!("file shrank to {at} bytes while it was read")));
        }
        sha256.update(&buf[..got]);
        if let Some(s) = sha1.as_mut() {
            s.update(&buf[..got]);
        }
        at += got as u64;
    }
    Ok((Some(hex(&sha256.finalize())), sha1.map(|s| hex(&s.finalize()))))
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
        let c = analyze(&data[..], "/data", 11, 0o644, &Analysis::default()).unwrap();
        assert!(c.sha256.is_none() && c.elf.is_none() && c.shebang.is_none());
        let all = Analysis { hash_all: true, ..Analysis::default() };
        let c = analyze(&data[..], "/data", 11, 0o644, &all).unwrap();
        assert_eq!(c.sha256.as_deref(), Some("b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9"));
    }

    #[test]
    fn scripts_and_elf_files_are_recognised() {
        let c = analyze(&b"#!/bin/sh -e\necho hi\n"[..], "/s", 21, 0o755, &Analysis::default()).unwrap();
        assert_eq!(c.shebang.as_deref(), Some("/bin/sh -e"));
        let sh = std::fs::read("/bin/sh").unwrap();
        let c = analyze(&sh[..], "/bin/sh", sh.len() as u64, 0o755, &Analysis::default()).unwrap();
        assert!(matches!(c.elf, Some(Ok(ref info)) if !info.is_static()));
    }

    #[test]
    fn files_over_the_cap_are_hashed_not_held() {
        // ELF files are the ones held to be searched; any other file streams by.
        let mut data = vec![7u8; 10_000];
        data[..4].copy_from_slice(b"\x7fELF");
        let small = Analysis { max_inspect: 1000, ..Analysis::default() };
        let c = analyze(&data[..], "/big", 10_000, 0o755, &small).unwrap();
        assert!(c.not_inspected.is_some());
        assert_eq!(c.sha256.unwrap(), hex(&Sha256::digest(&data)));
        // A header claiming fewer bytes than the stream holds is not trusted either.
        let c = analyze(&data[..], "/big", 10, 0o755, &small).unwrap();
        assert!(c.not_inspected.unwrap().contains("declared 10 bytes"));
        // A script under the cap is hashed as it streams by, its `#!` line read.
        let mut script = b"#!/bin/sh -e\n".to_vec();
        script.resize(900, b'x');
        let c = analyze(&script[..], "/script", 900, 0o644, &Analysis { hash_all: true, ..small }).unwrap();
        assert!(c.not_inspected.is_none());
        assert_eq!(c.shebang.as_deref(), Some("/bin/sh -e"));
        assert_eq!(c.sha256.unwrap(), hex(&Sha256::digest(&script)));
        assert_eq!(c.sha1.unwrap(), hex(&sha1::Sha1::digest(&script)));
    }
}
