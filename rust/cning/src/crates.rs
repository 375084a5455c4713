//! The crate lists Rust binaries carry: the `.dep-v0` section that `cargo auditable` writes (and
//! CleanStart's Bazel build, through `cleanstart-auditable`), so an inventory can name the crates
//! and versions compiled into each binary, not only the binary's digest.
//!
//! The section is read by position like the rest of an ELF file; its zlib-compressed JSON is
//! decoded by `cleanstart_auditable::format`, which bounds what it inflates.

use crate::elf::{self, Parsed};
use crate::positioned::{self, ReadAt};
use cleanstart_auditable::format::{self, Kind, Source, VersionInfo};
use std::io;

/// A compressed crate list this large is not a real one (CleanStart's largest, the shell, is a
/// few kilobytes); the cap keeps a crafted section from being read into memory.
const MAX_SECTION: u64 = 8 << 20;

/// One crate compiled into a binary.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Crate {
    pub name: String,
    pub version: String,
    /// Where it came from, as the section says: `crates.io`, `git`, `local` or `registry`.
    pub source: &'static str,
}

impl Crate {
    /// The package URL of crates from crates.io (`pkg:cargo/NAME@VERSION`); others have no
    /// public coordinates, and a made-up purl would mislead scanners.
    pub fn purl(&self) -> Option<String> {
        (self.source == "crates.io").then(|| format!("pkg:cargo/{}@{}", self.name, self.version))
    }
}

/// The crates of the binary in `src`, when it carries a `.dep-v0` section: `None` without one,
/// `Some(Err)` with a section that cannot be decoded (the message says why). Only runtime crates
/// are listed: build-time ones (proc-macros and their dependencies) are not in the binary.
pub fn of_elf(src: &(impl ReadAt + ?Sized), parsed: &Parsed) -> io::Result<Option<Result<Vec<Crate>, String>>> {
    let bytes = match section(src, parsed) {
        Ok(None) => return Ok(None),
        Ok(Some(bytes)) => bytes,
        // A section the headers place outside the file (or over the cap) is the file's fault.
        Err(e) if e.kind() == io::ErrorKind::InvalidData => return Ok(Some(Err(e.to_string()))),
        Err(e) => return Err(e),
    };
    Ok(Some(format::decode(&bytes).map(runtime_crates).map_err(|e| format!("{}: {e:#}", format::SECTION))))
}

/// The `.dep-v0` section's bytes, if the file has one.
fn section(src: &(impl ReadAt + ?Sized), parsed: &Parsed) -> io::Result<Option<Vec<u8>>> {
    match elf::section_range(src, parsed, format::SECTION)? {
        Some((offset, size)) => positioned::read_range(src, offset, size, MAX_SECTION, format::SECTION).map(Some),
        None => Ok(None),
    }
}

fn runtime_crates(info: VersionInfo) -> Vec<Crate> {
    let mut crates: Vec<Crate> = info
        .packages
        .into_iter()
        .filter(|p| p.kind == Kind::Runtime)
        .map(|p| Crate { name: p.name, version: p.version, source: source_name(p.source) })
        .collect();
    crates.sort();
    crates.dedup();
    crates
}

fn source_name(source: Source) -> &'static str {
    match source {
        Source::CratesIo => "crates.io",
        Source::Git => "git",
        Source::Local => "local",
        Source::Registry => "registry",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use cleanstart_auditable::format::Package;

    fn package(name: &str, source: Source, kind: Kind) -> Package {
        Package { name: name.into(), version: "1.2.3".into(), source, kind, dependencies: vec![], root: false }
    }

    /// /bin/sh with a crate list added, as tools/auditable.bzl adds them to CleanStart's binaries.
    fn sh_with(section: &[u8]) -> Vec<u8> {
        let sh = std::fs::read("/bin/sh").expect("/bin/sh");
        cleanstart_auditable::elf::add_section(&sh, format::SECTION, section).unwrap()
    }

    #[test]
    fn runtime_crates_are_listed_with_purls_and_build_crates_are_not() {
        let info = VersionInfo {
            format: format::FORMAT,
            packages: vec![
                package("demo", Source::Local, Kind::Runtime),
                package("serde_derive", Source::CratesIo, Kind::Build),
                package("anyhow", Source::CratesIo, Kind::Runtime),
            ],
        };
        let bytes = sh_with(&format::encode(&info).unwrap());
        let parsed = elf::parse(&bytes[..]).unwrap();
        let crates = of_elf(&bytes[..], &parsed).unwrap().unwrap().unwrap();
        let names: Vec<_> = crates.iter().map(|c| (c.name.as_str(), c.purl())).collect();
        assert_eq!(names, [("anyhow", Some("pkg:cargo/anyhow@1.2.3".to_string())), ("demo", None)]);
    }

    #[test]
    fn binaries_without_a_section_have_no_list_and_broken_sections_say_so() {
        let sh = std::fs::read("/bin/sh").unwrap();
        let parsed = elf::parse(&sh[..]).unwrap();
        assert_eq!(of_elf(&sh[..], &parsed).unwrap(), None);
        let broken = sh_with(b"not zlib");
        let parsed = elf::parse(&broken[..]).unwrap();
        let err = of_elf(&broken[..], &parsed).unwrap().unwrap().unwrap_err();
        assert!(err.starts_with(".dep-v0: "), "{err}");
    }
}
