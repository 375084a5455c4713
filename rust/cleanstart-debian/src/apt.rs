//! apt as the way to the archive: the machine's own sources say where the mirror is (asked of
//! `apt-get indextargets`, never written anywhere), and an apt state of our own, kept in a cache
//! directory, fetches the `Packages` indexes of any architecture and suite from that mirror,
//! without touching the machine's configuration.

use crate::deb822;
use crate::index::Index;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::Command;

/// A package index apt knows about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The repository's root (`http://.../debian/`).
    pub repo_uri: String,
    /// The suite as written in the sources (`bookworm`, `bookworm-security`).
    pub release: String,
    pub architecture: String,
    /// The index file in apt's lists directory, compressed as apt keeps it.
    pub filename: String,
}

/// Options every apt call takes: no caches written outside our state, no privilege drop (a
/// build sandbox's user namespace may not map apt's `_apt` user), no locks on shared state.
pub const BASE_OPTIONS: [&str; 8] = ["-o", "Dir::Cache::pkgcache=", "-o", "Dir::Cache::srcpkgcache=", "-o", "Debug::NoLocking=1", "-o", "APT::Sandbox::User=root"];

fn run(program: &str, args: &[String]) -> Result<String> {
    let out = Command::new(program).args(BASE_OPTIONS).args(args).output().with_context(|| format!("{program} must be installed (Debian's apt)"))?;
    if !out.status.success() {
        bail!("{program} {}: {}", args.join(" "), String::from_utf8_lossy(&out.stderr).trim());
    }
    String::from_utf8(out.stdout).with_context(|| format!("{program}: output is not UTF-8"))
}

/// The `Packages` indexes apt has, for the machine's configuration with `options` added.
pub fn targets(options: &[String]) -> Result<Vec<Target>> {
    let mut args = options.to_vec();
    args.extend(["indextargets".to_string(), "Created-By: Packages".to_string()]);
    let text = run("apt-get", &args)?;
    let mut found = Vec::new();
    for stanza in deb822::parse(&text).map_err(|e| anyhow::anyhow!("apt-get indextargets: {e}"))? {
        let field = |n: &str| stanza.get(n).unwrap_or_default().to_string();
        found.push(Target { repo_uri: field("Repo-URI"), release: field("Release"), architecture: field("Architecture"), filename: field("Filename") });
    }
    Ok(found)
}

/// The text of an index file, whatever compression apt kept it in.
pub fn read(filename: &str) -> Result<String> {
    run("/usr/lib/apt/apt-helper", &["cat-file".to_string(), filename.to_string()]).with_context(|| format!("{filename}: cannot read the index"))
}

/// The machine's Debian repositories: its main archive, and its security archive if it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Repositories {
    pub main: String,
    pub security: Option<String>,
    /// The main archive's suite as the machine's sources name it (`bookworm`), when apt said.
    pub release: Option<String>,
}

/// Where the machine's apt takes packages from. In Bazel's offline environment, whose apt knows
/// only the main archive, `CLEANSTART_DEBIAN_MIRRORS` holds what the host's apt uses (tools/bazel
/// asks it).
pub fn host_repositories() -> Result<Repositories> {
    let given: Vec<String> = std::env::var("CLEANSTART_DEBIAN_MIRRORS").unwrap_or_default().split_whitespace().map(str::to_string).collect();
    // Each repository with its suite, when apt named it; the host's list says no suite.
    let repos: Vec<(String, Option<String>)> =
        if given.is_empty() { targets(&[])?.into_iter().map(|t| (t.repo_uri, Some(t.release))).collect() } else { given.into_iter().map(|uri| (uri, None)).collect() };
    let security = |(uri, release): &(String, Option<String>)| release.as_deref().map_or(uri.contains("security"), |r| r.ends_with("-security"));
    let Some((main, release)) = repos.iter().find(|r| !security(r)).cloned() else {
        bail!("apt knows no Debian archive: this needs a Debian machine whose apt sources name a mirror (run apt-get update)");
    };
    let security = repos.iter().find(|r| security(r)).map(|(uri, _)| uri.clone());
    Ok(Repositories { main, security, release })
}

/// The machine's Debian architecture (`dpkg --print-architecture`).
pub fn host_arch() -> Result<String> {
    let out = Command::new("dpkg").arg("--print-architecture").output().context("dpkg must be installed")?;
    if !out.status.success() {
        bail!("dpkg --print-architecture: {}", String::from_utf8_lossy(&out.stderr).trim());
    }
    Ok(String::from_utf8_lossy(&out.stdout).trim().to_string())
}

/// An apt state of our own for one architecture and a list of suites of the machine's mirror.
pub struct Archive {
    dir: PathBuf,
    options: Vec<String>,
}

impl Archive {
    /// `arch` of `suites` (`bookworm`, `bookworm-updates`, `bookworm-security`), in `cache/apt-ARCH`.
    /// A suite ending in `-security` is taken from the machine's security repository when it has
    /// one; every other suite from its main mirror.
    pub fn new(cache: &Path, arch: &str, suites: &[String]) -> Result<Archive> {
        let repos = host_repositories()?;
        let (main, security) = (&repos.main, repos.security.as_ref());
        let dir = cache.join(format!("apt-{arch}"));
        std::fs::create_dir_all(dir.join("lists/partial")).with_context(|| format!("{}: cannot create", dir.display()))?;
        let mut sources = String::new();
        for suite in suites {
            let uri = if suite.ends_with("-security") { security.unwrap_or(main) } else { main };
            sources.push_str(&format!("deb [arch={arch}] {uri} {suite} main\n"));
        }
        let list = dir.join("sources.list");
        std::fs::write(&list, sources).with_context(|| format!("{}: cannot write", list.display()))?;
        let status = dir.join("status");
        if !status.exists() {
            std::fs::write(&status, b"").with_context(|| format!("{}: cannot write", status.display()))?;
        }
        let options = [
            format!("Dir::Etc::SourceList={}", list.display()),
            "Dir::Etc::SourceParts=/nonexistent".to_string(),
            format!("Dir::State::Lists={}", dir.join("lists").display()),
            format!("Dir::State::status={}", status.display()),
            format!("APT::Architecture={arch}"),
            format!("APT::Architectures={arch}"),
            // Snapshot mirrors serve Release files past their Valid-Until date.
            "Acquire::Check-Valid-Until=false".to_string(),
        ]
        .into_iter()
        .flat_map(|o| ["-o".to_string(), o])
        .collect();
        Ok(Archive { dir, options })
    }

    /// The directory of this apt state.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The options that point apt at this state (for `apt-get download`, `apt-cache depends`, ...).
    pub fn options(&self) -> &[String] {
        &self.options
    }

    /// Fetches the current indexes (`apt-get update` into our state).
    pub fn update(&self) -> Result<()> {
        let mut args = self.options.clone();
        args.extend(["-q".to_string(), "update".to_string()]);
        run("apt-get", &args).map(drop).with_context(|| format!("updating the indexes in {}", self.dir.display()))
    }

    /// The packages of `arch` in the indexes last fetched.
    pub fn index(&self, arch: &str) -> Result<Index> {
        let texts: Vec<(String, String)> =
            targets(&self.options)?.into_iter().filter(|t| t.architecture == arch).map(|t| read(&t.filename).map(|text| (t.filename, text))).collect::<Result<_>>()?;
        if texts.is_empty() {
            bail!("no {arch} index in {}: run the update first", self.dir.display());
        }
        Index::parse(arch, texts.iter().map(|(f, t)| (f.as_str(), t.as_str())))
    }
}
