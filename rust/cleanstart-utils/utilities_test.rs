//! Bazel-only: what Bazel cannot read at loading time agrees with the list of utilities
//! (`utilities.bzl`, as JSON from `:utilities_json`): the crates' Cargo.toml files, the workspace
//! members, MODULE.bazel's manifests and uucore locales, and the utilities the conformance cases
//! name. Each failure says what to write where.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

const ROOT: &str = "rust/cleanstart-utils";

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn list() -> Value {
    let path = std::env::var("CLEANSTART_UTILITIES").expect("CLEANSTART_UTILITIES names the list");
    serde_json::from_str(&read(&path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

fn strings(value: &Value) -> Vec<String> {
    value.as_array().expect("a list").iter().map(|v| v.as_str().expect("a string").to_string()).collect()
}

fn manifest(dir: &str) -> toml::Table {
    let path = format!("{ROOT}/{dir}/Cargo.toml");
    read(&path).parse().unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The directories and their binaries (cargo names: `lbracket` for `[`), from the list.
fn binaries_by_dir(list: &Value) -> BTreeMap<String, BTreeSet<String>> {
    let mut dirs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for util in list["utilities"].as_object().expect("utilities").values() {
        let dir = util["dir"].as_str().expect("dir").to_string();
        dirs.entry(dir).or_default().insert(util["source"].as_str().expect("source").to_string());
    }
    dirs
}

#[test]
fn every_crate_directory_is_a_workspace_member_and_a_crate_universe_manifest() {
    let list = list();
    let dirs = strings(&list["crate_dirs"]);
    let workspace: toml::Table = read("rust/Cargo.toml").parse().expect("rust/Cargo.toml parses");
    let members = workspace["workspace"]["members"].as_array().expect("workspace members");
    let members: BTreeSet<&str> = members.iter().map(|m| m.as_str().expect("a member path")).collect();
    let ours: BTreeSet<String> = members.iter().filter_map(|m| m.strip_prefix("cleanstart-utils/")).map(str::to_string).collect();
    let wanted: BTreeSet<String> = dirs.iter().cloned().collect();
    assert_eq!(
        ours,
        wanted,
        "rust/Cargo.toml [workspace] members under cleanstart-utils/ must be exactly:\n{}",
        dirs.iter().map(|d| format!("    \"cleanstart-utils/{d}\",")).collect::<Vec<_>>().join("\n")
    );

    // crate_universe wants every member's manifest (and only those) listed in MODULE.bazel.
    let module = read("MODULE.bazel");
    let start = module.find("manifests = [").expect("MODULE.bazel: crate.from_cargo manifests");
    let block = &module[start..start + module[start..].find(']').expect("end of manifests")];
    let listed: BTreeSet<String> = block.split('"').skip(1).step_by(2).map(str::to_string).collect();
    let mut expected: BTreeSet<String> = members.iter().map(|m| format!("//rust/{m}:Cargo.toml")).collect();
    expected.insert("//rust:Cargo.toml".to_string());
    assert_eq!(
        listed,
        expected,
        "MODULE.bazel crate.from_cargo manifests must be exactly:\n{}",
        expected.iter().map(|m| format!("        \"{m}\",")).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn each_crate_is_named_for_its_directory_and_builds_the_listed_binaries() {
    let list = list();
    let by_dir = binaries_by_dir(&list);
    for dir in strings(&list["crate_dirs"]) {
        let manifest = manifest(&dir);
        let package = manifest["package"].as_table().expect("[package]");
        assert_eq!(package["name"].as_str(), Some(format!("cleanstart-utils-{dir}").as_str()), "{ROOT}/{dir}/Cargo.toml: package name");
        let declared: BTreeSet<String> = manifest
            .get("bin")
            .and_then(|b| b.as_array())
            .map(|bins| bins.iter().map(|b| b["name"].as_str().expect("[[bin]] name").to_string()).collect())
            .unwrap_or_default();
        let wanted = by_dir.get(&dir).cloned().unwrap_or_default();
        assert_eq!(
            declared,
            wanted,
            "{ROOT}/{dir}/Cargo.toml must declare exactly these [[bin]] (src/bin/NAME.rs each):\n{}",
            wanted.iter().map(|b| format!("[[bin]]\nname = \"{b}\"\n")).collect::<String>()
        );
        if !wanted.is_empty() {
            assert_eq!(package.get("autobins").and_then(|a| a.as_bool()), Some(false), "{ROOT}/{dir}/Cargo.toml: autobins = false");
        }
    }
}

#[test]
fn uutils_crates_and_locales_follow_the_list() {
    let list = list();
    let version = list["uutils_version"].as_str().expect("uutils_version");
    let mut crates: BTreeSet<String> = strings(&list["uutils"]).into_iter().collect();
    crates.extend(list["uutils_renamed"].as_object().expect("renamed").values().map(|v| v.as_str().expect("a crate").to_string()));

    let manifest = manifest("uutils");
    let deps = manifest["dependencies"].as_table().expect("uutils: [dependencies]");
    let declared: BTreeMap<String, String> = deps
        .iter()
        .filter_map(|(name, req)| Some((name.strip_prefix("uu_")?.to_string(), req.as_str().unwrap_or_default().to_string())))
        .collect();
    assert_eq!(
        declared.keys().cloned().collect::<BTreeSet<_>>(),
        crates,
        "{ROOT}/uutils/Cargo.toml [dependencies] must hold exactly:\n{}",
        crates.iter().map(|c| format!("uu_{c} = \"{version}\"")).collect::<Vec<_>>().join("\n")
    );
    let uucore = deps.get("uucore").and_then(|v| v.as_str()).unwrap_or_default();
    for (name, req) in declared.iter().map(|(n, r)| (format!("uu_{n}"), r.as_str())).chain([("uucore".to_string(), uucore)]) {
        assert_eq!(req, version, "{ROOT}/uutils/Cargo.toml: {name} must be at {version}, as UUTILS_VERSION says");
    }

    // uucore's patched build script embeds the messages of exactly these crates.
    let module = read("MODULE.bazel");
    let version_line = format!("UUTILS_VERSION = \"{version}\"");
    assert!(module.contains(&version_line), "MODULE.bazel must say {version_line}");
    let start = module.find("UUTILS_LOCALES = [").expect("MODULE.bazel: UUTILS_LOCALES");
    let block = &module[start..];
    let block = &block[block.find("for name in [").expect("UUTILS_LOCALES: for name in [")..];
    let block = &block[..block.find(']').expect("end of the names")];
    let locales: BTreeSet<String> = block.split('"').skip(1).step_by(2).map(str::to_string).collect();
    let mut wanted = crates.clone();
    wanted.extend(strings(&list["uutils_extra_locales"]));
    assert_eq!(
        locales,
        wanted,
        "MODULE.bazel UUTILS_LOCALES must name exactly:\n{}",
        wanted.iter().map(|c| format!("        \"{c}\",")).collect::<Vec<_>>().join("\n")
    );
}

#[test]
fn conformance_cases_name_listed_utilities() {
    let list = list();
    let utilities = list["utilities"].as_object().expect("utilities");
    let dir = format!("{ROOT}/conformance/cases");
    let mut files = 0;
    for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{dir}: {e}")) {
        let path = entry.expect("a directory entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        files += 1;
        let cases: toml::Table = read(path.to_str().expect("a UTF-8 path")).parse().unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let named = cases.get("utility").into_iter().chain(
            cases.get("case").and_then(|c| c.as_array()).into_iter().flatten().filter_map(|case| case.get("utility")),
        );
        for utility in named {
            let utility = utility.as_str().expect("utility is a string");
            assert!(
                utilities.contains_key(utility),
                "{}: utility {utility:?} is not in {ROOT}/utilities.bzl",
                Path::new(&path).display()
            );
        }
    }
    assert!(files >= 10, "only {files} case files in {dir}");
}
