//! Real third-party fixtures: Debian packages downloaded at test time with the machine's own apt
//! configuration (no mirror is named here) and unpacked with `dpkg-deb -x`.
//!
//! [`package`] uses the machine's apt as it is. [`Archive`] reaches the same mirror for another
//! architecture or suite, through an apt state of its own under the fixture cache
//! (`cleanstart_debian::apt`, which asks apt where the mirror is), so the machine's
//! configuration is never changed.

// apt options every call takes: inside a build sandbox /var may be read-only, and apt's _apt
// user may not be mapped.
use cleanstart_debian::apt::BASE_OPTIONS as APT_OPTIONS;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The unpacked contents of Debian package `name` (for this machine's architecture), downloaded
/// once per cache directory. Panics with the tool's output when apt or dpkg-deb fails: a test
/// that cannot get its fixture must fail loudly, not pass vacuously.
pub fn package(name: &str) -> PathBuf {
    unpacked(&cache(), name, &[])
}

/// The directory fixtures are kept in (`CLEANSTART_DEB_CACHE`, else the temporary directory).
fn cache() -> PathBuf {
    std::env::var_os("CLEANSTART_DEB_CACHE").map(PathBuf::from).unwrap_or_else(|| std::env::temp_dir().join("cleanstart-debs"))
}


/// Downloads package `name` with apt (and `extra` options) into `cache` and unpacks it there,
/// once.
fn unpacked(cache: &Path, name: &str, extra: &[String]) -> PathBuf {
    let dest = cache.join(name.replace(':', "_"));
    if dest.join(".complete").exists() {
        return dest;
    }
    std::fs::create_dir_all(cache).expect("create the package cache");
    let work = tempfile::Builder::new().prefix(&format!(".{}-", name.replace(':', "_"))).tempdir_in(cache).expect("temporary directory");
    let out = Command::new("apt-get")
        .current_dir(work.path())
        .args(APT_OPTIONS)
        .args(extra)
        .args(["-q", "download", name])
        .output()
        .expect("apt-get must be installed to fetch test fixtures");
    assert!(out.status.success(), "apt-get download {name} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let deb = std::fs::read_dir(work.path())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .find(|p| p.extension().is_some_and(|e| e == "deb"))
        .unwrap_or_else(|| panic!("apt-get download {name} produced no .deb"));
    let tree = work.path().join("tree");
    let out = Command::new("dpkg-deb").arg("-x").arg(&deb).arg(&tree).output().expect("dpkg-deb");
    assert!(out.status.success(), "dpkg-deb -x {} failed:\n{}", deb.display(), String::from_utf8_lossy(&out.stderr));
    std::fs::write(tree.join(".complete"), b"").unwrap();
    // Another test may have won the race; either copy is complete.
    if std::fs::rename(&tree, &dest).is_err() {
        assert!(dest.join(".complete").exists(), "could not place {}", dest.display());
    }
    dest
}

/// The program `name` from package `pkg`, wherever the package puts it (`bin/` in bookworm,
/// `usr/bin/` in merged-/usr releases, or the `sbin` twins).
pub fn binary(pkg: &str, name: &str) -> PathBuf {
    let root = package(pkg);
    ["usr/bin", "bin", "usr/sbin", "sbin"]
        .iter()
        .map(|dir| root.join(dir).join(name))
        .find(|p| p.is_file())
        .unwrap_or_else(|| panic!("package {pkg} has no program {name}"))
}

/// One architecture and suite of the machine's mirror, with an apt state of its own.
pub struct Archive {
    state: cleanstart_debian::apt::Archive,
}

impl Archive {
    /// `arch` (`amd64`, `arm64`) of `suite` (`None`: the machine's own suite; `testing`, ...).
    /// Runs `apt-get update` into its own state once per fixture cache.
    pub fn new(arch: &str, suite: Option<&str>) -> Archive {
        let suite = match suite {
            Some(s) => s.to_string(),
            None => cleanstart_debian::apt::host_repositories().expect("the machine's Debian mirror").release.expect("the machine's Debian suite, as apt names it"),
        };
        let root = cache().join(&suite);
        std::fs::create_dir_all(&root).expect("create the package cache");
        // The tests of one binary run as threads, and Bazel runs test binaries side by side: one
        // of them writes and updates the apt state while the others wait (flock, released when
        // the file is dropped, also when a test process dies).
        let lock = std::fs::File::create(root.join(format!(".lock-{arch}"))).expect("the apt state's lock file");
        lock.lock().expect("lock the apt state");
        let state = cleanstart_debian::apt::Archive::new(&root, arch, std::slice::from_ref(&suite)).expect("an apt state for the fixtures");
        let updated = state.dir().join(".updated");
        if !updated.exists() {
            state.update().unwrap_or_else(|e| panic!("apt-get update for {arch} {suite}: {e:#}"));
            std::fs::write(&updated, b"").unwrap();
        }
        drop(lock);
        Archive { state }
    }

    /// The unpacked contents of package `name` of this architecture and suite.
    pub fn package(&self, name: &str) -> PathBuf {
        unpacked(&self.state.dir().join("debs"), name, self.state.options())
    }

    /// Package `name` as the `@debian_ARCH` repositories keep packages (tools/debian/packages.bzl)
    /// and cleanstart-closure reads them: `NAME.tar` (`dpkg-deb --fsys-tarfile`), `NAME.control`
    /// and `NAME.md5sums` side by side, made once per fixture cache. Returns the tar's path.
    pub fn package_files(&self, name: &str) -> PathBuf {
        let dir = self.state.dir().join("files");
        let tar = dir.join(format!("{name}.tar"));
        if tar.exists() {
            return tar;
        }
        std::fs::create_dir_all(&dir).unwrap();
        let work = tempfile::Builder::new().prefix(&format!(".{name}-")).tempdir_in(&dir).expect("temporary directory");
        let out = Command::new("apt-get").current_dir(work.path()).args(APT_OPTIONS).args(self.state.options()).args(["-q", "download", name]).output().expect("apt-get");
        assert!(out.status.success(), "apt-get download {name} failed:\n{}", String::from_utf8_lossy(&out.stderr));
        let deb = std::fs::read_dir(work.path()).unwrap().filter_map(Result::ok).map(|e| e.path()).find(|p| p.extension().is_some_and(|e| e == "deb")).expect("a .deb");
        // `dpkg-deb OPTION DEB [MEMBER]`: its output, or the test fails with its error.
        let dpkg_deb = |option: &str, member: Option<&str>| -> Vec<u8> {
            let out = Command::new("dpkg-deb").arg(option).arg(&deb).args(member).output().expect("dpkg-deb");
            assert!(out.status.success(), "dpkg-deb {option} {} {member:?}: {}", deb.display(), String::from_utf8_lossy(&out.stderr));
            out.stdout
        };
        let info = String::from_utf8_lossy(&dpkg_deb("--info", None)).into_owned();
        let member = |m: &str| dpkg_deb("--info", Some(m));
        std::fs::write(dir.join(format!("{name}.control")), member("control")).unwrap();
        let has_md5sums = info.lines().any(|l| l.split_whitespace().last() == Some("md5sums"));
        std::fs::write(dir.join(format!("{name}.md5sums")), if has_md5sums { member("md5sums") } else { Vec::new() }).unwrap();
        let data = dpkg_deb("--fsys-tarfile", None);
        assert!(!data.is_empty(), "dpkg-deb --fsys-tarfile {} gave nothing", deb.display());
        // The tar last, by rename: its presence says the three files are complete.
        let partial = work.path().join("data.tar");
        std::fs::write(&partial, data).unwrap();
        std::fs::rename(&partial, &tar).unwrap();
        tar
    }

    /// `name` and every package it needs (`Depends` and `Pre-Depends`, recursively), as apt
    /// resolves them, without virtual packages.
    pub fn depends(&self, name: &str) -> Vec<String> {
        let out = Command::new("apt-cache")
            .args(APT_OPTIONS)
            .args(self.state.options())
            .args(["depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts", "--no-breaks", "--no-replaces", "--no-enhances", name])
            .output()
            .expect("apt-cache");
        assert!(out.status.success(), "apt-cache depends {name} failed:\n{}", String::from_utf8_lossy(&out.stderr));
        let mut names: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.starts_with(' ') && !l.starts_with('<') && !l.is_empty())
            .map(|l| l.split(':').next().unwrap_or(l).to_string())
            .collect();
        names.sort();
        names.dedup();
        names
    }

    /// A root filesystem holding `packages` and everything they need, unpacked together into
    /// `root` (as `dpkg` would place them, without running their scripts).
    pub fn rootfs(&self, root: &Path, packages: &[&str]) {
        let mut all: Vec<String> = packages.iter().flat_map(|p| self.depends(p)).collect();
        all.sort();
        all.dedup();
        std::fs::create_dir_all(root).unwrap();
        for name in all {
            let tree = self.package(&name);
            // cp -a merges trees and keeps symlinks, modes and hard links as dpkg-deb made them.
            let out = Command::new("cp").arg("-a").arg("--no-target-directory").arg(&tree).arg(root).output().expect("cp");
            assert!(out.status.success(), "copying {name} into {}: {}", root.display(), String::from_utf8_lossy(&out.stderr));
        }
        let _ = std::fs::remove_file(root.join(".complete"));
        // Packages of merged-/usr releases ship under /usr only; the system's /bin, /lib, ...
        // are then symlinks into /usr (what the usrmerge step of an installation makes).
        for dir in ["bin", "sbin", "lib", "lib64"] {
            let (top, usr) = (root.join(dir), root.join("usr").join(dir));
            if usr.is_dir() && std::fs::symlink_metadata(&top).is_err() {
                std::os::unix::fs::symlink(format!("usr/{dir}"), &top).unwrap();
            }
        }
    }
}

/// The machine's Debian architecture (`dpkg --print-architecture`).
pub fn host_arch() -> String {
    cleanstart_debian::apt::host_arch().expect("the machine's Debian architecture")
}
