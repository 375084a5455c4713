//! Shell patterns (`find -name`, `-iname`, `-path`, `-ipath`; `ls --ignore`): POSIX `fnmatch` on bytes, with the
//! flags GNU find uses (no `FNM_PATHNAME`, so `*` matches `/`; no `FNM_PERIOD`, so `*` matches a
//! leading dot). `{a,b}` is literal, as in fnmatch (glob crates treat it as alternation).

/// A compiled shell pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    items: Vec<Item>,
    fold_case: bool,
}

#[derive(Debug, Clone, PartialEq)]
enum Item {
    Byte(u8),
    /// `?`: one character (one UTF-8 sequence, or one byte where the name is not UTF-8).
    Any,
    Star,
    Class { negated: bool, members: Vec<ClassMember> },
}

#[derive(Debug, Clone, PartialEq)]
enum ClassMember {
    Range(u32, u32),
    Named(NamedClass),
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum NamedClass {
    Alnum,
    Alpha,
    Blank,
    Cntrl,
    Digit,
    Graph,
    Lower,
    Print,
    Punct,
    Space,
    Upper,
    Xdigit,
}

impl NamedClass {
    fn parse(name: &[u8]) -> Option<Self> {
        Some(match name {
            b"alnum" => Self::Alnum,
            b"alpha" => Self::Alpha,
            b"blank" => Self::Blank,
            b"cntrl" => Self::Cntrl,
            b"digit" => Self::Digit,
            b"graph" => Self::Graph,
            b"lower" => Self::Lower,
            b"print" => Self::Print,
            b"punct" => Self::Punct,
            b"space" => Self::Space,
            b"upper" => Self::Upper,
            b"xdigit" => Self::Xdigit,
            _ => return None,
        })
    }

    fn contains(self, c: u32) -> bool {
        let Some(ch) = char::from_u32(c) else { return false };
        match self {
            Self::Alnum => ch.is_alphanumeric(),
            Self::Alpha => ch.is_alphabetic(),
            Self::Blank => ch == ' ' || ch == '\t',
            Self::Cntrl => ch.is_control(),
            Self::Digit => ch.is_ascii_digit(),
            Self::Graph => !ch.is_control() && !ch.is_whitespace(),
            Self::Lower => ch.is_lowercase(),
            Self::Print => !ch.is_control(),
            Self::Punct => ch.is_ascii_punctuation(),
            Self::Space => ch.is_whitespace(),
            Self::Upper => ch.is_uppercase(),
            Self::Xdigit => ch.is_ascii_hexdigit(),
        }
    }
}

impl Pattern {
    /// Compiles `pattern`; every byte string is a valid pattern (an unclosed `[` is literal,
    /// as in glibc).
    pub fn new(pattern: &[u8], fold_case: bool) -> Self {
        let mut items = Vec::new();
        let mut i = 0;
        while i < pattern.len() {
            match pattern[i] {
                b'*' => {
                    if items.last() != Some(&Item::Star) {
                        items.push(Item::Star);
                    }
                    i += 1;
                }
                b'?' => {
                    items.push(Item::Any);
                    i += 1;
                }
                b'[' => match parse_class(pattern, i + 1) {
                    Some((item, next)) => {
                        items.push(item);
                        i = next;
                    }
                    None => {
                        items.push(Item::Byte(b'['));
                        i += 1;
                    }
                },
                b'\\' if i + 1 < pattern.len() => {
                    items.push(Item::Byte(pattern[i + 1]));
                    i += 2;
                }
                b => {
                    items.push(Item::Byte(b));
                    i += 1;
                }
            }
        }
        Pattern { items, fold_case }
    }

    /// Whether the whole of `name` matches.
    pub fn matches(&self, name: &[u8]) -> bool {
        // Iterative matching with one backtrack point for the last `*` (linear in practice and
        // never exponential, unlike naive recursion over many stars).
        let (mut p, mut n) = (0, 0);
        let mut backtrack: Option<(usize, usize)> = None;
        loop {
            if p < self.items.len() {
                match &self.items[p] {
                    Item::Star => {
                        backtrack = Some((p, n));
                        p += 1;
                        continue;
                    }
                    item => {
                        if let Some(len) = self.match_one(item, &name[n..]) {
                            p += 1;
                            n += len;
                            continue;
                        }
                    }
                }
            } else if n == name.len() {
                return true;
            }
            match backtrack {
                Some((star, from)) if from < name.len() => {
                    let step = char_at(&name[from..]).1;
                    backtrack = Some((star, from + step));
                    p = star + 1;
                    n = from + step;
                }
                _ => return false,
            }
        }
    }

    /// Length of the text at the start of `rest` that `item` matches, if it does.
    fn match_one(&self, item: &Item, rest: &[u8]) -> Option<usize> {
        if rest.is_empty() {
            return None;
        }
        match item {
            Item::Byte(b) => {
                let same = if self.fold_case { b.eq_ignore_ascii_case(&rest[0]) } else { *b == rest[0] };
                same.then_some(1)
            }
            Item::Any => Some(char_at(rest).1),
            Item::Class { negated, members } => {
                let (c, len) = char_at(rest);
                let hit = |c: u32| {
                    members.iter().any(|m| match m {
                        ClassMember::Range(lo, hi) => (*lo..=*hi).contains(&c),
                        ClassMember::Named(class) => class.contains(c),
                    })
                };
                let mut found = hit(c);
                if !found && self.fold_case {
                    if let Some(ch) = char::from_u32(c) {
                        found = hit(ch.to_ascii_lowercase() as u32) || hit(ch.to_ascii_uppercase() as u32);
                    }
                }
                (found != *negated).then_some(len)
            }
            Item::Star => None,
        }
    }
}

/// The character at the start of `bytes` and its length: a UTF-8 sequence when there is a valid
/// one, else the single byte (as a code point above any Unicode one, so ranges never hold it by
/// accident, but `[!a]` and `?` still match it).
fn char_at(bytes: &[u8]) -> (u32, usize) {
    let len = match bytes[0] {
        0x00..=0x7f => return (bytes[0] as u32, 1),
        0xc0..=0xdf => 2,
        0xe0..=0xef => 3,
        0xf0..=0xf7 => 4,
        _ => 0,
    };
    if len > 0 && bytes.len() >= len {
        if let Ok(s) = std::str::from_utf8(&bytes[..len]) {
            if let Some(c) = s.chars().next() {
                return (c as u32, len);
            }
        }
    }
    (0x11_0000 + bytes[0] as u32, 1)
}

/// Parses a bracket expression whose body starts at `start` (just after `[`); returns the item
/// and the index after the closing `]`, or None when there is no closing `]`.
fn parse_class(pattern: &[u8], start: usize) -> Option<(Item, usize)> {
    let mut i = start;
    let negated = matches!(pattern.get(i), Some(b'!' | b'^'));
    if negated {
        i += 1;
    }
    let mut members = Vec::new();
    let mut first = true;
    loop {
        let b = *pattern.get(i)?;
        if b == b']' && !first {
            return Some((Item::Class { negated, members }, i + 1));
        }
        first = false;
        if b == b'[' && pattern.get(i + 1) == Some(&b':') {
            if let Some(end) = find(&pattern[i + 2..], b":]") {
                let name = &pattern[i + 2..i + 2 + end];
                if let Some(class) = NamedClass::parse(name) {
                    members.push(ClassMember::Named(class));
                    i += 2 + end + 2;
                    continue;
                }
                return None; // glibc: an unknown class makes the pattern fail to compile
            }
        }
        let (lo, next) = class_char(pattern, i)?;
        i = next;
        if pattern.get(i) == Some(&b'-') && pattern.get(i + 1).is_some_and(|&c| c != b']') {
            let (hi, next) = class_char(pattern, i + 1)?;
            members.push(ClassMember::Range(lo, hi));
            i = next;
        } else {
            members.push(ClassMember::Range(lo, lo));
        }
    }
}

fn class_char(pattern: &[u8], i: usize) -> Option<(u32, usize)> {
    match pattern.get(i)? {
        b'\\' if i + 1 < pattern.len() => {
            let (c, len) = char_at(&pattern[i + 1..]);
            Some((c, i + 1 + len))
        }
        _ => {
            let (c, len) = char_at(&pattern[i..]);
            Some((c, i + len))
        }
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    fn m(pattern: &str, name: &[u8]) -> bool {
        Pattern::new(pattern.as_bytes(), false).matches(name)
    }

    #[test]
    fn stars_and_questions() {
        assert!(m("*.rs", b"main.rs"));
        assert!(m("*.rs", b".rs"), "no FNM_PERIOD: a star matches a leading dot");
        assert!(!m("*.rs", b"main.rsx"));
        assert!(m("a*b*c", b"aXXbYYbc"));
        assert!(m("*/b", b"x/y/b"), "no FNM_PATHNAME: a star matches a slash");
        assert!(m("?", "é".as_bytes()), "one character, not one byte");
        assert!(!m("??", "é".as_bytes()));
        assert!(m("**", b""));
        assert!(!m("?", b""));
        assert!(m(&"*a".repeat(20), &b"a".repeat(40)));
        assert!(!m(&"*a".repeat(20), &[b"b".repeat(40), b"c".to_vec()].concat()));
    }

    #[test]
    fn brackets() {
        assert!(m("[abc]x", b"bx"));
        assert!(m("[!abc]x", b"dx"));
        assert!(m("[^abc]x", b"dx"));
        assert!(!m("[!abc]x", b"ax"));
        assert!(m("[a-c]", b"b"));
        assert!(m("[]]", b"]"));
        assert!(m("[!]]", b"a"));
        assert!(m("[a-]", b"-"));
        assert!(m("[[:digit:]][[:upper:]]", b"7Q"));
        assert!(!m("[[:digit:]]", b"x"));
        assert!(m("[", b"["), "an unclosed bracket is literal");
        assert!(m("x[", b"x["));
        assert!(m("[\\]]", b"]"));
    }

    #[test]
    fn escapes_braces_and_bytes() {
        assert!(m("\\*", b"*"));
        assert!(!m("\\*", b"a"));
        assert!(m("{a,b}", b"{a,b}"));
        assert!(m("*", b"\xff\xfe"));
        assert!(m("?", b"\xff"));
        assert!(m("[!a]", b"\xff"));
        assert!(m("x\\", b"x\\"), "a trailing backslash is literal");
    }

    #[test]
    fn case_folding() {
        let p = Pattern::new(b"*.TXT", true);
        assert!(p.matches(b"a.txt"));
        assert!(Pattern::new(b"[a-c]", true).matches(b"B"));
        assert!(!Pattern::new(b"*.TXT", false).matches(b"a.txt"));
    }
}
