//! find's command line: the starting points, the global options, and the expression with GNU's
//! operators and precedence (`!` over `-a` over `-o` over `,`), compiled into a tree whose
//! leaves are ready to run (patterns compiled, users resolved, reference files read).

use super::exec::{ExecKind, ExecSpec};
use cleanstart_utils_core::fnmatch::Pattern;
use super::matchers::{nanos, parse_types, Number, Perm, Size, TimeField, TimeWindow, DAY};
use super::printf::Format;
use super::walk::{Follow, WalkOptions};
use super::quote;
use cleanstart_utils_core::accounts::Accounts;
use cleanstart_utils_pattern::{whole_match, Syntax};
use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::path::PathBuf;

#[derive(Debug)]
pub enum Expr {
    And(Box<Expr>, Box<Expr>),
    Or(Box<Expr>, Box<Expr>),
    /// `,`: both sides are evaluated, the right one's value counts.
    Comma(Box<Expr>, Box<Expr>),
    Not(Box<Expr>),
    Test(Test),
    Action(Action),
}

#[derive(Debug)]
pub enum Test {
    True,
    False,
    Name(Pattern),
    Path(Pattern),
    Regex(regex::bytes::Regex),
    Type(Vec<u8>),
    XType(Vec<u8>),
    Size(Size),
    Empty,
    /// `-newer` and friends: the file's time is later than this.
    Newer(TimeField, i128),
    Time(TimeWindow),
    Perm(Perm),
    Uid(Number),
    Gid(Number),
    NoUser,
    NoGroup,
    Links(Number),
    Inum(Number),
    SameFile { dev: u64, ino: u64 },
    Readable,
    Writable,
    Executable,
}

/// Where `-print`, `-printf` and `-ls` write: 0 is standard output, others are `-fprint` files.
pub type OutputId = usize;

#[derive(Debug)]
pub enum Action {
    Print { out: OutputId, terminator: u8 },
    Printf { out: OutputId, format: Format },
    Ls { out: OutputId },
    /// An index into [`Program::execs`].
    Exec(usize),
    Delete,
    Prune,
    Quit,
}

/// A parsed command line.
#[derive(Debug)]
pub struct Program {
    pub roots: Vec<PathBuf>,
    pub walk: WalkOptions,
    pub expr: Expr,
    /// Files named by `-fprint`, `-fprint0`, `-fprintf` and `-fls` (output `i + 1`).
    pub output_files: Vec<PathBuf>,
    pub execs: Vec<ExecSpec>,
    pub warnings: Vec<String>,
}

/// What parsing needs from the outside world.
pub struct Environment<'a> {
    pub now: i128,
    /// Standard input is a terminal (GNU's default for `-warn`).
    pub warn: bool,
    pub accounts: &'a dyn Fn() -> Accounts,
}

/// Parses `args` (without the program name).
pub fn parse(args: &[OsString], env: &Environment) -> Result<Program, String> {
    let mut i = 0;
    let mut follow = Follow::Never;
    while let Some(arg) = args.get(i) {
        match arg.as_bytes() {
            b"-H" => follow = Follow::Roots,
            b"-L" => follow = Follow::Always,
            b"-P" => follow = Follow::Never,
            b"--" => {
                i += 1;
                break;
            }
            b"-D" => i += 1, // debug options: accepted and ignored
            a if a.starts_with(b"-O") && a[2..].iter().all(u8::is_ascii_digit) => {}
            _ => break,
        }
        i += 1;
    }
    let mut roots = Vec::new();
    while let Some(arg) = args.get(i) {
        if looks_like_expression(arg) {
            break;
        }
        roots.push(PathBuf::from(arg));
        i += 1;
    }
    if roots.is_empty() {
        roots.push(PathBuf::from("."));
    }
    let mut parser = Parser {
        args: &args[i..],
        pos: 0,
        walk: WalkOptions { follow, ..Default::default() },
        has_action: false,
        seen_test: None,
        regex_type: Syntax::Emacs,
        day_origin: env.now - DAY as i128 * 1_000_000_000,
        env,
        accounts: None,
        output_files: Vec::new(),
        execs: Vec::new(),
        warnings: Vec::new(),
        delete: false,
        warn: env.warn,
    };
    let expr = if parser.args.is_empty() { None } else { Some(parser.comma()?) };
    if let Some(extra) = parser.peek() {
        return Err(if extra == ")" {
            "you have too many ')'".to_string()
        } else {
            format!("paths must precede expression: `{}'", extra.to_string_lossy())
        });
    }
    let print = Expr::Action(Action::Print { out: 0, terminator: b'\n' });
    let expr = match expr {
        None => print,
        Some(e) if !parser.has_action => Expr::And(Box::new(e), Box::new(print)),
        Some(e) => e,
    };
    if parser.delete {
        parser.walk.contents_first = true;
    }
    Ok(Program {
        roots,
        walk: parser.walk,
        expr,
        output_files: parser.output_files,
        execs: parser.execs,
        warnings: parser.warnings,
    })
}

/// GNU's rule for where the starting points end.
fn looks_like_expression(arg: &OsStr) -> bool {
    matches!(arg.as_bytes(), [b'-', _, ..] | b"(" | b")" | b"!" | b",")
}

struct Parser<'a> {
    args: &'a [OsString],
    pos: usize,
    walk: WalkOptions,
    has_action: bool,
    /// The first test seen, for GNU's warning about options placed after tests.
    seen_test: Option<String>,
    regex_type: Syntax,
    day_origin: i128,
    env: &'a Environment<'a>,
    accounts: Option<Accounts>,
    output_files: Vec<PathBuf>,
    execs: Vec<ExecSpec>,
    warnings: Vec<String>,
    delete: bool,
    /// Warnings about dubious expressions: on when standard input is a terminal, as in GNU.
    warn: bool,
}

fn and(a: Expr, b: Expr) -> Expr {
    Expr::And(Box::new(a), Box::new(b))
}

impl<'a> Parser<'a> {
    fn peek(&self) -> Option<&'a OsStr> {
        self.args.get(self.pos).map(OsString::as_os_str)
    }

    fn peek_is(&self, words: &[&str]) -> bool {
        self.peek().is_some_and(|a| words.iter().any(|w| a.as_bytes() == w.as_bytes()))
    }

    fn comma(&mut self) -> Result<Expr, String> {
        let mut left = self.or()?;
        while self.peek_is(&[","]) {
            self.pos += 1;
            let right = self.or().map_err(|e| after_operator(e, ","))?;
            left = Expr::Comma(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn or(&mut self) -> Result<Expr, String> {
        let mut left = self.and()?;
        while self.peek_is(&["-o", "-or"]) {
            let op = self.take_lossy();
            let right = self.and().map_err(|e| after_operator(e, &op))?;
            left = Expr::Or(Box::new(left), Box::new(right));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Expr, String> {
        let mut left = self.unary()?;
        loop {
            if self.peek_is(&["-a", "-and"]) {
                let op = self.take_lossy();
                let right = self.unary().map_err(|e| after_operator(e, &op))?;
                left = and(left, right);
            } else if self.peek().is_some() && !self.peek_is(&["-o", "-or", ",", ")"]) {
                let right = self.unary()?;
                left = and(left, right);
            } else {
                return Ok(left);
            }
        }
    }

    fn unary(&mut self) -> Result<Expr, String> {
        let Some(arg) = self.peek() else {
            return Err("invalid expression".into());
        };
        match arg.as_bytes() {
            b"!" | b"-not" => {
                let op = self.take_lossy();
                let inner = self.unary().map_err(|e| after_operator(e, &op))?;
                Ok(Expr::Not(Box::new(inner)))
            }
            b"(" => {
                self.pos += 1;
                if self.peek_is(&[")"]) {
                    return Err("invalid expression; empty parentheses are not allowed.".into());
                }
                let inner = self.comma()?;
                if !self.peek_is(&[")"]) {
                    return Err("invalid expression; I was expecting to find a ')' somewhere but did not see one.".into());
                }
                self.pos += 1;
                Ok(inner)
            }
            b")" => Err("you have too many ')'".into()),
            b"-o" | b"-or" | b"-a" | b"-and" | b"," => Err(format!(
                "invalid expression; you have used a binary operator '{}' with nothing before it.",
                arg.to_string_lossy()
            )),
            _ => self.primary(),
        }
    }

    fn take_lossy(&mut self) -> String {
        let s = self.args[self.pos].to_string_lossy().into_owned();
        self.pos += 1;
        s
    }

    fn argument(&mut self, name: &str) -> Result<&'a OsStr, String> {
        let arg = self.args.get(self.pos).ok_or_else(|| format!("missing argument to `{name}'"))?;
        self.pos += 1;
        Ok(arg)
    }

    fn text_argument(&mut self, name: &str) -> Result<&'a str, String> {
        let arg = self.argument(name)?;
        arg.to_str().ok_or_else(|| format!("invalid argument '{}' to '{name}'", arg.to_string_lossy()))
    }

    fn number(&mut self, name: &str) -> Result<Number, String> {
        let arg = self.text_argument(name)?;
        Number::parse(arg).ok_or_else(|| format!("invalid argument '{arg}' to '{name}'"))
    }

    fn depth(&mut self, name: &str) -> Result<usize, String> {
        let arg = self.text_argument(name)?;
        arg.parse()
            .map_err(|_| format!("Expected a positive decimal integer argument to {name}, but got {}", quote(arg)))
    }

    fn accounts(&mut self) -> &Accounts {
        let load = self.env.accounts;
        self.accounts.get_or_insert_with(load)
    }

    /// Global options are not positional; GNU warns when they follow a test.
    fn global_option(&mut self, name: &str) {
        if !self.warn {
            return;
        }
        if let Some(test) = &self.seen_test {
            self.warnings.push(format!(
                "warning: you have specified the global option {name} after the argument {test}, but global options \
                 are not positional, i.e., {name} affects tests specified before it as well as those specified after \
                 it.  Please specify global options before other arguments."
            ));
        }
    }

    fn action(&mut self, action: Action) -> Result<Expr, String> {
        self.has_action = true;
        Ok(Expr::Action(action))
    }

    fn output_file(&mut self, name: &str) -> Result<OutputId, String> {
        let path = PathBuf::from(self.argument(name)?);
        self.output_files.push(path);
        Ok(self.output_files.len())
    }

    fn format(&mut self, name: &str) -> Result<Format, String> {
        let text = self.argument(name)?;
        let mut warnings = Vec::new();
        let format = Format::parse(text.as_bytes(), &mut |w| warnings.push(w))?;
        self.warnings.extend(warnings);
        Ok(format)
    }

    fn reference_meta(&mut self, name: &str) -> Result<std::fs::Metadata, String> {
        let path = self.argument(name)?;
        let meta = if self.walk.follow == Follow::Never {
            std::fs::symlink_metadata(path)
        } else {
            std::fs::metadata(path)
        };
        meta.map_err(|e| format!("{}: {}", quote(&path.to_string_lossy()), cleanstart_utils_core::messages::io_message(&e)))
    }

    fn time(&mut self, name: &str, field: TimeField, unit: i64) -> Result<Expr, String> {
        let arg = self.text_argument(name)?;
        let window = TimeWindow::parse(field, arg, self.day_origin, unit)
            .ok_or_else(|| format!("invalid argument '{arg}' to '{name}'"))?;
        Ok(Expr::Test(Test::Time(window)))
    }

    fn exec(&mut self, name: &str, kind: ExecKind) -> Result<Expr, String> {
        if matches!(kind, ExecKind::ExecDir | ExecKind::OkDir) {
            check_search_path(std::env::var_os("PATH").as_deref(), name)?;
        }
        let mut argv = Vec::new();
        loop {
            let Some(arg) = self.args.get(self.pos) else {
                return Err(format!("missing argument to `{name}'"));
            };
            self.pos += 1;
            match arg.as_bytes() {
                b";" => break,
                b"+" if argv.last().is_some_and(|a: &OsString| a.as_bytes() == b"{}") => {
                    if matches!(kind, ExecKind::Ok | ExecKind::OkDir) {
                        return Err(format!("The {name} action does not support '+'"));
                    }
                    argv.pop();
                    if argv.is_empty() {
                        return Err(format!("missing argument to `{name}'"));
                    }
                    if argv.iter().any(|a| a.as_bytes().windows(2).any(|w| w == b"{}")) {
                        return Err(format!("Only one instance of {{}} is supported with {name} ... +"));
                    }
                    self.execs.push(ExecSpec { kind, argv, batch: true });
                    return self.action(Action::Exec(self.execs.len() - 1));
                }
                _ => argv.push(arg.clone()),
            }
        }
        if argv.is_empty() {
            return Err(format!("missing argument to `{name}'"));
        }
        self.execs.push(ExecSpec { kind, argv, batch: false });
        self.action(Action::Exec(self.execs.len() - 1))
    }

    fn primary(&mut self) -> Result<Expr, String> {
        let name_os = &self.args[self.pos];
        let name = name_os.to_string_lossy().into_owned();
        self.pos += 1;
        let test = |t: Test| Ok(Expr::Test(t));
        let is_option = matches!(
            name.as_str(),
            "-maxdepth" | "-mindepth" | "-depth" | "-d" | "-xdev" | "-mount" | "-follow" | "-noleaf" | "-ignore_readdir_race"
                | "-noignore_readdir_race" | "-regextype" | "-daystart" | "-warn" | "-nowarn"
        );
        if !is_option && self.seen_test.is_none() {
            self.seen_test = Some(name.clone());
        }
        match name.as_str() {
            // Options: true, and they apply to the whole walk.
            "-maxdepth" => {
                self.global_option(&name);
                self.walk.max_depth = Some(self.depth(&name)?);
                test(Test::True)
            }
            "-mindepth" => {
                self.global_option(&name);
                self.walk.min_depth = self.depth(&name)?;
                test(Test::True)
            }
            "-depth" | "-d" => {
                self.global_option(&name);
                self.walk.contents_first = true;
                test(Test::True)
            }
            "-xdev" | "-mount" => {
                self.global_option(&name);
                self.walk.same_file_system = true;
                test(Test::True)
            }
            "-follow" => {
                self.walk.follow = Follow::Always;
                test(Test::True)
            }
            "-noleaf" | "-ignore_readdir_race" | "-noignore_readdir_race" => test(Test::True),
            "-warn" | "-nowarn" => {
                self.warn = name == "-warn";
                test(Test::True)
            }
            "-daystart" => {
                self.day_origin = start_of_today(self.env.now);
                test(Test::True)
            }
            "-regextype" => {
                let arg = self.text_argument(&name)?;
                self.regex_type = Syntax::by_regextype_name(arg).ok_or_else(|| {
                    format!(
                        "Unknown regular expression type '{arg}'; valid types are 'findutils-default', 'emacs', \
                         'posix-basic', 'posix-extended' (and their aliases 'ed', 'sed', 'grep', 'egrep', 'awk', ...)."
                    )
                })?;
                test(Test::True)
            }
            // Tests.
            "-true" => test(Test::True),
            "-false" => test(Test::False),
            "-name" | "-iname" | "-lname" | "-ilname" => {
                let pattern = self.argument(&name)?;
                if name.ends_with("lname") {
                    return Err(format!("{name} is not supported"));
                }
                if self.warn && pattern.as_bytes().contains(&b'/') && pattern.as_bytes() != b"/" {
                    self.warnings.push(format!(
                        "warning: '{name}' matches against basenames only, but the given pattern contains a directory \
                         separator ('/'), thus the expression will evaluate to false all the time.  Did you mean \
                         '-wholename'?"
                    ));
                }
                test(Test::Name(Pattern::new(pattern.as_bytes(), name == "-iname")))
            }
            "-path" | "-ipath" | "-wholename" | "-iwholename" => {
                let pattern = self.argument(&name)?;
                test(Test::Path(Pattern::new(pattern.as_bytes(), name.starts_with("-i"))))
            }
            "-regex" | "-iregex" => {
                let pattern = self.argument(&name)?;
                let regex = whole_match(pattern.as_bytes(), self.regex_type, name == "-iregex")
                    .map_err(|e| format!("Invalid regular expression '{}': {e}", pattern.to_string_lossy()))?;
                test(Test::Regex(regex))
            }
            "-type" => test(Test::Type(parse_types("-type", self.text_argument(&name)?)?)),
            "-xtype" => test(Test::XType(parse_types("-xtype", self.text_argument(&name)?)?)),
            "-size" => test(Test::Size(Size::parse(self.text_argument(&name)?)?)),
            "-empty" => test(Test::Empty),
            "-newer" | "-anewer" | "-cnewer" => {
                let reference = TimeField::Modify.of(&self.reference_meta(&name)?);
                let field = match name.as_str() {
                    "-anewer" => TimeField::Access,
                    "-cnewer" => TimeField::Change,
                    _ => TimeField::Modify,
                };
                test(Test::Newer(field, reference))
            }
            "-mtime" => self.time(&name, TimeField::Modify, DAY),
            "-atime" => self.time(&name, TimeField::Access, DAY),
            "-ctime" => self.time(&name, TimeField::Change, DAY),
            "-mmin" => self.time(&name, TimeField::Modify, 60),
            "-amin" => self.time(&name, TimeField::Access, 60),
            "-cmin" => self.time(&name, TimeField::Change, 60),
            "-perm" => test(Test::Perm(Perm::parse(self.text_argument(&name)?)?)),
            "-user" => {
                let arg = self.text_argument(&name)?;
                let uid = match self.accounts().user_by_name(arg) {
                    Some(user) => user.uid,
                    None => arg.parse().map_err(|_| format!("{} is not the name of a known user", quote(arg)))?,
                };
                test(Test::Uid(Number { cmp: super::matchers::Cmp::Equal, value: uid as u64 }))
            }
            "-group" => {
                let arg = self.text_argument(&name)?;
                let gid = match self.accounts().group_by_name(arg) {
                    Some(group) => group.gid,
                    None => arg.parse().map_err(|_| format!("{} is not the name of an existing group", quote(arg)))?,
                };
                test(Test::Gid(Number { cmp: super::matchers::Cmp::Equal, value: gid as u64 }))
            }
            "-uid" => test(Test::Uid(self.number(&name)?)),
            "-gid" => test(Test::Gid(self.number(&name)?)),
            "-nouser" => {
                self.accounts();
                test(Test::NoUser)
            }
            "-nogroup" => {
                self.accounts();
                test(Test::NoGroup)
            }
            "-links" => test(Test::Links(self.number(&name)?)),
            "-inum" => test(Test::Inum(self.number(&name)?)),
            "-samefile" => {
                let meta = self.reference_meta(&name)?;
                test(Test::SameFile { dev: meta.dev(), ino: meta.ino() })
            }
            "-readable" => test(Test::Readable),
            "-writable" => test(Test::Writable),
            "-executable" => test(Test::Executable),
            // Actions.
            "-print" => self.action(Action::Print { out: 0, terminator: b'\n' }),
            "-print0" => self.action(Action::Print { out: 0, terminator: 0 }),
            "-printf" => {
                let format = self.format(&name)?;
                self.action(Action::Printf { out: 0, format })
            }
            "-ls" => self.action(Action::Ls { out: 0 }),
            "-fprint" | "-fprint0" => {
                let out = self.output_file(&name)?;
                self.action(Action::Print { out, terminator: if name == "-fprint0" { 0 } else { b'\n' } })
            }
            "-fprintf" => {
                let out = self.output_file(&name)?;
                let format = self.format(&name)?;
                self.action(Action::Printf { out, format })
            }
            "-fls" => {
                let out = self.output_file(&name)?;
                self.action(Action::Ls { out })
            }
            "-exec" => self.exec(&name, ExecKind::Exec),
            "-execdir" => self.exec(&name, ExecKind::ExecDir),
            "-ok" => self.exec(&name, ExecKind::Ok),
            "-okdir" => self.exec(&name, ExecKind::OkDir),
            "-delete" => {
                self.delete = true;
                self.action(Action::Delete)
            }
            "-prune" => Ok(Expr::Action(Action::Prune)),
            "-quit" => Ok(Expr::Action(Action::Quit)),
            _ if name_os.as_bytes().starts_with(b"-") => Err(format!("unknown predicate `{name}'")),
            _ => Err(format!("paths must precede expression: `{name}'")),
        }
    }
}

/// `-execdir` runs commands inside the directories being searched, so a PATH that looks in the
/// current directory would run whatever file a directory holds: GNU refuses to start then.
fn check_search_path(path: Option<&OsStr>, action: &str) -> Result<(), String> {
    let Some(path) = path else { return Ok(()) };
    for dir in path.as_bytes().split(|&b| b == b':') {
        if dir.is_empty() || dir == b"." {
            return Err(format!(
                "The current directory is included in the PATH environment variable, which is insecure in \
                 combination with the {action} action of find.  Please remove the current directory from your $PATH \
                 (that is, remove \".\", doubled colons, or leading or trailing colons)"
            ));
        }
        if dir[0] != b'/' {
            return Err(format!(
                "The relative path {} is included in the PATH environment variable, which is insecure in combination \
                 with the {action} action of find.  Please remove that entry from $PATH",
                quote(&String::from_utf8_lossy(dir))
            ));
        }
    }
    Ok(())
}

/// A missing right operand is named after its operator, as GNU does.
fn after_operator(error: String, op: &str) -> String {
    if error == "invalid expression" {
        format!("expected an expression after '{op}'")
    } else {
        error
    }
}

/// `-daystart`: midnight of today in the local time zone, minus nothing (GNU measures days
/// from there instead of from 24 hours ago).
fn start_of_today(now: i128) -> i128 {
    let zone = jiff::tz::TimeZone::try_system().unwrap_or(jiff::tz::TimeZone::UTC);
    jiff::Timestamp::from_nanosecond(now)
        .ok()
        .and_then(|ts| ts.to_zoned(zone).start_of_day().ok())
        .map(|z| nanos(z.timestamp().as_second(), 0))
        .unwrap_or(now - DAY as i128 * 1_000_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<OsString> {
        text.split_whitespace().map(OsString::from).collect()
    }

    fn parse_text(text: &str) -> Result<Program, String> {
        let accounts = || Accounts::parse("root:x:0:0::/:/bin/sh\nalice:x:1000:1000::/:/bin/sh\n", "root:x:0:\nstaff:x:50:\n");
        parse(&args(text), &Environment { now: 0, warn: true, accounts: &accounts })
    }

    /// The tree's shape with leaves abbreviated.
    fn shape(e: &Expr) -> String {
        match e {
            Expr::And(a, b) => format!("({} & {})", shape(a), shape(b)),
            Expr::Or(a, b) => format!("({} | {})", shape(a), shape(b)),
            Expr::Comma(a, b) => format!("({} , {})", shape(a), shape(b)),
            Expr::Not(a) => format!("!{}", shape(a)),
            Expr::Test(Test::True) => "T".into(),
            Expr::Test(Test::False) => "F".into(),
            Expr::Test(Test::Name(_)) => "name".into(),
            Expr::Test(Test::Type(t)) => format!("type:{}", String::from_utf8_lossy(t)),
            Expr::Test(t) => format!("{t:?}").split(['(', ' ', '{']).next().unwrap_or("?").to_lowercase(),
            Expr::Action(Action::Print { terminator: b'\n', .. }) => "print".into(),
            Expr::Action(Action::Print { .. }) => "print0".into(),
            Expr::Action(Action::Prune) => "prune".into(),
            Expr::Action(Action::Exec(i)) => format!("exec{i}"),
            Expr::Action(a) => format!("{a:?}").to_lowercase(),
        }
    }

    fn tree(text: &str) -> String {
        shape(&parse_text(text).unwrap().expr)
    }

    #[test]
    fn roots_and_default_print() {
        let p = parse_text("a b -name x").unwrap();
        assert_eq!(p.roots, [PathBuf::from("a"), PathBuf::from("b")]);
        assert_eq!(shape(&p.expr), "(name & print)");
        assert_eq!(parse_text("").unwrap().roots, [PathBuf::from(".")]);
        assert_eq!(tree(""), "print");
        assert_eq!(parse_text("-L - -print").unwrap().roots, [PathBuf::from("-")]);
        assert_eq!(parse_text("-L x").unwrap().walk.follow, Follow::Always);
    }

    #[test]
    fn precedence() {
        assert_eq!(tree("-true -o -false -a -false"), "((T | (F & F)) & print)");
        assert_eq!(tree("-false -o -true , -false"), "(((F | T) , F) & print)");
        assert_eq!(tree("! -true -o -true"), "((!T | T) & print)");
        assert_eq!(tree("-not ( -true -o -false ) -print"), "(!(T | F) & print)");
        assert_eq!(tree("-type f,d -print0"), "(type:fd & print0)");
    }

    #[test]
    fn prune_alone_still_prints_but_actions_do_not() {
        assert_eq!(tree("-name x -prune -o -print"), "((name & prune) | print)");
        assert_eq!(tree("-name x -prune"), "((name & prune) & print)");
        assert_eq!(tree("-exec echo {} ; -exec ls {} +"), "(exec0 & exec1)");
        let p = parse_text("-exec echo a{}b ;").unwrap();
        assert!(!p.execs[0].batch);
    }

    #[test]
    fn options() {
        let p = parse_text("-maxdepth 2 -mindepth 1 -xdev -delete").unwrap();
        assert_eq!((p.walk.max_depth, p.walk.min_depth, p.walk.same_file_system), (Some(2), 1, true));
        assert!(p.walk.contents_first, "-delete implies -depth");
        assert!(p.warnings.is_empty());
        let late = parse_text("-name x -maxdepth 1").unwrap();
        assert_eq!(late.warnings.len(), 1);
        assert_eq!(tree("-user alice"), "(uid & print)");
        assert!(matches!(parse_text("-user alice").unwrap().expr, Expr::And(ref a, _) if matches!(**a, Expr::Test(Test::Uid(Number { value: 1000, .. })))));
        assert!(matches!(parse_text("-group staff").unwrap().expr, Expr::And(ref a, _) if matches!(**a, Expr::Test(Test::Gid(Number { value: 50, .. })))));
        assert!(parse_text("-user 4242").is_ok());
    }

    #[test]
    fn execdir_refuses_a_path_searching_the_current_directory() {
        let check = |p: &str| check_search_path(Some(OsStr::new(p)), "-execdir");
        assert!(check("/usr/bin:/bin").is_ok());
        assert!(check_search_path(None, "-execdir").is_ok());
        for bad in [".:/bin", "/bin::/usr/bin", "/bin:", ":/bin", ""] {
            assert!(check(bad).unwrap_err().contains("current directory"), "{bad:?}");
        }
        assert!(check("/bin:bin").unwrap_err().contains("relative path"));
    }

    #[test]
    fn errors() {
        let err = |t: &str| parse_text(t).unwrap_err();
        assert_eq!(err("-bogus"), "unknown predicate `-bogus'");
        assert_eq!(err("-name"), "missing argument to `-name'");
        assert_eq!(err("-name x y"), "paths must precede expression: `y'");
        assert!(err("( -true").contains("expecting to find a ')'"));
        assert!(err("-true )").contains("too many ')'"));
        assert!(err("( )").contains("empty parentheses"));
        assert!(err("-o -true").contains("nothing before it"));
        assert_eq!(err("-true -o"), "expected an expression after '-o'");
        assert_eq!(err("!"), "expected an expression after '!'");
        assert!(err("-type q").contains("Unknown argument to -type"));
        assert!(err("-maxdepth x").contains("positive decimal"));
        assert!(err("-user nosuchuser").contains("not the name of a known user"));
        assert!(err("-group nosuchgroup").contains("existing group"));
        assert!(err("-exec echo {}").contains("missing argument"));
        assert!(err("-exec echo {} {} +").contains("Only one instance"));
        assert!(err("-regex \\(").contains("Invalid regular expression"));
        assert!(err("-regextype perl").contains("Unknown regular expression type"));
        assert!(err("-newer /nonexistent/x").contains("No such file"));
        assert!(err("-mtime x").contains("invalid argument"));
        assert!(err("-perm 9").contains("invalid mode"));
    }
}
