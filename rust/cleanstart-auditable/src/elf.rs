//! Adding a section to a linked ELF file, and finding one.
//!
//! The new section is not loaded (no `SHF_ALLOC`), so program headers, addresses and everything
//! the loader reads stay as they were: the section's data, a copy of the section-name table with
//! the new name, and a new section-header table go at the end of the file, and the ELF header
//! points at the new table. Only what our platforms produce is accepted: ELF64 little-endian
//! files for x86_64 and aarch64.

use std::ops::Range;

use anyhow::{bail, ensure, Context, Result};
use goblin::container::{Container, Ctx, Endian};
use goblin::elf::header::{EI_CLASS, EI_DATA, ELFCLASS64, ELFDATA2LSB, EM_AARCH64, EM_X86_64};
use goblin::elf::section_header::{SectionHeader, SHN_LORESERVE, SHT_NOBITS, SHT_PROGBITS};
use goblin::elf::{Elf, Header};

/// Size of an ELF64 section header.
const SHDR_SIZE: usize = 64;
/// Offsets of `e_shoff` and `e_shnum` in the ELF64 header.
const E_SHOFF: usize = 0x28;
const E_SHNUM: usize = 0x3c;

/// The parts of an ELF file this module works with.
struct Sections {
    header: Header,
    headers: Vec<SectionHeader>,
    /// The section-name table's contents.
    names: Range<usize>,
}

fn file_range(bytes: &[u8], sh: &SectionHeader, what: &str) -> Result<Range<usize>> {
    let start = usize::try_from(sh.sh_offset).context("section offset")?;
    let end = start.checked_add(usize::try_from(sh.sh_size).context("section size")?);
    match end {
        Some(end) if end <= bytes.len() => Ok(start..end),
        _ => bail!("{what} lies outside the file"),
    }
}

fn parse(bytes: &[u8]) -> Result<Sections> {
    let header = Elf::parse_header(bytes).context("not an ELF file")?;
    ensure!(
        header.e_ident[EI_CLASS] == ELFCLASS64 && header.e_ident[EI_DATA] == ELFDATA2LSB,
        "not a 64-bit little-endian ELF file (only x86_64 and aarch64 are supported)"
    );
    ensure!(
        header.e_machine == EM_X86_64 || header.e_machine == EM_AARCH64,
        "ELF machine {} is neither x86_64 nor aarch64",
        header.e_machine
    );
    ensure!(header.e_shoff != 0 && header.e_shnum != 0, "the file has no section headers");
    ensure!(
        usize::from(header.e_shentsize) == SHDR_SIZE,
        "section headers of {} bytes, not {SHDR_SIZE}",
        header.e_shentsize
    );
    ensure!(
        header.e_shnum < SHN_LORESERVE as u16 && header.e_shstrndx < header.e_shnum,
        "extended section numbering is not supported"
    );
    let ctx = Ctx::new(Container::Big, Endian::Little);
    let offset = usize::try_from(header.e_shoff).context("section header offset")?;
    let headers = SectionHeader::parse(bytes, offset, usize::from(header.e_shnum), ctx)
        .context("unreadable section headers")?;
    let strtab = &headers[usize::from(header.e_shstrndx)];
    ensure!(strtab.sh_type != SHT_NOBITS, "the section-name table has no contents");
    let names = file_range(bytes, strtab, "the section-name table")?;
    Ok(Sections { header, headers, names })
}

fn name_at(names: &[u8], offset: u32) -> Option<&[u8]> {
    let rest = names.get(usize::try_from(offset).ok()?..)?;
    rest.iter().position(|&b| b == 0).map(|end| &rest[..end])
}

/// The contents of the section called `name`, if the file has one.
pub fn section<'a>(bytes: &'a [u8], name: &str) -> Result<Option<&'a [u8]>> {
    let sections = parse(bytes)?;
    let names = &bytes[sections.names.clone()];
    for sh in &sections.headers {
        if name_at(names, sh.sh_name as u32) == Some(name.as_bytes()) {
            ensure!(sh.sh_type != SHT_NOBITS, "section {name} has no contents");
            return Ok(Some(&bytes[file_range(bytes, sh, name)?]));
        }
    }
    Ok(None)
}

fn write_header(out: &mut Vec<u8>, sh: &SectionHeader) {
    out.extend_from_slice(&(sh.sh_name as u32).to_le_bytes());
    out.extend_from_slice(&sh.sh_type.to_le_bytes());
    out.extend_from_slice(&sh.sh_flags.to_le_bytes());
    out.extend_from_slice(&sh.sh_addr.to_le_bytes());
    out.extend_from_slice(&sh.sh_offset.to_le_bytes());
    out.extend_from_slice(&sh.sh_size.to_le_bytes());
    out.extend_from_slice(&sh.sh_link.to_le_bytes());
    out.extend_from_slice(&sh.sh_info.to_le_bytes());
    out.extend_from_slice(&sh.sh_addralign.to_le_bytes());
    out.extend_from_slice(&sh.sh_entsize.to_le_bytes());
}

/// A copy of the ELF file `bytes` with a non-loaded section `name` holding `data`.
pub fn add_section(bytes: &[u8], name: &str, data: &[u8]) -> Result<Vec<u8>> {
    ensure!(!name.is_empty() && !name.contains('\0'), "invalid section name {name:?}");
    let Sections { header, mut headers, names } = parse(bytes)?;
    if section(bytes, name)?.is_some() {
        bail!("the file already has a {name} section");
    }
    // Linkers put the section-header table last; then it is replaced rather than left unused.
    let table_start = header.e_shoff as usize;
    let table_end = table_start + headers.len() * SHDR_SIZE;
    let keep = if table_end == bytes.len() { table_start } else { bytes.len() };
    let mut out = bytes[..keep].to_vec();

    let data_offset = out.len();
    out.extend_from_slice(data);

    let name_offset = names.len();
    let names_offset = out.len();
    out.extend_from_slice(&bytes[names]);
    out.extend_from_slice(name.as_bytes());
    out.push(0);
    let strtab = &mut headers[usize::from(header.e_shstrndx)];
    strtab.sh_offset = names_offset as u64;
    strtab.sh_size = (out.len() - names_offset) as u64;

    headers.push(SectionHeader {
        sh_name: name_offset,
        sh_type: SHT_PROGBITS,
        sh_flags: 0,
        sh_addr: 0,
        sh_offset: data_offset as u64,
        sh_size: data.len() as u64,
        sh_link: 0,
        sh_info: 0,
        sh_addralign: 1,
        sh_entsize: 0,
    });
    out.resize(out.len().next_multiple_of(8), 0);
    let table_offset = out.len() as u64;
    for sh in &headers {
        write_header(&mut out, sh);
    }
    let count = u16::try_from(headers.len()).context("too many sections")?;
    out[E_SHOFF..E_SHOFF + 8].copy_from_slice(&table_offset.to_le_bytes());
    out[E_SHNUM..E_SHNUM + 2].copy_from_slice(&count.to_le_bytes());
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn own_binary() -> Vec<u8> {
        std::fs::read(std::env::current_exe().unwrap()).unwrap()
    }

    #[test]
    fn added_section_is_found_and_the_rest_is_kept() {
        let input = own_binary();
        let output = add_section(&input, ".dep-v0", b"hello").unwrap();
        assert_eq!(section(&output, ".dep-v0").unwrap(), Some(&b"hello"[..]));
        let before = Elf::parse(&input).unwrap();
        let after = Elf::parse(&output).unwrap();
        assert_eq!(after.section_headers.len(), before.section_headers.len() + 1);
        assert_eq!(after.program_headers, before.program_headers);
        assert_eq!(after.entry, before.entry);
        for (old, new) in before.section_headers.iter().zip(&after.section_headers) {
            assert_eq!(before.shdr_strtab.get_at(old.sh_name), after.shdr_strtab.get_at(new.sh_name));
            if old.sh_type != SHT_NOBITS && before.shdr_strtab.get_at(old.sh_name) != Some(".shstrtab") {
                let range = old.file_range().unwrap();
                assert!(input[range] == output[new.file_range().unwrap()], "contents of a section changed");
            }
        }
        let loaded_end = before.program_headers.iter().map(|p| p.p_offset + p.p_filesz).max().unwrap();
        // Past the ELF header (whose section-table fields change), what is loaded is unchanged.
        assert!(input[64..loaded_end as usize] == output[64..loaded_end as usize], "loaded bytes changed");
    }

    #[test]
    fn adding_twice_is_refused() {
        let once = add_section(&own_binary(), ".dep-v0", b"x").unwrap();
        let err = add_section(&once, ".dep-v0", b"y").unwrap_err();
        assert_eq!(err.to_string(), "the file already has a .dep-v0 section");
    }

    #[test]
    fn other_files_are_refused_with_a_reason() {
        let err = add_section(b"#!/bin/sh\necho hi\n", ".dep-v0", b"x").unwrap_err();
        assert!(format!("{err:#}").starts_with("not an ELF file"), "{err:#}");

        let mut elf32 = own_binary();
        elf32[EI_CLASS] = 1;
        let err = add_section(&elf32, ".dep-v0", b"x").unwrap_err();
        assert!(err.to_string().contains("not a 64-bit little-endian"), "{err}");

        let mut riscv = own_binary();
        riscv[0x12..0x14].copy_from_slice(&243u16.to_le_bytes());
        let err = add_section(&riscv, ".dep-v0", b"x").unwrap_err();
        assert_eq!(err.to_string(), "ELF machine 243 is neither x86_64 nor aarch64");
    }

    #[test]
    fn truncated_files_are_refused() {
        let input = own_binary();
        let err = add_section(&input[..input.len() - 100], ".dep-v0", b"x").unwrap_err();
        assert!(format!("{err:#}").contains("section"), "{err:#}");
    }
}
