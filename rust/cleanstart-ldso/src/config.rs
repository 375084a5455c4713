//! The loaders' configuration files, read from the image.
//!
//! - glibc: `/etc/ld.so.conf`, parsed as `ldconfig` parses it (`#` comments, one directory per
//!   line with trailing slashes and blanks trimmed, `include PATTERN...` expanded with glob(3)
//!   rules, a relative pattern taken from the including file's directory, `hwcap` lines
//!   ignored), and `/etc/ld.so.preload`.
//! - musl: `/etc/ld-musl-ARCH.path`: directories separated by `:` or newlines. A missing file
//!   means musl's default path; an empty one, no directories at all.

use crate::image::{Image, Lookup};
use crate::tokens::{self, Separators};

pub const LD_SO_CONF: &str = "/etc/ld.so.conf";
pub const LD_SO_CACHE: &str = "/etc/ld.so.cache";
pub const LD_SO_PRELOAD: &str = "/etc/ld.so.preload";

/// Includes nested deeper than this are not followed (`ldconfig` would recurse until it runs out
/// of file descriptors on an include loop).
const MAX_INCLUDE_DEPTH: usize = 16;

/// The directories `/etc/ld.so.conf` lists, in order, without duplicates, and what could not be
/// read on the way (files named but not read by the caller, includes nested too deep).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LdSoConf {
    pub dirs: Vec<String>,
    pub problems: Vec<String>,
}

impl LdSoConf {
    /// Reads `/etc/ld.so.conf` and what it includes. A missing file lists nothing.
    pub fn read(image: &dyn Image) -> LdSoConf {
        let mut conf = LdSoConf::default();
        conf.file(image, LD_SO_CONF, 0);
        conf
    }

    fn file(&mut self, image: &dyn Image, path: &str, depth: usize) {
        let Lookup::File(real) = image.lookup(path) else { return };
        let Some(text) = image.text(&real) else {
            self.problems.push(format!("{path} was not read"));
            return;
        };
        for line in text.lines() {
            let line = line.split('#').next().unwrap_or("").trim_start();
            if line.is_empty() {
                continue;
            }
            if let Some(patterns) = keyword(line, "include") {
                if depth >= MAX_INCLUDE_DEPTH {
                    self.problems.push(format!("{path}: includes nested more than {MAX_INCLUDE_DEPTH} deep"));
                    continue;
                }
                for pattern in patterns.split([' ', '\t']).filter(|p| !p.is_empty()) {
                    let pattern = if pattern.starts_with('/') { pattern.to_string() } else { tokens::join(tokens::parent(path), pattern) };
                    for included in glob(image, &pattern) {
                        self.file(image, &included, depth + 1);
                    }
                }
            } else if keyword(&line.to_ascii_lowercase(), "hwcap").is_some() {
                continue;
            } else {
                // `DIR=TYPE` is an old form; the type is ignored.
                let dir = line.split('=').next().unwrap_or("").trim_end();
                let dir = match dir.trim_end_matches('/') {
                    "" => "/",
                    d => d,
                };
                if dir.starts_with('/') && !self.dirs.iter().any(|d| d == dir) {
                    self.dirs.push(dir.to_string());
                }
            }
        }
    }
}

/// The rest of `line` when it starts with `word` and a blank.
fn keyword<'a>(line: &'a str, word: &str) -> Option<&'a str> {
    let rest = line.strip_prefix(word)?;
    rest.starts_with([' ', '\t']).then(|| &rest[1..])
}

/// musl's system directories: `/etc/ld-musl-ARCH.path`, else its default.
pub fn musl_path(image: &dyn Image, arch: &str) -> (Vec<String>, Option<String>) {
    let file = format!("/etc/ld-musl-{arch}.path");
    let text = match image.lookup(&file) {
        Lookup::Missing => crate::flavor::MUSL_DEFAULT_PATH.to_string(),
        Lookup::File(real) => match image.text(&real) {
            Some(t) => t.to_string(),
            None => return (Vec::new(), Some(format!("{file} was not read"))),
        },
        // musl gives up on a path file it cannot read, and searches nothing.
        Lookup::Dir(_) | Lookup::Other(_) => String::new(),
    };
    let dirs = tokens::split(&text, Separators::Musl).into_iter().map(|d| tokens::absolute(d, "/")).collect();
    (dirs, None)
}

/// The names `/etc/ld.so.preload` lists (glibc separates them with blanks, newlines or `:`).
pub fn preload_file(image: &dyn Image) -> Vec<String> {
    let Lookup::File(real) = image.lookup(LD_SO_PRELOAD) else { return Vec::new() };
    image.text(&real).map(preload_list).unwrap_or_default()
}

/// The names in an `LD_PRELOAD` value or the preload file.
pub fn preload_list(text: &str) -> Vec<String> {
    text.split([' ', '\t', '\n', ':']).filter(|s| !s.is_empty()).map(str::to_string).collect()
}

/// The paths matching `pattern` in the image, sorted, as glob(3) finds them: `*`, `?` and
/// `[...]` within one component, never matching a leading `.`.
pub fn glob(image: &dyn Image, pattern: &str) -> Vec<String> {
    let mut found = vec![String::new()];
    let parts: Vec<&str> = pattern.split('/').filter(|p| !p.is_empty()).collect();
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let mut next = Vec::new();
        for base in &found {
            if !part.contains(['*', '?', '[']) {
                next.push(format!("{base}/{part}"));
                continue;
            }
            let dir = if base.is_empty() { "/" } else { base.as_str() };
            let Lookup::Dir(real) = image.lookup(dir) else { continue };
            for name in image.list(&real) {
                if !name.starts_with('.') && fnmatch(part.as_bytes(), name.as_bytes()) {
                    next.push(format!("{base}/{name}"));
                }
            }
        }
        if !last {
            next.retain(|p| matches!(image.lookup(p), Lookup::Dir(_)));
        }
        found = next;
    }
    found.retain(|p| image.lookup(p) != Lookup::Missing);
    found.sort();
    found.dedup();
    found
}

/// Shell-style matching of one path component: `*`, `?`, `[abc]`, `[a-z]`, `[!x]`/`[^x]`, `\x`.
pub fn fnmatch(pattern: &[u8], name: &[u8]) -> bool {
    // Iterative with one backtrack point, so a pattern of many stars stays linear per star.
    let (mut p, mut n) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while n < name.len() {
        let step = match pattern.get(p) {
            Some(b'*') => {
                star = Some((p + 1, n));
                p += 1;
                continue;
            }
            Some(b'?') => Some(1),
            Some(b'[') => class(&pattern[p..], name[n]),
            Some(b'\\') if p + 1 < pattern.len() => (pattern[p + 1] == name[n]).then_some(2),
            Some(&c) => (c == name[n]).then_some(1),
            None => None,
        };
        match step {
            Some(len) => {
                p += len;
                n += 1;
            }
            None => match star {
                Some((sp, sn)) => {
                    p = sp;
                    n = sn + 1;
                    star = Some((sp, sn + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == b'*')
}

/// Matches `c` against the bracket expression at the start of `pattern`; its length when it
/// matches. An unterminated `[` is a literal `[`.
fn class(pattern: &[u8], c: u8) -> Option<usize> {
    let mut i = 1;
    let negate = matches!(pattern.get(i), Some(b'!' | b'^'));
    if negate {
        i += 1;
    }
    let mut matched = false;
    let mut first = true;
    loop {
        match pattern.get(i) {
            None => return (c == b'[').then_some(1),
            Some(b']') if !first => break,
            Some(&lo) => {
                if pattern.get(i + 1) == Some(&b'-') && pattern.get(i + 2).is_some_and(|&hi| hi != b']') {
                    matched |= (lo..=pattern[i + 2]).contains(&c);
                    i += 3;
                } else {
                    matched |= lo == c;
                    i += 1;
                }
            }
        }
        first = false;
    }
    (matched != negate).then_some(i + 1)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::memory::MemoryImage as Fake;

    #[test]
    fn fnmatch_basics() {
        assert!(fnmatch(b"*.conf", b"libc.conf"));
        assert!(!fnmatch(b"*.conf", b"libc.conf.bak"));
        assert!(fnmatch(b"lib?.so.[0-9]", b"libz.so.1"));
        assert!(!fnmatch(b"lib[!z].so", b"libz.so"));
        assert!(fnmatch(b"a*b*c", b"aXXbYYc"));
        assert!(fnmatch(b"[", b"["));
        assert!(fnmatch(&b"*".repeat(50), b"anything"));
        assert!(!fnmatch(&[b"*a".repeat(30), b"b".to_vec()].concat(), &b"a".repeat(60)));
    }

    #[test]
    fn ld_so_conf_with_includes() {
        let mut img = Fake::default();
        img.put_text("/etc/ld.so.conf", "# comment\ninclude /etc/ld.so.conf.d/*.conf\n/opt/extra/ # trailing\nhwcap 0 nosegneg\n");
        img.put_text("/etc/ld.so.conf.d/b.conf", "/opt/b\n/opt/a\n");
        img.put_text("/etc/ld.so.conf.d/a.conf", "/opt/a\ninclude sub/*.conf\n");
        img.put_text("/etc/ld.so.conf.d/sub/c.conf", "/opt/c=libc6\n");
        img.put_text("/etc/ld.so.conf.d/.hidden.conf", "/opt/hidden\n");
        img.put_text("/etc/ld.so.conf.d/x.txt", "/opt/x\n");
        let conf = LdSoConf::read(&img);
        assert_eq!(conf.dirs, ["/opt/a", "/opt/c", "/opt/b", "/opt/extra"]);
        assert!(conf.problems.is_empty());
    }

    #[test]
    fn include_loops_stop() {
        let mut img = Fake::default();
        img.put_text("/etc/ld.so.conf", "include /etc/ld.so.conf\n/opt/a\n");
        let conf = LdSoConf::read(&img);
        assert_eq!(conf.dirs, ["/opt/a"]);
        assert_eq!(conf.problems.len(), 1);
    }

    #[test]
    fn musl_path_file() {
        let mut img = Fake::default();
        assert_eq!(musl_path(&img, "x86_64").0, ["/lib", "/usr/local/lib", "/usr/lib"]);
        img.put_text("/etc/ld-musl-x86_64.path", "/opt/lib\n/usr/lib:/lib\n");
        assert_eq!(musl_path(&img, "x86_64").0, ["/opt/lib", "/usr/lib", "/lib"]);
        img.put_text("/etc/ld-musl-aarch64.path", "");
        assert!(musl_path(&img, "aarch64").0.is_empty());
    }
}
