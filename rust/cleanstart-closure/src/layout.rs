//! The selection written out for `cleanimg`: `OUTPUT/root/` holds the files and symlinks (absolute
//! targets made relative, so it resolves inside itself), `OUTPUT/entries.json` lists every entry
//! in cleanimg's spec format (`{"entries": [...]}`, sources relative to the
//! list), which an image spec includes. Each package the image keeps anything of gets its record
//! in `/var/lib/dpkg/status.d` (its control stanza, and the md5sums of the files kept), so that
//! the image itself says where each file came from.
//!
//! The output appears whole or not at all: it is built beside the output path and renamed there.

use crate::packages::Packages;
use crate::selection::Selection;
use anyhow::{bail, Context, Result};
use cleanstart_debian::status;
use cning::content;
use cning::tree::{self, Kind};
use serde_json::{json, Value};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

/// What was written.
#[derive(Debug, Default)]
pub struct Written {
    /// Regular files, and their bytes.
    pub files: usize,
    pub bytes: u64,
    /// Entries of every kind, package records included.
    pub entries: usize,
    /// `NAME VERSION` of each package the image keeps something of.
    pub packages: Vec<String>,
}

/// Lays `selection` out at `output`, which must not exist or be an empty directory.
pub fn write(packages: &Packages, selection: &Selection, output: &Path) -> Result<Written> {
    if let Ok(meta) = std::fs::symlink_metadata(output) {
        let empty = meta.is_dir() && std::fs::read_dir(output).with_context(|| format!("{}: cannot read", output.display()))?.next().is_none();
        if !empty {
            bail!("{}: exists and is not an empty directory; refusing to replace it", output.display());
        }
    }
    let parent = output.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let work = tempfile::Builder::new().prefix(".closure-").tempdir_in(parent).with_context(|| format!("{}: cannot create a directory beside it", output.display()))?;
    let written = write_into(packages, selection, work.path())?;
    if output.is_dir() {
        std::fs::remove_dir(output).with_context(|| format!("{}: cannot replace the empty directory", output.display()))?;
    }
    std::fs::rename(work.path(), output).with_context(|| format!("{}: cannot move the result there", output.display()))?;
    // Renamed away: nothing left for the guard to remove.
    let _ = work.keep();
    Ok(written)
}

fn write_into(packages: &Packages, selection: &Selection, work: &Path) -> Result<Written> {
    let root = work.join("root");
    let tree = &packages.fs.tree;
    let mut entries: BTreeMap<String, Value> = BTreeMap::new();
    let mut written = Written::default();
    // Per package: the regular files to extract from its data tar.
    let mut wanted: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    let mut kept: BTreeMap<usize, BTreeSet<String>> = BTreeMap::new();
    for path in &selection.paths {
        let entry = tree.get(path).with_context(|| format!("{path}: not in the packages"))?;
        if let Some(owner) = packages.owner(path) {
            kept.entry(owner).or_default().insert(path.clone());
        }
        let value = match entry.kind {
            Kind::Dir => json!({"type": "dir", "path": path, "mode": entry.mode, "uid": entry.uid, "gid": entry.gid}),
            Kind::Symlink => {
                let target = entry.target.clone().unwrap_or_default();
                let link = root.join(&path[1..]);
                create_parent(&link)?;
                std::os::unix::fs::symlink(relocatable(path, &target), &link).with_context(|| format!("{}: cannot create", link.display()))?;
                json!({"type": "symlink", "path": path, "target": target})
            }
            Kind::File => {
                let owner = packages.owner(path).with_context(|| format!("{path}: no package owns it"))?;
                wanted.entry(owner).or_default().insert(path.clone());
                written.files += 1;
                written.bytes += entry.size;
                json!({"type": "file", "path": path, "source": source_of(path), "mode": entry.mode, "uid": entry.uid, "gid": entry.gid})
            }
            other => bail!("{path}: a {} in package {}; images get files, directories and symlinks only", other.name(), packages.packages[packages.owner(path).unwrap_or(0)].installed.name),
        };
        entries.insert(path.clone(), value);
    }
    let mut md5s: HashMap<String, String> = HashMap::new();
    for (&index, paths) in &wanted {
        let package = &packages.packages[index];
        let extracted = extract(&package.data, paths, &root)?;
        // The package's own list must agree with the bytes its tar gave (configuration files
        // are not on it: dpkg lists those apart).
        let listed: HashMap<String, String> = status::parse_md5sums(&package.md5sums)?.into_iter().map(|(md5, path)| (path, md5)).collect();
        for (path, md5) in &extracted {
            if listed.get(path).is_some_and(|want| want != md5) {
                bail!("{}: {path} has md5 {md5}, the package's md5sums says {}", package.data.display(), listed[path]);
            }
        }
        md5s.extend(extracted);
    }
    for (&index, paths) in &kept {
        let package = &packages.packages[index];
        let name = &package.installed.name;
        let (_, record) = status::record(&package.control).with_context(|| format!("{}: control file", package.data.display()))?;
        let record_path = format!("{}/{name}", status::DIR);
        put(&root, &record_path, record.as_bytes(), &mut entries)?;
        // Every regular file kept of the package, configuration files included, so that each
        // file of the image names its package.
        let files: Vec<(String, String)> = paths.iter().filter_map(|p| Some((md5s.get(p)?.clone(), p.clone()))).collect();
        if !files.is_empty() {
            put(&root, &format!("{record_path}.md5sums"), status::md5sums(&files).as_bytes(), &mut entries)?;
        }
        written.packages.push(format!("{name} {}", package.installed.version));
    }
    written.entries = entries.len();
    let list = json!({"entries": entries.into_values().collect::<Vec<_>>()});
    let text = serde_json::to_string_pretty(&list).context("entry list")?;
    std::fs::write(work.join("entries.json"), text + "\n").with_context(|| format!("{}: cannot write", work.display()))?;
    Ok(written)
}

/// The target a symlink at `path` gets under `root/`: an absolute target made relative to the
/// link's directory, so that `root/` resolves inside itself wherever it is (a program can be run
/// there through its own loader, `ld.so --library-path`). The entry list keeps the target as
/// the package has it.
fn relocatable(path: &str, target: &str) -> String {
    match target.strip_prefix('/') {
        Some(inside) => {
            let depth = path.matches('/').count() - 1;
            format!("{}{inside}", "../".repeat(depth))
        }
        None => target.to_string(),
    }
}

/// Where a file's bytes go, relative to `entries.json`.
fn source_of(path: &str) -> String {
    format!("root{path}")
}

/// Writes a file the closure makes itself (a package record), as an entry.
fn put(root: &Path, path: &str, data: &[u8], entries: &mut BTreeMap<String, Value>) -> Result<()> {
    if entries.contains_key(path) {
        bail!("{path}: a package ships it, and the package records go there");
    }
    let dest = root.join(&path[1..]);
    create_parent(&dest)?;
    std::fs::write(&dest, data).with_context(|| format!("{}: cannot write", dest.display()))?;
    entries.insert(path.to_string(), json!({"type": "file", "path": path, "source": source_of(path), "mode": 0o644, "uid": 0, "gid": 0}));
    Ok(())
}

fn create_parent(dest: &Path) -> Result<()> {
    let dir = dest.parent().context("no parent")?;
    std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create", dir.display()))
}

/// A writer that also computes the md5 of what goes through it.
struct Md5Writer<W> {
    inner: W,
    md5: md5::Md5,
}

impl<W: std::io::Write> std::io::Write for Md5Writer<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let n = self.inner.write(buf)?;
        md5::Digest::update(&mut self.md5, &buf[..n]);
        Ok(n)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        self.inner.flush()
    }
}

/// Extracts the regular files `paths` of a data tar under `root`, returning the md5 of each. A
/// hard link among them gets a copy of its target's bytes (read again when the target itself is
/// not wanted).
fn extract(data: &Path, paths: &BTreeSet<String>, root: &Path) -> Result<HashMap<String, String>> {
    let mut links: Vec<(String, String)> = Vec::new();
    let mut done: HashMap<String, String> = HashMap::new();
    each_entry(data, |path, entry| {
        if !paths.contains(path) {
            return Ok(());
        }
        match entry.header().entry_type() {
            tar::EntryType::Regular | tar::EntryType::Continuous => {
                let dest = root.join(&path[1..]);
                create_parent(&dest)?;
                let file = std::fs::File::create(&dest).with_context(|| format!("{}: cannot create", dest.display()))?;
                let mut out = Md5Writer { inner: file, md5: md5::Digest::new() };
                std::io::copy(entry, &mut out).with_context(|| format!("{}: {path}: cannot extract", data.display()))?;
                done.insert(path.to_string(), content::hex(&md5::Digest::finalize(out.md5)));
            }
            tar::EntryType::Link => {
                let raw = entry.link_name_bytes().map(|t| t.into_owned()).unwrap_or_default();
                let (target, _) = tree::normalize_entry_name(&raw).map_err(|_| anyhow::anyhow!("{}: {path}: hard link with an unusable target", data.display()))?;
                links.push((path.to_string(), target));
            }
            other => bail!("{}: {path}: a {other:?} entry where a file was expected", data.display()),
        }
        Ok(())
    })?;
    // Hard links: the bytes of their targets, from the copies made or from the tar again.
    let mut again: HashMap<String, Vec<(String, PathBuf)>> = HashMap::new();
    for (path, target) in links {
        let dest = root.join(&path[1..]);
        create_parent(&dest)?;
        if let Some(md5) = done.get(&target).cloned() {
            std::fs::copy(root.join(&target[1..]), &dest).with_context(|| format!("{}: cannot copy {target}", dest.display()))?;
            done.insert(path, md5);
        } else {
            again.entry(target).or_default().push((path, dest));
        }
    }
    if !again.is_empty() {
        each_entry(data, |path, entry| {
            let Some(dests) = again.remove(path) else { return Ok(()) };
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(entry, &mut bytes).with_context(|| format!("{}: {path}: cannot extract", data.display()))?;
            let md5 = content::hex(&<md5::Md5 as md5::Digest>::digest(&bytes));
            for (link, dest) in dests {
                std::fs::write(&dest, &bytes).with_context(|| format!("{}: cannot write", dest.display()))?;
                done.insert(link, md5.clone());
            }
            Ok(())
        })?;
        if let Some(target) = again.keys().next() {
            bail!("{}: hard link target {target} is not in the package", data.display());
        }
    }
    Ok(done)
}

/// Calls `visit` with every entry of a data tar and its normalized absolute path.
fn each_entry(data: &Path, mut visit: impl FnMut(&str, &mut tar::Entry<'_, std::io::BufReader<std::fs::File>>) -> Result<()>) -> Result<()> {
    let file = std::fs::File::open(data).with_context(|| format!("{}: cannot read", data.display()))?;
    let mut archive = tar::Archive::new(std::io::BufReader::new(file));
    for entry in archive.entries().with_context(|| format!("{}: not a tar", data.display()))? {
        let mut entry = entry.with_context(|| format!("{}: not a readable tar", data.display()))?;
        let raw = entry.path_bytes().into_owned();
        let Ok((path, _)) = tree::normalize_entry_name(&raw) else { continue };
        visit(&path, &mut entry)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::relocatable;

    #[test]
    fn absolute_targets_become_relative_to_the_link() {
        assert_eq!(relocatable("/lib64/ld-linux-x86-64.so.2", "/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"), "../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
        assert_eq!(relocatable("/etc/os-release", "../usr/lib/os-release"), "../usr/lib/os-release");
        assert_eq!(relocatable("/a", "/b/c"), "b/c");
        assert_eq!(relocatable("/usr/lib/x/libz.so.1", "libz.so.1.2.13"), "libz.so.1.2.13");
    }
}
