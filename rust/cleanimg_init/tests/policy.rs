//! `cleanimg_init --policy FILE`: the runtime policy's settings reach the entrypoint, and the init
//! refuses what the policy does not allow (tampered or unlisted executables, unplanned writable
//! mounts, invalid files) before starting anything. Run as PID 1 of a PID namespace when this
//! machine permits it, directly otherwise (the checks do not depend on the PID).

mod support;

use libcleanstart::{digest, mounts};
use std::path::Path;
use std::process::{Command, Output};
use support::{as_pid1, pid_namespaces, INIT};

fn init(args: &[&str]) -> Command {
    if pid_namespaces() {
        as_pid1(INIT, true, args)
    } else {
        let mut c = testkit::target_command(INIT);
        c.args(args);
        c
    }
}

fn sha256(path: &Path) -> String {
    digest::sha256_hex(std::fs::File::open(path).unwrap()).unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Writes a policy for `entrypoint` (listed with `digest`) plus `extra` top-level keys.
fn write_policy(dir: &Path, entrypoint: &Path, digest: &str, extra: &str) -> String {
    let path = dir.join("init.toml");
    let body = format!("entrypoint = \"{}\"\n{extra}\n[[allow]]\npath = \"{}\"\nsha256 = \"{digest}\"\n", entrypoint.display(), entrypoint.display());
    std::fs::write(&path, body).unwrap();
    path.display().to_string()
}

fn run(args: &[&str]) -> Output {
    init(args).output().unwrap()
}

#[test]
fn the_policy_s_settings_reach_the_entrypoint() {
    let dir = tempfile::tempdir().unwrap();
    let sh = Path::new("/bin/sh");
    // Root in a user namespace (Bazel's sandbox) may have no other uid mapped: ask setpriv.
    let root = Command::new("setpriv").args(["--reuid=65534", "--regid=65534", "--clear-groups", "/bin/true"]).status().is_ok_and(|s| s.success());
    let ids = if root { "uid = 65534\ngid = 65534\n" } else { "" };
    let script = "echo \"$0 $1\"; umask; env | grep -v '^PWD=' | sort; grep NoNewPrivs /proc/self/status; id -u; id -G";
    let extra = format!(
        "args = [\"-c\", {script:?}, \"zero\", \"one\"]\nenv = {{ A = \"1\", PATH = \"/usr/bin:/bin\" }}\npass_env = [\"PASSED\", \"UNSET_HERE\"]\numask = 0o027\n{ids}"
    );
    let policy = write_policy(dir.path(), sh, &sha256(sh), &extra);
    let out = init(&["--policy", &policy]).env("PASSED", "yes").env("NOT_PASSED", "no").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "stderr: {}", text(&out.stderr));
    let (uid, groups) = if root { ("65534".to_string(), "65534".to_string()) } else {
        support::note("NOTE: this process cannot switch to uid 65534 (setpriv fails), so uid/gid switching is not exercised");
        let id = |a: &str| text(&Command::new("id").arg(a).output().unwrap().stdout).trim().to_string();
        (id("-u"), id("-G"))
    };
    assert_eq!(text(&out.stdout), format!("zero one\n0027\nA=1\nPASSED=yes\nPATH=/usr/bin:/bin\nNoNewPrivs:\t1\n{uid}\n{groups}\n"));
}

#[test]
fn refuses_a_tampered_entrypoint() {
    let dir = tempfile::tempdir().unwrap();
    let app = dir.path().join("app");
    std::fs::copy("/bin/sh", &app).unwrap();
    let policy = write_policy(dir.path(), &app, &sha256(&app), "args = [\"-c\", \"echo started\"]");
    let out = run(&["--policy", &policy]);
    assert_eq!((out.status.code(), text(&out.stdout)), (Some(0), "started\n".to_string()), "stderr: {}", text(&out.stderr));

    // One byte appended: the program still runs, but it is no longer the one the policy names.
    let listed = sha256(&app);
    let mut bytes = std::fs::read(&app).unwrap();
    bytes.push(0);
    std::fs::write(&app, bytes).unwrap();
    let out = run(&["--policy", &policy]);
    assert_eq!(out.status.code(), Some(126));
    assert_eq!(text(&out.stdout), "", "the tampered entrypoint ran");
    assert_eq!(
        text(&out.stderr),
        format!("cleanimg_init: refusing to start {}: its sha256 is {}, but {policy} allows only {listed}\n", app.display(), sha256(&app))
    );
}

#[test]
fn refuses_an_unlisted_command_and_runs_a_listed_one() {
    let dir = tempfile::tempdir().unwrap();
    let sh = Path::new("/bin/sh");
    let policy = write_policy(dir.path(), sh, &sha256(sh), "args = [\"-c\", \"echo default\"]");
    let out = run(&["--policy", &policy, "--", "/bin/echo", "started"]);
    assert_eq!(out.status.code(), Some(126));
    assert_eq!(text(&out.stdout), "");
    assert_eq!(text(&out.stderr), format!("cleanimg_init: refusing to start /bin/echo: not in the [[allow]] list of {policy}\n"));
    // A listed program given on the command line replaces the entrypoint and its arguments.
    let out = run(&["--policy", &policy, "/bin/sh", "-c", "echo override"]);
    assert_eq!((out.status.code(), text(&out.stdout)), (Some(0), "override\n".to_string()), "stderr: {}", text(&out.stderr));
}

#[test]
fn invalid_policies_exit_2_naming_file_line_and_key() {
    let dir = tempfile::tempdir().unwrap();
    let sh = Path::new("/bin/sh");
    let policy = write_policy(dir.path(), sh, &sha256(sh), "uid = \"root\"\ngid = 0");
    let out = run(&["--policy", &policy]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.starts_with(&format!("cleanimg_init: {policy}:2: uid: invalid type: string \"root\"")), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");

    let listed_elsewhere = dir.path().join("other.toml");
    std::fs::write(&listed_elsewhere, format!("entrypoint = \"/bin/true\"\n[[allow]]\npath = \"/bin/sh\"\nsha256 = \"{}\"\n", sha256(sh))).unwrap();
    let out = run(&["--policy", listed_elsewhere.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(text(&out.stderr), format!("cleanimg_init: {}: entrypoint: /bin/true has no [[allow]] entry\n", listed_elsewhere.display()));

    let out = run(&["--policy", "/nonexistent/init.toml"]);
    assert_eq!((out.status.code(), text(&out.stderr)), (Some(2), "cleanimg_init: /nonexistent/init.toml: No such file or directory\n".to_string()));
}

#[test]
fn writable_mounts_must_be_declared() {
    let dir = tempfile::tempdir().unwrap();
    let sh = Path::new("/bin/sh");
    let policy = write_policy(dir.path(), sh, &sha256(sh), "args = [\"-c\", \"echo started\"]\nwritable = [\"/nonexistent\"]");
    let out = run(&["--policy", &policy]);
    assert_eq!(out.status.code(), Some(126));
    assert_eq!(text(&out.stdout), "");
    let err = text(&out.stderr);
    assert!(err.starts_with("cleanimg_init: refusing to start: /"), "{err}");
    assert!(err.ends_with(&format!("is mounted read-write, but the writable list of {policy} (/nonexistent) does not cover it\n")), "{err}");

    // Declaring every read-write mount point of this machine lets it start.
    let current = mounts::current().unwrap();
    let declared: Vec<String> = current.iter().filter(|m| !m.read_only).map(|m| format!("{:?}", m.mount_point)).collect();
    let policy = write_policy(dir.path(), sh, &sha256(sh), &format!("args = [\"-c\", \"echo started\"]\nwritable = [{}]", declared.join(", ")));
    let out = run(&["--policy", &policy]);
    assert_eq!((out.status.code(), text(&out.stdout)), (Some(0), "started\n".to_string()), "stderr: {}", text(&out.stderr));
}

#[test]
fn cleanimg_policy_writes_a_policy_the_init_accepts() {
    let tool = env!("CARGO_BIN_EXE_cleanimg_policy");
    let dir = tempfile::tempdir().unwrap();
    let template = dir.path().join("template.toml");
    std::fs::write(&template, "entrypoint = \"/bin/sh\"\nargs = [\"-c\", \"echo sealed\"]\n[env]\nPATH = \"/bin\"").unwrap();
    let output = dir.path().join("init.toml");
    let status = testkit::target_command(tool)
        .args(["--template", template.to_str().unwrap(), "--allow", "/bin/sh=/bin/sh", "--output", output.to_str().unwrap()])
        .status()
        .unwrap();
    assert!(status.success());
    let policy = libcleanstart::runtime_policy::load(&output).unwrap();
    assert_eq!(policy.allowed("/bin/sh").unwrap().sha256, sha256(Path::new("/bin/sh")));
    assert_eq!(policy.env.get("PATH").map(String::as_str), Some("/bin"), "[[allow]] must not land inside [env]");
    let out = run(&["--policy", output.to_str().unwrap()]);
    assert_eq!(text(&out.stdout), "sealed\n", "stderr: {}", text(&out.stderr));

    // A template the init would refuse is refused here, at build time, and nothing is written.
    std::fs::write(&template, "entrypoint = \"/bin/sh\"\nuser = 1\n").unwrap();
    let rejected = dir.path().join("rejected.toml");
    let out = testkit::target_command(tool)
        .args(["--template", template.to_str().unwrap(), "--allow", "/bin/sh=/bin/sh", "--output", rejected.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).starts_with(&format!("cleanimg_policy: {}:2: user: unknown field `user`", rejected.display())), "{}", text(&out.stderr));
    assert!(!rejected.exists());
    assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 2, "a temporary file was left behind");
}

/// A program allowed only through an allow list of the policy's `allow_dir` (as a development
/// image's utility layers bring them) is started; one missing from every list is refused.
#[test]
fn programs_of_the_allow_dir_lists_run_and_others_are_refused() {
    let tool = env!("CARGO_BIN_EXE_cleanimg_policy");
    let dir = tempfile::tempdir().unwrap();
    let lists = dir.path().join("allow.d");
    std::fs::create_dir(&lists).unwrap();
    let list = lists.join("sh.toml");
    let status = testkit::target_command(tool).args(["--allow", "/bin/sh=/bin/sh", "--output", list.to_str().unwrap()]).status().unwrap();
    assert!(status.success());
    assert_eq!(libcleanstart::runtime_policy::parse_allow_list(&std::fs::read_to_string(&list).unwrap(), "sh.toml").unwrap().len(), 1);

    // The entrypoint is a program of its own (the demo service's place); the shell comes from the list.
    let true_bin = Path::new("/bin/true");
    let extra = format!("allow_dir = {:?}", lists.display().to_string());
    let policy = write_policy(dir.path(), true_bin, &sha256(true_bin), &extra);
    let out = run(&["--policy", &policy, "--", "/bin/sh", "-c", "echo from the list"]);
    assert_eq!(text(&out.stdout), "from the list\n", "stderr: {}", text(&out.stderr));
    std::fs::remove_file(&list).unwrap();
    let out = run(&["--policy", &policy, "--", "/bin/sh", "-c", "echo from the list"]);
    assert_eq!(out.status.code(), Some(126));
    let expected = format!("refusing to start /bin/sh: not in the [[allow]] list of {policy} or of {}", lists.display());
    assert!(text(&out.stderr).contains(&expected), "{}", text(&out.stderr));
}
