//! Debian packages as the closure reads them: each package's data tar (`dpkg-deb --fsys-tarfile`,
//! as the `@debian_ARCH` repositories keep it) applied like an image layer by cning's reader, its
//! control stanza and its md5sums, merged into one tree in which every path knows its package.

use anyhow::{bail, Context, Result};
use cleanstart_debian::status::{self, Installed};
use cning::layers::{self, Inodes, Limits};
use cning::source::{ImageFs, Platform, Runtime};
use cning::tree::{Kind, Tree};
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One package's files.
#[derive(Debug, Clone)]
pub struct Package {
    pub installed: Installed,
    /// The control stanza (`DEBIAN/control`).
    pub control: String,
    /// The package's `md5sums` (empty when it has none).
    pub md5sums: String,
    /// The data tar.
    pub data: PathBuf,
}

impl Package {
    /// The package whose data tar is `data` (`DIR/NAME.tar`), with `DIR/NAME.control` and
    /// `DIR/NAME.md5sums` beside it.
    pub fn read(data: &Path) -> Result<Package> {
        let stem = data.to_str().and_then(|p| p.strip_suffix(".tar")).with_context(|| format!("{}: not a package data tar (NAME.tar)", data.display()))?;
        let control_path = PathBuf::from(format!("{stem}.control"));
        let control = std::fs::read_to_string(&control_path).with_context(|| format!("{}: cannot read the control file of {}", control_path.display(), data.display()))?;
        let installed = status::parse(&control).with_context(|| format!("{}: not a package control stanza", control_path.display()))?;
        let md5sums_path = PathBuf::from(format!("{stem}.md5sums"));
        let md5sums = std::fs::read_to_string(&md5sums_path).with_context(|| format!("{}: cannot read the md5sums of {}", md5sums_path.display(), data.display()))?;
        status::parse_md5sums(&md5sums).with_context(|| format!("{}: not an md5sums file", md5sums_path.display()))?;
        Ok(Package { installed, control, md5sums, data: data.to_path_buf() })
    }
}

/// Every package's files in one tree, as an image holding all of them would have them.
#[derive(Debug)]
pub struct Packages {
    pub packages: Vec<Package>,
    pub fs: ImageFs,
    /// Path of every non-directory entry -> index of its package.
    owners: HashMap<String, usize>,
}

impl Packages {
    /// Applies the packages' data tars in order into one tree. Two packages shipping the same
    /// path (other than a directory) is an error naming both: which one an image gets must not
    /// depend on an order nobody chose.
    pub fn merge(packages: Vec<Package>, runtime: Runtime) -> Result<Packages> {
        let architecture = packages.iter().map(|p| p.installed.architecture.as_str()).find(|a| *a != "all").unwrap_or("all").to_string();
        if let Some(other) = packages.iter().find(|p| p.installed.architecture != "all" && p.installed.architecture != architecture) {
            bail!("{}: architecture {}, while other packages are {architecture}", other.data.display(), other.installed.architecture);
        }
        let limits = Limits::default();
        let mut inodes = Inodes::default();
        let mut seen = 0;
        let mut tree = Tree::new();
        let mut owners: HashMap<String, usize> = HashMap::new();
        for (index, package) in packages.iter().enumerate() {
            let file = std::fs::File::open(&package.data).with_context(|| format!("{}: cannot read", package.data.display()))?;
            let mut own = Tree::new();
            let name = package.data.display().to_string();
            let applied = layers::apply(&mut own, std::io::BufReader::new(file), &name, &limits, &mut inodes, &mut seen).with_context(|| format!("{name}: not a readable package data tar"))?;
            if let Some(finding) = applied.findings.first() {
                bail!("{name}: {} ({})", finding.message, finding.path);
            }
            for (path, entry) in own.iter() {
                if entry.kind != Kind::Dir {
                    if let Some(&before) = owners.get(path) {
                        bail!("{path} is in two packages: {} and {}", packages[before].installed.name, package.installed.name);
                    }
                    owners.insert(path.clone(), index);
                } else if tree.get(path).is_some_and(|e| e.kind != Kind::Dir) {
                    let before = owners.get(path).map_or("?", |&i| packages[i].installed.name.as_str());
                    bail!("{path} is a directory in {} and not one in {before}", package.installed.name);
                }
                tree.insert(path.clone(), entry.clone());
            }
        }
        let platform = Platform { os: "linux".into(), architecture: architecture.clone(), variant: None };
        let fs = ImageFs { label: format!("linux/{architecture}"), platform: Some(platform), tree, entries: seen, runtime, ..ImageFs::default() };
        Ok(Packages { packages, fs, owners })
    }

    /// The package a path (not a directory) comes from.
    pub fn owner(&self, path: &str) -> Option<usize> {
        self.owners.get(path).copied()
    }
}
