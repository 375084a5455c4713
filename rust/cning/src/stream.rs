//! An image's entries handed over one at a time, holding none of them: how an inventory reads
//! an image of any size in bounded memory.
//!
//! - A directory is walked depth first, each directory's names sorted: what is held is the
//!   listing of the directories on the current path, and a few batches of entries whose files
//!   are inspected in parallel, then handed over in order.
//! - Layers are read from the top one down. An entry is handed over when no layer above it put
//!   something at its path, whited it out, or hid it below a file, a whiteout or an opaque
//!   directory. What is held is that, for the layers above, as a 128-bit hash of each path:
//!   16 bytes an entry of the upper layers, nothing for the lowest. A hard link is handed over
//!   with its target's facts, which the layer that holds the target provides (the paths hard
//!   links name are known from the image's skeleton, so only those files' facts are kept).
//!
//! A layer that lists one path twice (the later copy wins when it is applied) cannot be read
//! this way without holding the layer: it is refused, naming the path, when the skeleton is read
//! ([`crate::layers::apply_retaining`]), before anything is written.

use crate::layers::{self, path_key, Applied, Change, TWICE};
use crate::source::{entry_of, facts_of, image_path, target_of, Options};
use crate::tree::{self, Entry, Kind};
use anyhow::{bail, Context, Result};
use rayon::prelude::*;
use std::collections::{BTreeSet, HashMap};
use std::fs::Metadata;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, SyncSender};

/// Entries inspected together. A batch ends when its slowest file is done, so batches are large
/// enough that one big file seldom leaves a core idle for long; the entries of three batches at
/// most (walked, inspected, being written) are held.
const BATCH_ENTRIES: usize = 4096;
/// File bytes in one batch, so that a batch of large files is not hashed long after the walk has
/// moved on (files are read a window at a time, so this bounds time, not memory).
const BATCH_BYTES: u64 = 1 << 30;

/// One directory entry found by the walk, not yet inspected.
struct Found {
    real: PathBuf,
    path: String,
    meta: Metadata,
}

/// Walks the directory `root` and hands each entry to `each`, depth first, names sorted, the
/// root first. Regular files carry the facts `opts.limits.analysis` asks for when `contents`.
///
/// Three stages overlap, each on its own thread, with two batches at most between them: the
/// walk lists and stats directories, the inspection reads a batch's files in parallel, and the
/// caller writes the batch before.
pub fn directory(root: &Path, opts: &Options, contents: bool, each: &mut dyn FnMut(&str, &Entry) -> Result<()>) -> Result<()> {
    let (found_tx, found_rx) = sync_channel::<Result<Vec<Found>>>(2);
    let (inspected_tx, inspected_rx) = sync_channel::<Result<Vec<(String, Entry)>>>(2);
    std::thread::scope(|scope| {
        scope.spawn(move || {
            if let Err(e) = walk(root, opts, &found_tx) {
                let _ = found_tx.send(Err(e));
            }
        });
        scope.spawn(move || {
            for batch in found_rx {
                // A send fails once the caller has stopped (an error of its own): stop too.
                if inspected_tx.send(batch.and_then(|b| inspect(b, opts, contents))).is_err() {
                    return;
                }
            }
        });
        for batch in inspected_rx {
            for (path, entry) in batch? {
                each(&path, &entry)?;
            }
        }
        Ok(())
    })
}

/// The walking stage of [`directory`]: sends the entries in batches, in walk order.
fn walk(root: &Path, opts: &Options, tx: &SyncSender<Result<Vec<Found>>>) -> Result<()> {
    let meta = std::fs::symlink_metadata(root).with_context(|| format!("{}: cannot read", root.display()))?;
    let mut seen: u64 = 1;
    let mut batch = Batch { found: Vec::new(), bytes: 0, tx };
    batch.push(Found { real: root.to_path_buf(), path: "/".into(), meta })?;
    let mut stack = vec![list(root, root, opts, &mut seen)?.into_iter()];
    while let Some(top) = stack.last_mut() {
        let Some(found) = top.next() else {
            stack.pop();
            continue;
        };
        let below = found.meta.is_dir().then(|| found.real.clone());
        batch.push(found)?;
        if let Some(dir) = below {
            stack.push(list(root, &dir, opts, &mut seen)?.into_iter());
        }
    }
    batch.send()
}

/// The entries of `dir`, sorted by name, each with what `lstat` says.
fn list(root: &Path, dir: &Path, opts: &Options, seen: &mut u64) -> Result<Vec<Found>> {
    let cannot_walk = || format!("{}: cannot walk {}", root.display(), dir.display());
    let mut names = std::fs::read_dir(dir).with_context(cannot_walk)?.collect::<std::io::Result<Vec<_>>>().with_context(cannot_walk)?;
    *seen += names.len() as u64;
    let max = opts.limits.max_entries;
    if *seen > max {
        bail!("{}: more than {max} entries; capped", root.display());
    }
    names.sort_by_cached_key(std::fs::DirEntry::file_name);
    names
        .into_par_iter()
        .map(|entry| {
            let real = entry.path();
            let meta = entry.metadata().with_context(|| format!("{}: cannot stat", real.display()))?;
            Ok(Found { path: image_path(root, &real), real, meta })
        })
        .collect()
}

/// Entries found by the walk, sent on to inspection when enough are gathered.
struct Batch<'t> {
    found: Vec<Found>,
    bytes: u64,
    tx: &'t SyncSender<Result<Vec<Found>>>,
}

impl Batch<'_> {
    fn push(&mut self, found: Found) -> Result<()> {
        if found.meta.is_file() {
            self.bytes += found.meta.len();
        }
        self.found.push(found);
        if self.found.len() >= BATCH_ENTRIES || self.bytes >= BATCH_BYTES {
            self.send()?;
        }
        Ok(())
    }

    fn send(&mut self) -> Result<()> {
        self.bytes = 0;
        // The inspection stage stopped: the caller has an error of its own to report.
        self.tx.send(Ok(std::mem::take(&mut self.found))).map_err(|_| anyhow::anyhow!("the inventory stopped"))
    }
}

/// The inspecting stage of [`directory`]: a batch's entries, with their facts, in order.
fn inspect(found: Vec<Found>, opts: &Options, contents: bool) -> Result<Vec<(String, Entry)>> {
    let entries = found
        .into_par_iter()
        .map(|f| {
            let content = if contents { facts_of(&f.real, &f.path, &f.meta, opts)? } else { None };
            let target = target_of(&f.real, &f.meta)?;
            Ok(entry_of(&f.meta, target, content).map(|entry| (f.path, entry)))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(entries.into_iter().flatten().collect())
}

/// An upper layer put an entry at the path (a directory's metadata, or anything else).
const REPLACED: u8 = 1;
/// Nothing of the lower layers below the path shows (a file, symlink or device put there, a
/// whiteout, an opaque directory).
const HIDES_BELOW: u8 = 2;
/// The layer lists an entry at the path (a whiteout of the same name does not count: it hides
/// what is below, and the entry is this layer's own).
const LISTED: u8 = 4;

/// Marks `path` as listed by the layer being read, with `marks`; a second listing is refused,
/// as the skeleton refuses it ([`crate::layers::apply_retaining`]), which has already happened
/// unless the input changed between the two readings.
fn list_once(here: &mut HashMap<u128, u8>, path: &str, marks: u8) -> Result<()> {
    let mark = here.entry(path_key(path)).or_default();
    if *mark & LISTED != 0 {
        bail!("lists {path} twice; {TWICE}");
    }
    *mark |= LISTED | marks;
    Ok(())
}

/// Whether the layers above (their marks, `above`) leave `path` visible.
fn visible(above: &HashMap<u128, u8>, path: &str) -> bool {
    if above.get(&path_key(path)).is_some_and(|m| m & REPLACED != 0) {
        return false;
    }
    let mut parent = tree::parent_of(path);
    while let Some(p) = parent {
        if above.get(&path_key(p)).is_some_and(|m| m & HIDES_BELOW != 0) {
            return false;
        }
        parent = tree::parent_of(p);
    }
    true
}

/// A hard link waiting for the lower layer that holds its target.
struct Pending {
    path: String,
    header: Entry,
}

/// The layers of one image read from the top down: what the layers already read hide, and the
/// hard links still waiting for their targets.
pub struct Layers<'a> {
    above: HashMap<u128, u8>,
    link_targets: &'a BTreeSet<String>,
    pending: HashMap<String, Vec<Pending>>,
}

impl<'a> Layers<'a> {
    /// `link_targets`: every path the image's hard links name.
    pub fn new(link_targets: &'a BTreeSet<String>) -> Layers<'a> {
        Layers { above: HashMap::new(), link_targets, pending: HashMap::new() }
    }

    /// Reads the layer `blob` (the next one down) and hands its visible entries to `each`.
    pub fn read(&mut self, blob: impl Read + Send, name: &str, opts: &Options, contents: bool, seen: &mut u64, each: &mut dyn FnMut(&str, &Entry) -> Result<()>) -> Result<()> {
        let mut here: HashMap<u128, u8> = HashMap::new();
        // Files of this layer that its own hard links name, by path.
        let mut targets: HashMap<String, Entry> = HashMap::new();
        // Paths whose pending links this layer leaves without a target, unless it puts a file
        // there: each with whether what is below it goes too.
        let mut gone: Vec<(String, bool)> = Vec::new();
        let mut failure: Option<anyhow::Error> = None;
        let analysis = if contents { opts.limits.analysis } else { crate::content::Analysis { hash_all: false, hash_executables: false, crates: false, ..opts.limits.analysis } };
        let limits = layers::Limits { analysis, ..opts.limits };
        let mut applied = Applied::default();
        let mut on_change = |change: Change| -> std::io::Result<()> {
            let result = (|| -> Result<()> {
                match change {
                    Change::Whiteout(path) => {
                        *here.entry(path_key(&path)).or_default() |= REPLACED | HIDES_BELOW;
                        gone.push((path, true));
                    }
                    Change::Opaque(dir) => {
                        *here.entry(path_key(&dir)).or_default() |= HIDES_BELOW;
                        let below = if dir == "/" { String::new() } else { dir };
                        gone.push((below, true));
                    }
                    Change::Put(path, entry) => {
                        list_once(&mut here, &path, REPLACED | if entry.kind == Kind::Dir { 0 } else { HIDES_BELOW })?;
                        if entry.kind == Kind::File {
                            for link in self.pending.remove(&path).unwrap_or_default() {
                                each(&link.path, &Entry { uid: link.header.uid, gid: link.header.gid, ..entry.clone() })?;
                            }
                            if self.link_targets.contains(&path) {
                                targets.insert(path.clone(), entry.clone());
                            }
                        } else {
                            gone.push((path.clone(), entry.kind != Kind::Dir));
                        }
                        if visible(&self.above, &path) {
                            each(&path, &entry)?;
                        }
                    }
                    Change::HardLink { path, target, header } => {
                        list_once(&mut here, &path, REPLACED | HIDES_BELOW)?;
                        if !visible(&self.above, &path) {
                            return Ok(());
                        }
                        match targets.get(&target) {
                            Some(found) => each(&path, &Entry { uid: header.uid, gid: header.gid, ..found.clone() })?,
                            None => self.pending.entry(target).or_default().push(Pending { path, header }),
                        }
                    }
                    Change::Drop { .. } => {}
                }
                Ok(())
            })();
            result.map_err(|e| {
                failure.get_or_insert(e);
                std::io::Error::other("stopped")
            })
        };
        let read = layers::stream(blob, name, &limits, seen, &mut applied, &mut on_change);
        if let Some(e) = failure {
            return Err(e);
        }
        read?;
        // Links whose targets this layer removed from below, without putting a file there,
        // name a missing file: they are not applied, as `cning check` reports.
        for (path, below) in gone {
            let prefix = format!("{path}/");
            self.pending.retain(|target, _| target != &path && !(below && target.starts_with(&prefix)));
        }
        for (k, mark) in here {
            *self.above.entry(k).or_default() |= mark;
        }
        Ok(())
    }
}
