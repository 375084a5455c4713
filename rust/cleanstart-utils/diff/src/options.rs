//! `diff`'s command line as GNU diff 3.x reads it: short-option clusters (`-ruN`, `-U5`),
//! `-NUM` for the context length, long options and their unique abbreviations, options after
//! the operands, `--` ending the options.

use super::lines::Ignore;
use cleanstart_utils_core::cmdline::LongOption;
use std::ffi::OsString;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Normal,
    Unified,
    Context,
    Ed,
    SideBySide,
}

#[derive(Debug)]
pub struct Options {
    pub format: Format,
    /// Lines of context for `-u` and `-c`.
    pub context: usize,
    /// `-q`: only say whether files differ.
    pub brief: bool,
    /// `-s`: say so when files are the same.
    pub report_identical: bool,
    pub expand_tabs: bool,
    pub tabsize: usize,
    /// `-W`: the output width of `-y`.
    pub width: usize,
    pub recursive: bool,
    /// `-N`: a file missing on one side compares as an empty file.
    pub new_file: bool,
    /// `-a`: compare line by line even when a file looks binary.
    pub text: bool,
    pub ignore: Ignore,
    /// `-L`: names for the headers of `-u` and `-c`, first file first.
    pub labels: Vec<String>,
    /// The options as given, each after a space: GNU repeats them in the `diff ...` line it
    /// prints before each pair of files compared inside directories.
    pub switches: String,
    pub from: OsString,
    pub to: OsString,
}

/// What the command line asks for.
pub enum Request {
    Compare(Box<Options>),
    Help,
    Version,
}

const LONG: &[&str] = &[
    "brief",
    "context",
    "ed",
    "expand-tabs",
    "help",
    "ignore-all-space",
    "ignore-blank-lines",
    "ignore-case",
    "ignore-space-change",
    "ignore-trailing-space",
    "label",
    "new-file",
    "normal",
    "recursive",
    "report-identical-files",
    "side-by-side",
    "tabsize",
    "text",
    "unified",
    "version",
    "width",
];

/// Parses `args` (without the program name). The error is GNU's message, without `diff: `.
pub fn parse(args: impl Iterator<Item = OsString>) -> Result<Request, String> {
    let mut args = Recorded { inner: args, taken: Vec::new() };
    let mut o = Options {
        format: Format::Normal,
        context: 3,
        brief: false,
        report_identical: false,
        expand_tabs: false,
        tabsize: 8,
        width: 130,
        recursive: false,
        new_file: false,
        text: false,
        ignore: Ignore::default(),
        labels: Vec::new(),
        switches: String::new(),
        from: OsString::new(),
        to: OsString::new(),
    };
    let mut format: Option<Format> = None;
    let mut operands = Vec::new();
    let mut switches = Vec::new();
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy().into_owned();
        if text == "--" {
            args.taken.clear();
            operands.extend(args.inner.by_ref());
            break;
        }
        if text == "-" || !text.starts_with('-') {
            args.taken.clear();
            operands.push(arg);
            continue;
        }
        if let Some(long) = LongOption::parse(&text) {
            let name = resolve(long.name)?;
            if long.inline.is_some() && !matches!(name, "context" | "unified" | "label" | "tabsize" | "width") {
                return Err(format!("option '--{name}' doesn't allow an argument"));
            }
            let optional = |value: Option<&str>| value.map(context_length).transpose();
            match name {
                "brief" => o.brief = true,
                "context" => {
                    set_format(&mut format, Format::Context)?;
                    o.context = optional(long.inline)?.unwrap_or(o.context);
                }
                "unified" => {
                    set_format(&mut format, Format::Unified)?;
                    o.context = optional(long.inline)?.unwrap_or(o.context);
                }
                "ed" => set_format(&mut format, Format::Ed)?,
                "normal" => set_format(&mut format, Format::Normal)?,
                "side-by-side" => set_format(&mut format, Format::SideBySide)?,
                "expand-tabs" => o.expand_tabs = true,
                "help" => return Ok(Request::Help),
                "version" => return Ok(Request::Version),
                "ignore-all-space" => o.ignore.all_space = true,
                "ignore-blank-lines" => o.ignore.blank_lines = true,
                "ignore-case" => o.ignore.case = true,
                "ignore-space-change" => o.ignore.space_change = true,
                "ignore-trailing-space" => o.ignore.trailing_space = true,
                "label" => o.labels.push(long.value(&mut args)?),
                "new-file" => o.new_file = true,
                "recursive" => o.recursive = true,
                "report-identical-files" => o.report_identical = true,
                "tabsize" => o.tabsize = positive("tabsize", &long.value(&mut args)?)?,
                "text" => o.text = true,
                _ => o.width = positive("width", &long.value(&mut args)?)?,
            }
        } else {
            let mut letters = cleanstart_utils_core::cmdline::Cluster::new(&text[1..]);
            let mut digits: Option<String> = None;
            while let Some(letter) = letters.next() {
                if letter.is_ascii_digit() {
                    digits.get_or_insert_with(String::new).push(letter);
                    continue;
                }
                if let Some(number) = digits.take() {
                    o.context = context_length(&number)?;
                }
                match letter {
                    'a' => o.text = true,
                    'b' => o.ignore.space_change = true,
                    'B' => o.ignore.blank_lines = true,
                    'c' => set_format(&mut format, Format::Context)?,
                    'C' => {
                        set_format(&mut format, Format::Context)?;
                        o.context = context_length(&letters.value('C', &mut args)?)?;
                    }
                    'e' => set_format(&mut format, Format::Ed)?,
                    'i' => o.ignore.case = true,
                    'L' => o.labels.push(letters.value('L', &mut args)?),
                    'N' => o.new_file = true,
                    'q' => o.brief = true,
                    'r' => o.recursive = true,
                    's' => o.report_identical = true,
                    't' => o.expand_tabs = true,
                    'u' => set_format(&mut format, Format::Unified)?,
                    'U' => {
                        set_format(&mut format, Format::Unified)?;
                        o.context = context_length(&letters.value('U', &mut args)?)?;
                    }
                    'w' => o.ignore.all_space = true,
                    'W' => o.width = positive("width", &letters.value('W', &mut args)?)?,
                    'y' => set_format(&mut format, Format::SideBySide)?,
                    'Z' => o.ignore.trailing_space = true,
                    other => return Err(format!("invalid option -- '{other}'")),
                }
            }
            if let Some(number) = digits {
                o.context = context_length(&number)?;
            }
        }
        switches.append(&mut args.taken);
    }
    match operands.len() {
        0 => return Err(String::from("missing operand after 'diff'")),
        1 => return Err(format!("missing operand after '{}'", operands[0].to_string_lossy())),
        2 => {}
        _ => return Err(format!("extra operand '{}'", operands[2].to_string_lossy())),
    }
    o.format = format.unwrap_or(Format::Normal);
    o.switches = switches.iter().map(|s| format!(" {}", shell_quote(&s.to_string_lossy()))).collect();
    let mut operands = operands.into_iter();
    o.from = operands.next().unwrap_or_default();
    o.to = operands.next().unwrap_or_default();
    Ok(Request::Compare(Box::new(o)))
}

/// Hands out arguments and remembers the ones taken since the last clear, so each option's
/// words (with a value given as the next argument) can be kept for the `diff ...` lines.
struct Recorded<I> {
    inner: I,
    taken: Vec<OsString>,
}

impl<I: Iterator<Item = OsString>> Iterator for Recorded<I> {
    type Item = OsString;

    fn next(&mut self) -> Option<OsString> {
        let arg = self.inner.next()?;
        self.taken.push(arg.clone());
        Some(arg)
    }
}

/// The long option `name` abbreviates: an exact name or a prefix of exactly one.
fn resolve(name: &str) -> Result<&'static str, String> {
    if let Some(exact) = LONG.iter().find(|&&l| l == name) {
        return Ok(exact);
    }
    let candidates: Vec<&'static str> = LONG.iter().copied().filter(|l| l.starts_with(name)).collect();
    match candidates.as_slice() {
        [one] if !name.is_empty() => Ok(one),
        [] | [_] => Err(format!("unrecognized option '--{name}'")),
        many => Err(format!(
            "option '--{name}' is ambiguous; possibilities:{}",
            many.iter().map(|c| format!(" '--{c}'")).collect::<String>()
        )),
    }
}

fn set_format(format: &mut Option<Format>, wanted: Format) -> Result<(), String> {
    match format {
        Some(current) if *current != wanted => Err(String::from("conflicting output style options")),
        _ => {
            *format = Some(wanted);
            Ok(())
        }
    }
}

fn context_length(value: &str) -> Result<usize, String> {
    value.parse().map_err(|_| format!("invalid context length '{value}'"))
}

fn positive(what: &str, value: &str) -> Result<usize, String> {
    match value.parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("invalid {what} '{value}'")),
    }
}

/// `s` as a shell word: as it is when that is safe, otherwise in single quotes.
fn shell_quote(s: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || "-_=+,./:@%^".contains(c);
    if !s.is_empty() && s.chars().all(plain) {
        s.to_string()
    } else {
        format!("'{}'", s.replace('\'', "'\\''"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn options(args: &[&str]) -> Result<Box<Options>, String> {
        match parse(args.iter().map(OsString::from))? {
            Request::Compare(o) => Ok(o),
            _ => Err(String::from("not a comparison")),
        }
    }

    #[test]
    fn clusters_and_late_options_are_read_as_gnu_reads_them() {
        let o = options(&["-ruN", "a", "b", "-U", "5", "--ignore-c"]).unwrap();
        assert!(o.recursive && o.new_file && o.ignore.case);
        assert_eq!((o.format, o.context), (Format::Unified, 5));
        assert_eq!(o.switches, " -ruN -U 5 --ignore-c");
        assert_eq!((o.from.to_str(), o.to.to_str()), (Some("a"), Some("b")));
        assert_eq!(options(&["-2u", "a", "b"]).unwrap().context, 2);
    }

    #[test]
    fn bad_command_lines_say_what_is_wrong() {
        assert_eq!(options(&["-u", "-e", "a", "b"]).unwrap_err(), "conflicting output style options");
        assert_eq!(options(&["a"]).unwrap_err(), "missing operand after 'a'");
        assert_eq!(options(&["a", "b", "c"]).unwrap_err(), "extra operand 'c'");
        assert_eq!(options(&["-k", "a", "b"]).unwrap_err(), "invalid option -- 'k'");
        assert!(options(&["--ignore", "a", "b"]).unwrap_err().contains("ambiguous"));
        assert_eq!(options(&["-U", "x", "a", "b"]).unwrap_err(), "invalid context length 'x'");
        assert_eq!(options(&["-U", "99999999999999999999999", "a", "b"]).unwrap_err(), "invalid context length '99999999999999999999999'");
    }

    #[test]
    fn operands_after_double_dash_may_start_with_a_dash() {
        let o = options(&["--", "-a", "-b"]).unwrap();
        assert_eq!((o.from.to_str(), o.to.to_str()), (Some("-a"), Some("-b")));
    }
}
