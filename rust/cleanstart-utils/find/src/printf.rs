//! `-printf` formats and the `-ls` line: GNU find's directives, escapes, widths and flags.

use super::matchers::{base_name, symbolic_mode, type_letter, Nanos, TimeField};
use super::walk::Entry;
use cleanstart_utils_core::accounts::Accounts;
use std::fs::Metadata;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::sync::OnceLock;

/// A compiled `-printf` format.
#[derive(Debug, Clone, PartialEq)]
pub struct Format {
    segments: Vec<Segment>,
}

#[derive(Debug, Clone, PartialEq)]
enum Segment {
    Literal(Vec<u8>),
    Directive(Directive),
    /// `\c`: stop this format (and flush), as GNU does.
    Stop,
}

#[derive(Debug, Clone, PartialEq)]
struct Directive {
    left: bool,
    zero: bool,
    alternate: bool,
    width: usize,
    precision: Option<usize>,
    kind: u8,
    /// The time format letter of `%A`, `%C` and `%T`.
    time: u8,
}

/// The context a directive needs beyond the file itself.
pub struct Lookups<'a> {
    pub accounts: &'a Accounts,
    /// The time `find` started, for `-ls`'s choice between the time and the year.
    pub now: Nanos,
}

impl Format {
    /// Compiles a `-printf` argument; warnings (unknown escapes or directives, which GNU prints
    /// as they are) go to `warn`.
    pub fn parse(text: &[u8], warn: &mut dyn FnMut(String)) -> Result<Self, String> {
        let mut segments = Vec::new();
        let mut literal = Vec::new();
        let mut i = 0;
        while i < text.len() {
            match text[i] {
                b'\\' => {
                    i += 1;
                    let Some(&c) = text.get(i) else {
                        literal.push(b'\\');
                        break;
                    };
                    i += 1;
                    match c {
                        b'a' => literal.push(7),
                        b'b' => literal.push(8),
                        b'f' => literal.push(12),
                        b'n' => literal.push(b'\n'),
                        b'r' => literal.push(b'\r'),
                        b't' => literal.push(b'\t'),
                        b'v' => literal.push(11),
                        b'\\' => literal.push(b'\\'),
                        b'c' => {
                            flush_literal(&mut segments, &mut literal);
                            segments.push(Segment::Stop);
                        }
                        b'0'..=b'7' => {
                            let mut value = (c - b'0') as u32;
                            let mut digits = 1;
                            while digits < 3 && matches!(text.get(i), Some(b'0'..=b'7')) {
                                value = value * 8 + (text[i] - b'0') as u32;
                                i += 1;
                                digits += 1;
                            }
                            literal.push(value as u8);
                        }
                        other => {
                            warn(format!("warning: unrecognized escape '\\{}'", other as char));
                            literal.extend_from_slice(&[b'\\', other]);
                        }
                    }
                }
                b'%' => {
                    let start = i;
                    i += 1;
                    let mut d = Directive { left: false, zero: false, alternate: false, width: 0, precision: None, kind: 0, time: 0 };
                    while let Some(&f) = text.get(i) {
                        match f {
                            b'-' => d.left = true,
                            b'0' => d.zero = true,
                            b'#' => d.alternate = true,
                            b'+' | b' ' => {}
                            _ => break,
                        }
                        i += 1;
                    }
                    while let Some(&c @ b'0'..=b'9') = text.get(i) {
                        d.width = d.width.saturating_mul(10).saturating_add((c - b'0') as usize);
                        i += 1;
                    }
                    if text.get(i) == Some(&b'.') {
                        i += 1;
                        let mut p = 0usize;
                        while let Some(&c @ b'0'..=b'9') = text.get(i) {
                            p = p.saturating_mul(10).saturating_add((c - b'0') as usize);
                            i += 1;
                        }
                        d.precision = Some(p);
                    }
                    let Some(&kind) = text.get(i) else {
                        return Err("error: '%' at end of format string".into());
                    };
                    i += 1;
                    match kind {
                        b'%' => literal.push(b'%'),
                        b'A' | b'C' | b'T' => {
                            let Some(&t) = text.get(i) else {
                                return Err(format!("error: missing time format after %{}", kind as char));
                            };
                            i += 1;
                            d.kind = kind;
                            d.time = t;
                            flush_literal(&mut segments, &mut literal);
                            segments.push(Segment::Directive(d));
                        }
                        b'a' | b'b' | b'c' | b'd' | b'D' | b'f' | b'g' | b'G' | b'h' | b'H' | b'i' | b'k' | b'l'
                        | b'm' | b'M' | b'n' | b'p' | b'P' | b's' | b't' | b'u' | b'U' | b'y' | b'Y' => {
                            d.kind = kind;
                            flush_literal(&mut segments, &mut literal);
                            segments.push(Segment::Directive(d));
                        }
                        other => {
                            warn(format!("warning: unrecognized format directive '%{}'", other as char));
                            literal.extend_from_slice(&text[start..i]);
                        }
                    }
                }
                b => {
                    literal.push(b);
                    i += 1;
                }
            }
        }
        flush_literal(&mut segments, &mut literal);
        Ok(Format { segments })
    }

    /// Appends the formatted text for `entry` to `out`.
    pub fn render(&self, entry: &Entry, lookups: &Lookups, out: &mut Vec<u8>) {
        for segment in &self.segments {
            match segment {
                Segment::Literal(bytes) => out.extend_from_slice(bytes),
                Segment::Stop => return,
                Segment::Directive(d) => d.render(entry, lookups, out),
            }
        }
    }
}

fn flush_literal(segments: &mut Vec<Segment>, literal: &mut Vec<u8>) {
    if !literal.is_empty() {
        segments.push(Segment::Literal(std::mem::take(literal)));
    }
}

enum Value {
    Text(Vec<u8>),
    Number(u64),
}

impl Directive {
    fn render(&self, entry: &Entry, lookups: &Lookups, out: &mut Vec<u8>) {
        let meta = entry.meta;
        let path = entry.path.as_os_str().as_bytes();
        let value = match self.kind {
            b'a' => Value::Text(ctime_text(TimeField::Access.of(meta))),
            b'c' => Value::Text(ctime_text(TimeField::Change.of(meta))),
            b't' => Value::Text(ctime_text(TimeField::Modify.of(meta))),
            b'A' => Value::Text(time_text(TimeField::Access.of(meta), self.time)),
            b'C' => Value::Text(time_text(TimeField::Change.of(meta), self.time)),
            b'T' => Value::Text(time_text(TimeField::Modify.of(meta), self.time)),
            b'b' => Value::Number(meta.blocks()),
            b'k' => Value::Number(meta.blocks().div_ceil(2)),
            b's' => Value::Number(meta.size()),
            b'd' => Value::Number(entry.depth as u64),
            b'D' => Value::Number(meta.dev()),
            b'i' => Value::Number(meta.ino()),
            b'n' => Value::Number(meta.nlink()),
            b'U' => Value::Number(meta.uid() as u64),
            b'G' => Value::Number(meta.gid() as u64),
            b'u' => match lookups.accounts.user_name(meta.uid()) {
                Some(name) => Value::Text(name.as_bytes().to_vec()),
                None => Value::Number(meta.uid() as u64),
            },
            b'g' => match lookups.accounts.group_name(meta.gid()) {
                Some(name) => Value::Text(name.as_bytes().to_vec()),
                None => Value::Number(meta.gid() as u64),
            },
            b'm' => {
                let mode = meta.mode() & 0o7777;
                Value::Text(if self.alternate { format!("{mode:#o}").replace("0o", "0") } else { format!("{mode:o}") }.into_bytes())
            }
            b'M' => Value::Text(symbolic_mode(meta).into_bytes()),
            b'p' => Value::Text(path.to_vec()),
            b'f' => Value::Text(base_name(path).to_vec()),
            b'h' => Value::Text(dir_name(path).to_vec()),
            b'H' => Value::Text(entry.root.as_os_str().as_bytes().to_vec()),
            b'P' => Value::Text(relative_to_root(path, entry.root.as_os_str().as_bytes()).to_vec()),
            b'l' => Value::Text(link_target(entry)),
            b'y' => Value::Text(vec![type_letter(meta)]),
            b'Y' => Value::Text(vec![followed_type_letter(entry)]),
            _ => Value::Text(Vec::new()),
        };
        let (mut body, numeric) = match value {
            Value::Text(t) => (t, false),
            Value::Number(n) => (n.to_string().into_bytes(), true),
        };
        if let (Some(p), false) = (self.precision, numeric) {
            body.truncate(p);
        }
        let pad = self.width.saturating_sub(body.len());
        if self.left {
            out.extend_from_slice(&body);
            out.resize(out.len() + pad, b' ');
        } else {
            out.resize(out.len() + pad, if self.zero && numeric { b'0' } else { b' ' });
            out.extend_from_slice(&body);
        }
    }
}

/// `%Y`: the type after following links: `L` for a loop, `N` for a dangling link.
fn followed_type_letter(entry: &Entry) -> u8 {
    if !entry.meta.file_type().is_symlink() {
        return type_letter(entry.meta);
    }
    match std::fs::metadata(entry.path) {
        Ok(meta) => type_letter(&meta),
        Err(e) if e.raw_os_error() == Some(40) => b'L', // ELOOP
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => b'N',
        Err(_) => b'?',
    }
}

fn link_target(entry: &Entry) -> Vec<u8> {
    if entry.meta.file_type().is_symlink() || entry.followed {
        std::fs::read_link(entry.path).map(|t| t.as_os_str().as_bytes().to_vec()).unwrap_or_default()
    } else {
        Vec::new()
    }
}

/// `%h`: the leading directories of the path, `.` when there are none.
pub fn dir_name(path: &[u8]) -> &[u8] {
    let trimmed = match path.iter().rposition(|&b| b != b'/') {
        Some(last) => &path[..=last],
        None => return if path.is_empty() { b"." } else { b"/" },
    };
    match trimmed.iter().rposition(|&b| b == b'/') {
        Some(0) => b"/",
        Some(slash) => &trimmed[..slash],
        None => b".",
    }
}

/// `%P`: the path with its starting point and the following slash removed.
fn relative_to_root<'p>(path: &'p [u8], root: &[u8]) -> &'p [u8] {
    match path.strip_prefix(root) {
        Some(rest) => rest.strip_prefix(b"/").unwrap_or(rest),
        None => path,
    }
}

fn zone() -> &'static jiff::tz::TimeZone {
    static ZONE: OnceLock<jiff::tz::TimeZone> = OnceLock::new();
    ZONE.get_or_init(|| jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC))
}

fn local(t: Nanos) -> Option<jiff::Zoned> {
    jiff::Timestamp::from_nanosecond(t).ok().map(|ts| ts.to_zoned(zone().clone()))
}

fn strftime(t: Nanos, format: &str) -> String {
    local(t).map(|z| z.strftime(format).to_string()).unwrap_or_default()
}

/// GNU find prints fractional seconds with ten digits, the last always 0.
fn fraction(t: Nanos) -> String {
    format!("{:09}0", t.rem_euclid(1_000_000_000))
}

fn ctime_text(t: Nanos) -> Vec<u8> {
    format!("{}.{} {}", strftime(t, "%a %b %e %H:%M:%S"), fraction(t), strftime(t, "%Y")).into_bytes()
}

fn time_text(t: Nanos, letter: u8) -> Vec<u8> {
    let text = match letter {
        b'@' => format!("{}.{}", t.div_euclid(1_000_000_000), fraction(t)),
        b'+' => format!("{}.{}", strftime(t, "%Y-%m-%d+%H:%M:%S"), fraction(t)),
        b'S' => format!("{}.{}", strftime(t, "%S"), fraction(t)),
        b'T' => format!("{}.{}", strftime(t, "%H:%M:%S"), fraction(t)),
        b'c' => strftime(t, "%a %b %e %H:%M:%S %Y"),
        b'D' | b'x' => strftime(t, "%m/%d/%y"),
        b'X' => strftime(t, "%H:%M:%S"),
        b'r' => strftime(t, "%I:%M:%S %p"),
        c if c.is_ascii_alphabetic() => strftime(t, &format!("%{}", c as char)),
        other => format!("%{}", other as char),
    };
    text.into_bytes()
}

/// The `-ls` line (without its newline), as GNU find prints it.
pub fn ls_line(entry: &Entry, lookups: &Lookups) -> Vec<u8> {
    let meta: &Metadata = entry.meta;
    let user = lookups.accounts.user_name(meta.uid()).map_or_else(|| meta.uid().to_string(), str::to_string);
    let group = lookups.accounts.group_name(meta.gid()).map_or_else(|| meta.gid().to_string(), str::to_string);
    let size = if !matches!(type_letter(meta), b'b' | b'c') {
        format!("{:>8}", meta.size())
    } else {
        let rdev = meta.rdev();
        let (major, minor) = (((rdev >> 32) & 0xffff_f000) | ((rdev >> 8) & 0xfff), ((rdev >> 12) & 0xffff_ff00) | (rdev & 0xff));
        format!("{major:>3}, {minor:>3}")
    };
    let mtime = TimeField::Modify.of(meta);
    // Like ls: the time of day for the last six months, else the year.
    let half_year: Nanos = 31_556_952 / 2 * 1_000_000_000;
    let when = if mtime > lookups.now - half_year && mtime <= lookups.now + 60 * 1_000_000_000 {
        strftime(mtime, "%b %e %H:%M")
    } else {
        strftime(mtime, "%b %e  %Y")
    };
    let mut line = format!(
        "{:>9} {:>6} {} {:>3} {:<8} {:<8} {} {} ",
        meta.ino(),
        meta.blocks().div_ceil(2),
        symbolic_mode(meta),
        meta.nlink(),
        user,
        group,
        size,
        when
    )
    .into_bytes();
    escape_name(entry.path.as_os_str().as_bytes(), &mut line);
    if meta.file_type().is_symlink() {
        if let Ok(target) = std::fs::read_link(entry.path) {
            line.extend_from_slice(b" -> ");
            escape_name(target.as_os_str().as_bytes(), &mut line);
        }
    }
    line
}

/// `-ls` writes names with C-like escapes (GNU's "escape" quoting): a backslash, a space, control
/// characters and every byte outside printable ASCII.
fn escape_name(name: &[u8], out: &mut Vec<u8>) {
    for &b in name {
        match b {
            b'\\' => out.extend_from_slice(b"\\\\"),
            b' ' => out.extend_from_slice(b"\\ "),
            7 => out.extend_from_slice(b"\\a"),
            8 => out.extend_from_slice(b"\\b"),
            12 => out.extend_from_slice(b"\\f"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            11 => out.extend_from_slice(b"\\v"),
            0x21..=0x7e => out.push(b),
            _ => out.extend_from_slice(format!("\\{b:03o}").as_bytes()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> (Format, Vec<String>) {
        let mut warnings = Vec::new();
        let f = Format::parse(text.as_bytes(), &mut |w| warnings.push(w)).unwrap();
        (f, warnings)
    }

    #[test]
    fn escapes_and_literals() {
        let (f, w) = parse(r"a\tb\n\101\\%%\q");
        assert_eq!(f.segments, vec![Segment::Literal(b"a\tb\nA\\%\\q".to_vec())]);
        assert_eq!(w.len(), 1, "\\q is unknown and printed as is");
        let (f, _) = parse(r"x\cy");
        assert_eq!(f.segments, vec![Segment::Literal(b"x".to_vec()), Segment::Stop, Segment::Literal(b"y".to_vec())]);
    }

    #[test]
    fn directives_with_widths() {
        let (f, w) = parse("%-10p|%5s|%TY%z");
        assert!(w.len() == 1 && w[0].contains("%z"));
        assert_eq!(f.segments.len(), 6);
        let Segment::Directive(d) = &f.segments[0] else { panic!() };
        assert!(d.left && d.width == 10 && d.kind == b'p');
        let Segment::Directive(d) = &f.segments[4] else { panic!() };
        assert_eq!((d.kind, d.time), (b'T', b'Y'));
        assert!(Format::parse(b"%", &mut |_| {}).is_err());
        assert!(Format::parse(b"%T", &mut |_| {}).is_err());
    }

    #[test]
    fn dir_names_and_relative_paths() {
        assert_eq!(dir_name(b"./a/b"), b"./a");
        assert_eq!(dir_name(b"a"), b".");
        assert_eq!(dir_name(b"/a"), b"/");
        assert_eq!(dir_name(b"/"), b"/");
        assert_eq!(relative_to_root(b"./a/b", b"."), b"a/b");
        assert_eq!(relative_to_root(b".", b"."), b"");
        assert_eq!(relative_to_root(b"/x/y", b"/"), b"x/y");
    }

    #[test]
    fn ls_names_are_escaped() {
        let mut out = Vec::new();
        escape_name(b"a b\\c\nd\xff\xc3\xa9", &mut out);
        assert_eq!(out, b"a\\ b\\\\c\\nd\\377\\303\\251");
    }

    #[test]
    fn times() {
        let t = 1_700_000_000 * 1_000_000_000 + 5;
        assert_eq!(time_text(t, b'@'), b"1700000000.0000000050");
    }
}
