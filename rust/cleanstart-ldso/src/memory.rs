//! An image held in memory: directories, symlinks, ELF files (their facts) and text files. For
//! tests and fuzzing of the search, where building real files would hide what is being tested.

use crate::image::{Image, Lookup};
use crate::object::Object;
use crate::tokens;
use std::collections::BTreeMap;

/// Files (ELF facts or text), directories and symlinks by absolute path; parents are created
/// as needed.
#[derive(Debug, Default)]
pub struct MemoryImage {
    nodes: BTreeMap<String, Node>,
}

#[derive(Debug)]
enum Node {
    Dir,
    Link(String),
    Elf(Result<Object, String>),
    Text(String),
}

impl MemoryImage {
    fn parents(&mut self, path: &str) {
        let mut p = tokens::parent(path);
        while p != "/" {
            self.nodes.entry(p.to_string()).or_insert(Node::Dir);
            p = tokens::parent(p);
        }
    }

    /// A text file (loader configuration, or anything that is not ELF).
    pub fn put_text(&mut self, path: &str, text: &str) {
        self.parents(path);
        self.nodes.insert(path.into(), Node::Text(text.into()));
    }

    /// An ELF file with these facts.
    pub fn elf(&mut self, path: &str, object: Object) {
        self.parents(path);
        self.nodes.insert(path.into(), Node::Elf(Ok(object)));
    }

    /// A file with the ELF magic that does not parse, for the reason given.
    pub fn unparseable(&mut self, path: &str, why: &str) {
        self.parents(path);
        self.nodes.insert(path.into(), Node::Elf(Err(why.into())));
    }

    /// A symlink to `target` (absolute, or relative to the link's directory).
    pub fn link(&mut self, path: &str, target: &str) {
        self.parents(path);
        self.nodes.insert(path.into(), Node::Link(target.into()));
    }

    /// The path `path` leads to, following symlinks (at most 40), as the kernel would.
    fn resolve(&self, path: &str, hops: usize) -> Option<String> {
        let mut current = String::new();
        let parts: Vec<&str> = path.split('/').filter(|p| !p.is_empty() && *p != ".").collect();
        for (i, part) in parts.iter().enumerate() {
            if *part == ".." {
                current = tokens::parent(&current).trim_end_matches('/').to_string();
                continue;
            }
            let here = format!("{current}/{part}");
            match self.nodes.get(&here)? {
                Node::Link(t) => {
                    if hops > 40 {
                        return None;
                    }
                    let target = if t.starts_with('/') { t.clone() } else { format!("{current}/{t}") };
                    let rest = parts[i + 1..].join("/");
                    return self.resolve(&format!("{target}/{rest}"), hops + 1);
                }
                _ => current = here,
            }
        }
        Some(if current.is_empty() { "/".into() } else { current })
    }
}

impl Image for MemoryImage {
    fn lookup(&self, path: &str) -> Lookup {
        match self.resolve(path, 0) {
            None => Lookup::Missing,
            Some(p) if p == "/" => Lookup::Dir(p),
            Some(p) => match self.nodes.get(&p) {
                Some(Node::Dir) => Lookup::Dir(p),
                Some(_) => Lookup::File(p),
                None => Lookup::Missing,
            },
        }
    }

    fn list(&self, dir: &str) -> Vec<String> {
        let prefix = if dir == "/" { "/".to_string() } else { format!("{dir}/") };
        self.nodes.keys().filter_map(|k| k.strip_prefix(&prefix)).filter(|rest| !rest.contains('/')).map(str::to_string).collect()
    }

    fn object(&self, file: &str) -> Option<Result<&Object, &str>> {
        match self.nodes.get(file)? {
            Node::Elf(Ok(o)) => Some(Ok(o)),
            Node::Elf(Err(e)) => Some(Err(e)),
            _ => None,
        }
    }

    fn text(&self, file: &str) -> Option<&str> {
        match self.nodes.get(file)? {
            Node::Text(t) => Some(t),
            _ => None,
        }
    }
}

