//! The checks. Every finding names a [`Rule`], which SARIF and JUnit reports list whether or not
//! anything violated it.

use crate::findings::{Finding, Rule};
use crate::linking::Linking as Closures;
use crate::policy::{Linking, Policy};
use crate::signatures::Family;
use crate::source::ImageFs;
use crate::tree::{Entry, Kind, Resolution};
use cleanstart_ldso::{Closure, Missing};
use std::collections::{BTreeMap, BTreeSet};

/// The GOARCH-style name of an image platform architecture, as [`crate::elf::ElfInfo::arch`] uses.
fn normalize_arch(arch: &str) -> &str {
    match arch {
        "x86_64" | "x86-64" => "amd64",
        "aarch64" => "arm64",
        other => other,
    }
}

/// Checks one platform's filesystem against `policy`.
pub fn check(image: &ImageFs, policy: &Policy) -> Vec<Finding> {
    let mut findings: Vec<Finding> = image.findings.clone();
    let arch = image.platform.as_ref().map(|p| normalize_arch(&p.architecture));

    // Names of every executable file: its hard links, and the symlinks that resolve to it.
    let mut groups: BTreeMap<u64, Vec<&str>> = BTreeMap::new();
    let mut linked_names: BTreeMap<String, Vec<&str>> = BTreeMap::new();
    for (path, entry) in image.tree.iter() {
        match entry.kind {
            Kind::Symlink => {
                let Some(resolved) = image.tree.resolve_link(path) else { continue };
                let target = entry.target.as_deref().unwrap_or("");
                if resolved.escaped {
                    findings.push(Finding::new(Rule::SymlinkEscape, path, "symlink climbs above the image root", format!("-> {target}")));
                }
                match resolved.end {
                    Resolution::Found(end) => {
                        if image.tree.get(&end).is_some_and(Entry::is_executable) {
                            linked_names.entry(end).or_default().push(path);
                        }
                    }
                    Resolution::Dangling { missing } => {
                        findings.push(Finding::new(Rule::SymlinkDangling, path, "symlink target does not exist in the image", format!("-> {target} ({missing} missing)")));
                    }
                    Resolution::Loop => findings.push(Finding::new(Rule::SymlinkLoop, path, "symlink loop", format!("-> {target}"))),
                }
            }
            Kind::File => {
                if let Some(inode) = entry.inode {
                    groups.entry(inode).or_default().push(path);
                }
            }
            Kind::Dir if entry.mode & 0o002 != 0 && entry.mode & 0o1000 == 0 && !policy.allow_world_writable => {
                findings.push(Finding::new(Rule::WorldWritable, path, "world-writable directory without the sticky bit", format!("mode {:04o}", entry.mode)));
            }
            _ => {}
        }
    }

    // Content rules: once per inode, however many hard links it has.
    for paths in groups.values() {
        let first = paths[0];
        let Some(entry) = image.tree.get(first) else { continue };
        let also = if paths.len() > 1 { format!(" (also hard-linked as {})", list(&paths[1..])) } else { String::new() };
        let Some(content) = &entry.content else { continue };
        for family in [Family::BusyBox, Family::Toybox] {
            let evidence: Vec<String> = content.signatures.iter().filter(|s| s.family == family).map(ToString::to_string).collect();
            if !evidence.is_empty() {
                findings.push(Finding::new(family.rule(), first, &format!("{} multi-call binary", if family == Family::BusyBox { "BusyBox" } else { "toybox" }), format!("{}{also}", evidence.join("; "))));
            }
        }
        if let Some(why) = &content.packed {
            findings.push(Finding::new(Rule::PackedElf, first, "executable packed by a self-extracting packer: its real content cannot be inspected", format!("{why}{also}")));
        }
        match &content.elf {
            Some(Ok(info)) => {
                if policy.linking == Linking::Static && !info.is_static() {
                    let mut evidence = Vec::new();
                    if let Some(interp) = &info.interpreter {
                        evidence.push(format!("PT_INTERP {interp}"));
                    }
                    if !info.needed.is_empty() {
                        evidence.push(format!("DT_NEEDED {}", info.needed.join(", ")));
                    }
                    findings.push(Finding::new(Rule::DynamicElf, first, "dynamically linked ELF file", format!("{}{also}", evidence.join("; "))));
                } else if policy.linking == Linking::Static && info.is_shared_library() {
                    let soname = info.soname.as_deref().map_or_else(String::new, |s| format!(" (soname {s})"));
                    findings.push(Finding::new(Rule::DynamicElf, first, "shared library in a static-only image", format!("ET_DYN without DF_1_PIE{soname}{also}")));
                }
                if let Some(want) = arch {
                    if info.arch() != want {
                        findings.push(Finding::new(Rule::ForeignArch, first, "ELF file for another machine", format!("{} in a {want} image{also}", info.arch())));
                    }
                }
            }
            Some(Err(e)) => findings.push(Finding::new(Rule::InvalidElf, first, "file has the ELF magic but does not parse", format!("{e}{also}"))),
            None => {}
        }
        if let Some(why) = &content.not_inspected {
            findings.push(Finding::new(Rule::ScanLimit, first, "file not inspected", format!("{why}{also}")));
        }

        // A shared library under its soname and its file name is one library the loader finds
        // by either, not a program that dispatches on argv[0].
        let library = matches!(&content.elf, Some(Ok(info)) if info.is_shared_library());
        if entry.is_executable() && !library {
            let mut names: BTreeSet<&str> = paths.iter().copied().collect();
            for p in paths {
                names.extend(linked_names.get(*p).into_iter().flatten().copied());
            }
            if names.len() > policy.multicall_max_names as usize {
                let names: Vec<&str> = names.into_iter().collect();
                findings.push(Finding::new(Rule::Multicall, first, &format!("one executable under {} names", names.len()), format!("names: {}", list(&names))));
            }
        }
    }

    if policy.linking == Linking::Resolved {
        linking_findings(image, policy, &mut findings);
    }

    // Path rules: every name counts.
    for (path, entry) in image.tree.iter() {
        if entry.kind != Kind::File {
            continue;
        }
        if entry.is_executable() {
            match policy.allowed(path) {
                None => findings.push(Finding::new(Rule::NotAllowed, path, "executable not on the allow-list", kind_of_executable(entry))),
                Some(allow) => {
                    if let Some(pin) = &allow.sha256 {
                        let got = entry.content.as_ref().and_then(|c| c.sha256.as_deref());
                        if got != Some(pin.as_str()) {
                            findings.push(Finding::new(Rule::DigestMismatch, path, "executable differs from its pinned sha256", format!("pinned {pin}, found {}", got.unwrap_or("no digest"))));
                        }
                    }
                }
            }
        }
        if entry.mode & 0o6000 != 0 && !policy.allow_setuid {
            let bits = match entry.mode & 0o6000 {
                0o4000 => "setuid",
                0o2000 => "setgid",
                _ => "setuid and setgid",
            };
            findings.push(Finding::new(Rule::Setuid, path, &format!("{bits} file"), format!("mode {:04o}, owner {}:{}", entry.mode, entry.uid, entry.gid)));
        }
        if entry.mode & 0o002 != 0 && !policy.allow_world_writable {
            findings.push(Finding::new(Rule::WorldWritable, path, "world-writable file", format!("mode {:04o}", entry.mode)));
        }
    }

    for f in &mut findings {
        f.platform = image.label.clone();
    }
    findings.sort_by(|a, b| (a.rule, &a.path, &a.evidence).cmp(&(b.rule, &b.path, &b.evidence)));
    findings
}

/// `interpreter-missing`, `library-missing` and `library-unused`, from the closure of every
/// executable and of every library `dlopen` names.
fn linking_findings(image: &ImageFs, policy: &Policy, findings: &mut Vec<Finding>) {
    let closures = Closures::of(image, &policy.dlopen);
    // One finding per object and missing name, however many programs load that object.
    let mut missing: BTreeMap<(&str, &str), (Vec<&str>, &Missing, &Closure)> = BTreeMap::new();
    for (root, closure) in closures.programs.iter().chain(&closures.dlopened) {
        if let Some(Err(why)) = &closure.interpreter {
            findings.push(Finding::new(Rule::InterpreterMissing, root, "program interpreter not in the image: the kernel cannot start it", why.clone()));
        }
        for m in &closure.missing {
            let by = closure.objects[m.needed_by].file.as_str();
            missing.entry((by, m.name.as_str())).or_insert_with(|| (Vec::new(), m, closure)).0.push(root);
        }
    }
    for ((by, name), (roots, m, closure)) in missing {
        let loader = closure.flavor.name();
        let message = if m.fatal {
            format!("needs {name}, which the {loader} loader does not find in the image")
        } else {
            format!("preloads {name}, which the {loader} loader does not find (it starts the program without it, printing an error)")
        };
        let searched: Vec<&str> = m.searched.iter().map(String::as_str).collect();
        let mut evidence = if searched.is_empty() { "nothing searched".to_string() } else { format!("searched {}", list(&searched)) };
        for extra in m.detail.iter().chain(&closure.notes) {
            evidence.push_str(&format!("; {extra}"));
        }
        if roots.len() > 1 || roots[0] != by {
            evidence.push_str(&format!("; loaded for {}", list(&roots)));
        }
        findings.push(Finding::new(Rule::LibraryMissing, by, &message, evidence));
    }
    for path in closures.unused(image) {
        let soname = image.tree.get(path).and_then(|e| e.content.as_ref()?.elf.as_ref()?.as_ref().ok()?.soname.clone());
        let named = soname.map_or_else(String::new, |s| format!("soname {s}; "));
        findings.push(Finding::new(Rule::LibraryUnused, path, "shared library that no executable loads", format!("{named}no executable's closure reaches it and no dlopen glob names it")));
    }
}

fn kind_of_executable(entry: &Entry) -> String {
    let what = match entry.content.as_ref() {
        Some(c) if c.elf.is_some() => "ELF file".to_string(),
        Some(c) if c.shebang.is_some() => format!("#!{} script", c.shebang.as_deref().unwrap_or("")),
        _ => "file with an exec bit".to_string(),
    };
    format!("{what}, mode {:04o}", entry.mode)
}

/// Up to ten names, then how many more.
fn list(names: &[&str]) -> String {
    let shown: Vec<&str> = names.iter().take(10).copied().collect();
    match names.len().saturating_sub(10) {
        0 => shown.join(", "),
        more => format!("{}, and {more} more", shown.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Content;
    use crate::tree::Tree;
    use std::sync::Arc;

    fn image(tree: Tree) -> ImageFs {
        ImageFs { label: "linux/amd64".into(), platform: Some("linux/amd64".parse().unwrap()), tree, ..ImageFs::default() }
    }

    fn exe(inode: u64, sha: &str) -> Entry {
        Entry {
            kind: Kind::File,
            mode: 0o755,
            uid: 0,
            gid: 0,
            size: 1,
            target: None,
            content: Some(Arc::new(Content { sha256: Some(sha.into()), ..Content::default() })),
            inode: Some(inode),
        }
    }

    fn link(to: &str) -> Entry {
        Entry { kind: Kind::Symlink, mode: 0o777, target: Some(to.into()), content: None, inode: None, ..exe(0, "") }
    }

    fn rules_of(findings: &[Finding]) -> Vec<(&str, &str)> {
        findings.iter().map(|f| (f.rule.id(), f.path.as_str())).collect()
    }

    #[test]
    fn allow_list_pins_and_permissions() {
        let sum = "ab".repeat(32);
        let policy = Policy::parse(&format!("[[allow]]\npath = \"/app/*\"\n[[allow]]\npath = \"/usr/bin/init\"\nsha256 = \"{sum}\"\n")).unwrap();
        let mut t = Tree::new();
        t.insert("/app/server".into(), exe(1, "00"));
        t.insert("/usr/bin/init".into(), exe(2, "ff"));
        t.insert("/usr/bin/sh".into(), exe(3, "00"));
        t.insert("/tmp".into(), Entry { kind: Kind::Dir, mode: 0o777, ..Entry::dir(0) });
        t.insert("/var/tmp".into(), Entry { kind: Kind::Dir, mode: 0o1777, ..Entry::dir(0) });
        t.insert("/app/su".into(), Entry { mode: 0o4755, ..exe(4, "00") });
        let found = check(&image(t), &policy);
        assert_eq!(
            rules_of(&found),
            vec![("not-allowed", "/usr/bin/sh"), ("digest-mismatch", "/usr/bin/init"), ("setuid", "/app/su"), ("world-writable", "/tmp")]
        );
        assert!(found.iter().all(|f| f.platform == "linux/amd64"));
    }

    #[test]
    fn link_farms_are_multicall() {
        let policy = Policy::parse("[[allow]]\npath = \"/bin/*\"\n").unwrap();
        let mut t = Tree::new();
        t.insert("/bin/box".into(), exe(1, "00"));
        t.insert("/bin/hard".into(), exe(1, "00"));
        t.insert("/bin/ls".into(), link("box"));
        t.insert("/bin/cat".into(), link("/bin/hard"));
        let found = check(&image(t), &policy);
        assert_eq!(rules_of(&found), vec![("multicall", "/bin/box")]);
        assert!(found[0].evidence.contains("/bin/box, /bin/cat, /bin/hard, /bin/ls"), "{}", found[0].evidence);
        // Two names (a binary and one alias) are within the default of 2.
        let mut t = Tree::new();
        t.insert("/bin/python3.11".into(), exe(1, "00"));
        t.insert("/bin/python3".into(), link("python3.11"));
        assert!(check(&image(t), &policy).is_empty());
    }

    #[test]
    fn a_library_under_its_soname_is_not_multicall() {
        let policy = Policy::parse("linking = \"any\"\nmulticall_max_names = 1\n[[allow]]\npath = \"/lib/**\"\n").unwrap();
        let mut t = Tree::new();
        let info = cleanstart_ldso::Object {
            class: cleanstart_ldso::Class::Elf64,
            big_endian: false,
            machine: cleanstart_ldso::object::machine::X86_64,
            kind: cleanstart_ldso::Kind::SharedLibrary,
            interpreter: None,
            needed: Vec::new(),
            soname: Some("libz.so.1".into()),
            rpath: None,
            runpath: None,
            nodeflib: false,
        };
        let lib = Entry { mode: 0o644, content: Some(Arc::new(Content { elf: Some(Ok(info)), ..Content::default() })), ..exe(1, "00") };
        t.insert("/lib/libz.so.1.2.13".into(), lib);
        t.insert("/lib/libz.so.1".into(), link("libz.so.1.2.13"));
        assert!(check(&image(t), &policy).is_empty());
    }

    #[test]
    fn symlink_rules() {
        let policy = Policy::parse("").unwrap();
        let mut t = Tree::new();
        t.insert("/etc/passwd".into(), Entry { mode: 0o644, content: None, ..exe(1, "") });
        t.insert("/a/gone".into(), link("nothing"));
        t.insert("/a/up".into(), link("../../etc/passwd"));
        t.insert("/a/l1".into(), link("l2"));
        t.insert("/a/l2".into(), link("l1"));
        let found = check(&image(t), &policy);
        assert_eq!(rules_of(&found), vec![("symlink-dangling", "/a/gone"), ("symlink-escape", "/a/up"), ("symlink-loop", "/a/l1"), ("symlink-loop", "/a/l2")]);
    }
}
