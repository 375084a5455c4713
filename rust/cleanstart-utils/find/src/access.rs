//! `-readable`, `-writable`, `-executable`: asked of the kernel with access(2), like GNU find,
//! so ACLs, read-only mounts and root's privileges count. The only system call find makes that
//! std does not wrap.

use nix::unistd::{access, AccessFlags};
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    Read,
    Write,
    Execute,
}

pub fn allowed(path: &Path, what: Access) -> bool {
    let flags = match what {
        Access::Read => AccessFlags::R_OK,
        Access::Write => AccessFlags::W_OK,
        Access::Execute => AccessFlags::X_OK,
    };
    access(path, flags).is_ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn asks_the_kernel() {
        assert!(allowed(Path::new("/"), Access::Read));
        assert!(allowed(Path::new("/bin/sh"), Access::Execute));
        assert!(!allowed(Path::new("/nonexistent/x"), Access::Read));
        let file = tempfile::NamedTempFile::new().unwrap();
        // Mode 0600: not even root may execute a file without any execute bit.
        assert!(!allowed(file.path(), Access::Execute));
    }
}
