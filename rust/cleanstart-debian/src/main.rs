//! `cleanstart-debian lock`: writes or refreshes a lock file from its manifest.
#![forbid(unsafe_code)]

use anyhow::Result;
use cleanstart_debian::apt::Archive;
use cleanstart_debian::lock::Manifest;
use clap::{Parser, Subcommand};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Debian packages for image builds.
#[derive(Parser, Debug)]
#[command(name = "cleanstart-debian", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Resolve the manifest's packages and their dependencies for each architecture, from the
    /// indexes of the machine's Debian mirror as they are now, and write the lock file.
    Lock {
        /// The manifest (TOML: suites, architectures, packages).
        #[arg(long, value_name = "FILE")]
        manifest: PathBuf,
        /// The lock file to write (replaced atomically).
        #[arg(long, value_name = "FILE")]
        lock: PathBuf,
        /// Where the fetched indexes are kept between runs.
        #[arg(long, value_name = "DIR", default_value = "/var/cache/cleanstart/debian")]
        cache: PathBuf,
    },
}

/// Under `bazel run` the working directory is the runfiles tree: paths are the user's, relative
/// to the workspace.
fn user_path(path: &Path) -> PathBuf {
    match std::env::var_os("BUILD_WORKSPACE_DIRECTORY") {
        Some(root) if path.is_relative() => PathBuf::from(root).join(path),
        _ => path.to_path_buf(),
    }
}

fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Lock { manifest, lock, cache } => {
            let (manifest_path, lock_path) = (user_path(&manifest), user_path(&lock));
            let manifest = Manifest::read(&manifest_path)?;
            let mut indexes = Vec::new();
            for arch in &manifest.architectures {
                let archive = Archive::new(&cache, arch, &manifest.suites)?;
                eprintln!("cleanstart-debian: fetching the {arch} indexes of {}", manifest.suites.join(", "));
                archive.update()?;
                indexes.push(archive.index(arch)?);
            }
            let resolved = manifest.resolve(&indexes)?;
            resolved.write(&lock_path)?;
            for platform in &resolved.platforms {
                eprintln!("cleanstart-debian: {} packages for {}", platform.packages.len(), platform.architecture);
            }
            eprintln!("cleanstart-debian: wrote {}", lock_path.display());
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cleanstart-debian: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::from(2)
        }
    }
}
