//! Which loader runs a program, told from its `PT_INTERP`, and what that loader has built in:
//! its default directories and the values of `$LIB` and `$PLATFORM`.

use crate::object::machine;

/// The loader of a process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flavor {
    /// glibc's `ld.so`. `system` are its built-in directories, searched last; `triplet` is the
    /// Debian multiarch name of the machine (`x86_64-linux-gnu`), when it has one.
    Glibc { system: Vec<String>, triplet: Option<&'static str> },
    /// musl's `ld-musl-ARCH.so.1`; `arch` is its `ARCH` (`x86_64`, `aarch64`), which names the
    /// search path file `/etc/ld-musl-ARCH.path`.
    Musl { arch: String },
}

/// musl's search path when `/etc/ld-musl-ARCH.path` does not exist.
pub const MUSL_DEFAULT_PATH: &str = "/lib:/usr/local/lib:/usr/lib";

/// Debian's multiarch tuple for a machine (the directory names under `/lib` and `/usr/lib`).
pub fn multiarch_triplet(machine: u16, big_endian: bool) -> Option<&'static str> {
    Some(match machine {
        machine::X86_64 => "x86_64-linux-gnu",
        machine::AARCH64 => "aarch64-linux-gnu",
        machine::I386 => "i386-linux-gnu",
        machine::ARM => "arm-linux-gnueabihf",
        machine::RISCV => "riscv64-linux-gnu",
        machine::PPC64 if !big_endian => "powerpc64le-linux-gnu",
        machine::S390 => "s390x-linux-gnu",
        _ => return None,
    })
}

impl Flavor {
    /// The loader named by `interpreter` (the `PT_INTERP` string), installed at `resolved` (where
    /// that path leads inside the image, when it does), for a program of `machine`.
    ///
    /// musl's loader is `ld-musl-ARCH.so.1`; anything else is taken for glibc. glibc's built-in
    /// directories are those of the build that installed it, which its own location tells:
    /// Debian's loader lives in a multiarch directory and searches `/lib/TRIPLET`,
    /// `/usr/lib/TRIPLET`, `/lib`, `/usr/lib` (what `ld.so --help` lists); a loader in
    /// `/lib64` or `/usr/lib64` (Fedora, SUSE) searches those two; any other, `/lib` and `/usr/lib`.
    pub fn of(interpreter: Option<&str>, resolved: Option<&str>, machine: u16, big_endian: bool) -> Flavor {
        if let Some(arch) = interpreter.and_then(musl_arch) {
            return Flavor::Musl { arch: arch.to_string() };
        }
        let triplet = multiarch_triplet(machine, big_endian);
        let home = resolved.or(interpreter).map(parent).unwrap_or("");
        let home = home.strip_prefix("/usr").unwrap_or(home);
        let system = match triplet {
            Some(t) if home == format!("/lib/{t}") || resolved.is_none() => {
                vec![format!("/lib/{t}"), format!("/usr/lib/{t}"), "/lib".into(), "/usr/lib".into()]
            }
            _ if home == "/lib64" => vec!["/lib64".into(), "/usr/lib64".into()],
            _ => vec!["/lib".into(), "/usr/lib".into()],
        };
        Flavor::Glibc { system, triplet }
    }

    /// Debian's glibc for `machine`, as [`Flavor::of`] gives it for a loader in its multiarch
    /// directory: for libraries loaded with `dlopen`, whose process is not known.
    pub fn debian(machine: u16, big_endian: bool) -> Flavor {
        Flavor::of(None, None, machine, big_endian)
    }

    pub fn is_musl(&self) -> bool {
        matches!(self, Flavor::Musl { .. })
    }

    pub fn name(&self) -> &'static str {
        match self {
            Flavor::Glibc { .. } => "glibc",
            Flavor::Musl { .. } => "musl",
        }
    }

    /// `$LIB`: Debian builds glibc with `lib/TRIPLET` there.
    pub fn lib_token(&self) -> Option<String> {
        match self {
            Flavor::Glibc { triplet: Some(t), .. } => Some(format!("lib/{t}")),
            Flavor::Glibc { triplet: None, .. } => Some("lib".into()),
            Flavor::Musl { .. } => None,
        }
    }
}

/// `$PLATFORM`: the kernel's `AT_PLATFORM` for the machine (glibc on x86-64 may substitute
/// `haswell` or `xeon_phi` on such CPUs; the image cannot know which CPU will run it).
pub fn platform_token(machine: u16) -> Option<&'static str> {
    Some(match machine {
        machine::X86_64 => "x86_64",
        machine::AARCH64 => "aarch64",
        machine::I386 => "i686",
        machine::ARM => "v7l",
        machine::RISCV => "riscv64",
        machine::PPC64 => "power8",
        machine::S390 => "z13",
        _ => return None,
    })
}

/// `ARCH` of a musl loader path `.../ld-musl-ARCH.so.1`.
fn musl_arch(interpreter: &str) -> Option<&str> {
    let name = interpreter.rsplit('/').next()?;
    name.strip_prefix("ld-musl-")?.strip_suffix(".so.1").filter(|a| !a.is_empty())
}

fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) => "/",
        Some(i) => &path[..i],
        None => "",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn system(f: &Flavor) -> Vec<&str> {
        match f {
            Flavor::Glibc { system, .. } => system.iter().map(String::as_str).collect(),
            Flavor::Musl { .. } => vec![],
        }
    }

    #[test]
    fn debian_glibc_searches_multiarch_first() {
        let f = Flavor::of(Some("/lib64/ld-linux-x86-64.so.2"), Some("/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2"), machine::X86_64, false);
        assert_eq!(system(&f), ["/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/lib", "/usr/lib"]);
        assert_eq!(f.lib_token().as_deref(), Some("lib/x86_64-linux-gnu"));
        let arm = Flavor::of(Some("/lib/ld-linux-aarch64.so.1"), Some("/lib/aarch64-linux-gnu/ld-linux-aarch64.so.1"), machine::AARCH64, false);
        assert_eq!(system(&arm)[0], "/lib/aarch64-linux-gnu");
    }

    #[test]
    fn a_lib64_loader_searches_lib64() {
        let f = Flavor::of(Some("/lib64/ld-linux-x86-64.so.2"), Some("/usr/lib64/ld-linux-x86-64.so.2"), machine::X86_64, false);
        assert_eq!(system(&f), ["/lib64", "/usr/lib64"]);
    }

    #[test]
    fn musl_is_told_by_its_name() {
        assert_eq!(Flavor::of(Some("/lib/ld-musl-aarch64.so.1"), None, machine::AARCH64, false), Flavor::Musl { arch: "aarch64".into() });
        assert!(!Flavor::of(Some("/lib/ld-musl-.so.1"), None, machine::X86_64, false).is_musl());
    }
}
