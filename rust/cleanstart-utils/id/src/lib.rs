//! `id` and `whoami`, with GNU coreutils' output, over [`cleanstart_utils_core::accounts`].
//!
//! Ids come from `/proc/self/status` and names from `/etc/passwd` and `/etc/group`; an id without
//! an entry is printed as a number (and `-n` then warns and exits 1), as GNU does.
#![forbid(unsafe_code)]

use cleanstart_utils_core::accounts::{Accounts, Credentials};
use cleanstart_utils_core::cmdline::{print_version, usage_error};
use std::ffi::OsString;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, Default, PartialEq)]
struct IdOptions {
    user: bool,
    group: bool,
    groups: bool,
    name: bool,
    real: bool,
    zero: bool,
    users: Vec<String>,
}

fn parse_id(args: impl Iterator<Item = OsString>) -> Result<Option<IdOptions>, String> {
    let mut o = IdOptions::default();
    let mut only_operands = false;
    for arg in args {
        let arg = arg.to_string_lossy().into_owned();
        if only_operands || arg == "-" || !arg.starts_with('-') {
            o.users.push(arg);
            continue;
        }
        match arg.as_str() {
            "--" => only_operands = true,
            "--user" => o.user = true,
            "--group" => o.group = true,
            "--groups" => o.groups = true,
            "--name" => o.name = true,
            "--real" => o.real = true,
            "--zero" => o.zero = true,
            "--help" => {
                println!(
                    "Usage: id [OPTION]... [USER]...\n\
                     Print user and group information for each specified USER,\n\
                     or (when USER omitted) for the current process.\n\n  \
                     -g, --group    print only the effective group ID\n  \
                     -G, --groups   print all group IDs\n  \
                     -n, --name     print a name instead of a number, for -u,-g,-G\n  \
                     -r, --real     print the real ID instead of the effective ID, with -u,-g,-G\n  \
                     -u, --user     print only the effective user ID\n  \
                     -z, --zero     delimit entries with NUL characters, not whitespace"
                );
                return Ok(None);
            }
            "--version" => {
                print_version("id");
                return Ok(None);
            }
            long if long.starts_with("--") => return Err(format!("unrecognized option '{long}'")),
            short => {
                for c in short[1..].chars() {
                    match c {
                        'u' => o.user = true,
                        'g' => o.group = true,
                        'G' => o.groups = true,
                        'n' => o.name = true,
                        'r' => o.real = true,
                        'z' => o.zero = true,
                        'a' => {} // ignored for compatibility, as GNU does
                        _ => return Err(format!("invalid option -- '{c}'")),
                    }
                }
            }
        }
    }
    Ok(Some(o))
}

/// The ids `id` reports for one subject: the process, or a named user.
struct Subject {
    name: Option<String>,
    ruid: u32,
    euid: u32,
    rgid: u32,
    egid: u32,
    /// The group list of GNU's `mgetgroups`: the effective (or primary) group, then the others.
    groups: Vec<u32>,
}

/// GNU's `mgetgroups` order: `first`, then `rest`, dropping entries equal to `first` or to the
/// entry kept just before them.
fn group_list(first: u32, rest: &[u32]) -> Vec<u32> {
    let mut out = vec![first];
    for &g in rest {
        if g != first && out.last() != Some(&g) {
            out.push(g);
        }
    }
    out
}

fn subject(accounts: &Accounts, user: Option<&str>) -> Result<Subject, String> {
    match user {
        None => {
            let c = Credentials::current().map_err(|e| format!("{e:#}"))?;
            Ok(Subject { name: None, ruid: c.ruid, euid: c.euid, rgid: c.rgid, egid: c.egid, groups: group_list(c.egid, &c.groups) })
        }
        Some(spec) => {
            // A name first; a number names the user with that uid (GNU accepts both).
            let found = accounts.user_by_name(spec).or_else(|| spec.parse().ok().and_then(|uid| accounts.user_by_uid(uid)));
            let u = found.ok_or_else(|| format!("'{spec}': no such user"))?;
            let groups = accounts.groups_of(&u.name, u.gid);
            Ok(Subject { name: Some(u.name.clone()), ruid: u.uid, euid: u.uid, rgid: u.gid, egid: u.gid, groups: group_list(u.gid, &groups[1..]) })
        }
    }
}

/// Entry point of `id`.
pub fn id_main(args: impl Iterator<Item = OsString>) -> ExitCode {
    let o = match parse_id(args) {
        Ok(Some(o)) => o,
        Ok(None) => return ExitCode::SUCCESS,
        Err(msg) => return usage_error("id", &msg, 1),
    };
    let selected = [o.user, o.group, o.groups].iter().filter(|&&b| b).count();
    if selected > 1 {
        return usage_error("id", "cannot print \"only\" of more than one choice", 1);
    }
    if selected == 0 && (o.name || o.real) {
        return usage_error("id", "printing only names or real IDs requires -u, -g, or -G", 1);
    }
    if selected == 0 && o.zero {
        return usage_error("id", "option --zero not permitted in default format", 1);
    }
    let accounts = Accounts::load();
    let users: Vec<Option<&str>> = if o.users.is_empty() { vec![None] } else { o.users.iter().map(|u| Some(u.as_str())).collect() };
    let mut ok = true;
    let mut out = std::io::stdout().lock();
    for user in users {
        let s = match subject(&accounts, user) {
            Ok(s) => s,
            Err(msg) => {
                eprintln!("id: {msg}");
                ok = false;
                continue;
            }
        };
        let (line, named) = render(&accounts, &o, &s);
        ok &= named;
        if out.write_all(line.as_bytes()).is_err() {
            return ExitCode::FAILURE;
        }
    }
    if out.flush().is_err() || !ok {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// A user or group id as `-u`, `-g` and `-G` print it: its number, or with `-n` its name; an id
/// without a name is reported and clears `named`.
fn number_or_name(id: u32, name: Option<&str>, kind: &str, by_name: bool, named: &mut bool) -> String {
    match (by_name, name) {
        (false, _) => id.to_string(),
        (true, Some(n)) => n.to_string(),
        (true, None) => {
            eprintln!("id: cannot find name for {kind} ID {id}");
            *named = false;
            id.to_string()
        }
    }
}

/// One subject's output; the flag is false when `-n` met an id without a name.
fn render(accounts: &Accounts, o: &IdOptions, s: &Subject) -> (String, bool) {
    let mut named = true;
    let mut user = |uid: u32| number_or_name(uid, accounts.user_name(uid), "user", o.name, &mut named);
    let end = if o.zero { '\0' } else { '\n' };
    if o.user {
        let line = format!("{}{end}", user(if o.real { s.ruid } else { s.euid }));
        return (line, named);
    }
    let mut group = |gid: u32| number_or_name(gid, accounts.group_name(gid), "group", o.name, &mut named);
    if o.group {
        let line = format!("{}{end}", group(if o.real { s.rgid } else { s.egid }));
        return (line, named);
    }
    if o.groups {
        // GNU's print_group_list: real group, effective group if different, then the rest.
        let mut ids = vec![s.rgid];
        if s.egid != s.rgid {
            ids.push(s.egid);
        }
        ids.extend(s.groups.iter().copied().filter(|&g| g != s.rgid && g != s.egid));
        let sep = if o.zero { "\0" } else { " " };
        let line = ids.into_iter().map(&mut group).collect::<Vec<_>>().join(sep);
        return (format!("{line}{end}"), named);
    }
    let with_name = |id: u32, name: Option<&str>| match name {
        Some(n) => format!("{id}({n})"),
        None => id.to_string(),
    };
    let mut line = format!(
        "uid={} gid={}",
        with_name(s.ruid, accounts.user_name(s.ruid)),
        with_name(s.rgid, accounts.group_name(s.rgid))
    );
    if s.name.is_none() {
        if s.euid != s.ruid {
            line += &format!(" euid={}", with_name(s.euid, accounts.user_name(s.euid)));
        }
        if s.egid != s.rgid {
            line += &format!(" egid={}", with_name(s.egid, accounts.group_name(s.egid)));
        }
    }
    let groups: Vec<String> = s.groups.iter().map(|&g| with_name(g, accounts.group_name(g))).collect();
    if !groups.is_empty() {
        line += &format!(" groups={}", groups.join(","));
    }
    (line + "\n", true)
}

/// Entry point of `whoami`: the effective user's name.
pub fn whoami_main(mut args: impl Iterator<Item = OsString>) -> ExitCode {
    if let Some(arg) = args.next() {
        return match arg.to_str() {
            Some("--help") => {
                println!("Usage: whoami [OPTION]...\nPrint the user name associated with the current effective user ID.");
                ExitCode::SUCCESS
            }
            Some("--version") => {
                print_version("whoami");
                ExitCode::SUCCESS
            }
            Some(opt) if opt.starts_with("--") => usage_error("whoami", &format!("unrecognized option '{opt}'"), 1),
            Some(opt) if opt.starts_with('-') && opt.len() > 1 => {
                usage_error("whoami", &format!("invalid option -- '{}'", &opt[1..2]), 1)
            }
            _ => usage_error("whoami", &format!("extra operand '{}'", arg.to_string_lossy()), 1),
        };
    }
    let euid = match Credentials::current() {
        Ok(c) => c.euid,
        Err(e) => {
            eprintln!("whoami: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    match Accounts::load().user_name(euid) {
        Some(name) => {
            println!("{name}");
            ExitCode::SUCCESS
        }
        None => {
            eprintln!("whoami: cannot find name for user ID {euid}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn accounts() -> Accounts {
        Accounts::parse("root:x:0:0::/:/bin/sh\nalice:x:1000:1000::/:/bin/sh\n", "root:x:0:\nadm:x:4:alice\nalice:x:1000:\n")
    }

    fn opts(flags: &str) -> IdOptions {
        let args = if flags.is_empty() { vec![] } else { vec![OsString::from(flags)] };
        parse_id(args.into_iter()).unwrap().unwrap()
    }

    #[test]
    fn group_list_drops_repeats_like_mgetgroups() {
        assert_eq!(group_list(10, &[4, 10, 4, 4, 27]), vec![10, 4, 27]);
        assert_eq!(group_list(0, &[]), vec![0]);
    }

    #[test]
    fn default_format_for_a_named_user() {
        let a = accounts();
        let s = subject(&a, Some("alice")).unwrap();
        assert_eq!(render(&a, &opts(""), &s).0, "uid=1000(alice) gid=1000(alice) groups=1000(alice),4(adm)\n");
        assert_eq!(render(&a, &opts("-Gn"), &s).0, "alice adm\n");
        assert_eq!(render(&a, &opts("-u"), &s).0, "1000\n");
        let by_number = subject(&a, Some("1000")).unwrap();
        assert_eq!(by_number.name.as_deref(), Some("alice"));
        assert!(subject(&a, Some("bob")).is_err());
    }

    #[test]
    fn unknown_ids_print_as_numbers() {
        let a = accounts();
        let s = Subject { name: None, ruid: 5000, euid: 5000, rgid: 6000, egid: 6000, groups: vec![6000, 4] };
        assert_eq!(render(&a, &opts(""), &s).0, "uid=5000 gid=6000 groups=6000,4(adm)\n");
        let (line, named) = render(&a, &opts("-un"), &s);
        assert_eq!((line.as_str(), named), ("5000\n", false));
    }

    #[test]
    fn effective_ids_shown_when_they_differ() {
        let a = accounts();
        let s = Subject { name: None, ruid: 1000, euid: 0, rgid: 1000, egid: 1000, groups: vec![1000] };
        assert_eq!(render(&a, &opts(""), &s).0, "uid=1000(alice) gid=1000(alice) euid=0(root) groups=1000(alice)\n");
        assert_eq!(render(&a, &opts("-ru"), &s).0, "1000\n");
    }
}
