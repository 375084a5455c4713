//! Real third-party fixtures: Debian packages downloaded at test time with the machine's own apt
//! configuration (no mirror is named here) and unpacked with `dpkg-deb -x`.

use std::path::PathBuf;
use std::process::Command;

/// The unpacked contents of Debian package `name` (for this machine's architecture), downloaded
/// once per cache directory. Panics with the tool's output when apt or dpkg-deb fails: a test
/// that cannot get its fixture must fail loudly, not pass vacuously.
pub fn package(name: &str) -> PathBuf {
    let cache = std::env::var_os("CLEANSTART_DEB_CACHE")
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("cleanstart-debs"));
    let dest = cache.join(name);
    if dest.join(".complete").exists() {
        return dest;
    }
    std::fs::create_dir_all(&cache).expect("create the package cache");
    let work = tempfile::Builder::new().prefix(&format!(".{name}-")).tempdir_in(&cache).expect("temporary directory");
    let out = Command::new("apt-get")
        .current_dir(work.path())
        // Inside a build sandbox /var may be read-only: keep apt from rewriting its caches there,
        // and from dropping to its _apt user, which a sandbox's user namespace may not map.
        .args(["-q", "-o", "Dir::Cache::pkgcache=", "-o", "Dir::Cache::srcpkgcache=", "-o", "Debug::NoLocking=1", "-o", "APT::Sandbox::User=root", "download", name])
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
