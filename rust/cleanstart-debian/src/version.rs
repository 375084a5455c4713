//! Debian version numbers (`[epoch:]upstream[-revision]`) and their order, as `dpkg
//! --compare-versions` defines it: epochs numerically, then upstream and revision each compared
//! by alternating non-digit and digit runs, where `~` sorts before everything, even the end, and
//! letters sort before other characters.

use std::cmp::Ordering;

/// A parsed version.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Version {
    pub epoch: u64,
    pub upstream: String,
    pub revision: String,
}

impl std::str::FromStr for Version {
    type Err = String;

    fn from_str(text: &str) -> Result<Version, String> {
        let text = text.trim();
        if text.is_empty() {
            return Err("empty version".into());
        }
        let (epoch, rest) = match text.split_once(':') {
            Some((e, rest)) => (e.parse::<u64>().map_err(|_| format!("{text:?}: epoch {e:?} is not a number"))?, rest),
            None => (0, text),
        };
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((u, r)) => (u, r),
            None => (rest, ""),
        };
        if upstream.is_empty() || !upstream.starts_with(|c: char| c.is_ascii_digit()) {
            return Err(format!("{text:?}: the upstream version must start with a digit"));
        }
        let allowed = |c: char| c.is_ascii_alphanumeric() || ".+~-:".contains(c);
        if !rest.chars().all(allowed) {
            return Err(format!("{text:?}: a character a version cannot hold"));
        }
        Ok(Version { epoch, upstream: upstream.to_string(), revision: revision.to_string() })
    }
}

impl std::fmt::Display for Version {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if self.epoch > 0 {
            write!(f, "{}:", self.epoch)?;
        }
        f.write_str(&self.upstream)?;
        if !self.revision.is_empty() {
            write!(f, "-{}", self.revision)?;
        }
        Ok(())
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        self.epoch.cmp(&other.epoch).then_with(|| compare_part(&self.upstream, &other.upstream)).then_with(|| compare_part(&self.revision, &other.revision))
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// dpkg's weight of a character in a non-digit run: `~` first, then the end, letters, others.
fn weight(c: Option<u8>) -> i32 {
    match c {
        Some(b'~') => -1,
        None => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

fn compare_part(a: &str, b: &str) -> Ordering {
    let (mut a, mut b) = (a.as_bytes(), b.as_bytes());
    while !a.is_empty() || !b.is_empty() {
        // The non-digit prefixes, character by character.
        loop {
            let (ca, cb) = (a.first().copied().filter(|c| !c.is_ascii_digit()), b.first().copied().filter(|c| !c.is_ascii_digit()));
            if ca.is_none() && cb.is_none() {
                break;
            }
            match weight(ca).cmp(&weight(cb)) {
                Ordering::Equal => {
                    a = &a[1..];
                    b = &b[1..];
                }
                other => return other,
            }
        }
        // The digit runs, as numbers (leading zeros ignored, any length).
        let da = a.iter().take_while(|c| c.is_ascii_digit()).count();
        let db = b.iter().take_while(|c| c.is_ascii_digit()).count();
        let (na, nb) = (trim_zeros(&a[..da]), trim_zeros(&b[..db]));
        let order = na.len().cmp(&nb.len()).then_with(|| na.cmp(nb));
        if order != Ordering::Equal {
            return order;
        }
        a = &a[da..];
        b = &b[db..];
    }
    Ordering::Equal
}

fn trim_zeros(digits: &[u8]) -> &[u8] {
    let zeros = digits.iter().take_while(|&&c| c == b'0').count();
    &digits[zeros..]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        s.parse().unwrap()
    }

    #[test]
    fn dpkg_order() {
        // Each pair as dpkg --compare-versions orders it (lt).
        for (lo, hi) in [
            ("1.0", "1.1"),
            ("1.0~rc1", "1.0"),
            ("1.0", "1.0+b1"),
            ("1.0-1", "1.0-2"),
            ("1:9.9", "2:1.0"),
            ("1.0a", "1.0b"),
            ("1.0", "1.0a"),
            ("1.0~~", "1.0~"),
            ("1.2.3", "1.10"),
            ("9.2p1-2+deb12u6", "9.2p1-2+deb12u7"),
            ("2.36-9+deb12u10", "2.36-9+deb12u13"),
            ("1.0-1", "1.0-1.1"),
            ("0001.2", "1.3"),
        ] {
            assert!(v(lo) < v(hi), "{lo} < {hi}");
            assert!(v(hi) > v(lo), "{hi} > {lo}");
        }
        assert_eq!(v("1.0-1").cmp(&v("1.00-1")), Ordering::Equal);
        assert_eq!(v("1:2.3-4").to_string(), "1:2.3-4");
        assert_eq!(v("2.3").revision, "");
        assert_eq!(v("1.2-3-4").upstream, "1.2-3");
    }

    #[test]
    fn bad_versions_are_errors() {
        for bad in ["", "a1.0", "x:1.0", "1.0 beta", "1.0_2"] {
            assert!(bad.parse::<Version>().is_err(), "{bad:?}");
        }
    }
}
