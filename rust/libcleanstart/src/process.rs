//! Process and signal system calls, in one place, through the safe `nix` wrappers.
//!
//! Children are started with `posix_spawn` so that they get a clean signal mask: the init keeps
//! its signals blocked, and a mask is inherited across fork and exec.
//!
//! The init blocks every signal it handles and takes them one at a time from a `signalfd`,
//! instead of installing asynchronous handlers: nothing runs in signal context, a SIGCHLD that
//! arrives before the loop starts waits, pending, until the loop asks for it, and waiting can
//! time out (the grace period) without a timer signal that could be mistaken for a sent one.
//!
//! Credentials, umask and `no_new_privs` are set on the init itself, just before it starts the
//! entrypoint (`posix_spawn` has no attributes for them, and running code between fork and exec
//! would need `unsafe`): the child inherits them, and the init no longer runs as root either.

use crate::exit::Termination;
use nix::errno::Errno;
use nix::sys::signal::{self, SigSet, SigmaskHow, Signal};
use nix::poll::{poll, PollFd, PollFlags, PollTimeout};
use nix::sys::signalfd::{SfdFlags, SignalFd};
use nix::sys::stat::Mode;
use nix::sys::wait::{waitpid, WaitPidFlag, WaitStatus};
use nix::spawn::{posix_spawn, PosixSpawnAttr, PosixSpawnFileActions, PosixSpawnFlags};
use nix::unistd::{Gid, Pid, Uid};
use std::ffi::{CString, OsStr, OsString};
use std::io;
use std::os::fd::AsFd;
use std::os::unix::ffi::{OsStrExt, OsStringExt};
use std::path::Path;
use std::time::{Duration, Instant};

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
/// [`SignalWaiter`]. A blocked mask is inherited across fork and exec: start children with
/// [`spawn`], which gives them an empty one.
pub fn block(set: &SigSet) -> io::Result<()> {
    signal::pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(set), None).map_err(io::Error::from)
}

/// Takes blocked signals one at a time, with an optional deadline.
pub struct SignalWaiter {
    fd: SignalFd,
}

impl SignalWaiter {
    /// Receives the signals of `set`, which the caller has blocked with [`block`].
    pub fn new(set: &SigSet) -> io::Result<Self> {
        Ok(Self { fd: SignalFd::with_flags(set, SfdFlags::SFD_CLOEXEC | SfdFlags::SFD_NONBLOCK)? })
    }

    /// The next pending signal, waiting for one as long as needed, or until `deadline` (then
    /// `None`).
    pub fn next(&self, deadline: Option<Instant>) -> io::Result<Option<Signal>> {
        loop {
            if let Some(info) = self.fd.read_signal()? {
                match i32::try_from(info.ssi_signo).ok().and_then(|n| Signal::try_from(n).ok()) {
                    Some(sig) => return Ok(Some(sig)),
                    None => continue,
                }
            }
            let timeout = match deadline {
                None => PollTimeout::NONE,
                Some(at) => {
                    let left = at.saturating_duration_since(Instant::now());
                    if left.is_zero() {
                        return Ok(None);
                    }
                    // Round up so a wait never ends just before the deadline and spins.
                    PollTimeout::try_from(left + Duration::from_micros(999)).unwrap_or(PollTimeout::MAX)
                }
            };
            match poll(&mut [PollFd::new(self.fd.as_fd(), PollFlags::POLLIN)], timeout) {
                Ok(_) | Err(Errno::EINTR) => {}
                Err(e) => return Err(e.into()),
            }
        }
    }
}

/// Starts the program at `path` with argument vector `argv` (`argv[0]` included), returning its
/// pid. Its environment is `env`, or this process's when `None`. The child gets an empty signal
/// mask and default dispositions for every signal an init handles (SIGPIPE included), whatever
/// this process has blocked or ignored; with `own_group` it leads a new process group.
pub fn spawn<A: AsRef<OsStr>>(path: &Path, argv: &[A], env: Option<&[(OsString, OsString)]>, own_group: bool) -> io::Result<u32> {
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
    let args = argv.iter().map(|a| c(a.as_ref().as_bytes().to_vec())).collect::<io::Result<Vec<_>>>()?;
    let env = env
        .map(<[_]>::to_vec)
        .unwrap_or_else(|| std::env::vars_os().collect())
        .into_iter()
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

/// Sends SIGKILL to every process of the PID namespace but the caller. Only meaningful for PID 1:
/// from anywhere else it reaches every process the caller may signal.
pub fn kill_all_others() -> io::Result<()> {
    match signal::kill(Pid::from_raw(-1), Signal::SIGKILL) {
        Ok(()) | Err(Errno::ESRCH) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// Runs the calling process as `uid`/`gid` with no supplementary groups, real, effective and
/// saved ids alike. When it already runs as exactly that (the container runtime switched users
/// before starting it), nothing is changed: an unprivileged process could not change its groups.
pub fn set_identity(uid: u32, gid: u32) -> io::Result<()> {
    let (uid, gid) = (Uid::from_raw(uid), Gid::from_raw(gid));
    let current_uid = nix::unistd::getresuid()?;
    let current_gid = nix::unistd::getresgid()?;
    let same_uid = [current_uid.real, current_uid.effective, current_uid.saved].iter().all(|u| *u == uid);
    let same_gid = [current_gid.real, current_gid.effective, current_gid.saved].iter().all(|g| *g == gid);
    if same_uid && same_gid {
        return Ok(());
    }
    // Groups and gid first: once the uid is dropped, changing them is no longer permitted.
    nix::unistd::setgroups(&[]).map_err(|e| io::Error::other(format!("setgroups: {}", e.desc())))?;
    nix::unistd::setresgid(gid, gid, gid).map_err(|e| io::Error::other(format!("setresgid {gid}: {}", e.desc())))?;
    nix::unistd::setresuid(uid, uid, uid).map_err(|e| io::Error::other(format!("setresuid {uid}: {}", e.desc())))?;
    Ok(())
}

/// Sets the file mode creation mask (inherited by children).
pub fn set_umask(mask: u32) {
    nix::sys::stat::umask(Mode::from_bits_truncate(mask));
}

/// Sets `PR_SET_NO_NEW_PRIVS` for the caller and all its future children; it cannot be undone.
pub fn set_no_new_privs() -> io::Result<()> {
    nix::sys::prctl::set_no_new_privs().map_err(io::Error::from)
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
        let pid = spawn(Path::new("/bin/grep"), &argv, None, false).unwrap();
        signal::pthread_sigmask(SigmaskHow::SIG_UNBLOCK, Some(&usr1), None).unwrap();
        let status = waitpid(Pid::from_raw(pid as i32), None).unwrap();
        assert_eq!(status, WaitStatus::Exited(Pid::from_raw(pid as i32), 0), "child inherited a blocked mask");
    }

    #[test]
    fn spawned_children_get_exactly_the_given_environment() {
        let env = [(OsString::from("ONLY"), OsString::from("this"))];
        let argv = ["sh".to_string(), "-c".into(), "[ \"$(env)\" = ONLY=this ] || [ \"$(env | grep -v ^PWD=)\" = ONLY=this ]".into()];
        let pid = spawn(Path::new("/bin/sh"), &argv, Some(&env), false).unwrap();
        let status = waitpid(Pid::from_raw(pid as i32), None).unwrap();
        assert_eq!(status, WaitStatus::Exited(Pid::from_raw(pid as i32), 0), "the environment was not replaced");
    }

    #[test]
    fn signal_waiter_times_out_and_takes_pending_signals() {
        // signalfd only sees signals blocked in the receiving thread; run on a thread of our own
        // so the test harness's other threads are not involved.
        std::thread::spawn(|| {
            let mut set = SigSet::empty();
            set.add(Signal::SIGUSR2);
            signal::pthread_sigmask(SigmaskHow::SIG_BLOCK, Some(&set), None).unwrap();
            let waiter = SignalWaiter::new(&set).unwrap();
            assert_eq!(waiter.next(Some(Instant::now() + Duration::from_millis(50))).unwrap(), None);
            signal::raise(Signal::SIGUSR2).unwrap(); // raise(3) targets the calling thread
            assert_eq!(waiter.next(None).unwrap(), Some(Signal::SIGUSR2));
        })
        .join()
        .unwrap();
    }

    #[test]
    fn identity_unchanged_is_a_no_op() {
        let uid = nix::unistd::getuid().as_raw();
        let gid = nix::unistd::getgid().as_raw();
        set_identity(uid, gid).unwrap();
        assert_eq!(nix::unistd::getuid().as_raw(), uid);
    }

    #[test]
    fn out_of_range_pid_is_rejected() {
        assert!(forward(Signal::SIGTERM, u32::MAX, false).is_err());
    }
}
