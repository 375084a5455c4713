//! The order of a listing: by name (bytes, as the C locale), size, time, extension or version,
//! reversed with `-r`, directories first with `--group-directories-first`.

use super::entries::Entry;
use super::options::{Options, SortKey, TimeField};
use std::cmp::Ordering;
use std::os::unix::ffi::OsStrExt;

/// Sorts `entries` as `options` asks.
pub fn sort(entries: &mut [Entry], options: &Options) {
    let by_key = |a: &Entry, b: &Entry| -> Ordering {
        let name = || a.name.as_bytes().cmp(b.name.as_bytes());
        match options.sort {
            SortKey::Unsorted => Ordering::Equal,
            SortKey::Name => name(),
            // Largest or newest first; equal ones by name, as GNU does.
            SortKey::Size => size(b).cmp(&size(a)).then_with(name),
            SortKey::Time => time(b, options.time).cmp(&time(a, options.time)).then_with(name),
            SortKey::Extension => extension(a.name.as_bytes()).cmp(extension(b.name.as_bytes())).then_with(name),
            SortKey::Version => version_cmp(a.name.as_bytes(), b.name.as_bytes()).then_with(name),
        }
    };
    // Every key ends with the name, unique within a directory, so an unstable sort gives the same
    // order and, unlike a stable one, allocates no scratch space per directory.
    if options.sort != SortKey::Unsorted {
        if options.reverse {
            entries.sort_unstable_by(|a, b| by_key(b, a));
        } else {
            entries.sort_unstable_by(by_key);
        }
    }
    if options.group_directories_first {
        // A stable sort keeps the order within each group.
        entries.sort_by_key(|e| !e.groups_as_directory());
    }
}

fn size(e: &Entry) -> u64 {
    e.meta.map_or(0, |m| m.size)
}

pub fn time(e: &Entry, field: TimeField) -> (i64, i64) {
    e.meta.map_or((0, 0), |m| match field {
        TimeField::Modified => m.modified,
        TimeField::Changed => m.changed,
        TimeField::Accessed => m.accessed,
    })
}

/// The part after the last `.`, empty when there is none (a leading dot does not count).
fn extension(name: &[u8]) -> &[u8] {
    match name.iter().rposition(|&b| b == b'.') {
        Some(0) | None => b"",
        Some(dot) => &name[dot..],
    }
}

/// Version order: GNU's filevercmp. `.` and `..` first, then other hidden names; runs of digits
/// compare as numbers, letters before other characters, `~` before everything; a trailing
/// suffix like `.tar.gz` is compared only when the rest is equal.
pub fn version_cmp(a: &[u8], b: &[u8]) -> Ordering {
    let rank = |s: &[u8]| match s {
        b"" => 0,
        b"." => 1,
        b".." => 2,
        _ if s[0] == b'.' => 3,
        _ => 4,
    };
    let (ra, rb) = (rank(a), rank(b));
    if ra != rb || ra < 3 {
        return ra.cmp(&rb);
    }
    let skip = usize::from(ra == 3);
    let (a, b) = (&a[skip..], &b[skip..]);
    let (pa, pb) = (prefix_len(a), prefix_len(b));
    let first = verrevcmp(&a[..pa], &b[..pb]);
    if first != Ordering::Equal || (pa == a.len() && pb == b.len()) {
        return first;
    }
    verrevcmp(a, b)
}

/// The length of `s` without its suffix: the longest tail of `.` + letter or `~` +
/// alphanumerics or `~`, repeated.
fn prefix_len(s: &[u8]) -> usize {
    let n = s.len();
    let mut prefix = 0;
    let mut i = 0;
    while i < n {
        i += 1;
        prefix = i;
        while i + 1 < n && s[i] == b'.' && (s[i + 1].is_ascii_alphabetic() || s[i + 1] == b'~') {
            i += 2;
            while i < n && (s[i].is_ascii_alphanumeric() || s[i] == b'~') {
                i += 1;
            }
        }
    }
    prefix
}

/// Debian's version comparison, as gnulib has it.
fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let order = |c: u8| -> i32 {
        if c.is_ascii_digit() {
            0
        } else if c.is_ascii_alphabetic() {
            i32::from(c)
        } else if c == b'~' {
            -1
        } else {
            i32::from(c) + 256
        }
    };
    let digit = |s: &[u8], i: usize| s.get(i).is_some_and(u8::is_ascii_digit);
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !a[i].is_ascii_digit()) || (j < b.len() && !b[j].is_ascii_digit()) {
            let ca = if i < a.len() { order(a[i]) } else { 0 };
            let cb = if j < b.len() { order(b[j]) } else { 0 };
            if ca != cb {
                return ca.cmp(&cb);
            }
            i += 1;
            j += 1;
        }
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while digit(a, i) && digit(b, j) {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if digit(a, i) {
            return Ordering::Greater;
        }
        if digit(b, j) {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_compare_numbers_as_numbers() {
        let mut names: Vec<&[u8]> =
            vec![b"file10", b"file9", b"file1.2", b"file1.10", b"file", b".hidden", b"debianutils", b"debian-keyring"];
        names.sort_by(|a, b| version_cmp(a, b));
        let expected: Vec<&[u8]> =
            vec![b".hidden", b"debianutils", b"debian-keyring", b"file", b"file1.2", b"file1.10", b"file9", b"file10"];
        assert_eq!(names, expected);
        assert_eq!(version_cmp(b"a-1.2.tar.gz", b"a-1.10.tar.gz"), Ordering::Less);
    }

    #[test]
    fn extensions() {
        assert_eq!(extension(b"a.tar.gz"), b".gz");
        assert_eq!(extension(b".bashrc"), b"");
        assert_eq!(extension(b"Makefile"), b"");
    }
}
