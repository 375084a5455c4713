//! The short formats: one name per line (`-1`), columns (`-C` down, `-x` across) and
//! comma-separated lines (`-m`), laid out as GNU ls does.

use super::entries::Entry;
use super::long::Prefix;
use super::names::Namer;
use super::options::{Format, Options};

/// The narrowest a column can be: a one-character name and two spaces.
const MIN_COLUMN_WIDTH: usize = 3;

/// Writes `entries` in `options.format` (any format but long).
pub fn write(out: &mut Vec<u8>, entries: &[Entry], options: &Options, namer: &Namer) {
    let prefix = Prefix::new(entries, options);
    match options.format {
        Format::Commas => {
            let mut pos = 0;
            for (i, entry) in entries.iter().enumerate() {
                let mut cell = Vec::new();
                let width = prefix.write(&mut cell, entry, options, false) + namer.write(&mut cell, entry, false);
                if i > 0 {
                    if options.width == 0 || pos + width + 2 < options.width {
                        out.extend_from_slice(b", ");
                        pos += 2;
                    } else {
                        out.extend_from_slice(b",\n");
                        pos = 0;
                    }
                }
                out.extend_from_slice(&cell);
                pos += width;
            }
            if !entries.is_empty() {
                out.push(b'\n');
            }
        }
        Format::Columns | Format::Across => {
            let cells: Vec<(Vec<u8>, usize)> = entries
                .iter()
                .map(|entry| {
                    let mut cell = Vec::new();
                    let width = prefix.write(&mut cell, entry, options, true) + namer.write(&mut cell, entry, false);
                    (cell, width)
                })
                .collect();
            // GNU pads with tabs where they fit, except in colored output and unlimited lines.
            let tab = if options.color || options.width == 0 { 0 } else { options.tabsize };
            columns(out, &cells, options.width, tab, options.format == Format::Columns);
        }
        Format::OnePerLine | Format::Long => {
            for entry in entries {
                prefix.write(out, entry, options, true);
                namer.write(out, entry, false);
                out.push(b'\n');
            }
        }
    }
}

/// Lays `cells` (text, width on screen) out in as many columns as fit in `line_width`, each as
/// wide as its widest name plus two spaces (GNU's calculate_columns). Padding uses tabs of
/// `tab` columns where they fit (none when `tab` is 0).
fn columns(out: &mut Vec<u8>, cells: &[(Vec<u8>, usize)], line_width: usize, tab: usize, down: bool) {
    let n = cells.len();
    if n == 0 {
        return;
    }
    let max_cols = if line_width == 0 { n } else { (line_width / MIN_COLUMN_WIDTH).max(1).min(n) };
    // For each candidate number of columns (index + 1): column widths, line length, fits.
    let mut candidates: Vec<(Vec<usize>, usize, bool)> =
        (0..max_cols).map(|i| (vec![MIN_COLUMN_WIDTH; i + 1], (i + 1) * MIN_COLUMN_WIDTH, true)).collect();
    for (index, (_, width)) in cells.iter().enumerate() {
        for (i, (widths, line, fits)) in candidates.iter_mut().enumerate() {
            if !*fits {
                continue;
            }
            let column = if down { index / n.div_ceil(i + 1) } else { index % (i + 1) };
            let needed = width + if column == i { 0 } else { 2 };
            if widths[column] < needed {
                *line += needed - widths[column];
                widths[column] = needed;
                *fits = line_width == 0 || *line < line_width;
            }
        }
    }
    let cols = (1..=max_cols).rev().find(|&c| c == 1 || candidates[c - 1].2).unwrap_or(1);
    let widths = &candidates[cols - 1].0;
    let rows = n.div_ceil(cols);
    let order: Vec<Vec<usize>> = (0..rows)
        .map(|row| {
            if down {
                (0..cols).map(|col| row + col * rows).filter(|&i| i < n).collect()
            } else {
                (0..cols).map(|col| row * cols + col).filter(|&i| i < n).collect()
            }
        })
        .collect();
    for row in order {
        let mut pos = 0;
        for (col, &index) in row.iter().enumerate() {
            let (text, width) = &cells[index];
            out.extend_from_slice(text);
            if col + 1 < row.len() {
                indent(out, pos + width, pos + widths[col], tab);
                pos += widths[col];
            }
        }
        out.push(b'\n');
    }
}

/// Moves from column `from` to column `to`, with tabs where a whole one fits (GNU's indent).
fn indent(out: &mut Vec<u8>, mut from: usize, to: usize, tab: usize) {
    while from < to {
        if tab != 0 && to / tab > (from + 1) / tab {
            out.push(b'\t');
            from += tab - from % tab;
        } else {
            out.push(b' ');
            from += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lay_out(names: &[&str], width: usize, down: bool) -> String {
        let cells: Vec<_> = names.iter().map(|n| (n.as_bytes().to_vec(), n.len())).collect();
        let mut out = Vec::new();
        columns(&mut out, &cells, width, 0, down);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn columns_fill_down_or_across() {
        let names = ["a", "bb", "ccc", "dddd", "e"];
        assert_eq!(lay_out(&names, 80, true), "a  bb  ccc  dddd  e\n");
        assert_eq!(lay_out(&names, 12, true), "a    dddd\nbb   e\nccc\n");
        assert_eq!(lay_out(&names, 12, false), "a    bb\nccc  dddd\ne\n");
        assert_eq!(lay_out(&["long-name"], 4, true), "long-name\n");
    }

    #[test]
    fn tabs_pad_where_a_whole_one_fits() {
        let mut out = Vec::new();
        indent(&mut out, 3, 20, 8);
        assert_eq!(out, b"\t\t    ");
        out.clear();
        indent(&mut out, 7, 9, 8);
        assert_eq!(out, b"  ");
    }
}
