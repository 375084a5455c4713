//! `grep` against GNU grep (C locale) on the same files: same stdout, same exit code, stderr
//! present or not alike.

use std::path::Path;
use std::process::{Command, Output};

const CSU: &str = env!("CARGO_BIN_EXE_grep");
const GNU: &str = "/usr/bin/grep";

fn run(ours: bool, dir: &Path, args: &[&str]) -> Output {
    let mut c = if ours { testkit::target_command(CSU) } else { Command::new(GNU) };
    c.current_dir(dir).env("LC_ALL", "C").args(args).output().unwrap()
}

fn same(dir: &Path, args: &[&str]) {
    let (ours, gnu) = (run(true, dir, args), run(false, dir, args));
    assert_eq!(String::from_utf8_lossy(&ours.stdout), String::from_utf8_lossy(&gnu.stdout), "stdout for {args:?}");
    assert_eq!(ours.status.code(), gnu.status.code(), "exit code for {args:?}: {}", String::from_utf8_lossy(&ours.stderr));
    assert_eq!(ours.stderr.is_empty(), gnu.stderr.is_empty(), "stderr presence for {args:?}: {}", String::from_utf8_lossy(&ours.stderr));
}

/// For recursive searches: GNU reads directories in the file system's order, we sort them.
fn same_lines_any_order(dir: &Path, args: &[&str]) {
    let (ours, gnu) = (run(true, dir, args), run(false, dir, args));
    let sorted = |o: &Output| {
        let mut v: Vec<String> = String::from_utf8_lossy(&o.stdout).lines().map(String::from).collect();
        v.sort();
        v
    };
    assert_eq!(sorted(&ours), sorted(&gnu), "stdout lines for {args:?}");
    assert_eq!(ours.status.code(), gnu.status.code(), "exit code for {args:?}");
}

fn fixture() -> Option<tempfile::TempDir> {
    if !testkit::reference_present(GNU) {
        return None;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("text"),
        "The quick brown fox\njumps over the lazy dog.\nfoo-bar baz\nfoobar\nFOO BAR\n\nab*c a+b a{2} (paren) [brack] back\\slash\n\
         end$ ^start a|b\nx=1; y = 22; z=333\n\tindented line\nno newline at end",
    )
    .unwrap();
    std::fs::write(d.join("other"), "another foo\nnothing here\n").unwrap();
    std::fs::write(d.join("patterns"), "fox\n^foo\n").unwrap();
    std::fs::write(d.join("binary"), b"text foo\0\x01\x02 more foo\n").unwrap();
    std::fs::create_dir_all(d.join("tree/sub")).unwrap();
    std::fs::write(d.join("tree/a.txt"), "foo in a\n").unwrap();
    std::fs::write(d.join("tree/sub/b.txt"), "bar in b\nfoo in b\n").unwrap();
    let mut big = String::new();
    for i in 0..100_000 {
        big.push_str(&format!("row {i} value {}\n", i * 7 % 1009));
    }
    std::fs::write(d.join("big"), big).unwrap();
    Some(dir)
}

#[test]
fn basic_regular_expressions_like_gnu() {
    let Some(dir) = fixture() else { return };
    let d = dir.path();
    for pattern in [
        "fox", "^foo", "dog\\.$", "o\\{2\\}", "\\(ba\\)r", "ab*c", "a+b", "a{2}", "\\(paren\\)", "[[]brack]", "back\\\\slash",
        "end\\$", "\\^start", "a|b", "fo\\+", "fo\\?b", "x\\|y", "\\<bar", "bar\\>", "[[:digit:]]\\{3\\}", "[^a-z ]", "*c", "^$",
        "[]x]", "\\bfoo\\b", "\\w\\W", "[[:space:]]indented", ".",
    ] {
        same(d, &[pattern, "text"]);
    }
}

#[test]
fn extended_and_fixed_like_gnu() {
    let Some(dir) = fixture() else { return };
    let d = dir.path();
    for pattern in ["fo+", "(foo|dog)", "o{2}", "a\\+b", "^(x|j)", "z=3{3}$", "a{2", "[0-9]+;"] {
        same(d, &["-E", pattern, "text"]);
    }
    for pattern in ["a+b", "(paren)", "[brack]", "back\\slash", "a{2}"] {
        same(d, &["-F", pattern, "text"]);
    }
}

#[test]
fn options_like_gnu() {
    let Some(dir) = fixture() else { return };
    let d = dir.path();
    let cases: &[&[&str]] = &[
        &["-i", "foo", "text"],
        &["-v", "o", "text"],
        &["-c", "foo", "text", "other"],
        &["-l", "foo", "text", "other", "patterns"],
        &["-L", "fox", "text", "other"],
        &["-L", "fox", "other"],
        &["-l", "-L", "fox", "text", "other"],
        &["-c", "-l", "foo", "text", "other"],
        &["-n", "foo", "text"],
        &["-h", "foo", "text", "other"],
        &["-H", "foo", "text"],
        &["-o", "o[a-z]", "text"],
        &["-on", "[0-9]\\+", "text"],
        &["-q", "foo", "text"],
        &["-q", "absent", "text"],
        &["-w", "foo", "text"],
        &["-x", "foobar", "text"],
        &["-e", "fox", "-e", "dog", "text"],
        &["-f", "patterns", "text"],
        &["-ivn", "foo", "text"],
        &["-cv", "foo", "text"],
        &["-m", "2", "o", "text"],
        &["--color=never", "-i", "bar", "text"],
        &["end", "text"],
        &["", "other"],
        &["foo", "missing", "text"],
        &["-s", "foo", "missing", "text"],
        &["-q", "foo", "missing", "text"],
        &["foo", "tree"],
        &["-c", "value 5$", "big"],
        &["-n", "^row 9999[0-9]", "big"],
        &["-vc", "7", "big"],
        &["foo", "binary"],
        &["-c", "foo", "binary"],
        &["-a", "foo", "binary"],
        &["\\(", "text"],
        &["-E", "a(", "text"],
        &["-Q", "x", "text"],
    ];
    for args in cases {
        same(d, args);
    }
    for args in [&["-r", "foo", "tree"][..], &["-rn", "in", "tree"], &["-rl", "foo", "tree"], &["-R", "bar", "tree"], &["-rc", "foo", "tree"]] {
        same_lines_any_order(d, args);
    }
}

#[test]
fn context_and_byte_offsets_like_gnu() {
    let Some(dir) = fixture() else { return };
    let d = dir.path();
    let cases: &[&[&str]] = &[
        &["-A", "1", "foo", "text"],
        &["-B", "2", "foo", "text"],
        &["-C", "1", "-n", "o", "text"],
        &["-2", "-n", "fox", "text"],
        &["-A", "0", "o", "text"],
        &["-B", "1", "-A", "3", "-C", "9", "foo", "text"],
        &["-C", "1", "-H", "-n", "-b", "foo", "text", "other"],
        &["-b", "foo", "text"],
        &["-b", "-o", "o[a-z]", "text"],
        &["-o", "-C", "1", "-n", "foo", "text"],
        &["-v", "-C", "1", "-n", "o", "text"],
        &["-v", "-o", "-C", "1", "o", "text"],
        &["-m", "1", "-A", "3", "-n", "o", "text"],
        &["-m", "2", "-v", "-A", "2", "-n", "o", "text"],
        &["-c", "-C", "2", "foo", "text"],
        &["-l", "-A", "2", "foo", "text", "other"],
        &["-q", "-B", "2", "foo", "text"],
        &["--group-separator=::", "-A", "0", "foo", "text"],
        &["--no-group-separator", "-B", "1", "o", "text"],
        &["--context=1", "--byte-offset", "--after-context=0", "dog", "text"],
        &["-C", "2", "-n", "9$", "big"],
        &["-B", "30", "-b", "^row 7[0-9]*3 ", "big"],
        &["-v", "-A", "1", "-n", "[0-8]$", "big"],
        &["-m", "3", "-A", "100000", "-c", "value 1$", "big"],
        &["-A", "x", "foo", "text"],
        &["-B", "-1", "foo", "text"],
        &["-C", "", "foo", "text"],
        &["--context=2x", "foo", "text"],
        &["-m", "0", "foo", "text"],
    ];
    for args in cases {
        same(d, args);
    }
    same_lines_any_order(d, &["-r", "-A", "1", "bar", "tree"]);
}

#[test]
fn recursion_without_operands_names_files_without_dot_slash() {
    let Some(dir) = fixture() else { return };
    same_lines_any_order(&dir.path().join("tree"), &["-r", "foo"]);
}
