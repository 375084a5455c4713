//! The tool on a real binary (its own): the section it adds is read back by `auditable-info`,
//! cargo auditable's reference reader, and by binutils' readelf, and the binary still runs.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use auditable_info::{audit_info_from_file, Limits};
use auditable_serde::{DependencyKind, Source};

const TOOL: &str = env!("CARGO_BIN_EXE_cleanstart-auditable");
const CARGO_LOCK: &str = include_str!("../../Cargo.lock");

fn version_of(name: &str) -> String {
    let lock: toml::Table = toml::from_str(CARGO_LOCK).unwrap();
    let packages = lock["package"].as_array().unwrap();
    let found: Vec<_> = packages.iter().filter(|p| p["name"].as_str() == Some(name)).collect();
    assert_eq!(found.len(), 1, "one {name} in Cargo.lock");
    found[0]["version"].as_str().unwrap().to_owned()
}

/// What the aspect would write for this tool: our binary and library, clap linked, clap_derive
/// used by clap's build.
fn graph() -> serde_json::Value {
    serde_json::json!({
        "root": "bin/cleanstart-auditable",
        "crates": [
            {"id": "bin/cleanstart-auditable", "name": "cleanstart-auditable", "version": null, "local": true,
             "deps": ["lib/cleanstart_auditable", "t/clap"]},
            {"id": "lib/cleanstart_auditable", "name": "cleanstart-auditable", "version": null, "local": true,
             "deps": ["t/anyhow"]},
            {"id": "t/anyhow", "name": "anyhow", "version": version_of("anyhow"), "local": false},
            {"id": "t/clap", "name": "clap", "version": version_of("clap"), "local": false,
             "build_deps": ["x/clap_derive"]},
            {"id": "x/clap_derive", "name": "clap_derive", "version": version_of("clap_derive"), "local": false},
        ],
    })
}

struct Workdir {
    dir: tempfile::TempDir,
}

impl Workdir {
    fn new() -> Workdir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("graph.json"), graph().to_string()).unwrap();
        std::fs::write(dir.path().join("Cargo.lock"), CARGO_LOCK).unwrap();
        Workdir { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn embed(&self, input: &Path, output: &str) -> Output {
        let graph = self.path("graph.json");
        let lock = self.path("Cargo.lock");
        testkit::target_command(TOOL)
            .arg("embed")
            .args(["--graph".as_ref(), graph.as_os_str()])
            .args(["--cargo-lock".as_ref(), lock.as_os_str()])
            .args(["--output".as_ref(), self.path(output).as_os_str()])
            .arg(input)
            .output()
            .unwrap()
    }
}

fn tool_path() -> PathBuf {
    std::path::absolute(TOOL).unwrap()
}

#[test]
fn the_reference_reader_reads_what_we_embed() {
    let work = Workdir::new();
    let out = work.embed(&tool_path(), "patched");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let info = audit_info_from_file(&work.path("patched"), Limits::default()).unwrap();
    let listed: Vec<(&str, String, &Source, DependencyKind, bool)> = info
        .packages
        .iter()
        .map(|p| (p.name.as_str(), p.version.to_string(), &p.source, p.kind, p.root))
        .collect();
    let version = env!("CARGO_PKG_VERSION").to_owned();
    assert_eq!(
        listed,
        [
            ("anyhow", version_of("anyhow"), &Source::CratesIo, DependencyKind::Runtime, false),
            ("clap", version_of("clap"), &Source::CratesIo, DependencyKind::Runtime, false),
            ("clap_derive", version_of("clap_derive"), &Source::CratesIo, DependencyKind::Build, false),
            ("cleanstart-auditable", version, &Source::Local, DependencyKind::Runtime, true),
        ]
    );
    assert_eq!(info.packages[3].dependencies, [0, 1]);
    assert_eq!(info.packages[1].dependencies, [2]);
}

#[test]
fn the_patched_binary_still_runs_and_shows_its_list() {
    let work = Workdir::new();
    assert!(work.embed(&tool_path(), "patched").status.success());
    let patched = work.path("patched");

    let shown = testkit::target_command(&patched).arg("show").arg(&patched).output().unwrap();
    assert!(shown.status.success(), "{}", String::from_utf8_lossy(&shown.stderr));
    let json: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(json["format"], 1);
    assert_eq!(json["packages"][3]["name"], "cleanstart-auditable");
    assert_eq!(json["packages"][3]["root"], true);

    let original = std::fs::metadata(tool_path()).unwrap();
    let copy = std::fs::metadata(&patched).unwrap();
    assert_eq!(copy.permissions(), original.permissions(), "the copy keeps the mode");
}

#[test]
fn readelf_lists_the_section_when_binutils_is_installed() {
    let work = Workdir::new();
    assert!(work.embed(&tool_path(), "patched").status.success());
    let Ok(out) = Command::new("readelf").arg("-SW").arg(work.path("patched")).output() else {
        eprintln!("readelf is not installed; skipped");
        return;
    };
    assert!(out.status.success(), "readelf: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    let line = text.lines().find(|l| l.contains(".dep-v0")).unwrap_or_else(|| panic!("no .dep-v0 in\n{text}"));
    assert!(line.contains("PROGBITS"), "{line}");
    // Not loaded: no A (alloc) flag, address 0.
    let flags_and_after: Vec<&str> = line.split_whitespace().skip_while(|w| *w != "PROGBITS").collect();
    assert!(flags_and_after[1].chars().all(|c| c == '0'), "address {line}");
    assert!(!text.contains("readelf: Error") && !text.contains("readelf: Warning"), "{text}");
}

#[test]
fn bad_input_gives_one_line_and_no_output() {
    let work = Workdir::new();
    let script = work.path("script.sh");
    std::fs::write(&script, "#!/bin/sh\necho hi\n").unwrap();
    let out = work.embed(&script, "out");
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8(out.stderr).unwrap();
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(stderr.contains("script.sh") && stderr.contains("not an ELF file"), "{stderr}");
    assert!(!work.path("out").exists(), "no output left behind");
    assert_eq!(std::fs::read_dir(work.dir.path()).unwrap().count(), 3, "no temporary left behind");

    // A binary that already has the section.
    assert!(work.embed(&tool_path(), "once").status.success());
    let out = work.embed(&work.path("once"), "twice");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("already has a .dep-v0 section"));
    assert!(!work.path("twice").exists());
}
