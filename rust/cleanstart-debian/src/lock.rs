//! The manifest (what the user asks for) and the lock file (exactly what that resolved to, per
//! architecture): name, version, architecture, sha256 and file in the archive of every package,
//! so that a build fetches the same bytes every time, or fails naming the package that changed.
//! The lock is JSON, which Bazel's module extension reads with `json.decode`: written only here.
//!
//! ```toml
//! # debian/packages.toml
//! suites = ["bookworm", "bookworm-updates", "bookworm-security"]
//! architectures = ["amd64", "arm64"]
//! packages = ["nginx-light"]
//! ```

use crate::index::{Index, Package};
use crate::resolve;
use anyhow::{anyhow, bail, Context, Result};
use serde::{Deserialize, Serialize};
use std::io::Write;
use std::path::Path;

/// What a build asks for.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    /// Suites of the mirror, searched together (the newest version of a package wins, as apt's).
    #[serde(default = "default_suites")]
    pub suites: Vec<String>,
    #[serde(default = "default_architectures")]
    pub architectures: Vec<String>,
    /// The packages wanted, as apt would be asked for them (`curl`, `libc6 (>= 2.36)`).
    pub packages: Vec<String>,
}

fn default_suites() -> Vec<String> {
    ["bookworm", "bookworm-updates", "bookworm-security"].map(str::to_string).to_vec()
}

fn default_architectures() -> Vec<String> {
    ["amd64", "arm64"].map(str::to_string).to_vec()
}

/// One locked package.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Locked {
    pub name: String,
    pub version: String,
    pub architecture: String,
    /// Relative to the mirror's root.
    pub filename: String,
    pub sha256: String,
    pub size: u64,
    pub source: String,
}

impl From<&Package> for Locked {
    fn from(p: &Package) -> Locked {
        Locked {
            name: p.name.clone(),
            version: p.version.to_string(),
            architecture: p.architecture.clone(),
            filename: p.filename.clone(),
            sha256: p.sha256.clone(),
            size: p.size,
            source: p.source_name().to_string(),
        }
    }
}

/// The packages of one architecture.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Platform {
    pub architecture: String,
    pub packages: Vec<Locked>,
}

/// The lock file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lock {
    /// Who wrote it and how to refresh it (JSON has no comments).
    #[serde(default)]
    pub comment: String,
    pub suites: Vec<String>,
    /// The manifest's packages it was resolved from.
    pub roots: Vec<String>,
    pub platforms: Vec<Platform>,
}

const COMMENT: &str = "Written by `bazel run //tools/debian:lock` (cleanstart-debian lock) from the manifest beside it. Do not edit: change the manifest and run it again.";

impl Manifest {
    pub fn read(path: &Path) -> Result<Manifest> {
        let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
        let manifest: Manifest = toml::from_str(&text).map_err(|e| anyhow!("{}: {}", path.display(), e.message()))?;
        if manifest.packages.is_empty() || manifest.architectures.is_empty() || manifest.suites.is_empty() {
            bail!("{}: packages, architectures and suites must each name at least one", path.display());
        }
        Ok(manifest)
    }

    /// The lock of this manifest over `indexes` (one per architecture, in the manifest's order).
    pub fn resolve(&self, indexes: &[Index]) -> Result<Lock> {
        let roots: Vec<&str> = self.packages.iter().map(String::as_str).collect();
        let mut platforms = Vec::new();
        for index in indexes {
            let packages = resolve::closure(index, &roots).with_context(|| format!("resolving for {}", index.arch))?;
            platforms.push(Platform { architecture: index.arch.clone(), packages: packages.into_iter().map(Locked::from).collect() });
        }
        Ok(Lock { comment: COMMENT.to_string(), suites: self.suites.clone(), roots: self.packages.clone(), platforms })
    }
}

impl Lock {
    pub fn read(path: &Path) -> Result<Lock> {
        let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read", path.display()))?;
        serde_json::from_str(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
    }

    /// Writes the lock through a temporary file renamed into place: never half a lock.
    pub fn write(&self, path: &Path) -> Result<()> {
        let mut body = serde_json::to_string_pretty(self).context("serializing the lock")?;
        body.push('\n');
        let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
        let mut tmp = tempfile::NamedTempFile::new_in(dir).with_context(|| format!("{}: cannot create", path.display()))?;
        tmp.write_all(body.as_bytes()).with_context(|| format!("{}: cannot write", path.display()))?;
        tmp.persist(path).with_context(|| format!("{}: cannot write", path.display()))?;
        Ok(())
    }

    /// The packages locked for `architecture`.
    pub fn platform(&self, architecture: &str) -> Option<&Platform> {
        self.platforms.iter().find(|p| p.architecture == architecture)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_round_trips_and_the_manifest_is_checked() {
        let text = format!("Package: a\nVersion: 1:2.0-1\nArchitecture: all\nSource: asrc (1)\nFilename: pool/a.deb\nSize: 7\nSHA256: {}\n", "f".repeat(64));
        let index = Index::parse("arm64", [("t", text.as_str())]).unwrap();
        let manifest: Manifest = toml::from_str("packages = [\"a\"]\narchitectures = [\"arm64\"]\n").unwrap();
        assert_eq!(manifest.suites[0], "bookworm");
        let lock = manifest.resolve(&[index]).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("packages.lock.json");
        lock.write(&path).unwrap();
        assert_eq!(Lock::read(&path).unwrap(), lock);
        let a = &lock.platform("arm64").unwrap().packages[0];
        assert_eq!((a.version.as_str(), a.source.as_str(), a.architecture.as_str()), ("1:2.0-1", "asrc", "all"));
        std::fs::write(dir.path().join("m.toml"), "packages = []\n").unwrap();
        assert!(Manifest::read(&dir.path().join("m.toml")).unwrap_err().to_string().contains("at least one"));
        std::fs::write(dir.path().join("m.toml"), "packages = [\"a\"]\nsuite = \"x\"\n").unwrap();
        assert!(Manifest::read(&dir.path().join("m.toml")).unwrap_err().to_string().contains("unknown field `suite`"));
    }
}
