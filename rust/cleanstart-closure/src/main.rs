#![forbid(unsafe_code)]

use anyhow::{bail, Result};
use clap::Parser;
use cleanstart_closure::{layout, packages, selection};
use std::path::PathBuf;

/// Lays out what an image's programs need from Debian packages: each program, everything its
/// dynamic loader loads (searched as cning checks images), the files kept with --keep, the
/// symlinks on the way, and a record per package in /var/lib/dpkg/status.d. Nothing else of
/// the packages. OUTPUT gets root/ and entries.json, an entry list for cleanimg's image spec.
#[derive(Parser)]
#[command(name = "cleanstart-closure", version)]
struct Cli {
    /// A package's data tar (NAME.tar, with NAME.control and NAME.md5sums beside it), as the
    /// @debian_ARCH repositories hold them; repeat for every package.
    #[arg(long = "package", value_name = "TAR", required = true)]
    packages: Vec<PathBuf>,
    /// Absolute path of a program the image runs; repeat for each.
    #[arg(long = "program", value_name = "PATH", required = true)]
    programs: Vec<String>,
    /// Package paths to keep whole (a glob: configuration, data, dlopen()ed modules, whose own
    /// libraries then come too).
    #[arg(long, value_name = "GLOB")]
    keep: Vec<String>,
    /// Paths to leave out after the search (a glob), with the symlinks that name them.
    #[arg(long, value_name = "GLOB")]
    exclude: Vec<String>,
    /// NAME=VALUE of the image's environment (the loader reads LD_LIBRARY_PATH and LD_PRELOAD).
    #[arg(long, value_name = "NAME=VALUE")]
    env: Vec<String>,
    /// The image's working directory ($ORIGIN-less relative search paths start there).
    #[arg(long, value_name = "DIR")]
    workdir: Option<String>,
    /// Directory to create (or an empty one to fill).
    #[arg(long, value_name = "DIR")]
    output: PathBuf,
}

fn main() {
    if let Err(e) = run(Cli::parse()) {
        eprintln!("cleanstart-closure: {e:#}");
        std::process::exit(1);
    }
}

fn run(cli: Cli) -> Result<()> {
    for var in &cli.env {
        if !var.contains('=') {
            bail!("--env {var:?}: not NAME=VALUE");
        }
    }
    let read: Vec<packages::Package> = cli.packages.iter().map(|p| packages::Package::read(p)).collect::<Result<_>>()?;
    let runtime = cning::source::Runtime { env: cli.env, working_dir: cli.workdir };
    let merged = packages::Packages::merge(read, runtime)?;
    let request = selection::Request { programs: cli.programs, keep: cli.keep, exclude: cli.exclude };
    let selected = selection::select(&merged, &request)?;
    let written = layout::write(&merged, &selected, &cli.output)?;
    let roots: Vec<String> = selected.roots.iter().map(|(root, n)| format!("{root} ({n} objects)")).collect();
    eprintln!(
        "cleanstart-closure: {} entries, {} files ({} bytes) from {} of {} packages, for {}",
        written.entries,
        written.files,
        written.bytes,
        written.packages.len(),
        merged.packages.len(),
        roots.join(", ")
    );
    Ok(())
}
