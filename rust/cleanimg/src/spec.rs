//! The image description: what goes into the layers and the image config.

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
    /// The first layer's entries.
    pub entries: Vec<EntrySpec>,
    /// Entry lists made by other tools (`{"entries": [...]}`, such as cleanstart-closure's
    /// `entries.json`), whose file sources are relative to the list's own directory.
    #[serde(default)]
    pub includes: Vec<PathBuf>,
    /// Further layers, each above the ones before it: a development image's utilities one per
    /// layer, so that updating one changes one layer. An entry may replace a lower layer's file
    /// of the same path (a file, never a directory).
    #[serde(default)]
    pub layers: Vec<LayerSpec>,
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

/// The entries of one layer above the first.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct LayerSpec {
    pub entries: Vec<EntrySpec>,
}

/// An entry list another tool wrote.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Included {
    entries: Vec<EntrySpec>,
}

/// The entries of the list at `path`, file sources made relative to where the spec is read.
fn included(path: &Path) -> Result<Vec<EntrySpec>> {
    let text = std::fs::read(path).with_context(|| format!("{}: cannot read the included entry list", path.display()))?;
    let list: Included = serde_json::from_slice(&text).with_context(|| format!("{}: not an entry list", path.display()))?;
    let dir = path.parent().unwrap_or(Path::new(""));
    Ok(list
        .entries
        .into_iter()
        .map(|e| match e {
            EntrySpec::File { path, source, mode, uid, gid } if source.is_relative() => EntrySpec::File { path, source: dir.join(source), mode, uid, gid },
            other => other,
        })
        .collect())
}

impl Spec {
    /// Reads and validates a spec file.
    pub fn load(path: &Path) -> Result<Spec> {
        let text = std::fs::read(path).with_context(|| format!("{}: cannot read", path.display()))?;
        let mut spec: Spec = serde_json::from_slice(&text).with_context(|| format!("{}: invalid spec", path.display()))?;
        for list in std::mem::take(&mut spec.includes) {
            spec.entries.extend(included(&list)?);
        }
        spec.validate().with_context(|| format!("{}: invalid spec", path.display()))?;
        Ok(spec)
    }

    /// Every layer's entries, the first layer's first.
    pub fn layer_entries(&self) -> impl Iterator<Item = &[EntrySpec]> {
        std::iter::once(self.entries.as_slice()).chain(self.layers.iter().map(|l| l.entries.as_slice()))
    }

    fn validate(&self) -> Result<()> {
        // What the layers below hold at each path: a later layer may only put a file over a file.
        let mut below: BTreeMap<&str, &EntrySpec> = BTreeMap::new();
        for (n, entries) in self.layer_entries().enumerate() {
            let mut seen = std::collections::BTreeSet::new();
            let layer = if n == 0 { String::new() } else { format!("layer {n}: ") };
            for e in entries {
                let p = e.path();
                if !p.starts_with('/') || p == "/" || p.ends_with('/') || p.split('/').any(|c| c == ".." || c == ".") || p.contains("//") {
                    bail!("{layer}entry path {p:?} must be absolute and normalized");
                }
                if !seen.insert(p) {
                    bail!("{layer}entry path {p:?} is declared twice");
                }
                if let EntrySpec::File { mode, .. } | EntrySpec::Dir { mode, .. } = e {
                    if *mode > 0o7777 {
                        bail!("{layer}entry {p:?}: mode {mode:o} is not a permission mode");
                    }
                }
                if let Some(lower) = below.get(p) {
                    if !matches!((lower, e), (EntrySpec::File { .. }, EntrySpec::File { .. })) {
                        bail!("{layer}entry {p:?} replaces a lower layer's entry: only a file may replace a file");
                    }
                }
                if below.keys().any(|lower| p.strip_prefix(*lower).is_some_and(|rest| rest.starts_with('/')) && !matches!(below[lower], EntrySpec::Dir { .. })) {
                    bail!("{layer}entry {p:?} lies under a lower layer's entry that is not a directory");
                }
            }
            below.extend(entries.iter().map(|e| (e.path(), e)));
        }
        if !matches!(self.architecture.as_str(), "amd64" | "arm64" | "386" | "arm" | "riscv64" | "ppc64le" | "s390x") {
            bail!("architecture {:?} is not a GOARCH name", self.architecture);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn included_lists_join_the_entries_with_sources_relative_to_them() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("closure")).unwrap();
        let list = dir.path().join("closure/entries.json");
        std::fs::write(&list, r#"{"entries": [{"type": "file", "path": "/usr/lib/libz.so.1", "source": "root/usr/lib/libz.so.1", "mode": 420}, {"type": "symlink", "path": "/lib64", "target": "usr/lib64"}]}"#).unwrap();
        let spec = dir.path().join("spec.json");
        let write = |extra: &str| {
            std::fs::write(&spec, format!(r#"{{"os": "linux", "architecture": "amd64", "entries": [{extra}], "includes": ["{}"]}}"#, list.display())).unwrap();
        };
        write(r#"{"type": "dir", "path": "/tmp", "mode": 1023}"#);
        let loaded = Spec::load(&spec).unwrap();
        assert_eq!(loaded.entries.len(), 3);
        assert!(loaded.includes.is_empty());
        let EntrySpec::File { source, .. } = &loaded.entries[1] else { panic!("{:?}", loaded.entries) };
        assert_eq!(source, &dir.path().join("closure/root/usr/lib/libz.so.1"));
        // An included path the spec declares too is refused, naming it.
        write(r#"{"type": "symlink", "path": "/lib64", "target": "x"}"#);
        let err = format!("{:#}", Spec::load(&spec).unwrap_err());
        assert!(err.contains("\"/lib64\" is declared twice"), "{err}");
        std::fs::write(&list, "{}").unwrap();
        let err = format!("{:#}", Spec::load(&spec).unwrap_err());
        assert!(err.contains("entries.json: not an entry list"), "{err}");
    }

    #[test]
    fn upper_layers_may_replace_files_only() {
        let dir = tempfile::tempdir().unwrap();
        let spec = dir.path().join("spec.json");
        let load = |layers: &str| {
            let text = format!(
                r#"{{"os": "linux", "architecture": "amd64", "entries": [{{"type": "dir", "path": "/etc", "mode": 493}}, {{"type": "file", "path": "/etc/a", "source": "/dev/null", "mode": 420}}], "layers": [{layers}]}}"#
            );
            std::fs::write(&spec, text).unwrap();
            Spec::load(&spec).map_err(|e| format!("{e:#}"))
        };
        let file = |path: &str| format!(r#"{{"type": "file", "path": "{path}", "source": "/dev/null", "mode": 420}}"#);
        assert_eq!(load(&format!(r#"{{"entries": [{}]}}"#, file("/etc/a"))).unwrap().layers.len(), 1);
        let err = load(&format!(r#"{{"entries": [{}]}}"#, file("/etc"))).unwrap_err();
        assert!(err.contains("layer 1: entry \"/etc\" replaces a lower layer's entry"), "{err}");
        let err = load(&format!(r#"{{"entries": [{}]}}"#, file("/etc/a/b"))).unwrap_err();
        assert!(err.contains("layer 1: entry \"/etc/a/b\" lies under a lower layer's entry that is not a directory"), "{err}");
        let err = load(&format!(r#"{{"entries": [{}, {}]}}"#, file("/x"), file("/x"))).unwrap_err();
        assert!(err.contains("layer 1: entry path \"/x\" is declared twice"), "{err}");
    }
}
