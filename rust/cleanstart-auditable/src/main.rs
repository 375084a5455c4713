//! `cleanstart-auditable`: embeds a binary's crate list (`embed`) and prints it back (`show`).

#![forbid(unsafe_code)]

use std::fs;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};

use cleanstart_auditable::{elf, format, graph, lockfile::Lockfile};

#[derive(Parser)]
#[command(version, about = "Embeds the list of a binary's crates in its .dep-v0 ELF section, as cargo auditable does")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Writes a copy of INPUT with the crate list of GRAPH in a .dep-v0 section.
    Embed {
        /// The build graph written by tools/auditable.bzl's aspect.
        #[arg(long)]
        graph: PathBuf,
        /// The workspace's Cargo.lock (versions of our own packages, sources).
        #[arg(long)]
        cargo_lock: PathBuf,
        /// Where to write the binary with the section.
        #[arg(long)]
        output: PathBuf,
        /// The linked ELF binary.
        input: PathBuf,
    },
    /// Prints the crate list embedded in BINARY as JSON.
    Show { binary: PathBuf },
}

fn read(path: &Path) -> Result<Vec<u8>> {
    fs::read(path).with_context(|| format!("{}: cannot read", path.display()))
}

fn embed(graph_path: &Path, lock_path: &Path, input: &Path, output: &Path) -> Result<()> {
    let graph: graph::CrateGraph = serde_json::from_slice(&read(graph_path)?)
        .with_context(|| format!("{}: not a crate graph", graph_path.display()))?;
    let text = String::from_utf8(read(lock_path)?).with_context(|| format!("{}: not UTF-8", lock_path.display()))?;
    let lock = Lockfile::parse(&text).with_context(|| lock_path.display().to_string())?;
    let info = graph::version_info(&graph, &lock).with_context(|| graph_path.display().to_string())?;
    let section = format::encode(&info)?;
    let binary = elf::add_section(&read(input)?, format::SECTION, &section)
        .with_context(|| input.display().to_string())?;
    write_atomically(output, &binary, fs::metadata(input)?.permissions())
}

/// Writes through a temporary file beside `path`, so a failure leaves no partial output.
fn write_atomically(path: &Path, bytes: &[u8], permissions: fs::Permissions) -> Result<()> {
    let mut temporary = path.as_os_str().to_owned();
    temporary.push(format!(".tmp{}", std::process::id()));
    let temporary = PathBuf::from(temporary);
    let written = fs::write(&temporary, bytes)
        .and_then(|()| fs::set_permissions(&temporary, permissions))
        .and_then(|()| fs::rename(&temporary, path));
    if written.is_err() {
        let _ = fs::remove_file(&temporary);
    }
    written.with_context(|| format!("{}: cannot write", path.display()))
}

fn show(binary: &Path) -> Result<()> {
    let bytes = read(binary)?;
    let context = || binary.display().to_string();
    let section = elf::section(&bytes, format::SECTION)
        .with_context(context)?
        .with_context(|| format!("{}: no {} section", binary.display(), format::SECTION))?;
    let info = format::decode(section).with_context(context)?;
    println!("{}", serde_json::to_string_pretty(&info)?);
    Ok(())
}

fn main() -> ExitCode {
    let result = match Cli::parse().command {
        Command::Embed { graph, cargo_lock, output, input } => embed(&graph, &cargo_lock, &input, &output),
        Command::Show { binary } => show(&binary),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("cleanstart-auditable: {err:#}");
            ExitCode::FAILURE
        }
    }
}
