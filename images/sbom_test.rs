//! The images' SPDX inventories (`//images:prod_sbom`, `//images:dev_sbom`,
//! `//images/nginx:nginx_sbom`, written by `cning inventory`) name the crates inside every binary:
//! each static ELF file of the images is tied by GENERATED_FROM to the crates of its `.dep-v0`
//! section, and the crates carry the versions of the workspace's Cargo.lock and `pkg:cargo` purls.
//! The nginx image's inventory accounts for every file: each is one of ours or tied to a Debian
//! package, and its packages are those of debian/packages.lock.json, at the locked versions.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

fn inventories() -> Vec<(String, Value)> {
    let paths = std::env::var("CLEANSTART_SBOMS").expect("CLEANSTART_SBOMS (set by Bazel)");
    paths
        .split_whitespace()
        .map(|p| {
            let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{p}: {e}"));
            (p.to_string(), serde_json::from_str(&text).unwrap_or_else(|e| panic!("{p}: {e}")))
        })
        .collect()
}

/// name -> versions in the workspace's Cargo.lock.
fn locked() -> BTreeMap<String, BTreeSet<String>> {
    let lock: toml::Table = toml::from_str(include_str!("../rust/Cargo.lock")).expect("Cargo.lock");
    let mut versions: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in lock["package"].as_array().expect("[[package]]") {
        versions.entry(p["name"].as_str().unwrap().into()).or_default().insert(p["version"].as_str().unwrap().into());
    }
    versions
}

/// (name, version, purl) of the crates `file_id` was GENERATED_FROM.
fn crates_of(doc: &Value, file_id: &str) -> BTreeSet<(String, String, Option<String>)> {
    let packages: BTreeMap<&str, &Value> = doc["packages"].as_array().unwrap().iter().map(|p| (p["SPDXID"].as_str().unwrap(), p)).collect();
    doc["relationships"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["spdxElementId"] == file_id && r["relationshipType"] == "GENERATED_FROM")
        .map(|r| {
            let p = packages[r["relatedSpdxElement"].as_str().unwrap()];
            let purl = p["externalRefs"].as_array().and_then(|refs| refs.iter().find(|e| e["referenceType"] == "purl")).map(|e| e["referenceLocator"].as_str().unwrap().to_string());
            (p["name"].as_str().unwrap().to_string(), p["versionInfo"].as_str().unwrap().to_string(), purl)
        })
        .collect()
}

#[test]
fn every_static_binary_is_tied_to_its_locked_crates() {
    let locked = locked();
    let docs = inventories();
    assert_eq!(docs.len(), 3, "the prod, dev and nginx inventories");
    for (path, doc) in &docs {
        let mut binaries = 0;
        for file in doc["files"].as_array().unwrap() {
            let comment = file["comment"].as_str().unwrap();
            if !comment.contains("linkage=static") {
                continue;
            }
            binaries += 1;
            let name = file["fileName"].as_str().unwrap();
            assert!(comment.contains(" crates="), "{path}: {name} has no crate list: {comment}");
            let crates = crates_of(doc, file["SPDXID"].as_str().unwrap());
            assert!(!crates.is_empty(), "{path}: {name} is tied to no crate");
            for (crate_name, version, purl) in &crates {
                let versions = locked.get(crate_name).unwrap_or_else(|| panic!("{path}: {name}: {crate_name} is not in Cargo.lock"));
                assert!(versions.contains(version), "{path}: {name}: {crate_name} {version}, Cargo.lock has {versions:?}");
                if let Some(purl) = purl {
                    assert_eq!(purl, &format!("pkg:cargo/{crate_name}@{version}"));
                }
            }
        }
        // Two platforms, at least cleanimg_init (and in prod and dev the demo service) each.
        let least = if path.contains("nginx") { 2 } else { 4 };
        assert!(binaries >= least, "{path}: only {binaries} static binaries");
    }
}

#[test]
fn the_init_lists_its_own_crates() {
    let (_, prod) = inventories().into_iter().find(|(p, _)| p.contains("prod")).expect("prod inventory");
    let inits: Vec<&Value> = prod["files"].as_array().unwrap().iter().filter(|f| f["fileName"] == "./usr/bin/cleanimg_init").collect();
    assert_eq!(inits.len(), 2, "one init per platform");
    for init in inits {
        let crates = crates_of(&prod, init["SPDXID"].as_str().unwrap());
        let names: BTreeSet<&str> = crates.iter().map(|(n, _, _)| n.as_str()).collect();
        for expected in ["cleanimg_init", "libcleanstart", "lexopt", "nix", "anyhow", "libc"] {
            assert!(names.contains(expected), "cleanimg_init lacks {expected}: {names:?}");
        }
        // Workspace crates have no public coordinates; crates.io ones do.
        assert!(crates.iter().any(|(n, _, purl)| n == "libcleanstart" && purl.is_none()));
        assert!(crates.iter().any(|(n, _, purl)| n == "lexopt" && purl.is_some()));
        // Build-time crates (proc-macros) are not in the binary and not listed.
        assert!(!names.contains("clap_derive") && !names.contains("serde_derive"), "{names:?}");
    }
}

#[test]
fn every_file_of_the_nginx_image_is_ours_or_its_packages() {
    let (path, doc) = inventories().into_iter().find(|(p, _)| p.contains("nginx")).expect("nginx inventory");
    // name -> (version, architecture) per architecture, as the lock pins them.
    let lock: Value = serde_json::from_str(include_str!("../debian/packages.lock.json")).expect("the package lock");
    let mut locked: BTreeMap<(String, String), String> = BTreeMap::new();
    for platform in lock["platforms"].as_array().unwrap() {
        for p in platform["packages"].as_array().unwrap() {
            locked.insert((p["name"].as_str().unwrap().into(), platform["architecture"].as_str().unwrap().into()), p["version"].as_str().unwrap().into());
        }
    }
    let mut debs = 0;
    for p in doc["packages"].as_array().unwrap() {
        let Some(purl) = p["externalRefs"].as_array().and_then(|r| r.iter().find_map(|e| e["referenceLocator"].as_str())).filter(|u| u.starts_with("pkg:deb/")) else { continue };
        debs += 1;
        let arch = purl.split("arch=").nth(1).unwrap().split('&').next().unwrap();
        let name = p["name"].as_str().unwrap().to_string();
        // An "all" package is locked under each architecture, at one version.
        let version = ["amd64", "arm64"].iter().find_map(|a| locked.get(&(name.clone(), (*a).to_string()))).unwrap_or_else(|| panic!("{path}: {name} is not in the lock"));
        assert!(arch == "all" || locked.contains_key(&(name.clone(), arch.to_string())), "{path}: {purl}");
        assert_eq!(p["versionInfo"].as_str().unwrap(), version, "{path}: {name} is not at the locked version");
        assert!(purl.contains("&distro=debian-12"), "{path}: {purl}");
    }
    assert_eq!(debs, 16, "{path}: eight packages per platform");
    let ours = ["/etc/cleanimg/init.toml", "/etc/group", "/etc/nginx/nginx.conf", "/etc/passwd", "/usr/bin/cleanimg_init"];
    let mut files = 0;
    for file in doc["files"].as_array().unwrap() {
        files += 1;
        let name = &file["fileName"].as_str().unwrap()[1..];
        let comment = file["comment"].as_str().unwrap();
        let tied = comment.contains(" package=");
        if name.starts_with("/var/lib/dpkg/status.d/") || ours.contains(&name) {
            assert!(!tied, "{path}: {name} is ours, yet tied to a package: {comment}");
        } else {
            assert!(tied, "{path}: {name} is neither ours nor tied to a package: {comment}");
        }
    }
    assert_eq!(files, 64, "{path}: 32 files per platform");
    assert!(doc["creationInfo"].get("comment").is_none(), "{path}: the package records do not hold: {}", doc["creationInfo"]["comment"]);
}
