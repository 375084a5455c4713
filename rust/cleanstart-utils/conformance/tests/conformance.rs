//! Conformance: the cases of `conformance/cases/*.toml` run against CSU and against the reference (GNU
//! coreutils and friends from `/usr/bin`, `bash` for shell scripts), comparing stdout (exactly),
//! the exit code (exactly) and whether stderr is empty. The same cases also run against Debian's
//! BusyBox (busybox-static), whose agreement with the reference is reported for context only.
//!
//! The test fails when a case differs without a `known_difference`, and when a case marked
//! `known_difference` matches after all, so the list of differences stays true. It prints a table
//! per utility (and writes it to `$TEST_UNDECLARED_OUTPUTS_DIR/conformance.md` under Bazel, to
//! `conformance.md` in cargo's target temp directory otherwise).
//!
//! Case format: see `conformance/README.md`.

use cleanstart_utils_conformance::cases::{load_cases, Case};
use cleanstart_utils_conformance::runner::{Sandbox, Tool, Toolset};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

/// Where the case files are: in the runfiles tree under Bazel (the test's working directory),
/// beside this crate's manifest under cargo.
fn cases_dir() -> PathBuf {
    let runfiles = Path::new("rust/cleanstart-utils/conformance/cases");
    if std::env::var_os("TEST_SRCDIR").is_some() && runfiles.is_dir() {
        return std::path::absolute(runfiles).expect("absolute path of the case directory");
    }
    Path::new(env!("CARGO_MANIFEST_DIR")).join("cases")
}

/// The directory holding every CSU binary. Under Bazel, `//rust/cleanstart-utils:utils_dir`
/// (every binary of the utilities' list, by its installed name). Under cargo, the profile's
/// directory (`target/debug`) where `cargo test --workspace` builds every member's binaries,
/// two levels above this test's own executable (`target/debug/deps/`).
fn csu_dir() -> PathBuf {
    if let Some(binaries) = option_env!("CONFORMANCE_CSU_BINARIES") {
        // Bazel shell-quotes paths with special characters (`'rust/cleanstart-utils/utils_dir/['`).
        let first = binaries.split(' ').next().expect("CONFORMANCE_CSU_BINARIES names a binary").trim_matches('\'');
        let dir = Path::new(first).parent().expect("a binary of utils_dir has a directory");
        return std::path::absolute(dir).expect("absolute path of the CSU directory");
    }
    let exe = std::env::current_exe().expect("path of the test executable");
    exe.parent().and_then(Path::parent).expect("the test runs from target/PROFILE/deps").to_path_buf()
}

/// The utilities' binaries as cargo builds them: the `src/bin/NAME.rs` of the members beside
/// this one (so `[`, built by cargo as `lbracket`, runs under Bazel only). Under cargo,
/// `target/debug` may hold stale binaries of utilities that are no longer (or not yet) sources,
/// and other members' programs; Bazel's `utils_dir` holds exactly the listed binaries.
fn csu_has(dir: &Path, utility: &str) -> bool {
    if !dir.join(utility).is_file() {
        return false;
    }
    if std::env::var_os("TEST_SRCDIR").is_some() {
        return true;
    }
    let members = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    std::fs::read_dir(&members)
        .map(|entries| entries.flatten().any(|e| e.path().join("src/bin").join(format!("{utility}.rs")).is_file()))
        .unwrap_or(false)
}

/// Debian's busybox-static: the Bazel data dependency when built by Bazel, else fetched with
/// testkit (apt); `None`, said aloud, when neither works.
fn busybox() -> Option<PathBuf> {
    if let Some(path) = option_env!("CONFORMANCE_BUSYBOX") {
        return Some(std::path::absolute(path).expect("absolute path of busybox"));
    }
    match std::panic::catch_unwind(|| testkit::debian::binary("busybox-static", "busybox")) {
        Ok(path) => Some(path),
        Err(_) => {
            println!("BusyBox figures are skipped: Debian's busybox-static could not be fetched (see the message above)");
            None
        }
    }
}

#[derive(Default)]
struct Tally {
    cases: usize,
    skipped: usize,
    csu_pass: usize,
    known: usize,
    busybox_run: usize,
    busybox_pass: usize,
}

#[test]
fn csu_agrees_with_the_reference() {
    let cases = load_cases(&cases_dir());
    assert!(cases.len() >= 150, "only {} conformance cases", cases.len());
    let scratch = tempfile::Builder::new()
        .prefix("conformance-")
        .tempdir_in(std::env::var_os("TEST_TMPDIR").map(PathBuf::from).unwrap_or_else(std::env::temp_dir))
        .expect("scratch directory");
    let csu_bin = csu_dir();
    // `cargo test -p cleanstart-utils-conformance` alone builds no utility: say so, not skip all.
    assert!(
        csu_has(&csu_bin, "ls") && csu_has(&csu_bin, "cat") && csu_has(&csu_bin, "sh"),
        "no CSU binaries in {}: run the suite with `cargo test --workspace` (which builds every member's binaries) or under Bazel",
        csu_bin.display()
    );
    let csu_names: Vec<String> = all_utilities(&cases).into_iter().filter(|u| csu_has(&csu_bin, u)).collect();
    let csu = Toolset::csu(&csu_bin, &csu_names, &scratch.path().join("csu-bin"), &scratch.path().join("csu-path"));
    let bb = busybox().map(|bin| Toolset::busybox(&bin, &scratch.path().join("busybox-path")));
    let reference = Toolset::reference();

    let mut tallies: BTreeMap<String, Tally> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut notes = Vec::new();
    let sandbox = Sandbox::new(scratch.path().join("runs"));
    for case in &cases {
        let tally = tallies.entry(case.utility.clone()).or_default();
        tally.cases += 1;
        if let Some(reason) = skip_reason(case, &csu_names, &reference) {
            tally.skipped += 1;
            notes.push(format!("SKIPPED {}: {reason}", case.id()));
            continue;
        }
        let expected = sandbox.run(case, &reference, Tool::Reference);
        let ours = sandbox.run(case, &csu, Tool::Csu);
        let agrees = ours.agrees_with(&expected);
        match (&case.known_difference, agrees) {
            (None, true) => tally.csu_pass += 1,
            (None, false) => failures.push(format!(
                "DIFFERS {}\n  $ {}\n{}",
                case.id(),
                case.command_line(),
                ours.explain(&expected)
            )),
            (Some(_), true) => failures.push(format!(
                "MATCHES {} although marked known_difference; remove the mark\n  $ {}\n{}",
                case.id(),
                case.command_line(),
                ours.explain(&expected)
            )),
            (Some(why), false) => {
                tally.known += 1;
                notes.push(format!("known difference {}: {why}", case.id()));
            }
        }
        if let Some(bb) = &bb {
            tally.busybox_run += 1;
            if !bb.has(&case.program()) {
                continue; // BusyBox has no such applet: counted as a disagreement
            }
            let theirs = sandbox.run(case, bb, Tool::Busybox);
            if theirs.agrees_with(&expected) {
                tally.busybox_pass += 1;
            }
        }
    }

    let table = render_table(&tallies, bb.is_some());
    println!("{}", notes.join("\n"));
    println!("\n{table}");
    write_report(&table, &notes);
    assert!(failures.is_empty(), "{} conformance failure(s):\n\n{}", failures.len(), failures.join("\n\n"));
}

fn all_utilities(cases: &[Case]) -> Vec<String> {
    let mut names: Vec<String> = cases.iter().flat_map(|c| [c.utility.clone(), c.program()]).collect();
    // Scripts call other utilities too: every utility with a case may shadow the system's.
    names.sort();
    names.dedup();
    names
}

fn skip_reason(case: &Case, csu_names: &[String], reference: &Toolset) -> Option<String> {
    for needed in [case.utility.clone(), case.program()] {
        if !csu_names.contains(&needed) {
            return Some(format!("binary missing: CSU has no `{needed}` yet (no src/bin/{needed}.rs built)"));
        }
    }
    if let (Some(why), Some(emulator)) = (&case.skip_under_emulator, std::env::var_os(testkit::EMULATOR_VAR)) {
        if !emulator.is_empty() {
            return Some(format!("CSU runs under {}: {why}", emulator.to_string_lossy()));
        }
    }
    if !reference.has(&case.reference_program()) {
        return Some(format!("reference missing: no `{}` in /usr/bin or /bin", case.reference_program()));
    }
    None
}

fn render_table(tallies: &BTreeMap<String, Tally>, with_busybox: bool) -> String {
    let mut out = String::from("| utility | cases | CSU pass | known differences | skipped | BusyBox pass |\n");
    out.push_str("| --- | --- | --- | --- | --- | --- |\n");
    let mut total = Tally::default();
    for (name, t) in tallies {
        let _ = writeln!(out, "{}", row(&format!("`{name}`"), t, with_busybox));
        total.cases += t.cases;
        total.skipped += t.skipped;
        total.csu_pass += t.csu_pass;
        total.known += t.known;
        total.busybox_run += t.busybox_run;
        total.busybox_pass += t.busybox_pass;
    }
    let _ = writeln!(out, "{}", row("**all**", &total, with_busybox));
    out
}

fn row(name: &str, t: &Tally, with_busybox: bool) -> String {
    let ran = t.cases - t.skipped;
    let busybox = if !with_busybox {
        "skipped (no busybox-static)".to_string()
    } else {
        ratio(t.busybox_pass, t.busybox_run)
    };
    format!("| {name} | {} | {} | {} | {} | {busybox} |", t.cases, ratio(t.csu_pass, ran), t.known, t.skipped)
}

fn ratio(pass: usize, of: usize) -> String {
    if of == 0 {
        return "n/a".to_string();
    }
    format!("{pass}/{of} ({:.0}%)", 100.0 * pass as f64 / of as f64)
}

fn write_report(table: &str, notes: &[String]) {
    let dir = std::env::var_os("TEST_UNDECLARED_OUTPUTS_DIR")
        .map(PathBuf::from)
        .or_else(|| option_env!("CARGO_TARGET_TMPDIR").map(PathBuf::from))
        .unwrap_or_else(std::env::temp_dir);
    let path = dir.join("conformance.md");
    let text = format!("# CSU conformance\n\n{table}\n```\n{}\n```\n", notes.join("\n"));
    match std::fs::write(&path, text) {
        Ok(()) => println!("table written to {}", path.display()),
        Err(e) => println!("could not write {}: {e}", path.display()),
    }
}
