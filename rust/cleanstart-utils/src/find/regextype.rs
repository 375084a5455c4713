//! `-regex` and `-iregex` with `-regextype`: GNU's regex dialects rewritten into the `regex`
//! crate's syntax, matched against the whole path as bytes.
//!
//! Supported: `emacs` (GNU find's default, also `findutils-default`), `posix-basic` (also `grep`,
//! `sed`, `ed`, `posix-minimal-basic`) and `posix-extended` (also `egrep`, `posix-egrep`, `awk`,
//! `posix-awk`, `gnu-awk`). Backreferences (`\1`) are not supported and are reported as errors.

use regex::bytes::{Regex, RegexBuilder};

/// A regex dialect, described by which spellings are operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RegexType {
    /// Groups and alternation are `\(`, `\)`, `\|` (else `(`, `)`, `|`).
    backslash_groups: bool,
    /// Whether `{m,n}` intervals exist at all.
    intervals: bool,
    /// Intervals are `\{m,n\}` (else `{m,n}`).
    backslash_braces: bool,
    /// `+` and `?` are operators when unescaped (else only `\+`, `\?`, a GNU extension).
    plain_plus_question: bool,
    /// `^`, `$` and `*` are operators only where POSIX basic syntax makes them so.
    context_anchors: bool,
}

pub const EMACS: RegexType = RegexType {
    backslash_groups: true,
    intervals: false,
    backslash_braces: true,
    plain_plus_question: true,
    context_anchors: true,
};
pub const POSIX_BASIC: RegexType = RegexType {
    backslash_groups: true,
    intervals: true,
    backslash_braces: true,
    plain_plus_question: false,
    context_anchors: true,
};
pub const POSIX_EXTENDED: RegexType = RegexType {
    backslash_groups: false,
    intervals: true,
    backslash_braces: false,
    plain_plus_question: true,
    context_anchors: false,
};

impl RegexType {
    /// The dialect `-regextype NAME` selects.
    pub fn by_name(name: &str) -> Option<Self> {
        Some(match name {
            "emacs" | "findutils-default" => EMACS,
            "posix-basic" | "posix-minimal-basic" | "grep" | "sed" | "ed" => POSIX_BASIC,
            "posix-extended" | "egrep" | "posix-egrep" | "awk" | "posix-awk" | "gnu-awk" => POSIX_EXTENDED,
            _ => return None,
        })
    }

    /// Compiles `pattern` to match a whole path.
    pub fn compile(self, pattern: &[u8], fold_case: bool) -> Result<Regex, String> {
        let translated = self.translate(pattern)?;
        RegexBuilder::new(&format!(r"\A(?:{translated})\z"))
            .unicode(false)
            .dot_matches_new_line(true)
            .case_insensitive(fold_case)
            .build()
            .map_err(|e| e.to_string().lines().last().unwrap_or("invalid regular expression").trim().to_string())
    }

    /// Rewrites `pattern` into the regex crate's syntax.
    fn translate(self, pattern: &[u8]) -> Result<String, String> {
        let mut out = String::new();
        let mut i = 0;
        // Where an expression starts (for context-dependent `^` and `*`).
        let mut at_start = true;
        while i < pattern.len() {
            let b = pattern[i];
            let was_start = at_start;
            at_start = false;
            match b {
                b'\\' => {
                    let Some(&next) = pattern.get(i + 1) else {
                        return Err("trailing backslash".into());
                    };
                    i += 2;
                    match next {
                        b'(' if self.backslash_groups => {
                            out.push('(');
                            at_start = true;
                        }
                        b')' if self.backslash_groups => out.push(')'),
                        b'|' if self.backslash_groups => {
                            out.push('|');
                            at_start = true;
                        }
                        b'{' if self.intervals && self.backslash_braces => i = copy_interval(pattern, i, &mut out),
                        b'}' if self.intervals && self.backslash_braces => out.push('}'),
                        b'+' | b'?' if !self.plain_plus_question => out.push(next as char),
                        b'1'..=b'9' => return Err("back-references are not supported".into()),
                        b'w' | b'W' | b's' | b'S' | b'b' | b'B' | b'<' | b'>' => {
                            out.push('\\');
                            out.push(next as char);
                        }
                        b'`' => out.push_str(r"\A"),
                        b'\'' => out.push_str(r"\z"),
                        other => push_literal(&mut out, other),
                    }
                    continue;
                }
                b'[' => {
                    i = translate_bracket(pattern, i, &mut out)?;
                    continue;
                }
                b'(' | b')' | b'|' if !self.backslash_groups => {
                    out.push(b as char);
                    at_start = b != b')';
                }
                b'{' if self.intervals && !self.backslash_braces => {
                    i = copy_interval(pattern, i + 1, &mut out);
                    continue;
                }
                b'}' if self.intervals && !self.backslash_braces => out.push('}'),
                b'+' | b'?' if self.plain_plus_question && !(self.context_anchors && was_start) => {
                    out.push(b as char)
                }
                b'*' if !(self.context_anchors && was_start) => out.push('*'),
                b'^' if !self.context_anchors || was_start => {
                    out.push('^');
                    at_start = true;
                }
                b'$' if !self.context_anchors || self.ends_expression(pattern, i + 1) => out.push('$'),
                b'.' => out.push('.'),
                other => push_literal(&mut out, other),
            }
            i += 1;
        }
        Ok(out)
    }

    /// Whether a `$` before index `i` ends an expression (end, `\)` or `\|`).
    fn ends_expression(self, pattern: &[u8], i: usize) -> bool {
        match pattern.get(i..) {
            None | Some([]) => true,
            Some([b'\\', b')' | b'|', ..]) => self.backslash_groups,
            Some([b')' | b'|', ..]) => !self.backslash_groups,
            _ => false,
        }
    }
}

/// Copies an interval's `{` and its bounds (digits and a comma) from `pattern[i..]`; the closing
/// brace is translated by the caller. Returns the index after the bounds.
fn copy_interval(pattern: &[u8], mut i: usize, out: &mut String) -> usize {
    out.push('{');
    while let Some(&b) = pattern.get(i).filter(|b| b.is_ascii_digit() || **b == b',') {
        out.push(b as char);
        i += 1;
    }
    i
}

fn push_literal(out: &mut String, b: u8) {
    if b.is_ascii_alphanumeric() || b == b'_' || b == b'/' || b == b' ' {
        out.push(b as char);
    } else {
        out.push_str(&format!(r"\x{b:02x}"));
    }
}

/// Copies the POSIX bracket expression starting at `pattern[start] == '['`; returns the index
/// after its `]`. In POSIX brackets a backslash is literal, and `[` only opens `[:class:]`.
fn translate_bracket(pattern: &[u8], start: usize, out: &mut String) -> Result<usize, String> {
    let mut i = start + 1;
    out.push('[');
    if pattern.get(i) == Some(&b'^') {
        out.push('^');
        i += 1;
    }
    let mut first = true;
    loop {
        let Some(&b) = pattern.get(i) else {
            return Err("unmatched [, [^, [:, [., or [=".into());
        };
        if b == b']' && !first {
            out.push(']');
            return Ok(i + 1);
        }
        let is_first = first;
        first = false;
        if b == b'[' && pattern.get(i + 1) == Some(&b':') {
            let end = pattern[i + 2..].windows(2).position(|w| w == b":]").ok_or("unmatched [:")?;
            let name = &pattern[i + 2..i + 2 + end];
            if !name.iter().all(u8::is_ascii_lowercase) {
                return Err("invalid character class".into());
            }
            out.push_str("[:");
            out.push_str(std::str::from_utf8(name).map_err(|_| "invalid character class")?);
            out.push_str(":]");
            i += end + 4;
            continue;
        }
        // A range keeps its `-`; any other byte is escaped so the regex crate's own class
        // syntax (nested classes, `&&`, `--`, `~~`, escapes) never applies.
        if b == b'-' && !is_first && pattern.get(i + 1).is_some_and(|&n| n != b']') {
            out.push('-');
        } else {
            push_literal(out, b);
        }
        i += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn is(t: RegexType, re: &str, path: &str) -> bool {
        t.compile(re.as_bytes(), false).unwrap().is_match(path.as_bytes())
    }

    #[test]
    fn emacs_default() {
        assert!(is(EMACS, r".*\.rs", "./src/main.rs"));
        assert!(!is(EMACS, r"\.rs", "./src/main.rs"), "the whole path must match");
        assert!(is(EMACS, r".*/\(a\|b\)", "./x/b"));
        assert!(is(EMACS, r".*/(a|b)", "./x/(a|b)"), "bare parentheses and bars are literal");
        assert!(is(EMACS, r".*/a+", "./aaa"));
        assert!(is(EMACS, r".*/a{2}", "./a{2}"), "no intervals in emacs syntax");
        assert!(is(EMACS, r"*a", "*a"), "a leading star is literal");
    }

    #[test]
    fn posix_basic_and_extended() {
        assert!(is(POSIX_BASIC, r".*/a\{2\}", "./aa"));
        assert!(is(POSIX_BASIC, r"\./a/b\{0,1\}", "./a/b"));
        assert!(is(POSIX_EXTENDED, r"x{1,2}", "xx"));
        assert!(is(POSIX_BASIC, r".*/a+", "./a+"));
        assert!(is(POSIX_BASIC, r".*/a\+", "./aaa"));
        assert!(is(POSIX_BASIC, r"a^b$c", "a^b$c"), "anchors in the middle are literal");
        assert!(is(POSIX_EXTENDED, r".*/(a|b){2}\.txt", "./ab.txt"));
        assert!(is(POSIX_EXTENDED, r"[[:digit:]]+", "123"));
        assert!(is(POSIX_EXTENDED, r"[\]+", r"\\"), "a backslash in brackets is literal");
        assert!(is(POSIX_EXTENDED, r"[]a]+", "]a"));
        assert!(is(POSIX_EXTENDED, r"[a-c&&]+", "b&"));
        assert!(!is(POSIX_EXTENDED, r"[^a-c]", "b"));
    }

    #[test]
    fn bytes_case_and_errors() {
        let re = POSIX_EXTENDED.compile(b".*\xff", false).unwrap();
        assert!(re.is_match(b"./a\xff"));
        assert!(EMACS.compile(b".*/ABC", true).unwrap().is_match(b"./abc"));
        assert!(POSIX_EXTENDED.compile(b"(", false).is_err());
        assert!(POSIX_EXTENDED.compile(b"[a", false).is_err());
        assert!(POSIX_BASIC.compile(br"\(a\)\1", false).is_err());
        assert!(RegexType::by_name("posix-extended").is_some());
        assert!(RegexType::by_name("perl").is_none());
    }
}
