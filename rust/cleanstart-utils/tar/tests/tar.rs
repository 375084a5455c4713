//! `tar` against GNU tar: each lists and extracts what the other creates (plain, gzip, zstd),
//! listings agree line for line, extracted trees are identical, and extraction never writes
//! outside its target directory.

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const CSU: &str = env!("CARGO_BIN_EXE_tar");
const GNU: &str = "/usr/bin/tar";

fn ours(dir: &Path, args: &[&str]) -> Output {
    testkit::target_command(CSU).current_dir(dir).args(args).output().unwrap()
}

fn gnu(dir: &Path, args: &[&str]) -> Output {
    // Our listings print UTC; the image has no time zone either.
    Command::new(GNU).current_dir(dir).env("TZ", "UTC").args(args).output().unwrap()
}

fn ok(out: Output, what: &str) -> Output {
    assert!(out.status.success(), "{what} failed: {}", String::from_utf8_lossy(&out.stderr));
    out
}


fn have_zstd() -> bool {
    Command::new("zstd").arg("--version").output().is_ok_and(|o| o.status.success())
}

/// A tree with the kinds of entries archives carry.
fn make_tree(root: &Path) {
    let d = root.join("tree");
    std::fs::create_dir_all(d.join("sub/deeper")).unwrap();
    std::fs::write(d.join("hello.txt"), b"hello\n").unwrap();
    std::fs::write(d.join("empty"), b"").unwrap();
    let big: Vec<u8> = (0..200_000u32).map(|i| (i * 31 % 253) as u8).collect();
    std::fs::write(d.join("sub/big.bin"), big).unwrap();
    std::fs::write(d.join("sub/run.sh"), b"#!/bin/sh\necho hi\n").unwrap();
    std::fs::set_permissions(d.join("sub/run.sh"), std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::write(d.join("sub/deeper/private"), b"secret\n").unwrap();
    std::fs::set_permissions(d.join("sub/deeper/private"), std::fs::Permissions::from_mode(0o600)).unwrap();
    std::os::unix::fs::symlink("hello.txt", d.join("link")).unwrap();
    std::os::unix::fs::symlink("/nonexistent/target", d.join("dangling")).unwrap();
    std::fs::hard_link(d.join("hello.txt"), d.join("sub/hard")).unwrap();
    let long = "a-rather-long-directory-name-to-pass-one-hundred-bytes/".repeat(2);
    std::fs::create_dir_all(d.join(&long)).unwrap();
    std::fs::write(d.join(format!("{long}with-a-long-file-name-too.txt")), b"long\n").unwrap();
}

/// One entry of a tree: path, kind, mode, contents or link target.
type Entry = (String, char, u32, Vec<u8>);

/// Every entry of a tree, and which paths share an inode.
fn snapshot(root: &Path) -> (Vec<Entry>, Vec<Vec<String>>) {
    fn walk(root: &Path, dir: &Path, out: &mut Vec<Entry>, inodes: &mut Vec<(u64, String)>) {
        let mut entries: Vec<PathBuf> = std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for p in entries {
            let meta = std::fs::symlink_metadata(&p).unwrap();
            let rel = p.strip_prefix(root).unwrap().to_string_lossy().into_owned();
            let mode = meta.mode() & 0o7777;
            if meta.file_type().is_symlink() {
                out.push((rel, 'l', 0, std::fs::read_link(&p).unwrap().into_os_string().into_encoded_bytes()));
            } else if meta.is_dir() {
                out.push((rel, 'd', mode, Vec::new()));
                walk(root, &p, out, inodes);
            } else {
                out.push((rel.clone(), 'f', mode, std::fs::read(&p).unwrap()));
                if meta.nlink() > 1 {
                    inodes.push((meta.ino(), rel));
                }
            }
        }
    }
    let (mut out, mut inodes) = (Vec::new(), Vec::new());
    walk(root, root, &mut out, &mut inodes);
    inodes.sort();
    let mut groups: Vec<Vec<String>> = Vec::new();
    for chunk in inodes.chunk_by(|a, b| a.0 == b.0) {
        groups.push(chunk.iter().map(|(_, n)| n.clone()).collect());
    }
    (out, groups)
}

fn sorted_lines(out: &[u8]) -> Vec<String> {
    let mut v: Vec<String> = String::from_utf8_lossy(out).lines().map(String::from).collect();
    v.sort();
    v
}

#[test]
fn lists_gnu_archives_like_gnu() {
    if !testkit::reference_present(GNU) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    make_tree(dir.path());
    let mut kinds = vec![("plain.tar", "-cf"), ("gz.tar.gz", "-czf")];
    if have_zstd() {
        kinds.push(("zst.tar.zst", "--zstd"));
    }
    for (name, flag) in kinds {
        let args: Vec<&str> = if flag == "--zstd" { vec!["--zstd", "-cf", name, "tree"] } else { vec![flag, name, "tree"] };
        ok(gnu(dir.path(), &args), "GNU tar -c");
        for list in [&["-tf", name][..], &["-tvf", name], &["-tf", name, "tree/sub"]] {
            let (o, g) = (ours(dir.path(), list), ok(gnu(dir.path(), list), "GNU tar -t"));
            assert_eq!(String::from_utf8_lossy(&o.stdout), String::from_utf8_lossy(&g.stdout), "stdout of {list:?}");
            assert_eq!(o.status.code(), g.status.code(), "exit code of {list:?}");
        }
    }
    let (o, g) = (ours(dir.path(), &["-tf", "plain.tar", "no/such/member"]), gnu(dir.path(), &["-tf", "plain.tar", "no/such/member"]));
    assert_eq!(o.status.code(), g.status.code());
    let (o, g) = (ours(dir.path(), &["-tf", "missing.tar"]), gnu(dir.path(), &["-tf", "missing.tar"]));
    assert_eq!((o.status.code(), o.stderr.is_empty()), (g.status.code(), g.stderr.is_empty()));
}

#[test]
fn extracts_gnu_archives_like_gnu() {
    if !testkit::reference_present(GNU) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    make_tree(dir.path());
    ok(gnu(dir.path(), &["-czf", "a.tgz", "tree"]), "GNU tar -czf");
    for extra in [&[][..], &["--strip-components=1"], &["--strip-components", "2"], &["tree/sub"]] {
        let (o_dir, g_dir) = (dir.path().join("ours"), dir.path().join("gnu"));
        for d in [&o_dir, &g_dir] {
            let _ = std::fs::remove_dir_all(d);
            std::fs::create_dir(d).unwrap();
        }
        let archive = dir.path().join("a.tgz");
        let archive = archive.to_str().unwrap();
        let mut o_args = vec!["-xzf", archive, "-C", o_dir.to_str().unwrap()];
        o_args.extend_from_slice(extra);
        let mut g_args = vec!["-xzf", archive, "-C", g_dir.to_str().unwrap()];
        g_args.extend_from_slice(extra);
        // With two components stripped, the hard link's target becomes empty: both fail on it.
        let (o, g) = (ours(dir.path(), &o_args), gnu(dir.path(), &g_args));
        assert_eq!(o.status.code(), g.status.code(), "exit code with {extra:?}: {}", String::from_utf8_lossy(&o.stderr));
        assert_eq!(snapshot(&o_dir), snapshot(&g_dir), "trees extracted with {extra:?}");
    }
}

#[test]
fn gnu_reads_what_we_create() {
    if !testkit::reference_present(GNU) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    make_tree(dir.path());
    let reference = ok(gnu(dir.path(), &["-cf", "ref.tar", "tree"]), "GNU tar -c");
    drop(reference);
    let expected = sorted_lines(&ok(gnu(dir.path(), &["-tvf", "ref.tar"]), "GNU tar -tv").stdout);
    let mut creations: Vec<(&str, Vec<&str>)> = vec![
        ("ours.tar", vec!["-cf", "ours.tar", "tree"]),
        ("ours.tgz", vec!["czf", "ours.tgz", "tree"]),
        ("auto.tar.gz", vec!["-caf", "auto.tar.gz", "tree"]),
        ("ours.tar.zst", vec!["--zstd", "-cf", "ours.tar.zst", "tree"]),
        ("auto.tar.zst", vec!["-caf", "auto.tar.zst", "tree"]),
    ];
    if !have_zstd() {
        creations.retain(|(name, _)| !name.ends_with(".zst"));
    }
    for (name, args) in creations {
        ok(ours(dir.path(), &args), "our tar -c");
        let listed = sorted_lines(&ok(gnu(dir.path(), &["-tvf", name]), "GNU tar -tv of ours").stdout);
        assert_eq!(listed, expected, "GNU's listing of {name}");
        let out = dir.path().join(format!("x-{name}"));
        std::fs::create_dir(&out).unwrap();
        ok(gnu(dir.path(), &["-xf", name, "-C", out.to_str().unwrap()]), "GNU tar -x of ours");
        assert_eq!(snapshot(&out.join("tree")), snapshot(&dir.path().join("tree")), "tree from {name}");
    }
    // To stdout, and with the archive's own compression found by reading it.
    let piped = ours(dir.path(), &["-czf", "-", "tree/hello.txt"]);
    std::fs::write(dir.path().join("piped"), &piped.stdout).unwrap();
    assert_eq!(String::from_utf8_lossy(&ok(gnu(dir.path(), &["-tzf", "piped"]), "GNU -tz").stdout), "tree/hello.txt\n");
    let o = ours(dir.path(), &["-cf", "bad.tar", "tree/hello.txt", "nonexistent"]);
    let g = gnu(dir.path(), &["-cf", "bad-gnu.tar", "tree/hello.txt", "nonexistent"]);
    assert_eq!((o.status.code(), o.stderr.is_empty()), (g.status.code(), g.stderr.is_empty()));
    assert_eq!(ours(dir.path(), &["-cf", "none.tar"]).status.code(), gnu(dir.path(), &["-cf", "none.tar"]).status.code());
}

/// A ustar header block for `name` (a regular file of `data`, or a symlink to `link`).
fn header(name: &str, data: &[u8], link: Option<&str>) -> Vec<u8> {
    let mut h = vec![0u8; 512];
    h[..name.len()].copy_from_slice(name.as_bytes());
    h[100..108].copy_from_slice(b"0000644\0");
    h[108..116].copy_from_slice(b"0000000\0");
    h[116..124].copy_from_slice(b"0000000\0");
    h[124..136].copy_from_slice(format!("{:011o}\0", if link.is_some() { 0 } else { data.len() }).as_bytes());
    h[136..148].copy_from_slice(b"00000000000\0");
    h[156] = if link.is_some() { b'2' } else { b'0' };
    if let Some(l) = link {
        h[157..157 + l.len()].copy_from_slice(l.as_bytes());
    }
    h[257..263].copy_from_slice(b"ustar\0");
    h[263..265].copy_from_slice(b"00");
    h[148..156].copy_from_slice(b"        ");
    let sum: u32 = h.iter().map(|&b| u32::from(b)).sum();
    h[148..156].copy_from_slice(format!("{sum:06o}\0 ").as_bytes());
    let mut block = h;
    if link.is_none() {
        block.extend_from_slice(data);
        block.resize(block.len().div_ceil(512) * 512, 0);
    }
    block
}

/// A scratch directory holding an empty `outside` and an empty `target` to extract into.
fn outside_and_target() -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let (outside, target) = (dir.path().join("outside"), dir.path().join("target"));
    std::fs::create_dir(&outside).unwrap();
    std::fs::create_dir(&target).unwrap();
    (dir, outside, target)
}

#[test]
fn extraction_stays_inside_the_target() {
    let (dir, outside, target) = outside_and_target();
    let outside_s = outside.to_str().unwrap();
    let escape = "../outside/escaped";
    let members = [
        header(escape, b"1", None),
        header(&format!("{outside_s}/absolute"), b"2", None),
        header("a/../../outside/dotdot", b"3", None),
        header("link", b"", Some(outside_s)),
        header("link/through-symlink", b"4", None),
        header("fine.txt", b"5", None),
    ]
    .concat();
    let archive = [members, vec![0u8; 1024]].concat();
    std::fs::write(dir.path().join("evil.tar"), &archive).unwrap();
    let out = ours(dir.path(), &["-xf", "evil.tar", "-C", "target"]);
    assert_eq!(out.status.code(), Some(2), "errors are reported: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0, "nothing written outside the target");
    // Leading "../" and "/" are removed, as GNU does, so those members land inside.
    assert_eq!(std::fs::read(target.join("outside/escaped")).unwrap(), b"1");
    assert_eq!(std::fs::read(target.join(outside_s.trim_start_matches('/')).join("absolute")).unwrap(), b"2");
    assert_eq!(std::fs::read(target.join("fine.txt")).unwrap(), b"5");
    assert!(std::fs::symlink_metadata(target.join("link")).unwrap().file_type().is_symlink());
}

/// A symlink that first leads inside the target, has a member written through it, and is then
/// replaced by one leading outside: the later member must still be refused (extraction
/// remembers which directories it found inside the target, and must forget them here).
#[test]
fn a_replaced_symlink_is_checked_again() {
    let (dir, outside, target) = outside_and_target();
    let members = [
        header("sub/first", b"1", None),
        header("link", b"", Some("sub")),
        header("link/through-inside-link", b"2", None),
        header("link", b"", Some(outside.to_str().unwrap())),
        header("link/through-outside-link", b"3", None),
        header("link/sub2/deeper", b"4", None),
    ]
    .concat();
    std::fs::write(dir.path().join("swap.tar"), [members, vec![0u8; 1024]].concat()).unwrap();
    let out = ours(dir.path(), &["-xf", "swap.tar", "-C", "target"]);
    assert_eq!(out.status.code(), Some(2), "errors are reported: {}", String::from_utf8_lossy(&out.stderr));
    assert_eq!(std::fs::read(target.join("sub/through-inside-link")).unwrap(), b"2");
    assert_eq!(std::fs::read_dir(&outside).unwrap().count(), 0, "nothing written outside the target");
    assert_eq!(std::fs::read_link(target.join("link")).unwrap(), outside);
}

#[test]
fn corrupt_archives_fail_with_one_message() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("junk.tar"), vec![b'x'; 2048]).unwrap();
    let o = ours(dir.path(), &["-tf", "junk.tar"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("junk.tar"), "names the file: {}", String::from_utf8_lossy(&o.stderr));
    if testkit::reference_present(GNU) {
        assert_eq!(o.status.code(), gnu(dir.path(), &["-tf", "junk.tar"]).status.code());
    }
}
