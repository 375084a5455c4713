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
    assert_eq!(root(&info).name, "cleanstart-utils-sum");
    let sha2 = package(&info, "sha2");
    assert_eq!(sha2.kind, DependencyKind::Runtime);
    assert!(direct_dependencies(&info, root(&info)).contains(&"sha2"));
    let md5sum = read(&shipped().into_iter().find(|p| p.ends_with("/md5sum")).expect("md5sum is shipped"));
    assert!(!direct_dependencies(&md5sum, root(&md5sum)).contains(&"sha2"), "md5sum links md-5, not sha2");
}

/// The `[dependencies]` (not dev-dependencies) of a local package, from its Cargo.toml.
fn manifest_dependencies(package: &str) -> BTreeSet<String> {
    let dir = match package.strip_prefix("cleanstart-utils-") {
        Some(dir) => format!("rust/cleanstart-utils/{dir}"),
        None => format!("rust/{package}"),
    };
    let path = format!("{dir}/Cargo.toml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let manifest: toml::Table = text.parse().unwrap_or_else(|e| panic!("{path}: {e}"));
    manifest.get("dependencies").and_then(|d| d.as_table()).map(|d| d.keys().cloned().collect()).unwrap_or_default()
}

/// The crates of the list of utilities a binary that is another project's crate must link
/// directly: installed name -> crate names (`@crates//:uu_cat` -> `uu_cat`).
fn listed_crates() -> BTreeMap<String, Option<BTreeSet<String>>> {
    let path = std::env::var("CLEANSTART_UTILITIES").expect("CLEANSTART_UTILITIES is set by the BUILD file");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let list: serde_json::Value = serde_json::from_str(&text).unwrap_or_else(|e| panic!("{path}: {e}"));
    let utilities = list["utilities"].as_object().expect("utilities");
    utilities
        .iter()
        .map(|(name, util)| {
            let deps = util["deps"].as_array().expect("deps").iter().map(|d| d.as_str().expect("a label").rsplit(':').next().unwrap().to_owned());
            // A written-here utility links its directory's library too, whose crates its
            // Cargo.toml gives.
            let exact = (!util["library"].as_bool().expect("library")).then(|| deps.collect());
            (name.clone(), exact)
        })
        .collect()
}

/// The crate list of each binary is the crates it links, not its neighbours': every crate it
/// claims is reached from its own package through dependency edges (each one Cargo.lock's, as
/// the test above checks); its own package depends directly only on what its Cargo.toml says
/// at run time; a binary that is another project's crate links that crate alone. Every binary
/// that fails is named.
#[test]
fn every_binary_claims_only_the_crates_of_its_own_package() {
    let listed = listed_crates();
    let mut wrong = Vec::new();
    let mut utilities = 0;
    for path in shipped() {
        let info = read(&path);
        let root = root(&info);
        let runtime = |p: &&Package| p.kind == DependencyKind::Runtime;

        let mut reached = BTreeSet::new();
        let mut queue: Vec<usize> = info.packages.iter().position(|p| p.root).into_iter().collect();
        while let Some(i) = queue.pop() {
            if reached.insert(i) {
                queue.extend(info.packages[i].dependencies.iter().copied());
            }
        }
        let stray: Vec<&str> = info.packages.iter().enumerate().filter(|(i, _)| !reached.contains(i)).map(|(_, p)| p.name.as_str()).collect();
        if !stray.is_empty() {
            wrong.push(format!("{path}: claims {stray:?}, which its package does not reach"));
        }

        let direct: BTreeSet<&str> = root.dependencies.iter().map(|&i| &info.packages[i]).filter(runtime).map(|p| p.name.as_str()).collect();
        let declared = manifest_dependencies(&root.name);
        let undeclared: Vec<&&str> = direct.iter().filter(|d| !declared.contains(**d)).collect();
        if !undeclared.is_empty() {
            wrong.push(format!("{path}: {} links {undeclared:?}, which its Cargo.toml [dependencies] do not name", root.name));
        }

        let name = Path::new(&path).file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if root.name.starts_with("cleanstart-utils-") {
            utilities += 1;
            match listed.get(name) {
                None => wrong.push(format!("{path}: not in rust/cleanstart-utils/utilities.bzl")),
                Some(Some(exact)) => {
                    let exact: BTreeSet<&str> = exact.iter().map(String::as_str).collect();
                    if direct != exact {
                        wrong.push(format!("{path}: links {direct:?} directly, the list says {exact:?}"));
                    }
                }
                Some(None) => {}
            }
        }
    }
    assert!(wrong.is_empty(), "binaries claiming crates they do not contain:\n{}", wrong.join("\n"));
    assert!(utilities >= 50, "only {utilities} utilities among the shipped binaries");
}

/// The examples of issue #14: utilities that claimed the whole utilities library do not.
/// (uutils binaries still claim what uucore links: one uucore build with the features all
/// uu_NAME crates ask for, flate2 among them.)
#[test]
fn small_utilities_claim_no_archive_regex_or_compression_crates() {
    let names = |file: &str| -> BTreeSet<String> {
        let path = shipped().into_iter().find(|p| p.ends_with(&format!("/{file}"))).unwrap_or_else(|| panic!("{file} is shipped"));
        read(&path).packages.iter().map(|p| p.name.clone()).collect()
    };
    let written_here = ["cleanstart-utils-core", "cleanstart-utils-pattern", "cleanstart-utils-compress", "cleanstart-utils-tar", "libcleanstart"];
    for file in ["true", "cat", "echo"] {
        let claimed = names(file);
        for crate_name in ["tar", "regex", "ruzstd", "diffutils", "sha2", "brush-shell"].iter().chain(&written_here) {
            assert!(!claimed.contains(*crate_name), "{file} claims {crate_name}: {claimed:?}");
        }
    }
    for file in ["id", "whoami"] {
        let claimed = names(file);
        for crate_name in ["tar", "regex", "flate2", "ruzstd", "diffutils", "sha2", "jiff", "rustix", "nix", "uucore"] {
            assert!(!claimed.contains(crate_name), "{file} claims {crate_name}: {claimed:?}");
        }
    }
    let ours = |file: &str| -> Vec<String> { names(file).into_iter().filter(|n| n.starts_with("cleanstart-utils") || n == "libcleanstart").collect() };
    assert_eq!(ours("id"), ["cleanstart-utils-core", "cleanstart-utils-id"]);
    assert_eq!(ours("true"), ["cleanstart-utils-uutils"]);
    let cat = names("cat");
    assert!(cat.contains("uu_cat") && cat.contains("uucore") && !cat.iter().any(|n| n.starts_with("uu_") && n != "uu_cat"), "{cat:?}");
}
