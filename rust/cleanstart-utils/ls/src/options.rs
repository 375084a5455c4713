//! `ls`'s command line: GNU's short options, long options and their defaults.

use cleanstart_utils_core::cmdline::{Cluster, LongOption};
use std::ffi::OsString;

/// How entries are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// `-l`: one entry per line with its metadata.
    Long,
    /// `-1`: one name per line (the default when standard output is not a terminal).
    OnePerLine,
    /// `-C`: names in columns, sorted down each column (the default on a terminal).
    Columns,
    /// `-x`: names in columns, sorted across each row.
    Across,
    /// `-m`: names separated by commas, wrapped at the line width.
    Commas,
}

/// The order entries are listed in (before `-r`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SortKey {
    Name,
    /// `-U`: the order the directory gives.
    Unsorted,
    /// `-S`: largest first.
    Size,
    /// `-t`: newest first.
    Time,
    /// `-X`: by extension.
    Extension,
    /// `-v`: numbers within names compared as numbers.
    Version,
}

/// Which of a file's times is shown and sorted on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeField {
    Modified,
    /// `-c`: the status change time.
    Changed,
    /// `-u`: the access time.
    Accessed,
}

/// What is appended to names (`-p`, `--file-type`, `-F`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Indicator {
    None,
    /// `/` after directories.
    Slash,
    /// `/`, `@`, `|`, `=` after directories, symlinks, FIFOs and sockets.
    FileType,
    /// `--file-type` plus `*` after executables.
    Classify,
}

/// Which names starting with `.` are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Hidden {
    Skip,
    /// `-A`: all but `.` and `..`.
    AlmostAll,
    /// `-a`: all, `.` and `..` included.
    All,
}

/// When symbolic links are followed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deref {
    Never,
    /// `-H`: links named on the command line.
    CommandLine,
    /// The default without `-l`, `-d` or `-F`: command-line links that point to directories.
    CommandLineDirs,
    /// `-L`: every link.
    Always,
}

/// How times are printed in long listings (`--time-style`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TimeStyle {
    /// `Mon dd HH:MM` within the last six months, else `Mon dd  YYYY` (the C locale's).
    Locale,
    /// `YYYY-MM-DD HH:MM:SS.NNNNNNNNN +ZZZZ`.
    FullIso,
    /// `YYYY-MM-DD HH:MM`.
    LongIso,
    /// `MM-DD HH:MM` within the last six months, else `YYYY-MM-DD`.
    Iso,
    /// `+FORMAT`: strftime formats for old and recent files.
    Format { recent: String, old: String },
}

/// How names are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quoting {
    /// Bytes as they are (the default when standard output is not a terminal).
    Literal,
    /// `-q`: control characters as `?` (the default on a terminal).
    Question,
    /// `-b`: C escapes for control characters, backslashes and spaces.
    Escape,
    /// `-Q`: in double quotes, with C escapes.
    C,
}

/// Everything the command line decides.
#[derive(Debug, Clone)]
pub struct Options {
    pub format: Format,
    pub sort: SortKey,
    pub reverse: bool,
    pub time: TimeField,
    pub indicator: Indicator,
    pub hidden: Hidden,
    /// `-I`/`--ignore` patterns, and `--hide` ones unless `-a`/`-A` is given.
    pub ignore: Vec<cleanstart_utils_core::fnmatch::Pattern>,
    pub deref: Deref,
    /// `-d`: directories are listed as themselves.
    pub directory: bool,
    pub recursive: bool,
    /// `-h` (1024) or `--si` (1000): sizes with a unit suffix.
    pub human: Option<u64>,
    pub inode: bool,
    /// `-s`: allocated size in 1 KiB blocks before each name.
    pub blocks: bool,
    pub numeric_ids: bool,
    pub show_owner: bool,
    pub show_group: bool,
    pub group_directories_first: bool,
    pub time_style: TimeStyle,
    pub quoting: Quoting,
    /// The line width for `-C`, `-x` and `-m`.
    pub width: usize,
    /// `-T`: columns per tab stop when padding columns (0: spaces only).
    pub tabsize: usize,
    pub color: bool,
    pub operands: Vec<OsString>,
}

/// What parsing the command line asks for.
pub enum Parsed {
    Run(Options),
    Help,
    Version,
}

/// Facts about the environment the defaults depend on.
pub struct Context {
    pub stdout_is_terminal: bool,
    /// The terminal's width, when standard output is one.
    pub terminal_width: Option<usize>,
    /// `$COLUMNS`.
    pub columns_env: Option<String>,
    /// `$TIME_STYLE`.
    pub time_style_env: Option<String>,
}

/// The long options written `--name=VALUE`; every other long option is a flag.
const TAKES_VALUE: &[&str] =
    &["classify", "color", "colour", "format", "sort", "time", "indicator-style", "quoting-style", "time-style", "width", "tabsize", "ignore", "hide"];

/// A command-line error: GNU's text (without the `ls: ` prefix) and exit status.
#[derive(Debug)]
pub struct UsageError {
    pub message: String,
    pub status: u8,
}

impl From<String> for UsageError {
    /// Most command-line errors are GNU's "serious trouble", status 2.
    fn from(message: String) -> Self {
        UsageError { message, status: 2 }
    }
}

/// Parses `args` (without the program name).
pub fn parse(args: impl Iterator<Item = OsString>, context: &Context) -> Result<Parsed, UsageError> {
    let mut args = args.into_iter();
    let mut format: Option<Format> = None;
    let mut sort: Option<SortKey> = None;
    let mut time: Option<TimeField> = None;
    let mut time_style: Option<String> = None;
    let mut quoting: Option<Quoting> = None;
    let mut width: Option<usize> = None;
    let mut deref: Option<Deref> = None;
    let mut color = false;
    let mut hide: Vec<cleanstart_utils_core::fnmatch::Pattern> = Vec::new();
    let mut o = Options {
        format: Format::OnePerLine,
        sort: SortKey::Name,
        reverse: false,
        time: TimeField::Modified,
        indicator: Indicator::None,
        hidden: Hidden::Skip,
        ignore: Vec::new(),
        deref: Deref::Never,
        directory: false,
        recursive: false,
        human: None,
        inode: false,
        blocks: false,
        numeric_ids: false,
        show_owner: true,
        show_group: true,
        group_directories_first: false,
        time_style: TimeStyle::Locale,
        quoting: Quoting::Literal,
        width: 80,
        tabsize: 8,
        color: false,
        operands: Vec::new(),
    };
    let pattern = |p: &str| cleanstart_utils_core::fnmatch::Pattern::new(p.as_bytes(), false);
    let mut only_operands = false;
    while let Some(arg) = args.next() {
        let text = arg.to_string_lossy().into_owned();
        if only_operands || text == "-" || !text.starts_with('-') {
            o.operands.push(arg);
            continue;
        }
        if let Some(long) = LongOption::parse(&text) {
            if long.name.is_empty() {
                only_operands = true;
                continue;
            }
            if long.inline.is_some() && !TAKES_VALUE.contains(&long.name) {
                return Err(format!("option '--{}' doesn't allow an argument", long.name).into());
            }
            match long.name {
                "all" => o.hidden = Hidden::All,
                "almost-all" => o.hidden = Hidden::AlmostAll,
                "directory" => o.directory = true,
                "recursive" => o.recursive = true,
                "human-readable" => o.human = Some(1024),
                "si" => o.human = Some(1000),
                "kibibytes" => {}
                "inode" => o.inode = true,
                "size" => o.blocks = true,
                "numeric-uid-gid" => (o.numeric_ids, format) = (true, Some(Format::Long)),
                "no-group" => o.show_group = false,
                "reverse" => o.reverse = true,
                "dereference" => deref = Some(Deref::Always),
                "dereference-command-line" => deref = Some(Deref::CommandLine),
                "dereference-command-line-symlink-to-dir" => deref = Some(Deref::CommandLineDirs),
                "group-directories-first" => o.group_directories_first = true,
                "file-type" => o.indicator = Indicator::FileType,
                "full-time" => (format, time_style) = (Some(Format::Long), Some("full-iso".into())),
                "literal" => quoting = Some(Quoting::Literal),
                "hide-control-chars" => quoting = Some(Quoting::Question),
                "show-control-chars" => quoting = Some(Quoting::Literal),
                "escape" => quoting = Some(Quoting::Escape),
                "quote-name" => quoting = Some(Quoting::C),
                "help" => return Ok(Parsed::Help),
                "version" => return Ok(Parsed::Version),
                "classify" | "color" | "colour" => {
                    let when = long.inline.unwrap_or("always");
                    let on = match when {
                        "always" | "yes" | "force" => true,
                        "never" | "no" | "none" => false,
                        "auto" | "tty" | "if-tty" => context.stdout_is_terminal,
                        _ => return Err(invalid("argument", when, &format!("--{}", long.name))),
                    };
                    if long.name == "classify" {
                        o.indicator = if on { Indicator::Classify } else { Indicator::None };
                    } else {
                        color = on;
                    }
                }
                "format" => {
                    let value = long.value(&mut args)?;
                    format = Some(match value.as_str() {
                        "long" | "verbose" => Format::Long,
                        "single-column" => Format::OnePerLine,
                        "vertical" => Format::Columns,
                        "across" | "horizontal" => Format::Across,
                        "commas" => Format::Commas,
                        _ => return Err(invalid("argument", &value, "--format")),
                    });
                }
                "sort" => {
                    let value = long.value(&mut args)?;
                    sort = Some(match value.as_str() {
                        "none" => SortKey::Unsorted,
                        "name" => SortKey::Name,
                        "size" => SortKey::Size,
                        "time" => SortKey::Time,
                        "extension" => SortKey::Extension,
                        "version" => SortKey::Version,
                        _ => return Err(invalid("argument", &value, "--sort")),
                    });
                }
                "time" => {
                    let value = long.value(&mut args)?;
                    time = Some(match value.as_str() {
                        "atime" | "access" | "use" => TimeField::Accessed,
                        "ctime" | "status" => TimeField::Changed,
                        "mtime" | "modification" => TimeField::Modified,
                        _ => return Err(invalid("argument", &value, "--time")),
                    });
                }
                "indicator-style" => {
                    let value = long.value(&mut args)?;
                    o.indicator = match value.as_str() {
                        "none" => Indicator::None,
                        "slash" => Indicator::Slash,
                        "file-type" => Indicator::FileType,
                        "classify" => Indicator::Classify,
                        _ => return Err(invalid("argument", &value, "--indicator-style")),
                    };
                }
                "quoting-style" => {
                    let value = long.value(&mut args)?;
                    quoting = Some(match value.as_str() {
                        "literal" => Quoting::Literal,
                        "escape" => Quoting::Escape,
                        "c" => Quoting::C,
                        _ => return Err(invalid("argument", &value, "--quoting-style")),
                    });
                }
                "time-style" => time_style = Some(long.value(&mut args)?),
                "width" => width = Some(parse_width(&long.value(&mut args)?)?),
                "tabsize" => o.tabsize = parse_tabsize(&long.value(&mut args)?)?,
                "ignore" => o.ignore.push(pattern(&long.value(&mut args)?)),
                "hide" => hide.push(pattern(&long.value(&mut args)?)),
                _ => return Err(format!("unrecognized option '{text}'").into()),
            }
            continue;
        }
        let mut cluster = Cluster::new(&text[1..]);
        while let Some(letter) = cluster.next() {
            match letter {
                'a' => o.hidden = Hidden::All,
                'A' => o.hidden = Hidden::AlmostAll,
                'd' => o.directory = true,
                'R' => o.recursive = true,
                'l' => format = Some(Format::Long),
                '1' => format = Some(Format::OnePerLine),
                'C' => format = Some(Format::Columns),
                'x' => format = Some(Format::Across),
                'm' => format = Some(Format::Commas),
                'n' => (o.numeric_ids, format) = (true, Some(Format::Long)),
                'g' => (o.show_owner, format) = (false, Some(Format::Long)),
                'o' => (o.show_group, format) = (false, Some(Format::Long)),
                'G' => o.show_group = false,
                'h' => o.human = Some(1024),
                'k' => {}
                'i' => o.inode = true,
                's' => o.blocks = true,
                'F' => o.indicator = Indicator::Classify,
                'p' => o.indicator = Indicator::Slash,
                't' => sort = Some(SortKey::Time),
                'S' => sort = Some(SortKey::Size),
                'X' => sort = Some(SortKey::Extension),
                'v' => sort = Some(SortKey::Version),
                'U' => sort = Some(SortKey::Unsorted),
                'f' => (sort, o.hidden) = (Some(SortKey::Unsorted), Hidden::All),
                'r' => o.reverse = true,
                'c' => time = Some(TimeField::Changed),
                'u' => time = Some(TimeField::Accessed),
                'L' => deref = Some(Deref::Always),
                'H' => deref = Some(Deref::CommandLine),
                'q' => quoting = Some(Quoting::Question),
                'N' => quoting = Some(Quoting::Literal),
                'b' => quoting = Some(Quoting::Escape),
                'Q' => quoting = Some(Quoting::C),
                'w' => width = Some(parse_width(&cluster.value('w', &mut args)?)?),
                'T' => o.tabsize = parse_tabsize(&cluster.value('T', &mut args)?)?,
                'I' => o.ignore.push(pattern(&cluster.value('I', &mut args)?)),
                _ => return Err(format!("invalid option -- '{letter}'").into()),
            }
        }
    }

    o.format = format.unwrap_or(if context.stdout_is_terminal { Format::Columns } else { Format::OnePerLine });
    if o.hidden == Hidden::Skip {
        o.ignore.extend(hide);
    }
    // GNU: -c and -u sort by their time unless the listing is long or another order was asked.
    o.sort = sort.unwrap_or(if time.is_some() && o.format != Format::Long { SortKey::Time } else { SortKey::Name });
    o.time = time.unwrap_or(TimeField::Modified);
    o.deref = deref.unwrap_or(
        if o.directory || o.indicator == Indicator::Classify || o.format == Format::Long {
            Deref::Never
        } else {
            Deref::CommandLineDirs
        },
    );
    o.quoting = quoting.unwrap_or(if context.stdout_is_terminal { Quoting::Question } else { Quoting::Literal });
    o.color = color;
    o.width = match width {
        Some(w) => w,
        None => context
            .terminal_width
            .filter(|w| *w > 0)
            .or_else(|| context.columns_env.as_deref().and_then(|c| c.parse().ok()).filter(|w| *w > 0))
            .unwrap_or(80),
    };
    let style = time_style.or_else(|| context.time_style_env.clone().filter(|s| !s.is_empty()));
    o.time_style = match style {
        None => TimeStyle::Locale,
        Some(style) => parse_time_style(&style)?,
    };
    Ok(Parsed::Run(o))
}

fn parse_width(value: &str) -> Result<usize, String> {
    value.parse().map_err(|_| format!("invalid line width: '{value}'"))
}

fn parse_tabsize(value: &str) -> Result<usize, String> {
    value.parse().map_err(|_| format!("invalid tab size: '{value}'"))
}

fn parse_time_style(style: &str) -> Result<TimeStyle, UsageError> {
    // GNU accepts a `posix-` prefix, meaning the style applies outside the POSIX locale; the
    // utilities have only the C locale, where GNU then uses the locale style.
    if style.starts_with("posix-") {
        return Ok(TimeStyle::Locale);
    }
    Ok(match style {
        "full-iso" => TimeStyle::FullIso,
        "long-iso" => TimeStyle::LongIso,
        "iso" => TimeStyle::Iso,
        "locale" => TimeStyle::Locale,
        _ => match style.strip_prefix('+') {
            Some(formats) => match formats.split_once('\n') {
                Some((old, recent)) => TimeStyle::Format { recent: recent.to_string(), old: old.to_string() },
                None => TimeStyle::Format { recent: formats.to_string(), old: formats.to_string() },
            },
            None => return Err(invalid("time style", style, "--time-style")),
        },
    })
}

/// GNU's message for a bad option value, e.g. "invalid argument 'x' for '--sort'". A value
/// not among a list of words exits with 1 in GNU (argmatch), other errors with 2.
fn invalid(what: &str, value: &str, option: &str) -> UsageError {
    let status = if what == "argument" { 1 } else { 2 };
    UsageError { message: format!("invalid {what} '{value}' for '{option}'"), status }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(args: &[&str], terminal: bool) -> Options {
        let context = Context {
            stdout_is_terminal: terminal,
            terminal_width: terminal.then_some(100),
            columns_env: Some("60".into()),
            time_style_env: None,
        };
        match parse(args.iter().map(OsString::from), &context) {
            Ok(Parsed::Run(o)) => o,
            _ => panic!("{args:?} did not parse"),
        }
    }

    #[test]
    fn defaults_depend_on_the_terminal() {
        let piped = run(&[], false);
        assert_eq!((piped.format, piped.quoting, piped.width), (Format::OnePerLine, Quoting::Literal, 60));
        let tty = run(&[], true);
        assert_eq!((tty.format, tty.quoting, tty.width), (Format::Columns, Quoting::Question, 100));
    }

    #[test]
    fn long_listings_do_not_follow_command_line_links() {
        assert_eq!(run(&[], false).deref, Deref::CommandLineDirs);
        assert_eq!(run(&["-l"], false).deref, Deref::Never);
        assert_eq!(run(&["-F"], false).deref, Deref::Never);
        assert_eq!(run(&["-lL"], false).deref, Deref::Always);
    }

    #[test]
    fn change_and_access_times_sort_unless_long() {
        assert_eq!(run(&["-c"], false).sort, SortKey::Time);
        assert_eq!(run(&["-lc"], false).sort, SortKey::Name);
        assert_eq!(run(&["-ltc"], false).sort, SortKey::Time);
        assert_eq!(run(&["-lc"], false).time, TimeField::Changed);
    }

    #[test]
    fn clusters_values_and_operands() {
        let o = run(&["-lhw", "40", "--", "-x", "a"], false);
        assert_eq!((o.format, o.human, o.width), (Format::Long, Some(1024), 40));
        assert_eq!(o.operands, vec![OsString::from("-x"), OsString::from("a")]);
        let o = run(&["--full-time", "--sort=size", "-r"], false);
        assert_eq!((o.format, o.sort, o.reverse, o.time_style), (Format::Long, SortKey::Size, true, TimeStyle::FullIso));
    }

    #[test]
    fn bad_values_are_named() {
        let context = Context { stdout_is_terminal: false, terminal_width: None, columns_env: None, time_style_env: None };
        let error = |args: &[&str]| match parse(args.iter().map(OsString::from), &context) {
            Err(e) => e.message,
            Ok(_) => panic!("{args:?} parsed"),
        };
        assert_eq!(error(&["--sort=colour"]), "invalid argument 'colour' for '--sort'");
        assert_eq!(error(&["-j"]), "invalid option -- 'j'");
        assert_eq!(error(&["--frobnicate"]), "unrecognized option '--frobnicate'");
        assert_eq!(error(&["--time-style=fancy"]), "invalid time style 'fancy' for '--time-style'");
        assert_eq!(error(&["--all=x"]), "option '--all' doesn't allow an argument");
        let status = |args: &[&str]| parse(args.iter().map(OsString::from), &context).err().map(|e| e.status);
        assert_eq!((status(&["--sort=x"]), status(&["-j"])), (Some(1), Some(2)));
    }
}
