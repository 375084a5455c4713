//! GNU diff's output formats for an edit script: normal, ed script (`-e`), unified (`-u`) and
//! context (`-c`). Side by side (`-y`) stays with uutils diffutils.

use super::lines::{Ignore, Text};
use super::script::Change;
use std::io::{self, Write};

/// What the formats with context (`-u`, `-c`) need beside the script.
pub struct Context<'t, 'i> {
    pub texts: [&'t Text<'t>; 2],
    /// The two files as the headers name them: name, tab, modification time (or a `-L` label).
    pub headers: [String; 2],
    /// Lines of context around each change.
    pub lines: usize,
    pub style: Style,
    /// Whether `-B` lets a change go unreported.
    pub ignorable: &'i dyn Fn(&Change) -> bool,
}

/// How lines are written.
#[derive(Clone, Copy)]
pub struct Style {
    /// `-t`: tabs expanded to spaces, stops every `tabsize` columns.
    pub expand_tabs: Option<usize>,
}

/// Whether every line `change` touches is blank, so `-B` does not count it.
pub fn ignorable(change: &Change, from: &Text, to: &Text, ignore: &Ignore) -> bool {
    ignore.blank_lines
        && from.lines[change.line0..change.line0 + change.deleted].iter().all(|l| ignore.is_blank(l))
        && to.lines[change.line1..change.line1 + change.inserted].iter().all(|l| ignore.is_blank(l))
}

fn line(out: &mut impl Write, prefix: &str, text: &Text, i: usize, style: Style) -> io::Result<()> {
    out.write_all(prefix.as_bytes())?;
    match style.expand_tabs {
        Some(tabsize) => out.write_all(&diffutilslib::utils::do_expand_tabs(text.lines[i], tabsize))?,
        None => out.write_all(text.lines[i])?,
    }
    out.write_all(b"\n")?;
    if text.lacks_newline(i) {
        out.write_all(b"\\ No newline at end of file\n")?;
    }
    Ok(())
}

/// `first,last` (origin 1) of `count` lines from `start` (origin 0), or one number when the
/// range holds one line, or the line before it when it holds none.
fn range(start: usize, count: usize) -> String {
    match count {
        0 => start.to_string(),
        1 => (start + 1).to_string(),
        _ => format!("{},{}", start + 1, start + count),
    }
}

fn letter(change: &Change) -> char {
    match (change.deleted, change.inserted) {
        (0, _) => 'a',
        (_, 0) => 'd',
        _ => 'c',
    }
}

/// The default format: `2,3c2`, the old lines after `< `, `---`, the new after `> `.
pub fn normal(out: &mut impl Write, script: &[Change], from: &Text, to: &Text, style: Style) -> io::Result<()> {
    for c in script {
        writeln!(out, "{}{}{}", range(c.line0, c.deleted), letter(c), range(c.line1, c.inserted))?;
        for i in c.line0..c.line0 + c.deleted {
            line(out, "< ", from, i, style)?;
        }
        if c.deleted > 0 && c.inserted > 0 {
            out.write_all(b"---\n")?;
        }
        for i in c.line1..c.line1 + c.inserted {
            line(out, "> ", to, i, style)?;
        }
    }
    Ok(())
}

/// `-e`: commands for `ed`, last change first so earlier line numbers stay valid. A line that
/// is a lone `.` would end `ed`'s input mode, so it goes in as `..` and is fixed with `s/.//`.
pub fn ed(out: &mut impl Write, script: &[Change], to: &Text) -> io::Result<()> {
    for c in script.iter().rev() {
        writeln!(out, "{}{}", range(c.line0, c.deleted), letter(c))?;
        if c.inserted == 0 {
            continue;
        }
        let mut inserting = true;
        for i in c.line1..c.line1 + c.inserted {
            if !inserting {
                out.write_all(b"a\n")?;
                inserting = true;
            }
            if to.lines[i] == b"." {
                out.write_all(b"..\n.\ns/.//\n")?;
                inserting = false;
            } else {
                out.write_all(to.lines[i])?;
                out.write_all(b"\n")?;
            }
        }
        if inserting {
            out.write_all(b".\n")?;
        }
    }
    Ok(())
}

/// Changes close enough to share context, each group with its span in both files
/// (first and last line, origin 0, context included).
struct Hunk<'s> {
    changes: &'s [Change],
    first: [usize; 2],
    /// One past the last line.
    end: [usize; 2],
}

/// Groups the script into hunks as GNU does: a change joins the previous one when at most
/// `2 * context` lines lie between (`context` if the change is ignorable under `-B`); hunks of
/// ignorable changes only are left out.
fn hunks<'s>(script: &'s [Change], lens: [usize; 2], context: usize, ignorable: &dyn Fn(&Change) -> bool) -> Vec<Hunk<'s>> {
    let mut hunks = Vec::new();
    let mut start = 0;
    while start < script.len() {
        let mut end = start + 1;
        while end < script.len() {
            let prev = &script[end - 1];
            let gap = script[end].line0 - (prev.line0 + prev.deleted);
            let threshold = if ignorable(&script[end]) { context } else { 2 * context + 1 };
            if gap >= threshold {
                break;
            }
            end += 1;
        }
        let changes = &script[start..end];
        start = end;
        if changes.iter().all(ignorable) {
            continue;
        }
        let (first, last) = (&changes[0], &changes[changes.len() - 1]);
        hunks.push(Hunk {
            changes,
            first: [first.line0.saturating_sub(context), first.line1.saturating_sub(context)],
            end: [
                (last.line0 + last.deleted + context).min(lens[0]),
                (last.line1 + last.inserted + context).min(lens[1]),
            ],
        });
    }
    hunks
}

/// `-u`: `---`/`+++` headers, then `@@ -1,3 +1,4 @@` hunks of ` `, `-` and `+` lines.
pub fn unified(out: &mut impl Write, script: &[Change], c: &Context) -> io::Result<()> {
    writeln!(out, "--- {}\n+++ {}", c.headers[0], c.headers[1])?;
    let ([from, to], style) = (c.texts, c.style);
    for hunk in hunks(script, [from.lines.len(), to.lines.len()], c.lines, c.ignorable) {
        let count = |f: usize| hunk.end[f] - hunk.first[f];
        let unified_range = |f: usize| match count(f) {
            0 => format!("{},0", hunk.first[f]),
            1 => (hunk.first[f] + 1).to_string(),
            n => format!("{},{}", hunk.first[f] + 1, n),
        };
        writeln!(out, "@@ -{} +{} @@", unified_range(0), unified_range(1))?;
        // Context lines come from the first file, as GNU's do (they may differ under -i or -w).
        let mut i = hunk.first[0];
        for c in hunk.changes {
            while i < c.line0 {
                line(out, " ", from, i, style)?;
                i += 1;
            }
            for k in c.line0..c.line0 + c.deleted {
                line(out, "-", from, k, style)?;
            }
            for k in c.line1..c.line1 + c.inserted {
                line(out, "+", to, k, style)?;
            }
            i = c.line0 + c.deleted;
        }
        while i < hunk.end[0] {
            line(out, " ", from, i, style)?;
            i += 1;
        }
    }
    Ok(())
}

/// `-c`: `***`/`---` headers, then per hunk the old lines and the new, marked `-`, `+` or `!`.
pub fn context(out: &mut impl Write, script: &[Change], c: &Context) -> io::Result<()> {
    writeln!(out, "*** {}\n--- {}", c.headers[0], c.headers[1])?;
    let (texts, style) = (c.texts, c.style);
    let lens = [texts[0].lines.len(), texts[1].lines.len()];
    for hunk in hunks(script, lens, c.lines, c.ignorable) {
        let context_range = |f: usize| {
            let (first, end) = (hunk.first[f], hunk.end[f]);
            if end <= first + 1 {
                end.to_string()
            } else {
                format!("{},{}", first + 1, end)
            }
        };
        writeln!(out, "***************\n*** {} ****", context_range(0))?;
        side(out, &hunk, 0, texts[0], style)?;
        writeln!(out, "--- {} ----", context_range(1))?;
        side(out, &hunk, 1, texts[1], style)?;
    }
    Ok(())
}

/// One file's half of a context hunk; left out when no line of it changes.
fn side(out: &mut impl Write, hunk: &Hunk, f: usize, text: &Text, style: Style) -> io::Result<()> {
    let span = |c: &Change| if f == 0 { (c.line0, c.deleted, c.inserted) } else { (c.line1, c.inserted, c.deleted) };
    if hunk.changes.iter().all(|c| span(c).1 == 0) {
        return Ok(());
    }
    let mut changes = hunk.changes.iter().peekable();
    for i in hunk.first[f]..hunk.end[f] {
        while changes.peek().is_some_and(|c| span(c).0 + span(c).1 <= i) {
            changes.next();
        }
        let prefix = match changes.peek().map(|c| span(c)) {
            Some((start, _, other)) if start <= i => {
                if other > 0 {
                    "! "
                } else if f == 0 {
                    "- "
                } else {
                    "+ "
                }
            }
            _ => "  ",
        };
        line(out, prefix, text, i, style)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(from: &str, to: &str, f: impl Fn(&mut Vec<u8>, &[Change], &Text, &Text) -> io::Result<()>) -> String {
        let (a, b) = (Text::new(from.as_bytes()), Text::new(to.as_bytes()));
        let [ca, cb] = super::super::lines::equivalence_classes(&a, &b, &Ignore::default(), true);
        let script = super::super::script::changes(&ca, &cb, [&ca, &cb], 0);
        let mut out = Vec::new();
        f(&mut out, &script, &a, &b).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn one_line_ranges_are_one_number() {
        let style = Style { expand_tabs: None };
        let text = render("1\n2\n3\n4\n", "1\nX\n3\n4\n5\n", |o, s, a, b| normal(o, s, a, b, style));
        assert_eq!(text, "2c2\n< 2\n---\n> X\n4a5\n> 5\n");
    }

    #[test]
    fn ed_scripts_run_bottom_up() {
        let text = render("a\nb\nc\n", "a\nc\nd\n", |o, s, _, b| ed(o, s, b));
        assert_eq!(text, "3a\nd\n.\n2d\n");
    }

    #[test]
    fn unified_hunks_show_context_from_the_first_file() {
        let text = render("1\n2\n3\n", "1\nx\n3\n", |o, s, a, b| {
            let headers = [String::from("a\tT"), String::from("b\tT")];
            let c = Context { texts: [a, b], headers, lines: 1, style: Style { expand_tabs: None }, ignorable: &|_| false };
            unified(o, s, &c)
        });
        assert_eq!(text, "--- a\tT\n+++ b\tT\n@@ -1,3 +1,3 @@\n 1\n-2\n+x\n 3\n");
    }
}
