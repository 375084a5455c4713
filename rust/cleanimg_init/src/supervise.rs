//! The init's life once the child runs: forward signals, reap zombies, enforce the grace period,
//! and return the child's exit code.

use anyhow::{Context, Result};
use libcleanstart::process::{self, SignalWaiter};
use libcleanstart::process_tree;
use nix::sys::signal::Signal;
use std::time::{Duration, Instant};

/// How the child is watched.
pub struct Supervision {
    /// The child's pid.
    pub pid: u32,
    /// The child leads its own process group, and signals go to the group.
    pub group: bool,
    /// After the first SIGTERM, how long the child has before everything is SIGKILLed.
    pub grace: Option<Duration>,
}

/// Runs until the child ends and returns the exit code to report for it.
pub fn supervise(waiter: &SignalWaiter, child: &Supervision) -> Result<u8> {
    let mut deadline: Option<Instant> = None;
    let mut killed = false;
    loop {
        match waiter.next(deadline).context("waiting for signals")? {
            None => {
                deadline = None;
                killed = true;
                let seconds = child.grace.unwrap_or_default().as_secs();
                eprintln!("cleanimg_init: grace period of {seconds} s is over: sending SIGKILL to every process left");
                kill_everything(child)?;
            }
            Some(Signal::SIGCHLD) => {
                if let Some(end) = process::reap(child.pid).context("reaping children")? {
                    return Ok(u8::try_from(end.exit_code()).unwrap_or(255));
                }
            }
            Some(sig) => {
                process::forward(sig, child.pid, child.group).with_context(|| format!("cannot forward {sig} to {}", child.pid))?;
                if sig == Signal::SIGTERM && deadline.is_none() && !killed {
                    deadline = child.grace.map(|g| Instant::now() + g);
                }
            }
        }
    }
}

/// The end of the grace period: the child (its group when it has one), then whatever else is
/// left. As PID 1 that is every other process of the namespace, which the kernel would kill
/// anyway once the init exits; under another PID it is the init's own descendants only.
fn kill_everything(child: &Supervision) -> Result<()> {
    process::forward(Signal::SIGKILL, child.pid, child.group).context("cannot SIGKILL the child")?;
    if std::process::id() == 1 {
        return process::kill_all_others().context("cannot SIGKILL the remaining processes");
    }
    for pid in process_tree::descendants(std::process::id()) {
        process::forward(Signal::SIGKILL, pid, false).with_context(|| format!("cannot SIGKILL {pid}"))?;
    }
    Ok(())
}
