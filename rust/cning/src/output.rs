//! Where `--output` and `--junit` write, without ever destroying what their path names:
//!
//! - a regular file, or a path that does not exist yet: written atomically, through a temporary
//!   file in the same directory renamed over the path when complete (mode 0644); a failure leaves
//!   the old file, or nothing;
//! - a character device or a FIFO (`/dev/null`, a terminal, a FIFO a reader waits on): written
//!   in place, never renamed over; opening a FIFO waits for its reader, as the shell's `>` does;
//! - a symlink: followed, as the shell's `>` follows it; what it resolves to is written as above
//!   and the link stays a link. A dangling link creates its target when the target's directory
//!   exists;
//! - `/dev/stdout`, `/dev/fd/N` and other names of a descriptor cning already holds: written
//!   through that descriptor when it is open on a pipe, a terminal or a file, appending to a file
//!   so that what the shell sent there before cning stays; a socket is refused (it cannot be
//!   opened by name);
//! - a directory, a block device or a socket: refused.
//!
//! [`Destination::new`] makes that decision before the image is read, so a refusal comes at once
//! and not after a long check; [`Destination::write`] makes it again before writing, because the
//! path may have changed meanwhile.

use crate::source;
use anyhow::{anyhow, bail, Context, Result};
use std::fs::{self, Metadata, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::os::unix::fs::{FileTypeExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// Symlinks followed before giving up, as the kernel's own limit (`ELOOP`).
const MAX_LINKS: usize = 40;

/// A path given to `--output` or `--junit`, checked to be something a report may be written to.
#[derive(Debug)]
pub struct Destination {
    given: PathBuf,
}

/// How a destination is written.
#[derive(Debug, PartialEq, Eq)]
enum Plan {
    /// Atomically, by renaming a complete temporary file over this path (never a symlink).
    Replace(PathBuf),
    /// Opened for writing in place: a device, a FIFO or an open descriptor.
    Through(PathBuf),
}

impl Destination {
    /// Refuses a path no report may be written to; touches nothing.
    pub fn new(path: &Path) -> Result<Destination> {
        plan(path)?;
        Ok(Destination { given: path.to_path_buf() })
    }

    /// Writes what `write` produces to the destination. An error of `write` itself (reading the
    /// image it streams, say) is returned as it is; a failed write says the destination failed.
    pub fn write(&self, write: impl FnOnce(&mut dyn Write) -> Result<()>) -> Result<()> {
        let given = self.given.display();
        // Decided again: a device or directory that appeared at the path while the image was
        // read must not be renamed over.
        match plan(&self.given)? {
            Plan::Replace(target) => {
                let mut tmp = tempfile::NamedTempFile::new_in(directory_of(&target)).with_context(|| format!("{given}: cannot create"))?;
                write_buffered(tmp.as_file_mut(), write, &given)?;
                // A report is for everyone who may read the directory, not private like a temporary file.
                tmp.as_file().set_permissions(fs::Permissions::from_mode(0o644)).with_context(|| format!("{given}: cannot write"))?;
                tmp.persist(&target).with_context(|| format!("{given}: cannot write"))?;
            }
            Plan::Through(target) => {
                // Append, not truncate: a device ignores both, and on a descriptor open on a
                // regular file truncating would drop what was written through it before.
                let mut file = OpenOptions::new().append(true).open(&target).with_context(|| format!("{given}: cannot open for writing"))?;
                write_buffered(&mut file, write, &given)?;
            }
        }
        Ok(())
    }
}

fn write_buffered(file: &mut fs::File, write: impl FnOnce(&mut dyn Write) -> Result<()>, given: &dyn std::fmt::Display) -> Result<()> {
    write_through(BufWriter::new(file), write, &format!("{given}: cannot write"))
}

/// Writes what `write` produces to `out` and flushes it (dropping a buffered writer would lose a
/// failed final write silently). A failed write or flush is given the context `failed`; an error
/// of `write` itself (reading the image it streams, say) is returned as it is.
pub fn write_through(out: impl Write, write: impl FnOnce(&mut dyn Write) -> Result<()>, failed: &str) -> Result<()> {
    let mut out = Watched { inner: out, failed: false };
    let written = write(&mut out).and_then(|()| Ok(out.flush()?));
    written.map_err(|e| if out.failed { e.context(failed.to_string()) } else { e })
}

/// A writer that remembers whether a write to it failed, so that an error met while writing a
/// document can be told apart: the destination's, or that of what the document was made from.
struct Watched<W: Write> {
    inner: W,
    failed: bool,
}

impl<W: Write> Write for Watched<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let written = self.inner.write(buf);
        self.failed |= written.is_err();
        written
    }

    fn flush(&mut self) -> io::Result<()> {
        let flushed = self.inner.flush();
        self.failed |= flushed.is_err();
        flushed
    }
}

/// The directory a path's last component is in (`.` for a bare name).
fn directory_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// What a chain of symlinks ends at.
enum End {
    /// Something that is not a symlink.
    Existing(PathBuf, Metadata),
    /// Nothing yet: the path itself, or the target of a dangling link.
    Missing(PathBuf),
    /// A link in `/proc/PID/fd`: its target is an open file description, which may have no name
    /// (a pipe, a socket), so it is not followed as a path.
    Descriptor(PathBuf),
}

/// Follows `path` link by link, the way the kernel resolves the last component on open.
fn follow(path: &Path) -> Result<End> {
    let mut at = path.to_path_buf();
    for _ in 0..=MAX_LINKS {
        let meta = match fs::symlink_metadata(&at) {
            Ok(meta) => meta,
            Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(End::Missing(at)),
            Err(e) => return Err(e).with_context(|| format!("{} cannot write", named(path, &at))),
        };
        if !meta.file_type().is_symlink() {
            return Ok(End::Existing(at, meta));
        }
        let dir = directory_of(&at);
        if is_descriptor_table(dir) {
            return Ok(End::Descriptor(at));
        }
        let target = fs::read_link(&at).with_context(|| format!("{} cannot read the link", named(path, &at)))?;
        // An absolute target replaces `dir` in the join; a relative one is relative to the link.
        at = dir.join(target);
    }
    bail!("{}: more than {MAX_LINKS} symlinks to follow", path.display())
}

/// `/proc/PID/fd` (or `/proc/PID/task/TID/fd`), however it was named (`/dev/fd`, `/proc/self/fd`).
fn is_descriptor_table(dir: &Path) -> bool {
    fs::canonicalize(dir).is_ok_and(|real| real.starts_with("/proc") && real.file_name().is_some_and(|name| name == "fd"))
}

/// The start of a message about `at`, reached from `given`: the link's target is named too when
/// `given` was a link, since the problem is there.
fn named(given: &Path, at: &Path) -> String {
    if at == given {
        format!("{}:", given.display())
    } else {
        format!("{}: resolves to {},", given.display(), at.display())
    }
}

fn plan(given: &Path) -> Result<Plan> {
    let prefix = |at: &Path| named(given, at);
    let refuse = |at: &Path, what: &str| anyhow!("{} {what}; a report is written to a regular file, a new file, a character device or a FIFO", prefix(at));
    match follow(given)? {
        End::Existing(at, meta) => {
            let ft = meta.file_type();
            if ft.is_file() {
                Ok(Plan::Replace(at))
            } else if ft.is_char_device() || ft.is_fifo() {
                Ok(Plan::Through(at))
            } else {
                Err(refuse(&at, source::kind(&meta)))
            }
        }
        End::Descriptor(at) => {
            let meta = fs::metadata(&at).with_context(|| format!("{} cannot write", prefix(&at)))?;
            let ft = meta.file_type();
            if ft.is_file() || ft.is_char_device() || ft.is_fifo() {
                Ok(Plan::Through(at))
            } else {
                Err(refuse(&at, &format!("a descriptor open on {}", source::kind(&meta))))
            }
        }
        End::Missing(at) => {
            if at.as_os_str().as_encoded_bytes().ends_with(b"/") {
                return Err(refuse(&at, "a directory name (it ends in /)"));
            }
            let dir = directory_of(&at);
            if is_descriptor_table(dir) {
                bail!("{} no such open descriptor", prefix(&at));
            }
            match fs::metadata(dir) {
                Ok(meta) if meta.is_dir() => Ok(Plan::Replace(at)),
                Ok(meta) => bail!("{} cannot write: {} is {}, not a directory", prefix(&at), dir.display(), source::kind(&meta)),
                Err(e) if e.kind() == io::ErrorKind::NotFound => bail!("{} cannot write: no directory {}", prefix(&at), dir.display()),
                Err(e) => Err(e).with_context(|| format!("{} cannot write in {}", prefix(&at), dir.display())),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::symlink;

    #[test]
    fn links_are_followed_to_what_they_name() {
        let dir = tempfile::tempdir().unwrap();
        let d = dir.path();
        std::fs::write(d.join("file"), b"old").unwrap();
        symlink("file", d.join("rel")).unwrap();
        symlink(d.join("rel"), d.join("abs-to-rel")).unwrap();
        assert_eq!(plan(&d.join("abs-to-rel")).unwrap(), Plan::Replace(d.join("file")));
        std::fs::create_dir(d.join("sub")).unwrap();
        symlink("../new", d.join("sub/up")).unwrap();
        assert_eq!(plan(&d.join("sub/up")).unwrap(), Plan::Replace(d.join("sub/../new")));
        symlink("loop-b", d.join("loop-a")).unwrap();
        symlink("loop-a", d.join("loop-b")).unwrap();
        assert!(plan(&d.join("loop-a")).unwrap_err().to_string().contains("symlinks to follow"));
    }

    #[test]
    fn descriptor_names_are_written_through() {
        use std::os::fd::AsRawFd;
        let file = tempfile::tempfile().unwrap();
        let name = PathBuf::from(format!("/dev/fd/{}", file.as_raw_fd()));
        // Open on a regular file, yet written in place: renaming over the name would miss the
        // descriptor (and could not be done in /proc anyway).
        assert_eq!(plan(&name).unwrap(), Plan::Through(name.clone()));
        // Past any descriptor limit: never open, whatever the other tests open meanwhile.
        let err = plan(Path::new(&format!("/proc/self/fd/{}", i32::MAX))).unwrap_err().to_string();
        assert!(err.contains("no such open descriptor"), "{err}");
    }
}
