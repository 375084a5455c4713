//! The questions the search asks of a filesystem. Paths are absolute and inside the image;
//! symlinks are followed inside the image, never on the host.

use crate::object::Object;

/// What a path names, once symlinks are followed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup {
    /// Nothing (a missing component, a dangling or looping symlink): the loader's `ENOENT`.
    Missing,
    /// A regular file, by its resolved path.
    File(String),
    /// A directory, by its resolved path.
    Dir(String),
    /// Something else (a device, a FIFO), by its resolved path.
    Other(String),
}

/// A filesystem the search runs over.
pub trait Image {
    /// Resolves `path` (absolute; `.` and `..` allowed) following every symlink.
    fn lookup(&self, path: &str) -> Lookup;

    /// The names in the directory at resolved path `dir`, sorted.
    fn list(&self, dir: &str) -> Vec<String>;

    /// The ELF facts of the regular file at resolved path `file`: `None` when it is not an ELF
    /// file, `Err` with the reason when it has the magic but does not parse.
    fn object(&self, file: &str) -> Option<Result<&Object, &str>>;

    /// The text of a loader configuration file at resolved path `file` (`/etc/ld.so.conf` and
    /// what it includes, `/etc/ld-musl-*.path`, `/etc/ld.so.preload`), when the caller read it.
    fn text(&self, file: &str) -> Option<&str>;
}
