//! One pair of files: read (standard input for `-`), binary or not, the line comparison, and
//! the output in the chosen format.

use super::format::{self, Style};
use super::lines::{equivalence_classes, Ignore, Text};
use super::options::Format;
use super::script::{changes, Change};
use super::tree::Side;
use super::{Comparison, Status};
use std::ffi::OsStr;
use std::io::{self, Read, Write};
use std::time::SystemTime;

/// GNU diff's test: a NUL byte in the first buffer's worth of data means binary.
fn is_binary(content: &[u8]) -> bool {
    content.iter().take(32 * 1024).any(|&b| b == 0)
}

fn read(path: &OsStr, side: &Side) -> io::Result<Vec<u8>> {
    match side {
        Side::Absent => Ok(Vec::new()),
        Side::Stdin => {
            let mut content = Vec::new();
            io::stdin().read_to_end(&mut content)?;
            Ok(content)
        }
        Side::Present(_) => std::fs::read(path),
    }
}

/// The header time of `-u` and `-c`: the modification time in the local zone, the epoch for a
/// missing file, now for standard input. `-c` in the C locale keeps the traditional
/// `ctime`-like form, as GNU does; otherwise with nanoseconds.
fn header_time(side: &Side, format: Format) -> String {
    let time = match side {
        Side::Absent => SystemTime::UNIX_EPOCH,
        Side::Stdin => SystemTime::now(),
        Side::Present(meta) => meta.modified().unwrap_or(SystemTime::UNIX_EPOCH),
    };
    let zone = jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC);
    let pattern = if format == Format::Context && traditional_locale() {
        "%a %b %e %H:%M:%S %Y"
    } else {
        "%Y-%m-%d %H:%M:%S.%N %z"
    };
    let time = jiff::Timestamp::try_from(time).unwrap_or(jiff::Timestamp::UNIX_EPOCH);
    time.to_zoned(zone).strftime(pattern).to_string()
}

/// Whether the time locale is C or POSIX (what glibc falls back to for an unset one).
fn traditional_locale() -> bool {
    let name = ["LC_ALL", "LC_TIME", "LANG"]
        .iter()
        .filter_map(std::env::var_os)
        .find(|value| !value.is_empty())
        .unwrap_or_default();
    name.is_empty() || name == "C" || name == "POSIX"
}

/// Compares two files (either may be `Absent` under `-N`); `depth` > 0 means inside
/// directories, where GNU prints a `diff ...` line before the differences.
pub fn compare<W: Write>(cmp: &mut Comparison<W>, paths: [&OsStr; 2], sides: [&Side; 2], depth: usize) -> io::Result<Status> {
    let o = cmp.options;
    let names = paths.map(|p| p.to_string_lossy());
    // A file is the same as itself, standard input included (it cannot be read twice).
    let itself = match sides {
        [Side::Present(_), Side::Present(_)] => same_file::is_same_file(paths[0], paths[1]).unwrap_or(false),
        [Side::Stdin, Side::Stdin] => true,
        _ => false,
    };
    if itself {
        return cmp.identical(&names);
    }
    let mut contents = [Vec::new(), Vec::new()];
    let mut status = Status::Same;
    for f in 0..2 {
        match read(paths[f], sides[f]) {
            Ok(content) => contents[f] = content,
            Err(e) => {
                cmp.trouble(&format!("{}: {}", names[f], cleanstart_utils_core::messages::io_message(&e)))?;
                status = Status::Trouble;
            }
        }
    }
    if status == Status::Trouble {
        return Ok(status);
    }
    let [from, to] = &contents;
    let unchanged_bytes = from == to;
    if unchanged_bytes && o.format != Format::Ed {
        return cmp.identical(&names);
    }
    if !o.text && (is_binary(from) || is_binary(to)) {
        if unchanged_bytes {
            return cmp.identical(&names);
        }
        let kind = if o.brief { "Files" } else { "Binary files" };
        writeln!(cmp.out, "{kind} {} and {} differ", names[0], names[1])?;
        return Ok(Status::Different);
    }
    let texts = [Text::new(from), Text::new(to)];
    let [from_text, to_text] = &texts;
    let newline_matters = o.format != Format::Ed;
    let classes = equivalence_classes(from_text, to_text, &o.ignore, newline_matters);
    let raw = if o.ignore == Ignore::default() {
        None
    } else {
        Some(equivalence_classes(from_text, to_text, &Ignore::default(), newline_matters))
    };
    let raw = raw.as_ref().unwrap_or(&classes);
    let horizon = if matches!(o.format, Format::Unified | Format::Context) { o.context } else { 0 };
    let script = changes(&classes[0], &classes[1], [&raw[0], &raw[1]], horizon);
    let ignorable = |c: &Change| format::ignorable(c, from_text, to_text, &o.ignore);
    if script.iter().all(ignorable) {
        let status = cmp.identical(&names)?;
        return missing_newlines(cmp, &names, &texts, status);
    }
    if o.brief {
        writeln!(cmp.out, "Files {} and {} differ", names[0], names[1])?;
        return Ok(Status::Different);
    }
    if depth > 0 {
        writeln!(cmp.out, "diff{} {} {}", o.switches, names[0], names[1])?;
    }
    let style = Style { expand_tabs: o.expand_tabs.then_some(o.tabsize) };
    let context = || format::Context {
        texts: [from_text, to_text],
        // A label stands for the name and the time.
        headers: [0, 1].map(|f| match o.labels.get(f) {
            Some(label) => label.clone(),
            None => format!("{}\t{}", names[f], header_time(sides[f], o.format)),
        }),
        lines: o.context,
        style,
        ignorable: &ignorable,
    };
    let out = &mut cmp.out;
    match o.format {
        Format::Normal => {
            let shown: Vec<Change> = script.iter().copied().filter(|c| !ignorable(c)).collect();
            format::normal(out, &shown, from_text, to_text, style)?;
        }
        Format::Ed => {
            let shown: Vec<Change> = script.iter().copied().filter(|c| !ignorable(c)).collect();
            format::ed(out, &shown, to_text)?;
        }
        Format::Unified => format::unified(out, &script, &context())?,
        Format::Context => format::context(out, &script, &context())?,
        Format::SideBySide => {
            let params = diffutilslib::params::Params {
                from: paths[0].to_os_string(),
                to: paths[1].to_os_string(),
                format: diffutilslib::params::Format::SideBySide,
                expand_tabs: o.expand_tabs,
                tabsize: o.tabsize,
                width: o.width,
                ..Default::default()
            };
            diffutilslib::side_by_side_diff(from, to, out, &params);
        }
    }
    missing_newlines(cmp, &names, &texts, Status::Different)
}

/// An ed script cannot express a missing final newline: GNU says so and counts it as trouble.
fn missing_newlines<W: Write>(cmp: &mut Comparison<W>, names: &[std::borrow::Cow<str>; 2], texts: &[Text; 2], status: Status) -> io::Result<Status> {
    if cmp.options.format != Format::Ed {
        return Ok(status);
    }
    let mut status = status;
    for f in 0..2 {
        if texts[f].missing_newline {
            cmp.trouble(&format!("{}: No newline at end of file", names[f]))?;
            status = Status::Trouble;
        }
    }
    Ok(status)
}

#[cfg(test)]
mod tests {
    #[test]
    fn binary_means_a_nul_byte_near_the_start() {
        assert!(super::is_binary(b"ELF\0\x01"));
        assert!(!super::is_binary(b"plain text\n"));
    }
}
