//! xargs' input: items split on blanks and newlines with POSIX quoting (`'...'`, `"..."`,
//! backslash), or on one delimiter byte (`-0`, `-d`) with no quoting at all, or one item per
//! line (`-I`). Read as a stream: commands can run before the input ends.

use std::io::{self, BufRead};

/// How the input is split into items.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Split {
    /// Blanks and newlines separate items; quotes and backslashes are special.
    Blanks,
    /// Every line is one item (`-I`): leading blanks dropped, quotes still special.
    Lines,
    /// `-0` / `-d`: items end at this byte, taken literally.
    Delimiter(u8),
}

/// One input item.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Item {
    pub bytes: Vec<u8>,
    /// The item ends an input line (for `-L`): a newline that no trailing blank continues.
    pub ends_line: bool,
}

#[derive(Debug)]
pub enum InputError {
    Io(io::Error),
    /// An opening quote without its closing one on the same line ("single" or "double").
    UnmatchedQuote(&'static str),
}

pub struct Reader<R> {
    input: R,
    split: Split,
    eof_marker: Option<Vec<u8>>,
    done: bool,
}

impl<R: BufRead> Reader<R> {
    /// `eof_marker` (`-E`) ends the input where it appears as an item; it is ignored with `-0`
    /// and `-d`, as in GNU xargs.
    pub fn new(input: R, split: Split, eof_marker: Option<Vec<u8>>) -> Self {
        let eof_marker = if matches!(split, Split::Delimiter(_)) { None } else { eof_marker.filter(|m| !m.is_empty()) };
        Reader { input, split, eof_marker, done: false }
    }

    fn byte(&mut self) -> Result<Option<u8>, InputError> {
        loop {
            let buf = match self.input.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(InputError::Io(e)),
            };
            let Some(&b) = buf.first() else { return Ok(None) };
            self.input.consume(1);
            return Ok(Some(b));
        }
    }

    /// The next item, or None at the end of the input (or at the `-E` marker).
    pub fn next_item(&mut self) -> Result<Option<Item>, InputError> {
        if self.done {
            return Ok(None);
        }
        let item = match self.split {
            Split::Delimiter(d) => self.delimited(d)?,
            Split::Blanks => self.quoted(false)?,
            Split::Lines => self.quoted(true)?,
        };
        match item {
            Some(item) if self.eof_marker.as_deref() == Some(&item.bytes[..]) => {
                self.done = true;
                Ok(None)
            }
            None => {
                self.done = true;
                Ok(None)
            }
            some => Ok(some),
        }
    }

    fn delimited(&mut self, delimiter: u8) -> Result<Option<Item>, InputError> {
        let mut bytes = Vec::new();
        loop {
            let available = match self.input.fill_buf() {
                Ok(buf) => buf,
                Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                Err(e) => return Err(InputError::Io(e)),
            };
            if available.is_empty() {
                return Ok((!bytes.is_empty()).then_some(Item { bytes, ends_line: true }));
            }
            match available.iter().position(|&b| b == delimiter) {
                Some(end) => {
                    bytes.extend_from_slice(&available[..end]);
                    self.input.consume(end + 1);
                    return Ok(Some(Item { bytes, ends_line: true }));
                }
                None => {
                    let n = available.len();
                    bytes.extend_from_slice(available);
                    self.input.consume(n);
                }
            }
        }
    }

    /// Blank-separated items with quotes, or (`whole_lines`) one item per line.
    fn quoted(&mut self, whole_lines: bool) -> Result<Option<Item>, InputError> {
        let mut bytes = Vec::new();
        // Something (even an empty quoted string) has been read for this item.
        let mut started = false;
        loop {
            let Some(b) = self.byte()? else {
                return Ok(started.then_some(Item { bytes, ends_line: true }));
            };
            match b {
                b'\n' => {
                    if started {
                        return Ok(Some(Item { bytes, ends_line: true }));
                    }
                }
                b' ' | b'\t' if !whole_lines || !started => {
                    if started {
                        // A line ends at a newline right after an item; after a blank it goes on
                        // (GNU: trailing blanks continue a line for -L).
                        return Ok(Some(Item { bytes, ends_line: false }));
                    }
                }
                b'\'' | b'"' => {
                    started = true;
                    loop {
                        match self.byte()? {
                            Some(c) if c == b => break,
                            Some(b'\n') | None => {
                                return Err(InputError::UnmatchedQuote(if b == b'\'' { "single" } else { "double" }))
                            }
                            Some(c) => bytes.push(c),
                        }
                    }
                }
                b'\\' => {
                    started = true;
                    if let Some(c) = self.byte()? {
                        bytes.push(c);
                    }
                }
                other => {
                    started = true;
                    bytes.push(other);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn items(input: &str, split: Split, eof: Option<&str>) -> Result<Vec<(String, bool)>, String> {
        let mut reader = Reader::new(input.as_bytes(), split, eof.map(|e| e.as_bytes().to_vec()));
        let mut out = Vec::new();
        loop {
            match reader.next_item() {
                Ok(Some(item)) => out.push((String::from_utf8(item.bytes).unwrap(), item.ends_line)),
                Ok(None) => return Ok(out),
                Err(e) => return Err(format!("{e:?}")),
            }
        }
    }

    fn words(input: &str) -> Vec<String> {
        items(input, Split::Blanks, None).unwrap().into_iter().map(|(w, _)| w).collect()
    }

    #[test]
    fn blanks_quotes_and_backslashes() {
        assert_eq!(words("  a\tb\n\nc  "), ["a", "b", "c"]);
        assert_eq!(words(r#"a "b c" 'd "e"' f\ g h\\"#), ["a", "b c", r#"d "e""#, "f g", r"h\"]);
        assert_eq!(words("x'' '' y"), ["x", "", "y"]);
        assert_eq!(words("a\"b\"c"), ["abc"]);
        assert!(items("a 'b\nc'", Split::Blanks, None).unwrap_err().contains("single"));
        assert!(items("\"b", Split::Blanks, None).unwrap_err().contains("double"));
    }

    #[test]
    fn lines_for_dash_l() {
        let got = items("a b\nc d \ne\n", Split::Blanks, None).unwrap();
        let ends: Vec<bool> = got.iter().map(|(_, e)| *e).collect();
        assert_eq!(ends, [false, true, false, false, true], "a trailing blank continues the line: {got:?}");
    }

    #[test]
    fn whole_lines_for_dash_i() {
        let got: Vec<String> = items("  x y \n\n z\n", Split::Lines, None).unwrap().into_iter().map(|(w, _)| w).collect();
        assert_eq!(got, ["x y ", "z"], "trailing blanks stay, as in GNU");
    }

    #[test]
    fn delimiters_and_eof_marker() {
        let got: Vec<String> = items("a,b,,c", Split::Delimiter(b','), None).unwrap().into_iter().map(|(w, _)| w).collect();
        assert_eq!(got, ["a", "b", "", "c"]);
        let got: Vec<String> = items("a\0b\0", Split::Delimiter(0), Some("b")).unwrap().into_iter().map(|(w, _)| w).collect();
        assert_eq!(got, ["a", "b"], "no -E with -0");
        assert_eq!(words_with_eof("a STOP b", "STOP"), ["a"]);
    }

    fn words_with_eof(input: &str, eof: &str) -> Vec<String> {
        items(input, Split::Blanks, Some(eof)).unwrap().into_iter().map(|(w, _)| w).collect()
    }
}
