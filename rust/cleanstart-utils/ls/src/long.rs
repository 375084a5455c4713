//! The long format (`-l`): mode, links, owner, group, size, time and name in aligned columns,
//! and the numbers `-i` and `-s` put before names in every format.

use super::entries::{Entry, Kind, Marker, Meta};
use super::names::Namer;
use super::options::{Options, TimeStyle};
use super::order::time;
use cleanstart_utils_core::accounts::Accounts;
use jiff::tz::TimeZone;
use jiff::Timestamp;
use std::collections::HashMap;
use std::io::Write;

/// GNU's "six months": half of the average Gregorian year, in seconds.
const SIX_MONTHS: i64 = 31_556_952 / 2;

/// What long listings look up once per run: names of ids, the time zone, the current time.
/// One run lists with one time style, which the last rendered time is kept in.
pub struct Lookup {
    accounts: Option<Accounts>,
    users: Names,
    groups: Names,
    zone: TimeZone,
    now: (i64, i64),
    /// The last time rendered and its text: files of one package or one build share their
    /// modification times, and converting to the calendar is most of the long format's own work.
    last_time: Option<((i64, i64), Vec<u8>)>,
}

/// An id's name and its display width, with the last one asked for at hand: entries of a
/// directory mostly have one owner.
#[derive(Default)]
struct Names {
    names: Vec<IdName>,
    /// Where an id's name is in `names`.
    known: HashMap<u32, usize>,
    last: Option<(u32, usize)>,
}

/// What the owner and group columns show for an id.
struct IdName {
    text: String,
    width: usize,
    /// The id's number (under `-n`, or for an id without a name): GNU aligns it to the right.
    number: bool,
}

impl Lookup {
    pub fn new() -> Self {
        Lookup {
            accounts: None,
            users: Names::default(),
            groups: Names::default(),
            zone: local_zone(),
            now: now(),
            last_time: None,
        }
    }

    /// What the owner column shows for `uid`.
    fn user(&mut self, uid: u32, numeric: bool) -> &IdName {
        self.users.get(&mut self.accounts, uid, numeric, Accounts::user_name)
    }

    fn group(&mut self, gid: u32, numeric: bool) -> &IdName {
        self.groups.get(&mut self.accounts, gid, numeric, Accounts::group_name)
    }

    /// `when` as `style` prints it.
    fn time(&mut self, when: (i64, i64), style: &TimeStyle, out: &mut Vec<u8>) {
        if when > self.now {
            // A file from the future: GNU checks the clock again before calling it recent, and
            // the time last rendered may be recent no more.
            self.now = now();
            self.last_time = None;
        }
        if let Some((last, text)) = &self.last_time {
            if *last == when {
                out.extend_from_slice(text);
                return;
            }
        }
        let start = out.len();
        self.render_time(when, style, out);
        let mut text = self.last_time.take().map(|(_, text)| text).unwrap_or_default();
        text.clear();
        text.extend_from_slice(&out[start..]);
        self.last_time = Some((when, text));
    }

    fn render_time(&self, when: (i64, i64), style: &TimeStyle, out: &mut Vec<u8>) {
        let Ok(ts) = Timestamp::new(when.0, when.1 as i32) else {
            let _ = write!(out, "{}", when.0);
            return;
        };
        let recent = when.0 > self.now.0 - SIX_MONTHS && when <= self.now;
        let offset = self.zone.to_offset(ts);
        let t = offset.to_datetime(ts);
        let month = MONTHS[(t.month() as usize).saturating_sub(1) % 12];
        // Written digit by digit: `write!` here was an eighth of the user time of `ls -lR`.
        let date = |out: &mut Vec<u8>| {
            push_year(out, t.year());
            out.push(b'-');
            push_two(out, t.month());
            out.push(b'-');
            push_two(out, t.day());
        };
        let clock = |out: &mut Vec<u8>| {
            push_two(out, t.hour());
            out.push(b':');
            push_two(out, t.minute());
        };
        match style {
            TimeStyle::Locale => {
                out.extend_from_slice(month.as_bytes());
                out.push(b' ');
                right_aligned_number(out, t.day().unsigned_abs().into(), 2);
                if recent {
                    out.push(b' ');
                    clock(out);
                } else {
                    out.extend_from_slice(b"  ");
                    push_year(out, t.year());
                }
            }
            TimeStyle::LongIso => {
                date(out);
                out.push(b' ');
                clock(out);
            }
            TimeStyle::Iso if recent => {
                push_two(out, t.month());
                out.push(b'-');
                push_two(out, t.day());
                out.push(b' ');
                clock(out);
            }
            TimeStyle::Iso => {
                date(out);
                out.push(b' ');
            }
            TimeStyle::FullIso => {
                date(out);
                out.push(b' ');
                clock(out);
                out.push(b':');
                push_two(out, t.second());
                out.push(b'.');
                let nanos = t.subsec_nanosecond().unsigned_abs();
                out.extend((0..9).rev().map(|place| b'0' + (nanos / 10u32.pow(place) % 10) as u8));
                let secs = offset.seconds();
                out.extend_from_slice(if secs < 0 { b" -" } else { b" +" });
                let (h, m) = (secs.unsigned_abs() / 3600, secs.unsigned_abs() / 60 % 60);
                push_two(out, h as i8);
                push_two(out, m as i8);
            }
            TimeStyle::Format { recent: recent_format, old } => {
                let format = if recent { recent_format } else { old };
                let zoned = ts.to_zoned(self.zone.clone());
                let _ = match jiff::fmt::strtime::format(format.as_bytes(), &zoned) {
                    Ok(text) => out.write_all(text.as_bytes()),
                    Err(_) => out.write_all(format.as_bytes()),
                };
            }
        };
    }
}

impl Names {
    /// The name of `id` (its number under `-n` or when unknown) and its width, read once: the
    /// account files are parsed on first use.
    fn get(
        &mut self,
        accounts: &mut Option<Accounts>,
        id: u32,
        numeric: bool,
        lookup: impl Fn(&Accounts, u32) -> Option<&str>,
    ) -> &IdName {
        let index = match self.last {
            Some((last, index)) if last == id => index,
            _ => *self.known.entry(id).or_insert_with(|| {
                let named = match numeric {
                    true => None,
                    false => lookup(accounts.get_or_insert_with(Accounts::load), id).map(str::to_string),
                };
                let number = named.is_none();
                let text = named.unwrap_or_else(|| id.to_string());
                self.names.push(IdName { width: super::names::display_width(text.as_bytes()), text, number });
                self.names.len() - 1
            }),
        };
        self.last = Some((id, index));
        &self.names[index]
    }
}

impl Default for Lookup {
    fn default() -> Self {
        Self::new()
    }
}

/// The time zone times are shown in. Without `TZ`, `/etc/localtime` is read as it is: jiff's
/// own lookup first lists the whole time zone database to learn the zone's name, which `ls`
/// does not show (six instructions in seven of a short `ls -l`).
fn local_zone() -> TimeZone {
    if std::env::var_os("TZ").is_none() {
        if let Some(zone) = std::fs::read("/etc/localtime").ok().and_then(|data| TimeZone::tzif("localtime", &data).ok()) {
            return zone;
        }
    }
    TimeZone::try_system().unwrap_or(TimeZone::UTC)
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

fn now() -> (i64, i64) {
    let t = Timestamp::now();
    (t.as_second(), i64::from(t.subsec_nanosecond()))
}

/// A size with a unit suffix, rounded up as GNU's `-h` (`base` 1024) and `--si` (1000) do:
/// one decimal below 10, none from 10 on.
pub fn human(n: u64, base: u64) -> String {
    const UNITS: &[u8] = b"KMGTPEZY";
    if n < base {
        return n.to_string();
    }
    let n = u128::from(n);
    let base = u128::from(base);
    let mut exponent = 1;
    let mut divisor = base;
    while n / divisor >= base && exponent < UNITS.len() {
        divisor *= base;
        exponent += 1;
    }
    loop {
        let unit = if base == 1000 && exponent == 1 { 'k' } else { char::from(UNITS[exponent - 1]) };
        let tenths = (n * 10).div_ceil(divisor);
        if tenths < 100 {
            return format!("{}.{}{unit}", tenths / 10, tenths % 10);
        }
        let whole = n.div_ceil(divisor);
        if whole < base || exponent == UNITS.len() {
            return format!("{whole}{unit}");
        }
        divisor *= base;
        exponent += 1;
    }
}

/// The allocated size `-s` shows: 1 KiB blocks rounded up, or a human size.
pub fn block_text(blocks_512: u64, options: &Options) -> String {
    match options.human {
        Some(base) => human(blocks_512 * 512, base),
        None => blocks_512.div_ceil(2).to_string(),
    }
}

/// The `total` line of a directory's listing, for `-l` and `-s`.
pub fn total_line(entries: &[Entry], options: &Options) -> String {
    let blocks: u64 = entries.iter().filter_map(|e| e.meta).map(|m| m.blocks).sum();
    format!("total {}\n", block_text(blocks, options))
}

/// `-i` and `-s` columns, as wide as their widest value in the listing.
pub struct Prefix {
    inode: Option<usize>,
    blocks: Option<usize>,
}

impl Prefix {
    pub fn new(entries: &[Entry], options: &Options) -> Prefix {
        let widest = |f: &dyn Fn(&Meta) -> usize| entries.iter().map(|e| e.meta.as_ref().map_or(1, f)).max().unwrap_or(0);
        Prefix {
            inode: options.inode.then(|| widest(&|m| digits(m.ino))),
            blocks: options.blocks.then(|| widest(&|m| block_text(m.blocks, options).len())),
        }
    }

    /// Writes the columns for `entry`; `pad` false for `-m`, which does not align them.
    pub fn write(&self, out: &mut Vec<u8>, entry: &Entry, options: &Options, pad: bool) -> usize {
        let start = out.len();
        if let Some(width) = self.inode {
            let width = if pad { width } else { 0 };
            let _ = match entry.meta {
                Some(m) => write!(out, "{:>width$} ", m.ino),
                None => write!(out, "{:>width$} ", "?"),
            };
        }
        if let Some(width) = self.blocks {
            let width = if pad { width } else { 0 };
            let text = entry.meta.map_or_else(|| "?".to_string(), |m| block_text(m.blocks, options));
            let _ = write!(out, "{text:>width$} ");
        }
        out.len() - start
    }
}

/// Writes `entries` in the long format, aligned as one listing. The columns are also wide
/// enough for `also`: GNU sizes the listing of file operands by all operands, directories
/// included.
pub fn write(out: &mut Vec<u8>, entries: &[Entry], also: &[Entry], options: &Options, lookup: &mut Lookup, namer: &Namer) {
    let all: Vec<Entry>;
    let sized = if also.is_empty() {
        entries
    } else {
        all = entries.iter().chain(also).cloned().collect();
        &all
    };
    let prefix = Prefix::new(sized, options);
    let any_marker = sized.iter().any(|e| e.marker != Marker::None);
    let (mut links, mut owner, mut group, mut size, mut major, mut minor) = (1, 1, 1, 1, 0, 0);
    for entry in sized {
        let Some(m) = entry.meta else { continue };
        links = links.max(digits(m.nlink));
        if options.show_owner {
            owner = owner.max(lookup.user(m.uid, options.numeric_ids).width);
        }
        if options.show_group {
            group = group.max(lookup.group(m.gid, options.numeric_ids).width);
        }
        if matches!(m.kind(), Kind::Block | Kind::Char) {
            major = major.max(digits(dev_major(m.rdev)));
            minor = minor.max(digits(dev_minor(m.rdev)));
        } else {
            size = size.max(match options.human {
                Some(base) => human(m.size, base).len(),
                None => digits(m.size),
            });
        }
    }
    if major > 0 {
        size = size.max(major + 2 + minor);
    }
    for entry in entries {
        prefix.write(out, entry, options, true);
        match entry.meta {
            Some(m) => {
                mode_string(out, m.mode);
                match entry.marker {
                    Marker::Acl => out.push(b'+'),
                    Marker::Context => out.push(b'.'),
                    Marker::None if any_marker => out.push(b' '),
                    Marker::None => {}
                }
                // Columns are written by hand, not with `write!`: formatting machinery was a
                // tenth of the user time of `ls -lR`.
                out.push(b' ');
                right_aligned_number(out, m.nlink, links);
                out.push(b' ');
                if options.show_owner {
                    lookup.user(m.uid, options.numeric_ids).write(out, owner);
                }
                if options.show_group {
                    lookup.group(m.gid, options.numeric_ids).write(out, group);
                }
                if matches!(m.kind(), Kind::Block | Kind::Char) {
                    let major_width = major + (size - (major + 2 + minor));
                    right_aligned_number(out, dev_major(m.rdev), major_width);
                    out.extend_from_slice(b", ");
                    right_aligned_number(out, dev_minor(m.rdev), minor);
                } else {
                    match options.human {
                        Some(base) => right_aligned(out, human(m.size, base).as_bytes(), size),
                        None => right_aligned_number(out, m.size, size),
                    }
                }
                out.push(b' ');
                lookup.time(time(entry, options.time), &options.time_style, out);
                out.push(b' ');
            }
            None => {
                // Unreadable metadata: GNU prints the type it knows and `?` everywhere else.
                out.push(type_letter(entry.kind));
                out.extend_from_slice(b"?????????");
                if any_marker {
                    out.push(b'?');
                }
                let _ = write!(out, " {:>links$} ", "?");
                if options.show_owner {
                    let _ = write!(out, "{:<owner$} ", "?");
                }
                if options.show_group {
                    let _ = write!(out, "{:<group$} ", "?");
                }
                let _ = write!(out, "{:>size$} {:>12} ", "?", "?");
            }
        }
        namer.write(out, entry, true);
        out.push(b'\n');
    }
}

/// `drwxr-xr-x` and friends, set-id and sticky bits included.
fn mode_string(out: &mut Vec<u8>, mode: u32) {
    out.push(type_letter(Kind::from_mode(mode)));
    out.extend_from_slice(&cleanstart_utils_core::modes::permissions(mode));
}

fn type_letter(kind: Kind) -> u8 {
    match kind {
        Kind::Directory => b'd',
        Kind::Symlink => b'l',
        Kind::Fifo => b'p',
        Kind::Socket => b's',
        Kind::Block => b'b',
        Kind::Char => b'c',
        Kind::Regular => b'-',
        Kind::Unknown => b'?',
    }
}

/// A year as `%Y` writes it: no padding, a sign only when negative.
fn push_year(out: &mut Vec<u8>, year: i16) {
    if year < 0 {
        out.push(b'-');
    }
    right_aligned_number(out, year.unsigned_abs().into(), 0);
}

/// A calendar or clock field (0 to 99) as two digits.
fn push_two(out: &mut Vec<u8>, n: i8) {
    let n = n.unsigned_abs() % 100;
    out.extend_from_slice(&[b'0' + n / 10, b'0' + n % 10]);
}

impl IdName {
    /// Writes the name padded to `column` columns, a number on the left, and a space.
    fn write(&self, out: &mut Vec<u8>, column: usize) {
        if self.number {
            right_aligned(out, self.text.as_bytes(), column);
            out.push(b' ');
        } else {
            left_aligned(out, self.text.as_bytes(), self.width, column);
        }
    }
}

/// `text`, `width` columns wide, padded on the right to `column` columns, and a space.
fn left_aligned(out: &mut Vec<u8>, text: &[u8], width: usize, column: usize) {
    out.extend_from_slice(text);
    out.resize(out.len() + column.saturating_sub(width) + 1, b' ');
}

/// `text` (one column per byte) padded on the left to `column` columns.
fn right_aligned(out: &mut Vec<u8>, text: &[u8], column: usize) {
    out.resize(out.len() + column.saturating_sub(text.len()), b' ');
    out.extend_from_slice(text);
}

/// `n` in decimal, padded on the left to `column` columns.
fn right_aligned_number(out: &mut Vec<u8>, mut n: u64, column: usize) {
    let mut text = [0u8; 20];
    let mut start = text.len();
    loop {
        start -= 1;
        text[start] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    right_aligned(out, &text[start..], column);
}

fn digits(mut n: u64) -> usize {
    let mut d = 1;
    while n >= 10 {
        n /= 10;
        d += 1;
    }
    d
}

fn dev_major(dev: u64) -> u64 {
    u64::from(rustix::fs::major(dev))
}

fn dev_minor(dev: u64) -> u64 {
    u64::from(rustix::fs::minor(dev))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_sizes_round_up_like_gnu() {
        let cases = [
            (0, "0"),
            (1023, "1023"),
            (1024, "1.0K"),
            (1025, "1.1K"),
            (1536, "1.5K"),
            (10239, "10K"),
            (11893, "12K"),
            (1_048_575, "1.0M"),
            (5 * 1024 * 1024 * 1024, "5.0G"),
        ];
        for (n, text) in cases {
            assert_eq!(human(n, 1024), text, "{n}");
        }
        assert_eq!(human(1500, 1000), "1.5k");
        assert_eq!(human(999_999, 1000), "1.0M");
    }

    #[test]
    fn mode_strings() {
        let text = |mode| {
            let mut out = Vec::new();
            mode_string(&mut out, mode);
            String::from_utf8(out).unwrap()
        };
        assert_eq!(text(0o100644), "-rw-r--r--");
        assert_eq!(text(0o040755), "drwxr-xr-x");
        assert_eq!(text(0o104755), "-rwsr-xr-x");
        assert_eq!(text(0o102644), "-rw-r-Sr--");
        assert_eq!(text(0o041777), "drwxrwxrwt");
        assert_eq!(text(0o041776), "drwxrwxrwT");
        assert_eq!(text(0o120777), "lrwxrwxrwx");
    }

    #[test]
    fn aligned_columns() {
        let mut out = Vec::new();
        right_aligned_number(&mut out, 0, 3);
        right_aligned_number(&mut out, 12345, 3);
        right_aligned_number(&mut out, u64::MAX, 0);
        left_aligned(&mut out, "é".as_bytes(), 1, 3);
        left_aligned(&mut out, b"root", 4, 2);
        assert_eq!(String::from_utf8(out).unwrap(), format!("  012345{}é   root ", u64::MAX));
    }

    #[test]
    fn times_rendered_once_are_repeated() {
        let mut lookup = Lookup::new();
        let old = (1_000_000_000, 5);
        let mut out = Vec::new();
        for when in [old, old, (old.0 + 86_400, 0), old] {
            lookup.time(when, &TimeStyle::LongIso, &mut out);
            out.push(b'|');
        }
        let text = String::from_utf8(out).unwrap();
        let fields: Vec<_> = text.split('|').collect();
        assert_eq!(fields[0], fields[1]);
        assert_eq!(fields[0], fields[3]);
        assert_ne!(fields[0], fields[2]);
        assert!(fields[0].starts_with("2001-09-"), "{text}");
    }

    #[test]
    fn device_numbers() {
        // makedev(259, 70000) in glibc's encoding.
        let dev = (259 & 0xfff) << 8 | (70000 & 0xff) | ((70000 & !0xff) << 12);
        assert_eq!((dev_major(dev), dev_minor(dev)), (259, 70000));
    }
}
