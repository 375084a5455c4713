//! The image description: what goes into the single layer and the image config.

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// One filesystem entry of the image.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(tag = "type", rename_all = "lowercase", deny_unknown_fields)]
pub enum EntrySpec {
    /// A regular file copied from `source` on the build machine.
    File { path: String, source: PathBuf, mode: u32, #[serde(default)] uid: u64, #[serde(default)] gid: u64 },
    /// A directory.
    Dir { path: String, mode: u32, #[serde(default)] uid: u64, #[serde(default)] gid: u64 },
    /// A symlink to `target`, stored as given.
    Symlink { path: String, target: String },
}

impl EntrySpec {
    pub fn path(&self) -> &str {
        match self {
            EntrySpec::File { path, .. } | EntrySpec::Dir { path, .. } | EntrySpec::Symlink { path, .. } => path,
        }
    }
}

/// The runtime configuration of the image (OCI image config `config`).
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RunConfig {
    #[serde(default)]
    pub entrypoint: Vec<String>,
    #[serde(default)]
    pub cmd: Vec<String>,
    #[serde(default)]
    pub env: Vec<String>,
    #[serde(default)]
    pub user: String,
    #[serde(default)]
    pub workdir: String,
    #[serde(default)]
    pub labels: BTreeMap<String, String>,
}

/// Layer compression.
#[derive(Debug, Clone, Copy, Default, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum Compression {
    #[default]
    Gzip,
    Zstd,
}

/// Everything `cleanimg build` needs.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    pub os: String,
    /// GOARCH name: `amd64`, `arm64`.
    pub architecture: String,
    pub entries: Vec<EntrySpec>,
    #[serde(default)]
    pub config: RunConfig,
    /// Manifest annotations (`org.opencontainers.image.revision`, ...).
    #[serde(default)]
    pub annotations: BTreeMap<String, String>,
    #[serde(default)]
    pub compression: Compression,
    /// Modification time of every entry and of the config, in seconds (SOURCE_DATE_EPOCH).
    #[serde(default)]
    pub mtime: u64,
}

impl Spec {
    /// Reads and validates a spec file.
    pub fn load(path: &Path) -> Result<Spec> {
        let text = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
        let spec: Spec = serde_json::from_slice(&text).with_context(|| format!("{}: invalid spec", path.display()))?;
        spec.validate().with_context(|| format!("{}: invalid spec", path.display()))?;
        Ok(spec)
    }

    fn validate(&self) -> Result<()> {
        let mut seen = std::collections::BTreeSet::new();
        for e in &self.entries {
            let p = e.path();
            if !p.starts_with('/') || p == "/" || p.ends_with('/') || p.split('/').any(|c| c == ".." || c == ".") || p.contains("//") {
                bail!("entry path {p:?} must be absolute and normalized");
            }
            if !seen.insert(p) {
                bail!("entry path {p:?} is declared twice");
            }
            if let EntrySpec::File { mode, .. } | EntrySpec::Dir { mode, .. } = e {
                if *mode > 0o7777 {
                    bail!("entry {p:?}: mode {mode:o} is not a permission mode");
                }
            }
        }
        if !matches!(self.architecture.as_str(), "amd64" | "arm64" | "386" | "arm" | "riscv64" | "ppc64le" | "s390x") {
            bail!("architecture {:?} is not a GOARCH name", self.architecture);
        }
        Ok(())
    }
}
