//! Dynamic linking checked against the real loader: real Debian programs and libraries (downloaded
//! at test time) laid out as root filesystems and OCI layouts, each program's closure as cning
//! computes it compared with what glibc's `ld.so --list` reports inside a chroot of the same
//! files (under qemu for arm64), and every `library-missing` confirmed by the program really
//! failing to start there.

use cning::linking::Linking;
use cning::source::{self, Options};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::os::unix::fs::symlink;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use testkit::debian::{self, Archive};
use testkit::oci;

const CNING: &str = env!("CARGO_BIN_EXE_cning");
/// By its path: the loader runs with an empty environment, where no PATH lookup would find it.
const CHROOT: &str = "/usr/sbin/chroot";

/// What one program loads: `(name, path found)` per object, the interpreter as `(PT_INTERP,
/// PT_INTERP)`, `(name, "not found")` for what nothing satisfies.
type Loads = BTreeSet<(String, String)>;

/// Runs the image's loader `interp` with `args`, inside a chroot of `root` with only `env` set, or
/// under qemu-user with `root` as its prefix for another architecture.
fn loader(root: &Path, interp: &str, args: &[&str], env: &[(&str, &str)], qemu: Option<&Path>) -> Output {
    match qemu {
        None => Command::new(CHROOT).arg(root).arg(interp).args(args).env_clear().envs(env.iter().copied()).output(),
        Some(qemu) => Command::new(qemu).arg("-L").arg(root).arg(root.join(interp.trim_start_matches('/'))).args(args).env_clear().envs(env.iter().copied()).output(),
    }
    .expect("run the loader")
}

/// The real loader's answer for `program`, run inside a chroot of `root` (with `env` set), or
/// under qemu-user with `root` as its prefix for another architecture.
fn loader_list(root: &Path, interp: &str, program: &str, env: &[(&str, &str)], qemu: Option<&Path>) -> Loads {
    let out = loader(root, interp, &["--list", program], env, qemu);
    // Run directly (under qemu), the loader names itself by the host path it was started as.
    let text = String::from_utf8_lossy(&out.stdout).replace(&format!("{}/", root.display()), "/");
    let mut loads = Loads::new();
    for line in text.lines().map(str::trim) {
        if let Some((name, rest)) = line.split_once(" => ") {
            let path = rest.split(" (0x").next().unwrap_or(rest).trim();
            loads.insert((name.to_string(), path.to_string()));
        } else if line.starts_with('/') {
            let path = line.split(" (0x").next().unwrap_or(line).to_string();
            loads.insert((path.clone(), path));
        }
    }
    assert!(!loads.is_empty() || !out.status.success(), "{program}: no output from the loader: {}", String::from_utf8_lossy(&out.stderr));
    loads
}

/// The same for every program of `linking`, as cning computed it.
fn cning_list(linking: &Linking, program: &str) -> Loads {
    let (_, closure) = linking.programs.iter().find(|(p, _)| p == program).unwrap_or_else(|| panic!("cning has no closure for {program}"));
    let mut loads = Loads::new();
    for (i, object) in closure.objects.iter().enumerate().skip(1) {
        if closure.interpreter == Some(Ok(i)) {
            loads.insert((object.path.clone(), object.path.clone()));
        } else {
            loads.insert((object.name.clone(), object.path.clone()));
        }
    }
    // musl's list also names the loader under each name it answers to (`libc.so => ld-musl`).
    if let (Some(&Ok(interp)), true) = (closure.interpreter.as_ref(), closure.flavor.is_musl()) {
        let path = &closure.objects[interp].path;
        for (name, _) in closure.objects.iter().flat_map(|o| &o.needs).filter(|(n, found)| *found == Some(interp) && n != path) {
            loads.insert((name.clone(), path.clone()));
        }
    }
    for missing in closure.missing.iter().filter(|m| m.fatal) {
        loads.insert((missing.name.clone(), "not found".into()));
    }
    loads
}

/// The image at `path` (a directory or layout) for `arch`, read by cning, and its closures.
fn closures(path: &Path, arch: &str) -> (cning::source::ImageFs, Vec<String>) {
    let opts = Options { platform: Some(format!("linux/{arch}").parse().unwrap()), ..Options::default() };
    let mut images = source::open(path, &opts).unwrap();
    let image = images.remove(0);
    let programs = Linking::of(&image, &[]).programs.iter().map(|(p, _)| p.clone()).collect();
    (image, programs)
}

/// Compares cning's closure of every dynamically linked program of the image at `image` with
/// what the loader reports in `root` (the same files); returns how many were compared.
fn compare_all(image: &Path, root: &Path, arch: &str, env: &[(&str, &str)], qemu: Option<&Path>) -> usize {
    let (fs, programs) = closures(image, arch);
    let linking = Linking::of(&fs, &[]);
    let mut compared = 0;
    for program in &programs {
        let (_, closure) = linking.programs.iter().find(|(p, _)| p == program).unwrap();
        let Some(Ok(interp)) = closure.interpreter else { panic!("{program}: cning finds no interpreter: {:?}", closure.interpreter) };
        let interp = closure.objects[interp].path.clone();
        match closure.missing.iter().find(|m| m.fatal) {
            // glibc's loader stops at the first need it cannot satisfy (in load order, as
            // cning lists them), even when asked only to list.
            Some(first) => {
                let out = loader(root, &interp, &["--list", program], env, qemu);
                let err = String::from_utf8_lossy(&out.stderr);
                assert_eq!(out.status.code(), Some(127), "{program}: cning finds {} missing, the loader runs it: {err}", first.name);
                assert!(err.contains(&format!("error while loading shared libraries: {}:", first.name)), "{program}: cning finds {} missing first, the loader says: {err}", first.name);
            }
            None => {
                let ours = cning_list(&linking, program);
                let theirs = loader_list(root, &interp, program, env, qemu);
                assert_eq!(ours, theirs, "{program}: cning (left) and the loader (right) differ");
            }
        }
        compared += 1;
    }
    compared
}

/// Runs `ldconfig` inside `root`, as an installation does: the loader then reads
/// `/etc/ld.so.conf`'s directories from the cache it writes.
fn ldconfig(root: &Path) {
    let tool = ["sbin/ldconfig", "usr/sbin/ldconfig"].iter().find(|p| root.join(p).exists()).expect("libc-bin's ldconfig in the root");
    let out = Command::new(CHROOT).arg(root).arg(format!("/{tool}")).output().unwrap();
    assert!(out.status.success(), "ldconfig: {}", String::from_utf8_lossy(&out.stderr));
}

/// The first regular file named `name` below `root` (libraries move between /lib and /usr/lib
/// across releases).
fn find(root: &Path, name: &str) -> PathBuf {
    let out = Command::new("find").arg(root).args(["-name", name, "-print", "-quit"]).output().unwrap();
    let found = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(!found.is_empty(), "no {name} below {}", root.display());
    PathBuf::from(found)
}

/// Moves the library `soname` (its symlink and the file it names) into `dir` of `root`.
fn move_library(root: &Path, soname: &str, dir: &str) -> String {
    let link = find(root, soname);
    let real = std::fs::canonicalize(&link).unwrap();
    let dest = root.join(dir.trim_start_matches('/'));
    std::fs::create_dir_all(&dest).unwrap();
    let real_name = real.file_name().unwrap().to_owned();
    std::fs::rename(&real, dest.join(&real_name)).unwrap();
    std::fs::remove_file(&link).ok();
    symlink(&real_name, dest.join(soname)).unwrap();
    format!("{dir}/{}", real_name.to_string_lossy())
}

fn policy(dir: &Path, extra: &str) -> PathBuf {
    let p = dir.join("resolved.toml");
    std::fs::write(&p, format!("name = \"resolved\"\nlinking = \"resolved\"\nallow_setuid = true\nmulticall_max_names = 100\n{extra}\n[[allow]]\npath = \"/**\"\n")).unwrap();
    p
}

fn check(policy: &Path, image: &Path, platform: &str) -> (i32, Value) {
    let out = testkit::target_command(CNING).args(["check", "--format", "json", "--platform", platform, "--policy"]).arg(policy).arg(image).output().unwrap();
    let code = out.status.code().unwrap();
    assert!(code != 2, "cning failed: {}", String::from_utf8_lossy(&out.stderr));
    (code, serde_json::from_slice(&out.stdout).unwrap())
}

fn findings<'a>(report: &'a Value, rule: &str) -> Vec<&'a Value> {
    report["violations"].as_array().unwrap().iter().filter(|v| v["rule"] == rule).collect()
}

/// Starts `program` in a chroot of `root` with only `env` set, with /proc mounted there as a
/// container has it (both loaders find the program's own directory, `$ORIGIN`, through
/// /proc/self/exe); the output.
fn run_in_env(root: &Path, program: &[&str], env: &[(&str, &str)]) -> Output {
    std::fs::create_dir_all(root.join("proc")).unwrap();
    Command::new("unshare")
        .args(["--mount", "--pid", "--fork"])
        .arg(format!("--mount-proc={}", root.join("proc").display()))
        .arg(CHROOT)
        .arg(root)
        .args(program)
        .env_clear()
        .envs(env.iter().copied())
        .output()
        .unwrap()
}

fn run_in(root: &Path, program: &[&str]) -> Output {
    run_in_env(root, program, &[])
}

/// A root filesystem of `packages` (and what they need) for the machine's architecture.
fn host_rootfs(dir: &Path, packages: &[&str]) -> (PathBuf, String) {
    let arch = debian::host_arch();
    let root = dir.join("root");
    Archive::new(&arch, None).rootfs(&root, packages);
    ldconfig(&root);
    (root, arch)
}

#[test]
#[ignore = "real Debian root filesystems under the real loaders (minutes); Bazel runs it, `cargo test -- --include-ignored` too"]
fn closures_of_debian_programs_equal_the_loaders() {
    let dir = tempfile::tempdir().unwrap();
    let (root, arch) = host_rootfs(dir.path(), &["coreutils", "curl", "openssl", "libc-bin"]);
    let compared = compare_all(&root, &root, &arch, &[], None);
    println!("{compared} programs: cning's closures equal ld.so --list");
    assert!(compared >= 100, "coreutils alone has over 100 programs; compared {compared}");
}

#[test]
#[ignore = "real Debian root filesystems under the real loaders (minutes); Bazel runs it, `cargo test -- --include-ignored` too"]
fn a_missing_library_is_found_missing_and_the_program_does_not_start() {
    let dir = tempfile::tempdir().unwrap();
    let (root, arch) = host_rootfs(dir.path(), &["curl", "libc-bin"]);
    let platform = format!("linux/{arch}");
    let pol = policy(dir.path(), "");
    assert!(run_in(&root, &["/usr/bin/curl", "--version"]).status.success(), "curl must start before a library is removed");
    let (_, before) = check(&pol, &root, &platform);
    assert!(findings(&before, "library-missing").is_empty() && findings(&before, "interpreter-missing").is_empty(), "{before:#}");

    // libnghttp2 is libcurl's need, not curl's: the finding names libcurl.
    let libcurl = std::fs::canonicalize(find(&root, "libcurl.so.4")).unwrap();
    let gone = std::fs::canonicalize(find(&root, "libnghttp2.so.14")).unwrap();
    std::fs::remove_file(&gone).unwrap();
    ldconfig(&root);
    let (code, report) = check(&pol, &root, &platform);
    assert_eq!(code, 1);
    let missing = findings(&report, "library-missing");
    let at = format!("/{}", libcurl.strip_prefix(std::fs::canonicalize(&root).unwrap()).unwrap().display());
    assert!(missing.iter().any(|f| f["path"] == at.as_str() && f["message"].as_str().unwrap().contains("needs libnghttp2.so.14")), "{missing:#?}");
    let out = run_in(&root, &["/usr/bin/curl", "--version"]);
    assert_eq!(out.status.code(), Some(127), "the loader must refuse curl too");
    assert!(String::from_utf8_lossy(&out.stderr).contains("libnghttp2.so.14"), "{}", String::from_utf8_lossy(&out.stderr));
    // The loader and cning still agree on every program's closure, the failures included.
    compare_all(&root, &root, &arch, &[], None);

    // Without the interpreter nothing starts.
    let interp = root.join("lib64");
    std::fs::remove_file(&interp).or_else(|_| std::fs::remove_dir_all(&interp)).unwrap();
    let (_, report) = check(&pol, &root, &platform);
    assert!(findings(&report, "interpreter-missing").iter().any(|f| f["path"] == "/usr/bin/curl"), "{report:#}");
    assert!(!run_in(&root, &["/usr/bin/curl", "--version"]).status.success());
}

#[test]
#[ignore = "real Debian root filesystems under the real loaders (minutes); Bazel runs it, `cargo test -- --include-ignored` too"]
fn unused_libraries_are_refused_unless_dlopen_names_them() {
    let dir = tempfile::tempdir().unwrap();
    let (root, arch) = host_rootfs(dir.path(), &["dash", "libc-bin"]);
    let platform = format!("linux/{arch}");
    // A real library that nothing in the image needs.
    let yaml = Archive::new(&arch, None).package("libyaml-0-2");
    let lib = find(&yaml, "libyaml-0.so.2");
    let real = std::fs::canonicalize(&lib).unwrap();
    std::fs::create_dir_all(root.join("opt/plugins")).unwrap();
    std::fs::copy(&real, root.join("opt/plugins/libyaml.so")).unwrap();
    let (code, report) = check(&policy(dir.path(), ""), &root, &platform);
    assert_eq!(code, 1);
    let unused: Vec<&str> = findings(&report, "library-unused").iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert!(unused.contains(&"/opt/plugins/libyaml.so"), "{unused:?}");
    // glibc's own libraries that dash does not load are unused too; the loader and libc are used.
    assert!(!unused.iter().any(|p| p.ends_with("/libc.so.6") || p.contains("ld-linux")), "{unused:?}");
    let (_, report) = check(&policy(dir.path(), "dlopen = [\"/opt/plugins/*.so\"]"), &root, &platform);
    let unused: Vec<&str> = findings(&report, "library-unused").iter().map(|f| f["path"].as_str().unwrap()).collect();
    assert!(!unused.contains(&"/opt/plugins/libyaml.so"), "{unused:?}");
}

#[test]
#[ignore = "real Debian root filesystems under the real loaders (minutes); Bazel runs it, `cargo test -- --include-ignored` too"]
fn runpath_origin_ld_so_conf_ld_library_path_and_whiteouts_in_a_layout() {
    let dir = tempfile::tempdir().unwrap();
    let (root, arch) = host_rootfs(dir.path(), &["curl", "libc-bin"]);
    let arch_name = arch.as_str();
    // RUNPATH $ORIGIN/../lib, set by the real patchelf: curl and libcurl move to /opt/app.
    let patchelf = debian::binary("patchelf", "patchelf");
    std::fs::create_dir_all(root.join("opt/app/bin")).unwrap();
    std::fs::rename(root.join("usr/bin/curl"), root.join("opt/app/bin/curl")).unwrap();
    let libcurl = move_library(&root, "libcurl.so.4", "/opt/app/lib");
    let out = Command::new(&patchelf).args(["--set-rpath", "$ORIGIN/../lib"]).arg(root.join("opt/app/bin/curl")).output().unwrap();
    assert!(out.status.success(), "patchelf: {}", String::from_utf8_lossy(&out.stderr));
    // A directory of /etc/ld.so.conf.d, through the cache ldconfig writes.
    move_library(&root, "libssh2.so.1", "/opt/extra");
    std::fs::write(root.join("etc/ld.so.conf.d/extra.conf"), "/opt/extra\n").unwrap();
    ldconfig(&root);
    // LD_LIBRARY_PATH from the image configuration.
    let psl = move_library(&root, "libpsl.so.5", "/opt/env");
    let env = [("LD_LIBRARY_PATH", "/opt/env")];

    let layer = oci::layer_of_dir(&root);
    let layout = dir.path().join("layout");
    oci::image_with_config(arch_name, std::slice::from_ref(&layer), json!({"Env": ["PATH=/usr/bin", "LD_LIBRARY_PATH=/opt/env"]})).write_layout(&layout);
    let compared = compare_all(&layout, &root, arch_name, &env, None);
    assert!(compared > 0);
    let (fs, _) = closures(&layout, arch_name);
    let curl = cning_list(&Linking::of(&fs, &[]), "/opt/app/bin/curl");
    assert!(curl.contains(&("libcurl.so.4".to_string(), "/opt/app/bin/../lib/libcurl.so.4".to_string())), "{curl:?}");
    assert!(curl.contains(&("libssh2.so.1".to_string(), "/opt/extra/libssh2.so.1".to_string())), "{curl:?}");
    assert!(curl.contains(&("libpsl.so.5".to_string(), "/opt/env/libpsl.so.5".to_string())), "{curl:?}");
    let platform = format!("linux/{arch}");
    let pol = policy(dir.path(), "");
    let (_, report) = check(&pol, &layout, &platform);
    assert!(findings(&report, "library-missing").is_empty(), "{report:#}");
    // The same layout without LD_LIBRARY_PATH: libpsl is not found.
    let bare = dir.path().join("bare");
    oci::image(arch_name, std::slice::from_ref(&layer)).write_layout(&bare);
    let (_, report) = check(&pol, &bare, &platform);
    assert!(findings(&report, "library-missing").iter().any(|f| f["message"].as_str().unwrap().contains("libpsl.so.5")), "{report:#}");

    // A second layer deletes libpsl with whiteouts: libcurl's need is missing, and the loader
    // refuses curl in a root without the file.
    let whiteouts = oci::layer(&[
        oci::Item::File { path: "opt/env/.wh.libpsl.so.5", mode: 0o644, data: b"" },
        oci::Item::File { path: &format!("opt/env/.wh.{}", psl.rsplit('/').next().unwrap()), mode: 0o644, data: b"" },
    ]);
    let deleted = dir.path().join("deleted");
    oci::image_with_config(arch_name, &[layer, whiteouts], json!({"Env": ["LD_LIBRARY_PATH=/opt/env"]})).write_layout(&deleted);
    let (code, report) = check(&pol, &deleted, &platform);
    assert_eq!(code, 1);
    assert!(findings(&report, "library-missing").iter().any(|f| f["path"] == libcurl.as_str() && f["message"].as_str().unwrap().contains("libpsl.so.5")), "{report:#}");
    assert!(run_in_env(&root, &["/opt/app/bin/curl", "--version"], &env).status.success(), "curl starts with its libraries moved");
    std::fs::remove_file(root.join(psl.trim_start_matches('/'))).unwrap();
    let out = run_in_env(&root, &["/opt/app/bin/curl", "--version"], &env);
    assert_eq!(out.status.code(), Some(127), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("libpsl.so.5"), "{}", String::from_utf8_lossy(&out.stderr));
}

/// qemu-user for arm64: the machine's own (Bazel's offline environment has it), else the static
/// one from Debian's qemu-user-static.
fn qemu_aarch64() -> PathBuf {
    for path in ["/usr/bin/qemu-aarch64", "/usr/bin/qemu-aarch64-static"] {
        if Path::new(path).exists() {
            return PathBuf::from(path);
        }
    }
    debian::binary("qemu-user-static", "qemu-aarch64-static")
}

#[test]
#[ignore = "real Debian root filesystems under the real loaders (minutes); Bazel runs it, `cargo test -- --include-ignored` too"]
fn arm64_closures_equal_the_loaders() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("root");
    Archive::new("arm64", None).rootfs(&root, &["coreutils", "openssl"]);
    let qemu = qemu_aarch64();
    let compared = compare_all(&root, &root, "arm64", &[], Some(&qemu));
    println!("{compared} arm64 programs: cning's closures equal ld.so --list under qemu");
    assert!(compared >= 100, "compared {compared}");
}

/// Runs Debian's patchelf on `file` with `args`.
fn patchelf(file: &Path, args: &[&str]) {
    let out = Command::new(debian::binary("patchelf", "patchelf")).args(args).arg(file).output().unwrap();
    assert!(out.status.success(), "patchelf {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
#[ignore = "real Debian root filesystems under the real loaders (minutes); Bazel runs it, `cargo test -- --include-ignored` too"]
fn hostile_linking_ends_in_findings_or_a_pass() {
    let dir = tempfile::tempdir().unwrap();
    let (root, arch) = host_rootfs(dir.path(), &["dash", "libc-bin", "zlib1g"]);
    let platform = format!("linux/{arch}");
    let libz = std::fs::canonicalize(find(&root, "libz.so.1")).unwrap();
    std::fs::create_dir_all(root.join("opt/cycle")).unwrap();
    // Two real libraries that need each other, and a program that needs one of them.
    for (name, other) in [("libcyca.so", "libcycb.so"), ("libcycb.so", "libcyca.so")] {
        let lib = root.join("opt/cycle").join(name);
        std::fs::copy(&libz, &lib).unwrap();
        // One change per patchelf run: patchelf 0.14 and 0.18 write RUNPATH or SONAME over
        // the name just added when given both at once.
        patchelf(&lib, &["--set-soname", name]);
        patchelf(&lib, &["--add-needed", other]);
    }
    let cycle = root.join("usr/bin/cycle");
    std::fs::copy(root.join("bin/dash"), &cycle).unwrap();
    patchelf(&cycle, &["--add-needed", "libcyca.so"]);
    // DT_RPATH, not RUNPATH: libcyca's own need of libcycb is searched in it too.
    patchelf(&cycle, &["--force-rpath", "--set-rpath", "/opt/cycle"]);
    // Thousands of needed libraries that do not exist, and a RUNPATH of 8,000 directories,
    // one of them a symlink loop.
    std::os::unix::fs::symlink("loop-b", root.join("opt/loop-a")).unwrap();
    std::os::unix::fs::symlink("loop-a", root.join("opt/loop-b")).unwrap();
    let many = root.join("usr/bin/many");
    std::fs::copy(root.join("bin/dash"), &many).unwrap();
    let names: Vec<String> = (0..3000).map(|i| format!("libn{i}.so")).collect();
    let args: Vec<&str> = names.iter().flat_map(|n| ["--add-needed", n.as_str()]).collect();
    patchelf(&many, &args);
    let runpath = std::iter::once("/opt/loop-a".to_string()).chain((0..8000).map(|i| format!("/r{i}"))).collect::<Vec<_>>().join(":");
    patchelf(&many, &["--set-rpath", &runpath]);
    // The loop as an ld.so.conf directory too.
    std::fs::write(root.join("etc/ld.so.conf.d/loop.conf"), "/opt/loop-a\n").unwrap();
    ldconfig(&root);

    let (code, report) = check(&policy(dir.path(), ""), &root, &platform);
    assert_eq!(code, 1);
    let missing = findings(&report, "library-missing");
    assert_eq!(missing.iter().filter(|f| f["path"] == "/usr/bin/many").count(), 3000);
    assert!(missing.iter().all(|f| f["path"] == "/usr/bin/many"), "the cycle resolves: {missing:#?}");
    assert!(run_in(&root, &["/usr/bin/cycle", "-c", "exit 7"]).status.code() == Some(7), "the loader runs the cycle");
    let out = run_in(&root, &["/usr/bin/many", "-c", "true"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("libn0.so"), "{}", String::from_utf8_lossy(&out.stderr));
    compare_all(&root, &root, &arch, &[], None);
}

/// musl's loader and search, on programs linked here against Debian's musl with the machine's
/// gcc: `DT_RUNPATH` `$ORIGIN`, `/etc/ld-musl-ARCH.path`, `libc.so` as the loader itself.
#[test]
#[ignore = "real Debian root filesystems under the real loaders (minutes); Bazel runs it, `cargo test -- --include-ignored` too"]
fn musl_closures_equal_the_loaders() {
    let arch = debian::host_arch();
    if arch != "amd64" {
        println!("skipped: the musl test builds for amd64 only");
        return;
    }
    let archive = Archive::new(&arch, None);
    let (musl, dev) = (archive.package("musl"), archive.package("musl-dev"));
    let libc = find(&musl, "libc.so");
    let libdir = libc.parent().unwrap().to_path_buf();
    let crt = |name: &str| find(&dev, name);
    let dir = tempfile::tempdir().unwrap();
    let src = dir.path();
    std::fs::write(src.join("greet.c"), "int greet(void) { return 42; }\n").unwrap();
    std::fs::write(src.join("extra.c"), "int extra(void) { return 1; }\n").unwrap();
    std::fs::write(src.join("prog.c"), "int greet(void); int extra(void); int main(void) { return greet() + extra(); }\n").unwrap();
    let gcc = |args: &[&str]| {
        let out = Command::new("gcc").current_dir(src).args(args).arg(format!("-L{}", libdir.display())).arg("-lc").output().expect("gcc");
        assert!(out.status.success(), "gcc {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    gcc(&["-shared", "-fPIC", "-nostdlib", "-o", "libgreet.so.1", "greet.c", "-Wl,-soname,libgreet.so.1"]);
    gcc(&["-shared", "-fPIC", "-nostdlib", "-o", "libextra.so", "extra.c"]);
    let (crt1, crti, crtn) = (crt("crt1.o"), crt("crti.o"), crt("crtn.o"));
    let start = [crt1.to_str().unwrap(), crti.to_str().unwrap()];
    gcc(&[&["-no-pie", "-nostdlib", "-o", "prog"], &start[..], &["prog.c", "-L.", "-l:libgreet.so.1", "-l:libextra.so", crtn.to_str().unwrap(), "-Wl,--dynamic-linker=/lib/ld-musl-x86_64.so.1", "-Wl,-rpath,$ORIGIN/../lib", "-Wl,--enable-new-dtags"]].concat());

    let root = dir.path().join("root");
    for (from, to) in [("prog", "app/bin/prog"), ("libgreet.so.1", "app/lib/libgreet.so.1"), ("libextra.so", "opt/musl/libextra.so")] {
        std::fs::create_dir_all(root.join(to).parent().unwrap()).unwrap();
        std::fs::copy(src.join(from), root.join(to)).unwrap();
    }
    let out = Command::new("cp").arg("-a").arg("--no-target-directory").arg(&musl).arg(&root).output().unwrap();
    assert!(out.status.success());
    // Merged-/usr releases ship the loader under /usr/lib only.
    if !root.join("lib").exists() {
        symlink("usr/lib", root.join("lib")).unwrap();
    }
    std::fs::write(root.join("etc/ld-musl-x86_64.path"), "/opt/musl\n").unwrap();
    assert_eq!(run_in(&root, &["/app/bin/prog"]).status.code(), Some(43), "the program runs under musl's loader");
    assert_eq!(compare_all(&root, &root, "amd64", &[], None), 1);

    // Without the path file's directory, libextra is missing for cning and for musl.
    std::fs::write(root.join("etc/ld-musl-x86_64.path"), "/usr/lib\n").unwrap();
    let (code, report) = check(&policy(dir.path(), ""), &root, "linux/amd64");
    assert_eq!(code, 1);
    let missing = findings(&report, "library-missing");
    assert!(missing.iter().any(|f| f["path"] == "/app/bin/prog" && f["message"].as_str().unwrap().contains("libextra.so") && f["message"].as_str().unwrap().contains("musl")), "{report:#}");
    let out = run_in(&root, &["/app/bin/prog"]);
    assert!(String::from_utf8_lossy(&out.stderr).contains("Error loading shared library libextra.so"), "{out:?}");
}
