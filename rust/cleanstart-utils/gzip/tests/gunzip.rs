//! `gunzip` against GNU's `gunzip` (`gzip -d`): same files left, same exit codes.

use std::path::Path;
use std::process::Command;

const CSU: &str = env!("CARGO_BIN_EXE_gunzip");
const GNU: &str = "/usr/bin/gzip";

#[test]
fn decompresses_in_place_like_gzip_d() {
    if !testkit::reference_present(GNU) {
        return;
    }
    for (args, expect_plain) in [(&["a.gz"][..], true), (&["a"][..], true), (&["-k", "a.gz"][..], true), (&["nothing.gz"][..], false)] {
        let (ours, gnu) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        for d in [ours.path(), gnu.path()] {
            std::fs::write(d.join("a"), b"payload\n").unwrap();
            assert!(Command::new(GNU).current_dir(d).arg("a").status().unwrap().success());
        }
        let o = testkit::target_command(CSU).current_dir(ours.path()).args(args).output().unwrap();
        let g = Command::new(GNU).arg("-d").current_dir(gnu.path()).args(args).output().unwrap();
        assert_eq!(o.status.code(), g.status.code(), "exit code for {args:?}");
        let names = |d: &Path| {
            let mut v: Vec<String> = std::fs::read_dir(d).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
            v.sort();
            v
        };
        assert_eq!(names(ours.path()), names(gnu.path()), "files left by {args:?}");
        if expect_plain {
            assert_eq!(std::fs::read(ours.path().join("a")).unwrap(), b"payload\n");
        }
    }
}
