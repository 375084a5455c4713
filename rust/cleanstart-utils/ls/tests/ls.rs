//! `ls` against GNU coreutils' `ls`: the same stdout and exit code, and stderr or not, for the
//! options of daily use, on a tree with every file type, set-id and sticky bits, an ACL, odd
//! names, old and large files.

use std::os::unix::fs::symlink;
use std::path::Path;
use std::process::{Command, Output};

const CSU: &str = env!("CARGO_BIN_EXE_ls");
const GNU: &str = "/usr/bin/ls";

/// The tree the listings are compared on. Returns whether the ACL could be set (not every
/// file system takes one).
fn fixture(root: &Path) -> bool {
    let write = |name: &str, content: &[u8]| std::fs::write(root.join(name), content).unwrap();
    write("a", b"12345");
    write("b.tar.gz", b"");
    write("file10", b"");
    write("file9", b"");
    write("sp ace", b"x");
    write("new\nline", b"");
    write(".hidden", b"");
    write("exe", b"#!/bin/sh\n");
    write("suid", b"");
    std::fs::File::create(root.join("sparse")).unwrap().set_len(5_000_000).unwrap();
    let old = std::fs::File::options().write(true).create(true).truncate(true).open(root.join("old")).unwrap();
    old.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(1_577_836_800)).unwrap();
    for dir in ["d/e", "sub", "sticky"] {
        std::fs::create_dir_all(root.join(dir)).unwrap();
    }
    write("d/e/deep", b"deep");
    write("d/inner", b"");
    symlink("a", root.join("link")).unwrap();
    symlink("missing", root.join("dangling")).unwrap();
    symlink("d", root.join("dirlink")).unwrap();
    symlink("..", root.join("d/e/up")).unwrap();
    let mode = |name: &str, mode: u32| {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(root.join(name), std::fs::Permissions::from_mode(mode)).unwrap();
    };
    // Owners and groups of different name lengths, one with no name (as root only; otherwise
    // every file keeps the tester's ids, and the columns are compared all the same).
    for (name, uid, gid) in [("b.tar.gz", 65534, 65534), ("file9", 0, 65534), ("exe", 54321, 54321)] {
        let _ = std::os::unix::fs::lchown(root.join(name), Some(uid), Some(gid));
    }
    mode("exe", 0o755);
    mode("suid", 0o4755);
    mode("sticky", 0o1777);
    rustix::fs::mknodat(rustix::fs::CWD, root.join("fifo"), rustix::fs::FileType::Fifo, 0o644.into(), 0).unwrap();
    // An access ACL granting one more user read access, in the kernel's xattr format: version,
    // then (tag, permissions, id) for user::, user:65534, group::, mask::, other::.
    let mut acl = 2u32.to_le_bytes().to_vec();
    for (tag, perm, id) in [(1u16, 6u16, u32::MAX), (2, 4, 65534), (4, 4, u32::MAX), (0x10, 4, u32::MAX), (0x20, 4, u32::MAX)] {
        acl.extend(tag.to_le_bytes());
        acl.extend(perm.to_le_bytes());
        acl.extend(id.to_le_bytes());
    }
    rustix::fs::setxattr(root.join("a"), "system.posix_acl_access", &acl, rustix::fs::XattrFlags::empty()).is_ok()
}

fn run(ours: bool, dir: &Path, args: &[&str]) -> Output {
    run_with(ours, dir, args, &[("TERM", "xterm")])
}

fn run_with(ours: bool, dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut c = if ours { testkit::target_command(CSU) } else { Command::new(GNU) };
    c.args(args).current_dir(dir).env_clear().env("LC_ALL", "C").env("TZ", "UTC").envs(env.iter().copied());
    c.output().unwrap()
}

const CASES: &[&[&str]] = &[
    &[],
    &["-l"],
    &["-la"],
    &["-lA"],
    &["-R"],
    &["-lR"],
    &["-1"],
    &["-C"],
    &["-x"],
    &["-m"],
    &["-w", "30", "-C"],
    &["-w", "30", "-x"],
    &["-m", "-w", "20"],
    &["-F"],
    &["-p"],
    &["-lF"],
    &["--file-type"],
    &["-lh"],
    &["-ls"],
    &["-sh"],
    &["-lt"],
    &["-ltr"],
    &["-lS"],
    &["-U", "-d", "d"],
    &["-X"],
    &["-v"],
    &["-d"],
    &["-d", "d", "sub"],
    &["-ld", "d", "dirlink"],
    &["-l", "dirlink"],
    &["dirlink"],
    &["-lL"],
    &["-H", "dirlink"],
    &["-RL", "d"],
    &["-n"],
    &["-g"],
    &["-o"],
    &["-lG"],
    &["-Q"],
    &["-b"],
    &["-q"],
    &["--full-time"],
    &["-l", "--time-style=long-iso"],
    &["-l", "--time-style=iso"],
    &["-l", "--time-style=+%Y-%m"],
    &["-lc"],
    &["-I", "d*"],
    &["--hide=d*"],
    &["-a", "--hide=d*"],
    &["-l", "--group-directories-first"],
    &["--group-directories-first"],
    &["--color=always"],
    &["--color=always", "-l"],
    &["a", "d", "missing"],
    &["-l", "missing"],
    &["d", "a", "sub"],
    &["--sort=size"],
    &["--sort=bogus"],
    &["-j"],
    &["--all=x"],
];

#[test]
fn listings_match_gnu() {
    if !testkit::reference_present(GNU) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let acl = fixture(dir.path());
    if !acl {
        println!("note: this file system took no ACL; the '+' marker is not compared");
    }
    let mut failures = Vec::new();
    for args in CASES {
        let (ours, gnu) = (run(true, dir.path(), args), run(false, dir.path(), args));
        if ours.stdout != gnu.stdout
            || ours.status.code() != gnu.status.code()
            || ours.stderr.is_empty() != gnu.stderr.is_empty()
        {
            failures.push(format!(
                "ls {args:?}: exit {:?} vs GNU {:?}\n--- ours\n{}{}--- GNU\n{}{}",
                ours.status.code(),
                gnu.status.code(),
                String::from_utf8_lossy(&ours.stdout),
                String::from_utf8_lossy(&ours.stderr),
                String::from_utf8_lossy(&gnu.stdout),
                String::from_utf8_lossy(&gnu.stderr),
            ));
        }
    }
    assert!(failures.is_empty(), "{} of {} cases differ:\n{}", failures.len(), CASES.len(), failures.join("\n"));
}

#[test]
fn colors_follow_ls_colors_and_term_like_gnu() {
    if !testkit::reference_present(GNU) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    fixture(dir.path());
    let envs: &[&[(&str, &str)]] = &[
        &[],
        &[("TERM", "dumb")],
        &[("LS_COLORS", "di=01;31:*.gz=01;35:ex=:ln=target")],
        &[("LS_COLORS", "or=40;31;01:mi=01;05;37;41"), ("TERM", "dumb")],
    ];
    for env in envs {
        for args in [&["--color=always"][..], &["--color=always", "-lF"]] {
            let (ours, gnu) = (run_with(true, dir.path(), args, env), run_with(false, dir.path(), args, env));
            assert_eq!(
                String::from_utf8_lossy(&ours.stdout),
                String::from_utf8_lossy(&gnu.stdout),
                "ls {args:?} with {env:?}"
            );
        }
    }
}

#[test]
fn times_in_the_local_zone_like_gnu() {
    if !testkit::reference_present(GNU) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // A winter and a summer time, on either side of daylight saving time where it is kept.
    for (name, when) in [("winter", 1_579_000_000), ("summer", 1_594_000_000)] {
        let file = std::fs::File::create(dir.path().join(name)).unwrap();
        file.set_modified(std::time::UNIX_EPOCH + std::time::Duration::from_secs(when)).unwrap();
    }
    // No TZ (/etc/localtime), a zone name, a POSIX rule, and a zone that does not exist.
    for tz in [None, Some("America/New_York"), Some("EST5EDT,M3.2.0,M11.1.0"), Some("Nowhere/Special")] {
        let ls = |ours: bool| {
            let mut c = if ours { testkit::target_command(CSU) } else { Command::new(GNU) };
            c.args(["-l", "--full-time"]).current_dir(dir.path()).env_clear().env("LC_ALL", "C");
            if let Some(tz) = tz {
                c.env("TZ", tz);
            }
            c.output().unwrap()
        };
        let (ours, gnu) = (ls(true), ls(false));
        assert_eq!(String::from_utf8_lossy(&ours.stdout), String::from_utf8_lossy(&gnu.stdout), "TZ={tz:?}");
    }
}

#[test]
fn the_acl_marker_shows() {
    let dir = tempfile::tempdir().unwrap();
    if !fixture(dir.path()) {
        println!("skipped: this file system takes no ACL");
        return;
    }
    let out = run(true, dir.path(), &["-l", "a", "sp ace"]);
    let text = String::from_utf8(out.stdout).unwrap();
    assert!(text.starts_with("-rw-r--r--+ 1 "), "{text}");
    assert!(text.lines().nth(1).unwrap().starts_with("-rw-r--r--  1 "), "{text}");
}

#[test]
fn deep_trees_within_a_small_descriptor_limit() {
    if !testkit::reference_present(GNU) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // d0/a/a/.../a with a `b` beside every `a`: each level stays pending while the walk is
    // below it, the case where holding every level open would run out of descriptors.
    let mut level = dir.path().join("d0");
    for _ in 0..150 {
        std::fs::create_dir_all(level.join("b")).unwrap();
        level.push("a");
    }
    std::fs::create_dir_all(&level).unwrap();
    let ls = |program: &str| {
        let script = "ulimit -n 64 && exec \"$@\" -lR d0";
        // The shell runs what `target_command` would (the emulator first, for our binary).
        let inner = if program == CSU { testkit::target_command(program) } else { Command::new(program) };
        let mut c = Command::new("/bin/sh");
        c.arg("-c").arg(script).arg("sh").arg(inner.get_program()).args(inner.get_args());
        c.current_dir(dir.path()).env("LC_ALL", "C").env("TZ", "UTC").output().unwrap()
    };
    let (ours, gnu) = (ls(CSU), ls(GNU));
    assert_eq!(String::from_utf8_lossy(&ours.stderr), "");
    assert_eq!(ours.status.code(), gnu.status.code());
    assert!(ours.stdout == gnu.stdout, "the listings of a 150-level tree differ");
}

#[test]
fn errors_name_the_file_and_keep_going() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("here"), "").unwrap();
    let out = run(true, dir.path(), &["missing", "here"]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(out.stdout, b"here\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "ls: cannot access 'missing': No such file or directory\n");
}
