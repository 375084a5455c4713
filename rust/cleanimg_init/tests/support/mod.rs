//! Running an init as PID 1 of a fresh PID namespace (`unshare -fp --mount-proc`), talking to it
//! and bounding every wait, shared by the integration tests.
#![allow(dead_code)] // each test crate uses its own part

use nix::sys::signal::{kill, Signal};
use nix::unistd::Pid;
use std::ffi::OsStr;
use std::io::{BufRead, BufReader, Read, Write};
use std::process::{Child, ChildStdout, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

pub const INIT: &str = env!("CARGO_BIN_EXE_cleanimg_init");

/// Generous bound on anything a test waits for; reaching it is a failure (a hang), not a figure.
pub const PATIENCE: Duration = Duration::from_secs(30);

/// Whether `unshare -fp --mount-proc` works here; says why not on stderr when it does not.
pub fn pid_namespaces() -> bool {
    match Command::new("unshare").args(["-fp", "--mount-proc", "/bin/true"]).output() {
        Ok(out) if out.status.success() => true,
        Ok(out) => note(&format!("SKIPPED: unshare -fp --mount-proc is not permitted here: {}", String::from_utf8_lossy(&out.stderr).trim())),
        Err(e) => note(&format!("SKIPPED: cannot run unshare: {e}")),
    }
}

/// Writes `text` to the real stderr (libtest hides `eprintln!` output of passing tests, and a skip
/// must be seen); returns false, for skips.
pub fn note(text: &str) -> bool {
    let _ = writeln!(std::io::stderr(), "{text}");
    false
}

/// `program args...` as PID 1 of a new PID namespace with its own /proc. `target` says whether
/// the program is the binary under test (run through the target emulator when there is one).
///
/// Every signal starts at its default action (`env --default-signal`): a test run under `nohup`
/// ignores SIGHUP, tini passes that on to its child, and a non-interactive shell cannot trap a
/// signal ignored on entry, so the reference would sit on a forwarded SIGHUP.
pub fn as_pid1(program: impl AsRef<OsStr>, target: bool, args: &[&str]) -> Command {
    let mut c = Command::new("env");
    c.args(["--default-signal", "unshare", "-fp", "--mount-proc", "--"]);
    if target {
        let inner = testkit::target_command(program.as_ref());
        c.arg(inner.get_program()).args(inner.get_args());
    } else {
        c.arg(program.as_ref());
    }
    c.args(args);
    c
}

/// A started process tree with its stdout read line by line.
pub struct Running {
    pub child: Child,
    stdout: BufReader<ChildStdout>,
}

impl Running {
    pub fn start(mut command: Command) -> Self {
        let mut child = command.stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("start");
        let stdout = BufReader::new(child.stdout.take().unwrap());
        Running { child, stdout }
    }

    /// The next line of stdout, without its newline.
    pub fn line(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).expect("read stdout");
        assert!(line.ends_with('\n'), "stdout ended early (got {line:?}); stderr: {}", self.stderr_so_far());
        line.pop();
        line
    }

    fn stderr_so_far(&mut self) -> String {
        let _ = self.child.kill();
        let mut s = String::new();
        if let Some(mut e) = self.child.stderr.take() {
            let _ = e.read_to_string(&mut s);
        }
        s
    }

    /// The host pid of the namespace's PID 1: the child `unshare -f` forked.
    pub fn pid1(&self) -> Pid {
        let path = format!("/proc/{0}/task/{0}/children", self.child.id());
        let deadline = Instant::now() + PATIENCE;
        loop {
            let text = std::fs::read_to_string(&path).unwrap_or_default();
            if let Some(pid) = text.split_whitespace().next().and_then(|p| p.parse().ok()) {
                return Pid::from_raw(pid);
            }
            assert!(Instant::now() < deadline, "unshare never forked its child");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn signal(&self, pid: Pid, sig: Signal) {
        kill(pid, sig).unwrap_or_else(|e| panic!("kill {pid} {sig}: {e}"));
    }

    /// Waits (at most [`PATIENCE`]) for the end; returns the status, the rest of stdout, stderr.
    pub fn finish(mut self, what: &str) -> (ExitStatus, String, String) {
        let deadline = Instant::now() + PATIENCE;
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break status;
            }
            if Instant::now() > deadline {
                // The namespace's processes hold stdout open: end them all through PID 1.
                let _ = kill(self.pid1(), Signal::SIGKILL);
                let _ = self.child.kill();
                let mut out = String::new();
                let _ = self.stdout.read_to_string(&mut out);
                panic!("{what}: still running after {PATIENCE:?}: the init hangs; stdout: {out:?}");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut out = String::new();
        self.stdout.read_to_string(&mut out).unwrap();
        let mut err = String::new();
        self.child.stderr.take().unwrap().read_to_string(&mut err).unwrap();
        (status, out, err)
    }
}

/// Whether `pid` is a live process (not gone, not a zombie).
pub fn alive(pid: u32) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|s| s.rsplit_once(')').map(|(_, rest)| rest.trim_start().starts_with(|c| c != 'Z' && c != 'X')))
        .unwrap_or(false)
}

/// Waits (at most [`PATIENCE`]) until `pid` is no longer alive; false if it still is.
pub fn ends(pid: u32) -> bool {
    let deadline = Instant::now() + PATIENCE;
    while alive(pid) {
        if Instant::now() > deadline {
            return false;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    true
}
