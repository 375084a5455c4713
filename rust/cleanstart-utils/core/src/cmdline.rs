//! Command-line pieces the hand-written utilities share: clusters of short options (`-xzvf
//! FILE`), where an option taking a value takes the rest of the cluster or the next argument;
//! long options (`--name`, `--name=value`); the `--version` line and usage errors.

use std::ffi::OsString;
use std::process::ExitCode;

/// The `--version` line of every hand-written utility.
pub fn print_version(util: &str) {
    println!("{util} (CleanStart utils) {}", env!("CARGO_PKG_VERSION"));
}

/// Reports a command-line error as GNU tools do, pointing at `--help`, and gives `status`.
pub fn usage_error(util: &str, msg: &str, status: u8) -> ExitCode {
    eprintln!("{util}: {msg}\nTry '{util} --help' for more information.");
    ExitCode::from(status)
}

/// A long option: `--name` or `--name=value` (`--` alone has an empty name).
pub struct LongOption<'a> {
    pub name: &'a str,
    /// The value written after `=`.
    pub inline: Option<&'a str>,
}

impl<'a> LongOption<'a> {
    /// `arg` as a long option, if it starts with `--`.
    pub fn parse(arg: &'a str) -> Option<Self> {
        let long = arg.strip_prefix("--")?;
        Some(match long.split_once('=') {
            Some((name, value)) => LongOption { name, inline: Some(value) },
            None => LongOption { name: long, inline: None },
        })
    }

    /// The option's value: after `=`, or else the next argument (kept as it is, not UTF-8 bound).
    pub fn value_os(&self, args: &mut impl Iterator<Item = OsString>) -> Result<OsString, String> {
        match self.inline {
            Some(value) => Ok(OsString::from(value)),
            None => args.next().ok_or_else(|| format!("option '--{}' requires an argument", self.name)),
        }
    }

    /// [`LongOption::value_os`] as text.
    pub fn value(&self, args: &mut impl Iterator<Item = OsString>) -> Result<String, String> {
        self.value_os(args).map(|v| v.to_string_lossy().into_owned())
    }
}

/// The letters of one short-option cluster, without its leading `-`.
pub struct Cluster {
    letters: Vec<char>,
    at: usize,
}

impl Cluster {
    pub fn new(letters: &str) -> Self {
        Cluster { letters: letters.chars().collect(), at: 0 }
    }

    /// The value of option `option`: the rest of the cluster, or else the next argument.
    pub fn value(&mut self, option: char, args: &mut impl Iterator<Item = OsString>) -> Result<String, String> {
        if self.at < self.letters.len() {
            let rest: String = self.letters[self.at..].iter().collect();
            self.at = self.letters.len();
            Ok(rest)
        } else {
            args.next().map(|a| a.to_string_lossy().into_owned()).ok_or_else(|| format!("option requires an argument -- '{option}'"))
        }
    }
}

impl Iterator for Cluster {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let c = self.letters.get(self.at).copied();
        self.at += 1;
        c
    }
}

/// (year, month, day) in UTC of a time in seconds since the epoch (Howard Hinnant's
/// civil_from_days). The binaries carry no time zone data, so utilities print UTC.
pub fn civil_date(secs: u64) -> (i64, u32, u32) {
    let z = (secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (yoe + era * 400 + i64::from(month <= 2), month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_come_from_the_cluster_or_the_next_argument() {
        let mut args = vec![OsString::from("next")].into_iter();
        let mut c = Cluster::new("xfout");
        assert_eq!(c.next(), Some('x'));
        assert_eq!(c.next(), Some('f'));
        assert_eq!(c.value('f', &mut args).unwrap(), "out");
        assert_eq!(c.next(), None);
        let mut c = Cluster::new("e");
        assert_eq!(c.next(), Some('e'));
        assert_eq!(c.value('e', &mut args).unwrap(), "next");
        assert!(c.value('e', &mut args).is_err());
    }

    #[test]
    fn long_options_take_a_value_after_the_equals_sign_or_the_next_argument() {
        let mut args = vec![OsString::from("next")].into_iter();
        let inline = LongOption::parse("--file=a=b").unwrap();
        assert_eq!((inline.name, inline.value(&mut args).unwrap().as_str()), ("file", "a=b"));
        let bare = LongOption::parse("--file").unwrap();
        assert_eq!(bare.value(&mut args).unwrap(), "next");
        assert_eq!(bare.value(&mut args).unwrap_err(), "option '--file' requires an argument");
        assert_eq!(LongOption::parse("--").unwrap().name, "");
        assert!(LongOption::parse("-f").is_none());
    }

    #[test]
    fn dates() {
        assert_eq!(civil_date(0), (1970, 1, 1));
        assert_eq!(civil_date(951_782_400), (2000, 2, 29));
        assert_eq!(civil_date(1_790_000_000), (2026, 9, 21));
    }
}
