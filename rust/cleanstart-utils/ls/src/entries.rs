//! What `ls` reads from the file system: directory entries, metadata, link targets and extended
//! attributes. The only module of `ls` that makes system calls.
//!
//! Entries of a directory are read relative to the open directory (`fstatat`, `readlinkat`), and
//! subdirectories are opened relative to their parent's descriptor, so the kernel resolves one
//! name instead of the whole path from the working directory each time: deep `ls -lR` trees cost
//! one short lookup per entry. The ACL check (`llistxattr`) has no directory-relative form before
//! Linux 6.13, so for long listings the reader changes into each directory it reads (as fts
//! does); it then resolves nothing relative to the working directory any more: command-line
//! directories are opened relative to the starting directory, held open.

use rustix::fs::{AtFlags, FileType, Mode, OFlags, RawDir, Stat, CWD};
use std::ffi::{OsStr, OsString};
use std::io;
use std::mem::MaybeUninit;
use std::os::fd::OwnedFd;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::{Path, PathBuf};
use std::rc::Rc;

/// The metadata `ls` shows.
#[derive(Debug, Clone, Copy)]
pub struct Meta {
    pub mode: u32,
    pub nlink: u64,
    pub uid: u32,
    pub gid: u32,
    pub size: u64,
    /// 512-byte blocks allocated.
    pub blocks: u64,
    pub ino: u64,
    pub dev: u64,
    pub rdev: u64,
    /// (seconds, nanoseconds) since the epoch.
    pub modified: (i64, i64),
    pub changed: (i64, i64),
    pub accessed: (i64, i64),
}

// The field types of `struct stat` differ between architectures; these casts widen.
#[allow(clippy::unnecessary_cast)]
impl From<Stat> for Meta {
    fn from(st: Stat) -> Self {
        Meta {
            mode: st.st_mode as u32,
            nlink: st.st_nlink as u64,
            uid: st.st_uid as u32,
            gid: st.st_gid as u32,
            size: st.st_size.max(0) as u64,
            blocks: st.st_blocks.max(0) as u64,
            ino: st.st_ino as u64,
            dev: st.st_dev as u64,
            rdev: st.st_rdev as u64,
            modified: (st.st_mtime as i64, st.st_mtime_nsec as i64),
            changed: (st.st_ctime as i64, st.st_ctime_nsec as i64),
            accessed: (st.st_atime as i64, st.st_atime_nsec as i64),
        }
    }
}

impl Meta {
    pub fn kind(&self) -> Kind {
        Kind::from_mode(self.mode)
    }
}

/// A file's type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Directory,
    Regular,
    Symlink,
    Fifo,
    Socket,
    Block,
    Char,
    Unknown,
}

impl Kind {
    pub fn from_mode(mode: u32) -> Kind {
        match mode & 0o170000 {
            0o040000 => Kind::Directory,
            0o100000 => Kind::Regular,
            0o120000 => Kind::Symlink,
            0o010000 => Kind::Fifo,
            0o140000 => Kind::Socket,
            0o060000 => Kind::Block,
            0o020000 => Kind::Char,
            _ => Kind::Unknown,
        }
    }

    fn from_dirent(t: FileType) -> Kind {
        match t {
            FileType::Directory => Kind::Directory,
            FileType::RegularFile => Kind::Regular,
            FileType::Symlink => Kind::Symlink,
            FileType::Fifo => Kind::Fifo,
            FileType::Socket => Kind::Socket,
            FileType::BlockDevice => Kind::Block,
            FileType::CharacterDevice => Kind::Char,
            FileType::Unknown => Kind::Unknown,
        }
    }
}

/// What extended attributes say about a file, shown after its mode in long listings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Marker {
    None,
    /// `+`: a POSIX ACL beyond the mode bits.
    Acl,
    /// `.`: an SELinux context and no ACL.
    Context,
}

/// A symbolic link's target.
#[derive(Debug, Clone)]
pub struct Target {
    pub path: OsString,
    /// The target's metadata when it was read; `None` for a dangling link.
    pub meta: Option<Meta>,
    /// Whether the target's metadata was asked for (else `meta` is `None` without meaning).
    pub read: bool,
}

/// A file name, held inline when short: most are, and a heap block per entry is most of what a
/// long recursive listing allocates (musl's allocator makes that show).
#[derive(Clone)]
pub enum Name {
    Inline { len: u8, bytes: [u8; Name::INLINE] },
    Heap(Box<[u8]>),
}

impl Name {
    const INLINE: usize = 22;

    pub fn new(name: &[u8]) -> Name {
        if name.len() <= Name::INLINE {
            let mut bytes = [0; Name::INLINE];
            bytes[..name.len()].copy_from_slice(name);
            Name::Inline { len: name.len() as u8, bytes }
        } else {
            Name::Heap(name.into())
        }
    }
}

impl std::ops::Deref for Name {
    type Target = OsStr;

    fn deref(&self) -> &OsStr {
        match self {
            Name::Inline { len, bytes } => OsStr::from_bytes(&bytes[..usize::from(*len)]),
            Name::Heap(bytes) => OsStr::from_bytes(bytes),
        }
    }
}

impl AsRef<OsStr> for Name {
    fn as_ref(&self) -> &OsStr {
        self
    }
}

impl std::fmt::Debug for Name {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        std::fmt::Debug::fmt(&**self, f)
    }
}

/// One file to list.
#[derive(Debug, Clone)]
pub struct Entry {
    /// The name shown: the directory entry's name, or a command-line operand as written (the
    /// path that reaches it).
    pub name: Name,
    pub kind: Kind,
    /// `None` when it was not needed, or could not be read (long listings show `?`).
    pub meta: Option<Meta>,
    /// Boxed: few entries are links, and listings are sorted by moving entries.
    pub target: Option<Box<Target>>,
    pub marker: Marker,
}

impl Entry {
    /// Whether `-R` descends into it and directory operands are listed: a directory, or a
    /// followed link to one.
    pub fn is_directory(&self) -> bool {
        self.kind == Kind::Directory || self.meta.is_some_and(|m| m.kind() == Kind::Directory)
    }

    /// Whether `--group-directories-first` puts it with the directories: links to directories
    /// count, when their targets were read.
    pub fn groups_as_directory(&self) -> bool {
        self.is_directory() || self.target.as_ref().and_then(|t| t.meta).is_some_and(|m| m.kind() == Kind::Directory)
    }
}

/// What to read for each entry; names alone come from the directory.
#[derive(Debug, Clone, Copy, Default)]
pub struct Needs {
    pub meta: bool,
    /// Each entry's type (for -R, -F, colors): from the directory where it says, else read.
    pub kind: bool,
    /// `-L`: the metadata of links' targets in place of the links'.
    pub follow: bool,
    pub target: bool,
    pub target_meta: bool,
    pub marker: bool,
}

/// Where a directory to read is: `name` relative to `base` (a parent directory's descriptor, or
/// the starting directory's), or to the working directory when `base` is `None`.
#[derive(Debug, Clone)]
pub struct Place {
    pub base: Option<Rc<OwnedFd>>,
    pub name: OsString,
}

/// A directory's entries, what went wrong reading them, and the open directory itself (the base
/// of its subdirectories' [`Place`]s).
pub struct Listing {
    pub entries: Vec<Entry>,
    /// Entries that could not be read, with their paths as messages name them.
    pub errors: Vec<(PathBuf, io::Error)>,
    pub dir: Rc<OwnedFd>,
    /// The directory's (device, inode), read only under `-L`, for its loop check.
    pub id: Option<(u64, u64)>,
}

/// Reads directories for one run of `ls`.
pub struct Reader {
    needs: Needs,
    /// The starting directory, which command-line directories are relative to once the reader
    /// has moved into a directory.
    home: Option<Rc<OwnedFd>>,
    /// getdents64's buffer, reused: one call reads hundreds of entries.
    buffer: Vec<MaybeUninit<u8>>,
    /// llistxattr's buffer, reused (zeroing one per entry showed in profiles).
    names: Vec<u8>,
    /// Whether SELinux runs here: only then can a symbolic link carry a marker (links have no
    /// ACLs; GNU checks them for a context only).
    selinux: bool,
    /// How deep the walk may hold directories open as the base of their subdirectories: half
    /// the descriptor limit. Deeper ones are opened by their path from the starting directory.
    held: usize,
    /// The last listing's vector, given back by [`Reader::recycle`]: musl's allocator maps and
    /// unmaps large blocks on every allocation, so big directories would each cost a fresh mapping.
    spare: Vec<Entry>,
}

impl Reader {
    pub fn new(needs: Needs) -> Reader {
        // Only the ACL check resolves paths; without it there is no reason to move.
        let home = needs
            .marker
            .then(|| rustix::fs::open(".", OFlags::PATH | OFlags::DIRECTORY | OFlags::CLOEXEC, Mode::empty()).ok())
            .flatten()
            .map(Rc::new);
        Reader {
            needs,
            home,
            buffer: vec![MaybeUninit::uninit(); 64 * 1024],
            names: vec![0; 1024],
            selinux: needs.marker && Path::new("/sys/fs/selinux/enforce").exists(),
            held: rustix::process::getrlimit(rustix::process::Resource::Nofile)
                .current
                .map_or(usize::MAX, |limit| usize::try_from(limit / 2).unwrap_or(usize::MAX)),
            spare: Vec::new(),
        }
    }

    /// Where a command-line directory operand is.
    pub fn operand_place(&self, name: &OsStr) -> Place {
        Place { base: self.home.clone(), name: name.to_os_string() }
    }

    /// Where the subdirectory `name` of the open directory `dir` is, `depth` levels below a
    /// command-line directory; `path` is its path from the starting directory.
    pub fn subdir_place(&self, dir: &Rc<OwnedFd>, name: &OsStr, depth: usize, path: &Path) -> Place {
        if depth < self.held {
            Place { base: Some(dir.clone()), name: name.to_os_string() }
        } else {
            self.operand_place(path.as_os_str())
        }
    }

    /// The entries of the directory at `place` (shown as `dir_path`) that `keep` accepts (by
    /// name), with what the reader needs. Entries that vanish or cannot be read are kept with
    /// `meta: None` and reported in [`Listing::errors`], as GNU names them: `dir/name`, or `name`
    /// alone for `.`.
    pub fn read_dir(&mut self, place: &Place, dir_path: &Path, keep: impl Fn(&[u8]) -> bool) -> io::Result<Listing> {
        let needs = self.needs;
        let flags = OFlags::RDONLY | OFlags::DIRECTORY | OFlags::CLOEXEC;
        let dir = match &place.base {
            Some(base) => rustix::fs::openat(base, &place.name, flags, Mode::empty())?,
            None => rustix::fs::openat(CWD, &place.name, flags, Mode::empty())?,
        };
        let id = match needs.follow {
            true => rustix::fs::fstat(&dir).ok().map(Meta::from).map(|m| (m.dev, m.ino)),
            false => None,
        };
        let mut entries = std::mem::take(&mut self.spare);
        entries.clear();
        let mut raw = RawDir::new(&dir, &mut self.buffer);
        while let Some(item) = raw.next() {
            let item = item?;
            let name = item.file_name().to_bytes();
            if keep(name) {
                entries.push(Entry {
                    name: Name::new(name),
                    kind: Kind::from_dirent(item.file_type()),
                    meta: None,
                    target: None,
                    marker: Marker::None,
                });
            }
        }
        let inside = self.home.is_some() && rustix::process::fchdir(&dir).is_ok();
        let mut errors = Vec::new();
        for entry in entries.iter_mut() {
            let kind = entry.kind;
            // As GNU: without -l and friends, a type the directory does not give, or under -L a
            // link's target type, is read only when the output depends on the type.
            let need_meta =
                needs.meta || (needs.kind && (kind == Kind::Unknown || (needs.follow && kind == Kind::Symlink)));
            if need_meta {
                let flags = if needs.follow { AtFlags::empty() } else { AtFlags::SYMLINK_NOFOLLOW };
                match rustix::fs::statat(&dir, &*entry.name, flags) {
                    Ok(st) => entry.meta = Some(Meta::from(st)),
                    // -L on a dangling link: GNU reports it and lists the link with `?`s.
                    Err(e) => {
                        errors.push((error_path(dir_path, &entry.name), io::Error::from(e)));
                        if needs.follow {
                            let own = rustix::fs::statat(&dir, &*entry.name, AtFlags::SYMLINK_NOFOLLOW);
                            entry.meta = own.ok().map(Meta::from).filter(|m| m.kind() != Kind::Symlink);
                        }
                    }
                }
                // Under -L a link that could be followed is listed as what it points to.
                if let Some(meta) = entry.meta {
                    entry.kind = meta.kind();
                }
            }
            // Under -L, a link still listed as one could not be followed: GNU shows no target.
            if entry.kind == Kind::Symlink && (needs.target || needs.target_meta) && !needs.follow {
                entry.target = read_target(&dir, &entry.name, needs).map(Box::new);
            }
            if needs.marker && entry.meta.is_some() && (entry.kind != Kind::Symlink || self.selinux) {
                entry.marker = if inside {
                    marker(Path::new(&entry.name), needs.follow, &mut self.names)
                } else {
                    marker(&join(dir_path, &entry.name), needs.follow, &mut self.names)
                };
            }
        }
        Ok(Listing { entries, errors, dir: Rc::new(dir), id })
    }

    /// Gives back a listing's vector, to be reused by the next [`Reader::read_dir`].
    pub fn recycle(&mut self, entries: Vec<Entry>) {
        if entries.capacity() > self.spare.capacity() {
            self.spare = entries;
        }
    }
}

/// A command-line operand, its link followed or not.
pub fn operand(name: &OsStr, follow: bool, needs: Needs) -> io::Result<Entry> {
    let meta = Meta::from(if follow { rustix::fs::stat(name) } else { rustix::fs::lstat(name) }?);
    let mut entry = Entry { name: Name::new(name.as_bytes()), kind: meta.kind(), meta: Some(meta), target: None, marker: Marker::None };
    if entry.kind == Kind::Symlink && (needs.target || needs.target_meta) {
        entry.target = read_target(CWD, name, needs).map(Box::new);
    }
    if needs.marker {
        entry.marker = marker(Path::new(name), follow, &mut vec![0; 1024]);
    }
    Ok(entry)
}

/// The metadata of a command-line operand if it is a link to a directory, for the default
/// "follow command-line links to directories".
pub fn directory_behind_link(path: &OsStr) -> Option<Meta> {
    rustix::fs::stat(path).ok().map(Meta::from).filter(|m| m.kind() == Kind::Directory)
}

/// `name`, in `dir`, as error messages name it.
fn error_path(dir: &Path, name: &OsStr) -> PathBuf {
    if dir == Path::new(".") {
        PathBuf::from(name)
    } else {
        join(dir, name)
    }
}

fn read_target(dir: impl std::os::fd::AsFd, name: &OsStr, needs: Needs) -> Option<Target> {
    let path = OsString::from_vec(rustix::fs::readlinkat(&dir, name, Vec::new()).ok()?.into_bytes());
    let meta = if needs.target_meta { rustix::fs::statat(&dir, name, AtFlags::empty()).ok().map(Meta::from) } else { None };
    Some(Target { path, meta, read: needs.target_meta })
}

/// The ACL or SELinux marker, from the names of the file's extended attributes: one
/// `llistxattr` call (cheaper than asking for the ACL attribute, which makes the kernel load it).
/// GNU shows `+` only for an ACL beyond the mode bits; Linux stores `system.posix_acl_access`
/// only for those.
fn marker(path: &Path, follow: bool, buffer: &mut Vec<u8>) -> Marker {
    let list = |buffer: &mut [u8]| {
        if follow {
            rustix::fs::listxattr(path, buffer)
        } else {
            rustix::fs::llistxattr(path, buffer)
        }
    };
    let len = match list(buffer) {
        Ok(len) => len,
        // More names than fit: ask for the size, then read them all (the buffer stays larger).
        Err(rustix::io::Errno::RANGE) => {
            let size = if follow { rustix::fs::listxattr_query(path) } else { rustix::fs::llistxattr_query(path) };
            buffer.resize(size.unwrap_or(0) + 256, 0);
            match list(buffer) {
                Ok(len) => len,
                Err(_) => return Marker::None,
            }
        }
        Err(_) => return Marker::None,
    };
    let names = &buffer[..len];
    let mut marker = Marker::None;
    for name in names.split(|&b| b == 0) {
        match name {
            b"system.posix_acl_access" | b"system.posix_acl_default" => return Marker::Acl,
            b"security.selinux" => marker = Marker::Context,
            _ => {}
        }
    }
    marker
}

/// `dir/name`, without doubling a trailing slash.
pub fn join(dir: &Path, name: &OsStr) -> PathBuf {
    let dir_bytes = dir.as_os_str().as_bytes();
    let mut bytes = Vec::with_capacity(dir_bytes.len() + 1 + name.len());
    bytes.extend_from_slice(dir_bytes);
    if !dir_bytes.ends_with(b"/") {
        bytes.push(b'/');
    }
    bytes.extend_from_slice(name.as_bytes());
    PathBuf::from(OsString::from_vec(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_entries_relative_to_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("file"), "12345").unwrap();
        std::fs::create_dir(dir.path().join("sub")).unwrap();
        std::os::unix::fs::symlink("file", dir.path().join("link")).unwrap();
        std::os::unix::fs::symlink("missing", dir.path().join("dangling")).unwrap();
        let needs = Needs { meta: true, target: true, target_meta: true, ..Needs::default() };
        let place = Place { base: None, name: dir.path().into() };
        let listing = Reader::new(needs).read_dir(&place, dir.path(), |n| !n.starts_with(b".")).unwrap();
        let (mut entries, errors) = (listing.entries, listing.errors);
        assert!(errors.is_empty());
        entries.sort_by(|a, b| a.name.cmp(&b.name));
        let kinds: Vec<_> = entries.iter().map(|e| (e.name.to_str().unwrap(), e.kind)).collect();
        assert_eq!(
            kinds,
            [("dangling", Kind::Symlink), ("file", Kind::Regular), ("link", Kind::Symlink), ("sub", Kind::Directory)]
        );
        assert_eq!(entries[1].meta.unwrap().size, 5);
        let link = entries[2].target.as_ref().unwrap();
        assert_eq!((link.path.to_str(), link.meta.unwrap().size), (Some("file"), 5));
        assert!(entries[0].target.as_ref().unwrap().meta.is_none());
    }

    #[test]
    fn following_a_dangling_link_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::os::unix::fs::symlink("missing", dir.path().join("dangling")).unwrap();
        let needs = Needs { meta: true, follow: true, ..Needs::default() };
        let place = Place { base: None, name: dir.path().into() };
        let listing = Reader::new(needs).read_dir(&place, dir.path(), |_| true).unwrap();
        let (entries, errors) = (listing.entries, listing.errors);
        let names: Vec<_> = entries.iter().map(|e| e.name.to_str().unwrap()).collect();
        assert!(names.contains(&"dangling"));
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].1.kind(), io::ErrorKind::NotFound);
        assert_eq!(errors[0].0, dir.path().join("dangling"));
    }

    #[test]
    fn names_short_and_long() {
        for name in ["", "a", "exactly-twenty-two-ch", "a-name-longer-than-twenty-two-bytes"] {
            assert_eq!(Name::new(name.as_bytes()).as_bytes(), name.as_bytes());
        }
        assert!(matches!(Name::new(b"exactly-twenty-two-chr"), Name::Inline { .. }));
    }

    #[test]
    fn joins_without_doubling_slashes() {
        assert_eq!(join(Path::new("a/"), OsStr::new("b")), PathBuf::from("a/b"));
        assert_eq!(join(Path::new("/"), OsStr::new("b")), PathBuf::from("/b"));
        assert_eq!(join(Path::new("."), OsStr::new("b")), PathBuf::from("./b"));
    }
}
