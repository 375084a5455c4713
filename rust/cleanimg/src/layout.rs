//! OCI image layouts: blobs by digest, the config, the manifest and `index.json`; and joining
//! single-platform layouts into one multi-platform layout.

use crate::layer::Layer;
use crate::spec::Spec;
use anyhow::{bail, Context, Result};
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::path::Path;

const INDEX_MEDIA_TYPE: &str = "application/vnd.oci.image.index.v1+json";
const MANIFEST_MEDIA_TYPE: &str = "application/vnd.oci.image.manifest.v1+json";
const CONFIG_MEDIA_TYPE: &str = "application/vnd.oci.image.config.v1+json";

fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

/// RFC 3339 UTC for `secs` since the epoch (the config's `created`).
fn rfc3339(secs: u64) -> String {
    let days = secs / 86_400;
    let rem = secs % 86_400;
    // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
    let z = days as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!("{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z", rem / 3600, rem % 3600 / 60, rem % 60)
}

fn put_blob(dir: &Path, bytes: &[u8]) -> Result<String> {
    let hex = sha256_hex(bytes);
    let path = dir.join("blobs/sha256").join(&hex);
    std::fs::write(&path, bytes).with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(format!("sha256:{hex}"))
}

fn create_layout_dir(dir: &Path) -> Result<()> {
    if dir.exists() && std::fs::read_dir(dir)?.next().is_some() {
        bail!("{}: output directory is not empty", dir.display());
    }
    std::fs::create_dir_all(dir.join("blobs/sha256")).with_context(|| format!("{}: cannot create", dir.display()))?;
    std::fs::write(dir.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#)?;
    Ok(())
}

/// Writes the single-platform image of `spec` with its `layers` (the first layer's first) into
/// the empty directory `dir`. Returns the manifest digest.
pub fn write(spec: &Spec, layers: &[Layer], dir: &Path) -> Result<String> {
    create_layout_dir(dir)?;
    removed_on_error(dir, write_into(spec, layers, dir))
}

/// Leaves no partial layout behind: `dir` was created (empty) by us, so removing it is safe.
fn removed_on_error(dir: &Path, result: Result<String>) -> Result<String> {
    if result.is_err() {
        let _ = std::fs::remove_dir_all(dir);
    }
    result
}

fn write_into(spec: &Spec, layers: &[Layer], dir: &Path) -> Result<String> {
    let mut descriptors = Vec::new();
    for layer in layers {
        let digest = put_blob(dir, &layer.blob)?;
        descriptors.push(json!({"mediaType": layer.media_type, "digest": digest, "size": layer.blob.len()}));
    }
    let diff_ids: Vec<String> = layers.iter().map(|l| format!("sha256:{}", sha256_hex(&l.tar))).collect();
    let history: Vec<Value> = layers.iter().map(|_| json!({"created": rfc3339(spec.mtime), "created_by": "cleanimg"})).collect();
    let c = &spec.config;
    let mut run = serde_json::Map::new();
    for (key, value) in [("Entrypoint", &c.entrypoint), ("Cmd", &c.cmd), ("Env", &c.env)] {
        if !value.is_empty() {
            run.insert(key.into(), json!(value));
        }
    }
    for (key, value) in [("User", &c.user), ("WorkingDir", &c.workdir)] {
        if !value.is_empty() {
            run.insert(key.into(), json!(value));
        }
    }
    if !c.labels.is_empty() {
        run.insert("Labels".into(), json!(c.labels));
    }
    let config = serde_json::to_vec(&json!({
        "created": rfc3339(spec.mtime),
        "architecture": spec.architecture,
        "os": spec.os,
        "config": Value::Object(run),
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": history,
    }))?;
    let config_digest = put_blob(dir, &config)?;
    let mut manifest = json!({
        "schemaVersion": 2,
        "mediaType": MANIFEST_MEDIA_TYPE,
        "config": {"mediaType": CONFIG_MEDIA_TYPE, "digest": config_digest, "size": config.len()},
        "layers": descriptors,
    });
    if !spec.annotations.is_empty() {
        manifest["annotations"] = json!(spec.annotations);
    }
    let manifest = serde_json::to_vec(&manifest)?;
    let manifest_digest = put_blob(dir, &manifest)?;
    let index = json!({
        "schemaVersion": 2,
        "mediaType": INDEX_MEDIA_TYPE,
        "manifests": [{
            "mediaType": MANIFEST_MEDIA_TYPE,
            "digest": manifest_digest,
            "size": manifest.len(),
            "platform": {"os": spec.os, "architecture": spec.architecture},
        }],
    });
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&index)?)?;
    Ok(manifest_digest)
}

/// Joins single-platform layouts (as `write` makes them) into one layout at `dir` whose
/// `index.json` points at an image index listing every platform. Returns the index digest.
pub fn join(inputs: &[&Path], dir: &Path, annotations: &std::collections::BTreeMap<String, String>) -> Result<String> {
    create_layout_dir(dir)?;
    removed_on_error(dir, join_into(inputs, dir, annotations))
}

fn join_into(inputs: &[&Path], dir: &Path, annotations: &std::collections::BTreeMap<String, String>) -> Result<String> {
    let mut manifests = Vec::new();
    for input in inputs {
        let index: Value = serde_json::from_slice(&std::fs::read(input.join("index.json")).with_context(|| format!("{}: no index.json", input.display()))?)
            .with_context(|| format!("{}: invalid index.json", input.display()))?;
        let listed = index["manifests"].as_array().with_context(|| format!("{}: index.json lists no manifests", input.display()))?;
        manifests.extend(listed.iter().cloned());
        for blob in std::fs::read_dir(input.join("blobs/sha256"))? {
            let blob = blob?;
            let bytes = std::fs::read(blob.path())?;
            put_blob(dir, &bytes)?;
        }
    }
    let mut image_index = json!({"schemaVersion": 2, "mediaType": INDEX_MEDIA_TYPE, "manifests": manifests});
    if !annotations.is_empty() {
        image_index["annotations"] = json!(annotations);
    }
    let image_index = serde_json::to_vec(&image_index)?;
    let index_digest = put_blob(dir, &image_index)?;
    let top = json!({
        "schemaVersion": 2,
        "mediaType": INDEX_MEDIA_TYPE,
        "manifests": [{"mediaType": INDEX_MEDIA_TYPE, "digest": index_digest, "size": image_index.len()}],
    });
    std::fs::write(dir.join("index.json"), serde_json::to_vec(&top)?)?;
    Ok(index_digest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{EntrySpec, Spec};

    #[test]
    fn dates_are_rfc3339() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_700_000_000), "2023-11-14T22:13:20Z");
        assert_eq!(rfc3339(951_782_400), "2000-02-29T00:00:00Z");
    }

    fn spec(dir: &Path) -> Spec {
        let src = dir.join("hello");
        std::fs::write(&src, b"#!/bin/true\n").unwrap();
        Spec {
            os: "linux".into(),
            architecture: "amd64".into(),
            entries: vec![
                EntrySpec::Symlink { path: "/bin".into(), target: "usr/bin".into() },
                EntrySpec::File { path: "/usr/bin/hello".into(), source: src, mode: 0o755, uid: 0, gid: 0 },
                EntrySpec::Dir { path: "/tmp".into(), mode: 0o1777, uid: 0, gid: 0 },
            ],
            includes: Vec::new(),
            layers: Vec::new(),
            config: crate::spec::RunConfig { entrypoint: vec!["/usr/bin/hello".into()], user: "65532".into(), ..Default::default() },
            annotations: [("org.opencontainers.image.revision".to_string(), "abc".to_string())].into(),
            compression: crate::spec::Compression::Gzip,
            mtime: 0,
        }
    }

    #[test]
    fn two_builds_are_identical_and_entries_sorted_with_parents() {
        let tmp = tempfile::tempdir().unwrap();
        let s = spec(tmp.path());
        let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
        let da = write(&s, &crate::layer::build(&s).unwrap(), &a).unwrap();
        let db = write(&s, &crate::layer::build(&s).unwrap(), &b).unwrap();
        assert_eq!(da, db);
        assert_eq!(std::fs::read(a.join("index.json")).unwrap(), std::fs::read(b.join("index.json")).unwrap());
        let layer = &crate::layer::build(&s).unwrap()[0];
        let mut archive = tar::Archive::new(&layer.tar[..]);
        let names: Vec<String> = archive.entries().unwrap().map(|e| e.unwrap().path().unwrap().display().to_string()).collect();
        assert_eq!(names, vec!["bin", "tmp/", "usr/", "usr/bin/", "usr/bin/hello"]);
        let mut archive = tar::Archive::new(&layer.tar[..]);
        for e in archive.entries().unwrap() {
            let e = e.unwrap();
            assert_eq!(e.header().mtime().unwrap(), 0);
            assert_eq!(e.header().username().unwrap(), Some(""));
        }
    }

    fn manifest_layers(layout: &Path) -> Vec<String> {
        let index: Value = serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
        let digest = index["manifests"][0]["digest"].as_str().unwrap().trim_start_matches("sha256:").to_string();
        let manifest: Value = serde_json::from_slice(&std::fs::read(layout.join("blobs/sha256").join(digest)).unwrap()).unwrap();
        manifest["layers"].as_array().unwrap().iter().map(|l| l["digest"].as_str().unwrap().to_string()).collect()
    }

    #[test]
    fn upper_layers_leave_the_first_layer_as_it_is_alone_and_change_one_at_a_time() {
        let tmp = tempfile::tempdir().unwrap();
        let base = spec(tmp.path());
        let alone = tmp.path().join("alone");
        write(&base, &crate::layer::build(&base).unwrap(), &alone).unwrap();

        let tool = |name: &str, text: &[u8]| {
            let src = tmp.path().join(format!("{name}-{}.src", String::from_utf8_lossy(text)));
            std::fs::write(&src, text).unwrap();
            crate::spec::LayerSpec { entries: vec![EntrySpec::File { path: format!("/usr/bin/{name}"), source: src, mode: 0o755, uid: 0, gid: 0 }] }
        };
        let mut layered = base.clone();
        layered.entries.push(EntrySpec::Dir { path: "/usr/bin".into(), mode: 0o750, uid: 0, gid: 0 });
        layered.layers = vec![tool("a", b"a1"), tool("b", b"b1")];
        let mut changed = layered.clone();
        changed.layers[1] = tool("b", b"b2");
        let (one, two) = (tmp.path().join("one"), tmp.path().join("two"));
        let layers = crate::layer::build(&layered).unwrap();
        write(&layered, &layers, &one).unwrap();
        write(&changed, &crate::layer::build(&changed).unwrap(), &two).unwrap();
        let (one, two) = (manifest_layers(&one), manifest_layers(&two));
        assert_eq!(one.len(), 3);
        assert_eq!(one[1], two[1]);
        assert_ne!(one[2], two[2], "the changed tool's layer");
        assert_eq!(one[0], two[0]);

        // An upper layer's parents are written as the first layer declares them (0750 here).
        let mut archive = tar::Archive::new(&layers[1].tar[..]);
        let modes: Vec<(String, u32)> =
            archive.entries().unwrap().map(|e| e.unwrap()).map(|e| (e.path().unwrap().display().to_string(), e.header().mode().unwrap())).collect();
        assert_eq!(modes, vec![("usr/".to_string(), 0o755), ("usr/bin/".to_string(), 0o750), ("usr/bin/a".to_string(), 0o755)]);

        // The same first-layer entries give the same first layer, with or without layers above.
        let mut same_base = base.clone();
        same_base.layers = vec![tool("a", b"a1")];
        let with_layers = tmp.path().join("with");
        write(&same_base, &crate::layer::build(&same_base).unwrap(), &with_layers).unwrap();
        assert_eq!(manifest_layers(&with_layers)[0], manifest_layers(&alone)[0]);
    }

    #[test]
    fn join_lists_every_platform_and_refuses_a_non_empty_output() {
        let tmp = tempfile::tempdir().unwrap();
        let mut s = spec(tmp.path());
        let amd = tmp.path().join("amd64");
        write(&s, &crate::layer::build(&s).unwrap(), &amd).unwrap();
        s.architecture = "arm64".into();
        let arm = tmp.path().join("arm64");
        write(&s, &crate::layer::build(&s).unwrap(), &arm).unwrap();
        let out = tmp.path().join("multi");
        join(&[&amd, &arm], &out, &Default::default()).unwrap();
        let top: Value = serde_json::from_slice(&std::fs::read(out.join("index.json")).unwrap()).unwrap();
        let digest = top["manifests"][0]["digest"].as_str().unwrap().trim_start_matches("sha256:").to_string();
        let index: Value = serde_json::from_slice(&std::fs::read(out.join("blobs/sha256").join(digest)).unwrap()).unwrap();
        let arches: Vec<&str> = index["manifests"].as_array().unwrap().iter().map(|m| m["platform"]["architecture"].as_str().unwrap()).collect();
        assert_eq!(arches, vec!["amd64", "arm64"]);
        assert!(join(&[&amd], &out, &Default::default()).unwrap_err().to_string().contains("not empty"));
        assert!(out.join("index.json").exists(), "an existing output is never removed");
        let failed = tmp.path().join("failed");
        assert!(join(&[&tmp.path().join("nonexistent")], &failed, &Default::default()).is_err());
        assert!(!failed.exists(), "a failed join leaves nothing behind");
    }
}
