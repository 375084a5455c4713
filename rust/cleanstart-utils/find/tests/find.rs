//! `find` against GNU findutils' `find` on the same directory tree: same output (sorted where
//! the walk order is the file system's), same exit code, stderr present or not alike.

use std::ffi::OsStr;
use std::fs::{self, FileTimes};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, SystemTime};

const CSU: &str = env!("CARGO_BIN_EXE_find");
const GNU: &str = "/usr/bin/find";


/// A PATH that -execdir accepts (test runners may hand over one with relative entries).
const SAFE_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

fn run(bin: &str, dir: &Path, args: &[&OsStr]) -> Output {
    run_with_path(bin, dir, args, SAFE_PATH)
}

fn run_with_path(bin: &str, dir: &Path, args: &[&OsStr], path: &str) -> Output {
    let mut command = if bin == CSU { testkit::target_command(bin) } else { Command::new(bin) };
    command.current_dir(dir).args(args).env("PATH", path).stdin(Stdio::null()).output().unwrap()
}

fn days_ago(days: u64) -> SystemTime {
    SystemTime::now() - Duration::from_secs(days * 86_400 + 60)
}

/// A tree with every kind of file the tests look at, including a name that is not UTF-8 and a
/// symlink loop.
fn fixture() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let p = |rel: &str| dir.path().join(rel);
    fs::create_dir_all(p("a/b/c")).unwrap();
    fs::create_dir_all(p("d")).unwrap();
    fs::create_dir_all(p(".hid")).unwrap();
    fs::write(p("a/f.txt"), b"hello\n").unwrap();
    fs::set_permissions(p("a/f.txt"), fs::Permissions::from_mode(0o755)).unwrap();
    fs::write(p("a/B.TXT"), b"").unwrap();
    fs::write(p("a/b/big.bin"), vec![b'x'; 2000]).unwrap();
    let old = fs::File::options().write(true).open(p("a/b/big.bin")).unwrap();
    old.set_times(FileTimes::new().set_modified(days_ago(3)).set_accessed(days_ago(3))).unwrap();
    fs::write(p("a/b/c/empty"), b"").unwrap();
    fs::write(p("d/setuid"), b"#!/bin/sh\n").unwrap();
    fs::set_permissions(p("d/setuid"), fs::Permissions::from_mode(0o4711)).unwrap();
    fs::write(p(".hid/x"), b"1234567890").unwrap();
    fs::write(p("sp ace"), b"").unwrap();
    fs::write(dir.path().join(OsStr::from_bytes(b"bad\xffname")), b"").unwrap();
    symlink("a/f.txt", p("link")).unwrap();
    symlink("nowhere", p("dangling")).unwrap();
    symlink("..", p("a/b/up")).unwrap();
    let status = Command::new("mkfifo").arg(p("d/fifo")).status();
    assert!(status.is_ok_and(|s| s.success()), "mkfifo");
    dir
}

fn lines(bytes: &[u8], sorted: bool) -> Vec<String> {
    let mut lines: Vec<String> = bytes.split(|&b| b == b'\n').map(|l| String::from_utf8_lossy(l).into_owned()).collect();
    if sorted {
        lines.sort();
    }
    lines
}

fn compare(dir: &Path, args: &[&OsStr], sorted: bool) {
    let (ours, gnu) = (run(CSU, dir, args), run(GNU, dir, args));
    assert_eq!(lines(&ours.stdout, sorted), lines(&gnu.stdout, sorted), "stdout for {args:?}");
    assert_eq!(ours.status.code(), gnu.status.code(), "exit code for {args:?}; ours said {:?}", String::from_utf8_lossy(&ours.stderr));
    assert_eq!(
        ours.stderr.is_empty(),
        gnu.stderr.is_empty(),
        "stderr for {args:?}: ours {:?}, GNU {:?}",
        String::from_utf8_lossy(&ours.stderr),
        String::from_utf8_lossy(&gnu.stderr)
    );
}

fn same(dir: &Path, args: &[&str]) {
    let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
    compare(dir, &args, true);
}

#[test]
fn names_paths_and_regexes() {
    if !testkit::reference_present(GNU) {
        return;
    }
    let dir = fixture();
    let d = dir.path();
    same(d, &[]);
    same(d, &["."]);
    same(d, &[".", "-name", "*.txt"]);
    same(d, &["-iname", "*.txt"]);
    same(d, &["-name", "[ab]*", "-o", "-name", "?"]);
    same(d, &["-name", "bad*"]);
    same(d, &["-path", "./a/*", "-prune", "-o", "-print"]);
    same(d, &["-ipath", "./A/B*"]);
    same(d, &["-wholename", "./a/b/*"]);
    same(d, &["-regex", ".*/[a-c]"]);
    same(d, &["-regex", r".*/\(b\|c\)"]);
    same(d, &["-regextype", "posix-extended", "-iregex", ".*/(b|C)\\.txt"]);
    same(d, &["-regextype", "posix-basic", "-regex", r"\./a/b\{0,1\}"]);
}

#[test]
fn operators_and_errors() {
    if !testkit::reference_present(GNU) {
        return;
    }
    let dir = fixture();
    let d = dir.path();
    same(d, &["(", "-name", "a", "-o", "-name", "b", ")", "-print0"]);
    same(d, &["!", "-name", "*.txt", "-type", "f"]);
    same(d, &["-not", "-type", "d", "-a", "-not", "-type", "f"]);
    same(d, &["-name", "a", "-print", ",", "-name", "b", "-print"]);
    same(d, &["-true", "-o", "-false", "-print"]);
    same(d, &["-name", "x", "-o"]);
    same(d, &["-bogus"]);
    same(d, &["(", "-true"]);
    same(d, &["-true", ")"]);
    same(d, &["-name"]);
    same(d, &["-name", "x", "y"]);
    same(d, &["-type", "q"]);
    same(d, &["-maxdepth", "x"]);
    same(d, &["-user", "no-such-user-here"]);
    same(d, &["nonexistent", ".", "-maxdepth", "0"]);
}

#[test]
fn types_links_and_depths() {
    if !testkit::reference_present(GNU) {
        return;
    }
    let dir = fixture();
    let d = dir.path();
    same(d, &["-type", "f", "-o", "-type", "l"]);
    same(d, &["-type", "d,p"]);
    same(d, &["-xtype", "l"]);
    same(d, &["-xtype", "f"]);
    // -L meets the a/b/up -> .. loop: an error, exit 1, and the walk goes on.
    same(d, &["-L", ".", "-type", "l"]);
    same(d, &["-L", ".", "-xtype", "l"]);
    same(d, &["-follow", "-name", "f*"]);
    same(d, &["-H", "link", "dangling", "a"]);
    same(d, &["-L", "link", "dangling"]);
    same(d, &["-depth"]);
    same(d, &["-maxdepth", "1", "-mindepth", "1"]);
    same(d, &["-mindepth", "2", "-maxdepth", "3", "-type", "d"]);
    same(d, &["-xdev", "-maxdepth", "2"]);
    same(d, &["-links", "+2", "-type", "d"]);
    same(d, &["-samefile", "a/f.txt"]);
    same(d, &["-L", ".", "-samefile", "a/f.txt"]);
    same(d, &["-type", "f", "-quit"]);
}

#[test]
fn depth_puts_directories_after_their_contents() {
    let dir = fixture();
    let out = run(CSU, dir.path(), &[OsStr::new("a"), OsStr::new("-depth")]);
    let order = lines(&out.stdout, false);
    let at = |name: &str| order.iter().position(|l| l == name).unwrap();
    assert!(at("a/b/c/empty") < at("a/b/c") && at("a/b/c") < at("a/b") && at("a/b") < at("a"));
    assert_eq!(order.iter().rfind(|l| !l.is_empty()).map(String::as_str), Some("a"));
}

#[test]
fn sizes_times_permissions_and_owners() {
    if !testkit::reference_present(GNU) {
        return;
    }
    let dir = fixture();
    let d = dir.path();
    same(d, &["-size", "+1k"]);
    same(d, &["-size", "-1M"]);
    same(d, &["-size", "6c"]);
    same(d, &["-size", "4"]);
    same(d, &["-empty"]);
    same(d, &["-perm", "-u+x", "-type", "f"]);
    same(d, &["-perm", "/4000"]);
    same(d, &["-perm", "644"]);
    same(d, &["-perm", "-g=x,o=x"]);
    same(d, &["-mtime", "+1"]);
    same(d, &["-mtime", "-1"]);
    same(d, &["-mtime", "3"]);
    same(d, &["-mmin", "-5"]);
    same(d, &["-mmin", "+5"]);
    same(d, &["-atime", "+2"]);
    same(d, &["-ctime", "0"]);
    same(d, &["-cmin", "-60"]);
    same(d, &["-daystart", "-mtime", "-1"]);
    same(d, &["-newer", "a/b/big.bin"]);
    same(d, &["-anewer", "a/b/big.bin", "-type", "f"]);
    same(d, &["-user", "root", "-o", "-uid", "+0"]);
    same(d, &["-group", "0"]);
    same(d, &["-uid", "0", "-gid", "0"]);
    same(d, &["-nouser", "-o", "-nogroup"]);
    same(d, &["-readable", "-writable"]);
    same(d, &["-executable", "-type", "f"]);
}

#[test]
fn printf_ls_and_print0() {
    if !testkit::reference_present(GNU) {
        return;
    }
    let dir = fixture();
    let d = dir.path();
    same(d, &["-printf", "%p|%f|%h|%P|%H|%s|%m|%M|%u|%g|%U|%G|%y|%Y|%l|%d|%n|%i|%k|%b\\n"]);
    same(d, &["-printf", "%t|%T@|%Tc|%TY-%Tm-%Td %TH:%TM|%A+|%C@\\n"]);
    same(d, &["-printf", "[%-12f][%8s][%#m][%.3p]\\t\\101\\\\\\n"]);
    same(d, &["-printf", "%p\\0"]);
    same(d, &["-printf", "%f\\c never\\n"]);
    same(d, &["-ls"]);
    same(d, &["-name", "*.txt", "-fls", "/dev/stdout"]);
    same(d, &["-print0"]);
}

#[test]
fn exec_execdir_and_delete() {
    if !testkit::reference_present(GNU) {
        return;
    }
    let dir = fixture();
    let d = dir.path();
    same(d, &["-name", "*.txt", "-exec", "echo", "x{}y", "{}", ";"]);
    same(d, &["-exec", "printf", "%s\\n", "{}", "+"]);
    same(d, &["-type", "f", "-execdir", "echo", "{}", ";"]);
    same(d, &["-type", "f", "-execdir", "printf", "%s\\n", "{}", "+"]);
    same(d, &["-name", "*.txt", "-exec", "false", ";", "-o", "-print"]);
    same(d, &["-exec", "false", "{}", "+"]);
    same(d, &["-maxdepth", "0", "-exec", "/nonexistent/command", ";"]);
    same(d, &["-maxdepth", "1", "-exec", "test", "-d", "{}", ";", "-print"]);
    // -execdir refuses a PATH that searches the current directory, before any output.
    for path in [".:/usr/bin:/bin", "/usr/bin::/bin", "bin:/usr/bin"] {
        let args = [OsStr::new("-execdir"), OsStr::new("echo"), OsStr::new("{}"), OsStr::new(";")];
        let (ours, gnu) = (run_with_path(CSU, d, &args, path), run_with_path(GNU, d, &args, path));
        assert_eq!((ours.stdout.is_empty(), ours.status.code()), (gnu.stdout.is_empty(), gnu.status.code()), "PATH={path}");
        assert!(!ours.stderr.is_empty() && ours.status.code() == Some(1), "PATH={path}");
    }
    // -delete changes the tree: each implementation gets its own copy.
    for args in [&["-name", "*.bin", "-delete"][..], &["-name", "c", "-delete"], &["-path", "./a*", "-delete", "-print"]] {
        let (mine, theirs) = (fixture(), fixture());
        let args: Vec<&OsStr> = args.iter().map(OsStr::new).collect();
        let (ours, gnu) = (run(CSU, mine.path(), &args), run(GNU, theirs.path(), &args));
        assert_eq!(lines(&ours.stdout, true), lines(&gnu.stdout, true), "stdout for {args:?}");
        assert_eq!(ours.status.code(), gnu.status.code(), "exit code for {args:?}");
        let (left, right) = (run(GNU, mine.path(), &[]), run(GNU, theirs.path(), &[]));
        assert_eq!(lines(&left.stdout, true), lines(&right.stdout, true), "what is left after {args:?}");
    }
}
