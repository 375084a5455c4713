//! Dynamic linking inside an image: what each executable's loader loads, searched over the
//! image's own files by `cleanstart-ldso`, and what follows from it: interpreters and libraries
//! that are not there, libraries nothing loads, and for inventories what every ELF file needs
//! and where each need resolved.

use crate::source::ImageFs;
use crate::tree::{Entry, Kind as EntryKind, Resolution};
use cleanstart_ldso::{Closure, Flavor, Image, Kind, Lookup, Object, Resolver, Settings};
use globset::GlobMatcher;
use std::collections::{BTreeMap, BTreeSet, HashSet};

/// Files the loaders read for their configuration, whose text cning keeps while reading an image.
pub fn is_loader_config(path: &str) -> bool {
    path == cleanstart_ldso::config::LD_SO_CONF
        || path == cleanstart_ldso::config::LD_SO_PRELOAD
        || path.starts_with("/etc/ld.so.conf.d/")
        || (path.starts_with("/etc/ld-musl-") && path.ends_with(".path"))
}

/// The image's merged tree, as the search sees it.
struct View<'a>(&'a ImageFs);

impl Image for View<'_> {
    fn lookup(&self, path: &str) -> Lookup {
        match self.0.tree.resolve(path).end {
            Resolution::Found(real) => match self.0.tree.get(&real).map(|e| e.kind) {
                Some(EntryKind::File) => Lookup::File(real),
                Some(EntryKind::Dir) => Lookup::Dir(real),
                Some(_) => Lookup::Other(real),
                None => Lookup::Missing,
            },
            Resolution::Dangling { .. } | Resolution::Loop => Lookup::Missing,
        }
    }

    fn list(&self, dir: &str) -> Vec<String> {
        self.0.tree.children(dir).into_iter().map(str::to_string).collect()
    }

    fn object(&self, file: &str) -> Option<Result<&Object, &str>> {
        match self.0.tree.get(file)?.content.as_ref()?.elf.as_ref()? {
            Ok(object) => Some(Ok(object)),
            Err(e) => Some(Err(e.as_str())),
        }
    }

    fn text(&self, file: &str) -> Option<&str> {
        self.0.tree.get(file)?.content.as_ref()?.text.as_deref()
    }
}

/// What the image configuration sets for the loader of every process it starts.
fn settings(fs: &ImageFs) -> Settings {
    Settings {
        ld_library_path: fs.runtime.var("LD_LIBRARY_PATH").map(str::to_string),
        ld_preload: fs.runtime.var("LD_PRELOAD").map(str::to_string),
        cwd: fs.runtime.working_dir.clone().filter(|d| d.starts_with('/')),
    }
}

/// The ELF facts of an entry, when it is a parseable ELF file.
fn object_of(entry: &Entry) -> Option<&Object> {
    entry.content.as_ref()?.elf.as_ref()?.as_ref().ok()
}

/// How one need of one object resolved.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub enum Target {
    /// The file that satisfied it.
    File(String),
    /// Nothing did.
    Missing,
}

/// The closures of one image's executables and `dlopen`ed libraries.
pub struct Linking {
    /// Each dynamically linked executable (one path per file), with its closure.
    pub programs: Vec<(String, Closure)>,
    /// Each library a `dlopen` glob names, with what loading it brings in.
    pub dlopened: Vec<(String, Closure)>,
    /// Every path a closure loads from, and the file it resolves to.
    used: HashSet<String>,
}

impl Linking {
    /// Searches every executable's closure, and every closure of the libraries `dlopen` names.
    pub fn of(fs: &ImageFs, dlopen: &[GlobMatcher]) -> Linking {
        let programs: Vec<&str> = files(fs).filter(|(_, o)| o.kind == Kind::Executable && !o.is_static()).map(|(path, _)| path).collect();
        let libraries: Vec<&str> = if dlopen.is_empty() {
            Vec::new()
        } else {
            fs.tree.iter().filter(|(p, _)| dlopen.iter().any(|g| g.is_match(p.as_str()))).map(|(p, _)| p.as_str()).collect()
        };
        Linking::of_roots(fs, &programs, &libraries)
    }

    /// The closures of the named programs and `dlopen`ed libraries only (paths in the image),
    /// as an image laid out from a larger tree needs them. A path that is not an ELF file gives
    /// no closure.
    pub fn of_roots(fs: &ImageFs, programs: &[&str], libraries: &[&str]) -> Linking {
        let view = View(fs);
        let resolver = Resolver::new(&view, settings(fs));
        let programs: Vec<(String, Closure)> = programs.iter().filter_map(|path| Some((path.to_string(), resolver.program(path)?))).collect();
        // A dlopen()ing process is one of the image's programs: musl's search when they all use
        // musl's loader, glibc's otherwise.
        let musl = match programs.first().map(|(_, c)| &c.flavor) {
            Some(Flavor::Musl { arch }) if programs.iter().all(|(_, c)| c.flavor.is_musl()) => Some(arch.clone()),
            _ => None,
        };
        let mut dlopened = Vec::new();
        let mut seen = HashSet::new();
        for path in libraries {
            let Lookup::File(file) = view.lookup(path) else { continue };
            if !seen.insert(file.clone()) {
                continue;
            }
            if let Some(closure) = resolver.library(&file, musl.as_deref()) {
                dlopened.push((path.to_string(), closure));
            }
        }
        let mut used = HashSet::new();
        for (_, closure) in programs.iter().chain(&dlopened) {
            for object in &closure.objects {
                used.insert(object.path.clone());
                used.insert(object.file.clone());
            }
        }
        Linking { programs, dlopened, used }
    }

    /// Whether a closure loads the file at `path`, or the base library that `path` is an
    /// optimized variant of (`DIR/glibc-hwcaps/x86-64-v3/NAME` stands for `DIR/NAME`: which one
    /// glibc loads depends on the CPU that runs the image).
    pub fn is_used(&self, path: &str) -> bool {
        if self.used.contains(path) {
            return true;
        }
        let Some((dir, rest)) = path.split_once("/glibc-hwcaps/") else { return false };
        let Some((_, name)) = rest.split_once('/') else { return false };
        self.used.contains(&format!("{dir}/{name}"))
    }

    /// Shared libraries (one path per file) that no closure loads.
    pub fn unused<'a>(&self, fs: &'a ImageFs) -> Vec<&'a str> {
        files(fs).filter(|(path, o)| o.kind == Kind::SharedLibrary && !self.is_used(path)).map(|(path, _)| path).collect()
    }

    /// What each dynamic ELF file needs and where each need resolved, in every closure that
    /// loads it; a library no closure loads is searched as if `dlopen`ed, so that it is listed too.
    pub fn links(&self, fs: &ImageFs) -> BTreeMap<String, Links> {
        let mut links: BTreeMap<String, Links> = BTreeMap::new();
        let mut record = |closure: &Closure| {
            for object in &closure.objects {
                let entry = links.entry(object.file.clone()).or_default();
                for (name, found) in &object.needs {
                    let target = found.map_or(Target::Missing, |i| Target::File(closure.objects[i].file.clone()));
                    entry.needs.entry(name.clone()).or_default().insert(target);
                }
            }
            if let (Some(interp), Some(program)) = (&closure.interpreter, closure.objects.first()) {
                let target = interp.as_ref().map_or(Target::Missing, |&i| Target::File(closure.objects[i].file.clone()));
                let name = fs.tree.get(&program.file).and_then(object_of).and_then(|o| o.interpreter.clone()).unwrap_or_default();
                links.entry(program.file.clone()).or_default().interpreter = Some((name, target));
            }
        };
        for (_, closure) in self.programs.iter().chain(&self.dlopened) {
            record(closure);
        }
        let view = View(fs);
        let resolver = Resolver::new(&view, settings(fs));
        let unreached: Vec<&str> = files(fs).filter(|(path, o)| !o.needed.is_empty() && !self.is_used(path)).map(|(path, _)| path).collect();
        for path in unreached {
            if let Some(closure) = resolver.library(path, None) {
                record(&closure);
            }
        }
        links.retain(|_, l| l.interpreter.is_some() || !l.needs.is_empty());
        links
    }
}

/// How one ELF file's interpreter and needs resolved.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Links {
    /// `PT_INTERP` and the file it resolves to.
    pub interpreter: Option<(String, Target)>,
    /// Each `DT_NEEDED` name and the files it resolved to (more than one when programs with
    /// different search paths load the object).
    pub needs: BTreeMap<String, BTreeSet<Target>>,
}

impl Links {
    /// `NAME -> FILE` for each need (`NAME -> not found` when nothing satisfies it), `; `-joined.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some((name, target)) = &self.interpreter {
            parts.push(format!("PT_INTERP {name} -> {target}"));
        }
        for (name, targets) in &self.needs {
            let to: Vec<String> = targets.iter().map(ToString::to_string).collect();
            parts.push(format!("{name} -> {}", to.join(" | ")));
        }
        parts.join("; ")
    }

    /// Every file this one loads directly.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.interpreter.iter().map(|(_, t)| t).chain(self.needs.values().flatten()).filter_map(|t| match t {
            Target::File(f) => Some(f.as_str()),
            Target::Missing => None,
        })
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Target::File(path) => f.write_str(path),
            Target::Missing => f.write_str("not found"),
        }
    }
}

/// Every parseable ELF file of the image, once per file (the first of its hard links).
fn files(fs: &ImageFs) -> impl Iterator<Item = (&str, &Object)> {
    let mut inodes = HashSet::new();
    fs.tree.iter().filter(move |(_, e)| e.kind == EntryKind::File && e.inode.is_none_or(|i| inodes.insert(i))).filter_map(|(p, e)| Some((p.as_str(), object_of(e)?)))
}
