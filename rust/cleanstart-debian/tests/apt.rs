//! cleanstart-debian against apt and dpkg themselves, on the machine's real package indexes: every
//! index parses, versions order as `dpkg --compare-versions` orders them, and the closure of real
//! packages is the set `apt-get install --simulate` would install into an empty system.

use cleanstart_debian::apt;
use cleanstart_debian::index::Index;
use cleanstart_debian::resolve;
use cleanstart_debian::version::Version;
use std::collections::BTreeSet;
use std::process::Command;

/// The machine's own indexes (as apt lists them, decompressed by apt's helper).
fn index() -> Index {
    let targets = apt::targets(&[]).unwrap();
    assert!(!targets.is_empty(), "apt has no package indexes: run apt-get update");
    let texts: Vec<(String, String)> = targets
        .into_iter()
        .map(|t| {
            let text = apt::read(&t.filename).unwrap();
            (t.filename, text)
        })
        .collect();
    Index::parse(&apt::host_arch().unwrap(), texts.iter().map(|(f, t)| (f.as_str(), t.as_str()))).unwrap()
}

#[test]
#[ignore = "the machine's apt against whole Debian indexes; Bazel runs it, `cargo test -- --include-ignored` too"]
fn closures_equal_apts() {
    let index = index();
    assert!(index.len() > 50_000, "{} packages", index.len());
    let status = tempfile::NamedTempFile::new().unwrap();
    for root in ["curl", "nginx", "openssl", "python3-minimal", "coreutils"] {
        let ours: BTreeSet<(String, String)> = resolve::closure(&index, &[root]).unwrap().iter().map(|p| (p.name.clone(), p.version.to_string())).collect();
        let out = Command::new("apt-get")
            .args(["-s", "-q", "install", "--no-install-recommends", "-o", "Debug::NoLocking=1", "-o"])
            .arg(format!("Dir::State::status={}", status.path().display()))
            .arg(root)
            .output()
            .unwrap();
        assert!(out.status.success(), "apt-get -s install {root}: {}", String::from_utf8_lossy(&out.stderr));
        let apts: BTreeSet<(String, String)> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter_map(|l| l.strip_prefix("Inst "))
            .map(|l| {
                let mut words = l.split_whitespace();
                let name = words.next().unwrap().to_string();
                let version = words.next().unwrap().trim_start_matches('(').to_string();
                (name, version)
            })
            .collect();
        assert_eq!(ours, apts, "{root}: ours (left), apt's (right)");
        println!("{root}: {} packages, as apt", ours.len());
    }
}

#[test]
#[ignore = "the machine's apt against whole Debian indexes; Bazel runs it, `cargo test -- --include-ignored` too"]
fn versions_order_as_dpkg_orders_them() {
    let index = index();
    // Real versions of many shapes: one candidate per package, compared with a neighbour.
    let mut versions: Vec<String> = ["curl", "libc6", "openssl", "nginx", "python3-minimal", "coreutils", "tzdata", "libssl3", "zlib1g", "perl-base", "vim", "gcc-12", "systemd", "dpkg", "base-files", "ca-certificates"]
        .iter()
        .filter_map(|n| index.candidate(n))
        .map(|p| p.version.to_string())
        .collect();
    versions.extend(["1.0~rc1", "1.0", "1.0+b1", "1:0.1", "0.9-1~bpo12+1", "1.0-1.1", "1.00"].map(str::to_string));
    let mut compared = 0;
    for a in &versions {
        for b in &versions {
            let ours = a.parse::<Version>().unwrap().cmp(&b.parse::<Version>().unwrap());
            let lt = Command::new("dpkg").args(["--compare-versions", a, "lt", b]).status().unwrap().success();
            let eq = Command::new("dpkg").args(["--compare-versions", a, "eq", b]).status().unwrap().success();
            let theirs = if lt { std::cmp::Ordering::Less } else if eq { std::cmp::Ordering::Equal } else { std::cmp::Ordering::Greater };
            assert_eq!(ours, theirs, "{a} against {b}");
            compared += 1;
        }
    }
    assert!(compared > 400);
}
