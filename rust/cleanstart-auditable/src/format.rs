//! The audit data of `cargo auditable` (the `auditable-serde` crate's model), written by us.

use std::io::{Read, Write};

use anyhow::{bail, Context, Result};
use flate2::{read::ZlibDecoder, write::ZlibEncoder, Compression};
use serde::{Deserialize, Serialize};

/// Name of the ELF section that holds the compressed JSON.
pub const SECTION: &str = ".dep-v0";

/// Format revision 1: like 0 (`cargo metadata`), but proc-macros and what only they use are
/// recorded as build-time dependencies, which is what the Bazel graph gives us.
pub const FORMAT: u32 = 1;

/// Largest JSON document [`decode`] inflates: far above any real crate list, and a bound against
/// a compressed bomb in a file we are asked to read.
pub const MAX_JSON: u64 = 64 << 20;

/// The dependency tree of one binary.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct VersionInfo {
    pub packages: Vec<Package>,
    #[serde(default, skip_serializing_if = "is_zero")]
    pub format: u32,
}

/// One package (a Cargo package, not a Bazel target: a package's library and binary are one).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Package {
    pub name: String,
    pub version: String,
    pub source: Source,
    #[serde(default, skip_serializing_if = "Kind::is_runtime")]
    pub kind: Kind,
    /// Indices into [`VersionInfo::packages`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub dependencies: Vec<usize>,
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub root: bool,
}

/// Where a package comes from.
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Source {
    #[serde(rename = "crates.io")]
    CratesIo,
    #[serde(rename = "git")]
    Git,
    #[serde(rename = "local")]
    Local,
    #[serde(rename = "registry")]
    Registry,
}

/// Whether a package ends up in the binary (runtime) or only ran during its build (build).
#[derive(Serialize, Deserialize, Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Kind {
    #[serde(rename = "build")]
    Build,
    #[default]
    #[serde(rename = "runtime")]
    Runtime,
}

impl Kind {
    fn is_runtime(&self) -> bool {
        *self == Kind::Runtime
    }
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// The section's contents: compact JSON, zlib-compressed (fixed level, so the same list always
/// gives the same bytes).
pub fn encode(info: &VersionInfo) -> Result<Vec<u8>> {
    let json = serde_json::to_vec(info).context("serializing the crate list")?;
    let mut encoder = ZlibEncoder::new(Vec::new(), Compression::best());
    encoder.write_all(&json).context("compressing the crate list")?;
    encoder.finish().context("compressing the crate list")
}

/// The JSON text of a section's contents, at most [`MAX_JSON`] bytes of it.
pub fn decode_json(section: &[u8]) -> Result<String> {
    let mut json = String::new();
    ZlibDecoder::new(section)
        .take(MAX_JSON + 1)
        .read_to_string(&mut json)
        .context("the section is not zlib-compressed UTF-8 text")?;
    if json.len() as u64 > MAX_JSON {
        bail!("the section inflates to more than {MAX_JSON} bytes");
    }
    Ok(json)
}

/// The crate list in a section's contents.
pub fn decode(section: &[u8]) -> Result<VersionInfo> {
    let json = decode_json(section)?;
    serde_json::from_str(&json).context("the section's JSON is not a crate list")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> VersionInfo {
        VersionInfo {
            format: FORMAT,
            packages: vec![
                Package {
                    name: "anyhow".into(),
                    version: "1.0.104".into(),
                    source: Source::CratesIo,
                    kind: Kind::Runtime,
                    dependencies: vec![],
                    root: false,
                },
                Package {
                    name: "clap_derive".into(),
                    version: "4.6.9".into(),
                    source: Source::CratesIo,
                    kind: Kind::Build,
                    dependencies: vec![],
                    root: false,
                },
                Package {
                    name: "cleanimg_init".into(),
                    version: "0.1.0".into(),
                    source: Source::Local,
                    kind: Kind::Runtime,
                    dependencies: vec![0, 1],
                    root: true,
                },
            ],
        }
    }

    #[test]
    fn json_leaves_out_defaults_as_cargo_auditable_does() {
        let json = serde_json::to_string(&sample()).unwrap();
        assert_eq!(
            json,
            r#"{"packages":[{"name":"anyhow","version":"1.0.104","source":"crates.io"},{"name":"clap_derive","version":"4.6.9","source":"crates.io","kind":"build"},{"name":"cleanimg_init","version":"0.1.0","source":"local","dependencies":[0,1],"root":true}],"format":1}"#
        );
    }

    #[test]
    fn encoding_round_trips_and_is_deterministic() {
        let first = encode(&sample()).unwrap();
        assert_eq!(first, encode(&sample()).unwrap());
        assert_eq!(&first[..1], b"\x78", "zlib header");
        assert_eq!(decode(&first).unwrap(), sample());
    }

    #[test]
    fn decode_rejects_data_that_is_not_zlib() {
        let err = decode(b"{\"packages\":[]}").unwrap_err();
        assert!(format!("{err:#}").contains("not zlib"), "{err:#}");
    }
}
