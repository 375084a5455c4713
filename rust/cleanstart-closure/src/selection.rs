//! What an image takes from the packages: each program, everything its loader loads (searched by
//! cning's linking model over the packages' merged tree), the files the user declares, and every
//! symlink a kept path resolves through, so that each path resolves in the image as it did over
//! the packages.

use crate::packages::Packages;
use anyhow::{bail, Result};
use cning::linking::Linking;
use cning::tree::{Kind, Resolution};
use globset::{Glob, GlobMatcher};
use std::collections::BTreeSet;

/// What to take.
#[derive(Debug, Clone, Default)]
pub struct Request {
    /// Absolute paths of the programs the image runs.
    pub programs: Vec<String>,
    /// Globs of package paths kept whole: configuration, data, modules the programs `dlopen`
    /// (shared libraries among them are searched as `dlopen` roots, so what they load comes too).
    pub keep: Vec<String>,
    /// Globs of paths left out after the search, with the symlinks that lead to them (a file the
    /// image provides otherwise, or a test image that must miss something).
    pub exclude: Vec<String>,
}

/// The paths taken, and why.
#[derive(Debug)]
pub struct Selection {
    /// Every entry to lay out (files, symlinks, directories), absolute.
    pub paths: BTreeSet<String>,
    /// Each program and library root with the number of objects its closure loads.
    pub roots: Vec<(String, usize)>,
}

fn matcher(option: &str, glob: &str) -> Result<GlobMatcher> {
    if !glob.starts_with('/') {
        bail!("{option} {glob:?}: not an absolute path or glob");
    }
    Ok(Glob::new(glob).map_err(|e| anyhow::anyhow!("{option} {glob:?}: {e}"))?.compile_matcher())
}

/// Takes what `request` asks of `packages`. Fails naming the program, and what it misses, when a
/// program is in no package, or its loader would not find its interpreter or a library.
pub fn select(packages: &Packages, request: &Request) -> Result<Selection> {
    let tree = &packages.fs.tree;
    let mut paths = BTreeSet::new();
    let take = |path: &str, paths: &mut BTreeSet<String>| -> Result<()> {
        let (resolved, trail) = tree.resolve_trail(path);
        match resolved.end {
            Resolution::Found(real) => {
                paths.extend(trail);
                paths.insert(real);
                Ok(())
            }
            Resolution::Dangling { missing } => bail!("{path}: no package has {missing}"),
            Resolution::Loop => bail!("{path}: too many symlinks"),
        }
    };
    for program in &request.programs {
        if !program.starts_with('/') {
            bail!("--program {program:?}: not an absolute path");
        }
        take(program, &mut paths).map_err(|e| anyhow::anyhow!("--program {e}"))?;
    }
    let mut libraries = Vec::new();
    let mut more_programs = Vec::new();
    let keep: Vec<GlobMatcher> = request.keep.iter().map(|g| matcher("--keep", g)).collect::<Result<_>>()?;
    for (glob, m) in request.keep.iter().zip(&keep) {
        let matched: Vec<&String> = tree.iter().map(|(p, _)| p).filter(|p| m.is_match(p.as_str())).collect();
        if matched.is_empty() {
            bail!("--keep {glob:?}: matches nothing in the packages");
        }
        for path in matched {
            let entry = tree.get(path).map(|e| e.kind);
            if entry == Some(Kind::Dir) {
                paths.insert(path.clone());
                continue;
            }
            take(path, &mut paths)?;
            let elf = tree.get(path).and_then(|e| e.content.as_ref()).and_then(|c| c.elf.as_ref()).and_then(|e| e.as_ref().ok());
            match elf.map(|o| o.kind) {
                Some(cleanstart_ldso::Kind::SharedLibrary) => libraries.push(path.as_str()),
                Some(cleanstart_ldso::Kind::Executable) => more_programs.push(path.as_str()),
                _ => {}
            }
        }
    }
    let programs: Vec<&str> = request.programs.iter().map(String::as_str).chain(more_programs).collect();
    let linking = Linking::of_roots(&packages.fs, &programs, &libraries);
    let mut roots = Vec::new();
    for (root, closure) in linking.programs.iter().chain(&linking.dlopened) {
        if let Some(Err(why)) = &closure.interpreter {
            // Merged-/usr releases ship the loader under /usr only; /lib64 and /lib come from base-files.
            let hint = if packages.packages.iter().any(|p| p.installed.name == "base-files") { "" } else { " (in merged-/usr releases base-files ships /lib64, /lib and /bin: add base-files to the packages)" };
            bail!("{root}: its interpreter cannot be used: {why}{hint}");
        }
        if let Some(missing) = closure.missing.iter().find(|m| m.fatal) {
            bail!(
                "{root}: {} needs {}, which no package has where the loader looks ({})",
                closure.objects[missing.needed_by].path,
                missing.name,
                missing.searched.join(":")
            );
        }
        for object in &closure.objects {
            take(&object.path, &mut paths)?;
        }
        roots.push((root.clone(), closure.objects.len()));
    }
    for glob in &request.exclude {
        let m = matcher("--exclude", glob)?;
        let hit: Vec<String> = paths.iter().filter(|p| m.is_match(p.as_str())).cloned().collect();
        if hit.is_empty() {
            bail!("--exclude {glob:?}: matches nothing selected");
        }
        for path in hit {
            paths.remove(&path);
            // Its names go with it (a library's soname link): a link left dangling is not what
            // an image without the file would hold.
            let names: Vec<String> = paths
                .iter()
                .filter(|p| tree.get(p).is_some_and(|e| e.kind == Kind::Symlink) && tree.resolve(p).end == Resolution::Found(path.clone()))
                .cloned()
                .collect();
            for name in names {
                paths.remove(&name);
            }
        }
    }
    paths.remove("/");
    Ok(Selection { paths, roots })
}
