//! Process and signal system calls, in one place, through the safe `nix` wrappers.
//!
//! Children are started with `posix_spawn` so that they get a clean signal mask: the init keeps
//! its signals blocked, and a mask is inherited across fork and exec.
//!
//! The init blocks every signal it handles and takes them one at a time with `sigwait`, instead
//! of installing asynchronous handlers: nothing runs in signal context, and a SIGCHLD that arrives
//! before the loop starts waits, pending, until the loop asks for it.

use crate::exit::Termination;
use nix::errno::Errno;
use nix::sys::signal::{self, SigSet, SigmaskHow, Signal};
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::spawn::{posix_spawn, PosixSpawnAttr, PosixSpawnFileActions, PosixSpawnFlags};
use nix::unistd::Pid;
use std::ffi::CString;
use std::io;
use std::os::unix::ffi::OsStringExt;
use std::path::Path;

/// Signals the kernel raises for a fault of the receiving process itself, plus the two that can
/// be neither caught nor blocked. Forwarding them to a child would be meaningless, so the init
/// leaves them alone (the same set tini leaves alone).
const NOT_HANDLED: [Signal; 9] = [
    Signal::SIGKILL,
    Signal::SIGSTOP,
    Signal::SIGFPE,
    Signal::SIGILL,
    Signal::SIGSEGV,
    Signal::SIGBUS,
    Signal::SIGABRT,
    Signal::SIGTRAP,
    Signal::SIGSYS,
];

/// The signals an init takes over: every catchable, non-fault signal, SIGCHLD included.
pub fn handled_signals() -> SigSet {
    let mut set = SigSet::all();
    for sig in NOT_HANDLED {
        set.remove(sig);
    }
    set
}

/// Blocks `set` for the calling thread (and so for a single-threaded process), for
/// [`wait_signal`]. A blocked mask is inherited across fork and exec: start children with
/// [`spawn`], which gives them an empty one.
pub fn block(set: &SigSet) -> io::Result<()> {
    signal::pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(set), None).map_err(io::Error::from)
}

/// Waits until one signal of the (blocked) `set` is pending and takes it.
pub fn wait_signal(set: &SigSet) -> io::Result<Signal> {
    set.wait().map_err(io::Error::from)
}

/// Starts the program at `path` with argument vector `argv` (`argv[0]` included) and this
/// process's environment, returning its pid. The child gets an empty signal mask and default
/// dispositions for every signal an init handles (SIGPIPE included), whatever this process has
/// blocked or ignored; with `own_group` it leads a new process group.
pub fn spawn(path: &Path, argv: &[String], own_group: bool) -> io::Result<u32> {
    let mut attr = PosixSpawnAttr::init()?;
    attr.set_sigmask(&SigSet::empty())?;
    attr.set_sigdefault(&handled_signals())?;
    let mut flags = PosixSpawnFlags::POSIX_SPAWN_SETSIGMASK | PosixSpawnFlags::POSIX_SPAWN_SETSIGDEF;
    if own_group {
        attr.set_pgroup(Pid::from_raw(0))?;
        flags |= PosixSpawnFlags::POSIX_SPAWN_SETPGROUP;
    }
    attr.set_flags(flags)?;
    let c = |s: Vec<u8>| CString::new(s).map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, "argument or environment holds a NUL byte"));
    let args = argv.iter().map(|a| c(a.clone().into_bytes())).collect::<io::Result<Vec<_>>>()?;
    let env = std::env::vars_os()
        .map(|(k, v)| c([k.into_vec(), b"=".to_vec(), v.into_vec()].concat()))
        .collect::<io::Result<Vec<_>>>()?;
    let pid = posix_spawn(path, &PosixSpawnFileActions::init()?, &attr, &args, &env)?;
    u32::try_from(pid.as_raw()).map_err(|_| io::Error::other("posix_spawn returned a negative pid"))
}

/// Sends `sig` to `pid`, or to the process group it leads when `group` is set. A target that is
/// already gone is not an error: it races with reaping by nature.
pub fn forward(sig: Signal, pid: u32, group: bool) -> io::Result<()> {
    let raw = pid_of(pid)?;
    let target = if group { Pid::from_raw(-raw.as_raw()) } else { raw };
    match signal::kill(target, sig) {
        Ok(()) | Err(Errno::ESRCH) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Reaps every child that has ended, without blocking. Returns how `main` ended if it was among
/// them; the others (orphans re-parented to us, say) are only collected so they leave no zombie.
pub fn reap(main: u32) -> io::Result<Option<Termination>> {
    let main = pid_of(main)?;
    let mut main_end = None;
    loop {
        match waitpid(None, Some(WaitPidFlag::WNOHANG)) {
            Ok(WaitStatus::Exited(pid, code)) if pid == main => {
                main_end = Some(Termination::Exited(code))
            }
            Ok(WaitStatus::Signaled(pid, sig, _)) if pid == main => {
                main_end = Some(Termination::Signaled(sig as i32))
            }
            Ok(WaitStatus::StillAlive) | Err(Errno::ECHILD) => return Ok(main_end),
            Ok(_) => continue,
            Err(Errno::EINTR) => continue,
            Err(e) => return Err(e.into()),
        }
    }
}

/// Makes the calling process the reaper of its orphaned descendants, as PID 1 is by nature; used
/// when the init runs under another PID (`docker run --init`-style nesting, tests).
pub fn become_subreaper() -> io::Result<()> {
    nix::sys::prctl::set_child_subreaper(true).map_err(io::Error::from)
}

fn pid_of(pid: u32) -> io::Result<Pid> {
    i32::try_from(pid)
        .map(Pid::from_raw)
        .map_err(|_| io::Error::new(io::ErrorKind::InvalidInput, format!("pid {pid} out of range")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handled_set_excludes_faults_and_unblockables() {
        let set = handled_signals();
        for sig in [Signal::SIGTERM, Signal::SIGINT, Signal::SIGHUP, Signal::SIGCHLD, Signal::SIGUSR1] {
            assert!(set.contains(sig), "{sig} should be handled");
        }
        for sig in NOT_HANDLED {
            assert!(!set.contains(sig), "{sig} must not be handled");
        }
    }

    #[test]
    fn forwarding_to_a_gone_process_is_not_an_error() {
        let mut child = std::process::Command::new("/bin/true").spawn().unwrap();
        let pid = child.id();
        child.wait().unwrap();
        forward(Signal::SIGTERM, pid, false).unwrap();
    }

    #[test]
    fn spawned_children_get_an_empty_mask_and_their_exit_code_is_reaped() {
        // Block SIGUSR1 here; the child (grep, which never touches its mask) must not inherit it.
        let mut usr1 = SigSet::empty();
        usr1.add(Signal::SIGUSR1);
        signal::pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&usr1), None).unwrap();
        let argv = ["grep".to_string(), "-q".into(), "^SigBlk:\t0000000000000000$".into(), "/proc/self/status".into()];
        let pid = spawn(Path::new("/bin/grep"), &argv, false).unwrap();
        signal::pthread_sigmask(SigmaskHow::SIG_UNBLOCK, Some(&usr1), None).unwrap();
        let status = waitpid(Pid::from_raw(pid as i32), None).unwrap();
        assert_eq!(status, WaitStatus::Exited(Pid::from_raw(pid as i32), 0), "child inherited a blocked mask");
    }

    #[test]
    fn out_of_range_pid_is_rejected() {
        assert!(forward(Signal::SIGTERM, u32::MAX, false).is_err());
    }
}
