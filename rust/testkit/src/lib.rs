//! Test support shared by the workspace's integration tests; a dev-dependency only.
//!
//! - [`target_command`]: runs a binary under test, through qemu-user when it was cross-built.
//! - [`reference_present`]: whether the reference tool a test compares with is installed.
//! - [`debian`]: real third-party fixtures, Debian packages fetched and unpacked at test time.
//! - [`oci`]: small OCI layouts, OCI archives and docker archives written by tests.
#![forbid(unsafe_code)]

pub mod debian;
pub mod oci;

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The environment variable naming the emulator of cross-built test binaries; Bazel's
/// `--config=arm64` sets it to qemu-aarch64 (cargo calls the same idea a target runner).
pub const EMULATOR_VAR: &str = "CLEANSTART_TARGET_EMULATOR";

/// A `Command` for a binary under test: the binary itself, or the emulator with the binary as its
/// first argument when [`EMULATOR_VAR`] is set. Host tools (`/bin/sh`, GNU references) are not
/// target binaries and are run with `Command::new` directly.
///
/// A relative path is made absolute first: Bazel hands binaries over as runfiles-relative paths,
/// and tests often run them in another directory.
pub fn target_command(bin: impl AsRef<OsStr>) -> Command {
    let bin = std::path::absolute(Path::new(bin.as_ref())).unwrap_or_else(|_| PathBuf::from(bin.as_ref()));
    match std::env::var_os(EMULATOR_VAR) {
        Some(emulator) if !emulator.is_empty() => {
            let mut c = Command::new(emulator);
            c.arg(bin);
            c
        }
        _ => Command::new(bin),
    }
}

/// True when the reference tool at `path` (GNU coreutils, findutils, procps, ...) is installed.
/// Otherwise it prints that the comparison is skipped, so a test run on a machine without the
/// tool says why nothing was compared instead of passing silently.
pub fn reference_present(path: &str) -> bool {
    let found = Path::new(path).exists();
    if !found {
        println!("skipped: no {path} on this machine to compare with");
    }
    found
}

#[cfg(test)]
mod tests {
    #[test]
    fn runs_the_binary_itself_without_an_emulator() {
        if std::env::var_os(super::EMULATOR_VAR).is_some() {
            return; // under qemu the command is the emulator's; covered by every integration test
        }
        let out = super::target_command("/bin/echo").arg("hi").output().unwrap();
        assert_eq!(out.stdout, b"hi\n");
    }
}
