//! Every entry of an image, with path, type, mode, size, sha256 and ELF linkage, and the crates
//! each Rust binary lists in its `.dep-v0` section, as an SPDX 2.3 or CycloneDX 1.6 JSON document.
//! Output is deterministic for the same image (entries in walk order, identifiers derived from
//! content, time from `SOURCE_DATE_EPOCH` when set).
//!
//! The document is written while the image is read, in bounded memory ([`Streamed`]): first a
//! skeleton of the image (its symlinks, ELF files, loader configuration and package records:
//! what linking and packages are computed from), then its entries streamed ([`crate::stream`]),
//! hashed and written one at a time, and streamed again, unread, for the SPDX relationships.
//! What memory holds grows with the image's ELF files, symlinks and package records, not with
//! its other files. Fields computed from every file (the SPDX namespace and CycloneDX serial
//! number, records that list files the image lacks) come last in the document.
//!
//! Each dynamically linked ELF file records what it needs and the file each need resolved to in
//! the image, searched as its loader searches ([`crate::linking`]): in the file's comment
//! (`needs=[...]`) and as `DYNAMIC_LINK` relationships (SPDX), as a `cning:needs` property and
//! `dependencies` (CycloneDX).
//!
//! Debian packages the image records (`/var/lib/dpkg/status.d`, [`crate::packages`]) become
//! packages (SPDX) or library components (CycloneDX) with `pkg:deb` purls, and each file their
//! md5sums list is tied to its package (SPDX `CONTAINS`, CycloneDX `cning:package`).
//!
//! Crates become packages (SPDX) or library components (CycloneDX), one per platform for each
//! name, version and source, with a `pkg:cargo` purl for crates.io ones; each binary is tied to
//! its crates (SPDX `GENERATED_FROM`, CycloneDX `dependencies`), so a scanner that matches purls
//! against advisories finds the binaries a vulnerable crate went into.

use crate::crates::Crate;
use crate::elf::ElfInfo;
use crate::linking::{Linking, Links};
use crate::packages::Packages;
use crate::layers::Retain;
use crate::report::timestamp;
use crate::source::{ImageFs, Opened, Options};
use crate::tree::{Entry, Kind};
use anyhow::Result;
use cleanstart_debian::status::Installed;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashSet};
use std::io::{self, Write};

/// Inventory formats.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Spdx,
    Cyclonedx,
}

/// How an entry is linked, for people and SBOM consumers.
pub fn linkage(entry: &Entry) -> &'static str {
    match entry.content.as_ref().and_then(|c| c.elf.as_ref()) {
        None => "not-elf",
        Some(Err(_)) => "invalid-elf",
        Some(Ok(info)) => elf_linkage(info),
    }
}

fn elf_linkage(info: &ElfInfo) -> &'static str {
    if !info.is_static() {
        "dynamic"
    } else if info.is_shared_library() {
        "shared-library"
    } else {
        "static"
    }
}

fn sha256_of(entry: &Entry) -> Option<&str> {
    entry.content.as_ref().and_then(|c| c.sha256.as_deref())
}

/// The crate list of a file, if it has a readable one.
fn crates_of(entry: &Entry) -> &[Crate] {
    match entry.content.as_ref().and_then(|c| c.crates.as_ref()) {
        Some(Ok(crates)) => crates,
        _ => &[],
    }
}

/// How a file's crate list reads, for the entry's comment or properties: `None` when it has none.
fn crates_note(entry: &Entry) -> Option<String> {
    match entry.content.as_ref().and_then(|c| c.crates.as_ref())? {
        Ok(crates) => Some(crates.len().to_string()),
        Err(e) => Some(format!("unreadable ({e})")),
    }
}

/// Every crate of an image's binaries, once, in order, with its index.
fn image_crates(fs: &ImageFs) -> BTreeMap<&Crate, usize> {
    let all: BTreeSet<&Crate> = fs.tree.iter().flat_map(|(_, e)| crates_of(e)).collect();
    all.into_iter().enumerate().map(|(n, c)| (c, n)).collect()
}

/// An image as an inventory reads it: one tree per platform (every entry, or a skeleton), and
/// every entry of a platform handed over in order, as often as the document needs.
pub trait Source {
    fn trees(&self) -> &[ImageFs];
    /// Hands each entry of platform `i` to `each`; regular files carry their hashes and facts
    /// when `contents`, and may carry none otherwise.
    fn entries(&self, i: usize, contents: bool, each: &mut dyn FnMut(&str, &Entry) -> Result<()>) -> Result<()>;
}

/// Images read whole: their trees hold every entry, with its facts.
impl Source for [ImageFs] {
    fn trees(&self) -> &[ImageFs] {
        self
    }

    fn entries(&self, i: usize, _contents: bool, each: &mut dyn FnMut(&str, &Entry) -> Result<()>) -> Result<()> {
        self[i].tree.iter().try_for_each(|(path, entry)| each(path, entry))
    }
}

/// An input read as a skeleton, its entries streamed from it again for each pass.
pub struct Streamed<'a> {
    opened: &'a Opened,
    opts: Options,
    skeletons: Vec<ImageFs>,
}

impl<'a> Streamed<'a> {
    /// Reads the skeleton of every image of `opened`; `opts` says how files are read when streamed.
    pub fn read(opened: &'a Opened, opts: &Options) -> Result<Streamed<'a>> {
        // The skeleton needs ELF facts and crate lists, never hashes.
        let analysis = crate::content::Analysis { hash_all: false, hash_executables: false, crates: true, ..opts.limits.analysis };
        let skeleton = Options { retain: Retain::Skeleton, limits: crate::layers::Limits { analysis, ..opts.limits }, ..opts.clone() };
        let skeletons = (0..opened.len()).map(|i| opened.read(i, &skeleton)).collect::<Result<Vec<_>>>()?;
        Ok(Streamed { opened, opts: Options { retain: Retain::All, ..opts.clone() }, skeletons })
    }
}

impl Source for Streamed<'_> {
    fn trees(&self) -> &[ImageFs] {
        &self.skeletons
    }

    fn entries(&self, i: usize, contents: bool, each: &mut dyn FnMut(&str, &Entry) -> Result<()>) -> Result<()> {
        self.opened.stream(i, &self.opts, contents, &self.skeletons[i].link_targets, each)
    }
}

/// What an inventory says about one platform's image beyond its entries, computed from its tree
/// before the entries are written: its crates, its Debian packages, and where each ELF file's
/// needs resolve. Each grows with the binaries, packages and ELF files of the image, not with its
/// files.
struct Facts<'a> {
    fs: &'a ImageFs,
    crates: BTreeMap<&'a Crate, usize>,
    debs: Packages,
    links: BTreeMap<String, Links>,
    /// Entries the stream handed over, and the root.
    entries: u64,
}

impl<'a> Facts<'a> {
    fn of(fs: &'a ImageFs) -> Facts<'a> {
        Facts { fs, crates: image_crates(fs), debs: Packages::of(fs), links: Linking::of(fs, &[]).links(fs), entries: 0 }
    }
}

/// A JSON object written a field and an array element at a time: the document is never held
/// whole, so memory does not grow with it. Elements are compact, one per line.
struct Stream<'w> {
    out: &'w mut dyn Write,
    fields: usize,
    elements: usize,
}

impl<'w> Stream<'w> {
    /// Opens the object with the fields of `header`.
    fn open(out: &'w mut dyn Write, header: &Value) -> io::Result<Stream<'w>> {
        out.write_all(b"{")?;
        let mut stream = Stream { out, fields: 0, elements: 0 };
        for (name, value) in header.as_object().into_iter().flatten() {
            stream.field(name, value)?;
        }
        Ok(stream)
    }

    fn key(&mut self, name: &str) -> io::Result<()> {
        let sep = if self.fields == 0 { "\n  " } else { ",\n  " };
        self.fields += 1;
        write!(self.out, "{sep}{}: ", Value::from(name))
    }

    fn field(&mut self, name: &str, value: &Value) -> io::Result<()> {
        self.key(name)?;
        serde_json::to_writer(&mut *self.out, value).map_err(io::Error::from)
    }

    fn begin(&mut self, name: &str) -> io::Result<()> {
        self.key(name)?;
        self.elements = 0;
        self.out.write_all(b"[")
    }

    fn element(&mut self, value: &Value) -> io::Result<()> {
        self.out.write_all(if self.elements == 0 { b"\n    " } else { b",\n    " })?;
        self.elements += 1;
        serde_json::to_writer(&mut *self.out, value).map_err(io::Error::from)
    }

    fn end(&mut self) -> io::Result<()> {
        self.out.write_all(if self.elements == 0 { b"]" } else { b"\n  ]" })
    }

    fn close(self) -> io::Result<()> {
        self.out.write_all(b"\n}\n")
    }
}

/// The document's identity, from the image's name and every entry's path, digest and target, in
/// the order the stream hands them over.
struct Fingerprint(Sha256);

impl Fingerprint {
    fn new(image: &str) -> Fingerprint {
        Fingerprint(Sha256::new_with_prefix(image.as_bytes()))
    }

    fn platform(&mut self, label: &str) {
        self.0.update(label.as_bytes());
    }

    fn entry(&mut self, path: &str, entry: &Entry) {
        self.0.update(path.as_bytes());
        self.0.update(sha256_of(entry).unwrap_or("").as_bytes());
        self.0.update(entry.target.as_deref().unwrap_or("").as_bytes());
    }

    fn hex(self) -> String {
        crate::content::hex(&self.0.finalize())
    }
}

/// Writes the inventory document of `source` (one image per platform), named `image`, to `out`
/// while it reads the image: one element at a time, never the whole document in memory.
pub fn write<S: Source + ?Sized>(format: Format, image: &str, source: &S, out: &mut dyn Write) -> Result<()> {
    let mut facts: Vec<Facts> = source.trees().iter().map(Facts::of).collect();
    match format {
        Format::Spdx => spdx(image, source, &mut facts, out),
        Format::Cyclonedx => cyclonedx(image, source, &mut facts, out),
    }
}

/// Streams every entry of each platform with its facts, keeping what later parts of the document
/// need: the entry count, the files the package records list, the fingerprint.
fn stream_entries<S: Source + ?Sized>(source: &S, facts: &mut [Facts], fp: &mut Fingerprint, each: &mut dyn FnMut(usize, &Facts, &str, &Entry) -> Result<()>) -> Result<()> {
    for (i, f) in facts.iter_mut().enumerate() {
        fp.platform(&f.fs.label);
        let mut held = HashSet::new();
        let mut entries = 0;
        source.entries(i, true, &mut |path, entry| {
            entries += u64::from(path != "/");
            fp.entry(path, entry);
            if entry.kind == Kind::File && f.debs.lists(path) {
                held.insert(path.to_string());
            }
            each(i, f, path, entry)
        })?;
        // The root is an entry of every image, listed by a directory's walk, seldom by layers.
        f.entries = entries + 1;
        // From a whole tree every listed file was confirmed already, and the stream holds them all.
        f.debs.confirm(&held);
    }
    Ok(())
}

/// A file's SPDX identifier, from its path: the same in every pass without a table of all files.
fn file_id(i: usize, path: &str) -> String {
    let digest = Sha256::digest(path.as_bytes());
    format!("SPDXRef-File-{i}-{}", &crate::content::hex(&digest)[..24])
}

fn spdx<S: Source + ?Sized>(image: &str, source: &S, facts: &mut [Facts], out: &mut dyn Write) -> Result<()> {
    let header = json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": image,
    });
    let mut doc = Stream::open(out, &header)?;
    let image_id = |i: usize| format!("SPDXRef-Image-{i}");
    let crate_id = |i: usize, n: usize| format!("SPDXRef-Crate-{i}-{n}");
    let deb_id = |i: usize, n: usize| format!("SPDXRef-Deb-{i}-{n}");
    let mut fp = Fingerprint::new(image);

    doc.begin("files")?;
    stream_entries(source, facts, &mut fp, &mut |i, f, path, entry| {
        if entry.kind != Kind::File {
            return Ok(());
        }
        let content = entry.content.as_deref();
        let mut checksums = Vec::new();
        if let Some(sha1) = content.and_then(|c| c.sha1.as_deref()) {
            checksums.push(json!({"algorithm": "SHA1", "checksumValue": sha1}));
        }
        if let Some(sha256) = sha256_of(entry) {
            checksums.push(json!({"algorithm": "SHA256", "checksumValue": sha256}));
        }
        let file_type = match linkage(entry) {
            "not-elf" if content.is_some_and(|c| c.shebang.is_some()) => "SOURCE",
            "not-elf" => "OTHER",
            _ => "BINARY",
        };
        let mut comment = format!("type=file mode={:04o} size={} uid={} gid={} linkage={}", entry.mode, entry.size, entry.uid, entry.gid, linkage(entry));
        if let Some(note) = crates_note(entry) {
            comment.push_str(&format!(" crates={note}"));
        }
        if let Some(l) = f.links.get(path) {
            comment.push_str(&format!(" needs=[{}]", l.describe()));
        }
        if let Some((_, deb)) = f.debs.owner(path) {
            comment.push_str(&format!(" package={}@{}", deb.installed.name, deb.installed.version));
        }
        Ok(doc.element(&json!({
            "SPDXID": file_id(i, path),
            "fileName": format!(".{path}"),
            "checksums": checksums,
            "fileTypes": [file_type],
            "licenseConcluded": "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "comment": comment,
        }))?)
    })?;
    doc.end()?;

    doc.begin("relationships")?;
    let rel = |from: &str, kind: &str, to: &str| json!({"spdxElementId": from, "relationshipType": kind, "relatedSpdxElement": to});
    for (i, f) in facts.iter().enumerate() {
        doc.element(&rel("SPDXRef-DOCUMENT", "DESCRIBES", &image_id(i)))?;
        for &n in f.crates.values() {
            doc.element(&rel(&image_id(i), "CONTAINS", &crate_id(i, n)))?;
        }
        for n in 0..f.debs.list.len() {
            doc.element(&rel(&image_id(i), "CONTAINS", &deb_id(i, n)))?;
        }
        // The tree has each ELF file's facts; the stream, unread, has every file's path.
        source.entries(i, false, &mut |path, entry| {
            if entry.kind != Kind::File {
                return Ok(());
            }
            let id = file_id(i, path);
            if let Some(l) = f.links.get(path) {
                for target in l.files().collect::<BTreeSet<_>>() {
                    if f.fs.tree.get(target).is_some_and(|e| e.kind == Kind::File) {
                        doc.element(&rel(&id, "DYNAMIC_LINK", &file_id(i, target)))?;
                    }
                }
            }
            doc.element(&rel(&image_id(i), "CONTAINS", &id))?;
            if let Some((n, _)) = f.debs.owner(path) {
                doc.element(&rel(&deb_id(i, n), "CONTAINS", &id))?;
            }
            for c in f.fs.tree.get(path).map(crates_of).unwrap_or_default() {
                doc.element(&rel(&id, "GENERATED_FROM", &crate_id(i, f.crates[c])))?;
            }
            Ok(())
        })?;
    }
    doc.end()?;

    doc.begin("packages")?;
    for (i, f) in facts.iter().enumerate() {
        doc.element(&json!({
            "SPDXID": image_id(i),
            "name": format!("{image} ({})", f.fs.label),
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": "CONTAINER",
            "comment": format!("{} filesystem entries", f.entries),
        }))?;
        for (c, &n) in &f.crates {
            let mut package = json!({
                "SPDXID": crate_id(i, n),
                "name": c.name,
                "versionInfo": c.version,
                "downloadLocation": "NOASSERTION",
                "filesAnalyzed": false,
                "licenseConcluded": "NOASSERTION",
                "licenseDeclared": "NOASSERTION",
                "copyrightText": "NOASSERTION",
                "primaryPackagePurpose": "LIBRARY",
                "comment": format!("Rust crate ({}), from the .dep-v0 sections of the image's binaries", c.source),
            });
            if let Some(purl) = c.purl() {
                package["externalRefs"] = json!([{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": purl}]);
            }
            doc.element(&package)?;
        }
        for (n, deb) in f.debs.list.iter().enumerate() {
            let mut package = json!({
                "SPDXID": deb_id(i, n),
                "name": deb.installed.name,
                "versionInfo": deb.installed.version,
                "downloadLocation": "NOASSERTION",
                "filesAnalyzed": false,
                "licenseConcluded": "NOASSERTION",
                "licenseDeclared": "NOASSERTION",
                "copyrightText": "NOASSERTION",
                "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": f.debs.purl(deb)}],
                "comment": format!("Debian package ({}), recorded at {} with {} of its files", deb.installed.architecture, deb.record, deb.files.len()),
            });
            if let Some(source) = &deb.installed.source {
                package["sourceInfo"] = json!(format!("built from Debian source package {source}"));
            }
            doc.element(&package)?;
        }
    }
    doc.end()?;

    let mut creation = json!({"created": timestamp(), "creators": [format!("Tool: cning-{}", env!("CARGO_PKG_VERSION"))]});
    let problems: Vec<String> = facts.iter().flat_map(|f| f.debs.problems.iter().map(|p| format!("{}: {p}", f.fs.label))).collect();
    if !problems.is_empty() {
        creation["comment"] = json!(format!("package records that do not hold: {}", problems.join("; ")));
    }
    doc.field("creationInfo", &creation)?;
    doc.field("documentNamespace", &json!(format!("https://spdx.org/spdxdocs/cning-{}", fp.hex())))?;
    Ok(doc.close()?)
}

fn cyclonedx<S: Source + ?Sized>(image: &str, source: &S, facts: &mut [Facts], out: &mut dyn Write) -> Result<()> {
    let metadata = json!({
        "timestamp": timestamp(),
        "tools": {"components": [{"type": "application", "name": "cning", "version": env!("CARGO_PKG_VERSION")}]},
        "component": {"type": "container", "bom-ref": "image", "name": image},
    });
    let header = json!({"bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1, "metadata": metadata});
    let mut doc = Stream::open(out, &header)?;
    let crate_ref = |f: &Facts, c: &Crate| format!("{}:crate:{}@{}:{}", f.fs.label, c.name, c.version, c.source);
    let deb_ref = |f: &Facts, d: &Installed| format!("{}:deb:{}@{}", f.fs.label, d.name, d.version);
    let mut fp = Fingerprint::new(image);

    doc.begin("components")?;
    stream_entries(source, facts, &mut fp, &mut |_, f, path, entry| {
        if path == "/" {
            return Ok(());
        }
        let mut properties = vec![
            json!({"name": "cning:platform", "value": f.fs.label}),
            json!({"name": "cning:type", "value": entry.kind.name()}),
            json!({"name": "cning:mode", "value": format!("{:04o}", entry.mode)}),
            json!({"name": "cning:size", "value": entry.size.to_string()}),
            json!({"name": "cning:owner", "value": format!("{}:{}", entry.uid, entry.gid)}),
        ];
        if entry.kind == Kind::File {
            properties.push(json!({"name": "cning:linkage", "value": linkage(entry)}));
        }
        if let Some(target) = &entry.target {
            properties.push(json!({"name": "cning:symlink-target", "value": target}));
        }
        if let Some(note) = crates_note(entry) {
            properties.push(json!({"name": "cning:crates", "value": note}));
        }
        if let Some((_, deb)) = f.debs.owner(path) {
            properties.push(json!({"name": "cning:package", "value": deb_ref(f, &deb.installed)}));
        }
        if let Some(l) = f.links.get(path) {
            properties.push(json!({"name": "cning:needs", "value": l.describe()}));
        }
        let mut component = json!({
            "type": "file",
            "bom-ref": format!("{}:{path}", f.fs.label),
            "name": path,
            "properties": properties,
        });
        if let Some(sha256) = sha256_of(entry) {
            component["hashes"] = json!([{"alg": "SHA-256", "content": sha256}]);
        }
        Ok(doc.element(&component)?)
    })?;
    for f in facts.iter() {
        for c in f.crates.keys() {
            let mut component = json!({
                "type": "library",
                "bom-ref": crate_ref(f, c),
                "name": c.name,
                "version": c.version,
                "properties": [
                    {"name": "cning:platform", "value": f.fs.label},
                    {"name": "cning:crate-source", "value": c.source},
                ],
            });
            if let Some(purl) = c.purl() {
                component["purl"] = json!(purl);
            }
            doc.element(&component)?;
        }
        for deb in &f.debs.list {
            let mut properties = vec![json!({"name": "cning:platform", "value": f.fs.label}), json!({"name": "cning:debian-record", "value": deb.record})];
            if let Some(source) = &deb.installed.source {
                properties.push(json!({"name": "cning:debian-source", "value": source}));
            }
            doc.element(&json!({
                "type": "library",
                "bom-ref": deb_ref(f, &deb.installed),
                "name": deb.installed.name,
                "version": deb.installed.version,
                "purl": f.debs.purl(deb),
                "properties": properties,
            }))?;
        }
    }
    doc.end()?;

    // Only ELF files depend on anything, and the tree holds every one of them.
    doc.begin("dependencies")?;
    for f in facts.iter() {
        for (path, entry) in f.fs.tree.iter().filter(|(p, e)| p.as_str() != "/" && e.kind == Kind::File) {
            let mut on: Vec<String> = crates_of(entry).iter().map(|c| crate_ref(f, c)).collect();
            if let Some(l) = f.links.get(path) {
                on.extend(l.files().collect::<BTreeSet<_>>().into_iter().map(|t| format!("{}:{t}", f.fs.label)));
            }
            if !on.is_empty() {
                doc.element(&json!({"ref": format!("{}:{path}", f.fs.label), "dependsOn": on}))?;
            }
        }
    }
    doc.end()?;

    let problems: Vec<Value> = facts
        .iter()
        .flat_map(|f| f.debs.problems.iter().map(|p| json!({"name": "cning:package-record-problem", "value": format!("{}: {p}", f.fs.label)})))
        .collect();
    if !problems.is_empty() {
        doc.field("properties", &json!(problems))?;
    }
    let fp = fp.hex();
    // A version-4-shaped UUID made from the fingerprint, so the same image gives the same serial.
    let serial = format!("urn:uuid:{}-{}-4{}-8{}-{}", &fp[0..8], &fp[8..12], &fp[13..16], &fp[17..20], &fp[20..32]);
    doc.field("serialNumber", &json!(serial))?;
    Ok(doc.close()?)
}
