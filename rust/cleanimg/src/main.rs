//! The `cleanimg` command line.
#![forbid(unsafe_code)]

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::ExitCode;

/// Writes deterministic OCI image layouts from a JSON image spec (see tools/image.bzl).
#[derive(Parser, Debug)]
#[command(name = "cleanimg", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Build a single-platform image layout from SPEC into the empty or missing directory OUTPUT.
    Build {
        #[arg(long, value_name = "FILE")]
        spec: PathBuf,
        /// Bazel's stable workspace status: its STABLE_GIT_COMMIT becomes the
        /// org.opencontainers.image.revision annotation.
        #[arg(long, value_name = "FILE")]
        stable_status: Option<PathBuf>,
        #[arg(long, value_name = "DIR")]
        output: PathBuf,
    },
    /// Join single-platform layouts into one layout with a multi-platform image index.
    Index {
        #[arg(long, value_name = "DIR")]
        output: PathBuf,
        /// Index annotation, KEY=VALUE (repeatable).
        #[arg(long = "annotation", value_name = "KEY=VALUE")]
        annotations: Vec<String>,
        /// The single-platform layouts, in the order to list them.
        #[arg(required = true)]
        layouts: Vec<PathBuf>,
    },
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(digest) => {
            println!("{digest}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("cleanimg: {}", format!("{e:#}").replace('\n', " "));
            ExitCode::from(2)
        }
    }
}

fn run(cli: Cli) -> Result<String> {
    match cli.command {
        Command::Build { spec, stable_status, output } => {
            let mut spec = cleanimg::spec::Spec::load(&spec)?;
            if let Some(path) = stable_status {
                let status = std::fs::read_to_string(&path).with_context(|| format!("{}: cannot read", path.display()))?;
                if let Some(commit) = status.lines().find_map(|l| l.strip_prefix("STABLE_GIT_COMMIT ")) {
                    spec.annotations.insert("org.opencontainers.image.revision".into(), commit.trim().to_string());
                }
            }
            let layers = cleanimg::layer::build(&spec)?;
            cleanimg::layout::write(&spec, &layers, &output)
        }
        Command::Index { output, annotations, layouts } => {
            let mut map = BTreeMap::new();
            for a in annotations {
                let (k, v) = a.split_once('=').with_context(|| format!("annotation {a:?} is not KEY=VALUE"))?;
                map.insert(k.to_string(), v.to_string());
            }
            let inputs: Vec<&std::path::Path> = layouts.iter().map(PathBuf::as_path).collect();
            cleanimg::layout::join(&inputs, &output, &map)
        }
    }
}
