//! Comparing directories: entries of both in byte order, as GNU diff does in the C locale;
//! `Only in`, `Common subdirectories` (without `-r`), files of different kinds, and each pair of
//! files through [`super::pair`]. Symbolic links are followed; a link that cannot be followed,
//! an unreadable directory or a directory loop is reported and the rest still compared.

use super::pair;
use super::{Comparison, Status};
use std::collections::BTreeSet;
use std::ffi::OsString;
use std::fs::Metadata;
use std::io::{self, Write};
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};

/// One side of a comparison: what its path names, following symbolic links.
pub enum Side {
    Present(Metadata),
    /// `-` on the command line.
    Stdin,
    /// Missing, compared as an empty file or directory (`-N`).
    Absent,
}

impl Side {
    pub fn is_dir(&self) -> bool {
        matches!(self, Side::Present(m) if m.is_dir())
    }
}

/// The file-type names GNU diff uses in `File A is a ... while file B is a ...`.
fn kind(meta: &Metadata) -> &'static str {
    let t = meta.file_type();
    if t.is_file() {
        if meta.len() == 0 {
            "regular empty file"
        } else {
            "regular file"
        }
    } else if t.is_dir() {
        "directory"
    } else if t.is_symlink() {
        "symbolic link"
    } else if t.is_fifo() {
        "fifo"
    } else if t.is_char_device() {
        "character special file"
    } else if t.is_block_device() {
        "block special file"
    } else if t.is_socket() {
        "socket"
    } else {
        "weird file"
    }
}

impl<W: Write> Comparison<'_, W> {
    /// Compares two directories' entries; `depth` 0 is the command line's pair.
    pub fn directories(&mut self, paths: [&Path; 2], sides: [&Side; 2], depth: usize) -> io::Result<Status> {
        let identities = sides.map(|side| match side {
            Side::Present(m) => Some((m.dev(), m.ino())),
            Side::Absent | Side::Stdin => None,
        });
        for (f, identity) in identities.iter().enumerate() {
            if identity.is_some() && self.ancestors.iter().any(|a| a[f] == *identity) {
                self.trouble(&format!("{}: recursive directory loop", paths[f].display()))?;
                return Ok(Status::Trouble);
            }
        }
        let mut listings = [BTreeSet::new(), BTreeSet::new()];
        let mut status = Status::Same;
        for f in 0..2 {
            if !matches!(sides[f], Side::Present(_)) {
                continue;
            }
            match list(paths[f]) {
                Ok(names) => listings[f] = names,
                Err(e) => {
                    self.trouble(&format!("{}: {}", paths[f].display(), cleanstart_utils_core::messages::io_message(&e)))?;
                    status = Status::Trouble;
                }
            }
        }
        if status == Status::Trouble {
            return Ok(status);
        }
        self.ancestors.push(identities);
        let names: BTreeSet<&OsString> = listings[0].iter().chain(&listings[1]).collect();
        for name in names {
            let inner = [paths[0].join(name), paths[1].join(name)];
            let listed = [listings[0].contains(name), listings[1].contains(name)];
            let entry = self.entry([&inner[0], &inner[1]], listed, paths, name, depth + 1)?;
            status = status.max(entry);
        }
        self.ancestors.pop();
        Ok(status)
    }

    /// One name found in either directory.
    fn entry(&mut self, paths: [&Path; 2], listed: [bool; 2], parents: [&Path; 2], name: &OsString, depth: usize) -> io::Result<Status> {
        if !self.options.new_file {
            if let Some(only) = listed.iter().position(|&l| !l).map(|missing| 1 - missing) {
                writeln!(self.out, "Only in {}: {}", parents[only].display(), Path::new(name).display())?;
                return Ok(Status::Different);
            }
        }
        let mut sides = Vec::with_capacity(2);
        let mut status = Status::Same;
        for f in 0..2 {
            if !listed[f] {
                sides.push(Side::Absent);
                continue;
            }
            match std::fs::metadata(paths[f]) {
                Ok(meta) => sides.push(Side::Present(meta)),
                Err(e) => {
                    self.trouble(&format!("{}: {}", paths[f].display(), cleanstart_utils_core::messages::io_message(&e)))?;
                    status = Status::Trouble;
                }
            }
        }
        if status == Status::Trouble {
            return Ok(status);
        }
        let (a, b) = (&sides[0], &sides[1]);
        match (a, b) {
            (Side::Present(ma), Side::Present(mb)) if ma.is_dir() != mb.is_dir() || !(ma.is_file() && mb.is_file() || ma.is_dir()) => {
                writeln!(
                    self.out,
                    "File {} is a {} while file {} is a {}",
                    paths[0].display(),
                    kind(ma),
                    paths[1].display(),
                    kind(mb)
                )?;
                Ok(Status::Different)
            }
            _ if a.is_dir() || b.is_dir() => {
                if self.options.recursive {
                    self.directories(paths, [a, b], depth)
                } else {
                    writeln!(self.out, "Common subdirectories: {} and {}", paths[0].display(), paths[1].display())?;
                    Ok(Status::Same)
                }
            }
            _ => pair::compare(self, [paths[0].as_os_str(), paths[1].as_os_str()], [a, b], depth),
        }
    }
}

fn list(dir: &Path) -> io::Result<BTreeSet<OsString>> {
    std::fs::read_dir(dir)?.map(|entry| entry.map(|e| e.file_name())).collect()
}

/// `dir/name`, as GNU diff forms it when one operand is a directory and the other a file.
pub fn inside(dir: &OsString, file: &OsString) -> PathBuf {
    let name = Path::new(file).file_name().map(OsString::from).unwrap_or_else(|| file.clone());
    Path::new(dir).join(name)
}
