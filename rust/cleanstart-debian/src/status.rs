//! The package records of an image without dpkg, as distroless images carry them:
//! `/var/lib/dpkg/status.d/NAME`, the package's control stanza, and `NAME.md5sums`, the files of
//! the package the image holds. syft and trivy read them as dpkg's database, and cning's inventory
//! ties each file to its package through them. Written and read only here.

use crate::deb822;
use anyhow::{bail, Context, Result};

/// Where the records live in an image.
pub const DIR: &str = "/var/lib/dpkg/status.d";

/// One package as its record names it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Installed {
    pub name: String,
    pub version: String,
    pub architecture: String,
    /// The source package, when the record names one (`Source: glibc (2.36-9)` gives `glibc`).
    pub source: Option<String>,
}

impl Installed {
    /// The package URL, `pkg:deb/debian/NAME@VERSION?arch=ARCH`, with `distro=` when the image
    /// says which release it is (`debian-12`, from its os-release) and `upstream=` when the source
    /// package has another name: the qualifiers, in order, that syft gives the same package.
    pub fn purl(&self, distro: Option<&str>) -> String {
        let mut purl = format!("pkg:deb/debian/{}@{}?arch={}", encode(&self.name), encode(&self.version), encode(&self.architecture));
        if let Some(distro) = distro {
            purl.push_str(&format!("&distro={}", encode(distro)));
        }
        if let Some(source) = self.source.as_deref().filter(|s| *s != self.name) {
            purl.push_str(&format!("&upstream={}", encode(source)));
        }
        purl
    }
}

/// Percent-encodes what a purl component may not hold as is.
fn encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || b".-_~:".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Whether `path` (absolute, in an image) is a package record, and of which package.
pub fn record_name(path: &str) -> Option<&str> {
    let name = path.strip_prefix(DIR)?.strip_prefix('/')?;
    (!name.is_empty() && !name.contains('/') && !name.ends_with(".md5sums")).then_some(name)
}

/// Whether `path` is a package's file list (`status.d/NAME.md5sums`), and of which package.
pub fn md5sums_name(path: &str) -> Option<&str> {
    let name = path.strip_prefix(DIR)?.strip_prefix('/')?.strip_suffix(".md5sums")?;
    (!name.is_empty() && !name.contains('/')).then_some(name)
}

/// The record of a package from its control file (`DEBIAN/control`): the same stanza, marked
/// installed as dpkg's status file marks it.
pub fn record(control: &str) -> Result<(Installed, String)> {
    let installed = parse(control)?;
    let mut out = String::with_capacity(control.len() + 32);
    for line in control.trim_end().lines() {
        if line.starts_with("Status:") {
            continue;
        }
        out.push_str(line);
        out.push('\n');
        if line.starts_with("Package:") {
            out.push_str("Status: install ok installed\n");
        }
    }
    Ok((installed, out))
}

/// The package a record (or a control file) names.
pub fn parse(text: &str) -> Result<Installed> {
    let stanzas = deb822::parse(text).map_err(anyhow::Error::msg)?;
    let [stanza] = stanzas.as_slice() else { bail!("{} stanzas, not one", stanzas.len()) };
    let field = |name: &str| stanza.get(name).filter(|v| !v.is_empty()).map(str::to_string).with_context(|| format!("no {name} field"));
    Ok(Installed {
        name: field("Package")?,
        version: field("Version")?,
        architecture: field("Architecture")?,
        source: stanza.get("Source").and_then(|s| s.split_whitespace().next()).map(str::to_string),
    })
}

/// The md5sums file of `files` (`(md5, absolute path)`): the list of what an image holds of a
/// package, in dpkg's format (`HASH  relative/path`).
pub fn md5sums(files: &[(String, String)]) -> String {
    files.iter().map(|(md5, path)| format!("{md5}  {}\n", path.trim_start_matches('/'))).collect()
}

/// `(md5, absolute path)` of each line of an md5sums file (`HASH  relative/path`).
pub fn parse_md5sums(text: &str) -> Result<Vec<(String, String)>> {
    let mut files = Vec::new();
    for (n, line) in text.lines().enumerate() {
        if line.is_empty() {
            continue;
        }
        let (md5, path) = line.split_once(' ').with_context(|| format!("line {}: not `MD5  PATH`", n + 1))?;
        let path = path.trim_start_matches([' ', '*']);
        if md5.len() != 32 || !md5.bytes().all(|b| b.is_ascii_hexdigit()) || path.is_empty() {
            bail!("line {}: not `MD5  PATH`: {line:?}", n + 1);
        }
        files.push((md5.to_ascii_lowercase(), format!("/{}", path.trim_start_matches("./").trim_start_matches('/'))));
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    const CONTROL: &str = "Package: libc6\nSource: glibc (2.36-9+deb12u4)\nVersion: 2.36-9+deb12u4\nArchitecture: amd64\nDescription: GNU C Library\n shared libraries\n";

    #[test]
    fn record_marks_installed_and_keeps_the_stanza() {
        let (installed, text) = record(CONTROL).unwrap();
        assert_eq!(installed, Installed { name: "libc6".into(), version: "2.36-9+deb12u4".into(), architecture: "amd64".into(), source: Some("glibc".into()) });
        assert!(text.starts_with("Package: libc6\nStatus: install ok installed\nSource: glibc"));
        assert!(text.ends_with(" shared libraries\n"));
        assert_eq!(parse(&text).unwrap(), installed);
        assert_eq!(installed.purl(None), "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&upstream=glibc");
        assert_eq!(installed.purl(Some("debian-12")), "pkg:deb/debian/libc6@2.36-9%2Bdeb12u4?arch=amd64&distro=debian-12&upstream=glibc");
    }

    #[test]
    fn purls_encode_what_they_must() {
        let p = Installed { name: "zlib1g".into(), version: "1:1.2.13.dfsg-1".into(), architecture: "arm64".into(), source: None };
        assert_eq!(p.purl(None), "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=arm64");
        let odd = Installed { name: "a b".into(), version: "1?2".into(), architecture: "all".into(), source: None };
        assert_eq!(odd.purl(None), "pkg:deb/debian/a%20b@1%3F2?arch=all");
    }

    #[test]
    fn bad_records_say_why() {
        assert!(parse("Package: x\nVersion: 1\n").unwrap_err().to_string().contains("Architecture"));
        assert!(parse("Package: x\n\nPackage: y\n").unwrap_err().to_string().contains("2 stanzas"));
        assert!(parse_md5sums("zz  usr/bin/x\n").unwrap_err().to_string().contains("line 1"));
    }

    #[test]
    fn md5sums_read_back_as_written() {
        let files = vec![("d41d8cd98f00b204e9800998ecf8427e".to_string(), "/usr/bin/a".to_string()), ("0cc175b9c0f1b6a831c399e269772661".to_string(), "/usr/lib/b.so".to_string())];
        let text = md5sums(&files);
        assert_eq!(text, "d41d8cd98f00b204e9800998ecf8427e  usr/bin/a\n0cc175b9c0f1b6a831c399e269772661  usr/lib/b.so\n");
        assert_eq!(parse_md5sums(&text).unwrap(), files);
    }

    #[test]
    fn record_paths() {
        assert_eq!(record_name("/var/lib/dpkg/status.d/libc6"), Some("libc6"));
        assert_eq!(record_name("/var/lib/dpkg/status.d/libc6.md5sums"), None);
        assert_eq!(md5sums_name("/var/lib/dpkg/status.d/libc6.md5sums"), Some("libc6"));
        assert_eq!(record_name("/var/lib/dpkg/status.d/x/y"), None);
        assert_eq!(record_name("/var/lib/dpkg/status"), None);
    }
}
