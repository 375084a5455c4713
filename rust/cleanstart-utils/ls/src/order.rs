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
    if options.sort == SortKey::Name {
        sort_by_name(entries, options.reverse);
    } else if options.sort != SortKey::Unsorted {
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

/// Sorts by name (the default order) through small keys: an entry holds its metadata inline, so
/// moving entries, and looking through them at their names, was most of what sorting cost. The
/// first eight bytes of a name, as a big-endian number, order most pairs by themselves.
fn sort_by_name(entries: &mut [Entry], reverse: bool) {
    let prefix = |name: &[u8]| {
        let mut bytes = [0u8; 8];
        let len = name.len().min(8);
        bytes[..len].copy_from_slice(&name[..len]);
        // Names hold no NUL bytes, so padding with zeros keeps "a" before "a!".
        u64::from_be_bytes(bytes)
    };
    let mut keys: Vec<(u64, u32)> = entries.iter().enumerate().map(|(i, e)| (prefix(e.name.as_bytes()), i as u32)).collect();
    let by_name = |a: &(u64, u32), b: &(u64, u32)| {
        a.0.cmp(&b.0).then_with(|| entries[a.1 as usize].name.as_bytes().cmp(entries[b.1 as usize].name.as_bytes()))
    };
    if reverse {
        keys.sort_unstable_by(|a, b| by_name(b, a));
    } else {
        keys.sort_unstable_by(by_name);
    }
    let mut order: Vec<u32> = keys.into_iter().map(|(_, i)| i).collect();
    permute(entries, &mut order);
}

/// Moves `items` so that position `i` holds what was at `order[i]`, following each cycle of the
/// permutation (a cycle of k items takes k - 1 swaps). `order` is left as the identity.
fn permute<T>(items: &mut [T], order: &mut [u32]) {
    for start in 0..items.len() {
        let mut current = start;
        while order[current] as usize != start {
            let next = order[current] as usize;
            items.swap(current, next);
            order[current] = current as u32;
            current = next;
        }
        order[current] = current as u32;
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
    fn permutations_put_every_item_in_place() {
        // Every permutation of five items, each applied to the identity.
        let mut seen = 0;
        for code in 0..5usize.pow(5) {
            let order: Vec<u32> = (0..5).map(|i| (code / 5usize.pow(i) % 5) as u32).collect();
            let mut sorted = order.clone();
            sorted.sort_unstable();
            if sorted != [0, 1, 2, 3, 4] {
                continue;
            }
            seen += 1;
            let mut items: Vec<u32> = (0..5).collect();
            let mut scratch = order.clone();
            permute(&mut items, &mut scratch);
            assert_eq!(items, order);
            assert_eq!(scratch, [0, 1, 2, 3, 4]);
        }
        assert_eq!(seen, 120);
    }

    #[test]
    fn names_sort_as_bytes_through_their_prefixes() {
        let names: [&[u8]; 9] =
            [b"abcdefgh2", b"abcdefgh", b"a", b"abcdefgh10", b"a!", b"B", b"\xff", b"abcdefgg-longer", b"\xc3\xa9t\xc3\xa9"];
        let entry = |name: &[u8]| Entry {
            name: super::super::entries::Name::new(name),
            kind: super::super::entries::Kind::Regular,
            meta: None,
            target: None,
            marker: super::super::entries::Marker::None,
        };
        for reverse in [false, true] {
            let mut entries: Vec<Entry> = names.iter().map(|n| entry(n)).collect();
            sort_by_name(&mut entries, reverse);
            let got: Vec<&[u8]> = entries.iter().map(|e| e.name.as_bytes()).collect();
            let mut expected = names.to_vec();
            expected.sort();
            if reverse {
                expected.reverse();
            }
            assert_eq!(got, expected);
        }
    }

    #[test]
    fn extensions() {
        assert_eq!(extension(b"a.tar.gz"), b".gz");
        assert_eq!(extension(b".bashrc"), b"");
        assert_eq!(extension(b"Makefile"), b"");
    }
}
