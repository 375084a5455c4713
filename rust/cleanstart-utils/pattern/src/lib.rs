//! POSIX regular expressions (basic and extended, with GNU's extensions) and GNU's emacs syntax,
//! translated to the `regex` crate's syntax: grep's matcher and find's `-regex`.
//!
//! The translation keeps POSIX meaning where the two syntaxes differ: in a BRE `+ ? | { } ( )`
//! are literal and `\+ \? \| \{ \} \( \)` are operators; `*` at the start of an expression (or
//! of a group or alternative) is literal; `^` and `$` anchor only at the ends of an expression;
//! a backslash inside a bracket expression is literal, and `[` `&&` `--` `~~` there (set
//! operations for the regex crate) are escaped. GNU's `\< \> \b \B \w \W \s \S` are kept;
//! back-references have no equivalent in the regex crate and are refused with a clear error.
//!
//! Characters outside ASCII are written as `\xHH` (or `\x{H...}`), so that a byte pattern read
//! as Latin-1 ([`whole_match`]) compiles to a bytes regex matching those very bytes.
#![forbid(unsafe_code)]

use regex::bytes::{Regex, RegexBuilder};

/// The pattern syntaxes: grep's three, and the dialects find's `-regextype` selects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Syntax {
    /// POSIX basic regular expressions: `grep -G` (the default), `-regextype posix-basic`.
    Basic,
    /// POSIX extended regular expressions as `grep -E` reads them: an operator with nothing to
    /// act on (`*a`, `a|+`), a `)` without `(` and a `{` that starts no interval are literal.
    Extended,
    /// POSIX extended regular expressions as `-regextype posix-extended` reads them: those
    /// out-of-place operators are errors.
    PosixExtended,
    /// GNU's emacs syntax, find's default: `\( \) \|` groups, `+ ?` operators, no intervals.
    Emacs,
    /// `grep -F`, fixed strings.
    Fixed,
}

/// How a syntax writes intervals.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Intervals {
    None,
    /// `\{m,n\}`
    Backslashed,
    /// `{m,n}`
    Plain,
}

impl Syntax {
    /// The syntax `find -regextype NAME` selects (GNU's names and aliases).
    pub fn by_regextype_name(name: &str) -> Option<Self> {
        Some(match name {
            "emacs" | "findutils-default" => Syntax::Emacs,
            "posix-basic" | "posix-minimal-basic" | "grep" | "sed" | "ed" => Syntax::Basic,
            "posix-extended" | "egrep" | "posix-egrep" | "awk" | "posix-awk" | "gnu-awk" => Syntax::PosixExtended,
            _ => return None,
        })
    }

    /// Groups and alternation are `\( \) \|` (else `( ) |`).
    fn backslash_groups(self) -> bool {
        matches!(self, Syntax::Basic | Syntax::Emacs)
    }

    fn intervals(self) -> Intervals {
        match self {
            Syntax::Basic => Intervals::Backslashed,
            Syntax::Extended | Syntax::PosixExtended => Intervals::Plain,
            Syntax::Emacs | Syntax::Fixed => Intervals::None,
        }
    }

    /// `+` and `?` are operators unescaped (else only `\+` and `\?` are, a GNU extension).
    fn plain_plus_question(self) -> bool {
        !matches!(self, Syntax::Basic)
    }

    /// `^`, `$` and `*` are operators only where POSIX basic syntax makes them so.
    fn context_anchors(self) -> bool {
        matches!(self, Syntax::Basic | Syntax::Emacs)
    }

    /// Operators out of place are literal (else errors).
    fn stray_operators_literal(self) -> bool {
        !matches!(self, Syntax::PosixExtended)
    }
}

/// Translates one pattern to the regex crate's syntax.
pub fn translate(pattern: &str, syntax: Syntax) -> Result<String, String> {
    translate_chars(pattern.chars().collect(), syntax)
}

fn translate_chars(chars: Vec<char>, syntax: Syntax) -> Result<String, String> {
    match syntax {
        Syntax::Fixed => Ok(regex::escape(&chars.into_iter().collect::<String>())),
        _ => Translator { chars, at: 0, syntax }.run(),
    }
}

/// find's `-regex`: `pattern` (bytes, not necessarily UTF-8) compiled to match a whole path,
/// byte by byte, `.` included newlines.
pub fn whole_match(pattern: &[u8], syntax: Syntax, ignore_case: bool) -> Result<Regex, String> {
    // Each byte becomes the character of the same number, which the translation writes back as
    // `\xHH`: a byte in a bytes regex without Unicode.
    let translated = translate_chars(pattern.iter().map(|&b| char::from(b)).collect(), syntax)?;
    RegexBuilder::new(&format!(r"\A(?:{translated})\z"))
        .unicode(false)
        .dot_matches_new_line(true)
        .case_insensitive(ignore_case)
        .build()
        .map_err(|e| error_text(&e))
}

/// The last line of a regex crate error: what is wrong, without the pattern drawn above it.
fn error_text(e: &regex::Error) -> String {
    match e {
        regex::Error::Syntax(text) => text.lines().last().unwrap_or("invalid regular expression").trim().to_string(),
        other => other.to_string(),
    }
}

struct Translator {
    chars: Vec<char>,
    at: usize,
    syntax: Syntax,
}

impl Translator {
    fn run(mut self) -> Result<String, String> {
        let syntax = self.syntax;
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
                    match next {
                        '(' if syntax.backslash_groups() => {
                            depth += 1;
                            out.push('(');
                            at_start = true;
                        }
                        ')' if syntax.backslash_groups() => close_group(&mut out, &mut depth)?,
                        '|' if syntax.backslash_groups() => {
                            out.push('|');
                            at_start = true;
                        }
                        '{' if syntax.intervals() == Intervals::Backslashed => out.push_str(&self.interval("\\}")?),
                        '+' | '?' if !syntax.plain_plus_question() => {
                            if was_start {
                                out.push('\\');
                            }
                            out.push(next);
                        }
                        '1'..='9' => return Err("back-references (\\1 to \\9) are not supported".into()),
                        '<' => out.push_str(r"\b{start}"),
                        '>' => out.push_str(r"\b{end}"),
                        'b' | 'B' | 'w' | 'W' | 's' | 'S' => {
                            out.push('\\');
                            out.push(next);
                        }
                        '`' => out.push_str(r"\A"),
                        '\'' => out.push_str(r"\z"),
                        other => push_literal(&mut out, other),
                    }
                }
                '[' => out.push_str(&self.bracket()?),
                '(' if !syntax.backslash_groups() => {
                    depth += 1;
                    out.push('(');
                    at_start = true;
                }
                ')' if !syntax.backslash_groups() && (depth > 0 || !syntax.stray_operators_literal()) => {
                    close_group(&mut out, &mut depth)?
                }
                '|' if !syntax.backslash_groups() => {
                    out.push('|');
                    at_start = true;
                }
                '*' => repetition(&mut out, c, was_start, syntax)?,
                '+' | '?' if syntax.plain_plus_question() => repetition(&mut out, c, was_start, syntax)?,
                '{' if syntax.intervals() == Intervals::Plain => {
                    if was_start || (syntax.stray_operators_literal() && !self.valid_interval_ahead()) {
                        repetition(&mut out, c, true, syntax)?
                    } else {
                        out.push_str(&self.interval("}")?)
                    }
                }
                '.' => out.push('.'),
                '^' if was_start || !syntax.context_anchors() => {
                    out.push('^');
                    at_start = true;
                }
                '$' if !syntax.context_anchors() || self.at_end_of_expression() => out.push('$'),
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
        if body.is_empty() {
            return Err("Invalid content of \\{\\}".into());
        }
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
                        _ if name.chars().count() == 1 => push_class_literal(&mut out, name.chars().next().unwrap_or(' '), first),
                        _ => return Err("Invalid collation character".into()),
                    }
                }
                // A range: `-` between two items (a `-` first or last is itself).
                '-' if !first && self.chars.get(self.at).is_some_and(|&n| n != ']') => out.push('-'),
                other => push_class_literal(&mut out, other, first),
            }
            first = false;
        }
        out.push(']');
        Ok(out)
    }
}

/// `)` or `\)` closing a group.
fn close_group(out: &mut String, depth: &mut usize) -> Result<(), String> {
    if *depth == 0 {
        return Err("Unmatched ) or \\)".into());
    }
    *depth -= 1;
    out.push(')');
    Ok(())
}

/// `*`, `+`, `?` or `{`: an operator, unless it has nothing to act on; then it is literal or,
/// where the syntax says so, an error.
fn repetition(out: &mut String, c: char, nothing_before: bool, syntax: Syntax) -> Result<(), String> {
    if !nothing_before {
        out.push(c);
    } else if syntax.context_anchors() || syntax.stray_operators_literal() {
        push_literal(out, c);
    } else {
        return Err("Invalid preceding regular expression".into());
    }
    Ok(())
}

/// A character matched literally outside brackets.
fn push_literal(out: &mut String, c: char) {
    if regex_syntax_is_meta(c) {
        out.push('\\');
    }
    push_char(out, c);
}

fn regex_syntax_is_meta(c: char) -> bool {
    matches!(c, '\\' | '.' | '+' | '*' | '?' | '(' | ')' | '|' | '[' | ']' | '{' | '}' | '^' | '$' | '#' | '&' | '-' | '~')
}

/// A character inside brackets: the regex crate gives `\ [ & - ~` meanings POSIX does not
/// (escapes, nested classes, set operations), so they are escaped; a literal `-` stays bare
/// only first in the brackets, where it cannot be read as a range or a set difference.
fn push_class_literal(out: &mut String, c: char, first: bool) {
    match c {
        '-' if first => out.push('-'),
        '\\' | '[' | '&' | '~' | '^' | '-' => {
            out.push('\\');
            out.push(c);
        }
        _ => push_char(out, c),
    }
}

/// An ASCII character as itself, any other by number: `\xHH` up to U+00FF means that byte in a
/// bytes regex without Unicode (see [`whole_match`]) and that character in one with Unicode.
fn push_char(out: &mut String, c: char) {
    match u32::from(c) {
        0..=0x7f => out.push(c),
        n @ 0x80..=0xff => out.push_str(&format!(r"\x{n:02x}")),
        n => out.push_str(&format!(r"\x{{{n:x}}}")),
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
/// whole buffer (multi-line anchors); see the `grep` crate (`cleanstart-utils-grep`) for how they are combined.
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
                .map_err(|e| error_text(&e))
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

    // find's `-regex`: the whole path must match, byte by byte.

    fn is(syntax: Syntax, re: &str, path: &str) -> bool {
        whole_match(re.as_bytes(), syntax, false).unwrap().is_match(path.as_bytes())
    }

    #[test]
    fn emacs_default() {
        assert!(is(Syntax::Emacs, r".*\.rs", "./src/main.rs"));
        assert!(!is(Syntax::Emacs, r"\.rs", "./src/main.rs"), "the whole path must match");
        assert!(is(Syntax::Emacs, r".*/\(a\|b\)", "./x/b"));
        assert!(is(Syntax::Emacs, r".*/(a|b)", "./x/(a|b)"), "bare parentheses and bars are literal");
        assert!(is(Syntax::Emacs, r".*/a+", "./aaa"));
        assert!(is(Syntax::Emacs, r".*/a{2}", "./a{2}"), "no intervals in emacs syntax");
        assert!(is(Syntax::Emacs, r"*a", "*a"), "a leading star is literal");
    }

    #[test]
    fn posix_basic_and_extended() {
        assert!(is(Syntax::Basic, r".*/a\{2\}", "./aa"));
        assert!(is(Syntax::Basic, r"\./a/b\{0,1\}", "./a/b"));
        assert!(is(Syntax::PosixExtended, r"x{1,2}", "xx"));
        assert!(is(Syntax::Basic, r".*/a+", "./a+"));
        assert!(is(Syntax::Basic, r".*/a\+", "./aaa"));
        assert!(is(Syntax::Basic, r"a^b$c", "a^b$c"), "anchors in the middle are literal");
        assert!(is(Syntax::PosixExtended, r".*/(a|b){2}\.txt", "./ab.txt"));
        assert!(is(Syntax::PosixExtended, r"[[:digit:]]+", "123"));
        assert!(is(Syntax::PosixExtended, r"[\]+", r"\\"), "a backslash in brackets is literal");
        assert!(is(Syntax::PosixExtended, r"[]a]+", "]a"));
        assert!(is(Syntax::PosixExtended, r"[a-c&&]+", "b&"));
        assert!(!is(Syntax::PosixExtended, r"[^a-c]", "b"));
    }

    #[test]
    fn bytes_case_and_errors() {
        let re = whole_match(b".*\xff", Syntax::PosixExtended, false).unwrap();
        assert!(re.is_match(b"./a\xff"));
        assert!(whole_match(b".*/ABC", Syntax::Emacs, true).unwrap().is_match(b"./abc"));
        assert!(whole_match(b"(", Syntax::PosixExtended, false).is_err());
        assert!(whole_match(b"[a", Syntax::PosixExtended, false).is_err());
        assert!(whole_match(br"\(a\)\1", Syntax::Basic, false).is_err());
        assert!(Syntax::by_regextype_name("posix-extended").is_some());
        assert!(Syntax::by_regextype_name("perl").is_none());
    }
}
