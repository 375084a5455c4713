//! `packed-elf` on real UPX output: Debian's busybox-static packed by Debian's upx-ucl (from the
//! testing suite, run in a chroot of its own packages), which hides every BusyBox signature.

use serde_json::Value;
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::Command;
use testkit::debian::{self, Archive};

const CNING: &str = env!("CARGO_BIN_EXE_cning");

fn check(dir: &Path, image: &Path) -> Value {
    let policy = dir.join("any.toml");
    std::fs::write(&policy, "linking = \"any\"\nmulticall_max_names = 100\n[[allow]]\npath = \"/**\"\n").unwrap();
    let out = testkit::target_command(CNING).args(["check", "--format", "json", "--policy"]).arg(&policy).arg(image).output().unwrap();
    assert!(out.status.code() != Some(2), "cning: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

fn rules_at(report: &Value, path: &str) -> Vec<String> {
    report["violations"].as_array().unwrap().iter().filter(|v| v["path"] == path).map(|v| v["rule"].as_str().unwrap().to_string()).collect()
}

#[test]
#[ignore = "real UPX from Debian testing in a chroot; Bazel runs it, `cargo test -- --include-ignored` too"]
fn a_upx_packed_busybox_is_refused_even_with_its_marks_erased() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("upx");
    Archive::new(&debian::host_arch(), Some("testing")).rootfs(&root, &["upx-ucl"]);
    std::fs::create_dir_all(root.join("work")).unwrap();
    std::fs::copy(debian::binary("busybox-static", "busybox"), root.join("work/busybox")).unwrap();
    let out = Command::new("/usr/sbin/chroot").arg(&root).args(["/usr/bin/upx-ucl", "-q", "-o", "/work/packed", "/work/busybox"]).output().unwrap();
    assert!(out.status.success(), "upx: {}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
    let packed = std::fs::read(root.join("work/packed")).unwrap();
    // Still a working BusyBox: it unpacks itself in memory.
    let run = Command::new(root.join("work/packed")).arg0("busybox").arg("--help").output().unwrap();
    assert!(String::from_utf8_lossy(&run.stdout).contains("BusyBox v1."), "{run:?}");

    // UPX's marks overwritten, as malware droppers do: the heuristic must carry it alone.
    let mut erased = packed.clone();
    for needle in [&b"UPX!"[..], b"$Info:", b"$Id: UPX"] {
        let mut at = 0;
        while let Some(i) = erased[at..].windows(needle.len()).position(|w| w == needle) {
            erased[at + i..at + i + needle.len()].fill(b'X');
            at += i + needle.len();
        }
    }
    let image = dir.path().join("image");
    std::fs::create_dir_all(image.join("bin")).unwrap();
    for (name, bytes) in [("packed", &packed), ("erased", &erased)] {
        std::fs::write(image.join("bin").join(name), bytes).unwrap();
    }
    std::fs::copy(root.join("usr/bin/upx-ucl"), image.join("bin/upx-ucl")).unwrap();
    std::fs::copy(root.join("work/busybox"), image.join("bin/busybox")).unwrap();
    let report = check(dir.path(), &image);
    // Packed, BusyBox's signatures are gone: only packed-elf stands between it and the image.
    assert_eq!(rules_at(&report, "/bin/packed"), ["packed-elf"], "{report:#}");
    assert_eq!(rules_at(&report, "/bin/erased"), ["packed-elf"], "{report:#}");
    assert!(report.to_string().contains("UPX l_info magic"), "{report:#}");
    assert!(report.to_string().contains("bits per byte"), "{report:#}");
    assert_eq!(rules_at(&report, "/bin/busybox"), ["busybox"]);
    // UPX itself carries UPX's texts, but is an ordinary program.
    assert!(rules_at(&report, "/bin/upx-ucl").is_empty(), "{report:#}");
}
