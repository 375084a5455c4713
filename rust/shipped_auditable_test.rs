//! Every shipped binary carries its crate list (tools/auditable.bzl), read here with
//! `auditable-info`, the reader cargo auditable publishes; and the list agrees with Cargo.lock:
//! every package, its version and source are there, and every dependency edge is one Cargo's
//! resolver recorded too.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use auditable_info::{audit_info_from_file, Limits};
use auditable_serde::{DependencyKind, Package, Source, VersionInfo};

const CARGO_LOCK: &str = include_str!("Cargo.lock");

/// Cargo.lock's packages: (name, version) -> (is local, the names of its dependencies).
fn lock() -> BTreeMap<(String, String), (bool, BTreeSet<String>)> {
    let lock: toml::Table = toml::from_str(CARGO_LOCK).expect("Cargo.lock parses");
    let mut packages = BTreeMap::new();
    for p in lock["package"].as_array().expect("[[package]]") {
        let name = p["name"].as_str().unwrap().to_owned();
        let version = p["version"].as_str().unwrap().to_owned();
        let deps = p.get("dependencies").and_then(|d| d.as_array()).cloned().unwrap_or_default();
        // Entries are "name" or "name version" (or "name version (source)") when ambiguous.
        let deps = deps.iter().map(|d| d.as_str().unwrap().split(' ').next().unwrap().to_owned()).collect();
        packages.insert((name, version), (p.get("source").is_none(), deps));
    }
    packages
}

fn shipped() -> Vec<String> {
    let list = std::env::var("CLEANSTART_SHIPPED").expect("CLEANSTART_SHIPPED is set by the BUILD file");
    // Bazel shell-quotes paths with special characters (`'rust/cleanstart-utils/['`).
    list.split_whitespace().map(|p| p.trim_matches('\'').to_owned()).collect()
}

fn read(path: &str) -> VersionInfo {
    audit_info_from_file(Path::new(path), Limits::default()).unwrap_or_else(|e| panic!("{path}: no crate list: {e}"))
}

fn package<'a>(info: &'a VersionInfo, name: &str) -> &'a Package {
    let found: Vec<_> = info.packages.iter().filter(|p| p.name == name).collect();
    assert_eq!(found.len(), 1, "one {name} in {:?}", info.packages);
    found[0]
}

fn root(info: &VersionInfo) -> &Package {
    info.packages.iter().find(|p| p.root).expect("a root package")
}

fn direct_dependencies<'a>(info: &'a VersionInfo, p: &Package) -> Vec<&'a str> {
    p.dependencies.iter().map(|&i| info.packages[i].name.as_str()).collect()
}

#[test]
fn every_shipped_binary_lists_crates_that_agree_with_cargo_lock() {
    let lock = lock();
    let paths = shipped();
    assert!(paths.len() >= 4, "expected the init, the demo, cning, cleanimg and the utilities: {paths:?}");
    for path in &paths {
        let info = read(path);
        assert_eq!(info.packages.iter().filter(|p| p.root).count(), 1, "{path}: one root");
        assert_eq!(root(&info).source, Source::Local, "{path}: the root is ours");
        assert_eq!(root(&info).kind, DependencyKind::Runtime, "{path}");
        for p in &info.packages {
            let key = (p.name.clone(), p.version.to_string());
            let (local, lock_deps) = lock.get(&key).unwrap_or_else(|| panic!("{path}: {key:?} is not in Cargo.lock"));
            let expected = if *local { Source::Local } else { Source::CratesIo };
            assert_eq!(p.source, expected, "{path}: source of {key:?}");
            for dep in direct_dependencies(&info, p) {
                assert!(lock_deps.contains(dep), "{path}: {key:?} depends on {dep}, which Cargo.lock does not say");
            }
        }
    }
}

#[test]
fn the_init_lists_its_crates_with_their_kinds() {
    let path = shipped().into_iter().find(|p| p.ends_with("/cleanimg_init")).expect("cleanimg_init is shipped");
    let info = read(&path);
    assert_eq!(root(&info).name, "cleanimg_init");
    let deps = direct_dependencies(&info, root(&info));
    assert!(deps.contains(&"libcleanstart") && deps.contains(&"nix"), "{deps:?}");

    // The nix that Cargo resolved for the init, linked into it.
    let nix = package(&info, "nix");
    let lock = lock();
    let libcleanstart = &lock[&("libcleanstart".to_owned(), "0.1.0".to_owned())];
    assert!(libcleanstart.1.contains("nix"));
    assert!(lock.contains_key(&("nix".to_owned(), nix.version.to_string())));
    assert_eq!(nix.kind, DependencyKind::Runtime);
    assert_eq!(nix.source, Source::CratesIo);

    // nix's build script uses cfg_aliases, and serde's derive macro runs at build time only.
    assert_eq!(package(&info, "cfg_aliases").kind, DependencyKind::Build);
    assert!(direct_dependencies(&info, nix).contains(&"cfg_aliases"));
    assert_eq!(package(&info, "serde_derive").kind, DependencyKind::Build);
    assert_eq!(package(&info, "libcleanstart").source, Source::Local);
}

#[test]
fn a_utility_lists_its_package_and_digest_crate() {
    let path = shipped().into_iter().find(|p| p.ends_with("/sha256sum")).expect("sha256sum is shipped");
    let info = read(&path);
    assert_eq!(root(&info).name, "cleanstart-utils");
    let sha2 = package(&info, "sha2");
    assert_eq!(sha2.kind, DependencyKind::Runtime);
    assert!(direct_dependencies(&info, root(&info)).contains(&"sha2"));
}
