//! Processes as `/proc` describes them, for `ps`: plain file parsing, no system calls.
//!
//! A process can exit between listing `/proc` and reading its files; such a process is simply
//! left out, as procps does.

use std::path::Path;

/// The kernel's clock tick for `/proc` times; 100 on every Linux architecture CleanStart targets.
pub const TICKS_PER_SECOND: u64 = 100;

/// One process (thread group leader).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Process {
    pub pid: u32,
    pub ppid: u32,
    pub pgrp: u32,
    pub session: u32,
    /// Controlling terminal as a device number; 0 for none.
    pub tty: u32,
    /// Foreground process group of that terminal.
    pub tpgid: i64,
    /// State letter: R, S, D, Z, T, t, I, X.
    pub state: char,
    pub comm: String,
    /// Arguments; empty for kernel threads and zombies.
    pub args: Vec<String>,
    /// User and system CPU time, in clock ticks.
    pub cpu_ticks: u64,
    pub nice: i64,
    pub threads: u64,
    /// Start, in clock ticks after boot.
    pub start_ticks: u64,
    pub vsz_kib: u64,
    pub rss_kib: u64,
    pub locked_kib: u64,
    pub ruid: u32,
    pub euid: u32,
    pub rgid: u32,
    pub egid: u32,
}

impl Process {
    /// Reads `/proc/PID`; None when the process is gone or its files do not parse.
    pub fn read(proc_root: &Path, pid: u32) -> Option<Process> {
        let dir = proc_root.join(pid.to_string());
        let stat = std::fs::read_to_string(dir.join("stat")).ok()?;
        let status = std::fs::read_to_string(dir.join("status")).ok()?;
        let cmdline = std::fs::read(dir.join("cmdline")).unwrap_or_default();
        let mut p = parse_stat(&stat)?;
        apply_status(&mut p, &status)?;
        p.args = cmdline
            .split(|&b| b == 0)
            .map(|a| String::from_utf8_lossy(a).into_owned())
            .collect();
        // cmdline ends with a NUL, which leaves one empty piece.
        if p.args.last().is_some_and(String::is_empty) {
            p.args.pop();
        }
        Some(p)
    }

    /// The command line as ps shows it: arguments joined by spaces, or `[comm]` without any.
    pub fn command_line(&self) -> String {
        if self.args.is_empty() {
            format!("[{}]", self.comm)
        } else {
            self.args.join(" ")
        }
    }
}

/// Every process in `proc_root`, by ascending pid.
pub fn all(proc_root: &Path) -> std::io::Result<Vec<Process>> {
    let mut pids: Vec<u32> = std::fs::read_dir(proc_root)?
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse().ok())
        .collect();
    pids.sort_unstable();
    Ok(pids.into_iter().filter_map(|pid| Process::read(proc_root, pid)).collect())
}

/// Parses `/proc/PID/stat`. The command name is between the first `(` and the last `)`, since
/// it may itself hold parentheses and spaces.
pub fn parse_stat(stat: &str) -> Option<Process> {
    let open = stat.find('(')?;
    let close = stat.rfind(')')?;
    let pid = stat[..open].trim().parse().ok()?;
    let comm = stat.get(open + 1..close)?.to_string();
    let f: Vec<&str> = stat.get(close + 1..)?.split_whitespace().collect();
    // f[0] is field 3 (state) of proc(5).
    let num = |i: usize| -> Option<u64> { f.get(i)?.parse().ok() };
    let int = |i: usize| -> Option<i64> { f.get(i)?.parse().ok() };
    Some(Process {
        pid,
        comm,
        state: f.first()?.chars().next()?,
        ppid: num(1)? as u32,
        pgrp: num(2)? as u32,
        session: num(3)? as u32,
        tty: num(4)? as u32,
        tpgid: int(5)?,
        cpu_ticks: num(11)? + num(12)?,
        nice: int(16)?,
        threads: num(17)?,
        start_ticks: num(19)?,
        ..Process::default()
    })
}

/// Adds ids and memory sizes from `/proc/PID/status`.
pub fn apply_status(p: &mut Process, status: &str) -> Option<()> {
    let field = |key: &str| status.lines().find_map(|l| l.strip_prefix(key)).map(str::trim);
    let ids = |key: &str| -> Option<Vec<u32>> { field(key)?.split_whitespace().map(|n| n.parse().ok()).collect() };
    let kib = |key: &str| -> u64 { field(key).and_then(|v| v.trim_end_matches("kB").trim().parse().ok()).unwrap_or(0) };
    let uids = ids("Uid:")?;
    let gids = ids("Gid:")?;
    p.ruid = *uids.first()?;
    p.euid = *uids.get(1)?;
    p.rgid = *gids.first()?;
    p.egid = *gids.get(1)?;
    p.vsz_kib = kib("VmSize:");
    p.rss_kib = kib("VmRSS:");
    p.locked_kib = kib("VmLck:");
    Some(())
}

/// System-wide figures that per-process columns are relative to.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct System {
    /// Boot time, in seconds since the epoch.
    pub boot_time: u64,
    /// Seconds since boot.
    pub uptime: f64,
    pub mem_total_kib: u64,
    /// Digits of the largest pid, the width of pid columns.
    pub pid_digits: usize,
}

impl System {
    pub fn read(proc_root: &Path) -> std::io::Result<System> {
        let read = |name: &str| std::fs::read_to_string(proc_root.join(name));
        let stat = read("stat")?;
        let boot_time = stat.lines().find_map(|l| l.strip_prefix("btime ")?.trim().parse().ok()).unwrap_or(0);
        let uptime = read("uptime")?.split_whitespace().next().and_then(|u| u.parse().ok()).unwrap_or(0.0);
        let mem_total_kib = read("meminfo")
            .ok()
            .and_then(|m| m.lines().find_map(|l| l.strip_prefix("MemTotal:")?.trim().trim_end_matches("kB").trim().parse().ok()))
            .unwrap_or(0);
        let pid_max: u64 = read("sys/kernel/pid_max").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(32768);
        // procps sizes pid columns for the largest pid, at least 5 digits.
        let pid_digits = (pid_max.saturating_sub(1)).to_string().len().max(5);
        Ok(System { boot_time, uptime, mem_total_kib, pid_digits })
    }
}

/// The name of a terminal device number, as procps prints it ("pts/0", "tty1", "ttyS0"), or
/// None for no terminal.
pub fn tty_name(dev: u32) -> Option<String> {
    if dev == 0 {
        return None;
    }
    // Linux's encoding of dev_t: major in bits 8-19, minor in bits 0-7 and 20-31.
    let major = (dev >> 8) & 0xfff;
    let minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
    Some(match major {
        136..=143 => format!("pts/{}", (major - 136) * 256 + minor),
        4 if minor < 64 => format!("tty{minor}"),
        4 => format!("ttyS{}", minor - 64),
        5 if minor == 0 => "tty".to_string(),
        5 if minor == 1 => "console".to_string(),
        204 if (64..=95).contains(&minor) => format!("ttyAMA{}", minor - 64),
        _ => format!("{major},{minor}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stat_with_odd_command_names() {
        let p = parse_stat("42 (a (b) c) S 1 42 42 34816 42 4194560 0 0 0 0 7 3 0 0 20 -5 2 0 1234 5000 10 0").unwrap();
        assert_eq!((p.pid, p.comm.as_str(), p.state, p.ppid), (42, "a (b) c", 'S', 1));
        assert_eq!((p.tty, p.tpgid, p.cpu_ticks, p.nice, p.threads, p.start_ticks), (34816, 42, 10, -5, 2, 1234));
        assert!(parse_stat("garbage").is_none());
    }

    #[test]
    fn status_ids_and_sizes() {
        let mut p = Process::default();
        apply_status(&mut p, "Uid:\t1\t2\t2\t2\nGid:\t3\t4\t4\t4\nVmSize:\t  2920 kB\nVmRSS:\t  1812 kB\n").unwrap();
        assert_eq!((p.ruid, p.euid, p.rgid, p.egid, p.vsz_kib, p.rss_kib, p.locked_kib), (1, 2, 3, 4, 2920, 1812, 0));
        assert!(apply_status(&mut p, "Name: x\n").is_none());
    }

    #[test]
    fn terminal_names() {
        assert_eq!(tty_name(0), None);
        assert_eq!(tty_name(34816).as_deref(), Some("pts/0"));
        assert_eq!(tty_name((4 << 8) | 1).as_deref(), Some("tty1"));
        assert_eq!(tty_name((4 << 8) | 65).as_deref(), Some("ttyS1"));
    }

    #[test]
    fn reads_this_process() {
        let root = Path::new("/proc");
        let me = Process::read(root, std::process::id()).unwrap();
        assert_eq!(me.pid, std::process::id());
        assert!(me.rss_kib > 0 && me.threads >= 1);
        assert!(all(root).unwrap().iter().any(|p| p.pid == me.pid));
        let sys = System::read(root).unwrap();
        assert!(sys.boot_time > 0 && sys.uptime > 0.0 && sys.pid_digits >= 5);
        assert!(Process::read(root, u32::MAX).is_none());
    }
}
