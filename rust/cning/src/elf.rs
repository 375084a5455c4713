//! ELF inspection with goblin: enough to tell a static binary from a dynamic one and to name the
//! machine it is for.
//!
//! "Dynamic" means the kernel or the loader must bring in something else: a program interpreter
//! (PT_INTERP) or needed libraries (DT_NEEDED). A static-pie binary, as Rust builds with musl or
//! glibc `+crt-static`, has a PT_DYNAMIC segment for its own relocations but neither of those, and
//! is static.

use goblin::elf::header;
use goblin::elf::Elf;

/// The first bytes of every ELF file.
pub const MAGIC: &[u8; 4] = b"\x7fELF";

/// What cning needs to know about one ELF file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ElfInfo {
    /// `e_machine` of the header.
    pub machine: u16,
    /// The PT_INTERP path, if any.
    pub interpreter: Option<String>,
    /// DT_NEEDED entries, in file order.
    pub needed: Vec<String>,
    /// A shared object that is not an executable: ET_DYN without the DF_1_PIE flag.
    pub shared_library: bool,
    /// DT_SONAME, if any.
    pub soname: Option<String>,
}

impl ElfInfo {
    /// True when the file needs neither a program interpreter nor shared libraries.
    pub fn is_static(&self) -> bool {
        self.interpreter.is_none() && self.needed.is_empty()
    }

    /// The machine as the name image platforms use (`amd64`, `arm64`, ...), or `machine-N`.
    pub fn arch(&self) -> String {
        match self.machine {
            header::EM_X86_64 => "amd64".into(),
            header::EM_AARCH64 => "arm64".into(),
            header::EM_386 => "386".into(),
            header::EM_ARM => "arm".into(),
            header::EM_RISCV => "riscv64".into(),
            header::EM_PPC64 => "ppc64le".into(),
            header::EM_S390 => "s390x".into(),
            other => format!("machine-{other}"),
        }
    }
}

/// True when `bytes` start with the ELF magic.
pub fn is_elf(bytes: &[u8]) -> bool {
    bytes.starts_with(MAGIC)
}

/// Parses an ELF file. Errors say what is wrong with it (truncated, bad header, ...).
pub fn inspect(bytes: &[u8]) -> Result<ElfInfo, goblin::error::Error> {
    let elf = Elf::parse(bytes)?;
    let pie = elf.dynamic.as_ref().is_some_and(|d| d.info.flags_1 & goblin::elf::dynamic::DF_1_PIE != 0);
    Ok(ElfInfo {
        machine: elf.header.e_machine,
        interpreter: elf.interpreter.map(str::to_owned),
        needed: elf.libraries.iter().map(|s| (*s).to_owned()).collect(),
        shared_library: elf.header.e_type == header::ET_DYN && !pie,
        soname: elf.soname.map(str::to_owned),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// /bin/sh (dash) on any Debian system: a real dynamically linked third-party binary.
    #[test]
    fn debian_sh_is_dynamic() {
        let bytes = std::fs::read("/bin/sh").expect("/bin/sh");
        let info = inspect(&bytes).unwrap();
        assert!(!info.is_static());
        assert!(info.interpreter.as_deref().unwrap_or("").contains("ld-linux"), "{info:?}");
        assert!(info.needed.iter().any(|n| n.starts_with("libc.so")), "{info:?}");
    }

    /// libz from Debian's zlib1g: a real shared library, not an executable.
    #[test]
    fn debian_libz_is_a_shared_library() {
        let bytes = std::fs::read("/lib/x86_64-linux-gnu/libz.so.1")
            .or_else(|_| std::fs::read("/usr/lib/x86_64-linux-gnu/libz.so.1"))
            .expect("libz.so.1");
        let info = inspect(&bytes).unwrap();
        assert!(info.shared_library, "{info:?}");
        assert_eq!(info.soname.as_deref(), Some("libz.so.1"));
        let sh = inspect(&std::fs::read("/bin/sh").unwrap()).unwrap();
        assert!(!sh.shared_library, "a PIE executable is not a library: {sh:?}");
    }

    #[test]
    fn truncated_file_is_an_error_not_a_panic() {
        let bytes = std::fs::read("/bin/sh").expect("/bin/sh");
        for len in [0, 4, 16, 63, 64, 200, 4096] {
            let _ = inspect(&bytes[..len.min(bytes.len())]);
        }
        assert!(inspect(&bytes[..16]).is_err());
    }

    #[test]
    fn arch_names() {
        let mut info = ElfInfo { machine: header::EM_X86_64, interpreter: None, needed: vec![], shared_library: false, soname: None };
        assert_eq!(info.arch(), "amd64");
        info.machine = header::EM_AARCH64;
        assert_eq!(info.arch(), "arm64");
        assert!(info.is_static());
    }
}
