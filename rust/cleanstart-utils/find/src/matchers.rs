//! The tests of find's expression that look only at a file's name and metadata: types, sizes,
//! times, permissions, owners, link counts. Parsing of their arguments lives here too, next to
//! the semantics it has to agree with.

use std::fs::Metadata;
use std::os::unix::fs::{FileTypeExt, MetadataExt};
use std::path::Path;

/// `+N`, `-N` or `N` of numeric tests.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cmp {
    Less,
    Equal,
    Greater,
}

/// A numeric argument with its comparison, e.g. `-links +2`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Number {
    pub cmp: Cmp,
    pub value: u64,
}

impl Number {
    pub fn parse(text: &str) -> Option<Self> {
        let (cmp, digits) = split_cmp(text);
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        Some(Number { cmp, value: digits.parse().ok()? })
    }

    pub fn matches(self, actual: u64) -> bool {
        match self.cmp {
            Cmp::Less => actual < self.value,
            Cmp::Equal => actual == self.value,
            Cmp::Greater => actual > self.value,
        }
    }
}

fn split_cmp(text: &str) -> (Cmp, &str) {
    if let Some(rest) = text.strip_prefix('+') {
        (Cmp::Greater, rest)
    } else if let Some(rest) = text.strip_prefix('-') {
        (Cmp::Less, rest)
    } else {
        (Cmp::Equal, text)
    }
}

/// The file type letters of `-type`, `-xtype` and `%y`.
pub fn type_letter(meta: &Metadata) -> u8 {
    let t = meta.file_type();
    if t.is_file() {
        b'f'
    } else if t.is_dir() {
        b'd'
    } else if t.is_symlink() {
        b'l'
    } else if t.is_block_device() {
        b'b'
    } else if t.is_char_device() {
        b'c'
    } else if t.is_fifo() {
        b'p'
    } else if t.is_socket() {
        b's'
    } else {
        b'U'
    }
}

/// Parses `-type`'s argument (`f`, or a comma list like `f,d`) into its letters.
pub fn parse_types(option: &str, arg: &str) -> Result<Vec<u8>, String> {
    let mut letters = Vec::new();
    if arg.is_empty() {
        return Err(format!("Arguments to {option} should contain at least one letter"));
    }
    for part in arg.split(',') {
        match part.as_bytes() {
            [letter @ (b'b' | b'c' | b'd' | b'p' | b'f' | b'l' | b's')] => {
                if letters.contains(letter) {
                    return Err(format!("Duplicate file type '{part}' in the argument list to {option}."));
                }
                letters.push(*letter);
            }
            // Solaris doors exist nowhere else; GNU accepts the letter and matches nothing.
            [b'D'] => letters.push(b'D'),
            [] => return Err(format!("Last file type in list argument to {option} is missing, i.e., list is ending on: ','")),
            [_] => return Err(format!("Unknown argument to {option}: {part}")),
            _ => return Err(format!("Must separate multiple arguments to {option} using: ','")),
        }
    }
    Ok(letters)
}

/// `-size N[cwbkMG]`: sizes are rounded up to whole units before comparing, as GNU does
/// (so `-size -1M` only matches empty files).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Size {
    pub number: Number,
    pub unit: u64,
}

impl Size {
    pub fn parse(arg: &str) -> Result<Self, String> {
        let (body, unit) = match arg.as_bytes().last() {
            Some(b'c') => (&arg[..arg.len() - 1], 1),
            Some(b'w') => (&arg[..arg.len() - 1], 2),
            Some(b'b') => (&arg[..arg.len() - 1], 512),
            Some(b'k') => (&arg[..arg.len() - 1], 1024),
            Some(b'M') => (&arg[..arg.len() - 1], 1024 * 1024),
            Some(b'G') => (&arg[..arg.len() - 1], 1024 * 1024 * 1024),
            Some(b) if b.is_ascii_digit() => (arg, 512),
            _ => return Err(format!("invalid -size type '{}'", arg.chars().last().unwrap_or(' '))),
        };
        let number = Number::parse(body).ok_or_else(|| format!("invalid argument '{arg}' to -size"))?;
        Ok(Size { number, unit })
    }

    pub fn matches(self, bytes: u64) -> bool {
        self.number.matches(bytes.div_ceil(self.unit))
    }
}

/// `-perm MODE`, `-perm -MODE`, `-perm /MODE`, MODE octal or symbolic.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Perm {
    pub mode: u32,
    pub kind: PermKind,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PermKind {
    /// Exactly these permission bits.
    Exact,
    /// `-MODE`: at least all of these bits.
    All,
    /// `/MODE`: any of these bits (or any file when MODE is 0).
    Any,
}

impl Perm {
    pub fn parse(arg: &str) -> Result<Self, String> {
        let (kind, text) = match arg.as_bytes().first() {
            Some(b'-') => (PermKind::All, &arg[1..]),
            Some(b'/') => (PermKind::Any, &arg[1..]),
            _ => (PermKind::Exact, arg),
        };
        let mode = parse_mode(text).ok_or_else(|| format!("invalid mode '{arg}'"))?;
        Ok(Perm { mode, kind })
    }

    pub fn matches(self, file_mode: u32) -> bool {
        let bits = file_mode & 0o7777;
        match self.kind {
            PermKind::Exact => bits == self.mode,
            PermKind::All => bits & self.mode == self.mode,
            PermKind::Any => self.mode == 0 || bits & self.mode != 0,
        }
    }
}

/// An octal mode, or a symbolic one applied to 0 with no umask (as GNU find does for `-perm`).
pub fn parse_mode(text: &str) -> Option<u32> {
    if text.is_empty() {
        return None;
    }
    if text.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        let mode = u32::from_str_radix(text, 8).ok()?;
        return (mode <= 0o7777).then_some(mode);
    }
    let mut mode = 0u32;
    for clause in text.split(',') {
        let bytes = clause.as_bytes();
        let mut i = 0;
        let mut who = 0u32;
        while let Some(&b) = bytes.get(i) {
            who |= match b {
                b'u' => 0o4700,
                b'g' => 0o2070,
                b'o' => 0o1007,
                b'a' => 0o7777,
                _ => break,
            };
            i += 1;
        }
        if who == 0 {
            who = 0o7777;
        }
        if i == bytes.len() {
            return None;
        }
        while let Some(&op) = bytes.get(i) {
            if !matches!(op, b'+' | b'-' | b'=') {
                return None;
            }
            i += 1;
            let mut perms = 0u32;
            match bytes.get(i) {
                // Copying another class's bits: `g=u`.
                Some(&c @ (b'u' | b'g' | b'o')) => {
                    let source = match c {
                        b'u' => (mode >> 6) & 7,
                        b'g' => (mode >> 3) & 7,
                        _ => mode & 7,
                    };
                    perms = source * 0o111;
                    i += 1;
                }
                _ => {
                    while let Some(&p) = bytes.get(i) {
                        perms |= match p {
                            b'r' => 0o444,
                            b'w' => 0o222,
                            b'x' => 0o111,
                            // Capital X adds execute only where some execute bit is already set.
                            b'X' => {
                                if mode & 0o111 != 0 {
                                    0o111
                                } else {
                                    0
                                }
                            }
                            b's' => 0o6000,
                            b't' => 0o1000,
                            _ => break,
                        };
                        i += 1;
                    }
                }
            }
            let affected = perms & who;
            match op {
                b'+' => mode |= affected,
                b'-' => mode &= !affected,
                _ => mode = (mode & !(who & 0o7777)) | affected,
            }
        }
    }
    Some(mode)
}

/// A time in nanoseconds since the epoch (i128: no overflow for any `time_t`).
pub type Nanos = i128;

pub fn nanos(seconds: i64, nanoseconds: i64) -> Nanos {
    seconds as i128 * 1_000_000_000 + nanoseconds as i128
}

/// Which of a file's times a test looks at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeField {
    Access,
    Change,
    Modify,
}

impl TimeField {
    pub fn of(self, meta: &Metadata) -> Nanos {
        match self {
            TimeField::Access => nanos(meta.atime(), meta.atime_nsec()),
            TimeField::Change => nanos(meta.ctime(), meta.ctime_nsec()),
            TimeField::Modify => nanos(meta.mtime(), meta.mtime_nsec()),
        }
    }
}

/// `-mtime N`, `-mmin N` and the others, compiled into GNU's reference-time window: `+N` means
/// older than the window, `-N` newer, `N` inside it (fractional parts of the age are dropped
/// for days and counted up for minutes, exactly as GNU find's arithmetic does).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeWindow {
    pub field: TimeField,
    cmp: Cmp,
    reference: Nanos,
    window: Nanos,
}

pub const DAY: i64 = 86_400;

impl TimeWindow {
    /// `day_origin` is now minus a day, or the start of today with `-daystart`; `unit` is
    /// [`DAY`] for `-Xtime` and 60 for `-Xmin`.
    pub fn parse(field: TimeField, arg: &str, day_origin: Nanos, unit: i64) -> Option<Self> {
        let (cmp, number) = split_cmp(arg);
        if number.is_empty() || number.starts_with(['+', '-']) {
            return None;
        }
        let amount: f64 = number.parse().ok().filter(|n: &f64| n.is_finite())?;
        let unit_ns = unit as i128 * 1_000_000_000;
        let mut origin = if unit == DAY { day_origin } else { day_origin + DAY as i128 * 1_000_000_000 };
        if unit == DAY && cmp == Cmp::Less {
            origin += (DAY as i128 - 1) * 1_000_000_000;
        }
        // Far beyond any time_t: the float saturates and the subtraction would overflow.
        let offset = amount * unit as f64 * 1e9;
        if offset.abs() > 1e30 {
            return None;
        }
        Some(TimeWindow { field, cmp, reference: origin - offset as i128, window: unit_ns })
    }

    pub fn matches(&self, meta: &Metadata) -> bool {
        let t = self.field.of(meta);
        match self.cmp {
            Cmp::Greater => t < self.reference,
            Cmp::Less => t > self.reference,
            Cmp::Equal => {
                let delta = t - self.reference;
                delta > 0 && delta <= self.window
            }
        }
    }
}

/// `-empty`: an empty regular file or a directory without entries.
pub fn is_empty(path: &Path, meta: &Metadata) -> bool {
    if meta.is_dir() {
        std::fs::read_dir(path).is_ok_and(|mut entries| entries.next().is_none())
    } else {
        meta.is_file() && meta.len() == 0
    }
}

/// The ten characters of `ls -l`'s mode column (`%M`, `-ls`).
pub fn symbolic_mode(meta: &Metadata) -> String {
    let mode = meta.mode();
    let mut s = String::with_capacity(10);
    s.push(match type_letter(meta) {
        b'f' => '-',
        b'U' => '?',
        other => other as char,
    });
    s.extend(cleanstart_utils_core::modes::permissions(mode).map(char::from));
    s
}

/// The last component of a path as `-name` sees it: trailing slashes dropped, `/` for the root.
pub fn base_name(path: &[u8]) -> &[u8] {
    let trimmed = match path.iter().rposition(|&b| b != b'/') {
        Some(last) => &path[..=last],
        None if path.is_empty() => return path,
        None => return b"/",
    };
    match trimmed.iter().rposition(|&b| b == b'/') {
        Some(slash) => &trimmed[slash + 1..],
        None => trimmed,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers() {
        assert_eq!(Number::parse("+3"), Some(Number { cmp: Cmp::Greater, value: 3 }));
        assert_eq!(Number::parse("-3"), Some(Number { cmp: Cmp::Less, value: 3 }));
        assert_eq!(Number::parse("3"), Some(Number { cmp: Cmp::Equal, value: 3 }));
        assert_eq!(Number::parse("+-3"), None);
        assert_eq!(Number::parse(""), None);
        assert_eq!(Number::parse("3x"), None);
    }

    #[test]
    fn sizes_round_up() {
        let k = Size::parse("1k").unwrap();
        assert!(k.matches(1) && k.matches(1024) && !k.matches(1025) && !k.matches(0));
        let under_meg = Size::parse("-1M").unwrap();
        assert!(under_meg.matches(0) && !under_meg.matches(1));
        assert!(Size::parse("+2").unwrap().matches(1025), "default unit is 512-byte blocks");
        assert!(Size::parse("10c").unwrap().matches(10));
        assert!(Size::parse("10q").is_err());
        assert!(Size::parse("k").is_err());
    }

    #[test]
    fn types() {
        assert_eq!(parse_types("-type", "f,d"), Ok(vec![b'f', b'd']));
        assert!(parse_types("-type", "f,f").is_err());
        assert!(parse_types("-type", "x").is_err());
        assert!(parse_types("-type", "fd").is_err());
        assert!(parse_types("-type", "f,").is_err());
    }

    #[test]
    fn perms() {
        assert_eq!(Perm::parse("644"), Ok(Perm { mode: 0o644, kind: PermKind::Exact }));
        assert_eq!(Perm::parse("-u+x").map(|p| p.mode), Ok(0o100));
        assert_eq!(Perm::parse("/a+w").map(|p| p.mode), Ok(0o222));
        assert_eq!(parse_mode("u=rwx,g=rx,o="), Some(0o750));
        assert_eq!(parse_mode("u=rw,g=u"), Some(0o660));
        assert_eq!(parse_mode("+t"), Some(0o1000));
        assert_eq!(parse_mode("u+s"), Some(0o4000));
        assert_eq!(parse_mode("a+r,a-r"), Some(0));
        assert_eq!(parse_mode("99"), None);
        assert_eq!(parse_mode("u"), None);
        assert_eq!(parse_mode("u+q"), None);
        let any = Perm::parse("/111").unwrap();
        assert!(any.matches(0o100644 | 0o010) && !any.matches(0o100644));
        assert!(Perm::parse("/000").unwrap().matches(0o600));
        assert!(Perm::parse("-600").unwrap().matches(0o100755) && !Perm::parse("-600").unwrap().matches(0o100400));
    }

    #[test]
    fn time_windows_follow_gnu_rounding() {
        let now = nanos(1_000_000, 0);
        let day_origin = now - DAY as i128 * 1_000_000_000;
        let at = |age_s: i64| nanos(1_000_000 - age_s, 0);
        let hit = |arg: &str, unit: i64, age: i64| {
            let w = TimeWindow::parse(TimeField::Modify, arg, day_origin, unit).unwrap();
            let t = at(age);
            match w.cmp {
                Cmp::Greater => t < w.reference,
                Cmp::Less => t > w.reference,
                Cmp::Equal => t - w.reference > 0 && t - w.reference <= w.window,
            }
        };
        // Minutes: 30 s old is "1 minute", "-1" and "+0", but not "0".
        assert!(hit("1", 60, 30) && hit("-1", 60, 30) && hit("+0", 60, 30) && !hit("0", 60, 30));
        assert!(hit("2", 60, 90) && !hit("1", 60, 90));
        // Days: the fraction is dropped.
        assert!(hit("0", DAY, 30) && hit("-1", DAY, 30) && !hit("+0", DAY, 30));
        assert!(hit("1", DAY, DAY + 3600) && hit("+0", DAY, DAY + 3600) && !hit("+1", DAY, DAY + 3600));
        assert!(TimeWindow::parse(TimeField::Modify, "x", day_origin, 60).is_none());
        assert!(TimeWindow::parse(TimeField::Modify, "+-1", day_origin, 60).is_none());
        assert!(TimeWindow::parse(TimeField::Modify, "1e308", day_origin, DAY).is_none());
        assert!(TimeWindow::parse(TimeField::Modify, "-1e300", day_origin, 60).is_none());
    }

    #[test]
    fn base_names() {
        assert_eq!(base_name(b"./a/b"), b"b");
        assert_eq!(base_name(b"dir/"), b"dir");
        assert_eq!(base_name(b"/"), b"/");
        assert_eq!(base_name(b"//"), b"/");
        assert_eq!(base_name(b"."), b".");
    }
}
