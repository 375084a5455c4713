//! Runs the built init as a real process tree: exit codes, signal forwarding, orphan reaping.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

const INIT: &str = env!("CARGO_BIN_EXE_cleanimg_init");

fn init(args: &[&str]) -> Command {
    let mut c = testkit::target_command(INIT);
    c.args(args);
    c
}

#[test]
fn passes_the_exit_code_through() {
    let status = init(&["--", "/bin/sh", "-c", "exit 42"]).status().unwrap();
    assert_eq!(status.code(), Some(42));
}

#[test]
fn reports_128_plus_signal_when_the_child_is_killed() {
    let status = init(&["--", "/bin/sh", "-c", "kill -KILL $$"]).status().unwrap();
    assert_eq!(status.code(), Some(137));
}

#[test]
fn forwards_sigterm_to_the_child() {
    // The child traps TERM and exits 23: only a forwarded signal can produce that code.
    let mut child = init(&["--", "/bin/sh", "-c", "trap 'exit 23' TERM; echo ready; while :; do sleep 0.05; done"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = child.stdout.take().unwrap();
    let mut buf = [0u8; 6];
    std::io::Read::read_exact(&mut out, &mut buf).unwrap();
    assert_eq!(&buf, b"ready\n");
    Command::new("/bin/kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(23));
}

#[test]
fn forwarded_sigterm_reaches_a_child_that_keeps_the_inherited_mask() {
    // sleep never touches its signal mask: if the init leaked its blocked mask into the child,
    // the forwarded SIGTERM would stay pending forever and this would time out at 30 s.
    let mut child = init(&["--", "/bin/sleep", "30"]).spawn().unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let start = Instant::now();
    Command::new("/bin/kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(143), "128 + SIGTERM");
    assert!(start.elapsed() < Duration::from_secs(10), "the child ignored the forwarded SIGTERM");
}

#[test]
fn reaps_orphans_while_the_entrypoint_runs() {
    // An inner shell starts a short-lived grandchild and exits at once, so the grandchild is
    // re-parented to the init (PID 1 or subreaper). While the entrypoint still runs, the ended
    // grandchild must already be reaped, not left as a zombie.
    let mut child = init(&["--", "/bin/sh", "-c", "/bin/sh -c 'sleep 0.2 & echo $!'; sleep 2"])
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let grandchild: u32 = line.trim().parse().expect("grandchild pid");
    let stat_path = format!("/proc/{grandchild}/stat");
    let deadline = Instant::now() + Duration::from_millis(1500);
    let mut last = String::new();
    while Instant::now() < deadline {
        last = std::fs::read_to_string(&stat_path).unwrap_or_default();
        if last.is_empty() {
            break;
        }
        sleep(Duration::from_millis(20));
    }
    assert!(last.is_empty(), "grandchild {grandchild} not reaped while the init runs: {last}");
    assert!(child.try_wait().unwrap().is_none(), "the entrypoint should still be running");
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn unknown_command_is_a_clear_error() {
    let out = init(&["--", "/nonexistent/entrypoint"]).output().unwrap();
    assert_eq!(out.status.code(), Some(127));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("cannot start /nonexistent/entrypoint"), "stderr: {err}");
}

#[test]
fn grace_period_kills_every_descendant_when_not_pid_1() {
    // Not PID 1: after the grace period the init kills its child and, found through /proc, the
    // grandchild the child left behind (both ignore SIGTERM), not every process it may signal.
    let script = "trap '' TERM; sleep 60 & echo $!; while :; do sleep 0.05; done";
    let mut child = init(&["--grace", "1", "--", "/bin/sh", "-c", script]).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut line).unwrap();
    let grandchild: u32 = line.trim().parse().expect("grandchild pid");
    Command::new("/bin/kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        assert!(Instant::now() < deadline, "the init did not end after its grace period");
        sleep(Duration::from_millis(20));
    };
    assert_eq!(status.code(), Some(137));
    let state = |pid: u32| std::fs::read_to_string(format!("/proc/{pid}/stat")).ok().and_then(|s| s.rsplit_once(')').and_then(|(_, r)| r.trim_start().chars().next()));
    let deadline = Instant::now() + Duration::from_secs(30);
    while matches!(state(grandchild), Some(c) if c != 'Z' && c != 'X') {
        assert!(Instant::now() < deadline, "grandchild {grandchild} survived the grace period");
        sleep(Duration::from_millis(20));
    }
}

#[test]
fn usage_errors_exit_2_with_one_line() {
    let out = init(&["--grace", "soon", "--", "/bin/true"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stderr), "cleanimg_init: --grace: \"soon\" is not a whole number of seconds\n");
    let help = init(&["--help"]).output().unwrap();
    assert!(help.status.success());
    assert!(String::from_utf8_lossy(&help.stdout).contains("--policy FILE"));
}
