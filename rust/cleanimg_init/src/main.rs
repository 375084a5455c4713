//! `cleanimg_init`: PID 1 of CleanStart production images.
//!
//! It starts the entrypoint, forwards every catchable signal to it, reaps every zombie (orphans
//! re-parented to it included) and exits with the entrypoint's exit code, or `128 + signal` when a
//! signal killed it.
#![forbid(unsafe_code)]

use anyhow::{Context, Result};
use clap::Parser;
use libcleanstart::{command, process};
use nix::sys::signal::Signal;
use std::process::ExitCode;

/// Minimal init for containers: runs COMMAND, forwards signals to it, reaps zombies, and exits
/// with COMMAND's exit code (128 + N when signal N killed it).
#[derive(Parser, Debug)]
#[command(name = "cleanimg_init", version)]
struct Args {
    /// Start COMMAND in a process group of its own and forward signals to the whole group.
    #[arg(short = 'g', long = "group")]
    group: bool,

    /// The entrypoint and its arguments (put them after `--`).
    #[arg(required = true, num_args = 1.., trailing_var_arg = true, value_name = "COMMAND")]
    command: Vec<String>,
}

fn main() -> ExitCode {
    let args = Args::parse();
    match run(&args) {
        Ok(code) => ExitCode::from(code),
        Err(e) => {
            eprintln!("cleanimg_init: {e:#}");
            // The shell's code for "command could not be run".
            ExitCode::from(127)
        }
    }
}

fn run(args: &Args) -> Result<u8> {
    if std::process::id() != 1 {
        process::become_subreaper().context("cannot become a child subreaper")?;
    }
    let handled = process::handled_signals();
    process::block(&handled).context("cannot block signals")?;

    let program = args.command.first().context("no command given")?;
    let resolved = command::resolve(program, std::env::var_os("PATH").as_deref())
        .with_context(|| format!("cannot start {program}"))?;
    let pid = process::spawn(&resolved, &args.command, args.group).with_context(|| format!("cannot start {program}"))?;

    loop {
        match process::wait_signal(&handled).context("waiting for signals")? {
            Signal::SIGCHLD => {
                if let Some(end) = process::reap(pid).context("reaping children")? {
                    return Ok(u8::try_from(end.exit_code()).unwrap_or(255));
                }
            }
            sig => process::forward(sig, pid, args.group)
                .with_context(|| format!("cannot forward {sig} to {pid}"))?,
        }
    }
}
