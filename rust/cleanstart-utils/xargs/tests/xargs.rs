//! `xargs` against GNU findutils' `xargs` on the same input: same stdout (sorted where commands
//! run in parallel), same exit code, stderr present or not alike (and equal for `-t`).

use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::{Command, Output, Stdio};

const CSU: &str = env!("CARGO_BIN_EXE_xargs");
const GNU: &str = "/usr/bin/xargs";


fn run(bin: &str, dir: &Path, input: &[u8], args: &[&str]) -> Output {
    let mut command = if bin == CSU { testkit::target_command(bin) } else { Command::new(bin) };
    let mut child = command
        .current_dir(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // The command may stop reading early (255, -E); a closed pipe is fine then.
    let _ = stdin.write_all(input);
    drop(stdin);
    child.wait_with_output().unwrap()
}

fn compare(dir: &Path, input: &[u8], args: &[&str], sorted: bool) -> (Output, Output) {
    let (ours, gnu) = (run(CSU, dir, input, args), run(GNU, dir, input, args));
    let text = |o: &Output| {
        let mut lines: Vec<String> = String::from_utf8_lossy(&o.stdout).lines().map(String::from).collect();
        if sorted {
            lines.sort();
        }
        lines
    };
    assert_eq!(text(&ours), text(&gnu), "stdout for {args:?} on {:?}", String::from_utf8_lossy(input));
    assert_eq!(ours.status.code(), gnu.status.code(), "exit code for {args:?}; ours said {:?}", String::from_utf8_lossy(&ours.stderr));
    assert_eq!(
        ours.stderr.is_empty(),
        gnu.stderr.is_empty(),
        "stderr for {args:?}: ours {:?}, GNU {:?}",
        String::from_utf8_lossy(&ours.stderr),
        String::from_utf8_lossy(&gnu.stderr)
    );
    (ours, gnu)
}

fn same(input: &str, args: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    compare(dir.path(), input.as_bytes(), args, false);
}

#[test]
fn splitting_and_quoting() {
    if !testkit::reference_present(GNU) {
        return;
    }
    same("a b\nc\n", &[]);
    same("a b\nc\n", &["echo", "x"]);
    same("a \"b c\" d\\ e 'f \"g\"' h''i\n", &["-n1", "echo"]);
    same("a\0b c\0d\ne\0", &["-0", "-n1", "echo"]);
    same("a\0b\0", &["--null", "echo"]);
    same("a,b,,c", &["-d,", "-n1", "echo"]);
    same("a\nb\n", &["-d", "\\n", "echo"]);
    same("a b\nc d \ne\n\nf\n", &["-L1", "echo"]);
    same("a b\nc d\ne\n", &["-L", "2", "echo"]);
    same("a\nSTOP\nb\n", &["-E", "STOP", "echo"]);
    same("a\nSTOP\nb\n", &["-eSTOP", "echo"]);
    same("a 'b\n", &["echo"]);
    same("\"b", &["echo"]);
}

#[test]
fn replacement_and_batching() {
    if !testkit::reference_present(GNU) {
        return;
    }
    same("x y\n z\n", &["-I{}", "echo", "[{}]", "{}{}"]);
    same("x\n", &["-i", "echo", "<{}>"]);
    same("x\ny\n", &["-I", "XX", "echo", "aXXb"]);
    same("a b c d e", &["-n", "2", "echo"]);
    same("aaaa bbbb cccc", &["-s", "15", "echo"]);
    same("aaaaaaaaaaaaaaaa", &["-s", "15", "echo"]);
    same("a b c", &["-n", "2", "-x", "-s", "9", "echo"]);
    same("a b c", &["-n", "3", "-x", "-s", "9", "echo"]);
    same("a b c d", &["-L", "1", "-n", "2", "echo"]);
    same("", &["echo", "x"]);
    same("", &["-r", "echo", "x"]);
    same("  \n", &["--no-run-if-empty", "echo", "x"]);
    let many: String = (0..5000).map(|i| format!("item{i} ")).collect();
    same(&many, &["echo"]);
    same(&many, &["-s", "2000", "echo"]);
}

#[test]
fn exit_codes() {
    if !testkit::reference_present(GNU) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let not_executable = dir.path().join("script");
    std::fs::write(&not_executable, "#!/bin/sh\n").unwrap();
    std::fs::set_permissions(&not_executable, std::fs::Permissions::from_mode(0o644)).unwrap();
    same("a\nb\n", &["sh", "-c", "exit 3"]);
    same("a\nb\n", &["-n1", "sh", "-c", "exit 255"]);
    same("a\n", &["sh", "-c", "kill -9 $$"]);
    same("a\n", &["/nonexistent/command"]);
    same("a\n", &["no-such-command-anywhere"]);
    same("a\n", &[not_executable.to_str().unwrap()]);
    same("a\n", &["-n"]);
    same("a\n", &["-n", "0"]);
    same("a\n", &["-q"]);
    same("a\n", &["-d", "ab"]);
    same("a\n", &["-a", "/nonexistent/input"]);
}

#[test]
fn files_parallelism_and_tracing() {
    if !testkit::reference_present(GNU) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("list"), "one two\nthree\n").unwrap();
    compare(dir.path(), b"ignored", &["-a", "list", "echo"], false);
    compare(dir.path(), b"ignored", &["--arg-file=list", "-n1", "echo"], false);
    // The commands read /dev/null, not our input.
    compare(dir.path(), b"a\n", &["sh", "-c", "cat; echo done"], false);
    compare(dir.path(), b"1 2 3 4 5 6 7 8 9", &["-n2", "-P3", "sh", "-c", "echo $#:$*"], true);
    compare(dir.path(), b"1 2 3 4 5 6 7 8 9", &["-n1", "-P", "0", "echo"], true);
    let (ours, gnu) = compare(dir.path(), b"a b\nc\n", &["-t", "-n2", "echo"], false);
    assert_eq!(ours.stderr, gnu.stderr, "-t shows the same command lines");
    let (ours, gnu) = compare(dir.path(), b"x y\n", &["--verbose", "-I", "{}", "echo", "{}"], false);
    assert_eq!(ours.stderr, gnu.stderr);
}
