//! The `cning` command line.
#![forbid(unsafe_code)]

use anyhow::Result;
use clap::{Parser, Subcommand, ValueEnum};
use cning::report::Report;
use std::path::PathBuf;
use std::process::ExitCode;

/// Build-time policy checker for container image filesystems.
///
/// Exit status: 0 when the image passes, 1 when it has violations, 2 when the input cannot be read.
#[derive(Parser, Debug)]
#[command(name = "cning", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check an image root directory; reports dynamically linked ELF files (rule `dynamic-elf`).
    Check {
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// The image's root filesystem, as a directory.
        image: PathBuf,
    },
}

#[derive(Copy, Clone, Debug, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            eprintln!("cning: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// Ok(true) when the image passes.
fn run(cli: Cli) -> Result<bool> {
    match cli.command {
        Command::Check { format, image } => {
            let scan = cning::scan::scan_dir(&image)?;
            let shown = image.display().to_string();
            let report = Report { image: &shown, violations: &scan.findings, entries: scan.entries, elf_files: scan.elf_files };
            let mut out = std::io::stdout().lock();
            match format {
                Format::Text => report.write_text(&mut out)?,
                Format::Json => report.write_json(&mut out)?,
            }
            Ok(scan.findings.is_empty())
        }
    }
}
