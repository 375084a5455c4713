//! `cleanimg_init`: PID 1 of CleanStart production images.
//!
//! It starts the entrypoint, forwards every catchable signal to it, reaps every zombie (orphans
//! re-parented to it included) and exits with the entrypoint's exit code, or `128 + signal` when a
//! signal killed it. With `--grace` a SIGTERM is followed, after the grace period, by SIGKILL for
//! everything left. With `--policy` what it starts, as whom, is fixed by a file baked into the
//! image, and it refuses executables that are not listed there with their sha256.
//!
//! - [`cli`]: the command line.
//! - [`launch`]: what to start, from the command line or from the policy after its checks.
//! - [`supervise`]: forwarding, reaping, the grace period, the exit code.
#![forbid(unsafe_code)]

mod cli;
mod launch;
mod supervise;

use cli::Invocation;
use launch::{Failure, Launch};
use libcleanstart::process::{self, SignalWaiter};
use std::process::ExitCode;
use supervise::Supervision;

fn main() -> ExitCode {
    let run = match cli::parse(std::env::args_os().skip(1)) {
        Ok(Invocation::Run(run)) => run,
        Ok(Invocation::Help) => {
            print!("{}", cli::USAGE);
            return ExitCode::SUCCESS;
        }
        Ok(Invocation::Version) => {
            println!("cleanimg_init {}", env!("CARGO_PKG_VERSION"));
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("cleanimg_init: {e}");
            return ExitCode::from(2);
        }
    };
    let launch = match &run.policy {
        Some(policy) => launch::from_policy(policy, run.command),
        None => launch::from_command(run.command, run.group, run.grace),
    };
    match launch.and_then(|l| start(&l)) {
        Ok(code) => ExitCode::from(code),
        Err(failure) => {
            eprintln!("cleanimg_init: {}", failure.message());
            ExitCode::from(failure.exit_code())
        }
    }
}

/// Becomes an init (subreaper, signals taken over), starts the child and supervises it.
fn start(launch: &Launch) -> Result<u8, Failure> {
    let fail = |what: &str, e: std::io::Error| Failure::CannotStart(format!("{what}: {e}"));
    if std::process::id() != 1 {
        process::become_subreaper().map_err(|e| fail("cannot become a child subreaper", e))?;
    }
    let handled = process::handled_signals();
    process::block(&handled).map_err(|e| fail("cannot block signals", e))?;
    let waiter = SignalWaiter::new(&handled).map_err(|e| fail("cannot receive signals", e))?;
    launch::apply(&launch.credentials)?;
    let shown = launch.program.display();
    let pid = process::spawn(&launch.program, &launch.argv, launch.env.as_deref(), launch.group)
        .map_err(|e| fail(&format!("cannot start {shown}"), e))?;
    supervise::supervise(&waiter, &Supervision { pid, group: launch.group, grace: launch.grace })
        .map_err(|e| Failure::CannotStart(format!("{e:#}")))
}
