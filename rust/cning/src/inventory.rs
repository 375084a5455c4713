//! Every entry of an image, with path, type, mode, size, sha256 and ELF linkage, and the crates
//! each Rust binary lists in its `.dep-v0` section, as an SPDX 2.3 or CycloneDX 1.6 JSON document.
//! Output is deterministic for the same image (entries sorted, identifiers derived from content,
//! time from `SOURCE_DATE_EPOCH` when set).
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
use crate::linking::Linking;
use crate::packages::Packages;
use crate::report::timestamp;
use crate::source::ImageFs;
use crate::tree::{Entry, Kind};
use cleanstart_debian::status::Installed;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet, HashMap};

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

/// A stable identifier for `images`: the hash of every path and digest in them.
fn fingerprint(image: &str, images: &[ImageFs]) -> String {
    let mut h = Sha256::new();
    h.update(image.as_bytes());
    for fs in images {
        h.update(fs.label.as_bytes());
        for (path, entry) in fs.tree.iter() {
            h.update(path.as_bytes());
            h.update(sha256_of(entry).unwrap_or("").as_bytes());
            h.update(entry.target.as_deref().unwrap_or("").as_bytes());
        }
    }
    crate::content::hex(&h.finalize())
}

/// The inventory document of `images` (one per platform), named `image`.
pub fn document(format: Format, image: &str, images: &[ImageFs]) -> Value {
    match format {
        Format::Spdx => spdx(image, images),
        Format::Cyclonedx => cyclonedx(image, images),
    }
}

fn spdx(image: &str, images: &[ImageFs]) -> Value {
    let fp = fingerprint(image, images);
    let mut packages = Vec::new();
    let mut files = Vec::new();
    let mut relationships = Vec::new();
    let mut problems: Vec<String> = Vec::new();
    for (i, fs) in images.iter().enumerate() {
        let package_id = format!("SPDXRef-Image-{i}");
        packages.push(json!({
            "SPDXID": package_id,
            "name": format!("{image} ({})", fs.label),
            "downloadLocation": "NOASSERTION",
            "filesAnalyzed": false,
            "licenseConcluded": "NOASSERTION",
            "licenseDeclared": "NOASSERTION",
            "copyrightText": "NOASSERTION",
            "primaryPackagePurpose": "CONTAINER",
            "comment": format!("{} filesystem entries", fs.tree.len()),
        }));
        relationships.push(json!({"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": package_id}));
        let crates = image_crates(fs);
        let crate_id = |c: &Crate| format!("SPDXRef-Crate-{i}-{}", crates[c]);
        for c in crates.keys() {
            let mut package = json!({
                "SPDXID": crate_id(c),
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
            packages.push(package);
            relationships.push(json!({"spdxElementId": package_id, "relationshipType": "CONTAINS", "relatedSpdxElement": crate_id(c)}));
        }
        let debs = Packages::of(fs);
        let deb_id = |record: &str| format!("SPDXRef-Deb-{i}-{}", debs.list.iter().position(|p| p.record == record).unwrap_or(0));
        for deb in &debs.list {
            let id = deb_id(&deb.record);
            let mut package = json!({
                "SPDXID": id,
                "name": deb.installed.name,
                "versionInfo": deb.installed.version,
                "downloadLocation": "NOASSERTION",
                "filesAnalyzed": false,
                "licenseConcluded": "NOASSERTION",
                "licenseDeclared": "NOASSERTION",
                "copyrightText": "NOASSERTION",
                "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": debs.purl(deb)}],
                "comment": format!("Debian package ({}), recorded at {} with {} of its files", deb.installed.architecture, deb.record, deb.files.len()),
            });
            if let Some(source) = &deb.installed.source {
                package["sourceInfo"] = json!(format!("built from Debian source package {source}"));
            }
            packages.push(package);
            relationships.push(json!({"spdxElementId": package_id, "relationshipType": "CONTAINS", "relatedSpdxElement": id}));
        }
        for problem in &debs.problems {
            problems.push(format!("{}: {problem}", fs.label));
        }
        let links = Linking::of(fs, &[]).links(fs);
        let file_ids: HashMap<&str, String> = fs.tree.iter().filter(|(_, e)| e.kind == Kind::File).enumerate().map(|(n, (path, _))| (path.as_str(), format!("SPDXRef-File-{i}-{n}"))).collect();
        for (path, entry) in fs.tree.iter().filter(|(_, e)| e.kind == Kind::File) {
            let file_id = file_ids[path.as_str()].clone();
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
            if let Some(l) = links.get(path) {
                comment.push_str(&format!(" needs=[{}]", l.describe()));
                for target in l.files().collect::<BTreeSet<_>>() {
                    if let Some(target_id) = file_ids.get(target) {
                        relationships.push(json!({"spdxElementId": file_id, "relationshipType": "DYNAMIC_LINK", "relatedSpdxElement": target_id}));
                    }
                }
            }
            relationships.push(json!({"spdxElementId": package_id, "relationshipType": "CONTAINS", "relatedSpdxElement": file_id}));
            if let Some(deb) = debs.owner(path) {
                comment.push_str(&format!(" package={}@{}", deb.installed.name, deb.installed.version));
                relationships.push(json!({"spdxElementId": deb_id(&deb.record), "relationshipType": "CONTAINS", "relatedSpdxElement": file_id}));
            }
            for c in crates_of(entry) {
                relationships.push(json!({"spdxElementId": file_id, "relationshipType": "GENERATED_FROM", "relatedSpdxElement": crate_id(c)}));
            }
            files.push(json!({
                "SPDXID": file_id,
                "fileName": format!(".{path}"),
                "checksums": checksums,
                "fileTypes": [file_type],
                "licenseConcluded": "NOASSERTION",
                "copyrightText": "NOASSERTION",
                "comment": comment,
            }));
        }
    }
    let mut creation = json!({"created": timestamp(), "creators": [format!("Tool: cning-{}", env!("CARGO_PKG_VERSION"))]});
    if !problems.is_empty() {
        creation["comment"] = json!(format!("package records that do not hold: {}", problems.join("; ")));
    }
    json!({
        "spdxVersion": "SPDX-2.3",
        "dataLicense": "CC0-1.0",
        "SPDXID": "SPDXRef-DOCUMENT",
        "name": image,
        "documentNamespace": format!("https://spdx.org/spdxdocs/cning-{fp}"),
        "creationInfo": creation,
        "packages": packages,
        "files": files,
        "relationships": relationships,
    })
}

fn cyclonedx(image: &str, images: &[ImageFs]) -> Value {
    let fp = fingerprint(image, images);
    // A version-4-shaped UUID made from the fingerprint, so the same image gives the same serial.
    let serial = format!("urn:uuid:{}-{}-4{}-8{}-{}", &fp[0..8], &fp[8..12], &fp[13..16], &fp[17..20], &fp[20..32]);
    let mut components = Vec::new();
    let mut dependencies = Vec::new();
    let mut problems: Vec<Value> = Vec::new();
    for fs in images {
        let crate_ref = |c: &Crate| format!("{}:crate:{}@{}:{}", fs.label, c.name, c.version, c.source);
        for c in image_crates(fs).keys() {
            let mut component = json!({
                "type": "library",
                "bom-ref": crate_ref(c),
                "name": c.name,
                "version": c.version,
                "properties": [
                    {"name": "cning:platform", "value": fs.label},
                    {"name": "cning:crate-source", "value": c.source},
                ],
            });
            if let Some(purl) = c.purl() {
                component["purl"] = json!(purl);
            }
            components.push(component);
        }
        let debs = Packages::of(fs);
        let deb_ref = |d: &Installed| format!("{}:deb:{}@{}", fs.label, d.name, d.version);
        for deb in &debs.list {
            let mut properties = vec![
                json!({"name": "cning:platform", "value": fs.label}),
                json!({"name": "cning:debian-record", "value": deb.record}),
            ];
            if let Some(source) = &deb.installed.source {
                properties.push(json!({"name": "cning:debian-source", "value": source}));
            }
            components.push(json!({
                "type": "library",
                "bom-ref": deb_ref(&deb.installed),
                "name": deb.installed.name,
                "version": deb.installed.version,
                "purl": debs.purl(deb),
                "properties": properties,
            }));
        }
        for problem in &debs.problems {
            problems.push(json!({"name": "cning:package-record-problem", "value": format!("{}: {problem}", fs.label)}));
        }
        let links = Linking::of(fs, &[]).links(fs);
        for (path, entry) in fs.tree.iter() {
            if path == "/" {
                continue;
            }
            let mut properties = vec![
                json!({"name": "cning:platform", "value": fs.label}),
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
            if let Some(deb) = debs.owner(path) {
                properties.push(json!({"name": "cning:package", "value": deb_ref(&deb.installed)}));
            }
            let mut on: Vec<String> = crates_of(entry).iter().map(crate_ref).collect();
            if let Some(l) = links.get(path) {
                properties.push(json!({"name": "cning:needs", "value": l.describe()}));
                on.extend(l.files().collect::<BTreeSet<_>>().into_iter().map(|f| format!("{}:{f}", fs.label)));
            }
            if !on.is_empty() {
                dependencies.push(json!({"ref": format!("{}:{path}", fs.label), "dependsOn": on}));
            }
            let mut component = json!({
                "type": "file",
                "bom-ref": format!("{}:{path}", fs.label),
                "name": path,
                "properties": properties,
            });
            if let Some(sha256) = sha256_of(entry) {
                component["hashes"] = json!([{"alg": "SHA-256", "content": sha256}]);
            }
            components.push(component);
        }
    }
    let mut metadata = json!({
        "timestamp": timestamp(),
        "tools": {"components": [{"type": "application", "name": "cning", "version": env!("CARGO_PKG_VERSION")}]},
        "component": {"type": "container", "bom-ref": "image", "name": image},
    });
    if !problems.is_empty() {
        metadata["properties"] = json!(problems);
    }
    json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "serialNumber": serial,
        "version": 1,
        "metadata": metadata,
        "components": components,
        "dependencies": dependencies,
    })
}
