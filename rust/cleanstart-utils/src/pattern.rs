//! POSIX regular expressions (basic and extended, with GNU's extensions) translated to the
//! `regex` crate's syntax, and grep's matcher built from them.
//!
//! The translation keeps POSIX meaning where the two syntaxes differ: in a BRE `+ ? | { } ( )`
//! are literal and `\+ \? \| \{ \} \( \)` are operators; `*` at the start of an expression (or
//! of a group or alternative) is literal; `^` and `$` anchor only at the ends of an expression;
//! a backslash inside a bracket expression is literal, and `[` `&&` `--` `~~` there (set
//! operations for the regex crate) are escaped. GNU's `\< \> \b \B \w \W \s \S` are kept;
//! back-references have no equivalent in the regex crate and are refused with a clear error.

use regex::bytes::{Regex, RegexBuilder};

/// The pattern syntaxes grep offers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// `-G`, POSIX basic regular expressions (the default).
    Basic,
    /// `-E`, POSIX extended regular expressions.
    Extended,
    /// `-F`, fixed strings.
    Fixed,
}

/// Translates one pattern to the regex crate's syntax.
pub fn translate(pattern: &str, syntax: Syntax) -> Result<String, String> {
    match syntax {
        Syntax::Fixed => Ok(regex::escape(pattern)),
        Syntax::Basic | Syntax::Extended => Translator { chars: pattern.chars().collect(), at: 0, ere: syntax == Syntax::Extended }.run(),
    }
}

struct Translator {
    chars: Vec<char>,
    at: usize,
    ere: bool,
}

impl Translator {
    fn run(mut self) -> Result<String, String> {
        let mut out = String::new();
        // True where a `*` would have nothing to repeat: start, after a group opening,
        // an alternation or a leading `^`.
        let mut at_start = true;
        let mut depth = 0usize;
        while self.at < self.chars.len() {
            let c = self.chars[self.at];
            self.at += 1;
            let was_start = at_start;
            at_start = false;
            match c {
                '\\' => {
                    let Some(&next) = self.chars.get(self.at) else {
                        return Err("trailing backslash (\\)".into());
                    };
                    self.at += 1;
                    match (next, self.ere) {
                        ('(', false) => {
                            depth += 1;
                            out.push('(');
                            at_start = true;
                        }
                        (')', false) => {
                            if depth == 0 {
                                return Err("Unmatched ) or \\)".into());
                            }
                            depth -= 1;
                            out.push(')');
                        }
                        ('|', false) => {
                            out.push('|');
                            at_start = true;
                        }
                        ('{', false) => out.push_str(&self.interval("\\}")?),
                        ('+', false) | ('?', false) => {
                            if was_start {
                                out.push('\\');
                            }
                            out.push(next);
                        }
                        ('1'..='9', _) => return Err("back-references (\\1 to \\9) are not supported".into()),
                        ('<', _) => out.push_str(r"\b{start}"),
                        ('>', _) => out.push_str(r"\b{end}"),
                        ('b' | 'B' | 'w' | 'W' | 's' | 'S', _) => {
                            out.push('\\');
                            out.push(next);
                        }
                        ('`', _) => out.push_str(r"\A"),
                        ('\'', _) => out.push_str(r"\z"),
                        (other, _) => push_literal(&mut out, other),
                    }
                }
                '[' => out.push_str(&self.bracket()?),
                '*' if was_start => out.push_str(r"\*"),
                '*' => out.push('*'),
                '.' => out.push('.'),
                '^' if was_start || self.ere => {
                    out.push('^');
                    at_start = true;
                }
                '$' if self.ere || self.at_end_of_expression() => out.push('$'),
                '(' if self.ere => {
                    depth += 1;
                    out.push('(');
                    at_start = true;
                }
                ')' if self.ere && depth > 0 => {
                    depth -= 1;
                    out.push(')');
                }
                '|' if self.ere => {
                    out.push('|');
                    at_start = true;
                }
                '+' | '?' if self.ere && !was_start => out.push(c),
                '{' if self.ere && !was_start && self.valid_interval_ahead() => out.push_str(&self.interval("}")?),
                other => push_literal(&mut out, other),
            }
        }
        if depth > 0 {
            return Err("Unmatched ( or \\(".into());
        }
        Ok(out)
    }

    /// In a BRE, `$` anchors only at the end of the expression, of a group or of an alternative.
    fn at_end_of_expression(&self) -> bool {
        let rest = &self.chars[self.at..];
        rest.is_empty() || rest.starts_with(&['\\', ')']) || rest.starts_with(&['\\', '|'])
    }

    fn valid_interval_ahead(&self) -> bool {
        let rest: String = self.chars[self.at..].iter().collect();
        match rest.find('}') {
            Some(end) => {
                let body = &rest[..end];
                let mut parts = body.splitn(2, ',');
                let lo = parts.next().unwrap_or("");
                let hi = parts.next();
                (!lo.is_empty() || hi.is_some_and(|h| !h.is_empty()))
                    && lo.chars().all(|c| c.is_ascii_digit())
                    && hi.is_none_or(|h| h.chars().all(|c| c.is_ascii_digit()))
            }
            None => false,
        }
    }

    /// `{m}`, `{m,}`, `{m,n}` (and `{,n}`, GNU's `{0,n}`) up to the closing `close`.
    fn interval(&mut self, close: &str) -> Result<String, String> {
        let rest: String = self.chars[self.at..].iter().collect();
        let end = rest.find(close).ok_or("Unmatched \\{")?;
        let body = &rest[..end];
        self.at += body.chars().count() + close.chars().count();
        let (lo, hi) = match body.split_once(',') {
            Some((lo, hi)) => (lo, Some(hi)),
            None => (body, None),
        };
        let num = |s: &str| -> Result<Option<u32>, String> {
            if s.is_empty() {
                Ok(None)
            } else {
                s.parse().map(Some).map_err(|_| "Invalid content of \\{\\}".to_string())
            }
        };
        let (lo, hi_value) = (num(lo)?, hi.map(num).transpose()?.flatten());
        let lo = lo.unwrap_or(0);
        match (hi, hi_value) {
            (None, _) => Ok(format!("{{{lo}}}")),
            (Some(_), None) => Ok(format!("{{{lo},}}")),
            (Some(_), Some(h)) if h < lo => Err("Invalid content of \\{\\}".into()),
            (Some(_), Some(h)) => Ok(format!("{{{lo},{h}}}")),
        }
    }

    /// A bracket expression, from after `[` through its closing `]`.
    fn bracket(&mut self) -> Result<String, String> {
        let mut out = String::from("[");
        if self.chars.get(self.at) == Some(&'^') {
            out.push('^');
            self.at += 1;
        }
        let mut first = true;
        loop {
            let Some(&c) = self.chars.get(self.at) else {
                return Err("Unmatched [, [^, [:, [., or [=".into());
            };
            self.at += 1;
            match c {
                ']' if !first => break,
                '[' if matches!(self.chars.get(self.at), Some(':' | '.' | '=')) => {
                    let kind = self.chars[self.at];
                    let rest: String = self.chars[self.at + 1..].iter().collect();
                    let close = format!("{kind}]");
                    let end = rest.find(&close).ok_or("Unmatched [, [^, [:, [., or [=")?;
                    let name = &rest[..end];
                    self.at += 1 + name.chars().count() + 2;
                    match kind {
                        ':' => {
                            const CLASSES: [&str; 12] =
                                ["alnum", "alpha", "blank", "cntrl", "digit", "graph", "lower", "print", "punct", "space", "upper", "xdigit"];
                            if !CLASSES.contains(&name) {
                                return Err("Invalid character class name".into());
                            }
                            out.push_str(&format!("[:{name}:]"));
                        }
                        // Collating symbols and equivalence classes of one character are that character.
                        _ if name.chars().count() == 1 => push_class_literal(&mut out, name.chars().next().unwrap_or(' ')),
                        _ => return Err("Invalid collation character".into()),
                    }
                }
                other => push_class_literal(&mut out, other),
            }
            first = false;
        }
        out.push(']');
        Ok(out)
    }
}

/// A character matched literally outside brackets.
fn push_literal(out: &mut String, c: char) {
    if regex_syntax_is_meta(c) {
        out.push('\\');
    }
    out.push(c);
}

fn regex_syntax_is_meta(c: char) -> bool {
    matches!(c, '\\' | '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$' | '#' | '&' | '-' | '~')
}

/// A character inside brackets: the regex crate gives `\ [ & - ~` meanings POSIX does not
/// (escapes, nested classes, set operations), so they are escaped; `-` stays a range operator
/// between two characters, which is what POSIX means too.
fn push_class_literal(out: &mut String, c: char) {
    match c {
        '\\' | '[' | '&' | '~' | '^' => {
            out.push('\\');
            out.push(c);
        }
        _ => out.push(c),
    }
}

/// How whole lines or words must match (`-x`, `-w`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Extent {
    #[default]
    Anywhere,
    Word,
    Line,
}

/// grep's patterns as two regexes: one for a single line, one that finds candidate lines in a
/// whole buffer (multi-line anchors); see [`crate::grep`] for how they are combined.
#[derive(Debug, Clone)]
pub struct Matcher {
    pub line: Regex,
    pub buffer: Regex,
    /// No pattern at all can match (grep with `-f /dev/null`).
    pub empty_set: bool,
}

impl Matcher {
    pub fn new(patterns: &[String], syntax: Syntax, ignore_case: bool, extent: Extent) -> Result<Self, String> {
        let mut parts = Vec::with_capacity(patterns.len());
        for p in patterns {
            parts.push(translate(p, syntax)?);
        }
        let empty_set = parts.is_empty();
        let alternatives = if empty_set { "[^\\x00-\\x{10FFFF}]".to_string() } else { parts.iter().map(|p| format!("(?:{p})")).collect::<Vec<_>>().join("|") };
        let body = match extent {
            Extent::Anywhere => alternatives,
            Extent::Word => format!(r"\b{{start-half}}(?:{alternatives})\b{{end-half}}"),
            Extent::Line => format!("^(?:{alternatives})$"),
        };
        let build = |multi_line: bool| {
            RegexBuilder::new(&body)
                .case_insensitive(ignore_case)
                .multi_line(multi_line)
                .size_limit(64 << 20)
                .build()
                .map_err(|e| match e {
                    regex::Error::Syntax(text) => text.lines().last().unwrap_or("invalid regular expression").trim().to_string(),
                    other => other.to_string(),
                })
        };
        Ok(Matcher { line: build(false)?, buffer: build(true)?, empty_set })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bre(p: &str) -> String {
        translate(p, Syntax::Basic).unwrap()
    }

    fn ere(p: &str) -> String {
        translate(p, Syntax::Extended).unwrap()
    }

    fn matches(p: &str, syntax: Syntax, text: &str) -> bool {
        Matcher::new(&[p.to_string()], syntax, false, Extent::Anywhere).unwrap().line.is_match(text.as_bytes())
    }

    #[test]
    fn bre_operators_and_literals() {
        assert_eq!(bre(r"a\(b\)*c"), "a(b)*c");
        assert_eq!(bre("a+b?c|d(e)"), r"a\+b\?c\|d\(e\)");
        assert_eq!(bre(r"a\+b\?"), "a+b?");
        assert_eq!(bre(r"x\|y"), "x|y");
        assert_eq!(bre(r"a\{2,3\}"), "a{2,3}");
        assert_eq!(bre(r"a\{2\}"), "a{2}");
        assert_eq!(bre(r"a\{,3\}"), "a{0,3}");
        assert_eq!(bre(r"a\{2,\}"), "a{2,}");
        assert_eq!(bre("a{2}"), r"a\{2\}");
    }

    #[test]
    fn bre_star_and_anchors_depend_on_position() {
        assert_eq!(bre("*a"), r"\*a");
        assert_eq!(bre("^*a"), r"^\*a");
        assert_eq!(bre(r"\(*a\)"), r"(\*a)");
        assert_eq!(bre("a^b$c"), r"a\^b\$c");
        assert_eq!(bre("^ab$"), "^ab$");
        assert_eq!(bre(r"\(^a$\)"), "(^a$)");
        assert_eq!(bre(r"a$\|^b"), "a$|^b");
    }

    #[test]
    fn brackets_keep_posix_meaning() {
        assert_eq!(bre(r"[\]"), r"[\\]");
        assert_eq!(bre("[]a]"), "[]a]");
        assert_eq!(bre("[^]a]"), "[^]a]");
        assert_eq!(bre("[[:digit:]x-z]"), "[[:digit:]x-z]");
        assert_eq!(bre("[a&&b]"), r"[a\&\&b]");
        assert_eq!(bre("[[.-.]]"), "[-]");
        assert!(translate("[[:nope:]]", Syntax::Basic).is_err());
        assert!(translate("[abc", Syntax::Basic).is_err());
        assert!(matches(r"[\]x", Syntax::Basic, r"\x"));
        assert!(matches("[]]", Syntax::Basic, "]"));
        assert!(!matches("[^]a]", Syntax::Basic, "a"));
    }

    #[test]
    fn gnu_extensions_and_refusals() {
        assert_eq!(bre(r"\<word\>"), r"\b{start}word\b{end}");
        assert_eq!(bre(r"\w\S"), r"\w\S");
        assert!(translate(r"\(a\)\1", Syntax::Basic).unwrap_err().contains("back-references"));
        assert!(translate(r"a\(b", Syntax::Basic).is_err());
        assert!(translate(r"a\)", Syntax::Basic).is_err());
        assert!(translate("a\\", Syntax::Basic).is_err());
    }

    #[test]
    fn ere_translation() {
        assert_eq!(ere("a+(b|c)?"), "a+(b|c)?");
        assert_eq!(ere("a{1"), r"a\{1");
        assert_eq!(ere("a{1,2}"), "a{1,2}");
        assert_eq!(ere("*a"), r"\*a");
        assert_eq!(ere(r"\.\+"), r"\.\+");
        assert!(matches("a{1", Syntax::Extended, "a{1}"));
        assert!(matches("(^|x)b", Syntax::Extended, "b"));
    }

    #[test]
    fn fixed_strings_are_literal() {
        assert!(matches("a.b[", Syntax::Fixed, "xa.b[y"));
        assert!(!matches("a.b", Syntax::Fixed, "axb"));
    }

    #[test]
    fn word_and_line_extents() {
        let word = Matcher::new(&["foo".into()], Syntax::Basic, false, Extent::Word).unwrap();
        assert!(word.line.is_match(b"foo-bar"));
        assert!(!word.line.is_match(b"foobar"));
        let dash = Matcher::new(&["-x".into()], Syntax::Fixed, false, Extent::Word).unwrap();
        assert!(dash.line.is_match(b"a -x b"));
        let line = Matcher::new(&["a".into(), "b.".into()], Syntax::Basic, true, Extent::Line).unwrap();
        assert!(line.line.is_match(b"A"));
        assert!(line.line.is_match(b"bc"));
        assert!(!line.line.is_match(b"ab"));
        let none = Matcher::new(&[], Syntax::Basic, false, Extent::Anywhere).unwrap();
        assert!(none.empty_set && !none.line.is_match(b"anything"));
    }
}
