//! The Debian packages an image says it holds: the records in `/var/lib/dpkg/status.d` (the
//! format of distroless images, which cleanstart-closure writes and `cleanstart_debian::status`
//! owns), each with the files its md5sums lists, so that an inventory ties every file to its
//! package. A record that cannot be read, or lists a file the image does not hold, is a problem
//! the inventory states rather than a package it invents.

use crate::source::ImageFs;
use crate::tree::{Kind, Resolution};
use cleanstart_debian::status::{self, Installed};
use std::collections::HashMap;

/// Where an image says which operating system release it is.
const OS_RELEASE: [&str; 2] = ["/etc/os-release", "/usr/lib/os-release"];

/// Whether cning keeps the text of `path` for this module: a package record or its md5sums, or
/// the os-release file.
pub fn is_record(path: &str) -> bool {
    status::record_name(path).is_some() || status::md5sums_name(path).is_some() || OS_RELEASE.contains(&path)
}

/// `ID-VERSION_ID` of the image's os-release (`debian-12`), the purl's `distro` qualifier.
fn distro(fs: &ImageFs) -> Option<String> {
    let text = OS_RELEASE.iter().find_map(|path| match fs.tree.resolve(path).end {
        Resolution::Found(real) => fs.tree.get(&real)?.content.as_ref()?.text.clone(),
        _ => None,
    })?;
    let field = |name: &str| text.lines().find_map(|l| l.strip_prefix(name)?.strip_prefix('=')).map(|v| v.trim().trim_matches('"').to_string()).filter(|v| !v.is_empty());
    Some(format!("{}-{}", field("ID")?, field("VERSION_ID")?))
}

/// One package of the image.
#[derive(Debug, Clone)]
pub struct Package {
    pub installed: Installed,
    /// The path of its record.
    pub record: String,
    /// The files its md5sums lists that the image holds, as the image's paths resolve them.
    pub files: Vec<String>,
}

/// The packages of one image, and which package each file belongs to.
#[derive(Debug, Default)]
pub struct Packages {
    pub list: Vec<Package>,
    /// The release the image's os-release names (`debian-12`).
    pub distro: Option<String>,
    /// Records that cannot be read, files listed but missing, each a sentence.
    pub problems: Vec<String>,
    owners: HashMap<String, usize>,
}

impl Packages {
    /// Reads the records of `fs`.
    pub fn of(fs: &ImageFs) -> Packages {
        let mut packages = Packages { distro: distro(fs), ..Packages::default() };
        let text = |path: &str| fs.tree.get(path).filter(|e| e.kind == Kind::File).and_then(|e| e.content.as_ref()?.text.clone());
        let records: Vec<(&String, &str)> = fs.tree.iter().filter_map(|(path, _)| Some((path, status::record_name(path)?))).collect();
        for (path, name) in records {
            let Some(record) = text(path) else { continue };
            let installed = match status::parse(&record) {
                Ok(installed) if installed.name == name => installed,
                Ok(installed) => {
                    packages.problems.push(format!("{path}: the record of package {}, not {name}", installed.name));
                    continue;
                }
                Err(e) => {
                    packages.problems.push(format!("{path}: not a package record: {e:#}"));
                    continue;
                }
            };
            let index = packages.list.len();
            let mut files = Vec::new();
            let md5sums_path = format!("{path}.md5sums");
            if let Some(md5sums) = text(&md5sums_path) {
                match status::parse_md5sums(&md5sums) {
                    Ok(listed) => {
                        for (_, file) in listed {
                            match fs.tree.resolve(&file).end {
                                Resolution::Found(real) if fs.tree.get(&real).is_some_and(|e| e.kind == Kind::File) => {
                                    packages.owners.entry(real.clone()).or_insert(index);
                                    files.push(real);
                                }
                                _ => packages.problems.push(format!("{md5sums_path}: lists {file}, which the image does not hold")),
                            }
                        }
                    }
                    Err(e) => packages.problems.push(format!("{md5sums_path}: not an md5sums file: {e:#}")),
                }
            }
            packages.list.push(Package { installed, record: path.clone(), files });
        }
        packages
    }

    /// The package URL of a package of this image.
    pub fn purl(&self, package: &Package) -> String {
        package.installed.purl(self.distro.as_deref())
    }

    /// The package a file (its real path) belongs to.
    pub fn owner(&self, path: &str) -> Option<&Package> {
        self.owners.get(path).map(|&i| &self.list[i])
    }
}
