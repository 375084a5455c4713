//! The lines `grep` writes: selected lines, the context lines around them (`-A -B -C`) and the
//! separators between groups, each after GNU grep's prefixes (file name, line number, byte
//! offset), which end in `:` on selected lines and `-` on context lines.
//!
//! The rules are GNU grep 3's: leading context never repeats a line already written; a group
//! separator precedes every group that does not directly follow the previous output of the same
//! file (so always between files), once anything was written and only when a context option was
//! given (`-A 0` included); `-o` writes the matches of a line instead of the line (context lines
//! then write nothing, except under `-v`, where the context lines are the matching ones).

use regex::bytes::Regex;
use std::io::{self, Write};

/// What goes around the lines.
#[derive(Debug, Default)]
pub(super) struct Layout {
    pub with_filename: bool,
    pub line_number: bool,
    pub byte_offset: bool,
    pub only_matching: bool,
    pub invert: bool,
    /// Lines of leading and trailing context.
    pub before: u64,
    pub after: u64,
    /// Written between groups that are not adjacent; `None` without context options or with
    /// `--no-group-separator`.
    pub group_separator: Option<Vec<u8>>,
}

/// A line of a file: its number (from 1), the byte offset of its start and its text, with its
/// newline if it has one.
#[derive(Clone, Copy)]
pub(super) struct Line<'a> {
    pub number: u64,
    pub offset: u64,
    pub text: &'a [u8],
}

const SELECTED: u8 = b':';
const CONTEXT: u8 = b'-';

/// Writes lines to `out`, remembering what context is owed.
pub(super) struct Printer<W: Write> {
    pub out: W,
    layout: Layout,
    /// The line regex, for `-o`.
    regex: Regex,
    /// Whether anything was written yet, from any file: no separator before the first group.
    used: bool,
    /// The offset just past the last line written from the current file.
    last_end: Option<u64>,
    /// Trailing context lines still owed after the last selected line.
    pending: u64,
}

impl<W: Write> Printer<W> {
    pub fn new(out: W, layout: Layout, regex: Regex) -> Self {
        Printer { out, layout, regex, used: false, last_end: None, pending: 0 }
    }

    pub fn layout(&self) -> &Layout {
        &self.layout
    }

    /// Forgets the previous file's position: its lines are never adjacent to the next file's.
    pub fn start_file(&mut self) {
        self.last_end = None;
        self.pending = 0;
    }

    /// Trailing context lines still owed: the lines that follow are to be given to
    /// [`Printer::context`] until this is 0.
    pub fn pending(&self) -> u64 {
        self.pending
    }

    /// Writes the selected line `block[start..end]` (line `number`), after its leading context.
    /// `block` starts at byte `block_offset` of the file and holds at least the `before` lines
    /// that precede the line (or all of them since the start of the file).
    pub fn selected(&mut self, name: &str, block: &[u8], block_offset: u64, start: usize, end: usize, number: u64) -> io::Result<()> {
        // Leading context stops at the last line written, which it must not repeat.
        let floor = match self.last_end {
            Some(e) if e >= block_offset => usize::try_from(e - block_offset).unwrap_or(usize::MAX).min(start),
            _ => 0,
        };
        let mut lead = start;
        let mut lines = 0;
        while lines < self.layout.before && lead > floor {
            lead = previous_line_start(block, lead);
            lines += 1;
        }
        let first = block_offset + lead as u64;
        if let Some(separator) = &self.layout.group_separator {
            if self.used && self.last_end != Some(first) {
                self.out.write_all(separator)?;
                self.out.write_all(b"\n")?;
            }
        }
        let mut number_at = number - lines;
        while lead < start {
            let line_end = block[lead..start].iter().position(|&b| b == b'\n').map_or(start, |i| lead + i + 1);
            let line = Line { number: number_at, offset: block_offset + lead as u64, text: &block[lead..line_end] };
            self.write(name, line, CONTEXT)?;
            number_at += 1;
            lead = line_end;
        }
        let line = Line { number, offset: block_offset + start as u64, text: &block[start..end] };
        self.write(name, line, SELECTED)?;
        self.pending = self.layout.after;
        self.used = true;
        Ok(())
    }

    /// Writes one line of trailing context.
    pub fn context(&mut self, name: &str, line: Line) -> io::Result<()> {
        self.pending = self.pending.saturating_sub(1);
        self.write(name, line, CONTEXT)
    }

    fn write(&mut self, name: &str, line: Line, separator: u8) -> io::Result<()> {
        let text = line.text.strip_suffix(b"\n").unwrap_or(line.text);
        if self.layout.only_matching {
            // The matches of a selected line, or under -v those of a context line.
            if (separator == SELECTED) != self.layout.invert {
                for m in self.regex.find_iter(text).filter(|m| !m.is_empty()) {
                    prefix(&mut self.out, &self.layout, name, line.number, line.offset + m.start() as u64, separator)?;
                    self.out.write_all(m.as_bytes())?;
                    self.out.write_all(b"\n")?;
                }
            }
        } else {
            prefix(&mut self.out, &self.layout, name, line.number, line.offset, separator)?;
            self.out.write_all(text)?;
            self.out.write_all(b"\n")?;
        }
        self.last_end = Some(line.offset + line.text.len() as u64);
        Ok(())
    }
}

/// Where the line that ends at `end` (past its newline; not 0) starts.
pub(super) fn previous_line_start(text: &[u8], end: usize) -> usize {
    text[..end - 1].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
}

/// File name, line number and byte offset, as far as asked for, each followed by `separator`.
fn prefix(out: &mut impl Write, layout: &Layout, name: &str, number: u64, offset: u64, separator: u8) -> io::Result<()> {
    let separator = char::from(separator);
    if layout.with_filename {
        write!(out, "{name}{separator}")?;
    }
    if layout.line_number {
        write!(out, "{number}{separator}")?;
    }
    if layout.byte_offset {
        write!(out, "{offset}{separator}")?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Selects the lines of `text` numbered in `selected`, giving every other line to the
    /// printer while it owes trailing context, as the search does.
    fn print(layout: Layout, text: &str, selected: &[u64]) -> String {
        let regex = Regex::new("b").unwrap();
        let mut p = Printer::new(Vec::new(), layout, regex);
        p.start_file();
        let mut start = 0;
        for (i, line) in text.split_inclusive('\n').enumerate() {
            let number = i as u64 + 1;
            let end = start + line.len();
            if selected.contains(&number) {
                p.selected("f", text.as_bytes(), 0, start, end, number).unwrap();
            } else if p.pending() > 0 {
                p.context("f", Line { number, offset: start as u64, text: line.as_bytes() }).unwrap();
            }
            start = end;
        }
        String::from_utf8(p.out).unwrap()
    }

    fn context(before: u64, after: u64) -> Layout {
        Layout { before, after, group_separator: Some(b"--".to_vec()), ..Layout::default() }
    }

    #[test]
    fn groups_merge_when_their_context_touches() {
        let text = "1\n2\n3\n4\n5\n6\n7\n8\n";
        assert_eq!(print(context(1, 0), text, &[3, 5]), "2\n3\n4\n5\n");
        assert_eq!(print(context(1, 0), text, &[3, 6]), "2\n3\n--\n5\n6\n");
        assert_eq!(print(context(0, 1), text, &[1, 3]), "1\n2\n3\n4\n");
        assert_eq!(print(context(0, 0), text, &[1, 2, 4]), "1\n2\n--\n4\n");
        assert_eq!(print(context(5, 0), text, &[2]), "1\n2\n");
    }

    #[test]
    fn prefixes_end_in_colon_or_dash() {
        let layout = Layout { with_filename: true, line_number: true, byte_offset: true, ..context(1, 1) };
        assert_eq!(print(layout, "a\nbb\nc\n", &[2]), "f-1-0-a\nf:2:2:bb\nf-3-5-c\n");
    }

    #[test]
    fn only_matching_writes_matches_with_their_offsets() {
        let layout = Layout { only_matching: true, byte_offset: true, ..context(1, 0) };
        assert_eq!(print(layout, "b\nx\nx\ncab\n", &[1, 4]), "0:b\n--\n8:b\n");
        let inverted = Layout { only_matching: true, invert: true, line_number: true, ..context(1, 0) };
        assert_eq!(print(inverted, "ab\nx\n", &[2]), "1-b\n");
    }
}
