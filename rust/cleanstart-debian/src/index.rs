//! A `Packages` index of one architecture: every package it lists (of that architecture or
//! `all`), found by name and by what it provides.

use crate::deb822;
use crate::relations::{self, Relation};
use crate::version::Version;
use anyhow::{anyhow, bail, Result};
use std::collections::HashMap;

/// One binary package of an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub name: String,
    pub version: Version,
    pub architecture: String,
    /// `Depends` and `Pre-Depends`: what must be installed with it.
    pub depends: Vec<Vec<Relation>>,
    /// `Provides`: virtual packages (with their version, when given) it stands for.
    pub provides: Vec<Relation>,
    /// Its file in the archive, relative to the mirror's root (`pool/main/c/curl/...deb`).
    pub filename: String,
    pub sha256: String,
    pub size: u64,
    pub priority: Option<String>,
    pub source: Option<String>,
}

impl Package {
    /// The name dpkg's status and purls use for the source package (`Source:` without a version).
    pub fn source_name(&self) -> &str {
        self.source.as_deref().map_or(&self.name, |s| s.split_whitespace().next().unwrap_or(s))
    }
}

/// The packages of one architecture, from one or more indexes (a suite and its updates).
#[derive(Debug, Default)]
pub struct Index {
    pub arch: String,
    packages: Vec<Package>,
    by_name: HashMap<String, Vec<usize>>,
    providers: HashMap<String, Vec<usize>>,
}

impl Index {
    /// An index of `arch` from `sources`, each `(where it came from, its text)`.
    pub fn parse<'a>(arch: &str, sources: impl IntoIterator<Item = (&'a str, &'a str)>) -> Result<Index> {
        let mut index = Index { arch: arch.to_string(), ..Index::default() };
        for (origin, text) in sources {
            for stanza in deb822::parse(text).map_err(|e| anyhow!("{origin}: {e}"))? {
                let at = || format!("{origin}:{}", stanza.line);
                let field = |name: &str| stanza.get(name).ok_or_else(|| anyhow!("{}: no {name} field", at()));
                let architecture = field("Architecture")?;
                if architecture != arch && architecture != "all" {
                    continue;
                }
                let relations = |name: &str| relations::parse(stanza.get(name).unwrap_or("")).map_err(|e| anyhow!("{}: {name}: {e}", at()));
                let mut depends = relations("Pre-Depends")?;
                depends.extend(relations("Depends")?);
                let provides = relations("Provides")?.into_iter().flatten().collect();
                let package = Package {
                    name: field("Package")?.to_string(),
                    version: field("Version")?.parse().map_err(|e| anyhow!("{}: Version: {e}", at()))?,
                    architecture: architecture.to_string(),
                    depends,
                    provides,
                    filename: field("Filename")?.to_string(),
                    sha256: field("SHA256")?.to_ascii_lowercase(),
                    size: field("Size")?.parse().map_err(|_| anyhow!("{}: Size is not a number", at()))?,
                    priority: stanza.get("Priority").map(str::to_string),
                    source: stanza.get("Source").map(str::to_string),
                };
                if package.sha256.len() != 64 || !package.sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
                    bail!("{}: SHA256 is not 64 hex digits", at());
                }
                index.add(package);
            }
        }
        Ok(index)
    }

    fn add(&mut self, package: Package) {
        let i = self.packages.len();
        self.by_name.entry(package.name.clone()).or_default().push(i);
        for p in &package.provides {
            self.providers.entry(p.name.clone()).or_default().push(i);
        }
        self.packages.push(package);
    }

    pub fn len(&self) -> usize {
        self.packages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.packages.is_empty()
    }

    /// The version of `name` apt would install: the highest the indexes list.
    pub fn candidate(&self, name: &str) -> Option<&Package> {
        self.by_name.get(name)?.iter().map(|&i| &self.packages[i]).max_by(|a, b| a.version.cmp(&b.version))
    }

    /// The candidates of every package that provides `name`, with the version they provide it at.
    pub fn providers(&self, name: &str) -> Vec<(&Package, Option<&Version>)> {
        let mut found: Vec<(&Package, Option<&Version>)> = Vec::new();
        for &i in self.providers.get(name).into_iter().flatten() {
            let p = &self.packages[i];
            // Only a package's candidate version counts, as for apt.
            if self.candidate(&p.name).is_some_and(|c| c.version == p.version) && !found.iter().any(|(f, _)| f.name == p.name) {
                let provided = p.provides.iter().find(|r| r.name == name).and_then(|r| r.version.as_ref().map(|(_, v)| v));
                found.push((p, provided));
            }
        }
        found.sort_by(|a, b| a.0.name.cmp(&b.0.name));
        found
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Package: a\nVersion: 1.0\nArchitecture: amd64\nDepends: b (>= 2), c | d\nProvides: virt (= 3)\nFilename: pool/a.deb\nSize: 10\nSHA256: AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n\nPackage: a\nVersion: 1.1\nArchitecture: amd64\nFilename: pool/a2.deb\nSize: 10\nSHA256: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n\nPackage: z\nVersion: 1\nArchitecture: arm64\nFilename: pool/z.deb\nSize: 1\nSHA256: bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n";

    #[test]
    fn candidates_are_the_highest_version_of_the_architecture() {
        let index = Index::parse("amd64", [("test", TEXT)]).unwrap();
        assert_eq!(index.len(), 2, "arm64's z is left out");
        assert_eq!(index.candidate("a").unwrap().filename, "pool/a2.deb");
        assert!(index.providers("virt").is_empty(), "only the candidate 1.1 counts, and it provides nothing");
        let index = Index::parse("amd64", [("test", &TEXT[..TEXT.find("\n\nPackage: a\nVersion: 1.1").unwrap()])]).unwrap();
        assert_eq!(index.providers("virt")[0].1.map(ToString::to_string).as_deref(), Some("3"));
        assert_eq!(index.candidate("a").unwrap().sha256, "a".repeat(64));
    }

    #[test]
    fn missing_fields_name_the_place() {
        let err = Index::parse("amd64", [("Packages", "Package: a\nArchitecture: amd64\n")]).unwrap_err();
        assert_eq!(err.to_string(), "Packages:1: no Version field");
    }
}
