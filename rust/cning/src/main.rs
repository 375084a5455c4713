//! The `cning` command line.
#![forbid(unsafe_code)]

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use cning::content::Analysis;
use cning::layers::Limits;
use cning::policy::Policy;
use cning::report::{Checked, Format, Report};
use cning::source::{self, Options, Platform};
use cning::{inventory, rules};
use std::io::Write;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Build-time policy checker for container images.
///
/// IMAGE is an OCI image layout directory, an OCI archive, a `docker save` archive, or a root
/// filesystem directory. Exit status: 0 when the image passes, 1 when it has violations, 2 when
/// the image or the policy cannot be read.
#[derive(Parser, Debug)]
#[command(name = "cning", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Check an image against a policy.
    Check {
        /// The policy file (TOML; see policy/README.md).
        #[arg(long, value_name = "FILE")]
        policy: PathBuf,
        /// Report format.
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// Write the report to FILE (atomically) instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Also write a JUnit XML report to FILE (for test runners).
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        #[command(flatten)]
        input: Input,
    },
    /// List every file of an image with type, mode, size, sha256 and ELF linkage, and the crates
    /// compiled into its Rust binaries (from their .dep-v0 sections).
    Inventory {
        /// Document format.
        #[arg(long, value_enum, default_value_t = inventory::Format::Spdx)]
        format: inventory::Format,
        /// Write the document to FILE (atomically) instead of standard output.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        #[command(flatten)]
        input: Input,
    },
}

#[derive(Args, Debug)]
struct Input {
    /// Only this platform of a multi-platform image; for a directory, the platform it is for
    /// (enables the foreign-arch rule).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    platform: Option<Platform>,
    /// Follow OCI layout blob symlinks that point outside the layout (content is still verified
    /// against its digest).
    #[arg(long)]
    follow_external_blobs: bool,
    /// Files larger than this are hashed but not inspected (reported as scan-limit).
    #[arg(long, value_name = "BYTES", default_value_t = Analysis::default().max_inspect)]
    max_inspect: u64,
    /// Search every byte of ELF files for BusyBox and toybox signatures, not only their loaded
    /// data (slower; for images where binaries with forged section headers are a concern).
    #[arg(long)]
    scan_whole_files: bool,
    /// Uncompressed bytes allowed in one layer.
    #[arg(long, value_name = "BYTES", default_value_t = Limits::default().max_layer_bytes)]
    max_layer_bytes: u64,
    /// The image to read.
    image: PathBuf,
}

impl Input {
    fn options(&self, analysis: Analysis) -> Options {
        let limits = Limits { max_layer_bytes: self.max_layer_bytes, analysis: Analysis { max_inspect: self.max_inspect, whole_files: self.scan_whole_files, ..analysis }, ..Limits::default() };
        Options { platform: self.platform.clone(), follow_external_blobs: self.follow_external_blobs, limits }
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(e) => {
            // One line: the context chain joined, newlines (from nested errors) flattened.
            eprintln!("cning: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::from(2)
        }
    }
}

/// Ok(true) when the image passes.
fn run(cli: Cli) -> Result<bool> {
    match cli.command {
        Command::Check { policy, format, output, junit, input } => {
            let policy = Policy::load(&policy)?;
            let pins = policy.allow.iter().any(|a| a.sha256.is_some());
            let opts = input.options(Analysis { hash_all: false, hash_executables: pins, ..Analysis::default() });
            let images = source::open(&input.image, &opts)?;
            let mut violations = Vec::new();
            let mut checked = Vec::new();
            for image in &images {
                violations.extend(rules::check(image, &policy));
                checked.push(Checked { platform: image.label.clone(), entries: image.entries });
            }
            let report = Report::new(input.image.display().to_string(), policy.name.clone(), checked, violations);
            if let Some(path) = &junit {
                write_atomically(path, |out| report.write(Format::Junit, out))?;
            }
            match &output {
                Some(path) => write_atomically(path, |out| report.write(format, out))?,
                None => report.write(format, &mut std::io::stdout().lock()).context("writing the report")?,
            }
            Ok(report.passed)
        }
        Command::Inventory { format, output, input } => {
            let opts = input.options(Analysis { hash_all: true, hash_executables: true, crates: true, ..Analysis::default() });
            let images = source::open(&input.image, &opts)?;
            let doc = inventory::document(format, &input.image.display().to_string(), &images);
            let write = |out: &mut dyn Write| -> std::io::Result<()> {
                serde_json::to_writer_pretty(&mut *out, &doc)?;
                writeln!(out)
            };
            match &output {
                Some(path) => write_atomically(path, |out| write(out))?,
                None => write(&mut std::io::stdout().lock()).context("writing the inventory")?,
            }
            Ok(true)
        }
    }
}

/// Writes `path` through a temporary file in the same directory, renamed into place only when
/// complete: a failure leaves no partial output behind.
fn write_atomically(path: &Path, write: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>) -> Result<()> {
    let dir = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("{}: cannot create", path.display()))?;
    write(tmp.as_file_mut()).with_context(|| format!("{}: cannot write", path.display()))?;
    // A report is for everyone who may read the directory, not private like a temporary file.
    tmp.as_file().set_permissions(std::fs::Permissions::from_mode(0o644))?;
    tmp.persist(path).with_context(|| format!("{}: cannot write", path.display()))?;
    Ok(())
}
