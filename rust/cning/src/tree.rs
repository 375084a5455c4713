//! The image's merged filesystem: every entry by its absolute path inside the image, with the
//! facts checks need, and symlink resolution done inside that filesystem (never the host's).
//!
//! Layers are applied in order with [`Tree::whiteout`] and [`Tree::opaque`] before a layer's own
//! entries are inserted, which is what the OCI layer specification prescribes (whiteouts only hide
//! what lower layers hold).

use crate::content::Content;
use std::collections::BTreeMap;
use std::sync::Arc;

/// Linux gives up after 40 symlinks in one resolution (ELOOP); so do we.
pub const MAX_SYMLINK_HOPS: usize = 40;

/// What kind of filesystem object an entry is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    File,
    Dir,
    Symlink,
    CharDevice,
    BlockDevice,
    Fifo,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::File => "file",
            Kind::Dir => "directory",
            Kind::Symlink => "symlink",
            Kind::CharDevice => "char-device",
            Kind::BlockDevice => "block-device",
            Kind::Fifo => "fifo",
        }
    }
}

/// One filesystem entry.
#[derive(Debug, Clone)]
pub struct Entry {
    pub kind: Kind,
    /// Permission bits with setuid, setgid and sticky (`mode & 0o7777`).
    pub mode: u32,
    pub uid: u64,
    pub gid: u64,
    pub size: u64,
    /// A symlink's target, as stored.
    pub target: Option<String>,
    /// A regular file's content facts.
    pub content: Option<Arc<Content>>,
    /// Entries sharing one inode (hard links) share this id.
    pub inode: Option<u64>,
}

impl Entry {
    pub fn dir(mode: u32) -> Entry {
        Entry { kind: Kind::Dir, mode, uid: 0, gid: 0, size: 0, target: None, content: None, inode: None }
    }

    /// A regular file with an exec bit, an ELF file, or a `#!` script.
    pub fn is_executable(&self) -> bool {
        self.kind == Kind::File
            && (self.mode & 0o111 != 0
                || self.content.as_ref().is_some_and(|c| c.elf.is_some() || c.shebang.is_some()))
    }
}

/// How resolving a path inside the image ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resolution {
    /// It names this existing entry (not a symlink).
    Found(String),
    /// A component does not exist, or a non-directory has components below it.
    Dangling { missing: String },
    /// More than [`MAX_SYMLINK_HOPS`] symlinks.
    Loop,
}

/// The result of [`Tree::resolve`]: where it ended, and whether `..` climbed above the root on
/// the way (the kernel clamps that at `/`, but a link that needs it was made for another tree).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolved {
    pub end: Resolution,
    pub escaped: bool,
}

/// The merged filesystem of an image.
#[derive(Debug, Default)]
pub struct Tree {
    entries: BTreeMap<String, Entry>,
}

impl Tree {
    pub fn new() -> Tree {
        let mut tree = Tree::default();
        tree.entries.insert("/".into(), Entry::dir(0o755));
        tree
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn get(&self, path: &str) -> Option<&Entry> {
        self.entries.get(path)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&String, &Entry)> {
        self.entries.iter()
    }

    /// The names directly inside the directory `dir` (absolute, normalized), sorted. It walks
    /// the whole subtree, so it is for occasional lookups (configuration globs), not walks.
    pub fn children(&self, dir: &str) -> Vec<&str> {
        let prefix = if dir == "/" { "/".to_string() } else { format!("{dir}/") };
        self.entries
            .range(prefix.clone()..)
            .map(|(k, _)| k)
            .take_while(|k| k.starts_with(&prefix))
            .map(|k| &k[prefix.len()..])
            .filter(|name| !name.is_empty() && !name.contains('/'))
            .collect()
    }

    /// A tree of `entries` sorted by path, as a directory walk yields them: built in one pass
    /// rather than by [`Tree::insert`]'s per-entry checks. Parents the walk did not list are
    /// still created, as [`Tree::insert`] creates them.
    pub fn from_sorted(entries: impl IntoIterator<Item = (String, Entry)>) -> Tree {
        let mut tree = Tree::new();
        let root = tree.entries.remove("/");
        let mut built: BTreeMap<String, Entry> = entries.into_iter().collect();
        built.entry("/".into()).or_insert_with(|| root.unwrap_or_else(|| Entry::dir(0o755)));
        let orphans: Vec<String> = built.keys().filter(|p| parent_of(p).is_some_and(|parent| built.get(parent).is_none_or(|e| e.kind != Kind::Dir))).cloned().collect();
        tree.entries = built;
        for path in orphans {
            if let Some(entry) = tree.entries.remove(&path) {
                tree.insert(path, entry);
            }
        }
        tree
    }

    /// Inserts (or replaces) an entry, creating missing parent directories as 0755 root-owned,
    /// as tar extraction does. A directory replacing a directory keeps what is below it.
    pub fn insert(&mut self, path: String, entry: Entry) {
        let mut parent = parent_of(&path);
        while let Some(p) = parent {
            if self.entries.get(p).is_some_and(|e| e.kind == Kind::Dir) {
                break;
            }
            // Missing, or a non-directory (which has nothing below it): a directory now.
            self.entries.insert(p.to_string(), Entry::dir(0o755));
            parent = parent_of(p);
        }
        if entry.kind != Kind::Dir {
            self.remove_below(&path);
        }
        self.entries.insert(path, entry);
    }

    /// `.wh.NAME`: removes `path` and everything below it.
    pub fn whiteout(&mut self, path: &str) {
        self.entries.remove(path);
        self.remove_below(path);
    }

    /// `.wh..wh..opq`: removes everything below the directory `dir`, keeping the directory.
    pub fn opaque(&mut self, dir: &str) {
        self.remove_below(dir);
    }

    fn remove_below(&mut self, path: &str) {
        let prefix = if path == "/" { "/".to_string() } else { format!("{path}/") };
        let doomed: Vec<String> = self.entries.range(prefix.clone()..).take_while(|(k, _)| k.starts_with(&prefix)).map(|(k, _)| k.clone()).collect();
        for k in doomed {
            self.entries.remove(&k);
        }
    }

    /// Resolves `path` (absolute, normalized) the way the kernel would inside the image, following
    /// every symlink, the last component's included.
    pub fn resolve(&self, path: &str) -> Resolved {
        self.walk(path, None, false)
    }

    /// Where `path` leads in a tree that holds every symlink of the image but not every
    /// directory or file (a skeleton, [`crate::layers::Retain::Skeleton`]): a component the tree
    /// does not hold is taken as a plain directory or file. `None` for a symlink loop or a path
    /// through a non-directory the tree holds.
    pub fn resolve_assuming_plain(&self, path: &str) -> Option<String> {
        match self.walk(path, None, true).end {
            Resolution::Found(real) => Some(real),
            Resolution::Dangling { .. } | Resolution::Loop => None,
        }
    }

    /// [`Tree::resolve`], also giving every symlink the walk went through, in order: what a copy
    /// of part of the tree must hold for `path` to resolve the same way in it.
    pub fn resolve_trail(&self, path: &str) -> (Resolved, Vec<String>) {
        let mut trail = Vec::new();
        let resolved = self.walk(path, Some(&mut trail), false);
        (resolved, trail)
    }

    fn walk(&self, path: &str, mut trail: Option<&mut Vec<String>>, assume_plain: bool) -> Resolved {
        let mut pending: Vec<String> = components(path).rev().map(str::to_owned).collect();
        let mut current: Vec<String> = Vec::new();
        let mut hops = 0;
        let mut escaped = false;
        while let Some(part) = pending.pop() {
            match part.as_str() {
                "" | "." => continue,
                ".." => {
                    if current.pop().is_none() {
                        escaped = true;
                    }
                    continue;
                }
                _ => {}
            }
            current.push(part);
            let here = join(&current);
            let Some(entry) = self.entries.get(&here) else {
                if assume_plain {
                    continue;
                }
                return Resolved { end: Resolution::Dangling { missing: here }, escaped };
            };
            match entry.kind {
                Kind::Symlink => {
                    if let Some(trail) = trail.as_deref_mut() {
                        trail.push(here.clone());
                    }
                    hops += 1;
                    if hops > MAX_SYMLINK_HOPS {
                        return Resolved { end: Resolution::Loop, escaped };
                    }
                    current.pop();
                    let target = entry.target.as_deref().unwrap_or("");
                    if target.starts_with('/') {
                        current.clear();
                    }
                    pending.extend(components(target).rev().map(str::to_owned));
                }
                Kind::Dir => {}
                _ if pending.iter().any(|p| !p.is_empty() && p != ".") => {
                    // A file with components below it: ENOTDIR, reported as dangling.
                    return Resolved { end: Resolution::Dangling { missing: format!("{here}/{}", pending.last().map_or("", |s| s)) }, escaped };
                }
                _ => {}
            }
        }
        Resolved { end: Resolution::Found(join(&current)), escaped }
    }

    /// Resolves the symlink at `link` (its target, relative to the link's directory).
    pub fn resolve_link(&self, link: &str) -> Option<Resolved> {
        let entry = self.entries.get(link)?;
        let target = entry.target.as_deref()?;
        let start = if target.starts_with('/') {
            target.to_string()
        } else {
            format!("{}/{}", parent_of(link).unwrap_or("/"), target)
        };
        Some(self.resolve(&start))
    }
}

fn components(path: &str) -> impl DoubleEndedIterator<Item = &str> {
    path.split('/').filter(|c| !c.is_empty())
}

fn join(parts: &[String]) -> String {
    if parts.is_empty() {
        "/".into()
    } else {
        format!("/{}", parts.join("/"))
    }
}

/// The parent directory of an absolute normalized path (`None` for `/`).
pub fn parent_of(path: &str) -> Option<&str> {
    if path == "/" {
        return None;
    }
    match path.rfind('/') {
        Some(0) => Some("/"),
        Some(i) => Some(&path[..i]),
        None => None,
    }
}

/// Why an archive entry name cannot be applied to the image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnsafeName {
    /// A `..` component: applying it could write outside the image root.
    DotDot,
    /// Empty after normalization (names the root itself).
    Empty,
}

/// Normalizes an archive entry name to an absolute image path. Leading `/` and `./` are dropped
/// (as tar does), `.` components skipped, bytes that are not UTF-8 shown as `\xNN`. Returns also
/// whether the name was absolute, which well-formed layers never are.
pub fn normalize_entry_name(raw: &[u8]) -> Result<(String, bool), UnsafeName> {
    let name = display_bytes(raw);
    let absolute = name.starts_with('/');
    let mut parts = Vec::new();
    for c in name.split('/') {
        match c {
            "" | "." => {}
            ".." => return Err(UnsafeName::DotDot),
            _ => parts.push(c.to_string()),
        }
    }
    if parts.is_empty() {
        return Err(UnsafeName::Empty);
    }
    Ok((join(&parts), absolute))
}

/// Bytes as text: UTF-8 as is, any other byte as `\xNN`, so that distinct names stay distinct.
pub fn display_bytes(raw: &[u8]) -> String {
    let mut out = String::with_capacity(raw.len());
    for chunk in raw.utf8_chunks() {
        out.push_str(chunk.valid());
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file() -> Entry {
        Entry { kind: Kind::File, mode: 0o644, uid: 0, gid: 0, size: 0, target: None, content: None, inode: None }
    }

    fn link(target: &str) -> Entry {
        Entry { kind: Kind::Symlink, target: Some(target.into()), ..file() }
    }

    #[test]
    fn insert_creates_parents_and_whiteouts_remove_subtrees() {
        let mut t = Tree::new();
        t.insert("/usr/bin/app".into(), file());
        assert_eq!(t.get("/usr").unwrap().kind, Kind::Dir);
        assert_eq!(t.get("/usr/bin").unwrap().kind, Kind::Dir);
        t.insert("/usr/bin/tool".into(), file());
        t.whiteout("/usr/bin/app");
        assert!(t.get("/usr/bin/app").is_none());
        assert!(t.get("/usr/bin/tool").is_some());
        t.opaque("/usr");
        assert!(t.get("/usr").is_some());
        assert!(t.get("/usr/bin").is_none());
        // A sibling whose name merely starts the same is untouched.
        t.insert("/usr2/x".into(), file());
        t.whiteout("/usr");
        assert!(t.get("/usr2/x").is_some());
    }

    #[test]
    fn children_are_one_level_deep() {
        let mut t = Tree::new();
        t.insert("/etc/ld.so.conf.d/a.conf".into(), file());
        t.insert("/etc/ld.so.conf".into(), file());
        t.insert("/etc2".into(), file());
        assert_eq!(t.children("/etc"), ["ld.so.conf", "ld.so.conf.d"]);
        assert_eq!(t.children("/"), ["etc", "etc2"]);
        assert!(t.children("/etc2").is_empty());
    }

    #[test]
    fn a_file_replacing_a_directory_drops_its_contents() {
        let mut t = Tree::new();
        t.insert("/a/b".into(), file());
        t.insert("/a".into(), file());
        assert!(t.get("/a/b").is_none());
        assert_eq!(t.get("/a").unwrap().kind, Kind::File);
    }

    #[test]
    fn symlinks_resolve_inside_the_image() {
        let mut t = Tree::new();
        t.insert("/usr/bin/dash".into(), file());
        t.insert("/bin".into(), link("usr/bin"));
        t.insert("/usr/bin/sh".into(), link("dash"));
        t.insert("/abs".into(), link("/usr/bin/sh"));
        let found = |p: &str| Resolved { end: Resolution::Found(p.into()), escaped: false };
        assert_eq!(t.resolve("/bin/sh"), found("/usr/bin/dash"));
        assert_eq!(t.resolve_link("/abs").unwrap(), found("/usr/bin/dash"));
        assert_eq!(t.resolve_link("/usr/bin/sh").unwrap(), found("/usr/bin/dash"));
        // The symlinks a copy needs for /abs to reach the same file: all three hops.
        assert_eq!(t.resolve_trail("/abs"), (found("/usr/bin/dash"), vec!["/abs".to_string(), "/usr/bin/sh".into()]));
        assert_eq!(t.resolve_trail("/bin/sh").1, ["/bin", "/usr/bin/sh"]);
        assert!(t.resolve_trail("/usr/bin/dash").1.is_empty());
    }

    #[test]
    fn dangling_escaping_and_looping_links() {
        let mut t = Tree::new();
        t.insert("/etc/passwd".into(), file());
        t.insert("/a/gone".into(), link("missing"));
        t.insert("/a/up".into(), link("../../../etc/passwd"));
        t.insert("/a/loop1".into(), link("loop2"));
        t.insert("/a/loop2".into(), link("loop1"));
        t.insert("/a/notdir".into(), link("/etc/passwd/x"));
        assert_eq!(t.resolve_link("/a/gone").unwrap().end, Resolution::Dangling { missing: "/a/missing".into() });
        let up = t.resolve_link("/a/up").unwrap();
        assert!(up.escaped);
        assert_eq!(up.end, Resolution::Found("/etc/passwd".into()));
        assert_eq!(t.resolve_link("/a/loop1").unwrap().end, Resolution::Loop);
        assert!(matches!(t.resolve_link("/a/notdir").unwrap().end, Resolution::Dangling { .. }));
    }

    #[test]
    fn entry_names_are_normalized_or_refused() {
        assert_eq!(normalize_entry_name(b"./usr/bin/x").unwrap(), ("/usr/bin/x".into(), false));
        assert_eq!(normalize_entry_name(b"/etc/x").unwrap(), ("/etc/x".into(), true));
        assert_eq!(normalize_entry_name(b"usr/./bin//x/").unwrap().0, "/usr/bin/x");
        assert_eq!(normalize_entry_name(b"../../etc/shadow"), Err(UnsafeName::DotDot));
        assert_eq!(normalize_entry_name(b"./"), Err(UnsafeName::Empty));
        assert_eq!(normalize_entry_name(b"bin/\xffname").unwrap().0, "/bin/\\xffname");
    }

    #[test]
    fn a_sorted_walk_builds_the_same_tree_as_inserts() {
        let file = |size| Entry { kind: Kind::File, mode: 0o644, uid: 0, gid: 0, size, target: None, content: None, inode: None };
        // "/orphan/x" has no listed parent; "/f/y" sits below a file.
        let walk = vec![
            ("/a".to_string(), Entry::dir(0o700)),
            ("/a/b".to_string(), file(1)),
            ("/f".to_string(), file(2)),
            ("/f/y".to_string(), file(3)),
            ("/orphan/x".to_string(), file(4)),
        ];
        let mut inserted = Tree::new();
        for (p, e) in walk.clone() {
            inserted.insert(p, e);
        }
        let built = Tree::from_sorted(walk);
        let shape = |t: &Tree| t.iter().map(|(p, e)| (p.clone(), e.kind, e.mode, e.size)).collect::<Vec<_>>();
        assert_eq!(shape(&built), shape(&inserted));
        assert_eq!(built.get("/orphan").map(|e| e.kind), Some(Kind::Dir));
        assert_eq!(built.get("/a").map(|e| e.mode), Some(0o700));
    }
}
