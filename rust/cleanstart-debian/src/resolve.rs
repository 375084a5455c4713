//! The packages that some roots need, as apt would install them into an empty system without
//! recommends: each package at its candidate version (the highest the index lists), each
//! dependency group satisfied by what is already chosen when it can be, else by its first
//! alternative whose candidate meets the version constraint, else by a package that provides it.

use crate::index::{Index, Package};
use crate::relations::{self, Relation};
use anyhow::{anyhow, bail, Result};
use std::collections::{BTreeMap, VecDeque};

/// Which of several providers of a virtual package to take: the most important priority first
/// (what apt prefers too), then the name, so the choice never depends on index order.
fn preference(p: &Package) -> (u8, &str) {
    let rank = match p.priority.as_deref() {
        Some("required") => 0,
        Some("important") => 1,
        Some("standard") => 2,
        Some("optional") => 3,
        _ => 4,
    };
    (rank, p.name.as_str())
}

/// The closure of `roots` (each a relation such as `curl` or `libc6 (>= 2.36)`), sorted by name.
pub fn closure<'a>(index: &'a Index, roots: &[&str]) -> Result<Vec<&'a Package>> {
    let mut chosen: BTreeMap<&str, &Package> = BTreeMap::new();
    // Each group with the package that needs it (None for a root), in breadth-first order.
    let mut queue: VecDeque<(Vec<Relation>, Option<String>)> = VecDeque::new();
    for root in roots {
        for group in relations::parse(root).map_err(|e| anyhow!("{e}"))? {
            queue.push_back((group, None));
        }
    }
    while let Some((group, needed_by)) = queue.pop_front() {
        if group.iter().any(|alt| satisfied(&chosen, alt)) {
            continue;
        }
        let Some(package) = choose(index, &group) else {
            let wanted: Vec<String> = group.iter().map(describe).collect();
            match needed_by {
                Some(by) => bail!("{by} needs {}, which the {} index does not have", wanted.join(" | "), index.arch),
                None => bail!("{} is not in the {} index", wanted.join(" | "), index.arch),
            }
        };
        if let Some(other) = chosen.get(package.name.as_str()) {
            bail!("{} is needed at a version its candidate {} does not meet ({})", package.name, other.version, group.iter().map(describe).collect::<Vec<_>>().join(" | "));
        }
        chosen.insert(&package.name, package);
        for dep in &package.depends {
            queue.push_back((dep.clone(), Some(format!("{} {}", package.name, package.version))));
        }
    }
    Ok(chosen.into_values().collect())
}

fn describe(r: &Relation) -> String {
    match &r.version {
        Some((op, v)) => format!("{} ({op:?} {v})", r.name),
        None => r.name.clone(),
    }
}

/// Whether something already chosen satisfies `alt`: the package itself, or one providing it.
fn satisfied(chosen: &BTreeMap<&str, &Package>, alt: &Relation) -> bool {
    if chosen.get(alt.name.as_str()).is_some_and(|p| alt.accepts(Some(&p.version))) {
        return true;
    }
    chosen.values().any(|p| p.provides.iter().any(|pr| pr.name == alt.name && alt.accepts(pr.version.as_ref().map(|(_, v)| v))))
}

/// The package that satisfies the first satisfiable alternative of `group`.
fn choose<'a>(index: &'a Index, group: &[Relation]) -> Option<&'a Package> {
    for alt in group {
        if let Some(candidate) = index.candidate(&alt.name) {
            if alt.accepts(Some(&candidate.version)) {
                return Some(candidate);
            }
        }
        let providers = index.providers(&alt.name);
        if let Some((p, _)) = providers.into_iter().filter(|(_, v)| alt.accepts(*v)).min_by(|a, b| preference(a.0).cmp(&preference(b.0))) {
            return Some(p);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stanza(name: &str, version: &str, extra: &str) -> String {
        format!("Package: {name}\nVersion: {version}\nArchitecture: amd64\n{extra}Filename: pool/{name}.deb\nSize: 1\nSHA256: {}\n\n", "0".repeat(64))
    }

    fn names(index: &Index, roots: &[&str]) -> Vec<String> {
        closure(index, roots).unwrap().iter().map(|p| p.name.clone()).collect()
    }

    #[test]
    fn alternatives_virtuals_and_versions() {
        let text = [
            stanza("app", "1", "Depends: liba (>= 2), mta | exim, libc\n"),
            stanza("liba", "2.1", "Depends: libc\n"),
            stanza("libc", "2.36", ""),
            stanza("postfix", "3", "Provides: mta\nPriority: optional\n"),
            stanza("dma", "1", "Provides: mta\nPriority: extra\n"),
            stanza("exim", "4", ""),
        ]
        .concat();
        let index = Index::parse("amd64", [("t", text.as_str())]).unwrap();
        assert_eq!(names(&index, &["app"]), ["app", "liba", "libc", "postfix"]);
        // An alternative already chosen wins over the first one.
        assert_eq!(names(&index, &["exim", "app"]), ["app", "exim", "liba", "libc"]);
        let err = closure(&index, &["app", "liba (>= 3)"]).unwrap_err().to_string();
        assert!(err.contains("liba (LaterOrEqual 3)"), "{err}");
        let err = closure(&index, &["nothing"]).unwrap_err().to_string();
        assert_eq!(err, "nothing is not in the amd64 index");
    }

    #[test]
    fn cycles_end() {
        let text = [stanza("a", "1", "Depends: b\n"), stanza("b", "1", "Pre-Depends: a\n")].concat();
        let index = Index::parse("amd64", [("t", text.as_str())]).unwrap();
        assert_eq!(names(&index, &["a"]), ["a", "b"]);
    }
}
