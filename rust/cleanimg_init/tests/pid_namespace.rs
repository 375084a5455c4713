//! The init as PID 1 of a real PID namespace, side by side with Debian's tini as the reference:
//! exit codes, zombie reaping (orphans re-parented to PID 1), signal forwarding (to the child and
//! to its process group), and the grace period, which tini does not have.

mod support;

use nix::sys::signal::Signal;
use std::path::PathBuf;
use support::{as_pid1, pid_namespaces, Running, INIT};

/// The inits compared: ours, and tini from Debian's package.
fn inits() -> Vec<(&'static str, PathBuf, bool)> {
    vec![("cleanimg_init", PathBuf::from(INIT), true), ("tini", testkit::debian::binary("tini", "tini"), false)]
}

/// One case: the init's options, the entrypoint script, and the signal sent once it printed
/// `ready` (if any).
struct Case {
    name: &'static str,
    options: &'static [&'static str],
    script: &'static str,
    signal: Option<Signal>,
    expected_code: i32,
    expected_stdout: &'static str,
}

/// Every orphan is re-parented to PID 1 and must be reaped by it. The script creates three,
/// and gives each up to 5 s to be gone (it sleeps 0.1 s; then it is a zombie until PID 1 reaps it).
const ORPHANS: &str = r#"
pids=""
for i in 1 2 3; do pids="$pids $(sh -c 'sleep 0.1 >/dev/null 2>&1 & echo $!')"; done
for p in $pids; do
  n=0
  while [ -e /proc/$p ] && [ $n -lt 100 ]; do
    n=$((n+1))
    sleep 0.05
  done
  if [ -e /proc/$p ]; then echo "left: $(cut -d' ' -f2,3 /proc/$p/stat)"; else echo reaped; fi
done
"#;

const CASES: &[Case] = &[
    Case { name: "exit code", options: &[], script: "exit 42", signal: None, expected_code: 42, expected_stdout: "" },
    Case { name: "killed by a signal", options: &[], script: "kill -KILL $$", signal: None, expected_code: 137, expected_stdout: "" },
    Case { name: "orphans reaped", options: &[], script: ORPHANS, signal: None, expected_code: 0, expected_stdout: "reaped\nreaped\nreaped\n" },
    Case {
        name: "SIGTERM forwarded",
        options: &[],
        script: "trap 'exit 23' TERM; echo ready; while :; do sleep 0.05; done",
        signal: Some(Signal::SIGTERM),
        expected_code: 23,
        expected_stdout: "ready\n",
    },
    Case {
        name: "SIGUSR1 forwarded",
        options: &[],
        script: "trap 'exit 24' USR1; echo ready; while :; do sleep 0.05; done",
        signal: Some(Signal::SIGUSR1),
        expected_code: 24,
        expected_stdout: "ready\n",
    },
    Case {
        name: "SIGHUP forwarded",
        options: &[],
        script: "trap 'exit 25' HUP; echo ready; while :; do sleep 0.05; done",
        signal: Some(Signal::SIGHUP),
        expected_code: 25,
        expected_stdout: "ready\n",
    },
    Case {
        name: "SIGTERM kills an entrypoint without a handler",
        options: &[],
        script: "echo ready; exec sleep 60",
        signal: Some(Signal::SIGTERM),
        expected_code: 143,
        expected_stdout: "ready\n",
    },
    // -g: the background sleep is in the child's group and must get the SIGTERM too, else the
    // second wait lasts 60 s and the run hangs. `ready` only once sleep runs: a TERM that reached
    // the forked shell before its exec would go to the inherited trap and be lost.
    Case {
        name: "-g: SIGTERM reaches the whole group",
        options: &["-g"],
        script: "trap 'echo shell got TERM' TERM; sleep 60 & until [ \"$(cat /proc/$!/comm)\" = sleep ]; do sleep 0.01; done; echo ready; wait $!; wait $!; echo \"sleep ended with $?\"",
        signal: Some(Signal::SIGTERM),
        expected_code: 0,
        expected_stdout: "ready\nshell got TERM\nsleep ended with 143\n",
    },
];

fn run_case(init: &(&str, PathBuf, bool), case: &Case) -> (Option<i32>, String) {
    let (_, path, target) = init;
    let mut args: Vec<&str> = case.options.to_vec();
    args.extend(["--", "/bin/sh", "-c", case.script]);
    let mut running = Running::start(as_pid1(path, *target, &args));
    let mut stdout = String::new();
    if let Some(sig) = case.signal {
        stdout.push_str(&running.line());
        stdout.push('\n');
        let pid1 = running.pid1();
        running.signal(pid1, sig);
    }
    let (status, rest, _) = running.finish(&format!("{}: {}", init.0, case.name));
    stdout.push_str(&rest);
    (status.code(), stdout)
}

#[test]
fn behaves_like_tini_as_pid_1() {
    if !pid_namespaces() {
        return;
    }
    let inits = inits();
    for case in CASES {
        let outcomes: Vec<_> = inits.iter().map(|init| run_case(init, case)).collect();
        for (init, outcome) in inits.iter().zip(&outcomes) {
            assert_eq!(outcome, &(Some(case.expected_code), case.expected_stdout.to_string()), "{}: {}", init.0, case.name);
        }
        assert_eq!(outcomes[0], outcomes[1], "{}: cleanimg_init and tini differ", case.name);
    }
}

/// The reaping check above can fail: with a PID 1 that never reaps (sleep), the same script
/// reports zombies.
#[test]
fn orphan_check_sees_zombies_under_a_non_reaping_pid_1() {
    if !pid_namespaces() {
        return;
    }
    let mut running = Running::start(as_pid1("/bin/sh", false, &["-c", "/bin/sh -c \"$0\" & exec sleep 60", ORPHANS]));
    let lines = [running.line(), running.line(), running.line()];
    assert_eq!(lines, ["left: (sleep) Z", "left: (sleep) Z", "left: (sleep) Z"]);
    let pid1 = running.pid1();
    running.signal(pid1, Signal::SIGKILL);
    running.finish("non-reaping PID 1");
}

#[test]
fn grace_period_ends_in_sigkill_for_a_child_ignoring_sigterm() {
    if !pid_namespaces() {
        return;
    }
    // The child and a grandchild both ignore SIGTERM; after 1 s everything gets SIGKILL.
    let script = "trap '' TERM; sleep 60 & echo ready; while :; do sleep 0.05; done";
    let mut running = Running::start(as_pid1(INIT, true, &["--grace", "1", "--", "/bin/sh", "-c", script]));
    assert_eq!(running.line(), "ready");
    let pid1 = running.pid1();
    running.signal(pid1, Signal::SIGTERM);
    let (status, _, stderr) = running.finish("non-reaping PID 1");
    assert_eq!(status.code(), Some(137), "128 + SIGKILL; stderr: {stderr}");
    assert_eq!(stderr, "cleanimg_init: grace period of 1 s is over: sending SIGKILL to every process left\n");
}

#[test]
fn grace_period_is_not_used_when_the_child_ends_in_time() {
    if !pid_namespaces() {
        return;
    }
    let script = "trap 'exit 3' TERM; echo ready; while :; do sleep 0.05; done";
    let mut running = Running::start(as_pid1(INIT, true, &["--grace", "30", "--", "/bin/sh", "-c", script]));
    assert_eq!(running.line(), "ready");
    let pid1 = running.pid1();
    running.signal(pid1, Signal::SIGTERM);
    let (status, _, stderr) = running.finish("non-reaping PID 1");
    assert_eq!(status.code(), Some(3));
    assert_eq!(stderr, "");
}
