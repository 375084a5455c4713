//! The inventory written as the image is read (a skeleton first, then the entries streamed, the
//! layers from the top down) says what the inventory of the image read whole into memory says:
//! for an OCI layout, an OCI archive, a `docker save` archive and a directory, over layers that
//! white out files (beside an entry of the same name, too), make a directory opaque, replace a
//! directory by a file and an ELF file by a text file, and hard-link within a layer and across
//! layers. The files are real: the host's
//! `ls`, `cat` and C library, and the dpkg record and md5sums of the package that installed them.

use cning::inventory::{self, Format, Streamed};
use cning::source::{self, Opened, Options};
use serde_json::Value;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use testkit::oci::{self, Item};

/// The host's C library, wherever its multiarch directory is.
fn libc() -> (String, Vec<u8>) {
    for dir in std::fs::read_dir("/usr/lib").unwrap().flatten() {
        let candidate = dir.path().join("libc.so.6");
        if dir.file_name().to_string_lossy().ends_with("-linux-gnu") && candidate.is_file() {
            let rel = candidate.strip_prefix("/").unwrap().to_string_lossy().into_owned();
            return (rel, std::fs::read(&candidate).unwrap());
        }
    }
    panic!("no libc.so.6 under /usr/lib/*-linux-gnu");
}

/// The host's dpkg record (its paragraph of /var/lib/dpkg/status) and md5sums of the package
/// that installed `ls` (coreutils, or whichever package holds it in the host's release), with
/// the package's name.
fn dpkg_record() -> (String, String, String) {
    let (package, md5sums) = std::fs::read_dir("/var/lib/dpkg/info")
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().ends_with(".md5sums"))
        .find_map(|e| {
            let text = std::fs::read_to_string(e.path()).ok()?;
            let name = e.file_name().to_string_lossy().trim_end_matches(".md5sums").split(':').next()?.to_string();
            text.lines().any(|l| l.ends_with("bin/ls")).then_some((name, text))
        })
        .expect("a dpkg md5sums list names bin/ls");
    let status = std::fs::read_to_string("/var/lib/dpkg/status").unwrap();
    let record = status.split("\n\n").find(|p| p.starts_with(&format!("Package: {package}\n"))).expect("the package is installed");
    // The files the test images hold, and one they do not.
    let listed = md5sums.lines().filter(|l| ["ls", "dir", "vdir", "cat", "tac"].iter().any(|f| l.ends_with(&format!("bin/{f}"))));
    (package, format!("{record}\n"), listed.map(|l| format!("{l}\n")).collect())
}

fn read(path: &str) -> Vec<u8> {
    std::fs::read(path).unwrap()
}

/// Three layers that exercise every way a layer changes what is below it.
fn layers() -> Vec<Vec<u8>> {
    let (libc_path, libc) = libc();
    let (package, record, md5sums) = dpkg_record();
    let (record_path, md5sums_path) = (format!("var/lib/dpkg/status.d/{package}"), format!("var/lib/dpkg/status.d/{package}.md5sums"));
    let (ls, cat) = (read("/usr/bin/ls"), read("/usr/bin/cat"));
    let lib_dir = libc_path.rsplit_once('/').unwrap().0.to_string() + "/";
    let d = |path| Item::Dir { path, mode: 0o755 };
    let f = |path, data| Item::File { path, mode: 0o644, data };
    let x = |path, data| Item::File { path, mode: 0o755, data };
    let lower = oci::layer(&[
        d("etc/"),
        d("etc/old/"),
        f("etc/old/x", b"x"),
        f("etc/keep", b"keep"),
        f("etc/os-release", b"ID=debian\nVERSION_ID=\"13\"\n"),
        d("usr/"),
        d("usr/bin/"),
        x("usr/bin/ls", &ls),
        x("usr/bin/cat", &cat),
        Item::HardLink { path: "usr/bin/dir", target: "usr/bin/ls" },
        d("usr/lib/"),
        d(&lib_dir),
        x(&libc_path, &libc),
        Item::Symlink { path: "bin", target: "usr/bin" },
        Item::Symlink { path: "lib", target: "usr/lib" },
        d("usr/share/"),
        d("usr/share/doc/"),
        f("usr/share/doc/a.txt", b"a"),
        f("usr/share/doc/b.txt", b"b"),
        d("var/"),
        d("var/lib/"),
        d("var/lib/dpkg/"),
        d("var/lib/dpkg/status.d/"),
        f(&record_path, record.as_bytes()),
        f(&md5sums_path, md5sums.as_bytes()),
    ]);
    let middle = oci::layer(&[
        f("usr/share/doc/.wh.a.txt", b""),
        f("etc/old/.wh..wh..opq", b""),
        f("etc/old/new", b"new"),
        // An ELF file replaced by text: neither its facts nor its linking may survive.
        f("usr/bin/cat", b"cat is a text file now\n"),
        Item::Symlink { path: "etc/keep", target: "old/new" },
        // A whiteout beside an entry of the same name: it hides the lower layer's, this one stays.
        f("etc/.wh.keep", b""),
        f("etc/.wh.os-release", b""),
        f("etc/os-release", b"ID=debian\nVERSION_ID=\"13\"\n"),
        // A hard link to a file of the layer below.
        Item::HardLink { path: "usr/bin/vdir", target: "usr/bin/ls" },
    ]);
    let upper = oci::layer(&[
        // A directory replaced by a file hides everything below it.
        f("usr/share/doc", b"no docs"),
        Item::Dir { path: "usr/bin/", mode: 0o700 },
    ]);
    vec![lower, middle, upper]
}

/// An inventory document reduced to what does not depend on the order entries were read in.
fn canonical(format: Format, doc: &[u8]) -> Value {
    let doc: Value = serde_json::from_slice(doc).unwrap();
    let set = |v: &Value| -> BTreeSet<String> { v.as_array().unwrap().iter().map(|e| e.to_string()).collect() };
    match format {
        Format::Spdx => serde_json::json!({
            "files": set(&doc["files"]),
            "packages": set(&doc["packages"]),
            "relationships": set(&doc["relationships"]),
            "problems": doc["creationInfo"]["comment"],
        }),
        Format::Cyclonedx => serde_json::json!({
            "components": set(&doc["components"]),
            "dependencies": set(&doc["dependencies"]),
            "properties": doc["properties"],
        }),
    }
}

/// Asserts two canonical documents are equal, showing only what differs.
fn same(streamed: &Value, whole: &Value, what: &str) {
    for (key, value) in whole.as_object().unwrap() {
        let (a, b) = (&streamed[key], value);
        if a == b {
            continue;
        }
        match (a.as_array(), b.as_array()) {
            (Some(a), Some(b)) => {
                let only_streamed: Vec<&Value> = a.iter().filter(|e| !b.contains(e)).collect();
                let only_whole: Vec<&Value> = b.iter().filter(|e| !a.contains(e)).collect();
                panic!("{what}: {key} differ\nonly streamed: {only_streamed:#?}\nonly whole: {only_whole:#?}\nstreamed: {a:#?}\nwhole: {b:#?}");
            }
            _ => panic!("{what}: {key} differ\nstreamed: {a}\nwhole: {b}"),
        }
    }
}

fn whole(format: Format, input: &Path) -> Value {
    let images = source::open(input, &options()).unwrap();
    let mut out = Vec::new();
    inventory::write(format, "image", &images[..], &mut out).unwrap();
    canonical(format, &out)
}

fn streamed(format: Format, input: &Path) -> anyhow::Result<Value> {
    let opts = options();
    let opened = Opened::new(input, &opts)?;
    let source = Streamed::read(&opened, &opts)?;
    let mut out = Vec::new();
    inventory::write(format, "image", &source, &mut out)?;
    Ok(canonical(format, &out))
}

fn options() -> Options {
    let mut opts = Options::default();
    opts.limits.analysis = cning::content::Analysis { hash_all: true, hash_executables: true, crates: true, ..Default::default() };
    opts
}

fn files(doc: &Value) -> BTreeSet<String> {
    doc["files"].as_array().unwrap().iter().map(|f| serde_json::from_str::<Value>(f.as_str().unwrap()).unwrap()["fileName"].as_str().unwrap().to_string()).collect()
}

fn inputs(dir: &Path, layers: &[Vec<u8>]) -> Vec<PathBuf> {
    let image = oci::image("amd64", layers);
    let layout = dir.join("layout");
    image.write_layout(&layout);
    let oci_tar = dir.join("image.oci.tar");
    image.write_oci_archive(&oci_tar);
    let docker_tar = dir.join("image.docker.tar");
    image.write_docker_archive(&docker_tar, layers);
    vec![layout, oci_tar, docker_tar]
}

#[test]
fn streamed_inventories_of_layered_images_say_what_whole_ones_say() {
    let dir = tempfile::tempdir().unwrap();
    for input in inputs(dir.path(), &layers()) {
        for format in [Format::Spdx, Format::Cyclonedx] {
            same(&streamed(format, &input).unwrap(), &whole(format, &input), &format!("{} {format:?}", input.display()));
        }
        let spdx = streamed(Format::Spdx, &input).unwrap();
        let names = files(&spdx);
        for present in ["./usr/bin/ls", "./usr/bin/dir", "./usr/bin/vdir", "./usr/bin/cat", "./etc/old/new", "./usr/share/doc"] {
            assert!(names.contains(present), "{present} missing from {}: {names:?}", input.display());
        }
        for gone in ["./usr/share/doc/a.txt", "./usr/share/doc/b.txt", "./etc/old/x", "./etc/keep"] {
            assert!(!names.contains(gone), "{gone} listed from {}", input.display());
        }
        let text = spdx.to_string();
        let package = dpkg_record().0;
        // ls needs the C library, found through the image's own paths; cat no longer links.
        assert!(text.contains("libc.so.6 -> /usr/lib/"), "{}", input.display());
        assert!(text.contains(&format!("package={package}@")), "ls is tied to its package: {}", input.display());
    }
}

#[test]
fn streamed_inventories_of_directories_say_what_whole_ones_say() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rootfs");
    let (libc_path, libc) = libc();
    let (package, record, md5sums) = dpkg_record();
    let put = |path: &str, data: &[u8]| {
        let p = root.join(path);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(p, data).unwrap();
    };
    put("usr/bin/ls", &read("/usr/bin/ls"));
    put(&libc_path, &libc);
    put("usr/share/doc/coreutils/README", b"readme");
    put(&format!("var/lib/dpkg/status.d/{package}"), record.as_bytes());
    put(&format!("var/lib/dpkg/status.d/{package}.md5sums"), md5sums.as_bytes());
    put("etc/os-release", b"ID=debian\nVERSION_ID=\"13\"\n");
    std::fs::hard_link(root.join("usr/bin/ls"), root.join("usr/bin/dir")).unwrap();
    std::os::unix::fs::symlink("usr/bin", root.join("bin")).unwrap();
    std::os::unix::fs::symlink("usr/lib", root.join("lib")).unwrap();
    for format in [Format::Spdx, Format::Cyclonedx] {
        same(&streamed(format, &root).unwrap(), &whole(format, &root), &format!("{format:?}"));
    }
}

#[test]
fn a_layer_listing_a_path_twice_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let twice = vec![oci::layer(&[Item::File { path: "etc/motd", mode: 0o644, data: b"one" }, Item::File { path: "etc/motd", mode: 0o644, data: b"two" }])];
    for input in inputs(dir.path(), &twice) {
        let err = streamed(Format::Spdx, &input).unwrap_err();
        let message = format!("{err:#}");
        assert!(message.contains("lists /etc/motd twice"), "{}: {message}", input.display());
        // Refused while the skeleton is read: nothing of the document is written.
        let opts = options();
        let opened = Opened::new(&input, &opts).unwrap();
        assert!(Streamed::read(&opened, &opts).is_err(), "{}", input.display());
    }
}
