//! cleanstart-closure on real Debian packages (this machine's architecture and suite, fetched
//! with apt at test time), judged by the real dynamic loader and by md5sum: each program starts
//! in a chroot of exactly the files laid out for it, leaving out any one library of its closure
//! makes the loader refuse to start it, and the package records hold for every file. Needs root
//! (chroot).

use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use testkit::debian::{host_arch, Archive};

const CLOSURE: &str = env!("CARGO_BIN_EXE_cleanstart-closure");

fn archive() -> Archive {
    Archive::new(&host_arch(), None)
}

/// The package files of `roots` and everything they depend on, with base-files (essential, so
/// never a dependency): in merged-/usr releases it ships `/lib64`, `/lib` and `/bin`, through
/// which the programs' interpreter paths go.
fn inputs(archive: &Archive, roots: &[&str]) -> Vec<PathBuf> {
    let names: BTreeSet<String> = roots.iter().chain(&["base-files"]).flat_map(|r| archive.depends(r)).collect();
    names.iter().map(|n| archive.package_files(n)).collect()
}

fn closure(packages: &[PathBuf], args: &[&str], output: &Path) -> Output {
    let mut cmd = Command::new(CLOSURE);
    for p in packages {
        cmd.arg("--package").arg(p);
    }
    cmd.args(args).arg("--output").arg(output).output().expect("run cleanstart-closure")
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn entries(output: &Path) -> Vec<Value> {
    let list: Value = serde_json::from_slice(&std::fs::read(output.join("entries.json")).expect("entries.json")).expect("JSON");
    list["entries"].as_array().expect("entries").clone()
}

/// The image's filesystem as cleanimg would lay it out: files, symlinks and directories only.
fn materialize(output: &Path, root: &Path) {
    use std::os::unix::fs::PermissionsExt;
    for e in entries(output) {
        let path = root.join(e["path"].as_str().unwrap().trim_start_matches('/'));
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        match e["type"].as_str().unwrap() {
            "file" => {
                std::fs::copy(output.join(e["source"].as_str().unwrap()), &path).unwrap();
                std::fs::set_permissions(&path, std::fs::Permissions::from_mode(e["mode"].as_u64().unwrap() as u32)).unwrap();
            }
            "symlink" => std::os::unix::fs::symlink(e["target"].as_str().unwrap(), &path).unwrap(),
            "dir" => std::fs::create_dir_all(&path).unwrap(),
            other => panic!("entry type {other}"),
        }
    }
}

fn chroot(root: &Path, argv: &[&str]) -> Output {
    Command::new("chroot").arg(root).args(argv).env_clear().env("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").output().expect("chroot")
}

/// Files of the layout that are ELF shared objects (the interpreter among them).
fn libraries(root: &Path, output: &Path) -> Vec<String> {
    entries(output)
        .iter()
        .filter(|e| e["type"] == "file")
        .map(|e| e["path"].as_str().unwrap().to_string())
        .filter(|p| p.contains(".so") && std::fs::read(root.join(&p[1..])).is_ok_and(|b| b.starts_with(b"\x7fELF")))
        .collect()
}

#[test]
#[ignore = "real Debian packages under the real loader in chroots; Bazel runs it, `cargo test -- --include-ignored` too"]
fn programs_start_on_exactly_their_closure_and_on_nothing_less() {
    let archive = archive();
    let cases: [(&str, &str, &[&str]); 4] = [
        ("nginx", "/usr/sbin/nginx", &["-V"]),
        ("curl", "/usr/bin/curl", &["--version"]),
        ("openssl", "/usr/bin/openssl", &["version"]),
        ("coreutils", "/bin/ls", &["--version"]),
    ];
    for (package, program, args) in cases {
        let work = tempfile::tempdir().unwrap();
        let output = work.path().join("out");
        let out = closure(&inputs(&archive, &[package]), &["--program", program], &output);
        assert!(out.status.success(), "{package}: {}", stderr(&out));
        let root = work.path().join("root");
        materialize(&output, &root);
        let argv: Vec<&str> = std::iter::once(program).chain(args.iter().copied()).collect();
        let ran = chroot(&root, &argv);
        assert!(ran.status.success(), "{program} in a chroot of its closure: {}", stderr(&ran));

        let libraries = libraries(&root, &output);
        assert!(libraries.len() >= 2, "{program}: {libraries:?}");
        for library in &libraries {
            let file = root.join(&library[1..]);
            let aside = work.path().join("aside");
            std::fs::rename(&file, &aside).unwrap();
            let ran = chroot(&root, &argv);
            std::fs::rename(&aside, &file).unwrap();
            let err = stderr(&ran);
            assert!(!ran.status.success(), "{program} started without {library}");
            // Either the loader names what it cannot load, or (the loader itself gone) the
            // kernel cannot start the program.
            let name = library.rsplit('/').next().unwrap();
            assert!(
                err.contains("error while loading shared libraries") || (name.starts_with("ld-linux") && ran.status.code() == Some(127)),
                "{program} without {library}: {err}"
            );
        }
        eprintln!("{program}: starts with its {} libraries, refused without any one of them", libraries.len());
    }
}

#[test]
#[ignore = "real Debian packages under the real loader in chroots; Bazel runs it, `cargo test -- --include-ignored` too"]
fn records_tie_every_file_to_its_package_and_md5sum_agrees() {
    let archive = archive();
    let work = tempfile::tempdir().unwrap();
    let output = work.path().join("out");
    let keep = ["--keep", "/etc/nginx/mime.types", "--keep", "/usr/share/nginx/html/*"];
    let out = closure(&inputs(&archive, &["nginx"]), &[&["--program", "/usr/sbin/nginx"][..], &keep].concat(), &output);
    assert!(out.status.success(), "{}", stderr(&out));
    let root = work.path().join("root");
    materialize(&output, &root);
    let records = root.join("var/lib/dpkg/status.d");
    let mut listed = BTreeSet::new();
    for entry in std::fs::read_dir(&records).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_str().unwrap().to_string();
        let text = std::fs::read_to_string(&path).unwrap();
        if let Some(package) = name.strip_suffix(".md5sums") {
            // md5sum itself checks every file the record lists, from the image's root.
            let check = Command::new("md5sum").arg("--check").arg("--strict").arg(&path).current_dir(&root).output().unwrap();
            assert!(check.status.success(), "md5sum --check {name}: {}{}", String::from_utf8_lossy(&check.stdout), stderr(&check));
            for line in text.lines() {
                assert!(listed.insert(format!("/{}", &line[34..])), "{} listed twice ({package})", &line[34..]);
            }
        } else {
            assert!(text.starts_with(&format!("Package: {name}\nStatus: install ok installed\n")), "{name}: {text}");
        }
    }
    let files: BTreeSet<String> = entries(&output).iter().filter(|e| e["type"] == "file").map(|e| e["path"].as_str().unwrap().to_string()).filter(|p| !p.starts_with("/var/lib/dpkg/")).collect();
    assert_eq!(listed, files, "every file laid out, and nothing else, is on its package's list");
    // The configuration file (not on the package's own md5sums) is tied to nginx-common too.
    assert!(std::fs::read_to_string(records.join("nginx-common.md5sums")).unwrap().contains("  etc/nginx/mime.types\n"));
    // Packages nginx's closure does not reach leave no record: nothing of them is in the image.
    assert!(!records.join("debconf").exists() && !records.join("iproute2").exists());
}

#[test]
#[ignore = "real Debian packages under the real loader in chroots; Bazel runs it, `cargo test -- --include-ignored` too"]
fn bad_requests_fail_naming_the_problem_and_leave_nothing() {
    let archive = archive();
    let work = tempfile::tempdir().unwrap();
    let all = inputs(&archive, &["nginx"]);
    let output = work.path().join("out");
    let one_line = |out: &Output| {
        assert_eq!(out.status.code(), Some(1), "{}", stderr(out));
        let err = stderr(out);
        assert_eq!(err.lines().count(), 1, "one line: {err}");
        assert!(!output.exists(), "nothing left behind");
        err
    };
    // Without the package of libssl.so.3 (libssl3, or libssl3t64 since the 64-bit time_t
    // transition), nginx's loader would not find it.
    let without: Vec<PathBuf> = all.iter().filter(|p| !p.file_name().unwrap().to_string_lossy().starts_with("libssl3")).cloned().collect();
    assert_eq!(without.len() + 1, all.len());
    let err = one_line(&closure(&without, &["--program", "/usr/sbin/nginx"], &output));
    assert!(err.contains("/usr/sbin/nginx needs libssl.so.3, which no package has"), "{err}");
    let err = one_line(&closure(&all, &["--program", "/usr/bin/nonesuch"], &output));
    assert!(err.contains("--program /usr/bin/nonesuch: no package has /usr/bin/nonesuch"), "{err}");
    let err = one_line(&closure(&all, &["--program", "/usr/sbin/nginx", "--keep", "/etc/nothing*"], &output));
    assert!(err.contains("--keep \"/etc/nothing*\": matches nothing"), "{err}");
    let err = one_line(&closure(&all, &["--program", "/usr/sbin/nginx", "--exclude", "/usr/lib/nothing.so"], &output));
    assert!(err.contains("--exclude \"/usr/lib/nothing.so\": matches nothing selected"), "{err}");
    let not_tar = work.path().join("libc6.tar");
    std::fs::write(&not_tar, b"not a tar").unwrap();
    std::fs::write(work.path().join("libc6.control"), std::fs::read(archive.package_files("libc6").with_extension("control")).unwrap()).unwrap();
    std::fs::write(work.path().join("libc6.md5sums"), b"").unwrap();
    let err = one_line(&closure(&[not_tar], &["--program", "/usr/sbin/nginx"], &output));
    assert!(err.contains("libc6.tar: not a readable package data tar"), "{err}");
    // An output that holds something is never replaced.
    std::fs::create_dir(&output).unwrap();
    std::fs::write(output.join("mine"), b"keep me").unwrap();
    let out = closure(&all, &["--program", "/usr/sbin/nginx"], &output);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("exists and is not an empty directory; refusing to replace it"), "{}", stderr(&out));
    assert_eq!(std::fs::read(output.join("mine")).unwrap(), b"keep me");
    assert_eq!(std::fs::read_dir(work.path()).unwrap().filter(|e| e.as_ref().unwrap().file_name().to_string_lossy().starts_with(".closure-")).count(), 0);
}

#[test]
#[ignore = "real Debian packages under the real loader in chroots; Bazel runs it, `cargo test -- --include-ignored` too"]
fn excluding_a_library_lays_out_an_image_its_loader_refuses() {
    let archive = archive();
    let work = tempfile::tempdir().unwrap();
    let output = work.path().join("out");
    let out = closure(&inputs(&archive, &["nginx"]), &["--program", "/usr/sbin/nginx", "--exclude", "/usr/lib/*-linux-gnu/libpcre2-8.so.0*"], &output);
    assert!(out.status.success(), "{}", stderr(&out));
    let root = work.path().join("root");
    materialize(&output, &root);
    let ran = chroot(&root, &["/usr/sbin/nginx", "-V"]);
    assert!(stderr(&ran).contains("libpcre2-8.so.0: cannot open shared object file"), "{}", stderr(&ran));
    // Its package keeps its record only for what is left of it: nothing, so no record at all.
    assert!(!root.join("var/lib/dpkg/status.d/libpcre2-8-0").exists());
}
