//! `ps` against procps-ng's `ps` on a process started for the test: the same lines for it in
//! every format, the same headers, the same exit codes. Columns that change from one moment to
//! the next (elapsed time) are left out.

use std::process::{Child, Command, Output};

const CSU: &str = env!("CARGO_BIN_EXE_ps");
const PROCPS: &str = "/usr/bin/ps";

fn run(ours: bool, args: &[&str]) -> Output {
    let mut c = if ours { testkit::target_command(CSU) } else { Command::new(PROCPS) };
    c.env("TZ", "UTC").args(args).output().unwrap()
}

fn text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

struct Sleeper(Child);

impl Drop for Sleeper {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn sleeper() -> Option<Sleeper> {
    if !testkit::reference_present(PROCPS) {
        return None;
    }
    let child = Command::new("sleep").arg("120").spawn().unwrap();
    // Wait until it has exec'd sleep, so both tools see the same command.
    for _ in 0..200 {
        let comm = std::fs::read_to_string(format!("/proc/{}/comm", child.id())).unwrap_or_default();
        if comm.trim() == "sleep" {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    Some(Sleeper(child))
}

fn same(args: &[&str]) {
    let (ours, procps) = (run(true, args), run(false, args));
    assert_eq!(text(&ours), text(&procps), "stdout for {args:?}");
    assert_eq!(ours.status.code(), procps.status.code(), "exit code for {args:?}");
}

/// The line for `pid` (its pid as a whole word) in a listing, and the header.
fn line_for(out: &str, pid: u32) -> (Option<&str>, Option<String>) {
    let header = out.lines().next();
    let line = out.lines().find(|l| l.split_whitespace().any(|w| w == pid.to_string())).map(String::from);
    (header, line)
}

#[test]
fn one_process_in_every_format_like_procps() {
    let Some(s) = sleeper() else { return };
    let pid = s.0.id().to_string();
    same(&["-p", &pid]);
    same(&["-f", "-p", &pid]);
    same(&["-o", "pid,ppid,pgid,sid,user,ruser,uid,ruid,gid,group,comm,tty,time,stat,s,ni,vsz,rss,nlwp,c,stime,args", "-p", &pid]);
    same(&["-o", "pid=", "-p", &pid]);
    same(&["-o", "pid=Process,comm=Name", "-p", &pid]);
    same(&["-o", "args,pid", "-p", &pid]);
    same(&["-o", "%cpu,%mem,cmd", "--pid", &pid]);
    same(&["u", "-p", &pid]);
    same(&["--no-headers", "-o", "user,comm", &pid]);
}

#[test]
fn whole_listings_agree_on_stable_processes() {
    let Some(s) = sleeper() else { return };
    let pid = s.0.id();
    for args in [&["-e"][..], &["-A", "-o", "pid,ppid,user,comm"], &["-ef"], &["aux"]] {
        let (ours, procps) = (run(true, args), run(false, args));
        let (ours, procps) = (text(&ours), text(&procps));
        let (oh, ol) = line_for(&ours, pid);
        let (ph, pl) = line_for(&procps, pid);
        assert_eq!(oh, ph, "header for {args:?}");
        assert_eq!(ol, pl, "line of the test process for {args:?}");
        assert!(ol.is_some(), "the test process is listed by {args:?}");
        // PID 1 lives as long as the machine; its line agrees too (except for time-dependent
        // columns of aux, which are skipped).
        if args != ["aux"] {
            assert_eq!(line_for(&ours, 1).1, line_for(&procps, 1).1, "line of pid 1 for {args:?}");
        }
    }
}

#[test]
fn selections_and_errors_like_procps() {
    let Some(s) = sleeper() else { return };
    let pid = s.0.id();
    same(&["-p", "1", "-o", "pid,comm"]);
    // Other sleeps on the machine come and go, so only our sleeper's presence is compared.
    let listed = |ours: bool| text(&run(ours, &["-C", "sleep", "-o", "pid=,comm="])).lines().any(|l| l.split_whitespace().next() == Some(&pid.to_string()));
    assert!(listed(true) && listed(false), "-C sleep lists the test's sleep");
    same(&["-p", "999999999"]);
    same(&["-p", &format!("1,{pid}"), "-o", "pid"]);
    let (ours, procps) = (run(true, &["-o", "nosuchcolumn"]), run(false, &["-o", "nosuchcolumn"]));
    assert_eq!(ours.status.code(), procps.status.code());
    assert!(!ours.stderr.is_empty());
    // The default selection: our own terminal and user, so the header at least agrees.
    let (ours, procps) = (run(true, &[]), run(false, &[]));
    assert_eq!(text(&ours).lines().next(), text(&procps).lines().next());
}
