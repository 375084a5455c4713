//! Small OCI images for tests: layers from in-memory entries, written as an image layout
//! directory, an OCI archive (a tar of the layout) or a `docker save` archive.

use serde_json::json;
use sha2::{Digest, Sha256};
use std::path::Path;

/// One entry of a test layer.
pub enum Item<'a> {
    File { path: &'a str, mode: u32, data: &'a [u8] },
    Dir { path: &'a str, mode: u32 },
    Symlink { path: &'a str, target: &'a str },
    HardLink { path: &'a str, target: &'a str },
}

/// An uncompressed layer tar of `items`, in order.
pub fn layer(items: &[Item]) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    for item in items {
        let mut h = tar::Header::new_gnu();
        h.set_mtime(0);
        let (path, data): (&str, &[u8]) = match item {
            Item::File { path, mode, data } => {
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(*mode);
                (path, data)
            }
            Item::Dir { path, mode } => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(*mode);
                (path, b"")
            }
            Item::Symlink { path, target } => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_mode(0o777);
                h.set_link_name(target).unwrap();
                (path, b"")
            }
            Item::HardLink { path, target } => {
                h.set_entry_type(tar::EntryType::Link);
                h.set_mode(0o755);
                h.set_link_name(target).unwrap();
                (path, b"")
            }
        };
        h.set_size(data.len() as u64);
        b.append_data(&mut h, path, data).unwrap();
    }
    b.into_inner().unwrap()
}

/// gzip of `bytes`.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    std::io::Write::write_all(&mut e, bytes).unwrap();
    e.finish().unwrap()
}

fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// An image in memory: blobs by hex digest, and the index.json text.
pub struct Image {
    pub blobs: Vec<(String, Vec<u8>)>,
    pub index: Vec<u8>,
    /// The digest of each layer blob, in order (so tests can corrupt one).
    pub layer_digests: Vec<String>,
    pub config: (String, Vec<u8>),
}

/// An uncompressed layer tar of the directory `dir`'s contents (symlinks kept as symlinks).
pub fn layer_of_dir(dir: &Path) -> Vec<u8> {
    let mut b = tar::Builder::new(Vec::new());
    b.follow_symlinks(false);
    b.mode(tar::HeaderMode::Deterministic);
    b.append_dir_all(".", dir).unwrap();
    b.into_inner().unwrap()
}

/// A single-platform image of gzip-compressed `layers` for `arch` (GOARCH names).
pub fn image(arch: &str, layers: &[Vec<u8>]) -> Image {
    image_with_config(arch, layers, json!({}))
}

/// The same with the image configuration's `config` object (`Env`, `WorkingDir`, ...).
pub fn image_with_config(arch: &str, layers: &[Vec<u8>], runtime: serde_json::Value) -> Image {
    let mut blobs = Vec::new();
    let mut descriptors = Vec::new();
    let mut diff_ids = Vec::new();
    let mut layer_digests = Vec::new();
    for l in layers {
        diff_ids.push(format!("sha256:{}", sha256(l)));
        let gz = gzip(l);
        let d = sha256(&gz);
        descriptors.push(json!({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": format!("sha256:{d}"), "size": gz.len()}));
        layer_digests.push(d.clone());
        blobs.push((d, gz));
    }
    let config = serde_json::to_vec(&json!({
        "architecture": arch, "os": "linux", "config": runtime,
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
    }))
    .unwrap();
    let config_digest = sha256(&config);
    blobs.push((config_digest.clone(), config.clone()));
    let manifest = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.manifest.v1+json",
        "config": {"mediaType": "application/vnd.oci.image.config.v1+json", "digest": format!("sha256:{config_digest}"), "size": config.len()},
        "layers": descriptors,
    }))
    .unwrap();
    let manifest_digest = sha256(&manifest);
    blobs.push((manifest_digest.clone(), manifest.clone()));
    let index = serde_json::to_vec(&json!({
        "schemaVersion": 2,
        "mediaType": "application/vnd.oci.image.index.v1+json",
        "manifests": [{
            "mediaType": "application/vnd.oci.image.manifest.v1+json",
            "digest": format!("sha256:{manifest_digest}"),
            "size": manifest.len(),
            "platform": {"os": "linux", "architecture": arch},
        }],
    }))
    .unwrap();
    Image { blobs, index, layer_digests, config: (config_digest, config) }
}

/// Appends a regular file to an outer archive.
fn append(b: &mut tar::Builder<std::fs::File>, name: &str, data: &[u8]) {
    let mut h = tar::Header::new_gnu();
    h.set_mode(0o644);
    h.set_size(data.len() as u64);
    b.append_data(&mut h, name, data).unwrap();
}

impl Image {
    /// Writes the image layout into the directory `dir`.
    pub fn write_layout(&self, dir: &Path) {
        std::fs::create_dir_all(dir.join("blobs/sha256")).unwrap();
        std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
        std::fs::write(dir.join("index.json"), &self.index).unwrap();
        for (d, b) in &self.blobs {
            std::fs::write(dir.join("blobs/sha256").join(d), b).unwrap();
        }
    }

    /// Writes the layout as an OCI archive (a tar) at `file`.
    pub fn write_oci_archive(&self, file: &Path) {
        let mut b = tar::Builder::new(std::fs::File::create(file).unwrap());
        let mut add = |name: &str, data: &[u8]| append(&mut b, name, data);
        add("oci-layout", br#"{"imageLayoutVersion":"1.0.0"}"#);
        add("index.json", &self.index);
        for (d, blob) in &self.blobs {
            add(&format!("blobs/sha256/{d}"), blob);
        }
        b.finish().unwrap();
    }

    /// Writes a `docker save` archive at `file`: uncompressed layers as `<n>/layer.tar`.
    pub fn write_docker_archive(&self, file: &Path, layers: &[Vec<u8>]) {
        let mut b = tar::Builder::new(std::fs::File::create(file).unwrap());
        let mut add = |name: &str, data: &[u8]| append(&mut b, name, data);
        let names: Vec<String> = (0..layers.len()).map(|i| format!("{i}/layer.tar")).collect();
        for (name, l) in names.iter().zip(layers) {
            add(name, l);
        }
        let config_name = format!("{}.json", self.config.0);
        add(&config_name, &self.config.1);
        let manifest = serde_json::to_vec(&json!([{"Config": config_name, "RepoTags": ["test:latest"], "Layers": names}])).unwrap();
        add("manifest.json", &manifest);
        b.finish().unwrap();
    }
}
