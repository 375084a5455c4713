//! The `cning` command line.
#![forbid(unsafe_code)]

use anyhow::{Context, Result};
use clap::{Args, Parser, Subcommand};
use cning::content::Analysis;
use cning::layers::{Limits, Retain};
use cning::output::{self, Destination};
use cning::policy::Policy;
use cning::report::{Checked, Format, Report};
use cning::source::{self, Options, Platform};
use cning::{inventory, rules};
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

/// Build-time policy checker for container images.
///
/// IMAGE is an OCI image layout directory, an OCI archive, a `docker save` archive, or a root
/// filesystem directory. Archives are read by position, so they must be regular files, not pipes.
/// Exit status: 0 when the image passes, 1 when it has violations, 2 when the image or the policy
/// cannot be read or the report cannot be written.
///
/// --output and --junit never destroy what they name: a regular file, or a path that does not
/// exist yet, is written atomically (a temporary file renamed over it); a character device or a
/// FIFO (/dev/null, /dev/stdout, a FIFO a reader waits on) is written in place; a symlink is
/// followed and what it points to written, the link kept; a directory, a block device or a socket
/// is refused before the image is read.
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
        /// Write the report to FILE instead of standard output: atomically to a regular or new file
        /// (through a symlink to where it points), in place to a character device or FIFO.
        #[arg(long, value_name = "FILE")]
        output: Option<PathBuf>,
        /// Also write a JUnit XML report to FILE (for test runners), as --output writes.
        #[arg(long, value_name = "FILE")]
        junit: Option<PathBuf>,
        #[command(flatten)]
        input: Input,
    },
    /// List every file of an image with type, mode, size, sha256 and ELF linkage, the crates
    /// compiled into its Rust binaries (from their .dep-v0 sections) and the Debian packages its
    /// /var/lib/dpkg/status.d records declare, each file tied to its package. The document is
    /// written as the image is read, in memory that does not grow with its file count: a skeleton
    /// first (symlinks, ELF files, package records), then every entry streamed, layers from the top.
    Inventory {
        /// Document format.
        #[arg(long, value_enum, default_value_t = inventory::Format::Spdx)]
        format: inventory::Format,
        /// Write the document to FILE instead of standard output: atomically to a regular or new file
        /// (through a symlink to where it points), in place to a character device or FIFO.
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
    /// The image to read: a directory, or an archive in a regular file (not a pipe).
    image: PathBuf,
}

impl Input {
    fn options(&self, analysis: Analysis) -> Options {
        let limits = Limits { max_layer_bytes: self.max_layer_bytes, analysis: Analysis { max_inspect: self.max_inspect, whole_files: self.scan_whole_files, ..analysis }, ..Limits::default() };
        Options { platform: self.platform.clone(), follow_external_blobs: self.follow_external_blobs, limits, retain: Retain::All }
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
            // Before the image is read: a destination that cannot take the report fails at once.
            let junit = junit.as_deref().map(Destination::new).transpose()?;
            let output = output.as_deref().map(Destination::new).transpose()?;
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
            if let Some(dest) = &junit {
                dest.write(|mut out| Ok(report.write(Format::Junit, &mut out)?))?;
            }
            match &output {
                Some(dest) => dest.write(|mut out| Ok(report.write(format, &mut out)?))?,
                None => report.write(format, &mut std::io::stdout().lock()).context("writing the report")?,
            }
            Ok(report.passed)
        }
        Command::Inventory { format, output, input } => {
            let output = output.as_deref().map(Destination::new).transpose()?;
            let opts = input.options(Analysis { hash_all: true, hash_executables: true, crates: true, ..Analysis::default() });
            let opened = source::Opened::new(&input.image, &opts)?;
            let streamed = inventory::Streamed::read(&opened, &opts)?;
            let name = input.image.display().to_string();
            let write = |out: &mut dyn Write| inventory::write(format, &name, &streamed, out);
            match &output {
                Some(dest) => dest.write(write)?,
                None => {
                    // Standard output is line-buffered, and the document is written a line at a time.
                    output::write_through(std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock()), write, "writing the inventory")?
                }
            }
            Ok(true)
        }
    }
}
