//! `cleanimg_policy`: writes the runtime policy of an image at build time.
//!
//! The build describes the policy (entrypoint, args, env, ids, ...) in a template and names the
//! image's executables; this tool adds an `[[allow]]` entry with the sha256 of each, checks the
//! result with the same parser the init uses, and writes it atomically.
//!
//! ```text
//! cleanimg_policy --template T.toml --allow /app/demo-server=bazel-out/.../demo-server --output init.toml
//! cleanimg_policy --allow /usr/bin/cat=bazel-out/.../cat --output allow.d/cat.toml
//! ```
//!
//! Without a template it writes an allow list, a file of a policy's `allow_dir`.
#![forbid(unsafe_code)]

use anyhow::{bail, Context, Result};
use libcleanstart::runtime_policy::{self, toml_string};
use libcleanstart::digest;
use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

const USAGE: &str = "\
Usage: cleanimg_policy [--template FILE] [--allow IMAGE_PATH=FILE]... --output FILE

Writes a runtime policy for cleanimg_init: the template (a policy without [[allow]] entries),
plus one [[allow]] entry per --allow with the sha256 of FILE, checked as the init checks it.
Without --template, writes an allow list (the [[allow]] entries alone), a file of a policy's
allow_dir.
";

struct Args {
    template: Option<PathBuf>,
    allow: Vec<(String, PathBuf)>,
    output: PathBuf,
}

fn main() -> ExitCode {
    match parse_args(std::env::args_os().skip(1)).and_then(|a| a.map(|a| write_policy(&a)).transpose()) {
        Ok(_) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("cleanimg_policy: {e:#}");
            ExitCode::from(2)
        }
    }
}

/// `None` when help was printed.
fn parse_args(args: impl IntoIterator<Item = OsString>) -> Result<Option<Args>> {
    use lexopt::prelude::*;
    let mut parser = lexopt::Parser::from_args(args);
    let (mut template, mut output, mut allow) = (None, None, Vec::new());
    while let Some(arg) = parser.next()? {
        match arg {
            Long("template") => template = Some(PathBuf::from(parser.value()?)),
            Long("output") => output = Some(PathBuf::from(parser.value()?)),
            Long("allow") => {
                let value = parser.value()?.into_string().map_err(|v| anyhow::anyhow!("--allow {v:?}: not valid UTF-8"))?;
                let Some((path, file)) = value.split_once('=') else { bail!("--allow {value}: expected IMAGE_PATH=FILE") };
                allow.push((path.to_string(), PathBuf::from(file)));
            }
            Short('h') | Long("help") => {
                print!("{USAGE}");
                return Ok(None);
            }
            _ => bail!("{} (see --help)", arg.unexpected()),
        }
    }
    Ok(Some(Args {
        template,
        allow,
        output: output.context("--output is required")?,
    }))
}

fn write_policy(args: &Args) -> Result<()> {
    let mut text = match &args.template {
        Some(template) => std::fs::read_to_string(template).with_context(|| format!("{}", template.display()))?,
        None => String::new(),
    };
    if !text.is_empty() && !text.ends_with('\n') {
        text.push('\n');
    }
    for (path, file) in &args.allow {
        let digest = std::fs::File::open(file).and_then(digest::sha256_hex).with_context(|| format!("{}", file.display()))?;
        text.push_str(&format!("\n[[allow]]\npath = {}\nsha256 = \"{digest}\"\n", toml_string(path)));
    }
    let shown = args.output.display().to_string();
    if args.template.is_some() {
        runtime_policy::parse(&text, &shown)?;
    } else {
        runtime_policy::parse_allow_list(&text, &shown)?;
    }
    write_atomically(&args.output, text.as_bytes()).with_context(|| shown)
}

/// Writes through a temporary file beside `path`, so a failed run leaves no partial policy.
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = path.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = dir.join(format!(".{name}.{}.tmp", std::process::id()));
    let result = std::fs::File::create(&tmp).and_then(|mut f| f.write_all(bytes).and_then(|()| f.sync_all())).and_then(|()| std::fs::rename(&tmp, path));
    if result.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    result
}
