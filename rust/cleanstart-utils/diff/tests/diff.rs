//! `diff` against GNU diff (C locale) on the same files: same stdout, same exit code, stderr
//! present or not alike. Beyond the conformance cases: many generated file pairs in every
//! format and ignore option (the hunks must be GNU's, not just any minimal script), large
//! files where the search gives up on a minimal script, and unreadable directories.

use std::path::Path;
use std::process::{Command, Output};

const CSU: &str = env!("CARGO_BIN_EXE_diff");
const GNU: &str = "/usr/bin/diff";

fn run(ours: bool, dir: &Path, args: &[&str]) -> Output {
    let mut c = if ours { testkit::target_command(CSU) } else { Command::new(GNU) };
    c.current_dir(dir).env("LC_ALL", "C").env("TZ", "UTC").args(args).output().unwrap()
}

fn same(dir: &Path, args: &[&str]) {
    let (ours, gnu) = (run(true, dir, args), run(false, dir, args));
    let context = || {
        let read = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_default();
        format!("{args:?} on a={:?} b={:?}", read("a"), read("b"))
    };
    assert_eq!(String::from_utf8_lossy(&ours.stdout), String::from_utf8_lossy(&gnu.stdout), "stdout for {}", context());
    assert_eq!(ours.status.code(), gnu.status.code(), "exit code for {}", context());
    assert_eq!(ours.stderr.is_empty(), gnu.stderr.is_empty(), "stderr presence for {}", context());
}


/// A small linear congruential generator: the same inputs on every run, no extra crate.
struct Lcg(u64);

impl Lcg {
    fn below(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
        ((self.0 >> 33) % n as u64) as usize
    }
}

/// Lines chosen so that case, white space, blank lines and `.` all occur.
const WORDS: &[&str] = &["a", "b", "c", "A", "a ", " a", "", "x  y", "x y", ".", "\t", "B"];

fn generated_pair(rng: &mut Lcg) -> (String, String) {
    let from: Vec<&str> = (0..rng.below(25)).map(|_| WORDS[rng.below(WORDS.len())]).collect();
    let mut to = from.clone();
    for _ in 0..rng.below(7) {
        match rng.below(3) {
            0 if !to.is_empty() => {
                let at = rng.below(to.len());
                to.remove(at);
            }
            1 if !to.is_empty() => {
                let at = rng.below(to.len());
                to[at] = WORDS[rng.below(WORDS.len())];
            }
            _ => {
                let at = rng.below(to.len() + 1);
                to.insert(at, WORDS[rng.below(WORDS.len())]);
            }
        }
    }
    let mut join = |lines: &[&str]| {
        let mut text = lines.join("\n");
        // Now and then the last line lacks its newline.
        if !lines.is_empty() && rng.below(6) != 0 {
            text.push('\n');
        }
        text
    };
    (join(&from), join(&to))
}

#[test]
fn generated_pairs_give_gnus_hunks_in_every_format() {
    if !testkit::reference_present(GNU) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut rng = Lcg(4);
    let option_sets: &[&[&str]] = &[
        &[],
        &["-u"],
        &["-c"],
        &["-e"],
        &["-U1"],
        &["-C0"],
        &["-w"],
        &["-b"],
        &["-i"],
        &["-B"],
        &["-Bw", "-u"],
        &["-iw", "-c"],
        &["-Z"],
    ];
    for _ in 0..60 {
        let (from, to) = generated_pair(&mut rng);
        std::fs::write(d.join("a"), from).unwrap();
        std::fs::write(d.join("b"), to).unwrap();
        for options in option_sets {
            let mut args = options.to_vec();
            args.extend(["a", "b"]);
            same(d, &args);
        }
    }
}

#[test]
fn large_files_split_where_gnu_gives_up_on_a_minimal_script() {
    if !testkit::reference_present(GNU) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let mut rng = Lcg(7);
    // Two unrelated files: the edit distance is far above GNU's give-up point (4096 steps).
    let mut lines = |n: usize| (0..n).map(|_| format!("{}\n", rng.below(300))).collect::<String>();
    std::fs::write(d.join("a"), lines(12_000)).unwrap();
    std::fs::write(d.join("b"), lines(12_000)).unwrap();
    same(d, &["a", "b"]);
    // Related files with many repeated lines: lines matching very many others are set aside.
    let base: Vec<String> = (0..5_000).map(|i| format!("{}\n", if i % 3 == 0 { 0 } else { i % 97 })).collect();
    let mut changed = base.clone();
    for _ in 0..300 {
        let at = rng.below(changed.len());
        changed[at] = format!("new {}\n", rng.below(50));
    }
    std::fs::write(d.join("a"), base.concat()).unwrap();
    std::fs::write(d.join("b"), changed.concat()).unwrap();
    same(d, &["-u", "a", "b"]);
}

#[test]
fn trees_with_unreadable_parts_are_compared_as_far_as_they_go() {
    use std::os::unix::fs::PermissionsExt;
    if !testkit::reference_present(GNU) {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    for (path, text) in [("d1/a/f", "1\n"), ("d2/a/f", "2\n"), ("d1/locked/x", "x\n"), ("d2/locked/x", "y\n"), ("d1/z", "z\n"), ("d2/z", "Z\n")] {
        std::fs::create_dir_all(d.join(path).parent().unwrap()).unwrap();
        std::fs::write(d.join(path), text).unwrap();
    }
    std::fs::set_permissions(d.join("d1/locked"), std::fs::Permissions::from_mode(0o000)).unwrap();
    // As root the directory stays readable; both must still agree.
    same(d, &["-r", "d1", "d2"]);
    same(d, &["-ru", "d1", "d2"]);
    std::fs::set_permissions(d.join("d1/locked"), std::fs::Permissions::from_mode(0o755)).unwrap();
}
