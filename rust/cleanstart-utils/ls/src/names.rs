//! How names are written: quoting styles, type indicators (`-F`, `-p`) and colors (`--color`,
//! `LS_COLORS`).

use super::entries::{Entry, Kind, Meta};
use super::options::{Indicator, Quoting};
use std::collections::HashMap;

/// `name` as `quoting` writes it.
pub fn quote(name: &[u8], quoting: Quoting) -> std::borrow::Cow<'_, [u8]> {
    use std::borrow::Cow;
    match quoting {
        Quoting::Literal => Cow::Borrowed(name),
        Quoting::Question => {
            if name.iter().all(|&b| !b.is_ascii_control()) {
                Cow::Borrowed(name)
            } else {
                Cow::Owned(name.iter().map(|&b| if b.is_ascii_control() { b'?' } else { b }).collect())
            }
        }
        Quoting::Escape => Cow::Owned(c_escape(name, true)),
        Quoting::C => {
            let mut out = vec![b'"'];
            out.extend(c_escape(name, false));
            out.push(b'"');
            Cow::Owned(out)
        }
    }
}

/// GNU's `escape` and `c` quoting: C escapes for control characters (octal where C has no
/// letter), a backslash before backslashes, and before spaces (escape) or double quotes (c).
fn c_escape(name: &[u8], escape_space: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(name.len() + 2);
    for &b in name {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\t' => out.extend_from_slice(b"\\t"),
            b'\r' => out.extend_from_slice(b"\\r"),
            0x07 => out.extend_from_slice(b"\\a"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0b => out.extend_from_slice(b"\\v"),
            0x0c => out.extend_from_slice(b"\\f"),
            b' ' if escape_space => out.extend_from_slice(b"\\ "),
            b'"' if !escape_space => out.extend_from_slice(b"\\\""),
            b if b.is_ascii_control() => out.extend_from_slice(format!("\\{b:03o}").as_bytes()),
            b => out.push(b),
        }
    }
    out
}

/// The character `style` appends for a file of `kind` with `meta` (`None` when unknown).
pub fn indicator(style: Indicator, kind: Kind, meta: Option<&Meta>) -> Option<char> {
    match kind {
        Kind::Regular => (style == Indicator::Classify && meta.is_some_and(|m| m.mode & 0o111 != 0)).then_some('*'),
        Kind::Directory if style != Indicator::None => Some('/'),
        _ if style < Indicator::FileType => None,
        Kind::Symlink => Some('@'),
        Kind::Fifo => Some('|'),
        Kind::Socket => Some('='),
        _ => None,
    }
}

/// The `LS_COLORS` database (GNU's built-in one where the variable leaves a key unset).
pub struct Colors {
    codes: HashMap<String, String>,
    /// `*.ext` keys, longest suffix tried first.
    suffixes: Vec<(Vec<u8>, String)>,
}

/// GNU ls's built-in colors, used for keys `LS_COLORS` does not set.
const BUILT_IN: &[(&str, &str)] = &[
    ("lc", "\x1b["),
    ("rc", "m"),
    ("rs", "0"),
    ("di", "01;34"),
    ("ln", "01;36"),
    ("pi", "33"),
    ("so", "01;35"),
    ("bd", "01;33"),
    ("cd", "01;33"),
    ("ex", "01;32"),
    ("do", "01;35"),
    ("su", "37;41"),
    ("sg", "30;43"),
    ("st", "37;44"),
    ("ow", "34;42"),
    ("tw", "30;42"),
];

/// `TERM` values GNU's built-in database knows as color terminals (dircolors' defaults).
const COLOR_TERMS: &[&str] = &[
    "Eterm", "ansi", "*color*", "con[0-9]*x[0-9]*", "cons25", "console", "cygwin", "*direct*", "dtterm", "gnome",
    "hurd", "jfbterm", "konsole", "kterm", "linux", "linux-c", "mlterm", "putty", "rxvt*", "screen*", "st",
    "terminator", "tmux*", "vt100", "xterm*",
];

impl Colors {
    /// The colors `--color` asks for, or `None` where GNU prints none: without `LS_COLORS` (or
    /// with it empty) and `COLORTERM`, only a known color terminal (`TERM`) gets colors.
    pub fn from_env(ls_colors: Option<&str>, colorterm: Option<&str>, term: Option<&str>) -> Option<Colors> {
        let ls_colors = ls_colors.unwrap_or_default();
        if ls_colors.is_empty() && colorterm.unwrap_or_default().is_empty() {
            let term = term.unwrap_or_default().as_bytes();
            let known = COLOR_TERMS.iter().any(|p| cleanstart_utils_core::fnmatch::Pattern::new(p.as_bytes(), false).matches(term));
            if !known {
                return None;
            }
        }
        Some(Colors::parse(ls_colors))
    }

    /// Reads `ls_colors` (the value of `LS_COLORS`); malformed items are skipped.
    pub fn parse(ls_colors: &str) -> Colors {
        let mut codes: HashMap<String, String> = BUILT_IN.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        let mut suffixes = Vec::new();
        for item in ls_colors.split(':') {
            let Some((key, value)) = item.split_once('=') else { continue };
            let value = unescape(value);
            match key.strip_prefix('*') {
                Some(suffix) => suffixes.push((suffix.as_bytes().to_vec(), value)),
                None => {
                    codes.insert(key.to_string(), value);
                }
            }
        }
        suffixes.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
        Colors { codes, suffixes }
    }

    /// Whether colors depend on links' targets (`or`, `mi`), which must then be read.
    pub fn need_targets(&self) -> bool {
        self.code("or").is_some() || self.code("mi").is_some()
    }

    fn code(&self, key: &str) -> Option<&str> {
        self.codes.get(key).map(String::as_str).filter(|c| !c.is_empty())
    }

    /// The start sequence for `entry`'s name, or `None` to print it plain.
    pub fn of_entry(&self, entry: &Entry) -> Option<String> {
        if entry.kind == Kind::Symlink {
            let target = entry.target.as_ref().filter(|t| t.read);
            let as_target = self.code("ln") == Some("target");
            match target.map(|t| t.meta.as_ref()) {
                Some(Some(meta)) if as_target => return self.of_file(&entry.name, meta.kind(), Some(meta)),
                // Dangling, or (with ln=target) a target GNU did not read: an orphan.
                Some(None) | None if as_target || target.is_some() => {
                    if let Some(code) = self.code("or") {
                        return Some(self.sequence(code));
                    }
                    if as_target {
                        return None;
                    }
                }
                _ => {}
            }
        }
        self.of_file(&entry.name, entry.kind, entry.meta.as_ref())
    }

    /// The start sequence for a link's target, shown after `->` in long listings: by the
    /// target's type when it was read, `mi` (else `or`) when it is missing.
    pub fn of_target(&self, entry: &Entry) -> Option<String> {
        let target = entry.target.as_ref().filter(|t| t.read)?;
        match target.meta.as_ref() {
            Some(meta) => self.of_file(&target.path, meta.kind(), Some(meta)),
            None => self.code("mi").or(self.code("or")).map(|c| self.sequence(c)),
        }
    }

    fn of_file(&self, name: &std::ffi::OsStr, kind: Kind, meta: Option<&Meta>) -> Option<String> {
        use std::os::unix::ffi::OsStrExt;
        let mode = meta.map_or(0, |m| m.mode);
        let key = match kind {
            Kind::Directory => match (mode & 0o1000 != 0, mode & 0o002 != 0) {
                (true, true) => "tw",
                (false, true) => "ow",
                (true, false) => "st",
                (false, false) => "di",
            },
            Kind::Symlink => "ln",
            Kind::Fifo => "pi",
            Kind::Socket => "so",
            Kind::Block => "bd",
            Kind::Char => "cd",
            Kind::Regular | Kind::Unknown => {
                let special = [(0o4000, "su"), (0o2000, "sg"), (0o111, "ex")]
                    .into_iter()
                    .find(|(bits, key)| mode & bits != 0 && self.code(key).is_some());
                match special {
                    Some((_, key)) => key,
                    None => {
                        let name = name.as_bytes();
                        if let Some((_, code)) = self.suffixes.iter().find(|(s, _)| name.ends_with(s)) {
                            return (!code.is_empty()).then(|| self.sequence(code));
                        }
                        "fi"
                    }
                }
            }
        };
        self.code(key).map(|c| self.sequence(c))
    }

    fn sequence(&self, code: &str) -> String {
        format!("{}{code}{}", self.code("lc").unwrap_or("\x1b["), self.code("rc").unwrap_or("m"))
    }

    /// What ends a colored name: `ec`, or the reset sequence.
    pub fn end(&self) -> String {
        match self.code("ec") {
            Some(end) => end.to_string(),
            None => self.sequence(self.code("rs").unwrap_or("0")),
        }
    }
}

/// `LS_COLORS` values may hold `\e`, `^[`-style and octal escapes (as `dircolors` writes them).
fn unescape(value: &str) -> String {
    let mut out = String::new();
    let mut chars = value.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('e' | 'E') => out.push('\x1b'),
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('_') => out.push(' '),
                Some(d @ '0'..='7') => {
                    let mut n = d.to_digit(8).unwrap_or(0);
                    while let Some(d) = chars.peek().and_then(|c| c.to_digit(8)) {
                        n = n * 8 + d;
                        chars.next();
                    }
                    out.push(char::from_u32(n).unwrap_or('?'));
                }
                Some(other) => out.push(other),
                None => {}
            },
            '^' => match chars.next() {
                Some('?') => out.push('\x7f'),
                Some(c) => out.push(char::from((c as u8) & 0x1f)),
                None => out.push('^'),
            },
            c => out.push(c),
        }
    }
    out
}

/// Writes names as the options ask: quoted, colored, with their indicator.
pub struct Namer<'a> {
    pub quoting: Quoting,
    pub indicator: Indicator,
    pub colors: Option<&'a Colors>,
    /// Whether a color was written yet: GNU resets the terminal's colors before the first one.
    pub used_color: std::cell::Cell<bool>,
}

impl Namer<'_> {
    /// Writes `entry`'s name and, unless `long` (where links show their target instead), its
    /// indicator; returns the width it takes on screen, measured only when not `long` (long
    /// lines end with the name, nothing is aligned after it).
    pub fn write(&self, out: &mut Vec<u8>, entry: &Entry, long: bool) -> usize {
        use std::os::unix::ffi::OsStrExt;
        let color = self.colors.and_then(|c| c.of_entry(entry));
        let mut width = self.write_colored(out, entry.name.as_bytes(), color, !long);
        if long && entry.kind == Kind::Symlink {
            if let Some(target) = &entry.target {
                out.extend_from_slice(b" -> ");
                let color = self.colors.and_then(|c| c.of_target(entry));
                width += 4 + self.write_colored(out, target.path.as_bytes(), color, !long);
                if self.indicator != Indicator::None {
                    if let Some(meta) = &target.meta {
                        width += push_indicator(out, indicator(self.indicator, meta.kind(), Some(meta)));
                    }
                }
                return width;
            }
        }
        // A followed link (-L, or a command-line link to a directory) shows its target's type.
        let kind = match entry.meta {
            Some(meta) if entry.kind == Kind::Symlink => meta.kind(),
            _ => entry.kind,
        };
        width + push_indicator(out, indicator(self.indicator, kind, entry.meta.as_ref()))
    }

    fn write_colored(&self, out: &mut Vec<u8>, name: &[u8], color: Option<String>, measure: bool) -> usize {
        let quoted = quote(name, self.quoting);
        let width = if measure { display_width(&quoted) } else { 0 };
        match color {
            Some(start) => {
                if !self.used_color.replace(true) {
                    out.extend_from_slice(self.colors.map(Colors::end).unwrap_or_default().as_bytes());
                }
                out.extend_from_slice(start.as_bytes());
                out.extend_from_slice(&quoted);
                out.extend_from_slice(self.colors.map(Colors::end).unwrap_or_default().as_bytes());
            }
            None => out.extend_from_slice(&quoted),
        }
        width
    }
}

fn push_indicator(out: &mut Vec<u8>, c: Option<char>) -> usize {
    match c {
        Some(c) => {
            out.push(c as u8);
            1
        }
        None => 0,
    }
}

/// Columns a name takes on a terminal: wide characters count two, control characters none
/// (as GNU's mbsnwidth), invalid UTF-8 one per byte.
pub fn display_width(text: &[u8]) -> usize {
    // Most names are ASCII, and checking that is much cheaper than validating UTF-8.
    if text.is_ascii() {
        return text.iter().filter(|b| !b.is_ascii_control()).count();
    }
    match std::str::from_utf8(text) {
        Ok(s) => s.chars().filter(|c| !c.is_control()).map(|c| unicode_width::UnicodeWidthChar::width(c).unwrap_or(0)).sum(),
        Err(_) => text.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoting_styles() {
        assert_eq!(&*quote(b"a\nb c", Quoting::Literal), b"a\nb c");
        assert_eq!(&*quote(b"a\nb c", Quoting::Question), b"a?b c");
        assert_eq!(&*quote(b"a\nb c\\", Quoting::Escape), b"a\\nb\\ c\\\\");
        assert_eq!(&*quote(b"a\"b\x01", Quoting::C), b"\"a\\\"b\\001\"");
    }

    #[test]
    fn indicators_by_style() {
        let exec = Meta {
            mode: 0o100755,
            nlink: 1,
            uid: 0,
            gid: 0,
            size: 0,
            blocks: 0,
            ino: 1,
            dev: 1,
            rdev: 0,
            modified: (0, 0),
            changed: (0, 0),
            accessed: (0, 0),
        };
        assert_eq!(indicator(Indicator::Classify, Kind::Regular, Some(&exec)), Some('*'));
        assert_eq!(indicator(Indicator::FileType, Kind::Regular, Some(&exec)), None);
        assert_eq!(indicator(Indicator::Slash, Kind::Directory, None), Some('/'));
        assert_eq!(indicator(Indicator::Slash, Kind::Symlink, None), None);
        assert_eq!(indicator(Indicator::FileType, Kind::Symlink, None), Some('@'));
        assert_eq!(indicator(Indicator::None, Kind::Directory, None), None);
    }

    #[test]
    fn ls_colors_overrides_the_built_in_database() {
        let colors = Colors::parse("di=01;31:*.tar=01;35:ex=");
        let seq = |code: &str| format!("\x1b[{code}m");
        assert_eq!(colors.of_file("d".as_ref(), Kind::Directory, None), Some(seq("01;31")));
        assert_eq!(colors.of_file("a.tar".as_ref(), Kind::Regular, None), Some(seq("01;35")));
        assert_eq!(colors.of_file("a.txt".as_ref(), Kind::Regular, None), None);
        assert_eq!(colors.of_file("l".as_ref(), Kind::Symlink, None), Some(seq("01;36")));
        assert_eq!(colors.end(), seq("0"));
        assert_eq!(unescape("\\e[0m^["), "\x1b[0m\x1b");
    }

    #[test]
    fn without_ls_colors_only_color_terminals_get_colors() {
        assert!(Colors::from_env(None, None, Some("xterm-256color")).is_some());
        assert!(Colors::from_env(None, None, Some("dumb")).is_none());
        assert!(Colors::from_env(None, None, None).is_none());
        assert!(Colors::from_env(None, Some("truecolor"), None).is_some());
        assert!(Colors::from_env(Some("di=01;34"), None, None).is_some());
    }
}
