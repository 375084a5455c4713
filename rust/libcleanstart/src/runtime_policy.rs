//! The runtime policy of a production image: what `cleanimg_init --policy FILE` starts, as whom,
//! and which executables it trusts. The file is written at build time (by `cleanimg_policy`, with
//! the digests of the image's own binaries) and baked into the image, so that nothing given at run
//! time can change what PID 1 runs.
//!
//! ```toml
//! entrypoint = "/app/demo-server"     # absolute path; must be listed in [[allow]]
//! args = ["--port", "8080"]           # argv[1..]; argv[0] is the entrypoint
//! env = { PATH = "/usr/bin:/app" }    # the child's environment, exactly ...
//! pass_env = ["TZ"]                   # ... plus these variables taken from the init's own
//! uid = 65532                         # uid and gid go together; supplementary groups are cleared
//! gid = 65532
//! umask = 0o022
//! no_new_privs = true                 # the default
//! process_group = true                # like -g: signals go to the child's process group
//! grace_seconds = 10                  # like --grace
//! writable = ["/tmp", "/dev"]         # if set: every read-write mount must be at or under one
//! allow_dir = "/etc/cleanimg/allow.d"  # more [[allow]] entries, one *.toml file per executable
//!
//! [[allow]]
//! path = "/app/demo-server"
//! sha256 = "64 lower-case hex digits"
//! ```
//!
//! `allow_dir` lets an image's layers each bring the entries of their own executables (a
//! development image's utilities, one per layer): updating one executable then changes one
//! layer, not the policy too. Its files hold `[[allow]]` entries only and are read in name order
//! when the policy is loaded; anything else in the directory is an error. The entrypoint's own
//! entry stays in the policy file.
//!
//! Unknown keys are errors, so a misspelt setting never silently falls back to a default. Every
//! error is one line naming the file, the line when known, and the key.

use crate::digest::is_sha256_hex;
use crate::io_message::io_message;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::fmt;
use std::io::Read;
use std::path::Path;

/// Where production images keep their runtime policy.
pub const DEFAULT_PATH: &str = "/etc/cleanimg/init.toml";

/// Policy files larger than this are refused unread: a real one is a few hundred bytes.
pub const MAX_SIZE: u64 = 1 << 20;

/// A parsed and validated runtime policy.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuntimePolicy {
    /// Absolute path of the program to start; it must have an [`Allowed`] entry.
    pub entrypoint: String,
    /// Its arguments after `argv[0]` (which is the entrypoint path).
    #[serde(default)]
    pub args: Vec<String>,
    /// The child's environment (nothing else is inherited, except [`RuntimePolicy::pass_env`]).
    #[serde(default)]
    pub env: BTreeMap<String, String>,
    /// Names of variables passed through from the init's own environment when set there.
    #[serde(default)]
    pub pass_env: Vec<String>,
    /// User id the entrypoint runs as (with [`RuntimePolicy::gid`]).
    pub uid: Option<u32>,
    /// Group id the entrypoint runs as (with [`RuntimePolicy::uid`]).
    pub gid: Option<u32>,
    /// File mode creation mask of the entrypoint, 0 to 0o777.
    pub umask: Option<u32>,
    /// Sets `PR_SET_NO_NEW_PRIVS`: no setuid bit or file capability can raise privileges again.
    #[serde(default = "yes")]
    pub no_new_privs: bool,
    /// Start the entrypoint in its own process group and signal the whole group.
    #[serde(default)]
    pub process_group: bool,
    /// After a SIGTERM, how long the entrypoint has to end before everything is SIGKILLed.
    pub grace_seconds: Option<u32>,
    /// When set, the only places that may be writable: every mount not mounted read-only must
    /// have its mount point at or under one of them (kernel pseudo-filesystems aside).
    pub writable: Option<Vec<String>>,
    /// A directory of further `[[allow]]` lists (`*.toml`), joined to [`RuntimePolicy::allow`]
    /// by [`load`].
    pub allow_dir: Option<String>,
    /// The executables the init trusts, with their digests.
    #[serde(default)]
    pub allow: Vec<Allowed>,
}

/// A file of `allow_dir`: `[[allow]]` entries only.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct AllowList {
    #[serde(default)]
    allow: Vec<Allowed>,
}

/// One trusted executable.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Allowed {
    /// Its absolute path in the image.
    pub path: String,
    /// SHA-256 of its content, 64 lower-case hex digits.
    pub sha256: String,
}

fn yes() -> bool {
    true
}

impl RuntimePolicy {
    /// The [`Allowed`] entry for `path` (compared as written, not canonicalised).
    pub fn allowed(&self, path: &str) -> Option<&Allowed> {
        self.allow.iter().find(|a| a.path == path)
    }
}

/// Why a policy file cannot be used. Displays as one line: `FILE[:LINE]: [KEY: ]problem`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyError {
    pub file: String,
    pub line: Option<usize>,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for PolicyError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
        }
        if let Some(key) = &self.key {
            write!(f, ": {key}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for PolicyError {}

/// Reads, parses and validates the policy at `path`, and the lists of its `allow_dir`.
pub fn load(path: &Path) -> Result<RuntimePolicy, PolicyError> {
    let file = path.display().to_string();
    let mut policy = parse(&read_capped(path)?, &file)?;
    if let Some(dir) = policy.allow_dir.clone() {
        let fail = |message: String| PolicyError { file: dir.clone(), line: None, key: None, message };
        let mut names = Vec::new();
        for entry in std::fs::read_dir(&dir).map_err(|e| fail(io_message(&e)))? {
            let entry = entry.map_err(|e| fail(io_message(&e)))?;
            names.push(entry.file_name());
        }
        names.sort();
        for name in names {
            let list = Path::new(&dir).join(&name);
            let shown = list.display().to_string();
            let is_file = std::fs::symlink_metadata(&list).map(|m| m.is_file()).unwrap_or(false);
            if !name.to_str().is_some_and(|n| n.ends_with(".toml")) || !is_file {
                return Err(PolicyError { file: shown, line: None, key: None, message: "not an allow list (a regular *.toml file)".into() });
            }
            let first = policy.allow.len();
            policy.allow.extend(parse_allow_list(&read_capped(&list)?, &shown)?);
            for i in first..policy.allow.len() {
                let a = &policy.allow[i];
                if policy.allow[..i].iter().any(|b| b.path == a.path) {
                    let key = format!("allow[{}].path", i - first);
                    return Err(PolicyError { file: shown, line: None, key: Some(key), message: format!("{} is listed twice", a.path) });
                }
            }
        }
    }
    Ok(policy)
}

/// The text of `path`, refused unread beyond [`MAX_SIZE`].
fn read_capped(path: &Path) -> Result<String, PolicyError> {
    let fail = |message: String| PolicyError { file: path.display().to_string(), line: None, key: None, message };
    let handle = std::fs::File::open(path).map_err(|e| fail(io_message(&e)))?;
    let mut text = String::new();
    handle.take(MAX_SIZE + 1).read_to_string(&mut text).map_err(|e| fail(io_message(&e)))?;
    if text.len() as u64 > MAX_SIZE {
        return Err(fail(format!("larger than {MAX_SIZE} bytes")));
    }
    Ok(text)
}

/// Parses and validates a file of `allow_dir` (`[[allow]]` entries only); `file` names it in
/// errors.
pub fn parse_allow_list(text: &str, file: &str) -> Result<Vec<Allowed>, PolicyError> {
    let list: AllowList = toml::from_str(text).map_err(|e| syntax_error(&e, text, file))?;
    validate_allowed(&list.allow).map_err(|(key, message)| PolicyError { file: file.to_string(), line: None, key: Some(key), message })?;
    Ok(list.allow)
}

/// Parses and validates policy `text`; `file` names it in errors.
pub fn parse(text: &str, file: &str) -> Result<RuntimePolicy, PolicyError> {
    let policy: RuntimePolicy = toml::from_str(text).map_err(|e| syntax_error(&e, text, file))?;
    validate(&policy).map_err(|(key, message)| PolicyError { file: file.to_string(), line: None, key: Some(key), message })?;
    Ok(policy)
}

/// toml's own message is several lines with a caret drawing; keep its first line, and point at the
/// line and key through the error's span.
fn syntax_error(e: &toml::de::Error, text: &str, file: &str) -> PolicyError {
    let message = e.message().lines().next().unwrap_or("invalid TOML").trim().to_string();
    let (line, key) = match e.span() {
        Some(span) if span.start < text.len() => {
            let line_no = text[..span.start].matches('\n').count() + 1;
            let line_text = text.lines().nth(line_no - 1).unwrap_or("");
            let key = line_text.split_once('=').map(|(k, _)| k.trim().to_string()).filter(|k| !k.is_empty() && !k.starts_with('['));
            (Some(line_no), key)
        }
        _ => (None, None),
    };
    PolicyError { file: file.to_string(), line, key, message }
}

type Invalid = (String, String);

fn invalid(key: impl Into<String>, message: impl Into<String>) -> Invalid {
    (key.into(), message.into())
}

fn validate(p: &RuntimePolicy) -> Result<(), Invalid> {
    check_absolute("entrypoint", &p.entrypoint)?;
    for (i, arg) in p.args.iter().enumerate() {
        check_no_nul(&format!("args[{i}]"), arg)?;
    }
    for (name, value) in &p.env {
        check_variable_name(&format!("env.{name}"), name)?;
        check_no_nul(&format!("env.{name}"), value)?;
    }
    for (i, name) in p.pass_env.iter().enumerate() {
        check_variable_name(&format!("pass_env[{i}]"), name)?;
    }
    match (p.uid, p.gid) {
        (Some(_), None) => return Err(invalid("uid", "set without gid (give both)")),
        (None, Some(_)) => return Err(invalid("gid", "set without uid (give both)")),
        _ => {}
    }
    if let Some(mask) = p.umask {
        if mask > 0o777 {
            return Err(invalid("umask", format!("{mask:#o} is not a mode mask (0 to 0o777)")));
        }
    }
    if let Some(paths) = &p.writable {
        for (i, path) in paths.iter().enumerate() {
            let key = format!("writable[{i}]");
            check_absolute(&key, path)?;
            if path.split('/').any(|c| c == "." || c == "..") || (path.len() > 1 && path.ends_with('/')) || path.contains("//") {
                return Err(invalid(key, format!("{path} is not a normalised path (no ., .., // or trailing /)")));
            }
        }
    }
    if let Some(dir) = &p.allow_dir {
        check_absolute("allow_dir", dir)?;
    }
    validate_allowed(&p.allow)?;
    if p.allowed(&p.entrypoint).is_none() {
        return Err(invalid("entrypoint", format!("{} has no [[allow]] entry", p.entrypoint)));
    }
    Ok(())
}

fn validate_allowed(allow: &[Allowed]) -> Result<(), Invalid> {
    for (i, a) in allow.iter().enumerate() {
        check_absolute(&format!("allow[{i}].path"), &a.path)?;
        if !is_sha256_hex(&a.sha256) {
            return Err(invalid(format!("allow[{i}].sha256"), format!("{:?} is not 64 lower-case hex digits", a.sha256)));
        }
        if allow[..i].iter().any(|b| b.path == a.path) {
            return Err(invalid(format!("allow[{i}].path"), format!("{} is listed twice", a.path)));
        }
    }
    Ok(())
}

fn check_absolute(key: &str, path: &str) -> Result<(), Invalid> {
    check_no_nul(key, path)?;
    if !path.starts_with('/') {
        return Err(invalid(key, format!("{path:?} is not an absolute path")));
    }
    Ok(())
}

fn check_no_nul(key: &str, value: &str) -> Result<(), Invalid> {
    if value.contains('\0') {
        return Err(invalid(key, "contains a NUL character"));
    }
    Ok(())
}

fn check_variable_name(key: &str, name: &str) -> Result<(), Invalid> {
    if name.is_empty() || name.contains('=') || name.contains('\0') {
        return Err(invalid(key, format!("{name:?} is not an environment variable name")));
    }
    Ok(())
}

/// Writes `text` as a TOML basic string (quotes included), for tools that generate policies.
pub fn toml_string(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIGEST: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    fn full() -> String {
        format!(
            r#"
entrypoint = "/app/server"
args = ["--port", "8080"]
env = {{ PATH = "/usr/bin:/app", LANG = "C.UTF-8" }}
pass_env = ["TZ"]
uid = 65532
gid = 65532
umask = 0o027
process_group = true
grace_seconds = 10
writable = ["/tmp", "/dev"]

[[allow]]
path = "/app/server"
sha256 = "{DIGEST}"
"#
        )
    }

    fn error(text: &str) -> String {
        parse(text, "init.toml").unwrap_err().to_string()
    }

    #[test]
    fn a_full_policy_parses() {
        let p = parse(&full(), "init.toml").unwrap();
        assert_eq!(p.entrypoint, "/app/server");
        assert_eq!(p.args, ["--port", "8080"]);
        assert_eq!(p.env.get("LANG").map(String::as_str), Some("C.UTF-8"));
        assert_eq!((p.uid, p.gid, p.umask), (Some(65532), Some(65532), Some(0o027)));
        assert!(p.no_new_privs, "no_new_privs defaults to true");
        assert!(p.process_group);
        assert_eq!(p.grace_seconds, Some(10));
        assert_eq!(p.writable.as_deref(), Some(&["/tmp".to_string(), "/dev".to_string()][..]));
        assert_eq!(p.allowed("/app/server").map(|a| a.sha256.as_str()), Some(DIGEST));
        assert!(p.allowed("/app/other").is_none());
    }

    #[test]
    fn the_minimal_policy_is_entrypoint_and_its_digest() {
        let p = parse(&format!("entrypoint = \"/bin/x\"\n[[allow]]\npath = \"/bin/x\"\nsha256 = \"{DIGEST}\"\n"), "f").unwrap();
        assert!(p.args.is_empty() && p.env.is_empty() && p.uid.is_none() && p.writable.is_none());
    }

    #[test]
    fn unknown_keys_are_refused_with_file_line_and_key() {
        let text = full().replace("umask = 0o027", "umsak = 0o027");
        assert_eq!(error(&text).lines().count(), 1);
        let e = error(&text);
        assert!(e.starts_with("init.toml:8: umsak: unknown field `umsak`"), "{e}");
        let text = full().replace(&format!("sha256 = \"{DIGEST}\""), &format!("sha256 = \"{DIGEST}\"\nsize = 3"));
        assert!(error(&text).contains("size: unknown field `size`"), "{}", error(&text));
    }

    #[test]
    fn wrong_types_name_the_key() {
        let e = error(&full().replace("uid = 65532", "uid = \"nonroot\""));
        assert!(e.starts_with("init.toml:6: uid: invalid type"), "{e}");
        let e = error(&full().replace("grace_seconds = 10", "grace_seconds = -1"));
        assert!(e.starts_with("init.toml:10: grace_seconds:"), "{e}");
    }

    #[test]
    fn missing_entrypoint_is_named() {
        let e = error(&format!("[[allow]]\npath = \"/bin/x\"\nsha256 = \"{DIGEST}\"\n"));
        assert!(e.contains("missing field `entrypoint`"), "{e}");
    }

    #[test]
    fn semantic_errors_name_the_key() {
        let cases = [
            ("entrypoint = \"/app/server\"", "entrypoint = \"server\"", "init.toml: entrypoint: \"server\" is not an absolute path"),
            ("uid = 65532\n", "", "init.toml: gid: set without uid (give both)"),
            ("umask = 0o027", "umask = 0o1777", "init.toml: umask: 0o1777 is not a mode mask (0 to 0o777)"),
            ("\"/dev\"]", "\"/dev/\"]", "init.toml: writable[1]: /dev/ is not a normalised path (no ., .., // or trailing /)"),
            ("[\"TZ\"]", "[\"A=B\"]", "init.toml: pass_env[0]: \"A=B\" is not an environment variable name"),
            (DIGEST, "abc", "init.toml: allow[0].sha256: \"abc\" is not 64 lower-case hex digits"),
            ("path = \"/app/server\"", "path = \"/app/other\"", "init.toml: entrypoint: /app/server has no [[allow]] entry"),
        ];
        for (from, to, expected) in cases {
            let text = full().replacen(from, to, 1);
            assert_eq!(error(&text), expected, "replacing {from:?} by {to:?}");
        }
        let twice = format!("{}\n[[allow]]\npath = \"/app/server\"\nsha256 = \"{DIGEST}\"\n", full());
        assert_eq!(error(&twice), "init.toml: allow[1].path: /app/server is listed twice");
    }

    #[test]
    fn load_names_the_file_and_caps_its_size() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("none.toml");
        assert_eq!(load(&missing).unwrap_err().to_string(), format!("{}: No such file or directory", missing.display()));
        let big = dir.path().join("big.toml");
        std::fs::write(&big, vec![b'#'; (MAX_SIZE + 10) as usize]).unwrap();
        assert!(load(&big).unwrap_err().to_string().ends_with("larger than 1048576 bytes"));
        let good = dir.path().join("init.toml");
        std::fs::write(&good, full()).unwrap();
        assert_eq!(load(&good).unwrap().entrypoint, "/app/server");
    }

    #[test]
    fn generated_strings_round_trip() {
        for s in ["/app/a b", "quote\"back\\slash", "tab\tnew\nline", "ünïcödé"] {
            let quoted = toml_string(&format!("/{s}"));
            let text = format!("entrypoint = {quoted}\n[[allow]]\npath = {quoted}\nsha256 = \"{DIGEST}\"\n");
            let p = parse(&text, "f").unwrap();
            assert_eq!(p.entrypoint, format!("/{s}"));
        }
    }

    #[test]
    fn allow_dir_lists_join_the_policy_in_name_order() {
        let dir = tempfile::tempdir().unwrap();
        let lists = dir.path().join("allow.d");
        std::fs::create_dir(&lists).unwrap();
        let policy = dir.path().join("init.toml");
        std::fs::write(&policy, format!("allow_dir = {}\n{}", toml_string(&lists.display().to_string()), full())).unwrap();
        let entry = |path: &str| format!("[[allow]]\npath = \"{path}\"\nsha256 = \"{DIGEST}\"\n");
        std::fs::write(lists.join("b.toml"), entry("/usr/bin/b")).unwrap();
        std::fs::write(lists.join("a.toml"), entry("/usr/bin/a")).unwrap();
        let p = load(&policy).unwrap();
        let paths: Vec<&str> = p.allow.iter().map(|a| a.path.as_str()).collect();
        assert_eq!(paths, ["/app/server", "/usr/bin/a", "/usr/bin/b"]);

        let shown = |name: &str| lists.join(name).display().to_string();
        std::fs::write(lists.join("c.toml"), entry("/usr/bin/a")).unwrap();
        assert_eq!(load(&policy).unwrap_err().to_string(), format!("{}: allow[0].path: /usr/bin/a is listed twice", shown("c.toml")));
        std::fs::write(lists.join("c.toml"), "entrypoint = \"/x\"\n").unwrap();
        assert!(load(&policy).unwrap_err().to_string().starts_with(&format!("{}:1: entrypoint: unknown field", shown("c.toml"))));
        std::fs::remove_file(lists.join("c.toml")).unwrap();
        std::fs::write(lists.join("notes.txt"), "").unwrap();
        assert_eq!(load(&policy).unwrap_err().to_string(), format!("{}: not an allow list (a regular *.toml file)", shown("notes.txt")));
        std::fs::remove_dir_all(&lists).unwrap();
        assert_eq!(load(&policy).unwrap_err().to_string(), format!("{}: No such file or directory", lists.display()));
        assert_eq!(error(&format!("allow_dir = \"rel\"\n{}", full())), "init.toml: allow_dir: \"rel\" is not an absolute path");
    }
}
