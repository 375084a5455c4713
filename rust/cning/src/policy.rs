//! Policies: what an image may contain. TOML files, documented in `policy/README.md`.
//!
//! ```toml
//! name = "prod"
//! linking = "static"            # "static" | "resolved" | "any" (see Linking)
//! dlopen = []                   # globs of libraries loaded at run time (linking = "resolved")
//! allow_setuid = false
//! allow_world_writable = false
//! multicall_max_names = 2       # more names than this for one executable: multicall
//!
//! [[allow]]
//! path = "/usr/bin/cleanimg_init"   # an exact path or a glob (`*` stays within one directory)
//! sha256 = "…"                      # optional pin of the file's content
//! ```

use anyhow::{anyhow, bail, Context, Result};
use globset::{Glob, GlobBuilder, GlobMatcher};
use serde::Deserialize;
use std::path::Path;

/// Policy files are small; a larger file is a mistake or an attack.
const MAX_POLICY_BYTES: u64 = 1 << 20;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    name: Option<String>,
    description: Option<String>,
    /// Replaced by `linking`; kept only to say so.
    static_only: Option<toml::Value>,
    #[serde(default)]
    linking: Linking,
    #[serde(default)]
    dlopen: Vec<String>,
    #[serde(default)]
    allow_setuid: bool,
    #[serde(default)]
    allow_world_writable: bool,
    #[serde(default = "default_multicall_max_names")]
    multicall_max_names: u32,
    #[serde(default)]
    allow: Vec<RawAllow>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAllow {
    path: String,
    sha256: Option<String>,
}

fn default_multicall_max_names() -> u32 {
    2
}

/// What dynamic linking an image may have.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Linking {
    /// Every ELF file static: program interpreters, needed libraries and shared libraries are
    /// `dynamic-elf` violations.
    #[default]
    Static,
    /// Dynamic linking allowed where the loader would find everything inside the image
    /// (`interpreter-missing`, `library-missing`), and every shared library is loaded by some
    /// executable or named by `dlopen` (`library-unused`).
    Resolved,
    /// No check of linking.
    Any,
}

/// One allow-list entry.
#[derive(Debug, Clone)]
pub struct Allow {
    pub pattern: String,
    matcher: GlobMatcher,
    pub sha256: Option<String>,
}

/// A parsed, validated policy.
#[derive(Debug, Clone)]
pub struct Policy {
    pub name: String,
    pub description: Option<String>,
    pub linking: Linking,
    /// Libraries that programs load at run time (`dlopen`): used, and their needs must resolve.
    pub dlopen: Vec<GlobMatcher>,
    pub allow_setuid: bool,
    pub allow_world_writable: bool,
    /// An executable reached by more names (hard links and symlinks) than this is multi-call.
    pub multicall_max_names: u32,
    pub allow: Vec<Allow>,
}

impl Policy {
    /// Reads and validates a policy file. Errors are one line: `FILE:LINE: problem`.
    pub fn load(path: &Path) -> Result<Policy> {
        let meta = std::fs::metadata(path).with_context(|| format!("{}: cannot read policy", path.display()))?;
        if meta.len() > MAX_POLICY_BYTES {
            bail!("{}: policy file is {} bytes, over the {MAX_POLICY_BYTES} byte limit", path.display(), meta.len());
        }
        let text = std::fs::read_to_string(path).with_context(|| format!("{}: cannot read policy", path.display()))?;
        Policy::parse(&text).map_err(|e| anyhow!("{}:{e}", path.display()))
    }

    /// Parses policy text. Errors are `LINE: problem` (prefixed with the file name by `load`).
    pub fn parse(text: &str) -> Result<Policy, String> {
        let raw: RawPolicy = toml::from_str(text).map_err(|e| {
            let line = e.span().map_or(1, |s| text[..s.start.min(text.len())].matches('\n').count() + 1);
            format!("{line}: {}", e.message().trim())
        })?;
        let line_of = |needle: &str| text.find(needle).map_or(1, |i| text[..i].matches('\n').count() + 1);
        if raw.static_only.is_some() {
            return Err(format!(
                "{}: static_only is replaced by linking: write linking = \"static\" for static_only = true, linking = \"any\" for false, or linking = \"resolved\" to admit dynamic linking that resolves inside the image",
                line_of("static_only")
            ));
        }
        let glob = |pattern: &str, key: &str| {
            if !pattern.starts_with('/') {
                return Err(format!("{}: {key}: {pattern:?} is not an absolute path", line_of(pattern)));
            }
            GlobBuilder::new(pattern).literal_separator(true).build().map(|g: Glob| g.compile_matcher()).map_err(|e| format!("{}: {key}: {e}", line_of(pattern)))
        };
        let dlopen = raw.dlopen.iter().enumerate().map(|(i, p)| glob(p, &format!("dlopen[{i}]"))).collect::<Result<Vec<_>, _>>()?;
        if !dlopen.is_empty() && raw.linking != Linking::Resolved {
            return Err(format!("{}: dlopen: only used with linking = \"resolved\"", line_of("dlopen")));
        }
        let mut allow = Vec::with_capacity(raw.allow.len());
        for (i, entry) in raw.allow.into_iter().enumerate() {
            let key = format!("allow[{i}]");
            let matcher = glob(&entry.path, &format!("{key}.path"))?;
            if let Some(sum) = &entry.sha256 {
                if sum.len() != 64 || !sum.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(format!("{}: {key}.sha256: expected 64 hex digits, got {sum:?}", line_of(sum)));
                }
            }
            allow.push(Allow { pattern: entry.path, matcher, sha256: entry.sha256.map(|s| s.to_ascii_lowercase()) });
        }
        if raw.multicall_max_names == 0 {
            return Err(format!("{}: multicall_max_names: must be at least 1", line_of("multicall_max_names")));
        }
        Ok(Policy {
            name: raw.name.unwrap_or_else(|| "policy".into()),
            description: raw.description,
            linking: raw.linking,
            dlopen,
            allow_setuid: raw.allow_setuid,
            allow_world_writable: raw.allow_world_writable,
            multicall_max_names: raw.multicall_max_names,
            allow,
        })
    }

    /// The first allow-list entry matching `path`, if any.
    pub fn allowed(&self, path: &str) -> Option<&Allow> {
        self.allow.iter().find(|a| a.matcher.is_match(path))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_policy_parses() {
        let p = Policy::parse(
            "name = \"prod\"\nlinking = \"static\"\n\n[[allow]]\npath = \"/usr/bin/cleanimg_init\"\nsha256 = \"AB".to_string().as_str(),
        );
        assert!(p.is_err()); // unterminated string
        let sum = "ab".repeat(32);
        let p = Policy::parse(&format!(
            "name = \"prod\"\n[[allow]]\npath = \"/usr/bin/cleanimg_init\"\nsha256 = \"{sum}\"\n[[allow]]\npath = \"/app/*\"\n"
        ))
        .unwrap();
        assert_eq!(p.name, "prod");
        assert!(p.linking == Linking::Static && !p.allow_setuid && !p.allow_world_writable);
        assert_eq!(p.allowed("/usr/bin/cleanimg_init").unwrap().sha256.as_deref(), Some(sum.as_str()));
        assert!(p.allowed("/app/server").is_some());
        assert!(p.allowed("/app/sub/server").is_none(), "* must not cross directories");
        assert!(p.allowed("/bin/sh").is_none());
    }

    #[test]
    fn static_only_is_refused_naming_linking() {
        let err = Policy::parse("name = \"old\"\nstatic_only = false\n").unwrap_err();
        assert!(err.starts_with("2: static_only is replaced by linking: write linking = \"static\""), "{err}");
        let p = Policy::parse("linking = \"resolved\"\ndlopen = [\"/usr/lib/*/gconv/*.so\"]\n").unwrap();
        assert_eq!(p.linking, Linking::Resolved);
        assert!(p.dlopen[0].is_match("/usr/lib/x86_64-linux-gnu/gconv/UTF-16.so"));
        assert!(!p.dlopen[0].is_match("/usr/lib/x86_64-linux-gnu/gconv/sub/UTF-16.so"));
        assert_eq!(Policy::parse("").unwrap().linking, Linking::Static);
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_key_and_line() {
        let err = Policy::parse("name = \"x\"\nlinkng = \"any\"\n").unwrap_err();
        assert!(err.starts_with("2: unknown field `linkng`"), "{err}");
        let err = Policy::parse("linking = \"dynamic\"\n").unwrap_err();
        assert!(err.starts_with("1: unknown variant `dynamic`, expected one of `static`, `resolved`, `any`"), "{err}");
        let err = Policy::parse("dlopen = [\"/usr/lib/*.so\"]\n").unwrap_err();
        assert_eq!(err, "1: dlopen: only used with linking = \"resolved\"");
        let err = Policy::parse("linking = \"resolved\"\ndlopen = [\"lib/*.so\"]\n").unwrap_err();
        assert_eq!(err, "2: dlopen[0]: \"lib/*.so\" is not an absolute path");
        let err = Policy::parse("[[allow]]\npath = \"/bin/x\"\nsha = \"1\"\n").unwrap_err();
        assert!(err.contains("unknown field `sha`"), "{err}");
        let err = Policy::parse("[[allow]]\npath = \"bin/x\"\n").unwrap_err();
        assert_eq!(err, "2: allow[0].path: \"bin/x\" is not an absolute path");
        let err = Policy::parse("[[allow]]\npath = \"/x\"\nsha256 = \"abc\"\n").unwrap_err();
        assert_eq!(err, "3: allow[0].sha256: expected 64 hex digits, got \"abc\"");
        let err = Policy::parse("allow_setuid = \"yes\"\n").unwrap_err();
        assert!(err.starts_with("1: invalid type"), "{err}");
        assert!(!err.contains('\n'), "one line: {err}");
    }

    /// The policies the repository's images use must parse (Bazel passes them as compile data).
    #[test]
    fn repository_policies_parse() {
        let prod = Policy::parse(include_str!("../../../policy/prod.toml")).unwrap();
        assert_eq!(prod.name, "prod");
        assert!(prod.allowed("/usr/bin/cleanimg_init").is_some());
        assert!(prod.allowed("/usr/bin/sh").is_none(), "prod has no shell");
        let dev = Policy::parse(include_str!("../../../policy/dev.toml")).unwrap();
        assert!(dev.allowed("/usr/bin/sh").is_some());
        assert_eq!((prod.multicall_max_names, dev.multicall_max_names), (1, 1));
    }

    #[test]
    fn load_names_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("bad.toml");
        std::fs::write(&f, "allow_setuid = 3\n").unwrap();
        let err = Policy::load(&f).unwrap_err().to_string();
        assert!(err.starts_with(&format!("{}:1: invalid type", f.display())), "{err}");
        let missing = Policy::load(&dir.path().join("none.toml")).unwrap_err();
        assert!(format!("{missing:#}").contains("none.toml: cannot read policy"));
    }
}
