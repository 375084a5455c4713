//! The search itself: what a program's loader loads at start-up, and from where.
//!
//! Objects are loaded breadth first, each one's `DT_NEEDED` entries in order, as both loaders do:
//! the first object to need a name decides which file it becomes (its own search path decides),
//! and later needs of the same name reuse it. A name is satisfied by an object already loaded
//! under that name (or, for glibc, with that `DT_SONAME`; for musl, its reserved libc names
//! name the loader itself), else searched:
//!
//! - glibc (`ld.so(8)`): a name with a `/` is a path; otherwise `DT_RPATH` of the needing object
//!   and of the chain of objects that loaded it up to the program, then the program's own, but
//!   only when the needing object has no `DT_RUNPATH`; `LD_LIBRARY_PATH`; the needing object's
//!   `DT_RUNPATH`; the directories of `/etc/ld.so.conf` (the loader reads them from
//!   `/etc/ld.so.cache`, which `ldconfig` builds from that file, so only when the image has a
//!   cache); the loader's built-in directories. `DF_1_NODEFLIB` leaves out the built-in
//!   directories. A file of another class or machine is skipped; a file that is not a loadable
//!   library (not ELF, an executable, unreadable) stops the search with an error.
//! - musl: `LD_LIBRARY_PATH`; `DT_RUNPATH` (else `DT_RPATH`) of the needing object and of each
//!   object up the chain that loaded it; `/etc/ld-musl-ARCH.path` or musl's default path. The
//!   first file found is used, whatever it is.
//!
//! Preloads (`LD_PRELOAD`, and glibc's `/etc/ld.so.preload`) load right after the program. A
//! preload that is not found is ignored by the loader (with a message), so it is reported as
//! not fatal.

use crate::config::{self, LdSoConf};
use crate::flavor::{self, Flavor};
use crate::image::{Image, Lookup};
use crate::object::{Kind, Object};
use crate::tokens::{self, Separators, Tokens};
use std::cell::RefCell;
use std::collections::{HashMap, HashSet, VecDeque};
use std::sync::Arc;

/// What the process's environment and the image's configuration set.
#[derive(Debug, Clone, Default)]
pub struct Settings {
    /// `LD_LIBRARY_PATH` from the image configuration's `Env`.
    pub ld_library_path: Option<String>,
    /// `LD_PRELOAD` from the image configuration's `Env`.
    pub ld_preload: Option<String>,
    /// The working directory relative paths start from (the image's `WorkingDir`, else `/`).
    pub cwd: Option<String>,
}

/// One object of a closure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loaded {
    /// The name it was first asked for: the program's path, `PT_INTERP`, a `DT_NEEDED` entry.
    pub name: String,
    /// The path it was found at (a search directory joined with the name).
    pub path: String,
    /// The regular file that path resolves to.
    pub file: String,
    /// The object whose need loaded it (`None` for the program and its interpreter).
    pub loaded_by: Option<usize>,
    /// Each `DT_NEEDED` entry and the object that satisfied it (`None`: nothing did).
    pub needs: Vec<(String, Option<usize>)>,
}

/// A need nothing in the image satisfies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Missing {
    /// The object that needs it (an index into [`Closure::objects`]).
    pub needed_by: usize,
    pub name: String,
    /// The directories searched, in order (or the path tried, for a name with a `/`); shared by
    /// every need of one object.
    pub searched: Arc<[String]>,
    /// Why a file that was found could not be used, or candidates skipped on the way.
    pub detail: Option<String>,
    /// False for a preload, which the loader ignores when it is not found.
    pub fatal: bool,
}

/// Everything a program loads at start-up.
#[derive(Debug, Clone)]
pub struct Closure {
    pub flavor: Flavor,
    /// The program first, then (when it has one and it was found) its interpreter, then what
    /// the search loaded, in load order.
    pub objects: Vec<Loaded>,
    /// `PT_INTERP`: the index of the interpreter in `objects`, or why the kernel could not use
    /// it. `None` when the program names no interpreter.
    pub interpreter: Option<Result<usize, String>>,
    pub missing: Vec<Missing>,
    /// Configuration that could not be read (the search went on without it).
    pub notes: Vec<String>,
}

impl Closure {
    /// The regular files of every loaded object.
    pub fn files(&self) -> impl Iterator<Item = &str> {
        self.objects.iter().map(|o| o.file.as_str())
    }

    /// True when the program would start: interpreter found, every fatal need satisfied.
    pub fn starts(&self) -> bool {
        !matches!(self.interpreter, Some(Err(_))) && self.missing.iter().all(|m| !m.fatal)
    }
}

/// Runs searches over one image. Directory lookups and configuration are read once and shared
/// by every closure computed with it.
pub struct Resolver<'a> {
    image: &'a dyn Image,
    settings: Settings,
    /// `/etc/ld.so.conf`'s directories, or why they are not searched.
    ld_so_conf: Result<LdSoConf, String>,
    preload_file: Vec<String>,
    /// Whether each directory (as searched) resolves to a directory in the image.
    dirs: RefCell<HashMap<String, bool>>,
}

/// musl's loader is also libc, libm, libpthread, ...: these names load nothing else.
const MUSL_RESERVED: &[&str] = &["c.", "pthread.", "rt.", "m.", "dl.", "util.", "xnet."];

impl<'a> Resolver<'a> {
    pub fn new(image: &'a dyn Image, settings: Settings) -> Resolver<'a> {
        let ld_so_conf = match (image.lookup(config::LD_SO_CACHE), image.lookup(config::LD_SO_CONF)) {
            (Lookup::File(_), _) | (_, Lookup::Missing) => Ok(LdSoConf::read(image)),
            _ => Err(format!("{} is not searched: the image has no {}", config::LD_SO_CONF, config::LD_SO_CACHE)),
        };
        let preload_file = config::preload_file(image);
        Resolver { image, settings, ld_so_conf, preload_file, dirs: RefCell::new(HashMap::new()) }
    }

    fn cwd(&self) -> &str {
        self.settings.cwd.as_deref().unwrap_or("/")
    }

    /// What the program at `path` loads when the kernel starts it.
    pub fn program(&self, path: &str) -> Option<Closure> {
        let Lookup::File(file) = self.image.lookup(path) else { return None };
        let root = self.image.object(&file)?.ok()?;
        let interp_path = root.interpreter.as_deref();
        let interp = interp_path.map(|p| self.interpreter(root, p));
        let resolved = match &interp {
            Some(Ok((file, _))) => Some(file.as_str()),
            _ => None,
        };
        let flavor = Flavor::of(interp_path, resolved, root.machine, root.big_endian);
        let mut run = Run::new(self, flavor, root, path, file);
        run.closure.interpreter = interp.map(|r| {
            r.map(|(file, object)| {
                let name = interp_path.unwrap_or_default().to_string();
                run.push(Loaded { name: name.clone(), path: name, file, loaded_by: None, needs: Vec::new() }, object, false)
            })
        });
        Some(run.finish(true))
    }

    /// What loading the library at `path` with `dlopen` brings in (its process being unknown,
    /// musl's search is used when `musl` is given, Debian's glibc otherwise).
    pub fn library(&self, path: &str, musl: Option<&str>) -> Option<Closure> {
        let Lookup::File(file) = self.image.lookup(path) else { return None };
        let root = self.image.object(&file)?.ok()?;
        let flavor = match musl {
            Some(arch) => Flavor::Musl { arch: arch.to_string() },
            None => Flavor::debian(root.machine, root.big_endian),
        };
        let run = Run::new(self, flavor, root, path, file);
        Some(run.finish(false))
    }

    /// The interpreter's file and facts, or why the kernel would refuse it.
    fn interpreter(&self, program: &Object, path: &str) -> Result<(String, &'a Object), String> {
        let file = match self.image.lookup(&tokens::absolute(path, self.cwd())) {
            Lookup::File(file) => file,
            Lookup::Missing => return Err(format!("{path} does not exist in the image")),
            Lookup::Dir(real) | Lookup::Other(real) => return Err(format!("{path} resolves to {real}, which is not a regular file")),
        };
        match self.image.object(&file) {
            None => Err(format!("{path} resolves to {file}, which is not an ELF file")),
            Some(Err(e)) => Err(format!("{path} resolves to {file}, which does not parse: {e}")),
            Some(Ok(o)) if !program.same_abi(o) => Err(format!("{path} resolves to {file}, an ELF file for {} where the program is for {}", o.arch(), program.arch())),
            Some(Ok(o)) => Ok((file, o)),
        }
    }

    fn dir_exists(&self, dir: &str) -> bool {
        if let Some(&known) = self.dirs.borrow().get(dir) {
            return known;
        }
        let exists = matches!(self.image.lookup(dir), Lookup::Dir(_));
        self.dirs.borrow_mut().insert(dir.to_string(), exists);
        exists
    }
}

/// One closure being computed.
struct Run<'r, 'a> {
    resolver: &'r Resolver<'a>,
    host: &'a Object,
    facts: Vec<&'a Object>,
    /// Names each object answers to (requested names, and for glibc its soname).
    names: Vec<Vec<String>>,
    queue: VecDeque<usize>,
    closure: Closure,
    system: Vec<String>,
}

/// The directories searched for one object's needs: all of them, for messages, and those that
/// exist in the image, which are the only ones worth trying each name in.
struct SearchPath {
    all: Arc<[String]>,
    existing: Vec<String>,
}

/// The outcome of trying one candidate path.
enum Candidate<'a> {
    Use(String, &'a Object),
    /// Another class or machine: glibc moves on to the next directory.
    Skip(String),
    /// Found but not loadable: the search ends with this error.
    Fail(String),
    Absent,
}

impl<'r, 'a> Run<'r, 'a> {
    fn new(resolver: &'r Resolver<'a>, flavor: Flavor, root: &'a Object, path: &str, file: String) -> Run<'r, 'a> {
        let mut notes = Vec::new();
        let system = match &flavor {
            Flavor::Glibc { system, .. } => system.clone(),
            Flavor::Musl { arch } => {
                let (dirs, note) = config::musl_path(resolver.image, arch);
                notes.extend(note);
                dirs
            }
        };
        if !flavor.is_musl() {
            match &resolver.ld_so_conf {
                Ok(conf) => notes.extend(conf.problems.iter().cloned()),
                Err(why) => notes.push(why.clone()),
            }
        }
        let closure = Closure { flavor, objects: Vec::new(), interpreter: None, missing: Vec::new(), notes };
        let mut run = Run { resolver, host: root, facts: Vec::new(), names: Vec::new(), queue: VecDeque::new(), closure, system };
        run.push(Loaded { name: path.to_string(), path: path.to_string(), file, loaded_by: None, needs: Vec::new() }, root, true);
        run
    }

    fn musl(&self) -> bool {
        self.closure.flavor.is_musl()
    }

    fn push(&mut self, loaded: Loaded, object: &'a Object, enqueue: bool) -> usize {
        let index = self.closure.objects.len();
        let mut names = vec![loaded.name.clone(), loaded.path.clone()];
        if !self.musl() {
            names.extend(object.soname.clone());
        }
        self.names.push(names);
        self.facts.push(object);
        self.closure.objects.push(loaded);
        if enqueue {
            self.queue.push_back(index);
        }
        index
    }

    fn finish(mut self, preload: bool) -> Closure {
        if preload {
            let mut preloads: Vec<String> = self.resolver.settings.ld_preload.as_deref().map(config::preload_list).unwrap_or_default();
            if !self.musl() {
                preloads.extend(self.resolver.preload_file.iter().cloned());
            }
            let dirs = self.dirs(0);
            for name in preloads {
                if let Err(mut missing) = self.map(&name, 0, &dirs) {
                    missing.fatal = false;
                    self.closure.missing.push(missing);
                }
            }
        }
        while let Some(index) = self.queue.pop_front() {
            let needed = self.facts[index].needed.clone();
            // One object's needs share its search path: computed once, however many there are.
            let dirs = self.dirs(index);
            for name in needed {
                let found = match self.map(&name, index, &dirs) {
                    Ok(i) => Some(i),
                    Err(missing) => {
                        self.closure.missing.push(missing);
                        None
                    }
                };
                self.closure.objects[index].needs.push((name, found));
            }
        }
        self.closure
    }

    /// The object `name`, needed by object `by` whose search path is `dirs`: one already loaded,
    /// or one found and loaded now.
    fn map(&mut self, name: &str, by: usize, dirs: &SearchPath) -> Result<usize, Missing> {
        if let Some(i) = self.names.iter().position(|n| n.iter().any(|x| x == name)) {
            return Ok(i);
        }
        if self.musl() && musl_reserved(name) {
            if let Some(Ok(i)) = self.closure.interpreter {
                self.names[i].push(name.to_string());
                return Ok(i);
            }
        }
        let missing = |searched: Arc<[String]>, detail: Option<String>| Missing { needed_by: by, name: name.to_string(), searched, detail, fatal: true };
        let (searched, found) = if name.contains('/') {
            // glibc replaces tokens in needed names too; musl takes the name as written.
            let path = if self.musl() { Some(tokens::absolute(name, self.resolver.cwd())) } else { tokens::expand(name, &self.tokens(by), self.resolver.cwd()) };
            let Some(path) = path else {
                return Err(missing(Arc::from(Vec::new()), Some("a token in the name has no value".into())));
            };
            let found = match self.candidate(&path) {
                Candidate::Use(file, object) => Ok((path.clone(), file, object)),
                Candidate::Skip(why) | Candidate::Fail(why) => Err(Some(why)),
                Candidate::Absent => Err(None),
            };
            (Arc::from(vec![path]), found)
        } else {
            (dirs.all.clone(), self.search(name, &dirs.existing))
        };
        let (path, file, object) = found.map_err(|detail| missing(searched, detail))?;
        // The same file under another name is the same object (both loaders compare the file).
        if let Some(i) = self.closure.objects.iter().position(|o| o.file == file) {
            self.names[i].push(name.to_string());
            return Ok(i);
        }
        Ok(self.push(Loaded { name: name.to_string(), path, file, loaded_by: Some(by), needs: Vec::new() }, object, true))
    }

    /// Searches `dirs` for `name`: the path, file and facts found, or why nothing was.
    fn search(&self, name: &str, dirs: &[String]) -> Result<(String, String, &'a Object), Option<String>> {
        let mut skipped = Vec::new();
        for dir in dirs {
            let path = tokens::join(dir, name);
            match self.candidate(&path) {
                Candidate::Use(file, object) => return Ok((path, file, object)),
                Candidate::Skip(why) => skipped.push(why),
                Candidate::Fail(why) => return Err(Some(why)),
                Candidate::Absent => {}
            }
        }
        Err((!skipped.is_empty()).then(|| skipped.join("; ")))
    }

    /// Whether `path` holds a library this process can load.
    fn candidate(&self, path: &str) -> Candidate<'a> {
        let image = self.resolver.image;
        let file = match image.lookup(path) {
            Lookup::Missing => return Candidate::Absent,
            Lookup::File(file) => file,
            Lookup::Dir(real) | Lookup::Other(real) => return Candidate::Fail(format!("{path} resolves to {real}, which is not a regular file")),
        };
        let object = match image.object(&file) {
            None => return Candidate::Fail(format!("{path} is not an ELF file")),
            Some(Err(e)) => return Candidate::Fail(format!("{path} does not parse: {e}")),
            Some(Ok(o)) => o,
        };
        if !self.host.same_abi(object) {
            let why = format!("{path} is for {} ({:?}), the process for {} ({:?})", object.arch(), object.class, self.host.arch(), self.host.class);
            return if self.musl() { Candidate::Fail(format!("{why}; musl's loader does not skip it")) } else { Candidate::Skip(why) };
        }
        match object.kind {
            Kind::SharedLibrary => Candidate::Use(file, object),
            Kind::Executable => Candidate::Fail(format!("{path} is an executable, which the loader refuses to load as a library")),
            Kind::Other => Candidate::Fail(format!("{path} is neither a shared library nor an executable")),
        }
    }

    /// The values of the tokens in object `index`'s lists.
    fn tokens(&self, index: usize) -> Tokens<'_> {
        let object = &self.closure.objects[index];
        // The kernel names the program by its resolved path (/proc/self/exe); libraries are
        // known by the path they were found at.
        let origin = if index == 0 { tokens::parent(&object.file) } else { tokens::parent(&object.path) };
        let machine = self.host.machine;
        Tokens { origin: Some(origin), lib: None, platform: flavor::platform_token(machine), musl: self.musl() }
    }

    fn list(&self, out: &mut Vec<String>, list: &str, how: Separators, index: usize) {
        let mut tokens = self.tokens(index);
        let lib = self.closure.flavor.lib_token();
        tokens.lib = lib.as_deref();
        for element in tokens::split(list, how) {
            if let Some(dir) = tokens::expand(element, &tokens, self.resolver.cwd()) {
                out.push(dir);
            }
        }
    }

    /// Every directory searched for a need of object `by`, in order, each once.
    fn dirs(&self, by: usize) -> SearchPath {
        let mut dirs = Vec::new();
        let env = self.resolver.settings.ld_library_path.as_deref();
        let chain = || std::iter::successors(Some(by), |&i| self.closure.objects[i].loaded_by);
        if self.musl() {
            if let Some(env) = env {
                self.list(&mut dirs, env, Separators::Musl, 0);
            }
            for i in chain() {
                let o = self.facts[i];
                if let Some(list) = o.runpath.as_deref().or(o.rpath.as_deref()) {
                    self.list(&mut dirs, list, Separators::Musl, i);
                }
            }
            dirs.extend(self.system.iter().cloned());
        } else {
            let requester = self.facts[by];
            if requester.runpath.is_none() {
                let mut saw_program = false;
                for i in chain() {
                    if let Some(list) = self.facts[i].effective_rpath() {
                        self.list(&mut dirs, list, Separators::Colon, i);
                        saw_program |= i == 0;
                    }
                }
                if !saw_program {
                    if let Some(list) = self.facts[0].effective_rpath() {
                        self.list(&mut dirs, list, Separators::Colon, 0);
                    }
                }
            }
            if let Some(env) = env {
                self.list(&mut dirs, env, Separators::ColonOrSemicolon, 0);
            }
            if let Some(list) = requester.runpath.as_deref() {
                self.list(&mut dirs, list, Separators::Colon, by);
            }
            if let Ok(conf) = &self.resolver.ld_so_conf {
                // With DF_1_NODEFLIB, glibc also passes over cache entries in its built-in directories.
                dirs.extend(conf.dirs.iter().filter(|d| !requester.nodeflib || !self.system.contains(d)).cloned());
            }
            if !requester.nodeflib {
                dirs.extend(self.system.iter().cloned());
            }
        }
        let mut seen = HashSet::new();
        dirs.retain(|d| seen.insert(d.clone()));
        let existing = dirs.iter().filter(|d| self.resolver.dir_exists(d)).cloned().collect();
        SearchPath { all: Arc::from(dirs), existing }
    }
}

fn musl_reserved(name: &str) -> bool {
    name.strip_prefix("lib").is_some_and(|rest| MUSL_RESERVED.iter().any(|r| rest.starts_with(r)))
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::memory::MemoryImage as Fake;
    use crate::object::{machine, Class};

    pub(crate) fn lib(soname: &str, needed: &[&str]) -> Object {
        Object {
            class: Class::Elf64,
            big_endian: false,
            machine: machine::X86_64,
            kind: Kind::SharedLibrary,
            interpreter: None,
            needed: needed.iter().map(|s| s.to_string()).collect(),
            soname: Some(soname.into()),
            rpath: None,
            runpath: None,
            nodeflib: false,
        }
    }

    pub(crate) fn exe(interp: &str, needed: &[&str]) -> Object {
        Object { kind: Kind::Executable, interpreter: Some(interp.into()), soname: None, ..lib("", needed) }
    }

    const LDSO: &str = "/lib64/ld-linux-x86-64.so.2";
    const MA: &str = "/usr/lib/x86_64-linux-gnu";

    /// A Debian-like base: merged /usr, the loader, libc.
    fn debian() -> Fake {
        let mut img = Fake::default();
        img.link("/lib", "usr/lib");
        img.link("/lib64", "usr/lib64");
        img.elf(&format!("{MA}/ld-linux-x86-64.so.2"), lib("ld-linux-x86-64.so.2", &[]));
        img.link("/usr/lib64/ld-linux-x86-64.so.2", "../lib/x86_64-linux-gnu/ld-linux-x86-64.so.2");
        img.elf(&format!("{MA}/libc.so.6"), Object { interpreter: Some(LDSO.into()), ..lib("libc.so.6", &["ld-linux-x86-64.so.2"]) });
        img
    }

    fn files(c: &Closure) -> Vec<&str> {
        c.files().collect()
    }

    #[test]
    fn a_debian_program_loads_from_multiarch_directories() {
        let mut img = debian();
        img.elf(&format!("{MA}/libz.so.1.2.13"), lib("libz.so.1", &["libc.so.6"]));
        img.link(&format!("{MA}/libz.so.1"), "libz.so.1.2.13");
        img.elf("/usr/bin/app", exe(LDSO, &["libz.so.1", "libc.so.6"]));
        let r = Resolver::new(&img, Settings::default());
        let c = r.program("/usr/bin/app").unwrap();
        assert!(c.starts(), "{c:?}");
        assert_eq!(files(&c), ["/usr/bin/app", &format!("{MA}/ld-linux-x86-64.so.2"), &format!("{MA}/libz.so.1.2.13"), &format!("{MA}/libc.so.6")]);
        // Found through /lib/x86_64-linux-gnu, the first built-in directory, a symlink here.
        assert_eq!(c.objects[2].path, "/lib/x86_64-linux-gnu/libz.so.1");
        // libc's need of the loader is the loader already loaded, by its soname.
        assert_eq!(c.objects[3].needs, [("ld-linux-x86-64.so.2".to_string(), Some(1))]);
        assert_eq!(c.interpreter, Some(Ok(1)));
    }

    #[test]
    fn missing_library_and_interpreter() {
        let mut img = debian();
        img.elf("/app/a", exe(LDSO, &["libgone.so.1"]));
        img.elf("/app/b", exe("/lib/ld-musl-x86_64.so.1", &[]));
        let r = Resolver::new(&img, Settings::default());
        let a = r.program("/app/a").unwrap();
        assert!(!a.starts());
        assert_eq!(a.missing.len(), 1);
        assert_eq!(a.missing[0].name, "libgone.so.1");
        assert_eq!(a.missing[0].searched[..], ["/lib/x86_64-linux-gnu", MA, "/lib", "/usr/lib"]);
        let b = r.program("/app/b").unwrap();
        assert!(matches!(&b.interpreter, Some(Err(e)) if e.contains("does not exist")), "{b:?}");
        assert!(b.flavor.is_musl());
    }

    #[test]
    fn rpath_is_inherited_runpath_is_not() {
        let mut img = debian();
        img.elf("/opt/r/libdeep.so", lib("libdeep.so", &[]));
        img.elf("/opt/m/libmid.so", lib("libmid.so", &["libdeep.so"]));
        // The program's RPATH reaches libmid's need as well as its own.
        img.elf("/app/rp", Object { rpath: Some("/opt/m:/opt/r".into()), ..exe(LDSO, &["libmid.so"]) });
        // With RUNPATH, only the program's own needs search it.
        img.elf("/app/run", Object { runpath: Some("/opt/m:/opt/r".into()), ..exe(LDSO, &["libmid.so"]) });
        let r = Resolver::new(&img, Settings::default());
        assert!(r.program("/app/rp").unwrap().starts());
        let run = r.program("/app/run").unwrap();
        assert_eq!(run.missing.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["libdeep.so"]);
        assert_eq!(run.objects[run.missing[0].needed_by].file, "/opt/m/libmid.so");
        // RPATH and RUNPATH together: RPATH is ignored.
        img.elf("/app/both", Object { rpath: Some("/opt/r".into()), runpath: Some("/opt/m".into()), ..exe(LDSO, &["libmid.so"]) });
        let r = Resolver::new(&img, Settings::default());
        assert!(!r.program("/app/both").unwrap().starts());
    }

    #[test]
    fn origin_ld_library_path_and_ld_so_conf() {
        let mut img = debian();
        img.elf("/opt/app/lib/libown.so.2", lib("libown.so.2", &["libenv.so", "libconf.so"]));
        img.elf("/opt/app/bin/app", Object { runpath: Some("$ORIGIN/../lib".into()), ..exe(LDSO, &["libown.so.2"]) });
        img.link("/usr/local/bin/app", "/opt/app/bin/app");
        img.elf("/srv/env/libenv.so", lib("libenv.so", &[]));
        img.elf("/srv/conf/libconf.so", lib("libconf.so", &[]));
        img.put_text("/etc/ld.so.conf", "include /etc/ld.so.conf.d/*.conf\n");
        img.put_text("/etc/ld.so.conf.d/x.conf", "/srv/conf\n");
        // $ORIGIN is the program's real directory, whatever name started it.
        let settings = Settings { ld_library_path: Some("/nowhere;/srv/env".into()), ..Settings::default() };
        let r = Resolver::new(&img, settings.clone());
        let c = r.program("/usr/local/bin/app").unwrap();
        assert_eq!(c.missing.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(), ["libconf.so"], "no cache: ld.so.conf is not read");
        assert!(c.notes.iter().any(|n| n.contains("ld.so.cache")));
        img.put_text("/etc/ld.so.cache", "");
        let r = Resolver::new(&img, settings);
        let c = r.program("/usr/local/bin/app").unwrap();
        assert!(c.starts(), "{c:?}");
        assert_eq!(c.objects[2].path, "/opt/app/bin/../lib/libown.so.2");
    }

    #[test]
    fn other_classes_are_skipped_non_libraries_stop_the_search() {
        let mut img = debian();
        img.elf("/opt/32/libx.so", Object { class: Class::Elf32, machine: machine::I386, ..lib("libx.so", &[]) });
        img.elf("/opt/64/libx.so", lib("libx.so", &[]));
        img.put_text("/opt/txt/liby.so", "INPUT(-lfoo)");
        img.elf("/opt/64/liby.so", lib("liby.so", &[]));
        img.elf("/app/x", Object { rpath: Some("/opt/32:/opt/txt:/opt/64".into()), ..exe(LDSO, &["libx.so", "liby.so"]) });
        let r = Resolver::new(&img, Settings::default());
        let c = r.program("/app/x").unwrap();
        assert_eq!(c.objects[2].file, "/opt/64/libx.so");
        assert_eq!(c.missing.len(), 1);
        assert!(c.missing[0].detail.as_deref().unwrap().contains("/opt/txt/liby.so is not an ELF file"));
    }

    #[test]
    fn nodeflib_and_musl() {
        let mut img = debian();
        img.elf("/app/n", Object { nodeflib: true, ..exe(LDSO, &["libc.so.6"]) });
        let r = Resolver::new(&img, Settings::default());
        assert!(!r.program("/app/n").unwrap().starts());

        let mut img = Fake::default();
        img.elf("/lib/ld-musl-x86_64.so.1", lib("libc.musl-x86_64.so.1", &[]));
        img.elf("/usr/lib/libssl.so.3", lib("libssl.so.3", &["libc.musl-x86_64.so.1"]));
        img.link("/lib/libc.musl-x86_64.so.1", "ld-musl-x86_64.so.1");
        img.elf("/app/m", exe("/lib/ld-musl-x86_64.so.1", &["libssl.so.3", "libc.so"]));
        let r = Resolver::new(&img, Settings::default());
        let c = r.program("/app/m").unwrap();
        assert!(c.starts(), "{c:?}");
        // libc.so is the loader itself; libc.musl-x86_64.so.1 is the same file, found in /lib.
        assert_eq!(files(&c), ["/app/m", "/lib/ld-musl-x86_64.so.1", "/usr/lib/libssl.so.3"]);
        img.put_text("/etc/ld-musl-x86_64.path", "/opt\n");
        let r = Resolver::new(&img, Settings::default());
        assert!(!r.program("/app/m").unwrap().starts(), "the path file replaces the default path");
    }

    #[test]
    fn preloads_are_loaded_and_not_fatal() {
        let mut img = debian();
        img.elf(&format!("{MA}/libpre.so"), lib("libpre.so", &[]));
        img.put_text("/etc/ld.so.preload", "libpre.so libnone.so\n");
        img.elf("/app/p", exe(LDSO, &["libc.so.6"]));
        let r = Resolver::new(&img, Settings::default());
        let c = r.program("/app/p").unwrap();
        assert!(c.starts());
        assert!(files(&c).contains(&format!("{MA}/libpre.so").as_str()));
        assert_eq!(c.missing.len(), 1);
        assert!(!c.missing[0].fatal);
    }

    #[test]
    fn hostile_graphs_end() {
        let mut img = debian();
        // A dependency cycle.
        img.elf("/usr/lib/liba.so", lib("liba.so", &["libb.so"]));
        img.elf("/usr/lib/libb.so", lib("libb.so", &["liba.so"]));
        // Thousands of needs, a huge RUNPATH, a symlink loop as a library directory.
        let many: Vec<String> = (0..5000).map(|i| format!("libn{i}.so")).collect();
        let refs: Vec<&str> = many.iter().map(String::as_str).collect();
        let runpath = (0..20_000).map(|i| format!("/r{i}")).collect::<Vec<_>>().join(":");
        img.link("/loop/a", "b");
        img.link("/loop/b", "a");
        img.elf("/app/h", Object { runpath: Some(format!("/loop/a:{runpath}")), ..exe(LDSO, &[&["liba.so"], &refs[..]].concat()) });
        let r = Resolver::new(&img, Settings::default());
        let c = r.program("/app/h").unwrap();
        assert_eq!(c.missing.len(), 5000);
        assert_eq!(c.missing[0].searched.len(), 20_005, "the loop, 20,000 RUNPATH entries, 4 built-in directories");
        assert!(files(&c).contains(&"/usr/lib/libb.so"));
    }
}
