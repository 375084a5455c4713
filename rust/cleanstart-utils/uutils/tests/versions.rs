//! Every uutils crate this package depends on has its binary here, and each binary is that
//! crate's utility: `NAME --version` names it and uutils' release. The list is the package's own
//! manifest, so a dependency without a binary (or a binary started as the wrong crate) fails.

use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use testkit::target_command;

const MANIFEST: &str = include_str!("../Cargo.toml");

/// The `uu_NAME` dependencies of this package, with their version.
fn uutils() -> Vec<(String, String)> {
    let manifest: toml::Table = MANIFEST.parse().expect("uutils/Cargo.toml parses");
    let deps = manifest["dependencies"].as_table().expect("a [dependencies] table");
    deps.iter()
        .filter_map(|(name, version)| Some((name.strip_prefix("uu_")?.to_string(), version.as_str()?.to_string())))
        .collect()
}

/// Where the binaries are: beside `cat`, under cargo (target/PROFILE) and Bazel alike.
fn bin_dir() -> PathBuf {
    let cat = std::path::absolute(env!("CARGO_BIN_EXE_cat")).expect("absolute path of cat");
    cat.parent().expect("cat has a directory").to_path_buf()
}

fn version_line(bin: &Path) -> String {
    let out = target_command(bin).arg("--version").output().unwrap_or_else(|e| panic!("{}: {e}", bin.display()));
    String::from_utf8_lossy(&out.stdout).lines().next().unwrap_or_default().to_string()
}

#[test]
fn each_uutils_crate_is_its_own_binary() {
    let dir = bin_dir();
    let list = uutils();
    assert!(list.len() >= 40, "only {} uu_ dependencies", list.len());
    for (name, version) in &list {
        let bin = dir.join(name);
        assert!(bin.is_file(), "uu_{name} has no binary {}", bin.display());
        if name == "test" {
            // POSIX test takes `--version` as a string to test, as GNU's does.
            let status = |args: &[&str]| target_command(&bin).args(args).status().expect("run test").code();
            assert_eq!((status(&["1", "-eq", "1"]), status(&["1", "-eq", "2"])), (Some(0), Some(1)));
            continue;
        }
        // GNU's wording: `cat (uutils coreutils) 0.12.0`.
        let line = version_line(&bin);
        assert_eq!(line, format!("{name} (uutils coreutils) {version}"), "{}", bin.display());
    }
}

#[test]
fn bracket_is_test_wanting_a_closing_bracket() {
    // Bazel installs it as `[`; cargo cannot name a binary so and builds it as `lbracket`.
    let dir = bin_dir();
    let bin = [dir.join("["), dir.join("lbracket")].into_iter().find(|p| p.is_file()).expect("a `[` binary");
    let run = |args: &[&str]| {
        let mut command = target_command(&bin);
        if bin.ends_with("lbracket") {
            command.arg0("[");
        }
        command.args(args).status().expect("run [").code()
    };
    assert_eq!(run(&["1", "-eq", "1", "]"]), Some(0));
    assert_eq!(run(&["1", "-eq", "2", "]"]), Some(1));
    assert_eq!(run(&["1", "-eq", "1"]), Some(2), "a missing `]` is an error");
}

#[test]
fn sed_is_uutils_sed() {
    let mut child = target_command(bin_dir().join("sed"))
        .args(["-e", "s/a/o/g"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("run sed");
    child.stdin.take().expect("stdin").write_all(b"banana\n").expect("write to sed");
    let out = child.wait_with_output().expect("sed output");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "bonono\n");
}
