//! Finding the program a command names, the way `execvp` does: a name with a `/` is a path, any
//! other name is looked up in `PATH`.
//!
//! The init resolves its entrypoint before starting it, so that a missing or non-executable
//! program is reported by name and reason, whatever the platform's spawn mechanism can report.

use crate::io_message::io_message;
use std::ffi::OsStr;
use std::io;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::os::unix::process::CommandExt;
use std::process::Command;

/// `PATH` when the environment has none (the value POSIX shells and container runtimes use).
pub const DEFAULT_PATH: &str = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/// Resolves `program` to an executable regular file. `path` is the `PATH` to search
/// ([`DEFAULT_PATH`] when `None`). Errors name the program and say why it cannot run.
pub fn resolve(program: &str, path: Option<&OsStr>) -> io::Result<PathBuf> {
    if program.is_empty() {
        return Err(io::Error::new(io::ErrorKind::InvalidInput, "empty command name"));
    }
    if program.contains('/') {
        return check_executable(Path::new(program)).map(|()| PathBuf::from(program));
    }
    let path = path.unwrap_or(OsStr::new(DEFAULT_PATH));
    let mut denied = None;
    for dir in std::env::split_paths(path) {
        let dir = if dir.as_os_str().is_empty() { PathBuf::from(".") } else { dir };
        let candidate = dir.join(program);
        match check_executable(&candidate) {
            Ok(()) => return Ok(candidate),
            Err(e) if e.kind() == io::ErrorKind::PermissionDenied => denied = Some(e),
            Err(_) => {}
        }
    }
    Err(denied.unwrap_or_else(|| {
        io::Error::new(io::ErrorKind::NotFound, format!("{program}: not found in PATH"))
    }))
}

fn check_executable(path: &Path) -> io::Result<()> {
    let meta = std::fs::metadata(path).map_err(|e| io::Error::new(e.kind(), format!("{}: {}", path.display(), io_message(&e))))?;
    if !meta.is_file() {
        return Err(io::Error::new(io::ErrorKind::PermissionDenied, format!("{}: not a regular file", path.display())));
    }
    if meta.permissions().mode() & 0o111 == 0 {
        return Err(io::Error::new(io::ErrorKind::PermissionDenied, format!("{}: not executable", path.display())));
    }
    Ok(())
}

/// A `Command` for `argv[0]` found as `execvp` finds it, keeping `argv[0]` as given. Resolving
/// first makes a missing or unrunnable program an error of the spawn itself, also where the
/// child's exec error is lost: qemu-user (our arm64 test runs) emulates glibc's vfork-style
/// `posix_spawn` with a plain fork, and the child then just exits 127. Used by `find -exec` and `xargs`.
pub fn command_for(program: &OsStr) -> io::Result<Command> {
    let resolved = match program.to_str() {
        Some(name) => resolve(name, std::env::var_os("PATH").as_deref()).map_err(|e| {
            // The C library's words for it, as GNU find and xargs print them.
            let errno = if e.kind() == io::ErrorKind::NotFound { nix::errno::Errno::ENOENT } else { nix::errno::Errno::EACCES };
            io::Error::from(errno)
        })?,
        // Not UTF-8: left to the kernel's own search.
        None => PathBuf::from(program),
    };
    let mut command = Command::new(resolved);
    command.arg0(program);
    Ok(command)
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_looked_up_in_path() {
        assert_eq!(resolve("sh", Some(OsStr::new("/nonexistent:/bin"))).unwrap(), PathBuf::from("/bin/sh"));
        let err = resolve("no-such-program-xyz", None).unwrap_err();
        assert_eq!(err.kind(), io::ErrorKind::NotFound);
        assert_eq!(err.to_string(), "no-such-program-xyz: not found in PATH");
    }

    #[test]
    fn paths_are_checked_as_given() {
        assert_eq!(resolve("/bin/sh", None).unwrap(), PathBuf::from("/bin/sh"));
        assert_eq!(resolve("/nonexistent/app", None).unwrap_err().to_string(), "/nonexistent/app: No such file or directory");
        assert_eq!(resolve("/etc", None).unwrap_err().to_string(), "/etc: not a regular file");
        let dir = tempfile::tempdir().unwrap();
        let plain_file = dir.path().join("data");
        std::fs::write(&plain_file, b"x").unwrap();
        let err = resolve(plain_file.to_str().unwrap(), None).unwrap_err();
        assert!(err.to_string().ends_with("data: not executable"), "{err}");
    }
}
