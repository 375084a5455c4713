//! The directory walk: GNU find's order (each directory's entries in `readdir` order, the
//! directory before its contents, or after them with `-depth`), symlink policies `-P`/`-H`/`-L`,
//! `-mindepth`/`-maxdepth`, `-xdev`, pruning and quitting, file-system loop detection.
//!
//! A directory's names are read in one go before its children are visited (as fts does), so the
//! walk holds one open directory at a time however deep the tree is, and it never recurses.

use std::ffi::OsString;
use std::fs::Metadata;
use std::io;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// Which symbolic links the walk follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Follow {
    /// `-P`: never (the default).
    #[default]
    Never,
    /// `-H`: only the starting points.
    Roots,
    /// `-L`: all of them.
    Always,
}

#[derive(Debug, Clone, Default)]
pub struct WalkOptions {
    pub follow: Follow,
    pub min_depth: usize,
    pub max_depth: Option<usize>,
    /// `-depth`: a directory is visited after its contents.
    pub contents_first: bool,
    /// `-xdev`: do not descend into directories on other file systems.
    pub same_file_system: bool,
}

/// One file as the expression sees it.
pub struct Entry<'a> {
    pub path: &'a Path,
    /// The starting point this file was reached from.
    pub root: &'a Path,
    pub depth: usize,
    pub meta: &'a Metadata,
    /// `meta` describes a symlink's target (the link was followed).
    pub followed: bool,
    pub follow: Follow,
}

/// What the expression decided about a file.
#[derive(Debug, Clone, Copy, Default)]
pub struct Verdict {
    /// `-prune`: do not descend into this directory.
    pub prune: bool,
    /// `-quit`: stop the whole walk.
    pub quit: bool,
}

/// Problems met during the walk, reported as GNU find words them.
#[derive(Debug)]
pub enum WalkError {
    Io { path: PathBuf, error: io::Error },
    Loop { path: PathBuf, ancestor: PathBuf },
}

/// Receives the files and the problems of a walk.
pub trait Visitor {
    fn visit(&mut self, entry: &Entry) -> Verdict;
    fn error(&mut self, error: WalkError);
}

struct OpenDir {
    path: PathBuf,
    meta: Metadata,
    followed: bool,
    depth: usize,
    names: std::vec::IntoIter<OsString>,
}

/// Walks every starting point in order. Returns false if a `-quit` stopped it.
pub fn walk(roots: &[PathBuf], options: &WalkOptions, visitor: &mut impl Visitor) -> bool {
    for root in roots {
        if !walk_root(root, options, visitor) {
            return false;
        }
    }
    true
}

fn walk_root(root: &Path, options: &WalkOptions, visitor: &mut impl Visitor) -> bool {
    let follow_root = options.follow != Follow::Never;
    let (meta, followed) = match stat(root, follow_root) {
        Ok(found) => found,
        Err(error) => {
            visitor.error(WalkError::Io { path: root.to_path_buf(), error });
            return true;
        }
    };
    let root_dev = meta.dev();
    let mut stack: Vec<OpenDir> = Vec::new();
    let mut walker = Walker { root, options, root_dev };
    if !walker.enter(root.to_path_buf(), meta, followed, 0, &mut stack, visitor) {
        return false;
    }
    while let Some(top) = stack.last_mut() {
        match top.names.next() {
            Some(name) => {
                let path = top.path.join(&name);
                let depth = top.depth + 1;
                match stat(&path, options.follow == Follow::Always) {
                    Ok((meta, followed)) => {
                        if !walker.enter(path, meta, followed, depth, &mut stack, visitor) {
                            return false;
                        }
                    }
                    Err(error) => visitor.error(WalkError::Io { path, error }),
                }
            }
            None => {
                let Some(dir) = stack.pop() else { break };
                if options.contents_first
                    && dir.depth >= options.min_depth
                    && walker.visit(&dir.path, &dir.meta, dir.followed, dir.depth, visitor).quit
                {
                    return false;
                }
            }
        }
    }
    true
}

struct Walker<'a> {
    root: &'a Path,
    options: &'a WalkOptions,
    root_dev: u64,
}

impl Walker<'_> {
    fn visit(&self, path: &Path, meta: &Metadata, followed: bool, depth: usize, visitor: &mut impl Visitor) -> Verdict {
        let entry = Entry { path, root: self.root, depth, meta, followed, follow: self.options.follow };
        visitor.visit(&entry)
    }

    /// Visits one file (now, or after its contents with `-depth`) and opens it when it is a
    /// directory to descend into. Returns false on `-quit`.
    fn enter(
        &mut self,
        path: PathBuf,
        meta: Metadata,
        followed: bool,
        depth: usize,
        stack: &mut Vec<OpenDir>,
        visitor: &mut impl Visitor,
    ) -> bool {
        // A directory that is its own ancestor (through followed links) is reported, not visited.
        if meta.is_dir() {
            if let Some(ancestor) = self.loop_ancestor(&meta, stack) {
                visitor.error(WalkError::Loop { path, ancestor });
                return true;
            }
        }
        let mut prune = false;
        if !self.options.contents_first && depth >= self.options.min_depth {
            let verdict = self.visit(&path, &meta, followed, depth, visitor);
            if verdict.quit {
                return false;
            }
            prune = verdict.prune;
        }
        let descend = meta.is_dir()
            && !prune
            && self.options.max_depth.is_none_or(|max| depth < max)
            && (!self.options.same_file_system || meta.dev() == self.root_dev);
        if descend {
            match read_names(&path) {
                Ok(names) => {
                    stack.push(OpenDir { path, meta, followed, depth, names: names.into_iter() });
                    return true;
                }
                Err(error) => visitor.error(WalkError::Io { path: path.clone(), error }),
            }
        }
        if self.options.contents_first
            && depth >= self.options.min_depth
            && self.visit(&path, &meta, followed, depth, visitor).quit
        {
            return false;
        }
        true
    }

    /// The open directory that is the same as `meta`, which can only happen through followed
    /// symlinks (or bind mounts).
    fn loop_ancestor(&self, meta: &Metadata, stack: &[OpenDir]) -> Option<PathBuf> {
        stack
            .iter()
            .find(|dir| dir.meta.dev() == meta.dev() && dir.meta.ino() == meta.ino())
            .map(|dir| dir.path.clone())
    }
}

fn read_names(dir: &Path) -> io::Result<Vec<OsString>> {
    std::fs::read_dir(dir)?.map(|entry| entry.map(|e| e.file_name())).collect()
}

/// The file's metadata, following a symlink when `follow` says so; a dangling link is then
/// described by the link itself, as GNU find does.
fn stat(path: &Path, follow: bool) -> io::Result<(Metadata, bool)> {
    if follow {
        if let Ok(meta) = std::fs::metadata(path) {
            let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
            return Ok((meta, is_link));
        }
    }
    std::fs::symlink_metadata(path).map(|meta| (meta, false))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Collect(Vec<String>, Vec<String>, Option<&'static str>);

    impl Visitor for Collect {
        fn visit(&mut self, entry: &Entry) -> Verdict {
            let name = entry.path.to_string_lossy().into_owned();
            let prune = self.2.is_some_and(|p| name.ends_with(p));
            self.0.push(name);
            Verdict { prune, quit: false }
        }
        fn error(&mut self, error: WalkError) {
            self.1.push(format!("{error:?}"));
        }
    }

    fn tree() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("a/b")).unwrap();
        std::fs::write(dir.path().join("a/b/f"), b"").unwrap();
        std::fs::write(dir.path().join("a/g"), b"").unwrap();
        std::os::unix::fs::symlink("..", dir.path().join("a/b/up")).unwrap();
        dir
    }

    fn run(root: &Path, options: WalkOptions, prune: Option<&'static str>) -> Collect {
        let mut c = Collect(Vec::new(), Vec::new(), prune);
        walk(&[root.join("a")], &options, &mut c);
        c.0 = c.0.iter().map(|p| p.strip_prefix(&*root.to_string_lossy()).unwrap().to_string()).collect();
        c
    }

    #[test]
    fn preorder_postorder_and_depths() {
        let dir = tree();
        let pre = run(dir.path(), WalkOptions::default(), None).0;
        assert_eq!(pre[0], "/a");
        assert!(pre.iter().position(|p| p == "/a/b") < pre.iter().position(|p| p == "/a/b/f"));
        let post = run(dir.path(), WalkOptions { contents_first: true, ..Default::default() }, None).0;
        assert_eq!(post.last().map(String::as_str), Some("/a"));
        assert!(post.iter().position(|p| p == "/a/b") > post.iter().position(|p| p == "/a/b/f"));
        let mut mid = run(dir.path(), WalkOptions { min_depth: 1, max_depth: Some(1), ..Default::default() }, None).0;
        mid.sort();
        assert_eq!(mid, ["/a/b", "/a/g"]);
    }

    #[test]
    fn prunes_and_detects_loops_when_following() {
        let dir = tree();
        let pruned = run(dir.path(), WalkOptions::default(), Some("/b")).0;
        assert!(pruned.contains(&"/a/b".to_string()) && !pruned.contains(&"/a/b/f".to_string()));
        let followed = run(dir.path(), WalkOptions { follow: Follow::Always, ..Default::default() }, None);
        assert_eq!(followed.1.len(), 1, "the link back up is a loop: {:?}", followed.1);
        assert!(followed.1[0].contains("Loop"));
    }
}
