//! `zcat` against GNU's `zcat` (`gzip -cd`): same stdout and exit code, input files untouched.

use std::process::Command;

const CSU: &str = env!("CARGO_BIN_EXE_zcat");
const GNU: &str = "/usr/bin/gzip";

#[test]
fn writes_to_stdout_like_gzip_cd() {
    if !testkit::reference_present(GNU) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in [("a", "first\n"), ("b", "second\n")] {
        std::fs::write(dir.path().join(name), text).unwrap();
        assert!(Command::new(GNU).current_dir(dir.path()).arg(name).status().unwrap().success());
    }
    std::fs::write(dir.path().join("plain"), b"not compressed\n").unwrap();
    for args in [&["a.gz", "b.gz"][..], &["a"], &["a.gz", "missing.gz", "b.gz"], &["plain"], &["-f", "plain", "a.gz"]] {
        let o = testkit::target_command(CSU).current_dir(dir.path()).args(args).output().unwrap();
        let g = Command::new(GNU).arg("-cd").current_dir(dir.path()).args(args).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&g.stdout), "stdout for {args:?}");
        assert_eq!(o.status.code(), g.status.code(), "exit code for {args:?}");
    }
    assert!(dir.path().join("a.gz").exists() && dir.path().join("b.gz").exists());
}
