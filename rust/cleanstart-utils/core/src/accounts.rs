//! User and group names from `/etc/passwd` and `/etc/group`, read directly.
//!
//! The same answer on every libc the utilities are built with: musl in the images, glibc under
//! cargo, where a static build's NSS lookups (`getpwuid`, `getgrouplist`) cannot load modules.
//! So names are resolved by parsing the files, as glibc's `files` backend and musl do.
//! A missing file or an unparsable line simply means "no entry": callers fall back to numbers,
//! as GNU tools do for unknown ids.

use std::path::Path;

/// One `/etc/passwd` entry (the fields the utilities use).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub name: String,
    pub uid: u32,
    pub gid: u32,
}

/// One `/etc/group` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub name: String,
    pub gid: u32,
    pub members: Vec<String>,
}

/// The user and group databases, in file order (the first entry wins for an id, as in glibc).
#[derive(Debug, Default, Clone)]
pub struct Accounts {
    pub users: Vec<User>,
    pub groups: Vec<Group>,
}

impl Accounts {
    /// Reads `/etc/passwd` and `/etc/group`; unreadable files count as empty.
    pub fn load() -> Self {
        Self::load_from(Path::new("/etc"))
    }

    /// Reads `passwd` and `group` from `etc`.
    pub fn load_from(etc: &Path) -> Self {
        let read = |name: &str| std::fs::read(etc.join(name)).map(|b| String::from_utf8_lossy(&b).into_owned());
        Self::parse(&read("passwd").unwrap_or_default(), &read("group").unwrap_or_default())
    }

    /// Parses the texts of `/etc/passwd` and `/etc/group`.
    pub fn parse(passwd: &str, group: &str) -> Self {
        let users = entries(passwd, 4)
            .filter_map(|f| Some(User { name: f[0].to_string(), uid: f[2].parse().ok()?, gid: f[3].parse().ok()? }))
            .collect();
        let groups = entries(group, 3)
            .filter_map(|f| {
                let members = f
                    .get(3)
                    .map(|m| m.split(',').map(str::trim).filter(|m| !m.is_empty()).map(String::from).collect())
                    .unwrap_or_default();
                Some(Group { name: f[0].to_string(), gid: f[2].parse().ok()?, members })
            })
            .collect();
        Accounts { users, groups }
    }

    pub fn user_by_uid(&self, uid: u32) -> Option<&User> {
        self.users.iter().find(|u| u.uid == uid)
    }

    pub fn user_by_name(&self, name: &str) -> Option<&User> {
        self.users.iter().find(|u| u.name == name)
    }

    pub fn group_by_gid(&self, gid: u32) -> Option<&Group> {
        self.groups.iter().find(|g| g.gid == gid)
    }

    pub fn group_by_name(&self, name: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.name == name)
    }

    pub fn user_name(&self, uid: u32) -> Option<&str> {
        self.user_by_uid(uid).map(|u| u.name.as_str())
    }

    pub fn group_name(&self, gid: u32) -> Option<&str> {
        self.group_by_gid(gid).map(|g| g.name.as_str())
    }

    /// The groups `user` belongs to, as `getgrouplist(user, primary)` returns them: the primary
    /// group first, then every group listing the user as a member, in file order, without repeats.
    pub fn groups_of(&self, user: &str, primary: u32) -> Vec<u32> {
        let mut out = vec![primary];
        for g in &self.groups {
            if g.members.iter().any(|m| m == user) && !out.contains(&g.gid) {
                out.push(g.gid);
            }
        }
        out
    }
}

/// The colon-separated fields of each line of `text` that is an entry with at least `min_fields`
/// fields: comments, NIS `+`/`-` lines and lines without a name are not.
fn entries(text: &str, min_fields: usize) -> impl Iterator<Item = Vec<&str>> {
    text.lines()
        .map(|line| line.split(':').collect::<Vec<_>>())
        .filter(move |f| f.len() >= min_fields && !f[0].is_empty() && !f[0].starts_with(['#', '+', '-']))
}

/// The credentials of the running process, from `/proc/self/status` (no system call needed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub ruid: u32,
    pub euid: u32,
    pub rgid: u32,
    pub egid: u32,
    /// Supplementary groups, as `getgroups` returns them.
    pub groups: Vec<u32>,
}

impl Credentials {
    /// The running process's credentials, or why `/proc/self/status` cannot give them.
    pub fn current() -> Result<Self, String> {
        let status = std::fs::read_to_string("/proc/self/status").map_err(|e| format!("/proc/self/status: {e}"))?;
        Self::parse_status(&status).ok_or_else(|| "/proc/self/status: no Uid, Gid or Groups line".to_string())
    }

    /// Parses the `Uid:`, `Gid:` and `Groups:` lines of a `/proc/PID/status` text.
    pub fn parse_status(status: &str) -> Option<Self> {
        let field = |key: &str| -> Option<Vec<u32>> {
            let line = status.lines().find_map(|l| l.strip_prefix(key))?;
            line.split_whitespace().map(|n| n.parse().ok()).collect()
        };
        let uids = field("Uid:")?;
        let gids = field("Gid:")?;
        Some(Credentials {
            ruid: *uids.first()?,
            euid: *uids.get(1)?,
            rgid: *gids.first()?,
            egid: *gids.get(1)?,
            groups: field("Groups:").unwrap_or_default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PASSWD: &str = "root:x:0:0:root:/root:/bin/bash\n\
        # comment\n\
        daemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n\
        broken line\n\
        alice:x:1000:1000::/home/alice:/bin/sh\n\
        dup:x:1000:5::/:/bin/sh\n";
    const GROUP: &str = "root:x:0:\nadm:x:4:alice,bob\nalice:x:1000:\nwheel:x:10: bob , alice\nbad:x:zz:alice\n";

    #[test]
    fn looks_up_users_and_groups_first_entry_wins() {
        let a = Accounts::parse(PASSWD, GROUP);
        assert_eq!(a.user_name(0), Some("root"));
        assert_eq!(a.user_name(1000), Some("alice"));
        assert_eq!(a.user_name(4242), None);
        assert_eq!(a.user_by_name("daemon").map(|u| u.gid), Some(1));
        assert_eq!(a.group_name(4), Some("adm"));
        assert_eq!(a.group_by_name("wheel").map(|g| g.gid), Some(10));
        assert_eq!(a.groups.len(), 4, "the line with a non-numeric gid is skipped");
    }

    #[test]
    fn group_list_starts_with_primary_in_file_order() {
        let a = Accounts::parse(PASSWD, GROUP);
        assert_eq!(a.groups_of("alice", 1000), vec![1000, 4, 10]);
        assert_eq!(a.groups_of("bob", 4), vec![4, 10]);
        assert_eq!(a.groups_of("nobody", 65534), vec![65534]);
    }

    #[test]
    fn missing_files_mean_no_entries() {
        let dir = tempfile::tempdir().unwrap();
        let a = Accounts::load_from(dir.path());
        assert!(a.users.is_empty() && a.groups.is_empty());
    }

    #[test]
    fn credentials_from_status() {
        let s = "Name:\tx\nUid:\t1000\t0\t0\t0\nGid:\t100\t101\t101\t101\nGroups:\t4 27 \n";
        let c = Credentials::parse_status(s).unwrap();
        assert_eq!((c.ruid, c.euid, c.rgid, c.egid), (1000, 0, 100, 101));
        assert_eq!(c.groups, vec![4, 27]);
        assert!(Credentials::parse_status("Name: x\n").is_none());
        let own = Credentials::current().unwrap();
        // /proc/self belongs to the effective user.
        assert_eq!(own.euid, std::os::unix::fs::MetadataExt::uid(&std::fs::metadata("/proc/self").unwrap()));
    }
}
