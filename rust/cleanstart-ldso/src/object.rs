//! What the loader needs to know about one ELF file: class, byte order, machine, type, and the
//! dynamic section's entries that steer the search. The caller's ELF reader fills it in.

/// `EI_CLASS`: 32- or 64-bit objects cannot be loaded into each other's processes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Class {
    Elf32,
    Elf64,
}

/// What an ELF file is to the loader.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    /// `ET_EXEC`, or a position-independent executable: `ET_DYN` with `DF_1_PIE`, or (linkers
    /// that predate that flag) `ET_DYN` with a `PT_INTERP` and no `DT_SONAME`. Loaders refuse to
    /// load one as a library.
    Executable,
    /// `ET_DYN` that is not an executable.
    SharedLibrary,
    /// Relocatable objects, core files and other types the loader never maps.
    Other,
}

/// The facts of one ELF file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Object {
    pub class: Class,
    /// `EI_DATA`: true for big-endian.
    pub big_endian: bool,
    /// `e_machine`.
    pub machine: u16,
    pub kind: Kind,
    /// The `PT_INTERP` path, if any.
    pub interpreter: Option<String>,
    /// `DT_NEEDED` entries, in file order.
    pub needed: Vec<String>,
    /// `DT_SONAME`, if any.
    pub soname: Option<String>,
    /// `DT_RPATH`, if any (the loaders ignore it when `DT_RUNPATH` is present).
    pub rpath: Option<String>,
    /// `DT_RUNPATH`, if any.
    pub runpath: Option<String>,
    /// `DF_1_NODEFLIB`: the default directories are not searched for this object's needs.
    pub nodeflib: bool,
}

/// `e_machine` values the image platforms use.
pub mod machine {
    pub const I386: u16 = 3;
    pub const ARM: u16 = 40;
    pub const PPC64: u16 = 21;
    pub const S390: u16 = 22;
    pub const X86_64: u16 = 62;
    pub const AARCH64: u16 = 183;
    pub const RISCV: u16 = 243;
}

impl Object {
    /// True when the file needs neither a program interpreter nor shared libraries.
    pub fn is_static(&self) -> bool {
        self.interpreter.is_none() && self.needed.is_empty()
    }

    pub fn is_shared_library(&self) -> bool {
        self.kind == Kind::SharedLibrary
    }

    /// The machine as image platforms name it (`amd64`, `arm64`, ...), or `machine-N`.
    pub fn arch(&self) -> String {
        match self.machine {
            machine::X86_64 => "amd64".into(),
            machine::AARCH64 => "arm64".into(),
            machine::I386 => "386".into(),
            machine::ARM => "arm".into(),
            machine::RISCV => "riscv64".into(),
            machine::PPC64 => "ppc64le".into(),
            machine::S390 => "s390x".into(),
            other => format!("machine-{other}"),
        }
    }

    /// Whether a process of `self` could map `other`: same class, byte order and machine.
    pub fn same_abi(&self, other: &Object) -> bool {
        self.class == other.class && self.big_endian == other.big_endian && self.machine == other.machine
    }

    /// The search path list this object contributes before `LD_LIBRARY_PATH`: its `DT_RPATH`,
    /// which the loaders ignore when it also has a `DT_RUNPATH`.
    pub fn effective_rpath(&self) -> Option<&str> {
        if self.runpath.is_some() {
            None
        } else {
            self.rpath.as_deref()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn library() -> Object {
        Object { soname: None, ..crate::closure::tests::lib("", &[]) }
    }

    #[test]
    fn runpath_hides_rpath() {
        let mut o = Object { rpath: Some("/r".into()), ..library() };
        assert_eq!(o.effective_rpath(), Some("/r"));
        o.runpath = Some("/u".into());
        assert_eq!(o.effective_rpath(), None);
    }

    #[test]
    fn abi_needs_class_order_and_machine() {
        let a = library();
        assert!(a.same_abi(&library()));
        assert!(!a.same_abi(&Object { class: Class::Elf32, ..library() }));
        assert!(!a.same_abi(&Object { machine: machine::AARCH64, ..library() }));
        assert!(!a.same_abi(&Object { big_endian: true, ..library() }));
        assert_eq!(Object { machine: machine::AARCH64, ..library() }.arch(), "arm64");
    }
}
