//! Bazel-only: the development image is the production image's layer, bit for bit, then one
//! layer per utility (the utility and its allow list, by name) and the development runtime
//! policy on top; and two development images that differ in one utility (`dev_new_yes`: `yes`
//! rebuilt with other optimisation) differ in exactly that utility's layer, on every platform.

use serde_json::Value;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

fn layouts() -> BTreeMap<String, PathBuf> {
    let list = std::env::var("CLEANSTART_LAYOUTS").expect("CLEANSTART_LAYOUTS is set by the BUILD file");
    list.split_whitespace().map(|p| (Path::new(p).file_name().unwrap().to_string_lossy().into_owned(), PathBuf::from(p))).collect()
}

fn json(layout: &Path, digest: &str) -> Value {
    let path = layout.join("blobs/sha256").join(digest.trim_start_matches("sha256:"));
    serde_json::from_slice(&std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))).unwrap()
}

/// Each platform's (architecture -> layer descriptors, config) of a layout holding an index.
fn images(layout: &Path) -> BTreeMap<String, (Vec<Value>, Value)> {
    let top: Value = serde_json::from_slice(&std::fs::read(layout.join("index.json")).unwrap()).unwrap();
    let index = json(layout, top["manifests"][0]["digest"].as_str().unwrap());
    index["manifests"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            let manifest = json(layout, m["digest"].as_str().unwrap());
            let config = json(layout, manifest["config"]["digest"].as_str().unwrap());
            (m["platform"]["architecture"].as_str().unwrap().to_string(), (manifest["layers"].as_array().unwrap().clone(), config))
        })
        .collect()
}

fn digests(layers: &[Value]) -> Vec<&str> {
    layers.iter().map(|l| l["digest"].as_str().unwrap()).collect()
}

/// The regular files of a gzip layer.
fn files(layout: &Path, digest: &str) -> Vec<String> {
    let blob = std::fs::File::open(layout.join("blobs/sha256").join(digest.trim_start_matches("sha256:"))).unwrap();
    let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(blob));
    let mut out = Vec::new();
    for entry in tar.entries().unwrap() {
        let mut entry = entry.unwrap();
        if entry.header().entry_type().is_file() {
            out.push(entry.path().unwrap().display().to_string());
            std::io::copy(&mut entry.by_ref().take(u64::MAX), &mut std::io::sink()).unwrap();
        }
    }
    out
}

fn utilities() -> Vec<String> {
    let path = std::env::var("CLEANSTART_UTILITIES").expect("CLEANSTART_UTILITIES is set by the BUILD file");
    let list: Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    list["utilities"].as_object().unwrap().keys().cloned().collect()
}

#[test]
fn dev_is_prod_then_one_layer_per_utility_then_its_policy() {
    let layouts = layouts();
    let (prod, dev) = (images(&layouts["prod_unchecked"]), images(&layouts["dev_unchecked"]));
    let utilities = utilities();
    assert_eq!(prod.keys().collect::<Vec<_>>(), ["amd64", "arm64"]);
    for (arch, (prod_layers, _)) in &prod {
        let (dev_layers, config) = &dev[arch];
        assert_eq!(prod_layers.len(), 1, "{arch}: prod is one layer");
        assert_eq!(dev_layers[0], prod_layers[0], "{arch}: dev's first layer is prod's, bit for bit");
        assert_eq!(dev_layers.len(), 1 + utilities.len() + 1, "{arch}: prod's, one per utility, the policy");
        assert_eq!(config["rootfs"]["diff_ids"].as_array().unwrap().len(), dev_layers.len());
        let layout = &layouts["dev_unchecked"];
        for (layer, name) in dev_layers[1..].iter().zip(&utilities) {
            let expected = vec![format!("etc/cleanimg/allow.d/{name}.toml"), format!("usr/bin/{name}")];
            assert_eq!(files(layout, layer["digest"].as_str().unwrap()), expected, "{arch}: the layer of {name}");
        }
        assert_eq!(files(layout, dev_layers.last().unwrap()["digest"].as_str().unwrap()), ["etc/cleanimg/init.toml"]);
    }
}

#[test]
fn updating_one_utility_changes_one_layer() {
    let layouts = layouts();
    let (dev, new_yes) = (images(&layouts["dev_unchecked"]), images(&layouts["dev_new_yes_unchecked"]));
    let yes = 1 + utilities().iter().position(|u| u == "yes").expect("yes is a utility");
    for (arch, (layers, _)) in &dev {
        let (a, b) = (digests(layers), digests(&new_yes[arch].0));
        let differing: Vec<usize> = (0..a.len().max(b.len())).filter(|&i| a.get(i) != b.get(i)).collect();
        assert_eq!(differing, [yes], "{arch}: only the layer of yes differs");
        println!("{arch}: {} layers, layer {yes} (yes) {} -> {}", a.len(), a[yes], b[yes]);
    }
}
