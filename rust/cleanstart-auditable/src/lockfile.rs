//! What the aspect cannot see: the versions of our own packages, and where each package comes
//! from, as `Cargo.lock` records them.

use anyhow::{bail, Context, Result};
use serde::Deserialize;

use crate::format::Source;

/// The packages of a `Cargo.lock`.
#[derive(Debug)]
pub struct Lockfile {
    packages: Vec<LockedPackage>,
}

/// One `[[package]]` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LockedPackage {
    pub name: String,
    pub version: String,
    pub source: Source,
}

#[derive(Deserialize)]
struct RawLockfile {
    #[serde(default)]
    package: Vec<RawPackage>,
}

#[derive(Deserialize)]
struct RawPackage {
    name: String,
    version: String,
    source: Option<String>,
}

/// Cargo writes a source id (`KIND+URL`) for everything that is not a path dependency. This
/// workspace takes its registry packages from crates.io only (it configures no other registry),
/// so every registry source is crates.io; telling registries apart would mean naming their URLs.
fn source_kind(source: Option<&str>) -> Result<Source> {
    match source {
        None => Ok(Source::Local),
        Some(id) => match id.split_once('+').map(|(kind, _)| kind) {
            Some("registry" | "sparse") => Ok(Source::CratesIo),
            Some("git") => Ok(Source::Git),
            _ => bail!("unknown package source {id:?}"),
        },
    }
}

impl Lockfile {
    /// Parses the text of a `Cargo.lock`.
    pub fn parse(text: &str) -> Result<Lockfile> {
        let raw: RawLockfile = toml::from_str(text).context("not a Cargo.lock")?;
        let packages = raw
            .package
            .into_iter()
            .map(|p| {
                let source = source_kind(p.source.as_deref())
                    .with_context(|| format!("package {} {}", p.name, p.version))?;
                Ok(LockedPackage { name: p.name, version: p.version, source })
            })
            .collect::<Result<_>>()?;
        Ok(Lockfile { packages })
    }

    /// The workspace member `name` (a package with no source).
    pub fn local(&self, name: &str) -> Result<&LockedPackage> {
        let mut found = self.packages.iter().filter(|p| p.name == name && p.source == Source::Local);
        match (found.next(), found.next()) {
            (Some(p), None) => Ok(p),
            (None, _) => bail!("no workspace package {name:?} in Cargo.lock"),
            (Some(_), Some(_)) => bail!("more than one workspace package {name:?} in Cargo.lock"),
        }
    }

    /// The third-party package `name` at `version`.
    pub fn external(&self, name: &str, version: &str) -> Result<&LockedPackage> {
        let mut found = self
            .packages
            .iter()
            .filter(|p| p.name == name && p.version == version && p.source != Source::Local);
        match (found.next(), found.next()) {
            (Some(p), None) => Ok(p),
            (None, _) => bail!("no package {name:?} {version} in Cargo.lock"),
            (Some(_), Some(_)) => bail!("package {name:?} {version} comes from more than one source in Cargo.lock"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
version = 4

[[package]]
name = "clap"
version = "4.6.9"
source = "registry+https://example.invalid/index"
checksum = "00"
dependencies = ["clap_builder"]

[[package]]
name = "cleanimg_init"
version = "0.1.0"
dependencies = ["clap"]

[[package]]
name = "forked"
version = "0.3.0"
source = "git+https://example.invalid/forked?rev=abc#abc"
"#;

    #[test]
    fn finds_local_and_external_packages_with_their_sources() {
        let lock = Lockfile::parse(LOCK).unwrap();
        assert_eq!(lock.local("cleanimg_init").unwrap().version, "0.1.0");
        assert_eq!(lock.external("clap", "4.6.9").unwrap().source, Source::CratesIo);
        assert_eq!(lock.external("forked", "0.3.0").unwrap().source, Source::Git);
    }

    #[test]
    fn missing_packages_are_errors() {
        let lock = Lockfile::parse(LOCK).unwrap();
        assert!(lock.local("clap").is_err(), "clap is not a workspace package");
        let err = lock.external("clap", "4.0.0").unwrap_err();
        assert_eq!(err.to_string(), "no package \"clap\" 4.0.0 in Cargo.lock");
    }

    #[test]
    fn reads_the_workspace_lock_file() {
        let lock = Lockfile::parse(include_str!("../../Cargo.lock")).unwrap();
        assert_eq!(lock.local("cleanstart-auditable").unwrap().source, Source::Local);
    }

    #[test]
    fn unknown_sources_are_errors() {
        let err = Lockfile::parse("[[package]]\nname = \"x\"\nversion = \"1.0.0\"\nsource = \"svn+x\"\n").unwrap_err();
        assert!(format!("{err:#}").contains("unknown package source"), "{err:#}");
    }
}
