//! Walks an image root directory and inspects every regular file.
//!
//! Symlinks are not followed (they are entries of the image, not a way out of it) and nothing
//! outside the root is read. Only the ELF header region and the file's own bytes are read, one
//! file at a time, so memory is bounded by the largest file.

use crate::elf;
use crate::report::Finding;
use anyhow::{Context, Result};
use std::fs::File;
use std::io::Read;
use std::path::Path;
use walkdir::WalkDir;

/// What a scan saw and found.
#[derive(Debug, Default)]
pub struct Scan {
    pub entries: u64,
    pub elf_files: u64,
    pub findings: Vec<Finding>,
}

/// Scans the directory `root`, reporting every dynamically linked ELF file (rule `dynamic-elf`).
pub fn scan_dir(root: &Path) -> Result<Scan> {
    let meta = std::fs::metadata(root).with_context(|| format!("{}: cannot read", root.display()))?;
    anyhow::ensure!(meta.is_dir(), "{}: not a directory", root.display());
    let mut scan = Scan::default();
    for entry in WalkDir::new(root).follow_links(false).sort_by_file_name() {
        let entry = entry.with_context(|| format!("{}: cannot walk", root.display()))?;
        scan.entries += 1;
        if !entry.file_type().is_file() {
            continue;
        }
        let path = entry.path();
        let image_path = image_path(root, path);
        let mut file = File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
        let mut magic = [0u8; 4];
        if file.read(&mut magic).unwrap_or(0) < 4 || !elf::is_elf(&magic) {
            continue;
        }
        scan.elf_files += 1;
        let bytes = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
        match elf::inspect(&bytes) {
            Ok(info) if !info.is_static() => scan.findings.push(Finding::dynamic_elf(&image_path, &info)),
            Ok(_) => {}
            Err(e) => scan.findings.push(Finding::new(
                "invalid-elf",
                &image_path,
                "file starts with the ELF magic but cannot be parsed",
                e.to_string(),
            )),
        }
    }
    Ok(scan)
}

/// The path as it will appear inside the image: `/` plus the path below the root.
fn image_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    format!("/{}", rel.to_string_lossy())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_dynamic_debian_binary_and_ignores_other_files() {
        let root = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(root.path().join("bin")).unwrap();
        std::fs::copy("/bin/sh", root.path().join("bin/dash")).unwrap();
        std::fs::write(root.path().join("bin/script"), b"#!/bin/sh\necho hi\n").unwrap();
        std::os::unix::fs::symlink("dash", root.path().join("bin/sh")).unwrap();
        let scan = scan_dir(root.path()).unwrap();
        assert_eq!(scan.elf_files, 1);
        assert_eq!(scan.findings.len(), 1, "{:?}", scan.findings);
        assert_eq!(scan.findings[0].rule, "dynamic-elf");
        assert_eq!(scan.findings[0].path, "/bin/dash");
    }

    #[test]
    fn a_file_root_is_an_error() {
        let err = scan_dir(Path::new("/bin/sh")).unwrap_err();
        assert!(err.to_string().contains("/bin/sh: not a directory"), "{err}");
    }
}
