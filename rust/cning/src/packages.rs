//! The Debian packages an image says it holds: the records in `/var/lib/dpkg/status.d` (the
//! format of distroless images, which cleanstart-closure writes and `cleanstart_debian::status`
//! owns), each with the files its md5sums lists, so that an inventory ties every file to its
//! package. A record that cannot be read, or lists a file the image does not hold, is a problem
//! the inventory states rather than a package it invents.

use crate::source::ImageFs;
use crate::tree::{Kind, Resolution};
use cleanstart_debian::status::{self, Installed};
use crate::layers::Retain;
use std::collections::{HashMap, HashSet};

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

/// Where the file a package lists is in the image: its real path, when the image holds a regular
/// file there. A skeleton ([`Retain::Skeleton`]) holds only some files, so there the path is where
/// the file would be, to be confirmed ([`Packages::confirm`]) when the image's entries are read.
fn held(fs: &ImageFs, file: &str) -> Option<String> {
    if fs.retained == Retain::Skeleton {
        let real = fs.tree.resolve_assuming_plain(file)?;
        return fs.tree.get(&real).is_none_or(|e| e.kind == Kind::File).then_some(real);
    }
    match fs.tree.resolve(file).end {
        Resolution::Found(real) if fs.tree.get(&real).is_some_and(|e| e.kind == Kind::File) => Some(real),
        _ => None,
    }
}

/// One package of the image.
#[derive(Debug, Clone)]
pub struct Package {
    pub installed: Installed,
    /// The path of its record.
    pub record: String,
    /// The files its md5sums lists that the image holds, as the image's paths resolve them.
    pub files: Vec<String>,
    /// Each of `files` as the md5sums names it.
    listed: Vec<String>,
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
            let (mut files, mut listed_as) = (Vec::new(), Vec::new());
            let md5sums_path = format!("{path}.md5sums");
            if let Some(md5sums) = text(&md5sums_path) {
                match status::parse_md5sums(&md5sums) {
                    Ok(listed) => {
                        for (_, file) in listed {
                            match held(fs, &file) {
                                Some(real) => {
                                    packages.owners.entry(real.clone()).or_insert(index);
                                    files.push(real);
                                    listed_as.push(file);
                                }
                                None => packages.problems.push(format!("{md5sums_path}: lists {file}, which the image does not hold")),
                            }
                        }
                    }
                    Err(e) => packages.problems.push(format!("{md5sums_path}: not an md5sums file: {e:#}")),
                }
            }
            packages.list.push(Package { installed, record: path.clone(), files, listed: listed_as });
        }
        packages
    }

    /// For packages read from a skeleton: keeps, of the files each package lists, those
    /// `streamed` shows the image holds as regular files, and states the others as problems.
    pub fn confirm(&mut self, streamed: &HashSet<String>) {
        for package in &mut self.list {
            let (mut files, mut listed) = (Vec::new(), Vec::new());
            for (file, as_listed) in package.files.drain(..).zip(package.listed.drain(..)) {
                if streamed.contains(&file) {
                    files.push(file);
                    listed.push(as_listed);
                } else {
                    self.problems.push(format!("{}.md5sums: lists {as_listed}, which the image does not hold", package.record));
                }
            }
            (package.files, package.listed) = (files, listed);
        }
        self.owners.retain(|file, _| streamed.contains(file));
    }

    /// Whether `path` is a file some package lists (before [`Packages::confirm`], a file it may hold).
    pub fn lists(&self, path: &str) -> bool {
        self.owners.contains_key(path)
    }

    /// The package URL of a package of this image.
    pub fn purl(&self, package: &Package) -> String {
        package.installed.purl(self.distro.as_deref())
    }

    /// The package a file (its real path) belongs to, with its index in [`Packages::list`].
    pub fn owner(&self, path: &str) -> Option<(usize, &Package)> {
        self.owners.get(path).map(|&i| (i, &self.list[i]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::content::Content;
    use crate::inventory::{self, Format};
    use crate::tree::{Entry, Tree};
    use std::sync::Arc;

    fn text(body: &str) -> Entry {
        Entry { kind: Kind::File, mode: 0o644, uid: 0, gid: 0, size: body.len() as u64, target: None, content: Some(Arc::new(Content { text: Some(body.into()), ..Content::default() })), inode: None }
    }

    fn image() -> ImageFs {
        let mut t = Tree::new();
        t.insert("/var/lib/dpkg/status.d/zlib1g".into(), text("Package: zlib1g\nStatus: install ok installed\nSource: zlib\nVersion: 1:1.2.13.dfsg-1\nArchitecture: amd64\n"));
        t.insert("/var/lib/dpkg/status.d/zlib1g.md5sums".into(), text("0cc175b9c0f1b6a831c399e269772661  lib/x86_64-linux-gnu/libz.so.1.2.13\nd41d8cd98f00b204e9800998ecf8427e  usr/share/doc/gone\n"));
        t.insert("/usr/lib/x86_64-linux-gnu/libz.so.1.2.13".into(), text(""));
        t.insert("/lib".into(), Entry { kind: Kind::Symlink, target: Some("usr/lib".into()), ..text("") });
        t.insert("/var/lib/dpkg/status.d/broken".into(), text("Package: broken\n"));
        t.insert("/etc/os-release".into(), text("PRETTY_NAME=\"Debian GNU/Linux 12 (bookworm)\"\nID=debian\nVERSION_ID=\"12\"\n"));
        ImageFs { label: "linux/amd64".into(), tree: t, ..ImageFs::default() }
    }

    #[test]
    fn records_name_packages_and_their_files_through_the_image_paths() {
        let fs = image();
        let packages = Packages::of(&fs);
        assert_eq!(packages.list.len(), 1);
        let zlib = &packages.list[0];
        assert_eq!(packages.purl(zlib), "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib");
        // Listed under /lib, held under /usr/lib (merged /usr): tied to the file it resolves to.
        assert_eq!(zlib.files, ["/usr/lib/x86_64-linux-gnu/libz.so.1.2.13"]);
        assert_eq!(packages.owner("/usr/lib/x86_64-linux-gnu/libz.so.1.2.13").map(|(i, p)| (i, p.installed.name.as_str())), Some((0, "zlib1g")));
        assert_eq!(packages.problems.len(), 2, "{:?}", packages.problems);
        assert!(packages.problems.iter().any(|p| p.contains("lists /usr/share/doc/gone, which the image does not hold")));
        assert!(packages.problems.iter().any(|p| p.contains("status.d/broken: not a package record")));
    }

    #[test]
    fn inventories_tie_files_to_their_packages() {
        let fs = [image()];
        let mut bytes = Vec::new();
        inventory::write(Format::Spdx, "img", &fs[..], &mut bytes).unwrap();
        let spdx: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let deb = spdx["packages"].as_array().unwrap().iter().find(|p| p["name"] == "zlib1g").expect("the package");
        assert_eq!(deb["externalRefs"][0]["referenceLocator"], "pkg:deb/debian/zlib1g@1:1.2.13.dfsg-1?arch=amd64&distro=debian-12&upstream=zlib");
        let lib = spdx["files"].as_array().unwrap().iter().find(|f| f["fileName"] == "./usr/lib/x86_64-linux-gnu/libz.so.1.2.13").expect("the file");
        assert!(lib["comment"].as_str().unwrap().ends_with(" package=zlib1g@1:1.2.13.dfsg-1"));
        assert!(spdx["relationships"].as_array().unwrap().iter().any(|r| r["spdxElementId"] == deb["SPDXID"] && r["relationshipType"] == "CONTAINS" && r["relatedSpdxElement"] == lib["SPDXID"]));
        assert!(spdx["creationInfo"]["comment"].as_str().unwrap().contains("which the image does not hold"));

        let mut bytes = Vec::new();
        inventory::write(Format::Cyclonedx, "img", &fs[..], &mut bytes).unwrap();
        let cdx: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
        let component = cdx["components"].as_array().unwrap().iter().find(|c| c["name"] == "zlib1g").expect("the component");
        assert_eq!(component["type"], "library");
        let file = cdx["components"].as_array().unwrap().iter().find(|c| c["name"] == "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13").unwrap();
        assert!(file["properties"].as_array().unwrap().iter().any(|p| p["name"] == "cning:package" && p["value"] == component["bom-ref"]));
        assert_eq!(cdx["properties"].as_array().unwrap().len(), 2);
    }
}
