//! The dynamic loader's search (`cleanstart-ldso`) over images the fuzzer makes up: paths and
//! symlinks (loops included), ELF files with any needs, search paths and tokens, and the loaders'
//! configuration files. Whatever the graph, the search must end without a panic, and what it
//! returns must hold together: every loaded object is a file of the image, every need points at
//! a loaded object.
#![no_main]
#![forbid(unsafe_code)]

use cleanstart_ldso::memory::MemoryImage;
use cleanstart_ldso::object::machine;
use cleanstart_ldso::{Class, Image, Kind, Lookup, Object, Resolver, Settings};
use libfuzzer_sys::arbitrary::{self, Arbitrary};
use libfuzzer_sys::fuzz_target;

/// Path components and library names come from one small set, so that needs, files, links and
/// configuration meet often instead of almost never.
const NAMES: [&str; 14] = [
    "lib", "usr", "lib64", "x86_64-linux-gnu", "etc", "..", "liba.so", "libb.so.1", "libc.so.6",
    "ld-linux-x86-64.so.2", "ld-musl-x86_64.so.1", "ld.so.conf", "ld.so.cache", "ld-musl-x86_64.path",
];

fn name(b: u8) -> &'static str {
    NAMES[usize::from(b) % NAMES.len()]
}

#[derive(Arbitrary, Debug)]
struct Path(Vec<u8>);

impl Path {
    fn render(&self) -> String {
        let parts: Vec<&str> = self.0.iter().take(6).map(|&b| name(b)).collect();
        format!("/{}", parts.join("/"))
    }
}

#[derive(Arbitrary, Debug)]
enum Node {
    Elf(Facts),
    Unparseable,
    Link { to: Path, relative: bool },
    Text(String),
}

#[derive(Arbitrary, Debug)]
struct Facts {
    elf32: bool,
    aarch64: bool,
    kind: u8,
    interpreter: Option<Path>,
    needed: Vec<u8>,
    soname: Option<u8>,
    rpath: Option<String>,
    runpath: Option<String>,
    nodeflib: bool,
}

impl Facts {
    fn object(&self) -> Object {
        Object {
            class: if self.elf32 { Class::Elf32 } else { Class::Elf64 },
            big_endian: false,
            machine: if self.aarch64 { machine::AARCH64 } else { machine::X86_64 },
            kind: [Kind::Executable, Kind::SharedLibrary, Kind::Other][usize::from(self.kind) % 3],
            interpreter: self.interpreter.as_ref().map(Path::render),
            needed: self.needed.iter().map(|&b| name(b).to_string()).collect(),
            soname: self.soname.map(|b| name(b).to_string()),
            rpath: self.rpath.clone(),
            runpath: self.runpath.clone(),
            nodeflib: self.nodeflib,
        }
    }
}

#[derive(Arbitrary, Debug)]
struct Input {
    nodes: Vec<(Path, Node)>,
    roots: Vec<(Path, bool)>,
    ld_library_path: Option<String>,
    ld_preload: Option<String>,
    cwd: Option<Path>,
}

fuzz_target!(|input: Input| {
    let mut image = MemoryImage::default();
    for (path, node) in &input.nodes {
        let path = path.render();
        match node {
            Node::Elf(facts) => image.elf(&path, facts.object()),
            Node::Unparseable => image.unparseable(&path, "crafted"),
            Node::Link { to, relative } => {
                let target = to.render();
                image.link(&path, if *relative { target.trim_start_matches('/') } else { &target });
            }
            Node::Text(text) => image.put_text(&path, text),
        }
    }
    let settings = Settings { ld_library_path: input.ld_library_path.clone(), ld_preload: input.ld_preload.clone(), cwd: input.cwd.as_ref().map(Path::render) };
    let resolver = Resolver::new(&image, settings);
    for (root, as_library) in input.roots.iter().take(8) {
        let path = root.render();
        let closure = if *as_library { resolver.library(&path, Some("x86_64")) } else { resolver.program(&path) };
        let Some(closure) = closure else { continue };
        for object in &closure.objects {
            assert!(matches!(image.lookup(&object.file), Lookup::File(_)), "{} is not a file of the image", object.file);
            for (_, found) in &object.needs {
                assert!(found.is_none_or(|i| i < closure.objects.len()));
            }
        }
        for missing in &closure.missing {
            assert!(missing.needed_by < closure.objects.len());
        }
    }
});
