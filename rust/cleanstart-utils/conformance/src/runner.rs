//! Running one case with one set of tools: a fresh working directory with the case's files, a
//! fixed environment (LC_ALL=C, TZ=UTC, a PATH where the tools under test come first), a timeout.

use crate::cases::Case;
use std::io::{Read, Write};
use std::os::unix::fs::{symlink, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

/// Every created file and directory gets this modification time (2024-01-02 03:04:05 UTC), so
/// `ls -l`, `stat` and `tar` print the same thing in every run.
const FIXED_MTIME: u64 = 1_704_164_645;
/// Generous: debug builds, and arm64 builds under qemu, are slow to start.
const TIMEOUT: Duration = Duration::from_secs(30);
const SYSTEM_PATH: &str = "/usr/bin:/bin";

#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Tool {
    Reference,
    Csu,
    Busybox,
}

/// How one implementation's programs are started, and the PATH its scripts see.
pub struct Toolset {
    kind: Tool,
    /// A directory of the implementation's programs (links or wrappers), first in PATH.
    path_dir: Option<PathBuf>,
    names: Vec<String>,
    /// CSU's real binaries (for the emulator) or BusyBox's one binary.
    binary_dir: Option<PathBuf>,
}

fn emulator() -> Option<String> {
    std::env::var(testkit::EMULATOR_VAR).ok().filter(|e| !e.is_empty())
}

impl Toolset {
    /// CSU's binaries in `bin_dir` (those of `names`), linked into `path_dir` for PATH. Under an
    /// emulator (arm64 under qemu-user, no binfmt_misc) the links are wrapper scripts that start
    /// the emulator, so scripts and `find -exec`/`xargs` reach the arm64 tools too.
    ///
    /// The binaries are first pinned (hard links in `pinned`): other builds sharing cargo's target
    /// directory may relink them while the suite runs.
    pub fn csu(bin_dir: &Path, names: &[String], pinned: &Path, path_dir: &Path) -> Toolset {
        std::fs::create_dir_all(path_dir).expect("CSU PATH directory");
        std::fs::create_dir_all(pinned).expect("CSU binary directory");
        for name in names {
            let original = bin_dir.join(name).canonicalize().expect("a CSU binary");
            if std::fs::hard_link(&original, pinned.join(name)).is_err() {
                symlink(&original, pinned.join(name)).expect("link a CSU binary");
            }
        }
        let bin_dir = pinned;
        for name in names {
            let link = path_dir.join(name);
            match emulator() {
                None => symlink(bin_dir.join(name), &link).expect("link a CSU binary"),
                Some(emu) => {
                    let script = format!("#!/bin/sh\nexec '{emu}' '{}' \"$@\"\n", bin_dir.join(name).display());
                    std::fs::write(&link, script).expect("CSU wrapper");
                    std::fs::set_permissions(&link, std::fs::Permissions::from_mode(0o755)).expect("chmod wrapper");
                }
            }
        }
        Toolset { kind: Tool::Csu, path_dir: Some(path_dir.to_path_buf()), names: names.to_vec(), binary_dir: Some(bin_dir.to_path_buf()) }
    }

    /// BusyBox with a link per applet (as its package installs them) in `path_dir`.
    pub fn busybox(binary: &Path, path_dir: &Path) -> Toolset {
        std::fs::create_dir_all(path_dir).expect("BusyBox PATH directory");
        let list = Command::new(binary).arg("--list").output().expect("busybox --list");
        let names: Vec<String> = String::from_utf8_lossy(&list.stdout).lines().map(str::to_string).collect();
        assert!(names.len() > 100, "busybox --list gave {} applets", names.len());
        for name in &names {
            symlink(binary, path_dir.join(name)).expect("link a BusyBox applet");
        }
        Toolset { kind: Tool::Busybox, path_dir: Some(path_dir.to_path_buf()), names, binary_dir: None }
    }

    /// The host's tools in /usr/bin and /bin.
    pub fn reference() -> Toolset {
        Toolset { kind: Tool::Reference, path_dir: None, names: Vec::new(), binary_dir: None }
    }

    pub fn has(&self, program: &str) -> bool {
        match self.kind {
            Tool::Reference => system_program(program).is_some(),
            Tool::Csu | Tool::Busybox => self.names.iter().any(|n| n == program),
        }
    }

    fn command(&self, program: &str) -> Command {
        match (self.kind, &self.binary_dir, &self.path_dir) {
            (Tool::Csu, Some(bin), _) => testkit::target_command(bin.join(program)),
            (Tool::Busybox, _, Some(links)) => Command::new(links.join(program)),
            _ => {
                let mut command = Command::new(system_program(program).expect("reference checked before running"));
                // Some messages on stdout carry the program name (`mkdir -v`): the bare name, as
                // a shell's PATH lookup would give it.
                command.arg0(program);
                command
            }
        }
    }

    fn path_var(&self) -> String {
        match &self.path_dir {
            Some(dir) => format!("{}:{SYSTEM_PATH}", dir.display()),
            None => SYSTEM_PATH.to_string(),
        }
    }
}

fn system_program(name: &str) -> Option<PathBuf> {
    ["/usr/bin", "/bin", "/usr/sbin", "/sbin"].iter().map(|d| Path::new(d).join(name)).find(|p| p.is_file())
}

/// What a run produced.
pub struct Outcome {
    stdout: Vec<u8>,
    stderr: Vec<u8>,
    /// The exit code, or 128+signal when killed by a signal (as shells report it).
    code: i32,
    timed_out: bool,
}

impl Outcome {
    pub fn agrees_with(&self, reference: &Outcome) -> bool {
        !self.timed_out
            && !reference.timed_out
            && self.stdout == reference.stdout
            && self.code == reference.code
            && self.stderr.is_empty() == reference.stderr.is_empty()
    }

    /// Reference and CSU side by side, for a failure message.
    pub fn explain(&self, reference: &Outcome) -> String {
        let show = |b: &[u8]| {
            let s = String::from_utf8_lossy(b);
            if s.chars().count() > 1500 {
                format!("{:?}… ({} bytes)", s.chars().take(1500).collect::<String>(), b.len())
            } else {
                format!("{s:?}")
            }
        };
        let mut out = String::new();
        for (label, o) in [("reference", reference), ("CSU", self)] {
            out.push_str(&format!(
                "  {label:>9}: exit {}{}\n             stdout {}\n             stderr {}\n",
                o.code,
                if o.timed_out { " (TIMED OUT)" } else { "" },
                show(&o.stdout),
                show(&o.stderr)
            ));
        }
        out
    }
}

/// The working directory of runs, fresh for each.
pub struct Sandbox {
    root: PathBuf,
}

impl Sandbox {
    pub fn new(root: PathBuf) -> Sandbox {
        std::fs::create_dir_all(&root).expect("sandbox root");
        // Canonical, so `pwd -P` and `pwd` agree about it.
        Sandbox { root: root.canonicalize().expect("canonical sandbox root") }
    }

    pub fn run(&self, case: &Case, tools: &Toolset, tool: Tool) -> Outcome {
        // Every run of every case works in the same directory (emptied in between), so output
        // that names it (`pwd`, `realpath`) compares as is.
        let dir = self.root.join("cwd");
        std::fs::create_dir(&dir).expect("run directory");
        populate(&dir, case);
        let program = if tool == Tool::Reference { case.reference_program() } else { case.program() };
        let mut command = tools.command(&program);
        command
            .args(case.argv())
            .current_dir(&dir)
            .env_clear()
            .env("PATH", tools.path_var())
            .env("LC_ALL", "C")
            .env("TZ", "UTC")
            .env("HOME", &dir)
            .envs(&case.env);
        let outcome = execute(command, case.stdin.as_deref());
        // Runs may leave read-only directories behind: make them writable, then remove.
        let _ = Command::new("chmod").args(["-R", "u+rwx"]).arg(&dir).output();
        std::fs::remove_dir_all(&dir).unwrap_or_else(|e| panic!("cannot empty {} after {}: {e}", dir.display(), case.id()));
        outcome
    }
}

fn populate(dir: &Path, case: &Case) {
    for d in &case.dirs {
        std::fs::create_dir_all(dir.join(d)).expect("case directory");
    }
    for (path, content) in &case.files {
        let path = dir.join(path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).expect("case file's directory");
        }
        std::fs::write(&path, content).expect("case file");
    }
    for (link, target) in &case.symlinks {
        symlink(target, dir.join(link)).expect("case symlink");
    }
    for (path, mode) in &case.modes {
        std::fs::set_permissions(dir.join(path), std::fs::Permissions::from_mode(*mode)).expect("case mode");
    }
    fix_mtimes(dir);
}

/// Depth first, so a directory's time is set after its entries were created.
fn fix_mtimes(path: &Path) {
    let meta = std::fs::symlink_metadata(path).expect("metadata of a case path");
    if meta.file_type().is_symlink() {
        return; // std cannot set a link's own times; cases avoid printing them
    }
    if meta.is_dir() {
        for entry in std::fs::read_dir(path).expect("read a case directory").flatten() {
            fix_mtimes(&entry.path());
        }
    }
    let time = SystemTime::UNIX_EPOCH + Duration::from_secs(FIXED_MTIME);
    let times = std::fs::FileTimes::new().set_modified(time).set_accessed(time);
    // A directory without read permission (a case's mode) keeps its time.
    if let Ok(file) = std::fs::File::open(path) {
        let _ = file.set_times(times);
    }
}

fn execute(mut command: Command, stdin: Option<&[u8]>) -> Outcome {
    command
        .stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        // Its own process group, so a timeout kills the pipelines a script started, too.
        .process_group(0);
    let mut child = command.spawn().unwrap_or_else(|e| panic!("cannot start {command:?}: {e}"));
    let feeder = stdin.map(|bytes| {
        let bytes = bytes.to_vec();
        let mut pipe = child.stdin.take().expect("stdin pipe");
        // A program may exit without reading all of it: EPIPE is fine.
        std::thread::spawn(move || drop(pipe.write_all(&bytes)))
    });
    let drain = |mut r: Box<dyn Read + Send>| {
        std::thread::spawn(move || {
            let mut buf = Vec::new();
            let _ = r.read_to_end(&mut buf);
            buf
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("stdout pipe")));
    let err = drain(Box::new(child.stderr.take().expect("stderr pipe")));
    let deadline = Instant::now() + TIMEOUT;
    let mut timed_out = false;
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait for a run") {
            break status;
        }
        if Instant::now() > deadline {
            timed_out = true;
            let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).output();
            let _ = child.kill();
            break child.wait().expect("wait for a killed run");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    if timed_out {
        // Grandchildren may hold the pipes open; the group is dead by now.
        let _ = Command::new("kill").args(["-KILL", "--", &format!("-{}", child.id())]).output();
    }
    if let Some(f) = feeder {
        let _ = f.join();
    }
    use std::os::unix::process::ExitStatusExt;
    let code = status.code().unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    Outcome { stdout: out.join().expect("stdout reader"), stderr: err.join().expect("stderr reader"), code, timed_out }
}
