//! The descendants of a process, from `/proc`.
//!
//! When the init is not PID 1 it cannot SIGKILL "everything else in the namespace" at the end of
//! a grace period (that would be every process its user may signal): it kills its own
//! descendants instead, found by following parent links in `/proc/PID/stat`.

use std::collections::BTreeMap;

/// The parent pid recorded in the text of a `/proc/PID/stat` file. The command name (field 2)
/// is in parentheses and may hold spaces and parentheses itself, so fields are counted after the
/// last `)`.
pub fn parent_of_stat(stat: &str) -> Option<u32> {
    let rest = &stat[stat.rfind(')')? + 1..];
    rest.split_whitespace().nth(1)?.parse().ok()
}

/// Every live descendant of `root` (children, their children, ...), in no particular order.
/// Processes that end while `/proc` is read are skipped.
pub fn descendants(root: u32) -> Vec<u32> {
    let mut children: BTreeMap<u32, Vec<u32>> = BTreeMap::new();
    if let Ok(entries) = std::fs::read_dir("/proc") {
        for entry in entries.flatten() {
            let Some(pid) = entry.file_name().to_str().and_then(|n| n.parse::<u32>().ok()) else { continue };
            let Ok(stat) = std::fs::read_to_string(entry.path().join("stat")) else { continue };
            if let Some(parent) = parent_of_stat(&stat) {
                children.entry(parent).or_default().push(pid);
            }
        }
    }
    let mut found = Vec::new();
    let mut queue = vec![root];
    while let Some(pid) = queue.pop() {
        for &child in children.get(&pid).into_iter().flatten() {
            if !found.contains(&child) && child != root {
                found.push(child);
                queue.push(child);
            }
        }
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parent_field_survives_odd_command_names() {
        assert_eq!(parent_of_stat("42 (sleep) S 7 42 42 0 -1"), Some(7));
        assert_eq!(parent_of_stat("42 (a) b) (c) S 9 42 42 0 -1"), Some(9));
        assert_eq!(parent_of_stat("garbage"), None);
    }

    #[test]
    fn finds_grandchildren() {
        let mut child = std::process::Command::new("/bin/sh")
            .args(["-c", "sleep 30 & echo $!; wait"])
            .stdout(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut line = String::new();
        std::io::BufRead::read_line(&mut std::io::BufReader::new(child.stdout.take().unwrap()), &mut line).unwrap();
        let grandchild: u32 = line.trim().parse().unwrap();
        let found = descendants(std::process::id());
        std::process::Command::new("kill").arg(grandchild.to_string()).status().unwrap();
        child.wait().unwrap();
        assert!(found.contains(&child.id()), "{found:?}");
        assert!(found.contains(&grandchild), "{found:?}");
    }
}
