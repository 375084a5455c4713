//! The `cning` binary end to end, on real third-party binaries from Debian packages: BusyBox
//! (static and dynamic), toybox, GNU coreutils. Exit codes, rule ids, evidence, every input kind
//! and every output format, and hostile inputs.

use serde_json::Value;
use std::os::unix::fs::{symlink, FileTypeExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};
use testkit::debian;
use testkit::oci::{self, Item};

const CNING: &str = env!("CARGO_BIN_EXE_cning");

fn cning(args: &[&str]) -> Output {
    testkit::target_command(CNING).args(args).output().unwrap()
}

/// A policy allowing `allow` (paths or globs), written into `dir`.
fn policy(dir: &Path, allow: &[&str]) -> PathBuf {
    let mut text = String::from("name = \"test\"\n");
    for a in allow {
        text.push_str(&format!("[[allow]]\npath = \"{a}\"\n"));
    }
    let p = dir.join("policy.toml");
    std::fs::write(&p, text).unwrap();
    p
}

/// Runs `cning check --format json` and returns (exit code, parsed report).
fn check_json(policy: &Path, image: &Path, extra: &[&str]) -> (i32, Value) {
    let mut args = vec!["check", "--format", "json", "--policy", policy.to_str().unwrap()];
    args.extend_from_slice(extra);
    args.push(image.to_str().unwrap());
    let out = cning(&args);
    let code = out.status.code().unwrap();
    assert!(code != 2, "cning failed: {}", String::from_utf8_lossy(&out.stderr));
    (code, serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stdout))))
}

fn rules(report: &Value) -> Vec<(String, String)> {
    report["violations"].as_array().unwrap().iter().map(|v| (v["rule"].as_str().unwrap().to_string(), v["path"].as_str().unwrap().to_string())).collect()
}

fn has(report: &Value, rule: &str, path: &str) -> bool {
    rules(report).iter().any(|(r, p)| r == rule && p == path)
}

fn evidence(report: &Value, rule: &str, path: &str) -> String {
    report["violations"].as_array().unwrap().iter().find(|v| v["rule"] == rule && v["path"] == path).map(|v| v["evidence"].as_str().unwrap().to_string()).unwrap_or_default()
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::copy(from, to).unwrap();
}

#[test]
fn busybox_static_with_its_applet_links_is_caught() {
    let busybox = debian::binary("busybox-static", "busybox");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rootfs");
    copy(&busybox, &root.join("bin/busybox"));
    std::fs::create_dir_all(root.join("usr/bin")).unwrap();
    symlink("busybox", root.join("bin/ls")).unwrap();
    symlink("/bin/busybox", root.join("usr/bin/wc")).unwrap();
    symlink("../../bin/busybox", root.join("usr/bin/tail")).unwrap();
    let (code, report) = check_json(&policy(dir.path(), &[]), &root, &[]);
    assert_eq!(code, 1);
    assert!(has(&report, "busybox", "/bin/busybox"), "{report:#}");
    let ev = evidence(&report, "busybox", "/bin/busybox");
    assert!(ev.contains("banner \"BusyBox v1.") && ev.contains("applet table of") && ev.contains("offset 0x"), "{ev}");
    assert!(has(&report, "multicall", "/bin/busybox"));
    assert!(evidence(&report, "multicall", "/bin/busybox").contains("/usr/bin/tail"));
    assert!(has(&report, "not-allowed", "/bin/busybox"));
    assert!(!rules(&report).iter().any(|(r, _)| r == "dynamic-elf"), "busybox-static is static");
}

#[test]
fn a_renamed_busybox_in_an_odd_directory_is_caught_by_content() {
    let busybox = debian::binary("busybox-static", "busybox");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rootfs");
    copy(&busybox, &root.join("opt/.cache/x/helper"));
    let (code, report) = check_json(&policy(dir.path(), &["/opt/**"]), &root, &[]);
    assert_eq!(code, 1);
    assert_eq!(rules(&report), vec![("busybox".to_string(), "/opt/.cache/x/helper".to_string())]);
}

#[test]
fn a_hard_linked_busybox_install_is_one_finding_with_its_names() {
    let busybox = debian::binary("busybox-static", "busybox");
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rootfs");
    copy(&busybox, &root.join("bin/busybox"));
    for name in ["cat", "ls", "sh"] {
        std::fs::hard_link(root.join("bin/busybox"), root.join("bin").join(name)).unwrap();
    }
    let (_, report) = check_json(&policy(dir.path(), &["/bin/*"]), &root, &[]);
    let busybox_findings: Vec<_> = rules(&report).into_iter().filter(|(r, _)| r == "busybox").collect();
    assert_eq!(busybox_findings.len(), 1, "{report:#}");
    let path = &busybox_findings[0].1;
    assert!(evidence(&report, "busybox", path).contains("hard-linked as"));
    assert!(has(&report, "multicall", path));
}

#[test]
fn dynamic_busybox_and_toybox_are_caught_and_dynamic() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rootfs");
    copy(&debian::binary("busybox", "busybox"), &root.join("usr/bin/bb"));
    copy(&debian::binary("toybox", "toybox"), &root.join("usr/bin/tb"));
    let (code, report) = check_json(&policy(dir.path(), &["/usr/bin/*"]), &root, &[]);
    assert_eq!(code, 1);
    assert!(has(&report, "busybox", "/usr/bin/bb"));
    assert!(has(&report, "dynamic-elf", "/usr/bin/bb"));
    let ev = evidence(&report, "dynamic-elf", "/usr/bin/bb");
    assert!(ev.contains("PT_INTERP /lib64/ld-linux") && ev.contains("DT_NEEDED ") && ev.contains("libc.so.6"), "{ev}");
    assert!(has(&report, "toybox", "/usr/bin/tb"), "{report:#}");
    assert!(evidence(&report, "toybox", "/usr/bin/tb").contains("usage text"));
    assert!(has(&report, "dynamic-elf", "/usr/bin/tb"));
    assert!(!has(&report, "busybox", "/usr/bin/tb") && !has(&report, "toybox", "/usr/bin/bb"));
}

#[test]
fn a_gnu_coreutils_binary_is_dynamic_not_multicall() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rootfs");
    copy(&debian::binary("coreutils", "ls"), &root.join("bin/ls"));
    let (code, report) = check_json(&policy(dir.path(), &["/bin/ls"]), &root, &["--platform", "linux/arm64"]);
    assert_eq!(code, 1);
    let mut found: Vec<String> = rules(&report).into_iter().map(|(r, _)| r).collect();
    found.sort();
    assert_eq!(found, vec!["dynamic-elf", "foreign-arch"], "{report:#}");
    assert_eq!(report["violations"][0]["platform"], "linux/arm64");
}

#[test]
fn a_clean_tree_passes_and_unlisted_scripts_do_not() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rootfs");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/motd"), b"hello\n").unwrap();
    let (code, report) = check_json(&policy(dir.path(), &[]), &root, &[]);
    assert_eq!((code, report["passed"].as_bool()), (0, Some(true)), "{report:#}");
    std::fs::write(root.join("etc/run.sh"), b"#!/bin/sh\necho hi\n").unwrap();
    let (code, report) = check_json(&policy(dir.path(), &[]), &root, &[]);
    assert_eq!(code, 1);
    assert!(evidence(&report, "not-allowed", "/etc/run.sh").contains("#!/bin/sh script"));
}

fn busybox_layers() -> Vec<Vec<u8>> {
    let bb = std::fs::read(debian::binary("busybox-static", "busybox")).unwrap();
    vec![
        oci::layer(&[Item::Dir { path: "bin/", mode: 0o755 }, Item::File { path: "bin/busybox", mode: 0o755, data: &bb }, Item::Symlink { path: "bin/sh", target: "busybox" }]),
        oci::layer(&[Item::File { path: "bin/.wh.busybox", mode: 0o644, data: b"" }, Item::File { path: "bin/.wh.sh", mode: 0o644, data: b"" }]),
    ]
}

#[test]
fn oci_layers_apply_with_whiteouts_in_every_input_format() {
    let dir = tempfile::tempdir().unwrap();
    let pol = policy(dir.path(), &[]);
    // BusyBox added, then deleted by a later layer: nothing left to report.
    let layers = busybox_layers();
    let image = oci::image("amd64", &layers);
    let layout = dir.path().join("layout");
    image.write_layout(&layout);
    let (code, report) = check_json(&pol, &layout, &[]);
    assert_eq!(code, 0, "{report:#}");
    assert_eq!(report["checked"][0]["platform"], "linux/amd64");

    // Added back under another name by a third layer: caught, in the layout and in both archives.
    let bb = std::fs::read(debian::binary("busybox-static", "busybox")).unwrap();
    let mut layers = layers;
    layers.push(oci::layer(&[Item::File { path: "usr/local/lib/renamed", mode: 0o644, data: &bb }]));
    let image = oci::image("amd64", &layers);
    let layout = dir.path().join("layout2");
    image.write_layout(&layout);
    let oci_tar = dir.path().join("image.oci.tar");
    image.write_oci_archive(&oci_tar);
    let docker_tar = dir.path().join("image.docker.tar");
    image.write_docker_archive(&docker_tar, &layers);
    for input in [&layout, &oci_tar, &docker_tar] {
        let (code, report) = check_json(&pol, input, &[]);
        assert_eq!(code, 1, "{}", input.display());
        assert!(has(&report, "busybox", "/usr/local/lib/renamed"), "{}: {report:#}", input.display());
        assert!(!has(&report, "busybox", "/bin/busybox"), "whited-out file reported from {}", input.display());
    }
}

/// One line on stderr, naming `needle`, and exit code 2.
fn fails_cleanly(args: &[&str], needle: &str) {
    refused(args, &cning(args), needle);
}

/// `out` of `cning args` is exit code 2 with one line on stderr naming `needle`, and no report.
fn refused(args: &[&str], out: &Output, needle: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{args:?}: {err}");
    assert_eq!(err.trim_end().lines().count(), 1, "{args:?}: {err}");
    assert!(err.contains(needle), "{args:?}: expected {needle:?} in {err}");
    assert!(out.stdout.is_empty(), "no partial report on stdout");
}

#[test]
fn hostile_and_broken_inputs_are_exit_2_with_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let pol = policy(dir.path(), &[]);
    let pol = pol.to_str().unwrap();
    let image = oci::image("amd64", &busybox_layers());

    let corrupt = dir.path().join("corrupt");
    image.write_layout(&corrupt);
    let blob = corrupt.join("blobs/sha256").join(&image.layer_digests[0]);
    let mut bytes = std::fs::read(&blob).unwrap();
    let last = bytes.len() - 10;
    bytes[last] ^= 0xff;
    std::fs::write(&blob, &bytes).unwrap();
    fails_cleanly(&["check", "--policy", pol, corrupt.to_str().unwrap()], &format!("layer sha256:{}", image.layer_digests[0]));

    // Same length, still valid JSON: only the digest check can notice.
    let edited = dir.path().join("edited");
    image.write_layout(&edited);
    let config = edited.join("blobs/sha256").join(&image.config.0);
    let text = std::fs::read_to_string(&config).unwrap().replace("\"linux\"", "\"linuz\"");
    std::fs::write(&config, text).unwrap();
    fails_cleanly(&["check", "--policy", pol, edited.to_str().unwrap()], "content does not match its digest");

    let missing = dir.path().join("missing");
    image.write_layout(&missing);
    std::fs::remove_file(missing.join("blobs/sha256").join(&image.layer_digests[1])).unwrap();
    fails_cleanly(&["check", "--policy", pol, missing.to_str().unwrap()], "missing blob");

    // A blob that is a symlink leaving the layout is refused unless explicitly allowed.
    let outside = dir.path().join("outside");
    image.write_layout(&outside);
    let moved = dir.path().join("elsewhere.blob");
    let b = outside.join("blobs/sha256").join(&image.layer_digests[1]);
    std::fs::rename(&b, &moved).unwrap();
    symlink(&moved, &b).unwrap();
    fails_cleanly(&["check", "--policy", pol, outside.to_str().unwrap()], "leaves the layout");
    let out = cning(&["check", "--follow-external-blobs", "--policy", pol, outside.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    // A layout presented as a directory of symlinks to the real one (Bazel's sandbox does this):
    // its blobs resolve into the real layout, where its index.json lives, so they are inside it.
    let real = dir.path().join("real");
    image.write_layout(&real);
    let mirrored = dir.path().join("mirrored");
    std::fs::create_dir_all(mirrored.join("blobs/sha256")).unwrap();
    for name in ["oci-layout", "index.json"] {
        symlink(real.join(name), mirrored.join(name)).unwrap();
    }
    for blob in std::fs::read_dir(real.join("blobs/sha256")).unwrap() {
        let blob = blob.unwrap().path();
        symlink(&blob, mirrored.join("blobs/sha256").join(blob.file_name().unwrap())).unwrap();
    }
    let out = cning(&["check", "--policy", pol, mirrored.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));

    let huge = dir.path().join("huge");
    image.write_layout(&huge);
    std::fs::write(huge.join("index.json"), vec![b' '; 9 << 20]).unwrap();
    fails_cleanly(&["check", "--policy", pol, huge.to_str().unwrap()], "cap");

    let truncated = dir.path().join("truncated.tar");
    image.write_oci_archive(&truncated);
    let bytes = std::fs::read(&truncated).unwrap();
    std::fs::write(&truncated, &bytes[..bytes.len() / 3]).unwrap();
    fails_cleanly(&["check", "--policy", pol, truncated.to_str().unwrap()], "truncated.tar");

    let not_image = dir.path().join("notes.txt");
    std::fs::write(&not_image, b"just text").unwrap();
    fails_cleanly(&["check", "--policy", pol, not_image.to_str().unwrap()], "notes.txt: not a tar archive, not an image");
    // A program given as IMAGE is named as what it is.
    fails_cleanly(&["check", "--policy", pol, "/bin/sh"], "/bin/sh: an ELF file, not an image");
    fails_cleanly(&["check", "--policy", pol, "/nonexistent/image"], "/nonexistent/image: cannot read");

    let bad_policy = dir.path().join("bad.toml");
    std::fs::write(&bad_policy, "linking = \"static\"\nallow_suid = true\n").unwrap();
    fails_cleanly(&["check", "--policy", bad_policy.to_str().unwrap(), corrupt.to_str().unwrap()], "bad.toml:2: unknown field `allow_suid`");
}

#[test]
fn output_files_are_complete_or_absent() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rootfs");
    copy(&debian::binary("busybox-static", "busybox"), &root.join("bin/busybox"));
    let pol = policy(dir.path(), &[]);
    let sarif = dir.path().join("report.sarif");
    let junit = dir.path().join("report.xml");
    let out = cning(&[
        "check", "--format", "sarif", "--output", sarif.to_str().unwrap(), "--junit", junit.to_str().unwrap(),
        "--policy", pol.to_str().unwrap(), root.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(out.stdout.is_empty());
    let v: Value = serde_json::from_slice(&std::fs::read(&sarif).unwrap()).unwrap();
    assert_eq!(v["version"], "2.1.0");
    assert!(v["runs"][0]["results"].as_array().unwrap().iter().any(|r| r["ruleId"] == "busybox"));
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(xml.contains(r#"<testcase name="busybox" classname="cning.rootfs" time="0">"#), "{xml}");
    // An unwritable destination is an error that leaves nothing behind.
    let nowhere = dir.path().join("no/such/dir/report.json");
    let out = cning(&["check", "--output", nowhere.to_str().unwrap(), "--policy", pol.to_str().unwrap(), root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!nowhere.exists());
    let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().filter_map(Result::ok).filter(|e| e.file_name().to_string_lossy().starts_with(".tmp")).collect();
    assert!(leftovers.is_empty());
}

#[test]
fn inventories_list_every_file_with_digest_and_linkage() {
    let dir = tempfile::tempdir().unwrap();
    let layers = busybox_layers();
    let image = oci::image("amd64", &layers[..1]);
    let layout = dir.path().join("layout");
    image.write_layout(&layout);
    let out = testkit::target_command(CNING).args(["inventory", "--format", "spdx", layout.to_str().unwrap()]).env("SOURCE_DATE_EPOCH", "0").output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let spdx: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(spdx["spdxVersion"], "SPDX-2.3");
    assert_eq!(spdx["creationInfo"]["created"], "1970-01-01T00:00:00Z");
    let file = spdx["files"].as_array().unwrap().iter().find(|f| f["fileName"] == "./bin/busybox").expect("busybox listed");
    let bb = std::fs::read(debian::binary("busybox-static", "busybox")).unwrap();
    let sha: String = sha2::Digest::finalize(<sha2::Sha256 as sha2::Digest>::new_with_prefix(&bb)).iter().map(|b| format!("{b:02x}")).collect();
    assert!(file["checksums"].as_array().unwrap().iter().any(|c| c["algorithm"] == "SHA256" && c["checksumValue"] == sha.as_str()));
    assert!(file["comment"].as_str().unwrap().contains("linkage=static"));
    let again = testkit::target_command(CNING).args(["inventory", "--format", "spdx", layout.to_str().unwrap()]).env("SOURCE_DATE_EPOCH", "0").output().unwrap();
    assert_eq!(out.stdout, again.stdout, "inventories are deterministic");

    let out = cning(&["inventory", "--format", "cyclonedx", layout.to_str().unwrap()]);
    let cdx: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(cdx["specVersion"], "1.6");
    let link = cdx["components"].as_array().unwrap().iter().find(|c| c["name"] == "/bin/sh").expect("symlink listed");
    assert!(link["properties"].as_array().unwrap().iter().any(|p| p["name"] == "cning:symlink-target" && p["value"] == "busybox"));
}

/// A real static binary with a crate list added the way tools/auditable.bzl adds one to
/// CleanStart's binaries.
fn busybox_with_crates(section: &[u8]) -> Vec<u8> {
    let bb = std::fs::read(debian::binary("busybox-static", "busybox")).unwrap();
    cleanstart_auditable::elf::add_section(&bb, cleanstart_auditable::format::SECTION, section).unwrap()
}

#[test]
fn inventories_list_the_crates_of_rust_binaries() {
    use cleanstart_auditable::format::{encode, Kind, Package, Source, VersionInfo, FORMAT};
    let package = |name: &str, version: &str, source, kind| Package { name: name.into(), version: version.into(), source, kind, dependencies: vec![], root: false };
    let list = VersionInfo {
        format: FORMAT,
        packages: vec![
            package("tool", "0.1.0", Source::Local, Kind::Runtime),
            package("anyhow", "1.0.104", Source::CratesIo, Kind::Runtime),
            package("serde_derive", "1.0.229", Source::CratesIo, Kind::Build),
        ],
    };
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rootfs");
    copy_bytes(&busybox_with_crates(&encode(&list).unwrap()), &root.join("bin/tool"));
    copy_bytes(&busybox_with_crates(b"\x78\x9cnot really zlib"), &root.join("bin/broken"));
    copy(&debian::binary("busybox-static", "busybox"), &root.join("bin/plain"));

    let out = cning(&["inventory", "--format", "spdx", root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let spdx: Value = serde_json::from_slice(&out.stdout).unwrap();
    let file = |name: &str| spdx["files"].as_array().unwrap().iter().find(|f| f["fileName"] == name).unwrap_or_else(|| panic!("{name} listed")).clone();
    let (tool, broken, plain) = (file("./bin/tool"), file("./bin/broken"), file("./bin/plain"));
    assert!(tool["comment"].as_str().unwrap().ends_with(" crates=2"), "{tool}");
    assert!(broken["comment"].as_str().unwrap().contains(" crates=unreadable (.dep-v0: "), "{broken}");
    assert!(!plain["comment"].as_str().unwrap().contains("crates="), "{plain}");
    let related: Vec<&str> = spdx["relationships"].as_array().unwrap().iter()
        .filter(|r| r["spdxElementId"] == tool["SPDXID"] && r["relationshipType"] == "GENERATED_FROM")
        .map(|r| r["relatedSpdxElement"].as_str().unwrap()).collect();
    let packages: Vec<&Value> = spdx["packages"].as_array().unwrap().iter().filter(|p| related.contains(&p["SPDXID"].as_str().unwrap())).collect();
    let mut names: Vec<(&str, &str)> = packages.iter().map(|p| (p["name"].as_str().unwrap(), p["versionInfo"].as_str().unwrap())).collect();
    names.sort();
    assert_eq!(names, [("anyhow", "1.0.104"), ("tool", "0.1.0")], "build-time crates are not in the binary");
    let anyhow = packages.iter().find(|p| p["name"] == "anyhow").unwrap();
    assert_eq!(anyhow["externalRefs"][0]["referenceLocator"], "pkg:cargo/anyhow@1.0.104");

    // The same from an OCI layout (files read from the layer stream, not by position).
    let bytes = std::fs::read(root.join("bin/tool")).unwrap();
    let image = oci::image("amd64", &[oci::layer(&[Item::File { path: "bin/tool", mode: 0o755, data: &bytes }])]);
    let layout = dir.path().join("layout");
    image.write_layout(&layout);
    let out = cning(&["inventory", "--format", "cyclonedx", layout.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    let cdx: Value = serde_json::from_slice(&out.stdout).unwrap();
    let lib = cdx["components"].as_array().unwrap().iter().find(|c| c["name"] == "anyhow").expect("anyhow component");
    assert_eq!(lib["type"], "library");
    assert_eq!(lib["purl"], "pkg:cargo/anyhow@1.0.104");
    let deps = cdx["dependencies"].as_array().unwrap();
    let tool_deps = deps.iter().find(|d| d["ref"].as_str().unwrap().ends_with(":/bin/tool")).expect("the binary's dependencies");
    assert!(tool_deps["dependsOn"].as_array().unwrap().iter().any(|r| r == &lib["bom-ref"]));
}

/// Little-endian ELF64 fields of a copy of a real binary, for crafting hostile variants.
struct Elf64(Vec<u8>);

impl Elf64 {
    fn new(bytes: Vec<u8>) -> Elf64 {
        assert_eq!(&bytes[..6], b"\x7fELF\x02\x01", "fixture must be ELF64 little-endian");
        Elf64(bytes)
    }
    fn u16(&self, at: usize) -> u16 {
        u16::from_le_bytes(self.0[at..at + 2].try_into().unwrap())
    }
    fn u32(&self, at: usize) -> u32 {
        u32::from_le_bytes(self.0[at..at + 4].try_into().unwrap())
    }
    fn u64(&self, at: usize) -> u64 {
        u64::from_le_bytes(self.0[at..at + 8].try_into().unwrap())
    }
    fn put_u16(&mut self, at: usize, v: u16) {
        self.0[at..at + 2].copy_from_slice(&v.to_le_bytes());
    }
    fn put_u32(&mut self, at: usize, v: u32) {
        self.0[at..at + 4].copy_from_slice(&v.to_le_bytes());
    }
    fn put_u64(&mut self, at: usize, v: u64) {
        self.0[at..at + 8].copy_from_slice(&v.to_le_bytes());
    }
    /// File offsets of the section headers.
    fn sections(&self) -> Vec<usize> {
        let (shoff, shnum) = (self.u64(0x28) as usize, self.u16(0x3c) as usize);
        (0..shnum).map(|i| shoff + i * 64).collect()
    }
    fn section_name_at(&self, header: usize) -> usize {
        let strtab = self.sections()[self.u16(0x3e) as usize];
        self.u64(strtab + 24) as usize + self.u32(header) as usize
    }
    fn section(&self, name: &str) -> usize {
        let wanted = format!("{name}\0");
        *self.sections().iter().find(|h| self.0[self.section_name_at(**h)..].starts_with(wanted.as_bytes())).unwrap_or_else(|| panic!("no {name} section"))
    }
    /// File offsets of the program headers.
    fn segments(&self) -> Vec<usize> {
        let (phoff, phnum) = (self.u64(0x20) as usize, self.u16(0x38) as usize);
        (0..phnum).map(|i| phoff + i * 56).collect()
    }
}

const SHF_EXECINSTR: u64 = 4;
const PF_X: u32 = 1;

/// BusyBox variants whose section headers are missing, damaged or lying. cning reads only the
/// loaded data that consistent section headers do not call code; each of these must still be
/// caught, in a directory and in a layer, because then the headers are not trusted.
#[test]
fn busybox_with_missing_or_lying_section_headers_is_still_caught() {
    let original = std::fs::read(debian::binary("busybox-static", "busybox")).unwrap();
    let mut variants: Vec<(&str, Vec<u8>)> = Vec::new();

    let mut e = Elf64::new(original.clone());
    e.put_u64(0x28, 0);
    e.put_u16(0x3c, 0);
    e.put_u16(0x3e, 0);
    variants.push(("no-section-headers", e.0));

    let mut e = Elf64::new(original.clone());
    e.put_u64(0x28, 0);
    variants.push(("section-offset-zeroed", e.0));

    let mut e = Elf64::new(original.clone());
    let text = e.section(".text");
    let into_code = e.u64(text + 24) + 0x1000;
    e.put_u64(0x28, into_code);
    variants.push(("section-headers-point-into-code", e.0));

    let mut e = Elf64::new(original.clone());
    let rodata = e.section(".rodata");
    e.put_u64(rodata + 8, e.u64(rodata + 8) | SHF_EXECINSTR);
    variants.push(("rodata-flagged-as-code", e.0));

    let mut e = Elf64::new(original.clone());
    let name = e.section_name_at(e.section(".rodata"));
    e.0[name..name + 8].copy_from_slice(b".text\0\0\0");
    variants.push(("rodata-named-text", e.0));

    let mut e = Elf64::new(original.clone());
    let rodata = e.section(".rodata");
    e.put_u32(rodata + 4, 8); // SHT_NOBITS: "holds no file bytes"
    variants.push(("rodata-claims-no-bytes", e.0));

    let mut e = Elf64::new(original.clone());
    let text = e.section(".text");
    let rodata = e.section(".rodata");
    let (addr, offset) = (e.u64(text + 16), e.u64(text + 24));
    e.put_u64(rodata + 16, addr + 64);
    e.put_u64(rodata + 24, offset + 64);
    variants.push(("rodata-header-moved-over-code", e.0));

    let mut e = Elf64::new(original.clone());
    e.put_u16(0x3c, 0xfff0);
    variants.push(("section-table-past-the-end", e.0));

    let dir = tempfile::tempdir().unwrap();
    let pol = policy(dir.path(), &["/opt/**"]);
    let root = dir.path().join("rootfs");
    let mut items = Vec::new();
    for (name, bytes) in &variants {
        let path = root.join("opt").join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
    }
    let paths: Vec<String> = variants.iter().map(|(name, _)| format!("opt/{name}")).collect();
    for ((_, bytes), path) in variants.iter().zip(&paths) {
        items.push(Item::File { path, mode: 0o755, data: bytes });
    }
    let layout = dir.path().join("layout");
    oci::image("amd64", &[oci::layer(&items)]).write_layout(&layout);

    for input in [&root, &layout] {
        let (code, report) = check_json(&pol, input, &[]);
        assert_eq!(code, 1, "{}", input.display());
        for (name, _) in &variants {
            let path = format!("/opt/{name}");
            let ev = evidence(&report, "busybox", &path);
            assert!(ev.contains("applet table of") && ev.contains("banner"), "{}: {path} not caught: {report:#}", input.display());
        }
        // A section table outside the file is malformed, as it was when goblin parsed whole files.
        assert!(has(&report, "invalid-elf", "/opt/section-table-past-the-end"), "{report:#}");
        assert_eq!(rules(&report).iter().filter(|(r, _)| r == "invalid-elf").count(), 1, "{report:#}");
    }
}

/// The one evasion the default search leaves open, documented by a test: read-only data moved
/// into an executable segment with its section flagged as code, so that the headers agree. The
/// default search skips it as code; `--scan-whole-files` reads every byte and catches it.
#[test]
fn busybox_with_data_forged_as_code_needs_scan_whole_files() {
    let mut e = Elf64::new(std::fs::read(debian::binary("busybox-static", "busybox")).unwrap());
    let rodata = e.section(".rodata");
    let (start, end) = (e.u64(rodata + 24), e.u64(rodata + 24) + e.u64(rodata + 32));
    for segment in e.segments() {
        let (offset, size) = (e.u64(segment + 8), e.u64(segment + 32));
        if e.u32(segment) == 1 && offset <= start && end <= offset + size {
            e.put_u32(segment + 4, e.u32(segment + 4) | PF_X);
        }
    }
    for section in e.sections() {
        let (offset, size) = (e.u64(section + 24), e.u64(section + 32));
        let inside = e.u32(section + 4) != 8 && e.u64(section + 8) & 2 != 0 && size > 0;
        if inside && offset >= start && offset < start + 0x60000 && e.u64(section + 8) & 1 == 0 {
            e.put_u64(section + 8, e.u64(section + 8) | SHF_EXECINSTR);
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("rootfs");
    copy_bytes(&e.0, &root.join("opt/forged"));
    let pol = policy(dir.path(), &["/opt/**"]);
    let (_, report) = check_json(&pol, &root, &[]);
    assert!(!has(&report, "busybox", "/opt/forged"), "the default search reads this after all; update regions.rs docs: {report:#}");
    let (code, report) = check_json(&pol, &root, &["--scan-whole-files"]);
    assert_eq!(code, 1);
    assert!(evidence(&report, "busybox", "/opt/forged").contains("applet table of"), "{report:#}");
}

fn copy_bytes(bytes: &[u8], to: &Path) {
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::write(to, bytes).unwrap();
}

// ---------------------------------------------------------------------------------------------
// What --output, --junit and IMAGE may name. Device nodes are made in temporary directories,
// never the machine's own: a test that went wrong must not break the machine's /dev/null.

/// Runs cning with `stdin` (and `feed` written to it, when given), killed after `secs`: an input or
/// output that makes it wait fails the test instead of hanging it.
fn cning_within(args: &[&str], stdin: Stdio, feed: Option<Vec<u8>>, secs: u64) -> Output {
    let mut child = testkit::target_command(CNING).args(args).stdin(stdin).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
    if let (Some(bytes), Some(mut pipe)) = (feed, child.stdin.take()) {
        // cning may exit without reading: the write then fails, which is no test failure.
        std::thread::spawn(move || std::io::Write::write_all(&mut pipe, &bytes));
    }
    let deadline = Instant::now() + Duration::from_secs(secs);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("cning {args:?} still running after {secs} s");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

/// A root filesystem with one unlisted script: checked quickly, with one violation (exit 1).
fn small_rootfs(dir: &Path) -> PathBuf {
    let root = dir.join("rootfs");
    std::fs::create_dir_all(root.join("etc")).unwrap();
    std::fs::write(root.join("etc/run.sh"), b"#!/bin/sh\necho hi\n").unwrap();
    root
}

/// The JSON report of `small_rootfs`, or a panic saying what `bytes` are instead.
fn assert_small_rootfs_report(bytes: &[u8]) {
    let report: Value = serde_json::from_slice(bytes).unwrap_or_else(|e| panic!("{e}: {:?}", String::from_utf8_lossy(bytes)));
    assert!(has(&report, "not-allowed", "/etc/run.sh"), "{report:#}");
}

/// `cning check --format json --output OUT` of `small_rootfs`, arguments as strings.
fn check_to(flag: &str, out: &Path, pol: &Path, image: &Path) -> Vec<String> {
    ["check", "--format", "json", flag, out.to_str().unwrap(), "--policy", pol.to_str().unwrap(), image.to_str().unwrap()].map(String::from).to_vec()
}

fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

/// Names in `dir` that look like cning's temporary files.
fn leftovers(dir: &Path) -> Vec<String> {
    std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).filter(|n| n.starts_with(".tmp")).collect()
}

fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success(), "mkfifo {}", path.display());
}

/// True when this test runs as root (the owner of a file it creates), which making device nodes
/// needs; otherwise it says which check is skipped.
fn root_or_skip(dir: &Path, what: &str) -> bool {
    let probe = dir.join(".uid-probe");
    std::fs::write(&probe, b"").unwrap();
    let uid = std::fs::metadata(&probe).unwrap().uid();
    std::fs::remove_file(&probe).unwrap();
    if uid != 0 {
        println!("skipped: {what} (making device nodes needs root, this runs as uid {uid})");
    }
    uid == 0
}

/// A device node `kind` (`c` or `b`) MAJOR:MINOR made in `dir`. None, saying why, when not root.
fn device_node(dir: &Path, name: &str, kind: &str, major: u32, minor: u32) -> Option<PathBuf> {
    if !root_or_skip(dir, &format!("{name}, a {kind} device node")) {
        return None;
    }
    let node = dir.join(name);
    let out = Command::new("mknod").arg(&node).arg(kind).arg(major.to_string()).arg(minor.to_string()).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    // Root inside a sandbox's user namespace (Bazel's) lacks CAP_MKNOD: the host's cargo test
    // runs these checks.
    if !out.status.success() && err.contains("Operation not permitted") {
        println!("skipped: {name}, a {kind} device node (mknod is not permitted here: {})", err.trim());
        return None;
    }
    assert!(out.status.success(), "mknod {} {kind} {major} {minor} as root: {err}", node.display());
    Some(node)
}

#[test]
fn output_to_a_regular_file_is_replaced_atomically_with_mode_0644() {
    let dir = tempfile::tempdir().unwrap();
    let (root, pol) = (small_rootfs(dir.path()), policy(dir.path(), &[]));
    let report = dir.path().join("report.json");
    let out = cning(&strs(&check_to("--output", &report, &pol, &root)));
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty());
    assert_small_rootfs_report(&std::fs::read(&report).unwrap());
    assert_eq!(std::fs::metadata(&report).unwrap().mode() & 0o7777, 0o644);

    // Replaced by a rename, not rewritten in place: whoever holds the old file still reads it whole.
    std::fs::write(&report, b"previous report\n").unwrap();
    std::fs::set_permissions(&report, std::fs::Permissions::from_mode(0o600)).unwrap();
    let mut old = std::fs::File::open(&report).unwrap();
    let old_inode = old.metadata().unwrap().ino();
    let out = cning(&strs(&check_to("--output", &report, &pol, &root)));
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    let meta = std::fs::symlink_metadata(&report).unwrap();
    assert!(meta.is_file() && meta.ino() != old_inode, "a new file renamed over the old one");
    assert_eq!(meta.mode() & 0o7777, 0o644);
    assert_small_rootfs_report(&std::fs::read(&report).unwrap());
    let mut was = String::new();
    std::io::Read::read_to_string(&mut old, &mut was).unwrap();
    assert_eq!(was, "previous report\n");
    assert_eq!(leftovers(dir.path()), Vec::<String>::new());
}

#[test]
fn output_through_a_symlink_writes_where_it_points_and_keeps_the_link() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (root, pol) = (small_rootfs(d), policy(d, &[]));
    std::fs::create_dir(d.join("reports")).unwrap();
    std::fs::write(d.join("reports/latest.json"), b"previous").unwrap();
    let is_link_to = |link: &str, target: &str| {
        std::fs::symlink_metadata(d.join(link)).unwrap().file_type().is_symlink() && std::fs::read_link(d.join(link)).unwrap() == Path::new(target)
    };

    symlink("reports/latest.json", d.join("latest")).unwrap();
    for flag in ["--output", "--junit"] {
        let out = cning(&strs(&check_to(flag, &d.join("latest"), &pol, &root)));
        assert_eq!(out.status.code(), Some(1), "{flag}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(is_link_to("latest", "reports/latest.json"), "{flag} replaced the link");
        let written = std::fs::read_to_string(d.join("reports/latest.json")).unwrap();
        assert!(written.contains("not-allowed") && written.contains("/etc/run.sh"), "{flag}: {written}");
        assert_eq!(std::fs::metadata(d.join("reports/latest.json")).unwrap().mode() & 0o7777, 0o644);
    }

    // A dangling link creates its target, as the shell's `>` does.
    symlink("reports/new.json", d.join("dangling")).unwrap();
    let out = cning(&strs(&check_to("--output", &d.join("dangling"), &pol, &root)));
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(is_link_to("dangling", "reports/new.json"));
    assert_small_rootfs_report(&std::fs::read(d.join("reports/new.json")).unwrap());

    // ... unless the target's directory is missing, or the link leads to a directory.
    symlink("nowhere/new.json", d.join("lost")).unwrap();
    let lost = format!("{0}/lost: resolves to {0}/nowhere/new.json, cannot write: no directory {0}/nowhere", d.display());
    fails_cleanly(&strs(&check_to("--output", &d.join("lost"), &pol, &root)), &lost);
    assert!(is_link_to("lost", "nowhere/new.json") && !d.join("nowhere").exists());
    symlink("reports", d.join("to-dir")).unwrap();
    fails_cleanly(&strs(&check_to("--output", &d.join("to-dir"), &pol, &root)), &format!("resolves to {}/reports, a directory;", d.display()));
    assert!(is_link_to("to-dir", "reports") && std::fs::symlink_metadata(d.join("reports")).unwrap().is_dir());
    assert_eq!((leftovers(d), leftovers(&d.join("reports"))), (vec![], vec![]));
}

#[test]
fn output_to_a_character_device_is_written_through_not_replaced() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // The null device, made here: whatever reaches it is discarded, like /dev/null's.
    let Some(null) = device_node(d, "null", "c", 1, 3) else { return };
    let (root, pol) = (small_rootfs(d), policy(d, &[]));
    let before = std::fs::symlink_metadata(&null).unwrap();
    symlink(&null, d.join("sink")).unwrap();
    let runs = [check_to("--output", &null, &pol, &root), check_to("--junit", &null, &pol, &root), check_to("--output", &d.join("sink"), &pol, &root)];
    for args in &runs {
        let out = cning(&strs(args));
        assert_eq!(out.status.code(), Some(1), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
        let after = std::fs::symlink_metadata(&null).unwrap();
        assert!(after.file_type().is_char_device(), "{args:?} replaced the device node");
        assert_eq!((after.ino(), after.rdev()), (before.ino(), before.rdev()), "{args:?}");
        assert!(std::fs::symlink_metadata(d.join("sink")).unwrap().file_type().is_symlink());
    }
    let out = cning(&["inventory", "--output", null.to_str().unwrap(), root.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty() && std::fs::symlink_metadata(&null).unwrap().file_type().is_char_device());
    assert_eq!(leftovers(d), Vec::<String>::new());
}

#[test]
fn output_to_a_fifo_reaches_its_reader() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (root, pol) = (small_rootfs(d), policy(d, &[]));
    let fifo = d.join("fifo");
    mkfifo(&fifo);
    let (tx, rx) = std::sync::mpsc::channel();
    let reader = fifo.clone();
    // Left blocked if cning never opens the FIFO; the deadline below fails the test then.
    std::thread::spawn(move || tx.send(std::fs::read(reader).unwrap()));
    let out = cning_within(&strs(&check_to("--output", &fifo, &pol, &root)), Stdio::null(), None, 120);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(out.stdout.is_empty());
    let got = rx.recv_timeout(Duration::from_secs(30)).expect("the reader received the report");
    assert_small_rootfs_report(&got);
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO is still a FIFO");
    assert_eq!(leftovers(d), Vec::<String>::new());
}

#[test]
fn output_that_cannot_take_a_report_is_refused_before_the_image_is_read() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pol = policy(d, &[]);
    // No image there: a message about the output shows it was checked first.
    let no_image = d.join("no-image");
    let socket = d.join("socket");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let mut cases = vec![
        (d.to_path_buf(), format!("{}: a directory;", d.display())),
        (d.join("no/such/dir/report.json"), format!("{}: cannot write: no directory", d.join("no/such/dir/report.json").display())),
        (socket.clone(), format!("{}: a socket;", socket.display())),
    ];
    // A loop device's node: never opened, refused from its type alone.
    let block = device_node(d, "loop", "b", 7, 0);
    if let Some(node) = &block {
        cases.push((node.clone(), format!("{}: a block device;", node.display())));
    }
    for (path, needle) in &cases {
        for flag in ["--output", "--junit"] {
            fails_cleanly(&strs(&check_to(flag, path, &pol, &no_image)), needle);
        }
        fails_cleanly(&["inventory", "--output", path.to_str().unwrap(), no_image.to_str().unwrap()], needle);
    }
    assert!(std::fs::symlink_metadata(&socket).unwrap().file_type().is_socket());
    if let Some(node) = &block {
        assert!(std::fs::symlink_metadata(node).unwrap().file_type().is_block_device());
    }
    assert!(!d.join("no").exists());

    // When the check cannot run, nothing is written: the old report stays, no new one appears.
    let report = d.join("report.json");
    std::fs::write(&report, b"previous").unwrap();
    let mut args = check_to("--output", &report, &pol, &no_image);
    args.splice(1..1, ["--junit".to_string(), d.join("new.xml").to_str().unwrap().to_string()]);
    fails_cleanly(&strs(&args), &format!("{}: cannot read", no_image.display()));
    assert_eq!(std::fs::read(&report).unwrap(), b"previous");
    assert!(!d.join("new.xml").exists());
    assert_eq!(leftovers(d), Vec::<String>::new());
}

#[test]
fn an_image_that_is_a_pipe_socket_or_device_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let pol = policy(d, &[]);
    let check = |image: &Path| ["check", "--policy", pol.to_str().unwrap(), image.to_str().unwrap()].map(String::from).to_vec();

    // Nobody writes to this FIFO: opening it would wait forever.
    let fifo = d.join("fifo");
    mkfifo(&fifo);
    let args = check(&fifo);
    refused(&strs(&args), &cning_within(&strs(&args), Stdio::null(), None, 60), &format!("{}: cannot be seeked (a pipe or FIFO)", fifo.display()));
    let socket = d.join("socket");
    let _listener = std::os::unix::net::UnixListener::bind(&socket).unwrap();
    let args = check(&socket);
    refused(&strs(&args), &cning_within(&strs(&args), Stdio::null(), None, 60), &format!("{}: a socket, not an image", socket.display()));
    if let Some(null) = device_node(d, "null", "c", 1, 3) {
        let args = check(&null);
        refused(&strs(&args), &cning_within(&strs(&args), Stdio::null(), None, 60), &format!("{}: a character device, not an image", null.display()));
    }

    // An archive piped in: /dev/stdin leads to the pipe, which cannot be seeked, whatever it carries.
    let archive = d.join("image.oci.tar");
    oci::image("amd64", &[oci::layer(&[Item::File { path: "etc/motd", mode: 0o644, data: b"hello\n" }])]).write_oci_archive(&archive);
    let args = check(Path::new("/dev/stdin"));
    let out = cning_within(&strs(&args), Stdio::piped(), Some(std::fs::read(&archive).unwrap()), 60);
    refused(&strs(&args), &out, "/dev/stdin: cannot be seeked (a pipe or FIFO); cning reads archives by position, so save the archive to a regular file");
    // The same archive behind /dev/stdin as a regular file is read and passes.
    let out = cning_within(&strs(&args), Stdio::from(std::fs::File::open(&archive).unwrap()), None, 120);
    assert_eq!(out.status.code(), Some(0), "{}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn output_to_dev_stdout_goes_through_the_descriptor() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let (root, pol) = (small_rootfs(d), policy(d, &[]));
    let args = check_to("--output", Path::new("/dev/stdout"), &pol, &root);
    // A pipe.
    let out = cning_within(&strs(&args), Stdio::null(), None, 120);
    assert_eq!(out.status.code(), Some(1), "{}", String::from_utf8_lossy(&out.stderr));
    assert_small_rootfs_report(&out.stdout);
    // A file the caller already wrote to, as `{ echo header; cning ...; } > log` makes: appended
    // to, neither truncated nor renamed over.
    let log = d.join("log");
    std::fs::write(&log, b"header\n").unwrap();
    let mut stdout = std::fs::OpenOptions::new().write(true).open(&log).unwrap();
    std::io::Seek::seek(&mut stdout, std::io::SeekFrom::End(0)).unwrap();
    let inode = stdout.metadata().unwrap().ino();
    let mut child = testkit::target_command(CNING).args(&args).stdout(stdout).stderr(Stdio::piped()).spawn().unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(1));
    let written = std::fs::read(&log).unwrap();
    assert!(written.starts_with(b"header\n"), "{}", String::from_utf8_lossy(&written));
    assert_small_rootfs_report(&written[b"header\n".len()..]);
    assert_eq!(std::fs::metadata(&log).unwrap().ino(), inode);
    assert_eq!(leftovers(d), Vec::<String>::new());
}
