//! `whoami` against GNU coreutils' `whoami`: same stdout and exit code.

use std::process::Command;

const CSU: &str = env!("CARGO_BIN_EXE_whoami");
const GNU: &str = "/usr/bin/whoami";

#[test]
fn prints_the_effective_user_like_gnu() {
    if !testkit::reference_present(GNU) {
        return;
    }
    for args in [&[][..], &["extra"], &["-x"]] {
        let ours = testkit::target_command(CSU).args(args).output().unwrap();
        let gnu = Command::new(GNU).args(args).output().unwrap();
        assert_eq!(ours.stdout, gnu.stdout, "stdout for {args:?}");
        assert_eq!(ours.status.code(), gnu.status.code(), "exit code for {args:?}");
        assert_eq!(ours.stderr.is_empty(), gnu.stderr.is_empty(), "stderr presence for {args:?}");
    }
}
