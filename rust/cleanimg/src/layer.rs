//! The layers: each a tar of its declared entries, sorted by path, with parent directories added,
//! every time set to the spec's mtime and no user or group names, then compressed with fixed
//! settings. Same inputs, same bytes: a layer depends on its own entries only, so two images
//! that share a layer's entries share its blob.

use crate::spec::{Compression, EntrySpec, Spec};
use anyhow::{Context, Result};
use std::collections::BTreeMap;
use std::io::Write;

/// The uncompressed layer tar (its sha256 is the config's diff_id) and the compressed blob.
pub struct Layer {
    pub tar: Vec<u8>,
    pub blob: Vec<u8>,
    pub media_type: &'static str,
}

/// Builds the layers of `spec`, the first layer's first.
pub fn build(spec: &Spec) -> Result<Vec<Layer>> {
    // A parent directory a layer does not declare is written as the layer that declares it has
    // it (a directory is declared once: Spec::load refuses more), 0755 root when none does, so
    // an upper layer never changes a lower directory.
    let declared: BTreeMap<&str, &EntrySpec> =
        spec.layer_entries().flatten().filter(|e| matches!(e, EntrySpec::Dir { .. })).map(|e| (e.path(), e)).collect();
    spec.layer_entries().map(|entries| build_one(spec, entries, &declared)).collect()
}

fn build_one(spec: &Spec, declared_entries: &[EntrySpec], declared: &BTreeMap<&str, &EntrySpec>) -> Result<Layer> {
    // Sorted by path; parents first (a BTreeMap sorts "/a" before "/a/b").
    let mut entries: BTreeMap<String, EntrySpec> = BTreeMap::new();
    for e in declared_entries {
        let mut parent = e.path();
        while let Some(i) = parent.rfind('/') {
            parent = &parent[..i];
            if parent.is_empty() {
                break;
            }
            entries.entry(parent.to_string()).or_insert_with(|| match declared.get(parent) {
                Some(dir) => (*dir).clone(),
                None => EntrySpec::Dir { path: parent.to_string(), mode: 0o755, uid: 0, gid: 0 },
            });
        }
        entries.insert(e.path().to_string(), e.clone());
    }
    let mut tar = tar::Builder::new(Vec::new());
    tar.mode(tar::HeaderMode::Deterministic);
    for (path, entry) in &entries {
        let name = &path[1..];
        let mut h = tar::Header::new_ustar();
        h.set_mtime(spec.mtime);
        match entry {
            EntrySpec::File { source, mode, uid, gid, .. } => {
                let data = std::fs::read(source).with_context(|| format!("{}: cannot read (for {path})", source.display()))?;
                h.set_entry_type(tar::EntryType::Regular);
                h.set_mode(*mode);
                h.set_uid(*uid);
                h.set_gid(*gid);
                h.set_size(data.len() as u64);
                tar.append_data(&mut h, name, &data[..])?;
            }
            EntrySpec::Dir { mode, uid, gid, .. } => {
                h.set_entry_type(tar::EntryType::Directory);
                h.set_mode(*mode);
                h.set_uid(*uid);
                h.set_gid(*gid);
                h.set_size(0);
                tar.append_data(&mut h, format!("{name}/"), &[][..])?;
            }
            EntrySpec::Symlink { target, .. } => {
                h.set_entry_type(tar::EntryType::Symlink);
                h.set_mode(0o777);
                h.set_size(0);
                tar.append_link(&mut h, name, target)?;
            }
        }
    }
    let tar = tar.into_inner()?;
    let (blob, media_type) = match spec.compression {
        Compression::Gzip => {
            // GzBuilder writes mtime 0 and no file name unless told: deterministic headers.
            let mut gz = flate2::GzBuilder::new().write(Vec::new(), flate2::Compression::new(6));
            gz.write_all(&tar)?;
            (gz.finish()?, "application/vnd.oci.image.layer.v1.tar+gzip")
        }
        Compression::Zstd => (
            ruzstd::encoding::compress_to_vec(&tar[..], ruzstd::encoding::CompressionLevel::Fastest),
            "application/vnd.oci.image.layer.v1.tar+zstd",
        ),
    };
    Ok(Layer { tar, blob, media_type })
}
