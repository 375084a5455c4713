//! What the user points cning at, and how each becomes one merged filesystem per platform:
//!
//! - a root filesystem directory (walked in place; symlinks are entries, never followed);
//! - an OCI image layout directory, such as `oci_image` writes (blobs may be symlinks: followed
//!   while they stay inside the layout, refused when they leave it unless allowed);
//! - an OCI archive (a tar of a layout) or a `docker save` archive, read in place by offset.
//!
//! Every blob is checked against its descriptor (size and sha256) while it is read, and JSON
//! documents are size-capped before they are parsed. For an image index every platform's manifest
//! is checked, or only the one `--platform` names.

use crate::content::{self, Content};
use crate::layers::{self, Inodes, Limits, Retain};
use crate::findings::Finding;
use crate::tree::{self, Entry, Kind, Tree};
use anyhow::{anyhow, bail, Context, Result};
use rayon::prelude::*;
use serde::Deserialize;
use sha2::{Digest, Sha256};
use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::{self, Read};
use std::os::unix::fs::{FileExt, FileTypeExt, MetadataExt};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

/// JSON documents (index, manifests, configs) larger than this are refused.
pub const MAX_JSON_BYTES: u64 = 8 << 20;
/// Index nesting deeper than this is refused (an index of indexes of ...).
const MAX_INDEX_DEPTH: usize = 4;
/// Entries indexed in an outer archive (OCI or docker) before it is refused.
const MAX_ARCHIVE_ENTRIES: usize = 1_000_000;

/// `os/arch[/variant]`, as in `--platform linux/arm64`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform {
    pub os: String,
    pub architecture: String,
    pub variant: Option<String>,
}

impl std::str::FromStr for Platform {
    type Err = String;
    fn from_str(s: &str) -> Result<Platform, String> {
        let parts: Vec<&str> = s.split('/').collect();
        match parts.as_slice() {
            [os, arch] if !os.is_empty() && !arch.is_empty() => Ok(Platform { os: os.to_string(), architecture: arch.to_string(), variant: None }),
            [os, arch, v] if !os.is_empty() && !arch.is_empty() && !v.is_empty() => {
                Ok(Platform { os: os.to_string(), architecture: arch.to_string(), variant: Some(v.to_string()) })
            }
            _ => Err(format!("{s:?} is not os/arch[/variant], e.g. linux/amd64")),
        }
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.os, self.architecture)?;
        if let Some(v) = &self.variant {
            write!(f, "/{v}")?;
        }
        Ok(())
    }
}

/// How to read an input.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Only this platform of an index; for a directory, the platform it is for.
    pub platform: Option<Platform>,
    /// Follow layout blob symlinks that leave the layout directory (content is still verified).
    pub follow_external_blobs: bool,
    pub limits: Limits,
    /// What the trees keep.
    pub retain: Retain,
}

/// One platform's merged filesystem.
#[derive(Debug, Default)]
pub struct ImageFs {
    /// `linux/amd64`, or `rootfs` for a directory with no platform given.
    pub label: String,
    pub platform: Option<Platform>,
    pub tree: Tree,
    /// Findings made while reading (unsafe archive entries).
    pub findings: Vec<Finding>,
    /// Entries read (archive entries, or directory entries).
    pub entries: u64,
    /// What the image configuration sets for its processes (nothing, for a directory).
    pub runtime: Runtime,
    /// What the tree holds: every entry, or a skeleton ([`Retain::Skeleton`]).
    pub retained: Retain,
    /// The paths hard links in the image's layers name (none for a directory).
    pub link_targets: BTreeSet<String>,
}

/// The image configuration's settings for the processes it starts (OCI `config.Env` and
/// `config.WorkingDir`): the dynamic loader reads `LD_LIBRARY_PATH` and `LD_PRELOAD` there.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct Runtime {
    #[serde(rename = "Env", default, deserialize_with = "null_as_empty")]
    pub env: Vec<String>,
    #[serde(rename = "WorkingDir", default)]
    pub working_dir: Option<String>,
}

impl Runtime {
    /// The value of the environment variable `name`, as the last `NAME=` entry sets it.
    pub fn var(&self, name: &str) -> Option<&str> {
        self.env.iter().rev().find_map(|e| e.strip_prefix(name)?.strip_prefix('='))
    }
}

fn null_as_empty<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(d)?.unwrap_or_default())
}

/// What a path the user named is, in words, for messages.
pub fn kind(meta: &std::fs::Metadata) -> &'static str {
    let ft = meta.file_type();
    if ft.is_dir() {
        "a directory"
    } else if ft.is_file() {
        "a regular file"
    } else if ft.is_symlink() {
        "a symlink"
    } else if ft.is_fifo() {
        "a pipe or FIFO"
    } else if ft.is_socket() {
        "a socket"
    } else if ft.is_char_device() {
        "a character device"
    } else if ft.is_block_device() {
        "a block device"
    } else {
        "not a file"
    }
}

/// The refusal of an input that cannot be seeked, `why` saying what it is. Archives are read by
/// position; reading a stream would mean holding it whole, in memory or on a disk cning would
/// have to choose, so the user saves it instead.
fn unseekable(path: &Path, why: &str) -> anyhow::Error {
    anyhow!("{}: cannot be seeked ({why}); cning reads archives by position, so save the archive to a regular file first", path.display())
}

/// Reads `path`, whatever it is, into one [`ImageFs`] per platform.
pub fn open(path: &Path, opts: &Options) -> Result<Vec<ImageFs>> {
    let opened = Opened::new(path, opts)?;
    (0..opened.len()).map(|i| opened.read(i, opts)).collect()
}

/// An input whose images have been found (their platforms, configurations and layers checked),
/// ready to be read, whole or as a skeleton ([`Opened::read`]), and streamed ([`Opened::stream`]),
/// each as often as needed.
pub struct Opened {
    path: PathBuf,
    backing: Backing,
    plans: Vec<Plan>,
}

/// Where an input's bytes are.
enum Backing {
    Dir,
    Layout(LayoutDir),
    Archive(TarIndex),
}

/// One platform's image of an input, before its layers are read.
struct Plan {
    label: String,
    platform: Option<Platform>,
    runtime: Runtime,
    layers: Vec<LayerBlob>,
}

/// One layer, as its image names it.
struct LayerBlob {
    /// The digest its content must have.
    digest: String,
    /// An OCI layer's descriptor; `None` for a `docker save` member, named by `name`.
    descriptor: Option<Descriptor>,
    /// What findings call it: its digest, or its member name in a `docker save` archive.
    name: String,
    /// What errors about it say.
    context: String,
}

impl Opened {
    /// Opens `path`, whatever it is, and finds its images (only `opts.platform`'s, if given).
    pub fn new(path: &Path, opts: &Options) -> Result<Opened> {
        // Followed through symlinks, so that `/dev/stdin` or bash's `<(...)` (`/dev/fd/63`) shows the
        // pipe behind it. Decided before opening: opening a FIFO waits for a writer, forever if none comes.
        let meta = std::fs::metadata(path).with_context(|| format!("{}: cannot read", path.display()))?;
        if meta.file_type().is_fifo() {
            return Err(unseekable(path, kind(&meta)));
        }
        if !meta.is_dir() && !meta.is_file() {
            bail!("{}: {}, not an image directory or archive file", path.display(), kind(&meta));
        }
        let opened = |backing, plans| Ok(Opened { path: path.to_path_buf(), backing, plans });
        if meta.is_dir() {
            if path.join("oci-layout").is_file() {
                let blobs = LayoutDir::new(path, opts.follow_external_blobs)?;
                let index = read_capped(&path.join("index.json")).with_context(|| format!("{}: cannot read index.json", path.display()))?;
                let plans = plan_oci(&blobs, &index, path, opts)?;
                return opened(Backing::Layout(blobs), plans);
            }
            let label = opts.platform.as_ref().map_or_else(|| "rootfs".to_string(), |p| p.to_string());
            return opened(Backing::Dir, vec![Plan { label, platform: opts.platform.clone(), runtime: Runtime::default(), layers: Vec::new() }]);
        }
        let archive = TarIndex::new(path)?;
        if archive.entries.contains_key("oci-layout") {
            let index = archive.read_named("index.json", MAX_JSON_BYTES)?;
            let plans = plan_oci(&archive, &index, path, opts)?;
            return opened(Backing::Archive(archive), plans);
        }
        if archive.entries.contains_key("manifest.json") {
            let plans = plan_docker(&archive, path, opts)?;
            return opened(Backing::Archive(archive), plans);
        }
        bail!("{}: not an OCI layout, OCI archive, docker archive or root filesystem directory", path.display())
    }

    /// How many images (platforms) the input holds.
    pub fn len(&self) -> usize {
        self.plans.len()
    }

    pub fn is_empty(&self) -> bool {
        self.plans.is_empty()
    }

    /// Reads image `i` into one merged tree, keeping what `opts.retain` says.
    pub fn read(&self, i: usize, opts: &Options) -> Result<ImageFs> {
        let plan = &self.plans[i];
        if let Backing::Dir = self.backing {
            return read_dir(&self.path, opts, plan);
        }
        let mut image = ImageFs { label: plan.label.clone(), platform: plan.platform.clone(), runtime: plan.runtime.clone(), retained: opts.retain, ..ImageFs::default() };
        let mut inodes = Inodes::default();
        for layer in &plan.layers {
            let mut verified = self.open_layer(layer)?;
            let applied = layers::apply_retaining(&mut image.tree, &mut verified, &layer.name, &opts.limits, opts.retain, &mut inodes, &mut image.entries)
                .with_context(|| layer.context.clone())?;
            verified.finish(&layer.digest).with_context(|| layer.context.clone())?;
            image.findings.extend(applied.findings);
            image.link_targets.extend(applied.link_targets);
        }
        Ok(image)
    }

    /// Hands every entry of image `i` to `each`, with the content facts `opts.limits.analysis`
    /// asks for (none when `contents` is false), holding none of them: see [`crate::stream`].
    /// `link_targets` are the paths the image's hard links name (from its skeleton).
    pub fn stream(&self, i: usize, opts: &Options, contents: bool, link_targets: &BTreeSet<String>, each: &mut dyn FnMut(&str, &Entry) -> Result<()>) -> Result<()> {
        let plan = &self.plans[i];
        if let Backing::Dir = self.backing {
            return crate::stream::directory(&self.path, opts, contents, each);
        }
        let mut layers = crate::stream::Layers::new(link_targets);
        let mut seen = 0;
        for layer in plan.layers.iter().rev() {
            let mut verified = self.open_layer(layer)?;
            layers.read(&mut verified, &layer.name, opts, contents, &mut seen, each).with_context(|| layer.context.clone())?;
            verified.finish(&layer.digest).with_context(|| layer.context.clone())?;
        }
        Ok(())
    }

    fn open_layer(&self, layer: &LayerBlob) -> Result<Verified<Box<dyn Read + Send + '_>>> {
        match (&self.backing, &layer.descriptor) {
            (Backing::Layout(dir), Some(desc)) => open_verified(dir, desc),
            (Backing::Archive(archive), Some(desc)) => open_verified(archive, desc),
            (Backing::Archive(archive), None) => {
                let (reader, size) = archive.open_named(&layer.name)?;
                Ok(Verified { inner: reader, hasher: Sha256::new(), read: 0, size })
            }
            (Backing::Dir, _) | (Backing::Layout(_), None) => bail!("{}: layer {} is not in the input", self.path.display(), layer.name),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Blobs

#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Descriptor {
    #[serde(default)]
    media_type: String,
    digest: String,
    size: u64,
    #[serde(default)]
    platform: Option<DescriptorPlatform>,
}

#[derive(Debug, Clone, Deserialize)]
struct DescriptorPlatform {
    os: String,
    architecture: String,
    #[serde(default)]
    variant: Option<String>,
}

/// The hex part of a `sha256:` digest, checked for shape (it becomes a file name).
fn sha256_hex(digest: &str) -> Result<&str> {
    let hex = digest.strip_prefix("sha256:").ok_or_else(|| anyhow!("unsupported digest {digest:?} (only sha256)"))?;
    if hex.len() != 64 || !hex.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        bail!("malformed digest {digest:?}");
    }
    Ok(hex)
}

/// Somewhere blobs can be read from by digest.
trait Blobs {
    /// The blob's bytes and its stored size.
    fn open(&self, hex: &str) -> Result<(Box<dyn Read + Send + '_>, u64)>;
    fn describe(&self) -> String;
}

/// Reads a blob while hashing it; [`Verified::finish`] reads what is left and checks it all.
struct Verified<R> {
    inner: R,
    hasher: Sha256,
    read: u64,
    size: u64,
}

impl<R: Read> Read for Verified<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Never read past the descriptor's size: a longer blob is a mismatch, not more data.
        let room = self.size.saturating_sub(self.read) + 1;
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.hasher.update(&buf[..n]);
        self.read += n as u64;
        if self.read > self.size {
            return Err(io::Error::new(io::ErrorKind::InvalidData, format!("blob is larger than its descriptor's {} bytes", self.size)));
        }
        Ok(n)
    }
}

impl<R: Read> Verified<R> {
    fn finish(mut self, digest: &str) -> Result<()> {
        io::copy(&mut self, &mut io::sink()).with_context(|| format!("blob {digest}"))?;
        if self.read != self.size {
            bail!("blob {digest}: {} bytes, its descriptor says {}", self.read, self.size);
        }
        let got = content::hex(&self.hasher.finalize());
        if format!("sha256:{got}") != digest {
            bail!("blob {digest}: content does not match its digest (sha256:{got})");
        }
        Ok(())
    }
}

fn open_verified<'a>(blobs: &'a dyn Blobs, desc: &Descriptor) -> Result<Verified<Box<dyn Read + Send + 'a>>> {
    let hex = sha256_hex(&desc.digest)?;
    let (reader, stored) = blobs.open(hex).with_context(|| format!("blob {} in {}", desc.digest, blobs.describe()))?;
    if stored != desc.size {
        bail!("blob {}: {stored} bytes stored, its descriptor says {}", desc.digest, desc.size);
    }
    Ok(Verified { inner: reader, hasher: Sha256::new(), read: 0, size: desc.size })
}

fn read_json_blob(blobs: &dyn Blobs, desc: &Descriptor) -> Result<Vec<u8>> {
    if desc.size > MAX_JSON_BYTES {
        bail!("blob {}: {} bytes of JSON, over the {MAX_JSON_BYTES} byte cap", desc.digest, desc.size);
    }
    let mut verified = open_verified(blobs, desc)?;
    let mut bytes = Vec::new();
    verified.read_to_end(&mut bytes).with_context(|| format!("blob {}", desc.digest))?;
    verified.finish(&desc.digest)?;
    Ok(bytes)
}

fn read_capped(path: &Path) -> Result<Vec<u8>> {
    let file = File::open(path)?;
    let mut bytes = Vec::new();
    file.take(MAX_JSON_BYTES + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > MAX_JSON_BYTES {
        bail!("over the {MAX_JSON_BYTES} byte cap for JSON");
    }
    Ok(bytes)
}

/// `blobs/sha256/<hex>` of a layout directory.
struct LayoutDir {
    root: PathBuf,
    /// Where the layout really is: the directory given, and the one its index.json resolves into.
    /// They differ when the layout is presented through symlinks, as Bazel's sandbox does.
    homes: Vec<PathBuf>,
    follow_external: bool,
}

impl LayoutDir {
    fn new(root: &Path, follow_external: bool) -> Result<LayoutDir> {
        let given = root.canonicalize().with_context(|| format!("{}: cannot resolve", root.display()))?;
        let index = root.join("index.json").canonicalize().with_context(|| format!("{}: cannot resolve index.json", root.display()))?;
        let mut homes = vec![given];
        if let Some(real) = index.parent() {
            homes.push(real.to_path_buf());
        }
        Ok(LayoutDir { root: root.to_path_buf(), homes, follow_external })
    }
}

impl Blobs for LayoutDir {
    fn open(&self, hex: &str) -> Result<(Box<dyn Read + Send + '_>, u64)> {
        let path = self.root.join("blobs/sha256").join(hex);
        let real = path.canonicalize().with_context(|| format!("{}: missing blob", path.display()))?;
        if !self.follow_external && !self.homes.iter().any(|home| real.starts_with(home)) {
            bail!("{}: symlink leaves the layout (to {}); refused", path.display(), real.display());
        }
        let meta = std::fs::metadata(&real)?;
        if !meta.is_file() {
            bail!("{}: not a regular file", path.display());
        }
        Ok((Box::new(File::open(&real)?), meta.len()))
    }

    fn describe(&self) -> String {
        self.root.display().to_string()
    }
}

/// An archive's regular files by name, read in place by offset: nothing is extracted.
struct TarIndex {
    path: PathBuf,
    /// The one descriptor every member is read through: the file checked to be regular is the
    /// file read, even if the path is replaced meanwhile.
    file: File,
    entries: HashMap<String, (u64, u64)>,
}

/// What a file that is not a tar archive is, for the error that refuses it as IMAGE.
fn not_an_image(file: &File) -> String {
    let mut head = [0u8; 4];
    let got = std::os::unix::fs::FileExt::read_at(file, &mut head, 0).unwrap_or(0);
    let what = if crate::elf::is_elf(&head[..got]) { "an ELF file" } else { "not a tar archive" };
    format!("{what}, not an image: IMAGE is an OCI layout, an OCI or docker archive, or a root filesystem directory (for a single file, a directory holding it)")
}

impl TarIndex {
    fn new(path: &Path) -> Result<TarIndex> {
        let file = File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
        // The path was checked before opening; this is what was opened, which a rename in
        // between could have made something else.
        let meta = file.metadata().with_context(|| format!("{}: cannot read", path.display()))?;
        if !meta.is_file() {
            bail!("{}: replaced by {} while cning opened it", path.display(), kind(&meta));
        }
        let mut archive = tar::Archive::new(&file);
        let mut entries = HashMap::new();
        let iter = archive.entries_with_seek().with_context(|| format!("{}: not a tar archive", path.display()))?;
        let mut first = true;
        for entry in iter {
            let entry = match entry {
                // A regular file on a filesystem that refuses seeks (some FUSE ones) is as
                // unreadable as a pipe, not a corrupt archive.
                Err(e) if e.kind() == io::ErrorKind::NotSeekable => return Err(unseekable(path, "its filesystem refuses seeks")),
                // Nothing parsed yet: the file is something else, which says more than tar's
                // complaint about its first 512 bytes.
                Err(_) if first => bail!("{}: {}", path.display(), not_an_image(&file)),
                entry => entry.with_context(|| format!("{}: corrupt tar archive", path.display()))?,
            };
            first = false;
            if entries.len() >= MAX_ARCHIVE_ENTRIES {
                bail!("{}: more than {MAX_ARCHIVE_ENTRIES} entries; capped, refusing the archive", path.display());
            }
            if !matches!(entry.header().entry_type(), tar::EntryType::Regular | tar::EntryType::Continuous) {
                continue;
            }
            if let Ok((name, _)) = tree::normalize_entry_name(&entry.path_bytes()) {
                entries.insert(name[1..].to_string(), (entry.raw_file_position(), entry.size()));
            }
        }
        if entries.is_empty() {
            bail!("{}: not a tar archive with files in it", path.display());
        }
        Ok(TarIndex { path: path.to_path_buf(), file, entries })
    }

    fn open_named(&self, name: &str) -> Result<(Box<dyn Read + Send + '_>, u64)> {
        let (offset, size) = *self.entries.get(name).ok_or_else(|| anyhow!("{}: no {name} in the archive", self.path.display()))?;
        Ok((Box::new(Member { file: &self.file, offset, left: size }), size))
    }

    fn read_named(&self, name: &str, cap: u64) -> Result<Vec<u8>> {
        let (mut reader, size) = self.open_named(name)?;
        if size > cap {
            bail!("{}: {name} is {size} bytes, over the {cap} byte cap", self.path.display());
        }
        let mut bytes = Vec::new();
        reader.read_to_end(&mut bytes)?;
        if bytes.len() as u64 != size {
            bail!("{}: {name} is truncated", self.path.display());
        }
        Ok(bytes)
    }
}

/// One member of an archive, read by position (`pread`): readers of several members share the
/// descriptor without sharing a file offset.
struct Member<'a> {
    file: &'a File,
    offset: u64,
    left: u64,
}

impl Read for Member<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let want = buf.len().min(usize::try_from(self.left).unwrap_or(usize::MAX));
        let n = self.file.read_at(&mut buf[..want], self.offset)?;
        self.offset += n as u64;
        self.left -= n as u64;
        Ok(n)
    }
}

impl Blobs for TarIndex {
    fn open(&self, hex: &str) -> Result<(Box<dyn Read + Send + '_>, u64)> {
        self.open_named(&format!("blobs/sha256/{hex}"))
    }

    fn describe(&self) -> String {
        self.path.display().to_string()
    }
}

// ---------------------------------------------------------------------------------------------
// OCI

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Index {
    #[serde(default)]
    manifests: Vec<Descriptor>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Manifest {
    config: Descriptor,
    #[serde(default)]
    layers: Vec<Descriptor>,
}

#[derive(Debug, Deserialize)]
struct ImageConfig {
    #[serde(default)]
    os: String,
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    variant: Option<String>,
    #[serde(default)]
    config: Option<Runtime>,
}

fn is_index(media_type: &str) -> bool {
    media_type.ends_with("image.index.v1+json") || media_type.ends_with("manifest.list.v2+json")
}

fn parse_json<T: for<'de> Deserialize<'de>>(bytes: &[u8], what: &str) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| anyhow!("{what}: invalid JSON: {e}"))
}

fn plan_oci(blobs: &dyn Blobs, index_json: &[u8], input: &Path, opts: &Options) -> Result<Vec<Plan>> {
    let index: Index = parse_json(index_json, &format!("{}: index.json", input.display()))?;
    let mut manifests = Vec::new();
    collect_manifests(blobs, &index.manifests, 0, &mut manifests)?;
    if manifests.is_empty() {
        bail!("{}: the index lists no image manifest", input.display());
    }
    let mut plans = Vec::new();
    for (desc, manifest) in manifests {
        let config_bytes = read_json_blob(blobs, &manifest.config)?;
        let config: ImageConfig = parse_json(&config_bytes, &format!("config {}", manifest.config.digest))?;
        let platform = match (&desc.platform, config.architecture.is_empty()) {
            (Some(p), _) => Platform { os: p.os.clone(), architecture: p.architecture.clone(), variant: p.variant.clone() },
            (None, false) => Platform { os: config.os.clone(), architecture: config.architecture.clone(), variant: config.variant.clone() },
            (None, true) => bail!("{}: manifest {} names no platform", input.display(), desc.digest),
        };
        if platform.os == "unknown" {
            continue; // attestation manifests in buildx indexes
        }
        if let Some(want) = &opts.platform {
            if want.os != platform.os || want.architecture != platform.architecture || (want.variant.is_some() && want.variant != platform.variant) {
                continue;
            }
        }
        let layers = manifest
            .layers
            .into_iter()
            .map(|d| LayerBlob { digest: d.digest.clone(), name: d.digest.clone(), context: format!("layer {}", d.digest), descriptor: Some(d) })
            .collect();
        plans.push(Plan { label: platform.to_string(), platform: Some(platform), runtime: config.config.unwrap_or_default(), layers });
    }
    if plans.is_empty() {
        let want = opts.platform.as_ref().map_or_else(String::new, |p| format!(" for {p}"));
        bail!("{}: no image manifest{want}", input.display());
    }
    Ok(plans)
}

fn collect_manifests(blobs: &dyn Blobs, descs: &[Descriptor], depth: usize, out: &mut Vec<(Descriptor, Manifest)>) -> Result<()> {
    if depth > MAX_INDEX_DEPTH {
        bail!("image indexes nested more than {MAX_INDEX_DEPTH} deep");
    }
    for desc in descs {
        let bytes = read_json_blob(blobs, desc)?;
        let what = format!("manifest {}", desc.digest);
        let probe: serde_json::Value = parse_json(&bytes, &what)?;
        if is_index(&desc.media_type) || probe.get("manifests").is_some() {
            let nested: Index = parse_json(&bytes, &what)?;
            collect_manifests(blobs, &nested.manifests, depth + 1, out)?;
        } else {
            out.push((desc.clone(), parse_json(&bytes, &what)?));
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// docker save

#[derive(Debug, Deserialize)]
#[serde(rename_all = "PascalCase")]
struct DockerManifest {
    config: String,
    layers: Vec<String>,
}

#[derive(Debug, Deserialize)]
struct DockerConfig {
    #[serde(default)]
    os: String,
    #[serde(default)]
    architecture: String,
    #[serde(default)]
    rootfs: Option<DockerRootfs>,
    #[serde(default)]
    config: Option<Runtime>,
}

#[derive(Debug, Deserialize)]
struct DockerRootfs {
    #[serde(default)]
    diff_ids: Vec<String>,
}

/// The digest a `docker save` member carries in its name (`blobs/sha256/<hex>`, `<hex>.json`).
fn digest_in_name(name: &str) -> Option<String> {
    let file = name.rsplit('/').next()?;
    let hex = file.strip_suffix(".json").unwrap_or(file);
    let digest = format!("sha256:{hex}");
    let well_formed = sha256_hex(&digest).is_ok();
    well_formed.then_some(digest)
}

fn plan_docker(archive: &TarIndex, input: &Path, opts: &Options) -> Result<Vec<Plan>> {
    let manifest_json = archive.read_named("manifest.json", MAX_JSON_BYTES)?;
    let manifests: Vec<DockerManifest> = parse_json(&manifest_json, &format!("{}: manifest.json", input.display()))?;
    let mut plans = Vec::new();
    for m in &manifests {
        let config_bytes = archive.read_named(&m.config, MAX_JSON_BYTES)?;
        if let Some(digest) = digest_in_name(&m.config) {
            let got = format!("sha256:{}", content::hex(&Sha256::digest(&config_bytes)));
            if got != digest {
                bail!("{}: {}: content does not match its digest ({got})", input.display(), m.config);
            }
        }
        let config: DockerConfig = parse_json(&config_bytes, &format!("{}: {}", input.display(), m.config))?;
        let platform = Platform { os: config.os.clone(), architecture: config.architecture.clone(), variant: None };
        if let Some(want) = &opts.platform {
            if want.os != platform.os || want.architecture != platform.architecture {
                continue;
            }
        }
        let diff_ids = config.rootfs.map(|r| r.diff_ids).unwrap_or_default();
        if diff_ids.len() != m.layers.len() {
            bail!("{}: {} lists {} layers, its config {} diff_ids", input.display(), m.config, m.layers.len(), diff_ids.len());
        }
        let layers = m
            .layers
            .iter()
            .zip(&diff_ids)
            .map(|(name, diff_id)| LayerBlob {
                // docker save writes uncompressed layers, whose digest is the diff_id.
                digest: digest_in_name(name).unwrap_or_else(|| diff_id.clone()),
                descriptor: None,
                name: name.clone(),
                context: format!("{}: layer {name}", input.display()),
            })
            .collect();
        plans.push(Plan { label: platform.to_string(), platform: Some(platform), runtime: config.config.unwrap_or_default(), layers });
    }
    if plans.is_empty() {
        bail!("{}: no image in manifest.json matches the requested platform", input.display());
    }
    Ok(plans)
}

// ---------------------------------------------------------------------------------------------
// Root filesystem directory

fn read_dir(root: &Path, opts: &Options, plan: &Plan) -> Result<ImageFs> {
    let walk = Walk { root, opts, entries: AtomicU64::new(1), found: Mutex::new(Vec::new()), error: Mutex::new(None) };
    rayon::scope(|scope| walk.dir(scope, root.to_path_buf()));
    if let Some(e) = walk.error.into_inner().unwrap_or_else(PoisonError::into_inner) {
        return Err(e);
    }
    let walked_entries = walk.entries.into_inner();
    let mut walked = walk.found.into_inner().unwrap_or_else(PoisonError::into_inner);
    // Workers finish in any order; sorted, the tree and its inode ids are the same every run.
    walked.sort_unstable_by(|a, b| a.path.cmp(&b.path));
    let mut entries = Vec::with_capacity(walked.len());
    let mut inodes: HashMap<(u64, u64), u64> = HashMap::new();
    let mut next_inode = 0;
    for Walked { path, entry, id } in walked {
        let inode = (entry.kind == Kind::File).then(|| {
            *inodes.entry(id).or_insert_with(|| {
                next_inode += 1;
                next_inode
            })
        });
        entries.push((path, Entry { inode, ..entry }));
    }
    let tree = Tree::from_sorted(entries);
    // A skeleton holds few of the entries walked; the walk counted them all.
    let entries = if opts.retain == Retain::All { tree.len() as u64 } else { walked_entries };
    Ok(ImageFs { label: plan.label.clone(), platform: plan.platform.clone(), tree, entries, retained: opts.retain, ..ImageFs::default() })
}

/// The entry a directory walk makes of what `lstat` says, `None` for a socket (which no image
/// holds: it is made by a running process).
pub(crate) fn entry_of(meta: &std::fs::Metadata, target: Option<String>, content: Option<Content>) -> Option<Entry> {
    let ft = meta.file_type();
    let kind = if ft.is_dir() {
        Kind::Dir
    } else if ft.is_symlink() {
        Kind::Symlink
    } else if ft.is_file() {
        Kind::File
    } else if ft.is_char_device() {
        Kind::CharDevice
    } else if ft.is_block_device() {
        Kind::BlockDevice
    } else if ft.is_fifo() {
        Kind::Fifo
    } else {
        return None;
    };
    Some(Entry { kind, mode: meta.mode() & 0o7777, uid: meta.uid().into(), gid: meta.gid().into(), size: meta.len(), target, content: content.map(Arc::new), inode: None })
}

/// A directory entry's path as the image sees it (`/` and the path below the root).
pub(crate) fn image_path(root: &Path, real: &Path) -> String {
    let rel = real.strip_prefix(root).unwrap_or(real);
    format!("/{}", tree::display_bytes(rel.as_os_str().as_encoded_bytes()))
}

/// A regular file's content facts, read in place; other entries have none.
pub(crate) fn facts_of(real: &Path, path: &str, meta: &std::fs::Metadata, opts: &Options) -> Result<Option<Content>> {
    if !meta.is_file() {
        return Ok(None);
    }
    let file = File::open(real).with_context(|| format!("{}: cannot open", real.display()))?;
    let facts = content::analyze_file(&file, path, meta.len(), meta.mode() & 0o7777, &opts.limits.analysis).with_context(|| format!("{}: cannot read", real.display()))?;
    Ok(Some(facts))
}

/// A symlink's target, as stored; `None` for anything else.
pub(crate) fn target_of(real: &Path, meta: &std::fs::Metadata) -> Result<Option<String>> {
    if !meta.file_type().is_symlink() {
        return Ok(None);
    }
    let t = std::fs::read_link(real).with_context(|| format!("{}: cannot read link", real.display()))?;
    Ok(Some(tree::display_bytes(t.as_os_str().as_encoded_bytes())))
}

/// One entry of a directory walk that the tree keeps.
struct Walked {
    path: String,
    entry: Entry,
    /// Device and inode, which hard links share.
    id: (u64, u64),
}

/// A directory walk spread over the thread pool: each directory is a task that lists and stats
/// its entries, inspects its files in parallel and spawns a task per subdirectory. Spawned
/// tasks do not nest on the stack, so a deep tree cannot overflow it.
struct Walk<'a> {
    root: &'a Path,
    opts: &'a Options,
    /// Entries found so far, the root included, against `max_entries`.
    entries: AtomicU64,
    found: Mutex<Vec<Walked>>,
    /// The first error; once set, no new directory is read.
    error: Mutex<Option<anyhow::Error>>,
}

impl<'a> Walk<'a> {
    fn dir<'s>(&'s self, scope: &rayon::Scope<'s>, dir: PathBuf)
    where
        'a: 's,
    {
        if self.error.lock().map_or(true, |e| e.is_some()) {
            return;
        }
        match self.read(&dir) {
            Ok(subdirs) => {
                for sub in subdirs {
                    scope.spawn(move |scope| self.dir(scope, sub));
                }
            }
            Err(e) => {
                let mut first = self.error.lock().unwrap_or_else(PoisonError::into_inner);
                first.get_or_insert(e);
            }
        }
    }

    /// Lists, stats and inspects the entries of `dir`; returns its subdirectories.
    fn read(&self, dir: &Path) -> Result<Vec<PathBuf>> {
        let cannot_walk = || format!("{}: cannot walk {}", self.root.display(), dir.display());
        let mut listed = std::fs::read_dir(dir).with_context(cannot_walk)?.collect::<io::Result<Vec<_>>>().with_context(cannot_walk)?;
        let max = self.opts.limits.max_entries;
        if self.entries.fetch_add(listed.len() as u64, Ordering::Relaxed) + listed.len() as u64 > max {
            bail!("{}: more than {max} entries; capped", self.root.display());
        }
        listed.sort_by_cached_key(std::fs::DirEntry::file_name);
        let walked = listed
            .into_par_iter()
            .map(|entry| {
                let real = entry.path();
                let meta = entry.metadata().with_context(|| format!("{}: cannot stat", real.display()))?;
                let path = image_path(self.root, &real);
                let content = facts_of(&real, &path, &meta, self.opts)?;
                let target = target_of(&real, &meta)?;
                let entry = entry_of(&meta, target, content);
                Ok((real, meta.is_dir(), entry.map(|entry| Walked { path, entry, id: (meta.dev(), meta.ino()) })))
            })
            .collect::<Result<Vec<(PathBuf, bool, Option<Walked>)>>>()?;
        let mut subdirs = Vec::new();
        let mut found = Vec::with_capacity(walked.len());
        for (real, is_dir, w) in walked {
            if is_dir {
                subdirs.push(real);
            }
            found.extend(w.filter(|w| self.opts.retain.keeps(&w.entry)));
        }
        self.found.lock().unwrap_or_else(PoisonError::into_inner).extend(found);
        Ok(subdirs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_parse() {
        assert_eq!("linux/arm64".parse::<Platform>().unwrap().architecture, "arm64");
        assert_eq!("linux/arm/v7".parse::<Platform>().unwrap().variant.as_deref(), Some("v7"));
        assert!("linux".parse::<Platform>().is_err());
        assert!("linux//".parse::<Platform>().is_err());
    }

    #[test]
    fn digests_are_checked_for_shape() {
        assert!(sha256_hex(&format!("sha256:{}", "a".repeat(64))).is_ok());
        assert!(sha256_hex(&format!("sha256:{}", "A".repeat(64))).is_err());
        assert!(sha256_hex("sha256:../../etc/passwd").is_err());
        assert!(sha256_hex("sha512:abc").is_err());
    }

    #[test]
    fn a_blob_longer_than_its_descriptor_fails() {
        let data = b"hello world";
        let mut v = Verified { inner: &data[..], hasher: Sha256::new(), read: 0, size: 5 };
        let mut buf = Vec::new();
        assert!(v.read_to_end(&mut buf).is_err());
    }
}
