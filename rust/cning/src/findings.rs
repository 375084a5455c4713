//! The vocabulary every other module shares: the rules, each with a stable id, and the findings
//! that name them. Rules are an enum, so an id that no rule has cannot be written; reports (text,
//! JSON, SARIF, JUnit) carry the ids, which are fixed: dashboards and suppressions key on them.

use serde::{Serialize, Serializer};

/// Every rule cning applies, in report order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    Busybox,
    Toybox,
    Multicall,
    PackedElf,
    DynamicElf,
    InterpreterMissing,
    LibraryMissing,
    LibraryUnused,
    ForeignArch,
    InvalidElf,
    SymlinkDangling,
    SymlinkEscape,
    SymlinkLoop,
    NotAllowed,
    DigestMismatch,
    Setuid,
    WorldWritable,
    UnsafeEntry,
    ScanLimit,
}

impl Rule {
    /// Every rule, in report order (SARIF's rule index is the position here).
    pub const ALL: [Rule; 19] = [
        Rule::Busybox,
        Rule::Toybox,
        Rule::Multicall,
        Rule::PackedElf,
        Rule::DynamicElf,
        Rule::InterpreterMissing,
        Rule::LibraryMissing,
        Rule::LibraryUnused,
        Rule::ForeignArch,
        Rule::InvalidElf,
        Rule::SymlinkDangling,
        Rule::SymlinkEscape,
        Rule::SymlinkLoop,
        Rule::NotAllowed,
        Rule::DigestMismatch,
        Rule::Setuid,
        Rule::WorldWritable,
        Rule::UnsafeEntry,
        Rule::ScanLimit,
    ];

    /// The stable id reports carry.
    pub fn id(self) -> &'static str {
        self.describe().0
    }

    /// A few words for report headings.
    pub fn summary(self) -> &'static str {
        self.describe().1
    }

    /// What the rule means and what to do about it.
    pub fn help(self) -> &'static str {
        self.describe().2
    }

    /// The position in [`Rule::ALL`].
    pub fn index(self) -> usize {
        self as usize
    }

    fn describe(self) -> (&'static str, &'static str, &'static str) {
        match self {
            Rule::Busybox => ("busybox", "BusyBox binary", "A BusyBox binary, recognised by its banner, usage text or applet table, whatever its name, place or linkage. Replace it with CleanStart utilities."),
            Rule::Toybox => ("toybox", "toybox binary", "A toybox multi-call binary, recognised by its banner or usage text."),
            Rule::Multicall => ("multicall", "multi-call executable", "One executable reached under more names (hard links and symlinks) than the policy's multicall_max_names: a multi-call install."),
            Rule::PackedElf => ("packed-elf", "packed executable", "An ELF file compressed by UPX or a similar self-extracting packer: what runs is unpacked in memory, so its real content cannot be inspected (a packed BusyBox hides every signature). Ship the unpacked file."),
            Rule::DynamicElf => ("dynamic-elf", "dynamically linked ELF file", "An ELF file with a program interpreter (PT_INTERP) or needed libraries (DT_NEEDED), or a shared library, in an image whose policy has linking = \"static\"."),
            Rule::InterpreterMissing => ("interpreter-missing", "program interpreter not in the image", "An executable whose PT_INTERP does not resolve inside the image (symlinks followed inside the image root) to an ELF file of the executable's class and machine: the kernel cannot start it."),
            Rule::LibraryMissing => ("library-missing", "needed library not found", "A DT_NEEDED entry that the dynamic loader would not find inside the image, searched as the image's loader (glibc or musl) searches: the program fails to start. The message names the library and the directories searched."),
            Rule::LibraryUnused => ("library-unused", "shared library nothing loads", "A shared library that no executable of the image loads, directly or through another library, and that no glob of the policy's dlopen list names. Remove it, or name it in dlopen if a program loads it at run time."),
            Rule::ForeignArch => ("foreign-arch", "ELF file for another machine", "An ELF file whose machine differs from the image's platform."),
            Rule::InvalidElf => ("invalid-elf", "unparseable ELF file", "A file with the ELF magic that cannot be parsed: corrupt, truncated or crafted."),
            Rule::SymlinkDangling => ("symlink-dangling", "dangling symlink", "A symlink whose target does not exist inside the image."),
            Rule::SymlinkEscape => ("symlink-escape", "symlink escaping the root", "A symlink whose resolution climbs above the image root with '..': it was made for another tree, and points outside the image wherever the image is unpacked."),
            Rule::SymlinkLoop => ("symlink-loop", "symlink loop", "A symlink that cannot be resolved within 40 hops."),
            Rule::NotAllowed => ("not-allowed", "executable not on the allow-list", "An executable (exec bit, ELF file or #! script) whose path no allow-list entry of the policy matches."),
            Rule::DigestMismatch => ("digest-mismatch", "executable differs from its pin", "An allowed executable whose sha256 differs from the pin in its allow-list entry."),
            Rule::Setuid => ("setuid", "setuid or setgid file", "A file with the setuid or setgid bit, in an image whose policy forbids them."),
            Rule::WorldWritable => ("world-writable", "world-writable file or directory", "A world-writable file, or a world-writable directory without the sticky bit, in an image whose policy forbids them."),
            Rule::UnsafeEntry => ("unsafe-entry", "unsafe layer entry", "A layer entry with an absolute or '..' name, or a hard link to a missing file: never applied, always reported."),
            Rule::ScanLimit => ("scan-limit", "file not inspected", "A file over the inspection cap: hashed but not parsed, so it cannot be cleared. Raise the cap or remove the file."),
        }
    }
}

impl std::fmt::Display for Rule {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

/// One violation: a rule, the path inside the image, a message and the evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: Rule,
    pub path: String,
    pub message: String,
    pub evidence: String,
    /// The platform of the image it was found in (`linux/amd64`), or `rootfs`.
    pub platform: String,
}

impl Finding {
    pub fn new(rule: Rule, path: &str, message: &str, evidence: String) -> Finding {
        Finding { rule, path: path.to_owned(), message: message.to_owned(), evidence, platform: String::new() }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_rule_is_listed_once_in_order_with_a_unique_id() {
        for (i, rule) in Rule::ALL.iter().enumerate() {
            assert_eq!(rule.index(), i, "{rule} is out of place in Rule::ALL");
        }
        let mut ids: Vec<&str> = Rule::ALL.iter().map(|r| r.id()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), Rule::ALL.len());
        assert!(ids.iter().all(|id| id.bytes().all(|b| b.is_ascii_lowercase() || b == b'-')));
    }

    #[test]
    fn findings_serialize_their_rule_id() {
        let f = Finding::new(Rule::LibraryMissing, "/app/x", "m", "e".into());
        assert_eq!(serde_json::to_value(&f).unwrap()["rule"], "library-missing");
    }
}
