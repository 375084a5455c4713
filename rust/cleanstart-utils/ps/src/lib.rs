//! `ps`: procps-ng's selections and output formats over [`procs`], names from
//! [`cleanstart_utils_core::accounts`].
//!
//! Selections: the default (same effective user and terminal as ps), `-e`/`-A`, BSD `a`/`x`,
//! `-p`/`p`/bare pids, `-C`, `-u`/`-U`. Formats: the default, `-f`, BSD `u`, and `-o` with
//! procps's column names, headers (`name=Header`) and widths; a value wider than its column
//! shifts the rest of the line, and user names wider than theirs are cut with `+`, as procps does.
//! Times are printed in UTC (the binaries carry no time zone data).
#![forbid(unsafe_code)]

pub mod procs;

use cleanstart_utils_core::accounts::Accounts;
use cleanstart_utils_core::cmdline::{civil_date, print_version, Cluster, LongOption};
use procs::{Process, System, TICKS_PER_SECOND};
use std::ffi::OsString;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

#[derive(Debug, Default)]
struct Options {
    all: bool,
    bsd_a: bool,
    bsd_x: bool,
    pids: Vec<u32>,
    commands: Vec<String>,
    users: Vec<String>,
    full: bool,
    bsd_user: bool,
    columns: Vec<(String, Option<String>)>,
    no_headers: bool,
}

fn parse(args: Vec<OsString>) -> Result<Option<Options>, String> {
    let mut o = Options::default();
    let mut args = args.into_iter();
    let list = |v: &str| v.split([',', ' ']).filter(|s| !s.is_empty()).map(String::from).collect::<Vec<_>>();
    let pid_list = |v: &str| -> Result<Vec<u32>, String> {
        list(v).iter().map(|p| p.parse().map_err(|_| "process ID list syntax error".to_string())).collect()
    };
    while let Some(arg) = args.next() {
        let s = arg.to_string_lossy().into_owned();
        if let Some(long) = LongOption::parse(&s) {
            let mut value = || long.value(&mut args).map_err(|_| "list of processes must follow --pid");
            match long.name {
                "pid" => o.pids.extend(pid_list(&value()?)?),
                "format" => o.columns.extend(columns(&value()?)),
                "no-headers" | "no-heading" => o.no_headers = true,
                "help" => {
                    println!(
                        "Usage: ps [options]\n\n \
                         -e, -A       all processes          -p LIST, --pid LIST  by process id\n \
                         -C NAMES     by command name        -u, -U USERS         by effective, real user\n \
                         -f           full format            -o FORMAT, --format  columns (pid,ppid,user,comm,args,...)\n \
                         a, x, u      BSD: all with a tty, include those without, user format\n \
                         --no-headers print no header line"
                    );
                    return Ok(None);
                }
                "version" => {
                    print_version("ps");
                    return Ok(None);
                }
                _ => return Err(format!("unknown gnu long option '{s}'")),
            }
            continue;
        }
        if s.chars().all(|c| c.is_ascii_digit() || c == ',') && !s.is_empty() {
            o.pids.extend(pid_list(&s)?);
            continue;
        }
        // UNIX options start with '-', BSD options do not.
        let (bsd, letters) = match s.strip_prefix('-') {
            Some(rest) => (false, rest),
            None => (true, s.as_str()),
        };
        let mut cluster = Cluster::new(letters);
        while let Some(c) = cluster.next() {
            match (bsd, c) {
                (false, 'e' | 'A') => o.all = true,
                (false, 'f') => o.full = true,
                (false, 'p') | (true, 'p') => o.pids.extend(pid_list(&cluster.value(c, &mut args)?)?),
                (false, 'o') | (true, 'o') => o.columns.extend(columns(&cluster.value(c, &mut args)?)),
                (false, 'C') => o.commands.extend(list(&cluster.value(c, &mut args)?)),
                (false, 'u' | 'U') | (true, 'U') => o.users.extend(list(&cluster.value(c, &mut args)?)),
                (true, 'a') => o.bsd_a = true,
                (true, 'x') => o.bsd_x = true,
                (true, 'u') => o.bsd_user = true,
                (true, 'w') | (false, 'w') => {} // output is never cut to a terminal width here
                _ => return Err(format!("unsupported option (BSD syntax) or error in list: '{c}'")),
            }
        }
    }
    Ok(Some(o))
}

/// A `-o` list: `pid,comm=Name` becomes [("pid", None), ("comm", Some("Name"))].
fn columns(spec: &str) -> Vec<(String, Option<String>)> {
    spec.split([',', ' '])
        .filter(|item| !item.is_empty())
        .map(|item| match item.split_once('=') {
            Some((name, header)) => (name.to_string(), Some(header.to_string())),
            None => (item.to_string(), None),
        })
        .collect()
}

/// How one column is laid out.
struct Column {
    key: &'static str,
    header: &'static str,
    width: usize,
    right: bool,
    /// A name column: cut with '+' when wider than the column.
    name: bool,
}

/// procps-ng's columns: name and aliases, header, width (`0` means the pid width), alignment.
fn column(name: &str) -> Option<Column> {
    let c = |key, header, width, right, name| Some(Column { key, header, width, right, name });
    match name {
        "pid" | "tgid" => c("pid", "PID", 0, true, false),
        "ppid" => c("ppid", "PPID", 0, true, false),
        "pgid" | "pgrp" => c("pgid", "PGID", 0, true, false),
        "sid" | "sess" | "session" => c("sid", "SID", 0, true, false),
        "user" | "euser" | "uname" => c("user", "USER", 8, false, true),
        "ruser" => c("ruser", "RUSER", 8, false, true),
        "uid" | "euid" => c("uid", "UID", 5, true, false),
        "ruid" => c("ruid", "RUID", 5, true, false),
        "gid" | "egid" => c("gid", "GID", 5, true, false),
        "rgid" => c("rgid", "RGID", 5, true, false),
        "group" | "egroup" => c("group", "GROUP", 8, false, true),
        "rgroup" => c("rgroup", "RGROUP", 8, false, true),
        "comm" | "ucomm" | "ucmd" => c("comm", "COMMAND", 15, false, false),
        "args" | "command" => c("args", "COMMAND", 27, false, false),
        "cmd" => c("args", "CMD", 27, false, false),
        "tty" | "tt" | "tname" => c("tty", "TT", 8, false, false),
        "time" | "cputime" => c("time", "TIME", 8, true, false),
        "etime" => c("etime", "ELAPSED", 11, true, false),
        "etimes" => c("etimes", "ELAPSED", 7, true, false),
        "stat" => c("stat", "STAT", 4, false, false),
        "s" | "state" => c("s", "S", 1, false, false),
        "ni" | "nice" => c("ni", "NI", 3, true, false),
        "vsz" | "vsize" => c("vsz", "VSZ", 6, true, false),
        "rss" | "rssize" | "rsz" => c("rss", "RSS", 5, true, false),
        "pcpu" | "%cpu" => c("pcpu", "%CPU", 4, true, false),
        "pmem" | "%mem" => c("pmem", "%MEM", 4, true, false),
        "c" => c("c", "C", 2, true, false),
        "stime" | "start_time" => c("stime", "STIME", 5, false, false),
        "start" => c("start", "STARTED", 8, true, false),
        "nlwp" | "thcount" => c("nlwp", "NLWP", 4, true, false),
        _ => None,
    }
}

/// Entry point of `ps`.
pub fn main(args: impl Iterator<Item = OsString>) -> ExitCode {
    let o = match parse(args.collect()) {
        Ok(Some(o)) => o,
        Ok(None) => return ExitCode::SUCCESS,
        Err(msg) => {
            eprintln!("error: {msg}\n\nUsage:\n ps [options]\n\n Try 'ps --help <simple|list|output|threads|misc|all>'\n  or 'ps --help <s|l|o|t|m|a>'\n for additional help text.");
            return ExitCode::FAILURE;
        }
    };
    let proc_root = Path::new("/proc");
    let (processes, system) = match (procs::all(proc_root), System::read(proc_root)) {
        (Ok(p), Ok(s)) => (p, s),
        (Err(e), _) | (_, Err(e)) => {
            eprintln!("ps: /proc: {}", cleanstart_utils_core::messages::io_message(&e));
            return ExitCode::FAILURE;
        }
    };
    let accounts = Accounts::load();
    let me = Process::read(proc_root, std::process::id());
    let mut layout: Vec<(Column, Option<String>)> = Vec::new();
    let named: Vec<(String, Option<String>)> = if !o.columns.is_empty() {
        o.columns.clone()
    } else if o.bsd_user {
        ["user", "pid", "pcpu", "pmem", "vsz", "rss", "tty", "stat", "bsdstart", "bsdtime", "args"].iter().map(|c| (c.to_string(), None)).collect()
    } else if o.full {
        ["uid_name", "pid", "ppid", "c", "stime", "tty", "time", "cmd"].iter().map(|c| (c.to_string(), None)).collect()
    } else {
        ["pid", "tty", "time", "comm_cmd"].iter().map(|c| (c.to_string(), None)).collect()
    };
    for (name, header) in named {
        // Columns of the built-in formats whose header differs from their -o name.
        let col = match name.as_str() {
            "uid_name" => Some(Column { key: "user", header: "UID", width: 8, right: false, name: true }),
            "comm_cmd" => Some(Column { key: "comm", header: "CMD", width: 15, right: false, name: false }),
            "tty" if o.columns.is_empty() => Some(Column { key: "tty", header: "TTY", width: 8, right: false, name: false }),
            "bsdstart" => Some(Column { key: "stime", header: "START", width: 5, right: false, name: false }),
            "bsdtime" => Some(Column { key: "bsdtime", header: "TIME", width: 6, right: true, name: false }),
            "args" if o.bsd_user => Some(Column { key: "args", header: "COMMAND", width: 27, right: false, name: false }),
            other => column(other),
        };
        match col {
            Some(c) => layout.push((c, header)),
            None => {
                eprintln!("error: unknown user-defined format specifier \"{name}\"\n\nUsage:\n ps [options]");
                return ExitCode::FAILURE;
            }
        }
    }
    let selected: Vec<&Process> = processes.iter().filter(|p| selects(&o, p, me.as_ref(), &accounts)).collect();
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs());
    let ctx = Context { accounts: &accounts, system: &system, now };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let headers: Vec<String> = layout.iter().map(|(c, h)| h.clone().unwrap_or_else(|| c.header.to_string())).collect();
    let mut lines = Vec::new();
    if !o.no_headers && headers.iter().any(|h| !h.is_empty()) {
        lines.push(render_row(&layout, &system, headers.clone(), true));
    }
    for p in &selected {
        let cells = layout.iter().map(|(c, _)| ctx.value(c, p)).collect();
        lines.push(render_row(&layout, &system, cells, false));
    }
    for line in lines {
        if writeln!(out, "{line}").is_err() {
            return ExitCode::FAILURE;
        }
    }
    if out.flush().is_err() {
        return ExitCode::FAILURE;
    }
    // procps exits 1 when a selection by pid, command or user found nothing.
    let explicit = !o.pids.is_empty() || !o.commands.is_empty() || !o.users.is_empty();
    if explicit && selected.is_empty() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

fn selects(o: &Options, p: &Process, me: Option<&Process>, accounts: &Accounts) -> bool {
    let by_list = !o.pids.is_empty() || !o.commands.is_empty() || !o.users.is_empty();
    if by_list {
        let user_matches = |u: &String| u.parse::<u32>().ok().or_else(|| accounts.user_by_name(u).map(|u| u.uid)) == Some(p.euid);
        return o.pids.contains(&p.pid) || o.commands.contains(&p.comm) || o.users.iter().any(user_matches);
    }
    if o.all || (o.bsd_a && o.bsd_x) {
        return true;
    }
    let (my_euid, my_tty) = me.map_or((u32::MAX, 0), |m| (m.euid, m.tty));
    if o.bsd_a {
        return p.tty != 0;
    }
    if o.bsd_x {
        return p.euid == my_euid;
    }
    if o.bsd_user {
        // `ps u` alone: the user's processes on terminals.
        return p.euid == my_euid && p.tty != 0;
    }
    p.euid == my_euid && p.tty == my_tty
}

struct Context<'a> {
    accounts: &'a Accounts,
    system: &'a System,
    now: u64,
}

impl Context<'_> {
    fn start_secs(&self, p: &Process) -> u64 {
        self.system.boot_time + p.start_ticks / TICKS_PER_SECOND
    }

    fn elapsed(&self, p: &Process) -> f64 {
        (self.system.uptime - p.start_ticks as f64 / TICKS_PER_SECOND as f64).max(0.0)
    }

    /// CPU use over the process's life, in tenths of a percent (procps's pcpu).
    fn pcpu_tenths(&self, p: &Process) -> u64 {
        let elapsed = self.elapsed(p);
        if elapsed <= 0.0 {
            return 0;
        }
        ((p.cpu_ticks as f64 * 1000.0 / TICKS_PER_SECOND as f64) / elapsed) as u64
    }

    fn value(&self, c: &Column, p: &Process) -> String {
        let name = |id: u32, found: Option<&str>| found.map_or_else(|| id.to_string(), str::to_string);
        match c.key {
            "pid" => p.pid.to_string(),
            "ppid" => p.ppid.to_string(),
            "pgid" => p.pgrp.to_string(),
            "sid" => p.session.to_string(),
            "user" => name(p.euid, self.accounts.user_name(p.euid)),
            "ruser" => name(p.ruid, self.accounts.user_name(p.ruid)),
            "uid" => p.euid.to_string(),
            "ruid" => p.ruid.to_string(),
            "gid" => p.egid.to_string(),
            "rgid" => p.rgid.to_string(),
            "group" => name(p.egid, self.accounts.group_name(p.egid)),
            "rgroup" => name(p.rgid, self.accounts.group_name(p.rgid)),
            "comm" => p.comm.clone(),
            "args" => p.command_line(),
            "tty" => procs::tty_name(p.tty).unwrap_or_else(|| "?".into()),
            "time" => clock(p.cpu_ticks / TICKS_PER_SECOND, true),
            "bsdtime" => {
                let s = p.cpu_ticks / TICKS_PER_SECOND;
                format!("{}:{:02}", s / 60, s % 60)
            }
            "etime" => clock(self.elapsed(p) as u64, false),
            "etimes" => (self.elapsed(p) as u64).to_string(),
            "stat" => stat(p),
            "s" => p.state.to_string(),
            "ni" => {
                if matches!(p.state, 'I') && p.nice == 0 && p.args.is_empty() {
                    "0".into()
                } else {
                    p.nice.to_string()
                }
            }
            "vsz" => p.vsz_kib.to_string(),
            "rss" => p.rss_kib.to_string(),
            "pcpu" => {
                let t = self.pcpu_tenths(p).min(999);
                format!("{}.{}", t / 10, t % 10)
            }
            "c" => (self.pcpu_tenths(p) / 10).min(99).to_string(),
            "pmem" => {
                let t = (p.rss_kib * 1000).checked_div(self.system.mem_total_kib).unwrap_or(0);
                format!("{}.{}", t / 10, t % 10)
            }
            "stime" => start_time(self.start_secs(p), self.now),
            "start" => {
                let start = self.start_secs(p);
                if self.now.saturating_sub(start) < 86_400 {
                    let s = start % 86_400;
                    format!("{:02}:{:02}:{:02}", s / 3600, s % 3600 / 60, s % 60)
                } else {
                    let (_, month, day) = civil_date(start);
                    format!("{} {:02}", MONTHS[month as usize - 1], day)
                }
            }
            "nlwp" => p.threads.to_string(),
            _ => String::new(),
        }
    }
}

const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// `[DD-]HH:MM:SS` (cumulative time, always with hours) or `[[DD-]HH:]MM:SS` (elapsed time).
fn clock(secs: u64, with_hours: bool) -> String {
    let (d, h, m, s) = (secs / 86_400, secs % 86_400 / 3600, secs % 3600 / 60, secs % 60);
    if d > 0 {
        format!("{d}-{h:02}:{m:02}:{s:02}")
    } else if with_hours || h > 0 {
        format!("{h:02}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// The STAT column: state, then `<` `N` `L` `s` `l` `+` as procps adds them.
fn stat(p: &Process) -> String {
    let mut s = p.state.to_string();
    if p.nice < 0 {
        s.push('<');
    } else if p.nice > 0 {
        s.push('N');
    }
    if p.locked_kib > 0 {
        s.push('L');
    }
    if p.session == p.pid {
        s.push('s');
    }
    if p.threads > 1 {
        s.push('l');
    }
    if p.tty != 0 && i64::from(p.pgrp) == p.tpgid {
        s.push('+');
    }
    s
}

/// One output line. A value wider than its column pushes the following ones right; procps
/// then takes the excess back from the padding of later columns.
fn render_row(layout: &[(Column, Option<String>)], system: &System, cells: Vec<String>, header: bool) -> String {
    let mut line = String::new();
    let mut debt = 0usize;
    let last = layout.len().saturating_sub(1);
    for (i, ((c, _), cell)) in layout.iter().zip(cells).enumerate() {
        // A column is at least as wide as its header.
        let header_len = layout[i].1.as_deref().unwrap_or(c.header).chars().count();
        let width = if c.width == 0 { system.pid_digits } else { c.width }.max(header_len);
        let cell = if c.name && !header && cell.chars().count() > width {
            let mut cut: String = cell.chars().take(width - 1).collect();
            cut.push('+');
            cut
        } else if c.key == "args" && i != last {
            // Only the last column may run on; an earlier command line is cut to its column.
            cell.chars().take(width).collect()
        } else {
            cell
        };
        if i > 0 {
            line.push(' ');
        }
        let len = cell.chars().count();
        let pad = width.saturating_sub(len);
        let taken = pad.min(debt);
        debt = debt - taken + len.saturating_sub(width);
        let pad = pad - taken;
        if c.right {
            line.push_str(&" ".repeat(pad));
            line.push_str(&cell);
        } else {
            line.push_str(&cell);
            if i != last {
                line.push_str(&" ".repeat(pad));
            }
        }
    }
    line
}

/// `STIME`: the time of day when the process started today, else its date, else its year.
/// procps compares calendar days, not the last 24 hours: a process started yesterday evening
/// shows its date after midnight.
fn start_time(start: u64, now: u64) -> String {
    let (year, month, day) = civil_date(start);
    let today = civil_date(now);
    if today == (year, month, day) {
        let s = start % 86_400;
        format!("{:02}:{:02}", s / 3600, s % 3600 / 60)
    } else if today.0 == year {
        format!("{}{:02}", MONTHS[month as usize - 1], day)
    } else {
        year.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn system() -> System {
        System { boot_time: 1_000_000, uptime: 1000.0, mem_total_kib: 1_000_000, pid_digits: 5 }
    }

    #[test]
    fn parses_unix_and_bsd_options() {
        let o = parse(vec!["aux".into()]).unwrap().unwrap();
        assert!(o.bsd_a && o.bsd_x && o.bsd_user);
        let o = parse(vec!["-o".into(), "pid,comm=Name".into(), "-p".into(), "1,2".into(), "3".into()]).unwrap().unwrap();
        assert_eq!(o.columns, vec![("pid".into(), None), ("comm".into(), Some("Name".into()))]);
        assert_eq!(o.pids, vec![1, 2, 3]);
        let o = parse(vec!["-ef".into()]).unwrap().unwrap();
        assert!(o.all && o.full);
        assert!(parse(vec!["-Q".into()]).is_err());
        assert_eq!(columns("pid,x=a,b"), vec![("pid".into(), None), ("x".into(), Some("a".into())), ("b".into(), None)]);
    }

    #[test]
    fn rows_align_and_shift_like_procps() {
        let layout = vec![(column("pid").unwrap(), None), (column("user").unwrap(), None), (column("comm").unwrap(), None)];
        let row = |cells: &[&str]| render_row(&layout, &system(), cells.iter().map(|s| s.to_string()).collect(), false);
        assert_eq!(row(&["1", "root", "init"]), "    1 root     init");
        assert_eq!(row(&["1", "systemd-network", "x"]), "    1 systemd+ x");
        let header = render_row(&layout, &system(), vec!["PID".into(), "USER".into(), "COMMAND".into()], true);
        assert_eq!(header, "  PID USER     COMMAND");
        let renamed = vec![(column("pid").unwrap(), Some("Process".to_string())), (column("comm").unwrap(), Some("Name".to_string()))];
        assert_eq!(render_row(&renamed, &system(), vec!["42".into(), "sleep".into()], false), "     42 sleep");
        let args_first = vec![(column("args").unwrap(), None), (column("pid").unwrap(), None)];
        let long = "sh -c sleep 1002 && echo aaaaaaaaaaaa".to_string();
        assert_eq!(render_row(&args_first, &system(), vec![long, "22104".into()], false), "sh -c sleep 1002 && echo aa 22104");
    }

    #[test]
    fn times_and_states() {
        assert_eq!(clock(0, true), "00:00:00");
        assert_eq!(clock(3 * 86_400 + 3723, true), "3-01:02:03");
        assert_eq!(clock(75, false), "01:15");
        assert_eq!(clock(3600, false), "01:00:00");
        let p = Process { pid: 5, session: 5, pgrp: 5, tpgid: 5, tty: 34816, state: 'S', threads: 2, nice: -5, ..Process::default() };
        assert_eq!(stat(&p), "S<sl+");
    }

    #[test]
    fn pcpu_and_pmem() {
        let accounts = Accounts::default();
        let sys = system();
        let ctx = Context { accounts: &accounts, system: &sys, now: 1_001_000 };
        // Started 100 s before now, used 25 s of CPU: 25.0%.
        let p = Process { start_ticks: 900 * TICKS_PER_SECOND, cpu_ticks: 25 * TICKS_PER_SECOND, rss_kib: 12_345, ..Process::default() };
        let col = |n: &str| column(n).unwrap();
        assert_eq!(ctx.value(&col("pcpu"), &p), "25.0");
        assert_eq!(ctx.value(&col("c"), &p), "25");
        assert_eq!(ctx.value(&col("pmem"), &p), "1.2");
        assert_eq!(ctx.value(&col("etime"), &p), "01:40");
        assert_eq!(ctx.value(&col("user"), &p), "0");
    }

    #[test]
    fn start_times_by_calendar_day() {
        // 2026-11-24 08:04 UTC, then 23:59 that day, 00:30 the next day, and a year later.
        let start = 1_795_507_440;
        assert_eq!(start_time(start, start + 15 * 3600 + 55 * 60), "08:04");
        assert_eq!(start_time(start, start + 16 * 3600 + 26 * 60), "Nov24");
        assert_eq!(start_time(start, start + 366 * 86_400), "2026");
    }
}
