//! The conformance cases: `conformance/cases/*.toml`, one file per utility or group of utilities.

use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct CaseFile {
    /// The utility of every case in the file that names none itself.
    utility: Option<String>,
    #[serde(default)]
    case: Vec<RawCase>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCase {
    name: String,
    utility: Option<String>,
    #[serde(default)]
    args: Vec<String>,
    script: Option<String>,
    stdin: Option<String>,
    #[serde(default)]
    files: BTreeMap<String, String>,
    #[serde(default)]
    dirs: Vec<String>,
    #[serde(default)]
    symlinks: BTreeMap<String, String>,
    #[serde(default)]
    modes: BTreeMap<String, String>,
    #[serde(default)]
    env: BTreeMap<String, String>,
    reference: Option<String>,
    known_difference: Option<String>,
    known_difference_on_musl: Option<String>,
    skip_under_emulator: Option<String>,
}

/// One case: a command line (or a shell script), the files it runs among, what it compares with.
#[derive(Debug, Clone)]
pub struct Case {
    /// The case file's stem, for messages.
    pub file: String,
    pub name: String,
    /// The utility under test (the table's row).
    pub utility: String,
    /// Run as `PROGRAM ARGS`, or with `script`, as `sh -c SCRIPT ARGS` (`bash -c` for the reference).
    pub args: Vec<String>,
    pub script: Option<String>,
    pub stdin: Option<Vec<u8>>,
    /// Paths relative to the run's fresh working directory.
    pub files: BTreeMap<String, String>,
    pub dirs: Vec<String>,
    /// Link path to link target.
    pub symlinks: BTreeMap<String, String>,
    /// Path to permission bits.
    pub modes: BTreeMap<String, u32>,
    pub env: BTreeMap<String, String>,
    /// The reference program in /usr/bin or /bin; by default the utility itself, `bash` for scripts.
    pub reference: Option<String>,
    /// Why CSU is expected to differ; the suite fails if it matches after all. From the file's
    /// `known_difference`, or from `known_difference_on_musl` when the utilities under test are
    /// musl builds (the images' binaries; this test is built for the same target as they are).
    pub known_difference: Option<String>,
    /// Why the case cannot hold when CSU runs under qemu-user (arm64 builds): the host's
    /// reference sees the host machine (`uname -m`), CSU processes are `qemu-aarch64`.
    pub skip_under_emulator: Option<String>,
}

impl Case {
    pub fn id(&self) -> String {
        format!("{}: {}", self.file, self.name)
    }

    /// The program CSU and BusyBox run: the utility, or `sh` for a script.
    pub fn program(&self) -> String {
        if self.script.is_some() { "sh".to_string() } else { self.utility.clone() }
    }

    pub fn reference_program(&self) -> String {
        match (&self.reference, &self.script) {
            (Some(r), _) => r.clone(),
            (None, Some(_)) => "bash".to_string(),
            (None, None) => self.utility.clone(),
        }
    }

    /// The arguments after the program name.
    pub fn argv(&self) -> Vec<String> {
        match &self.script {
            Some(script) => ["-c".to_string(), script.clone()].into_iter().chain(self.args.iter().cloned()).collect(),
            None => self.args.clone(),
        }
    }

    /// The command line, shell-quoted, for messages.
    pub fn command_line(&self) -> String {
        std::iter::once(self.program()).chain(self.argv()).map(|a| quote(&a)).collect::<Vec<_>>().join(" ")
    }
}

fn quote(arg: &str) -> String {
    if !arg.is_empty() && arg.chars().all(|c| c.is_ascii_alphanumeric() || "-_./=:,+%@".contains(c)) {
        arg.to_string()
    } else {
        format!("'{}'", arg.replace('\'', r"'\''"))
    }
}

fn invalid(path: &Path, case: &str, what: &str) -> ! {
    panic!("{}: case {case:?}: {what}", path.display())
}

/// Every case of every `*.toml` in `dir`, in file-name order. A malformed file fails the test,
/// naming the file and the problem.
pub fn load_cases(dir: &Path) -> Vec<Case> {
    let mut paths: Vec<_> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("cannot read the case directory {}: {e}", dir.display()))
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    let mut cases = Vec::new();
    for path in paths {
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
        let parsed: CaseFile = toml::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        let stem = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
        let mut names = std::collections::BTreeSet::new();
        for raw in parsed.case {
            if !names.insert(raw.name.clone()) {
                invalid(&path, &raw.name, "duplicate case name");
            }
            let Some(utility) = raw.utility.clone().or_else(|| parsed.utility.clone()) else {
                invalid(&path, &raw.name, "no utility (set it in the case or at the top of the file)");
            };
            let modes = raw
                .modes
                .iter()
                .map(|(p, m)| match u32::from_str_radix(m, 8) {
                    Ok(bits) if bits <= 0o7777 => (p.clone(), bits),
                    _ => invalid(&path, &raw.name, &format!("mode {m:?} of {p} is not octal permission bits")),
                })
                .collect();
            for p in raw.files.keys().chain(&raw.dirs).chain(raw.symlinks.keys()) {
                if p.starts_with('/') || p.split('/').any(|c| c == "..") {
                    invalid(&path, &raw.name, &format!("path {p:?} leaves the run's directory"));
                }
            }
            cases.push(Case {
                file: stem.clone(),
                name: raw.name.clone(),
                utility,
                args: raw.args,
                script: raw.script,
                stdin: raw.stdin.map(String::into_bytes),
                files: raw.files,
                dirs: raw.dirs,
                symlinks: raw.symlinks,
                modes,
                env: raw.env,
                reference: raw.reference,
                known_difference: raw
                    .known_difference
                    .or(raw.known_difference_on_musl.filter(|_| cfg!(target_env = "musl"))),
                skip_under_emulator: raw.skip_under_emulator,
            });
        }
    }
    cases
}
