//! The stanza format of `Packages` indexes and `dpkg` status files (deb822): stanzas separated
//! by blank lines, each a list of `Field: value` lines, a value continued on lines that start
//! with a space or a tab. Fields are read in place, without copying the text.

/// One stanza: its fields in order, values as written (continuation lines included, trimmed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stanza<'a> {
    fields: Vec<(&'a str, &'a str)>,
    /// The line the stanza starts on (1-based), for messages.
    pub line: usize,
}

impl<'a> Stanza<'a> {
    /// The value of `name` (field names are case-insensitive).
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| *v)
    }

    pub fn fields(&self) -> impl Iterator<Item = (&'a str, &'a str)> + '_ {
        self.fields.iter().copied()
    }
}

/// The stanzas of `text`, or the first line that is neither a field, a continuation nor blank.
pub fn parse(text: &str) -> Result<Vec<Stanza<'_>>, String> {
    let mut stanzas = Vec::new();
    let mut current: Option<Stanza> = None;
    // The byte range of the value being read, so continuations extend it in place.
    let mut open: Option<(usize, usize)> = None;
    let mut at = 0;
    for (n, line) in text.split_inclusive('\n').enumerate() {
        let start = at;
        at += line.len();
        let content = line.trim_end_matches(['\n', '\r']);
        if content.trim().is_empty() {
            close(&mut current, &mut open, text);
            if let Some(done) = current.take() {
                stanzas.push(done);
            }
            continue;
        }
        if content.starts_with([' ', '\t']) {
            let Some((from, _)) = open else { return Err(format!("line {}: a continuation line outside a field", n + 1)) };
            open = Some((from, start + content.len()));
            continue;
        }
        if content.starts_with('#') {
            continue;
        }
        let Some(colon) = content.find(':') else { return Err(format!("line {}: not a field: {content:?}", n + 1)) };
        close(&mut current, &mut open, text);
        let stanza = current.get_or_insert_with(|| Stanza { fields: Vec::new(), line: n + 1 });
        stanza.fields.push((&text[start..start + colon], ""));
        open = Some((start + colon + 1, start + content.len()));
    }
    close(&mut current, &mut open, text);
    stanzas.extend(current);
    Ok(stanzas)
}

/// Stores the value being read into the last field of `current`.
fn close<'a>(current: &mut Option<Stanza<'a>>, open: &mut Option<(usize, usize)>, text: &'a str) {
    if let (Some(stanza), Some((from, to))) = (current.as_mut(), open.take()) {
        if let Some(last) = stanza.fields.last_mut() {
            last.1 = text[from..to].trim();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stanzas_fields_and_continuations() {
        let text = "Package: a\nVersion: 1.0\nDescription: short\n long line\n .\n more\n\n\nPackage: b\r\ndepends: a (>= 1),\n c\n";
        let s = parse(text).unwrap();
        assert_eq!(s.len(), 2);
        assert_eq!(s[0].get("package"), Some("a"));
        assert_eq!(s[0].get("Description"), Some("short\n long line\n .\n more"));
        assert_eq!(s[1].get("Depends"), Some("a (>= 1),\n c"));
        assert_eq!(s[1].line, 9);
        assert_eq!(s[1].get("Version"), None);
    }

    #[test]
    fn malformed_lines_are_named() {
        assert_eq!(parse(" x\n").unwrap_err(), "line 1: a continuation line outside a field");
        assert!(parse("Package: a\nnot a field\n").unwrap_err().starts_with("line 2: not a field"));
    }
}
