//! The shell binary is brush, run as `sh`: POSIX arithmetic, parameter expansion and exit
//! statuses of a script given with `-c`.

use testkit::target_command;

#[test]
fn runs_a_posix_script() {
    let out = target_command(env!("CARGO_BIN_EXE_sh"))
        .args(["-c", r#"x=abc; printf '%s %d\n' "${x#a}" $((6 * 7)); exit 3"#])
        .output()
        .expect("run sh");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "bc 42\n");
    assert_eq!(out.status.code(), Some(3));
}
