//! How the end of a process maps to the exit code its parent reports.
//!
//! Shells and container runtimes agree on one convention: a process that exited reports its own
//! code, one killed by signal N reports `128 + N`. The init uses it for its own exit code, so a
//! container stopped by SIGTERM reports 143 whether or not an init sits in between.

use std::fmt;

/// How a process ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Termination {
    /// It called `exit` (or returned from `main`) with this code.
    Exited(i32),
    /// It was killed by this signal number.
    Signaled(i32),
}

impl Termination {
    /// The exit code a parent reports for this ending: the code itself, or `128 + signal`.
    pub fn exit_code(self) -> i32 {
        match self {
            Termination::Exited(code) => code & 0xff,
            Termination::Signaled(sig) => 128 + sig,
        }
    }
}

impl From<std::process::ExitStatus> for Termination {
    fn from(status: std::process::ExitStatus) -> Self {
        use std::os::unix::process::ExitStatusExt;
        match (status.code(), status.signal()) {
            (Some(code), _) => Termination::Exited(code),
            (None, Some(sig)) => Termination::Signaled(sig),
            // Stopped or continued states are not endings; callers only pass finished statuses.
            (None, None) => Termination::Exited(1),
        }
    }
}

impl fmt::Display for Termination {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Termination::Exited(code) => write!(f, "exited with code {code}"),
            Termination::Signaled(sig) => write!(f, "killed by signal {sig}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Termination;
    use std::process::Command;

    #[test]
    fn exit_code_passes_through() {
        assert_eq!(Termination::Exited(0).exit_code(), 0);
        assert_eq!(Termination::Exited(3).exit_code(), 3);
        // exit(256) is seen by the parent as 0: only the low byte survives.
        assert_eq!(Termination::Exited(256).exit_code(), 0);
    }

    #[test]
    fn signal_death_is_128_plus_signal() {
        assert_eq!(Termination::Signaled(15).exit_code(), 143);
        assert_eq!(Termination::Signaled(9).exit_code(), 137);
    }

    #[test]
    fn real_child_statuses_convert() {
        let exited = Command::new("/bin/sh").args(["-c", "exit 7"]).status().unwrap();
        assert_eq!(Termination::from(exited), Termination::Exited(7));
        let killed = Command::new("/bin/sh").args(["-c", "kill -TERM $$"]).status().unwrap();
        assert_eq!(Termination::from(killed), Termination::Signaled(15));
        assert_eq!(Termination::from(killed).to_string(), "killed by signal 15");
    }
}
