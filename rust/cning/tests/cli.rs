//! The `cning` binary end to end: exit codes and output formats.

const CNING: &str = env!("CARGO_BIN_EXE_cning");

#[test]
fn dynamic_binary_fails_with_exit_1_and_json_names_it() {
    let root = tempfile::tempdir().unwrap();
    std::fs::create_dir(root.path().join("bin")).unwrap();
    std::fs::copy("/bin/sh", root.path().join("bin/sh")).unwrap();
    let out = testkit::target_command(CNING).args(["check", "--format", "json"]).arg(root.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["violations"][0]["rule"], "dynamic-elf");
    assert_eq!(json["violations"][0]["path"], "/bin/sh");
}

#[test]
fn clean_tree_passes() {
    let root = tempfile::tempdir().unwrap();
    std::fs::write(root.path().join("motd"), b"hello\n").unwrap();
    let out = testkit::target_command(CNING).arg("check").arg(root.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("PASS"));
}

#[test]
fn unreadable_input_is_exit_2_with_one_line() {
    let out = testkit::target_command(CNING).args(["check", "/nonexistent/rootfs"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("/nonexistent/rootfs"), "{err}");
}
