//! The command line. Parsed with `lexopt` rather than clap: the init is the one binary of every
//! production image, and clap's parser and help machinery made up a quarter of its size.

use std::ffi::OsString;
use std::path::PathBuf;
use std::time::Duration;

pub const USAGE: &str = "\
Usage: cleanimg_init [-g] [--grace SECONDS] [--] COMMAND [ARG]...
       cleanimg_init --policy FILE [[--] COMMAND [ARG]...]

Minimal init for containers: runs COMMAND as its child, forwards every catchable signal to it,
reaps every zombie (orphans re-parented to the init included), and exits with COMMAND's exit
code, or 128 + N when signal N killed it. When it is not PID 1 it makes itself the subreaper of
its descendants.

Options:
  -g, --group            start COMMAND in a process group of its own and send forwarded
                         signals to the whole group
  -t, --grace SECONDS    on SIGTERM: forward it, give COMMAND SECONDS to end, then SIGKILL its
                         process group and every process left (as PID 1: every other process
                         of the PID namespace; otherwise: every descendant of the init)
  -p, --policy FILE      take everything from the runtime policy FILE (normally
                         /etc/cleanimg/init.toml, baked into the image): the entrypoint, its
                         arguments and environment, uid/gid, umask, no_new_privs, process
                         group, grace period. Before starting anything the init checks that
                         only the policy's `writable` paths are on read-write mounts, and
                         that the entrypoint is in its [[allow]] list with the same sha256;
                         otherwise it refuses. A COMMAND given after the policy replaces the
                         entrypoint and its arguments, and must be in the list too.
  -h, --help             print this help
  -V, --version          print the version

Exit status: COMMAND's; 2 for a usage error or an unreadable or invalid policy file; 126 when
the policy refuses to start; 127 when COMMAND cannot be started.
";

/// What the command line asks for.
#[derive(Debug, PartialEq, Eq)]
pub enum Invocation {
    /// Run a command (or the policy's entrypoint).
    Run(RunOptions),
    Help,
    Version,
}

#[derive(Debug, PartialEq, Eq, Default)]
pub struct RunOptions {
    pub group: bool,
    pub grace: Option<Duration>,
    pub policy: Option<PathBuf>,
    /// COMMAND and its arguments; empty only with a policy.
    pub command: Vec<OsString>,
}

/// Parses the arguments after the program name. Errors are one line, for `cleanimg_init: ...`.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Invocation, String> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let mut run = RunOptions::default();
    let text = |e: lexopt::Error| e.to_string();
    while let Some(arg) = parser.next().map_err(text)? {
        match arg {
            Short('g') | Long("group") => run.group = true,
            Short('t') | Long("grace") => {
                let value = parser.value().map_err(text)?;
                let seconds: u32 = value
                    .to_str()
                    .and_then(|s| s.parse().ok())
                    .ok_or_else(|| format!("--grace: {:?} is not a whole number of seconds", value))?;
                run.grace = Some(Duration::from_secs(seconds.into()));
            }
            Short('p') | Long("policy") => run.policy = Some(parser.value().map_err(text)?.into()),
            Short('h') | Long("help") => return Ok(Invocation::Help),
            Short('V') | Long("version") => return Ok(Invocation::Version),
            Value(first) => {
                // Everything from COMMAND on belongs to COMMAND, options included.
                run.command.push(first);
                run.command.extend(parser.raw_args().map_err(text)?);
            }
            _ => return Err(format!("{} (see --help)", arg.unexpected())),
        }
    }
    if run.policy.is_some() && (run.group || run.grace.is_some()) {
        return Err("--group and --grace cannot be combined with --policy: set process_group and grace_seconds in the policy".into());
    }
    if run.policy.is_none() && run.command.is_empty() {
        return Err("no COMMAND given (see --help)".into());
    }
    Ok(Invocation::Run(run))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse_strs(args: &[&str]) -> Result<Invocation, String> {
        parse(args.iter().map(OsString::from))
    }

    fn run(args: &[&str]) -> RunOptions {
        match parse_strs(args) {
            Ok(Invocation::Run(r)) => r,
            other => panic!("{args:?}: {other:?}"),
        }
    }

    #[test]
    fn options_before_the_command_are_the_init_s() {
        let r = run(&["-g", "--grace", "5", "--", "/bin/sh", "-c", "exit 3"]);
        assert!(r.group);
        assert_eq!(r.grace, Some(Duration::from_secs(5)));
        assert_eq!(r.command, ["/bin/sh", "-c", "exit 3"]);
        // Without `--`, the first operand starts COMMAND and the rest is COMMAND's.
        let r = run(&["--grace=2", "sleep", "-g", "--help"]);
        assert!(!r.group);
        assert_eq!(r.command, ["sleep", "-g", "--help"]);
        assert_eq!(run(&["-gt", "1", "x"]).grace, Some(Duration::from_secs(1)));
    }

    #[test]
    fn policy_mode_takes_an_optional_command() {
        let r = run(&["--policy", "/etc/cleanimg/init.toml"]);
        assert_eq!(r.policy.as_deref(), Some(std::path::Path::new("/etc/cleanimg/init.toml")));
        assert!(r.command.is_empty());
        assert_eq!(run(&["-p", "f", "/app/x", "a"]).command, ["/app/x", "a"]);
    }

    #[test]
    fn usage_errors_are_one_line() {
        assert_eq!(parse_strs(&[]).unwrap_err(), "no COMMAND given (see --help)");
        assert_eq!(parse_strs(&["--grace", "soon", "x"]).unwrap_err(), "--grace: \"soon\" is not a whole number of seconds");
        assert_eq!(parse_strs(&["--bogus", "x"]).unwrap_err(), "invalid option '--bogus' (see --help)");
        assert!(parse_strs(&["--policy", "f", "-g"]).unwrap_err().starts_with("--group and --grace cannot be combined with --policy"));
        assert!(parse_strs(&["--grace"]).unwrap_err().contains("missing argument"));
        assert_eq!(parse_strs(&["-h", "x"]), Ok(Invocation::Help));
        assert_eq!(parse_strs(&["--version"]), Ok(Invocation::Version));
    }
}
