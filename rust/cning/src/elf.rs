//! ELF inspection from positioned reads: enough to tell a static binary from a dynamic one, to
//! name the machine it is for, and to say where its loaded bytes are, without reading the file.
//!
//! "Dynamic" means the kernel or the loader must bring in something else: a program interpreter
//! (PT_INTERP) or needed libraries (DT_NEEDED). A static-pie binary, as Rust builds with musl or
//! glibc `+crt-static`, has a PT_DYNAMIC segment for its own relocations but neither of those, and
//! is static.
//!
//! Only the ELF header, the program and section header tables, PT_INTERP, PT_DYNAMIC and the
//! dynamic strings it names are read, each under a size cap. goblin parses the structures; this
//! module decides which bytes to hand it. Where a structure the loader relies on lies outside the
//! file, the file is malformed (`invalid-elf`); where only the section headers (which the loader
//! ignores) are odd, they are kept for [`crate::regions`] to judge.

use crate::positioned::{self, malformed, ReadAt};
use cleanstart_ldso::{Class, Kind};
use goblin::container::{Ctx, Endian};
use goblin::elf::dynamic::Dynamic;
use goblin::elf::program_header::{self, ProgramHeader};
use goblin::elf::section_header::SectionHeader;
use goblin::elf::{header, Elf};
use std::io;

/// The first bytes of every ELF file.
pub const MAGIC: &[u8; 4] = b"\x7fELF";

/// Program or section header tables larger than this are not read (65,535 64-bit program headers
/// take 3.6 MB; section header tables this size only come from crafted files).
const MAX_HEADER_TABLE: u64 = 16 << 20;
/// The kernel refuses interpreter paths longer than PATH_MAX; this is far above it.
const MAX_INTERP: u64 = 64 << 10;
/// A dynamic section holds tens of entries; this allows thousands.
const MAX_DYNAMIC: u64 = 1 << 20;
/// Library names and sonames are read up to this many bytes.
const MAX_NAME: u64 = 4096;
/// `DT_RPATH` and `DT_RUNPATH` are lists of directories: allowed to be much longer than a name.
const MAX_SEARCH_PATH: u64 = 64 << 10;

/// What cning knows about one ELF file: the facts the dynamic loader acts on, defined by the
/// resolver crate that searches with them.
pub type ElfInfo = cleanstart_ldso::Object;

/// An ELF file's facts and the header tables they came from.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub info: ElfInfo,
    pub segments: Vec<ProgramHeader>,
    /// Empty when the file has none, or a table too large to read.
    pub sections: Vec<SectionHeader>,
    /// Index in `sections` of the section name string table (`e_shstrndx`, resolved).
    pub section_names: Option<usize>,
    /// The file offset just past the program header table.
    pub program_headers_end: u64,
}

/// True when `bytes` start with the ELF magic.
pub fn is_elf(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// Parses an ELF file held in memory. Errors say what is wrong with it (truncated, bad header, ...).
pub fn inspect(bytes: &[u8]) -> io::Result<ElfInfo> {
    parse(bytes).map(|p| p.info)
}

fn goblin_error(what: &str) -> impl Fn(goblin::error::Error) -> io::Error + '_ {
    move |e| malformed(format!("{what}: {e}"))
}

/// Parses the ELF file in `src`, reading only its headers and the ranges they point to.
/// `InvalidData` errors mean a malformed file; other kinds are I/O failures.
pub fn parse(src: &(impl ReadAt + ?Sized)) -> io::Result<Parsed> {
    let mut head = [0u8; 64];
    let got = positioned::read_up_to(src, &mut head, 0)?;
    let header = Elf::parse_header(&head[..got]).map_err(goblin_error("ELF header"))?;
    let container = header.container().map_err(goblin_error("ELF header"))?;
    let endian: Endian = header.endianness().map_err(goblin_error("ELF header"))?;
    let ctx = Ctx::new(container, endian);

    let table = u64::from(header.e_phnum) * ProgramHeader::size(ctx) as u64;
    let program_headers_end = header.e_phoff.saturating_add(table);
    let segments = if header.e_phnum == 0 {
        Vec::new() // relocatable objects have none
    } else {
        let bytes = positioned::read_range(src, header.e_phoff, table, MAX_HEADER_TABLE, "program header table")?;
        ProgramHeader::parse(&bytes, 0, header.e_phnum as usize, ctx).map_err(goblin_error("program headers"))?
    };

    // The kernel honours the first PT_INTERP.
    let interpreter = match segments.iter().find(|p| p.p_type == program_header::PT_INTERP) {
        Some(p) => {
            let path = positioned::read_range(src, p.p_offset, p.p_filesz, MAX_INTERP, "PT_INTERP")?;
            Some(c_string(&path))
        }
        None => None,
    };

    let mut needed = Vec::new();
    let mut soname = None;
    let (mut rpath, mut runpath) = (None, None);
    let mut pie = false;
    let mut nodeflib = false;
    if let Some(index) = segments.iter().position(|p| p.p_type == program_header::PT_DYNAMIC) {
        let dynamic = &segments[index];
        let bytes = positioned::read_range(src, dynamic.p_offset, dynamic.p_filesz, MAX_DYNAMIC, "PT_DYNAMIC")?;
        // goblin reads the dynamic section at its file offset; hand it the section alone, at 0.
        let mut relocated = segments.clone();
        relocated[index].p_offset = 0;
        if let Some(parsed) = Dynamic::parse(&bytes, &relocated, ctx).map_err(goblin_error("dynamic section"))? {
            let info = &parsed.info;
            pie = info.flags_1 & goblin::elf::dynamic::DF_1_PIE != 0;
            nodeflib = info.flags_1 & goblin::elf::dynamic::DF_1_NODEFLIB != 0;
            let strings = Strings { start: info.strtab as u64, size: info.strsz as u64 };
            let search_path = |tag| parsed.dyns.iter().find(|d| d.d_tag == tag).map(|d| d.d_val);
            let (rpath_at, runpath_at) = (search_path(goblin::elf::dynamic::DT_RPATH), search_path(goblin::elf::dynamic::DT_RUNPATH));
            if info.needed_count > 0 || info.soname != 0 || rpath_at.is_some() || runpath_at.is_some() {
                strings.check(src)?;
            }
            for entry in parsed.dyns.iter().filter(|d| d.d_tag == goblin::elf::dynamic::DT_NEEDED) {
                needed.push(strings.get(src, entry.d_val, MAX_NAME)?);
            }
            if info.soname != 0 {
                soname = Some(strings.get(src, info.soname as u64, MAX_NAME)?);
            }
            rpath = rpath_at.map(|at| strings.get(src, at, MAX_SEARCH_PATH)).transpose()?;
            runpath = runpath_at.map(|at| strings.get(src, at, MAX_SEARCH_PATH)).transpose()?;
        }
    }

    let sections = read_sections(src, header.e_shoff, header.e_shnum, ctx)?;
    // SHN_XINDEX: the real index is in the first section header's sh_link.
    let names_index = if header.e_shstrndx == goblin::elf::section_header::SHN_XINDEX as u16 {
        sections.first().map_or(0, |first| first.sh_link as usize)
    } else {
        usize::from(header.e_shstrndx)
    };
    let section_names = (names_index != 0 && names_index < sections.len()).then_some(names_index);
    let kind = match header.e_type {
        header::ET_EXEC => Kind::Executable,
        // Linkers before DF_1_PIE marked a PIE only by its interpreter; libraries that can also
        // be run (glibc's libc.so.6) have an interpreter too, but also a soname.
        header::ET_DYN if pie || (interpreter.is_some() && soname.is_none()) => Kind::Executable,
        header::ET_DYN => Kind::SharedLibrary,
        _ => Kind::Other,
    };
    let info = ElfInfo {
        class: if container.is_big() { Class::Elf64 } else { Class::Elf32 },
        big_endian: !endian.is_little(),
        machine: header.e_machine,
        kind,
        interpreter,
        needed,
        soname,
        rpath,
        runpath,
        nodeflib,
    };
    Ok(Parsed { info, segments, sections, section_names, program_headers_end })
}

/// The dynamic string table: where DT_STRTAB maps to in the file, and DT_STRSZ.
struct Strings {
    start: u64,
    size: u64,
}

impl Strings {
    fn check(&self, src: &(impl ReadAt + ?Sized)) -> io::Result<()> {
        if self.start.checked_add(self.size).is_none_or(|end| end > src.len()) {
            return Err(malformed(format!("dynamic string table ({} bytes at offset {:#x}) lies outside the file", self.size, self.start)));
        }
        Ok(())
    }

    /// The string at `offset`, read up to `cap` bytes. A name that cannot be read is still a
    /// dependency: it is named by its offset rather than dropped, so that a damaged table never
    /// makes a file look static.
    fn get(&self, src: &(impl ReadAt + ?Sized), offset: u64, cap: u64) -> io::Result<String> {
        if self.start == 0 || offset >= self.size {
            return Ok(format!("(unreadable name at dynamic string offset {offset:#x})"));
        }
        let len = (self.size - offset).min(cap);
        let bytes = positioned::read_range(src, self.start + offset, len, cap, "dynamic string")?;
        Ok(c_string(&bytes))
    }
}

/// Largest section name string table read; real ones hold a few hundred bytes.
const MAX_SECTION_NAMES: u64 = 1 << 20;

/// The file range (offset, size) of the section called `name`, if the file has one with contents.
pub fn section_range(src: &(impl ReadAt + ?Sized), parsed: &Parsed, name: &str) -> io::Result<Option<(u64, u64)>> {
    let Some(table) = parsed.section_names.map(|i| &parsed.sections[i]) else {
        return Ok(None);
    };
    let names = positioned::read_range(src, table.sh_offset, table.sh_size, MAX_SECTION_NAMES, "section name table")?;
    let found = parsed.sections.iter().find(|sh| {
        sh.sh_type != goblin::elf::section_header::SHT_NOBITS
            && names.get(sh.sh_name..).is_some_and(|rest| rest.starts_with(name.as_bytes()) && rest.get(name.len()) == Some(&0))
    });
    Ok(found.map(|sh| (sh.sh_offset, sh.sh_size)))
}

/// Bytes up to the first NUL, as text (lossily: a path need not be UTF-8 to be loaded).
fn c_string(bytes: &[u8]) -> String {
    let end = bytes.iter().position(|b| *b == 0).unwrap_or(bytes.len());
    String::from_utf8_lossy(&bytes[..end]).into_owned()
}

/// The section header table. None at all (`e_shoff` 0) is fine; a table outside the file is
/// malformed, as goblin has it; a table over the size cap is left unread (the file is then
/// searched as if it had none).
fn read_sections(src: &(impl ReadAt + ?Sized), shoff: u64, shnum: u16, ctx: Ctx) -> io::Result<Vec<SectionHeader>> {
    if shoff == 0 {
        return Ok(Vec::new());
    }
    let entry = SectionHeader::size(ctx) as u64;
    let count = if shnum == 0 {
        // More than 0xff00 sections: the count is in the first header's sh_size.
        let first = positioned::read_range(src, shoff, entry, entry, "section header table")?;
        SectionHeader::parse_from(&first, 0, 1, ctx).map_err(goblin_error("section headers"))?[0].sh_size
    } else {
        u64::from(shnum)
    };
    let table = count.saturating_mul(entry);
    if table > MAX_HEADER_TABLE {
        return Ok(Vec::new());
    }
    let bytes = positioned::read_range(src, shoff, table, MAX_HEADER_TABLE, "section header table")?;
    if count == 0 {
        return Ok(Vec::new());
    }
    SectionHeader::parse_from(&bytes, 0, count as usize, ctx).map_err(goblin_error("section headers"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// /bin/sh (dash) on any Debian system: a real dynamically linked third-party binary.
    #[test]
    fn debian_sh_is_dynamic() {
        let bytes = std::fs::read("/bin/sh").expect("/bin/sh");
        let info = inspect(&bytes).unwrap();
        assert!(!info.is_static());
        assert!(info.interpreter.as_deref().unwrap_or("").contains("ld-linux"), "{info:?}");
        assert!(info.needed.iter().any(|n| n.starts_with("libc.so")), "{info:?}");
    }

    /// libz from Debian's zlib1g: a real shared library, not an executable.
    #[test]
    fn debian_libz_is_a_shared_library() {
        let bytes = std::fs::read("/lib/x86_64-linux-gnu/libz.so.1")
            .or_else(|_| std::fs::read("/usr/lib/x86_64-linux-gnu/libz.so.1"))
            .expect("libz.so.1");
        let info = inspect(&bytes).unwrap();
        assert!(info.is_shared_library(), "{info:?}");
        assert_eq!(info.soname.as_deref(), Some("libz.so.1"));
        assert_eq!((info.class, info.big_endian), (Class::Elf64, false));
        let sh = inspect(&std::fs::read("/bin/sh").unwrap()).unwrap();
        assert_eq!(sh.kind, Kind::Executable, "a PIE executable is not a library: {sh:?}");
        // libc.so.6 can be run (it has an interpreter) but is a library: it has a soname.
        let libc = inspect(&std::fs::read("/lib/x86_64-linux-gnu/libc.so.6").or_else(|_| std::fs::read("/lib/aarch64-linux-gnu/libc.so.6")).unwrap()).unwrap();
        assert!(libc.interpreter.is_some() && libc.is_shared_library(), "{libc:?}");
    }

    #[test]
    fn truncated_file_is_an_error_not_a_panic() {
        let bytes = std::fs::read("/bin/sh").expect("/bin/sh");
        for len in [0, 4, 16, 63, 64, 200, 4096] {
            let _ = inspect(&bytes[..len.min(bytes.len())]);
        }
        assert!(inspect(&bytes[..16]).is_err());
    }
}
