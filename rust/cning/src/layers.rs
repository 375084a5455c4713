//! Applying layers: decompress a layer tar stream (plain, gzip, zstd), read every entry once, and
//! merge the result into the image's [`Tree`].
//!
//! Nothing is extracted to disk. Hostile layers are bounded: the uncompressed size and the
//! compression ratio are capped (a decompression bomb stops with an error saying which cap it
//! hit), so is the number of entries, and a file is held in memory only up to the inspection cap.
//! Entry names with `..` and hard links to missing targets never reach the tree; they become
//! `unsafe-entry` findings.

use crate::content::{self, Analysis};
use crate::findings::{Finding, Rule};
use crate::tree::{self, Entry, Kind, Tree, UnsafeName};
use sha2::Digest;
use std::cell::Cell;
use std::collections::{HashMap, HashSet};
use std::io::{self, Read};
use std::rc::Rc;
use std::sync::Arc;

/// Caps that keep a hostile image from exhausting memory, disk or time.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Uncompressed bytes in one layer.
    pub max_layer_bytes: u64,
    /// Uncompressed / compressed bytes, checked once a layer is past [`Limits::ratio_floor`].
    pub max_ratio: u64,
    /// Below this many uncompressed bytes, the ratio is not checked (tiny layers compress well).
    pub ratio_floor: u64,
    /// Entries in one image, all layers together.
    pub max_entries: u64,
    pub analysis: Analysis,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits {
            max_layer_bytes: 64 << 30,
            max_ratio: 1000,
            ratio_floor: 64 << 20,
            max_entries: 5_000_000,
            analysis: Analysis::default(),
        }
    }
}

/// How a layer blob is compressed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compression {
    None,
    Gzip,
    Zstd,
}

impl Compression {
    /// From the first bytes of the blob: the media type can lie, the magic cannot.
    pub fn sniff(head: &[u8]) -> Compression {
        if head.starts_with(&[0x1f, 0x8b]) {
            Compression::Gzip
        } else if head.starts_with(&[0x28, 0xb5, 0x2f, 0xfd]) {
            Compression::Zstd
        } else {
            Compression::None
        }
    }
}

/// Counts bytes read through it into a shared cell.
struct Counting<R> {
    inner: R,
    count: Rc<Cell<u64>>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count.set(self.count.get() + n as u64);
        Ok(n)
    }
}

/// Enforces the size and ratio caps on the decompressed stream.
struct Capped<R> {
    inner: R,
    out: u64,
    compressed: Rc<Cell<u64>>,
    limits: Limits,
}

impl<R: Read> Read for Capped<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.out += n as u64;
        if self.out > self.limits.max_layer_bytes {
            return Err(io::Error::other(format!(
                "decompressed size passed the {} byte cap per layer; capped, refusing the layer",
                self.limits.max_layer_bytes
            )));
        }
        let compressed = self.compressed.get().max(1);
        if self.out > self.limits.ratio_floor && self.out / compressed > self.limits.max_ratio {
            return Err(io::Error::other(format!(
                "compression ratio passed {}:1 ({} bytes from {compressed}); capped as a decompression bomb",
                self.limits.max_ratio, self.out
            )));
        }
        Ok(n)
    }
}

/// What applying one layer saw.
#[derive(Debug, Default)]
pub struct Applied {
    pub entries: u64,
    pub findings: Vec<Finding>,
    /// The paths hard links of the layer name (normalized), kept or not.
    pub link_targets: Vec<String>,
}

/// Inode ids for hard-link groups, unique across all layers of an image.
#[derive(Debug, Default)]
pub struct Inodes(u64);

impl Inodes {
    pub fn allocate(&mut self) -> u64 {
        self.0 += 1;
        self.0
    }
}

/// Decompresses `blob` (by its magic) and applies the layer tar to `tree`. `name` names the layer
/// in findings and errors. The blob is read to its end, so a wrapping digest check sees it all.
///
/// Decompression (and whatever `blob` does, such as hashing) runs on its own thread, handing
/// blocks to this one, which parses the tar and inspects files: a layer keeps two cores busy.
pub fn apply(tree: &mut Tree, blob: impl Read + Send, name: &str, limits: &Limits, inodes: &mut Inodes, seen: &mut u64) -> io::Result<Applied> {
    apply_retaining(tree, blob, name, limits, Retain::All, inodes, seen)
}

/// What a tree keeps of the entries applied to it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Retain {
    /// Every entry, with its content facts: what checks need.
    #[default]
    All,
    /// Symlinks, ELF files and the files whose text cning reads ([`content::keeps_text`]), and
    /// the directories that hold them: what the search of the dynamic loader and the package
    /// records need, and nothing that grows with the image's other files. An inventory reads
    /// these first, then streams every entry ([`stream`]).
    Skeleton,
}

impl Retain {
    /// Whether the tree keeps `entry`.
    pub fn keeps(self, entry: &Entry) -> bool {
        match self {
            Retain::All => true,
            Retain::Skeleton => match entry.kind {
                Kind::Symlink => true,
                Kind::File => entry.content.as_ref().is_some_and(|c| c.elf.is_some() || c.text.is_some()),
                _ => false,
            },
        }
    }
}

/// [`apply`], keeping only what `retain` says. An entry not kept still removes what lower layers
/// held at its path (and, unless it is a directory, below it), so the tree stays the image's.
pub fn apply_retaining(tree: &mut Tree, blob: impl Read + Send, name: &str, limits: &Limits, retain: Retain, inodes: &mut Inodes, seen: &mut u64) -> io::Result<Applied> {
    let mut changes = Vec::new();
    let mut kept_here: HashSet<String> = HashSet::new();
    // Every path of the layer, as a hash: a skeleton is read to stream the image next, and a
    // stream cannot take a layer that lists a path twice, so that is refused here, before any
    // of the document is written.
    let mut named_here: HashSet<u128> = HashSet::new();
    let mut applied = Applied::default();
    read_layer(blob, name, limits, inodes, seen, &mut applied, &mut |change| {
        if retain == Retain::Skeleton {
            if let Change::Put(path, _) | Change::HardLink { path, .. } = &change {
                if !named_here.insert(path_key(path)) {
                    return Err(io::Error::other(format!("lists {path} twice; {TWICE}")));
                }
            }
        }
        let change = match (retain, change) {
            (Retain::Skeleton, Change::Put(path, entry)) if !retain.keeps(&entry) => {
                // Only a path a lower layer or this one already holds needs the removal.
                if tree.get(&path).is_none() && !kept_here.contains(&path) {
                    return Ok(());
                }
                Change::Drop { path, dir: entry.kind == Kind::Dir }
            }
            (Retain::Skeleton, Change::Put(path, entry)) => {
                kept_here.insert(path.clone());
                Change::Put(path, entry)
            }
            (_, change) => change,
        };
        changes.push(change);
        Ok(())
    })?;
    apply_changes(tree, changes, name, retain, &mut applied);
    Ok(applied)
}

/// Why a layer that lists a path twice cannot be streamed.
pub const TWICE: &str = "an inventory reads layers as a stream and cannot keep the later copy without holding the layer";

/// A path's 128-bit hash: what is remembered of a layer's paths when the paths themselves are not.
pub fn path_key(path: &str) -> u128 {
    let digest = sha2::Sha256::digest(path.as_bytes());
    let mut bytes = [0u8; 16];
    bytes.copy_from_slice(&digest[..16]);
    u128::from_le_bytes(bytes)
}

/// One change a layer makes to the tree below it, in archive order.
#[derive(Debug)]
pub enum Change {
    /// `.wh.NAME`: the path and everything below it, in lower layers, is gone.
    Whiteout(String),
    /// `.wh..wh..opq`: everything below the directory, in lower layers, is gone.
    Opaque(String),
    /// An entry, with its content facts when it is a regular file.
    Put(String, Entry),
    /// A hard link to `target`, a regular file earlier in this layer or in a lower one; `header`
    /// holds the link's own owner.
    HardLink { path: String, target: String, header: Entry },
    /// An entry the tree does not keep ([`Retain::Skeleton`]) at a path it holds something at.
    Drop { path: String, dir: bool },
}

/// Decompresses `blob` and hands each change of the layer to `each`, in archive order, with the
/// content facts `limits.analysis` asks for: nothing but the current entry is held. Findings
/// (unsafe names) go to `applied`.
pub fn stream(blob: impl Read + Send, name: &str, limits: &Limits, seen: &mut u64, applied: &mut Applied, each: &mut dyn FnMut(Change) -> io::Result<()>) -> io::Result<()> {
    read_layer(blob, name, limits, &mut Inodes::default(), seen, applied, each)
}

fn read_layer(blob: impl Read + Send, name: &str, limits: &Limits, inodes: &mut Inodes, seen: &mut u64, applied: &mut Applied, each: &mut dyn FnMut(Change) -> io::Result<()>) -> io::Result<()> {
    let (tx, rx) = std::sync::mpsc::sync_channel::<io::Result<Vec<u8>>>(8);
    std::thread::scope(|scope| {
        let decompressor = scope.spawn(move || {
            if let Err(e) = decompress(blob, limits, &tx) {
                let _ = tx.send(Err(e));
            }
        });
        // In a block of its own so the receiver is gone before the join below: a decompressor
        // blocked on a full channel then sees the reader has stopped and ends.
        let read = {
            let mut archive = tar::Archive::new(Blocks { rx, current: io::Cursor::new(Vec::new()) });
            read_entries(&mut archive, name, limits, inodes, seen, applied, each).and_then(|()| {
                // Read past the tar's end blocks too: a truncated or corrupt compressed stream fails here.
                io::copy(&mut archive.into_inner(), &mut io::sink())?;
                Ok(())
            })
        };
        // Joined by hand, not left to the scope: the scope's own wait ends when the closure has
        // returned, while the thread is still exiting and freeing its thread-locals (glibc's
        // __cxa_thread_atexit records, std's Thread handle). LeakSanitizer, checking right after
        // apply returns, reported those as leaks; a real join waits for the thread to be gone.
        if let Err(panic) = decompressor.join() {
            std::panic::resume_unwind(panic);
        }
        read
    })
}

/// The decompressing side of [`apply`]: sends the decoded stream in blocks, then ends.
fn decompress(blob: impl Read, limits: &Limits, tx: &std::sync::mpsc::SyncSender<io::Result<Vec<u8>>>) -> io::Result<()> {
    let compressed = Rc::new(Cell::new(0));
    let mut counting = Counting { inner: blob, count: Rc::clone(&compressed) };
    let mut head = [0u8; 4];
    let got = read_full(&mut counting, &mut head)?;
    let stream = io::Cursor::new(head[..got].to_vec()).chain(counting);
    let decoded: Box<dyn Read> = match Compression::sniff(&head[..got]) {
        Compression::None => Box::new(stream),
        Compression::Gzip => Box::new(flate2::read::MultiGzDecoder::new(stream)),
        Compression::Zstd => Box::new(
            ruzstd::decoding::StreamingDecoder::new(stream).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("zstd: {e}")))?,
        ),
    };
    let mut capped = Capped { inner: decoded, out: 0, compressed, limits: *limits };
    loop {
        let mut block = vec![0u8; 256 << 10];
        let n = read_full(&mut capped, &mut block)?;
        if n == 0 {
            return Ok(());
        }
        block.truncate(n);
        if tx.send(Ok(block)).is_err() {
            return Ok(()); // the reader stopped (an error of its own); it reports that one
        }
    }
}

/// The reading side of [`apply`]: the decoded stream, block by block.
struct Blocks {
    rx: std::sync::mpsc::Receiver<io::Result<Vec<u8>>>,
    current: io::Cursor<Vec<u8>>,
}

impl Read for Blocks {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            let n = self.current.read(buf)?;
            if n > 0 || buf.is_empty() {
                return Ok(n);
            }
            match self.rx.recv() {
                Ok(Ok(block)) => self.current = io::Cursor::new(block),
                Ok(Err(e)) => return Err(e),
                Err(_) => return Ok(0), // the sender finished: end of stream
            }
        }
    }
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

fn read_entries<R: Read>(archive: &mut tar::Archive<R>, layer: &str, limits: &Limits, inodes: &mut Inodes, seen: &mut u64, applied: &mut Applied, each: &mut dyn FnMut(Change) -> io::Result<()>) -> io::Result<()> {
    for entry in archive.entries()? {
        let mut entry = entry?;
        applied.entries += 1;
        *seen += 1;
        if *seen > limits.max_entries {
            return Err(io::Error::other(format!("more than {} entries; capped, refusing the image", limits.max_entries)));
        }
        let raw = entry.path_bytes().into_owned();
        let shown = tree::display_bytes(&raw);
        let path = match tree::normalize_entry_name(&raw) {
            Ok((path, absolute)) => {
                if absolute {
                    applied.findings.push(Finding::new(Rule::UnsafeEntry, &path, "layer entry has an absolute name", format!("{layer}: entry {shown:?}")));
                }
                path
            }
            Err(UnsafeName::Empty) => continue, // "./": the root directory itself
            Err(UnsafeName::DotDot) => {
                applied.findings.push(Finding::new(Rule::UnsafeEntry, &shown, "layer entry name climbs out of the root with '..'; not applied", format!("{layer}: entry {shown:?}")));
                continue;
            }
        };
        let base = path.rsplit('/').next().unwrap_or("");
        let parent = tree::parent_of(&path).unwrap_or("/").to_string();
        if base == ".wh..wh..opq" {
            each(Change::Opaque(parent))?;
            continue;
        }
        if let Some(hidden) = base.strip_prefix(".wh.") {
            let hidden_path = if parent == "/" { format!("/{hidden}") } else { format!("{parent}/{hidden}") };
            each(Change::Whiteout(hidden_path))?;
            continue;
        }
        let header = entry.header();
        let mode = header.mode().unwrap_or(0) & 0o7777;
        let uid = header.uid().unwrap_or(0);
        let gid = header.gid().unwrap_or(0);
        let size = entry.size();
        let base_entry = Entry { kind: Kind::File, mode, uid, gid, size, target: None, content: None, inode: None };
        let kind = header.entry_type();
        let change = match kind {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let facts = content::analyze(&mut entry, &path, size, mode, &limits.analysis)?;
                Change::Put(path, Entry { content: Some(Arc::new(facts)), inode: Some(inodes.allocate()), ..base_entry })
            }
            tar::EntryType::Directory => Change::Put(path, Entry { kind: Kind::Dir, ..base_entry }),
            tar::EntryType::Symlink => {
                let target = entry.link_name_bytes().map(|t| tree::display_bytes(&t)).unwrap_or_default();
                Change::Put(path, Entry { kind: Kind::Symlink, target: Some(target), ..base_entry })
            }
            tar::EntryType::Link => {
                let raw_target = entry.link_name_bytes().map(|t| t.into_owned()).unwrap_or_default();
                match tree::normalize_entry_name(&raw_target) {
                    Ok((target, _)) => {
                        applied.link_targets.push(target.clone());
                        Change::HardLink { path, target, header: base_entry }
                    }
                    Err(_) => {
                        applied.findings.push(Finding::new(Rule::UnsafeEntry, &path, "hard link with an unusable target; not applied", format!("{layer}: target {:?}", tree::display_bytes(&raw_target))));
                        continue;
                    }
                }
            }
            tar::EntryType::Char => Change::Put(path, Entry { kind: Kind::CharDevice, ..base_entry }),
            tar::EntryType::Block => Change::Put(path, Entry { kind: Kind::BlockDevice, ..base_entry }),
            tar::EntryType::Fifo => Change::Put(path, Entry { kind: Kind::Fifo, ..base_entry }),
            // pax and GNU extension headers are consumed by the tar crate; anything else is noise.
            _ => continue,
        };
        each(change)?;
    }
    Ok(())
}

/// Whiteouts first (they hide lower layers only), then the layer's entries in archive order.
fn apply_changes(tree: &mut Tree, changes: Vec<Change>, layer: &str, retain: Retain, applied: &mut Applied) {
    let mut entries = Vec::with_capacity(changes.len());
    for change in changes {
        match change {
            Change::Whiteout(p) => tree.whiteout(&p),
            Change::Opaque(p) => tree.opaque(&p),
            other => entries.push(other),
        }
    }
    // Hard links may name files of this layer that come earlier in the archive.
    let mut this_layer: HashMap<String, Entry> = HashMap::new();
    for change in entries {
        match change {
            Change::Put(path, entry) => {
                this_layer.insert(path.clone(), entry.clone());
                tree.insert(path, entry);
            }
            Change::HardLink { path, target, header } => {
                let found = this_layer.get(&target).or_else(|| tree.get(&target)).filter(|e| e.kind == Kind::File).cloned();
                match found {
                    Some(target_entry) => {
                        let linked = Entry { uid: header.uid, gid: header.gid, ..target_entry };
                        this_layer.insert(path.clone(), linked.clone());
                        tree.insert(path, linked);
                    }
                    // A link to a file the skeleton does not keep is such a file itself.
                    None if retain == Retain::Skeleton => {
                        this_layer.remove(&path);
                        tree.whiteout(&path);
                    }
                    None => applied.findings.push(Finding::new(Rule::UnsafeEntry, &path, "hard link to a missing file; not applied", format!("{layer}: target {target}"))),
                }
            }
            Change::Drop { path, dir } => {
                this_layer.remove(&path);
                // A directory over a directory keeps what is below it; anything else replaces
                // the path whole.
                if !(dir && tree.get(&path).is_some_and(|e| e.kind == Kind::Dir)) {
                    tree.whiteout(&path);
                }
            }
            Change::Whiteout(_) | Change::Opaque(_) => unreachable!("split off above"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tar_of(entries: &[(&str, tar::EntryType, &[u8], &str)]) -> Vec<u8> {
        let mut b = tar::Builder::new(Vec::new());
        for (name, kind, data, link) in entries {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(*kind);
            h.set_mode(if *kind == tar::EntryType::Directory { 0o755 } else { 0o644 });
            h.set_size(data.len() as u64);
            if !link.is_empty() {
                h.set_link_name(link).unwrap();
            }
            b.append_data(&mut h, name, *data).unwrap();
        }
        b.into_inner().unwrap()
    }

    fn apply_all(layers: &[Vec<u8>]) -> (Tree, Vec<Finding>) {
        let mut tree = Tree::new();
        let mut findings = Vec::new();
        let (mut inodes, mut seen) = (Inodes::default(), 0);
        for (i, l) in layers.iter().enumerate() {
            let a = apply(&mut tree, &l[..], &format!("layer {i}"), &Limits::default(), &mut inodes, &mut seen).unwrap();
            findings.extend(a.findings);
        }
        (tree, findings)
    }

    use tar::EntryType::{Directory as D, Link as H, Regular as F, Symlink as L};

    #[test]
    fn whiteouts_hide_lower_layers_only() {
        let lower = tar_of(&[("bin/", D, b"", ""), ("bin/a", F, b"a", ""), ("bin/b", F, b"b", ""), ("etc/x", F, b"x", "")]);
        let upper = tar_of(&[("bin/.wh.a", F, b"", ""), ("bin/c", F, b"c", ""), ("etc/y", F, b"y", ""), ("etc/.wh..wh..opq", F, b"", "")]);
        let (tree, findings) = apply_all(&[lower, upper]);
        assert!(findings.is_empty());
        assert!(tree.get("/bin/a").is_none(), "whited out");
        assert!(tree.get("/bin/b").is_some() && tree.get("/bin/c").is_some());
        assert!(tree.get("/etc/x").is_none(), "opaque dir hides the lower layer");
        assert!(tree.get("/etc/y").is_some(), "same-layer entry survives its own opaque marker");
        let (tree, _) = apply_all(&[tar_of(&[("bin/a", F, b"a", "")]), tar_of(&[("bin/.wh.a", F, b"", "")]), tar_of(&[("bin/a", F, b"new", "")])]);
        assert_eq!(tree.get("/bin/a").unwrap().size, 3, "re-added by a later layer");
    }

    #[test]
    fn hard_links_share_an_inode_and_missing_targets_are_findings() {
        let layer = tar_of(&[("bin/tool", F, b"x", ""), ("bin/alias", H, b"", "bin/tool"), ("bin/bad", H, b"", "bin/none")]);
        let (tree, findings) = apply_all(&[layer]);
        assert_eq!(tree.get("/bin/tool").unwrap().inode, tree.get("/bin/alias").unwrap().inode);
        assert_eq!(findings.len(), 1);
        assert_eq!((findings[0].rule, findings[0].path.as_str()), (Rule::UnsafeEntry, "/bin/bad"));
        assert!(tree.get("/bin/bad").is_none());
    }

    #[test]
    fn dotdot_names_never_reach_the_tree() {
        let mut raw = tar::Builder::new(Vec::new());
        let mut h = tar::Header::new_gnu();
        h.set_size(1);
        h.set_mode(0o644);
        // tar::Builder refuses '..' itself; write the name into the header bytes directly.
        h.as_old_mut().name[..13].copy_from_slice(b"../etc/shadow");
        h.set_cksum();
        raw.append(&h, &b"x"[..]).unwrap();
        let (tree, findings) = apply_all(&[raw.into_inner().unwrap()]);
        assert_eq!(tree.len(), 1, "only the root");
        assert_eq!(findings[0].rule, Rule::UnsafeEntry);
        assert!(findings[0].message.contains(".."));
    }

    #[test]
    fn gzip_and_zstd_layers_decode_and_symlinks_keep_targets() {
        let plain = tar_of(&[("bin/sh", L, b"", "dash"), ("bin/dash", F, b"#!x", "")]);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        io::Write::write_all(&mut gz, &plain).unwrap();
        let gz = gz.finish().unwrap();
        let zst = ruzstd::encoding::compress_to_vec(&plain[..], ruzstd::encoding::CompressionLevel::Fastest);
        for blob in [plain.clone(), gz, zst] {
            let (tree, _) = apply_all(&[blob]);
            assert_eq!(tree.get("/bin/sh").unwrap().target.as_deref(), Some("dash"));
        }
    }

    #[test]
    fn duplicate_entries_keep_the_last_one() {
        let layer = tar_of(&[("bin/x", F, b"first", ""), ("bin/x", F, b"second!", ""), ("bin/y", L, b"", "x"), ("bin/y", F, b"file", "")]);
        let (tree, findings) = apply_all(&[layer]);
        assert!(findings.is_empty());
        assert_eq!(tree.get("/bin/x").unwrap().size, 7);
        assert_eq!(tree.get("/bin/y").unwrap().kind, Kind::File);
    }

    #[test]
    fn a_layer_of_200_000_files_is_applied() {
        let mut b = tar::Builder::new(Vec::new());
        for i in 0..200_000u32 {
            let mut h = tar::Header::new_gnu();
            h.set_entry_type(tar::EntryType::Regular);
            h.set_mode(0o644);
            h.set_size(0);
            b.append_data(&mut h, format!("d{}/f{i}", i % 100), &b""[..]).unwrap();
        }
        let gz = {
            let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            io::Write::write_all(&mut e, &b.into_inner().unwrap()).unwrap();
            e.finish().unwrap()
        };
        let mut tree = Tree::new();
        let mut seen = 0;
        let applied = apply(&mut tree, &gz[..], "big", &Limits::default(), &mut Inodes::default(), &mut seen).unwrap();
        assert_eq!(applied.entries, 200_000);
        assert_eq!(tree.len(), 1 + 100 + 200_000, "root, 100 implied directories, the files");
        // The entry cap is enforced across the image.
        let capped = Limits { max_entries: 150_000, ..Limits::default() };
        let err = apply(&mut Tree::new(), &gz[..], "big", &capped, &mut Inodes::default(), &mut 0).unwrap_err();
        assert!(err.to_string().contains("more than 150000 entries"), "{err}");
    }

    #[test]
    fn bombs_and_truncation_are_errors() {
        let big = vec![0u8; 2 << 20];
        let layer = tar_of(&[("zeros", F, &big, "")]);
        let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        io::Write::write_all(&mut gz, &layer).unwrap();
        let gz = gz.finish().unwrap();
        let tight = Limits { max_ratio: 10, ratio_floor: 1 << 20, ..Limits::default() };
        let err = apply(&mut Tree::new(), &gz[..], "bomb", &tight, &mut Inodes::default(), &mut 0).unwrap_err();
        assert!(err.to_string().contains("decompression bomb"), "{err}");
        let small = Limits { max_layer_bytes: 1 << 20, ..Limits::default() };
        let err = apply(&mut Tree::new(), &layer[..], "big", &small, &mut Inodes::default(), &mut 0).unwrap_err();
        assert!(err.to_string().contains("cap per layer"), "{err}");
        let err = apply(&mut Tree::new(), &gz[..gz.len() / 2], "cut", &Limits::default(), &mut Inodes::default(), &mut 0);
        assert!(err.is_err(), "truncated gzip must fail");
    }
}
