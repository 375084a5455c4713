//! Which parts of the filesystem can be written, read from `/proc/self/mountinfo`.
//!
//! The runtime policy's `writable` list is checked at the level of mounts: a mount that is
//! read-only (per mount or per superblock) cannot be written by anyone in the container short of
//! remounting it, which needs `CAP_SYS_ADMIN`; any other mount can, at least by its files' owners.
//! So "only these paths are writable" holds when every read-write mount has its mount point at or
//! under a declared path. This is conservative (a read-write mount whose files the entrypoint's
//! user cannot write still counts) and cheap (no walk of the filesystem), and it catches what
//! matters in practice: a root filesystem not mounted read-only, or a volume mounted read-write
//! where none was planned.
//!
//! Kernel pseudo-filesystems that expose kernel objects rather than hold files (`proc`, `sysfs`,
//! `cgroup`, `devpts`, `mqueue`, ...) are not counted, nor is anything mounted at or under
//! `/proc` and `/sys`: those trees are the kernel's interfaces, where runtimes mount their own
//! plumbing (runc puts a read-write tmpfs at `/sys/fs/cgroup` on cgroup v1 hosts), never data.
//! A mount hidden by a later mount on the same mount point is not reachable and is not counted
//! either.

use std::io;

/// Filesystem types that do not hold files a program can drop content into.
pub const KERNEL_FILESYSTEMS: [&str; 14] = [
    "proc", "sysfs", "cgroup", "cgroup2", "devpts", "mqueue", "securityfs", "debugfs", "tracefs", "bpf", "pstore",
    "configfs", "fusectl", "binfmt_misc",
];

/// Where the kernel's interfaces are mounted.
pub const KERNEL_TREES: [&str; 2] = ["/proc", "/sys"];

/// One line of `mountinfo`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mount {
    /// Where it is mounted, octal escapes (`\040` for a space) decoded.
    pub mount_point: String,
    /// The filesystem type (`ext4`, `overlay`, `tmpfs`, `proc`, ...).
    pub fs_type: String,
    /// Mounted read-only, per mount or per superblock.
    pub read_only: bool,
}

/// Parses the text of a `/proc/PID/mountinfo` file (proc(5)).
pub fn parse_mountinfo(text: &str) -> Result<Vec<Mount>, String> {
    text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()).map(|(i, line)| parse_line(line).ok_or_else(|| format!("line {}: not a mountinfo line", i + 1))).collect()
}

fn parse_line(line: &str) -> Option<Mount> {
    let fields: Vec<&str> = line.split(' ').collect();
    let separator = fields.iter().position(|f| *f == "-")?;
    if separator < 6 || fields.len() < separator + 4 {
        return None;
    }
    let ro = |options: &str| options.split(',').any(|o| o == "ro");
    Some(Mount {
        mount_point: unescape(fields[4]),
        fs_type: fields[separator + 1].to_string(),
        read_only: ro(fields[5]) || ro(fields[separator + 3]),
    })
}

/// The kernel escapes space, tab, newline and backslash in paths as three octal digits.
fn unescape(field: &str) -> String {
    let bytes = field.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'\\' && i + 3 < bytes.len() && bytes[i + 1..i + 4].iter().all(|b| (b'0'..=b'7').contains(b)) {
            out.push((bytes[i + 1] - b'0') * 64 + (bytes[i + 2] - b'0') * 8 + (bytes[i + 3] - b'0'));
            i += 4;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The mounts of the calling process's mount namespace.
pub fn current() -> io::Result<Vec<Mount>> {
    let text = std::fs::read_to_string("/proc/self/mountinfo")?;
    parse_mountinfo(&text).map_err(|e| io::Error::new(io::ErrorKind::InvalidData, format!("/proc/self/mountinfo: {e}")))
}

/// The reachable, writable, non-kernel mounts whose mount point is not at or under one of
/// `allowed` (absolute, normalised paths), in mount order.
pub fn unexpected_writable<'a>(mounts: &'a [Mount], allowed: &[String]) -> Vec<&'a Mount> {
    mounts
        .iter()
        .enumerate()
        .filter(|(i, m)| !mounts[i + 1..].iter().any(|later| later.mount_point == m.mount_point))
        .map(|(_, m)| m)
        .filter(|m| !m.read_only && !KERNEL_FILESYSTEMS.contains(&m.fs_type.as_str()))
        .filter(|m| !KERNEL_TREES.iter().any(|tree| is_at_or_under(&m.mount_point, tree)))
        .filter(|m| !allowed.iter().any(|a| is_at_or_under(&m.mount_point, a)))
        .collect()
}

fn is_at_or_under(path: &str, dir: &str) -> bool {
    dir == "/" || path == dir || path.strip_prefix(dir).is_some_and(|rest| rest.starts_with('/'))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// /proc/self/mountinfo of a process in runc's default spec with `readonly: true`, plus a
    /// read-write volume whose path holds a space.
    const RUNC: &str = "\
612 585 0:54 / / ro,relatime - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w
613 612 0:57 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
614 612 0:58 / /dev rw,nosuid - tmpfs tmpfs rw,size=65536k,mode=755
615 614 0:59 / /dev/pts rw,nosuid,noexec,relatime - devpts devpts rw,gid=5,mode=620,ptmxmode=666
616 614 0:60 / /dev/shm rw,nosuid,nodev,noexec,relatime - tmpfs shm rw,size=65536k
617 614 0:53 / /dev/mqueue rw,nosuid,nodev,noexec,relatime - mqueue mqueue rw
618 612 0:61 / /sys ro,nosuid,nodev,noexec,relatime - sysfs sysfs ro
619 618 0:26 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup rw
620 612 8:1 /vol /srv/my\\040data rw,relatime shared:1 master:2 - ext4 /dev/sda1 rw
621 618 0:62 / /sys/fs/cgroup/v1 rw,nosuid - tmpfs tmpfs rw,mode=755
";

    #[test]
    fn mountinfo_lines_parse() {
        let mounts = parse_mountinfo(RUNC).unwrap();
        assert_eq!(mounts.len(), 10);
        assert_eq!(mounts[0], Mount { mount_point: "/".into(), fs_type: "overlay".into(), read_only: true });
        assert!(!mounts[2].read_only);
        assert!(mounts[7].read_only, "read-only per mount, read-write superblock");
        assert_eq!(mounts[8].mount_point, "/srv/my data");
        assert_eq!(parse_mountinfo("1 2 3\n").unwrap_err(), "line 1: not a mountinfo line");
    }

    #[test]
    fn writable_mounts_must_be_declared() {
        let mounts = parse_mountinfo(RUNC).unwrap();
        let points = |allowed: &[&str]| {
            let allowed: Vec<String> = allowed.iter().map(|s| s.to_string()).collect();
            unexpected_writable(&mounts, &allowed).iter().map(|m| m.mount_point.clone()).collect::<Vec<_>>()
        };
        assert_eq!(points(&[]), ["/dev", "/dev/shm", "/srv/my data"], "proc, devpts, mqueue are kernel filesystems; /sys is the kernel's");
        assert_eq!(points(&["/dev", "/srv/my data"]), Vec::<String>::new());
        assert_eq!(points(&["/dev/shm", "/srv"]), ["/dev"], "/dev/shm does not cover its parent");
        assert_eq!(points(&["/de", "/srv"]), ["/dev", "/dev/shm"], "a prefix is not a parent directory");
        assert_eq!(points(&["/"]), Vec::<String>::new());
    }

    #[test]
    fn a_read_write_root_is_caught_and_hidden_mounts_do_not_count() {
        let rw_root = RUNC.replacen("/ / ro,relatime", "/ / rw,relatime", 1);
        let mounts = parse_mountinfo(&rw_root).unwrap();
        let allowed = vec!["/dev".to_string(), "/srv".to_string()];
        assert_eq!(unexpected_writable(&mounts, &allowed)[0].mount_point, "/");
        // A read-write /dev over-mounted read-only later: only the top one is reachable.
        let hidden = format!("{RUNC}700 612 0:70 / /dev ro - tmpfs tmpfs ro\n");
        let mounts = parse_mountinfo(&hidden).unwrap();
        let allowed = vec!["/dev/shm".to_string(), "/srv".to_string()];
        assert!(unexpected_writable(&mounts, &allowed).is_empty());
    }

    #[test]
    fn the_current_namespace_is_readable() {
        let mounts = current().unwrap();
        assert!(mounts.iter().any(|m| m.mount_point == "/"));
    }
}
