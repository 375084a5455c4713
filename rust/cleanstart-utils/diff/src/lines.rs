//! A file's text as lines, and the equivalence classes `-i`, `-w`, `-b` and `-Z` compare by.

use std::collections::HashMap;

/// Which differences between lines do not count.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ignore {
    /// `-i`: ASCII case (the C locale's `tolower`).
    pub case: bool,
    /// `-w`: every white-space character.
    pub all_space: bool,
    /// `-b`: the amount of white space; trailing white space entirely.
    pub space_change: bool,
    /// `-Z`: white space at the end of a line.
    pub trailing_space: bool,
    /// `-B`: changes whose lines are all blank.
    pub blank_lines: bool,
}

impl Ignore {
    fn any_space(&self) -> bool {
        self.all_space || self.space_change || self.trailing_space
    }

    /// `-B`'s test: empty, or only white space when white space is ignored too.
    pub fn is_blank(&self, line: &[u8]) -> bool {
        line.is_empty() || self.any_space() && line.iter().all(|&b| is_space(b))
    }
}

/// The lines of a file, without their newlines.
pub struct Text<'a> {
    pub lines: Vec<&'a [u8]>,
    /// The last line has no newline (GNU prints `\ No newline at end of file` after it).
    pub missing_newline: bool,
}

impl<'a> Text<'a> {
    pub fn new(content: &'a [u8]) -> Self {
        let mut lines: Vec<&[u8]> = content.split(|&b| b == b'\n').collect();
        let missing_newline = lines.last().is_some_and(|last| !last.is_empty());
        if !missing_newline {
            lines.pop();
        }
        Text { lines, missing_newline }
    }

    /// Whether line `i` is the last one and lacks its newline.
    pub fn lacks_newline(&self, i: usize) -> bool {
        self.missing_newline && i + 1 == self.lines.len()
    }
}

/// Numbers both files' lines so that two lines get the same number exactly when they compare
/// equal under `ignore`. A missing final newline makes a line differ when `newline_matters`
/// (not for ed scripts, which cannot express it) and white space counts (GNU treats the
/// newline as white space then).
pub fn equivalence_classes(from: &Text, to: &Text, ignore: &Ignore, newline_matters: bool) -> [Vec<usize>; 2] {
    let mut classes: HashMap<(Vec<u8>, bool), usize> = HashMap::new();
    let mut number = |text: &Text| -> Vec<usize> {
        (0..text.lines.len())
            .map(|i| {
                let incomplete = newline_matters && text.lacks_newline(i) && !ignore.any_space();
                let next = classes.len();
                *classes.entry((normalise(text.lines[i], ignore), incomplete)).or_insert(next)
            })
            .collect()
    };
    let from_classes = number(from);
    [from_classes, number(to)]
}

/// The C locale's `isspace`.
fn is_space(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\n' | b'\x0b' | b'\x0c' | b'\r')
}

fn normalise(line: &[u8], ignore: &Ignore) -> Vec<u8> {
    let cased = |b: u8| if ignore.case { b.to_ascii_lowercase() } else { b };
    if ignore.all_space {
        return line.iter().filter(|&&b| !is_space(b)).map(|&b| cased(b)).collect();
    }
    let end = if ignore.space_change || ignore.trailing_space {
        line.iter().rposition(|&b| !is_space(b)).map_or(0, |p| p + 1)
    } else {
        line.len()
    };
    let mut key = Vec::with_capacity(end);
    let mut in_space = false;
    for &b in &line[..end] {
        if ignore.space_change && is_space(b) {
            in_space = true;
            continue;
        }
        if in_space {
            key.push(b' ');
            in_space = false;
        }
        key.push(cased(b));
    }
    key
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(line: &str, ignore: Ignore) -> String {
        String::from_utf8(normalise(line.as_bytes(), &ignore)).unwrap()
    }

    #[test]
    fn white_space_options_normalise_as_gnu_does() {
        let b = Ignore { space_change: true, ..Ignore::default() };
        let w = Ignore { all_space: true, ..Ignore::default() };
        let z = Ignore { trailing_space: true, ..Ignore::default() };
        assert_eq!(key("  a \t b  ", b), " a b");
        assert_eq!(key("  a \t b  ", w), "ab");
        assert_eq!(key("  a \t b  ", z), "  a \t b");
        assert_eq!(key("Ab", Ignore { case: true, ..w }), "ab");
    }

    #[test]
    fn a_missing_newline_is_remembered() {
        let text = Text::new(b"a\nb");
        assert_eq!(text.lines, [&b"a"[..], b"b"]);
        assert!(text.lacks_newline(1) && !text.lacks_newline(0));
        assert!(!Text::new(b"a\n").missing_newline);
        assert!(Text::new(b"").lines.is_empty());
    }

    #[test]
    fn incomplete_lines_differ_unless_white_space_is_ignored() {
        let (from, to) = (Text::new(b"x"), Text::new(b"x\n"));
        let [a, b] = equivalence_classes(&from, &to, &Ignore::default(), true);
        assert_ne!(a, b);
        let [a, b] = equivalence_classes(&from, &to, &Ignore { all_space: true, ..Ignore::default() }, true);
        assert_eq!(a, b);
    }
}
