//! `id` against GNU coreutils' `id` on this machine's /etc/passwd and /etc/group: same stdout,
//! same exit code, stderr present or not alike.

use std::process::{Command, Output};

const CSU: &str = env!("CARGO_BIN_EXE_id");
const GNU: &str = "/usr/bin/id";

fn run(ours: bool, args: &[&str]) -> Output {
    let mut c = if ours { testkit::target_command(CSU) } else { Command::new(GNU) };
    c.args(args).output().unwrap()
}

fn same(args: &[&str]) {
    let (ours, gnu) = (run(true, args), run(false, args));
    assert_eq!(String::from_utf8_lossy(&ours.stdout), String::from_utf8_lossy(&gnu.stdout), "stdout for {args:?}");
    assert_eq!(ours.status.code(), gnu.status.code(), "exit code for {args:?}");
    assert_eq!(ours.stderr.is_empty(), gnu.stderr.is_empty(), "stderr presence for {args:?}");
}


#[test]
fn the_process_like_gnu() {
    if !testkit::reference_present(GNU) {
        return;
    }
    for args in [&[][..], &["-u"], &["-g"], &["-G"], &["-un"], &["-gn"], &["-Gn"], &["-ur"], &["-Gz"], &["--user", "--name"]] {
        same(args);
    }
}

#[test]
fn named_users_like_gnu() {
    if !testkit::reference_present(GNU) {
        return;
    }
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    let users: Vec<&str> = passwd.lines().filter_map(|l| l.split(':').next()).filter(|n| !n.is_empty()).take(25).collect();
    assert!(!users.is_empty(), "/etc/passwd lists no user");
    for user in users {
        same(&[user]);
        same(&["-Gn", user]);
        same(&["-g", user]);
    }
    same(&["0"]);
    same(&["root", "daemon"]);
}

#[test]
fn errors_like_gnu() {
    if !testkit::reference_present(GNU) {
        return;
    }
    same(&["no-such-user-here"]);
    same(&["-u", "-g"]);
    same(&["-n"]);
    same(&["-Q"]);
    same(&["--bogus"]);
}
