//! An OCI image layout made from the input: index.json, then blobs (manifests, configs, layers),
//! each stored under its real sha256 so that the fuzzer's JSON and layer bytes pass verification
//! and get parsed. A digest is what the fuzzer cannot guess; everything else is its own.
//!
//! Input format (see seeds/layout/): parts separated by [`SEPARATOR`]. Part 0 is index.json,
//! parts 1 to 9 are blobs. In any part, `#N` (N a digit) stands for the descriptor fields
//! `"digest":"sha256:…","size":…` of blob N, so `{"manifests":[{#1}]}` names blob 1. Only later
//! parts can be named (each part's digest depends on the parts it names); other `#N` stay as they
//! are.
#![no_main]
#![forbid(unsafe_code)]

use cning::content;
use cning::layers::Limits;
use cning::source::{self, Options};
use libfuzzer_sys::fuzz_target;
use sha2::{Digest, Sha256};

/// Short and readable in seeds, and never in JSON text (a JSON string cannot hold a raw newline).
const SEPARATOR: &[u8] = b"\n%%\n";
/// index.json and nine blobs: one digit names a blob.
const MAX_PARTS: usize = 10;

fuzz_target!(|data: &[u8]| {
    let parts = split(data);
    let mut done: Vec<(Vec<u8>, String)> = vec![(Vec::new(), String::new()); parts.len()];
    let mut descriptors: Vec<String> = vec![String::new(); parts.len()];
    for i in (0..parts.len()).rev() {
        let bytes = expand(parts[i], |n| (n > i && n < parts.len()).then(|| descriptors[n].as_str()));
        let hex = content::hex(&Sha256::digest(&bytes));
        descriptors[i] = format!(r#""digest":"sha256:{hex}","size":{}"#, bytes.len());
        done[i] = (bytes, hex);
    }

    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("blobs/sha256")).unwrap();
    std::fs::write(root.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    std::fs::write(root.join("index.json"), &done[0].0).unwrap();
    for (blob, hex) in &done[1..] {
        std::fs::write(root.join("blobs/sha256").join(hex), blob).unwrap();
    }
    // The layer target's caps: a layer blob of a few KB must not expand into gigabytes.
    let limits = Limits { max_layer_bytes: 16 << 20, ratio_floor: 1 << 20, max_entries: 10_000, ..Limits::default() };
    let _ = source::open(root, &Options { limits, ..Options::default() });
});

/// The input cut at each separator, the last part taking the rest once there are enough.
fn split(data: &[u8]) -> Vec<&[u8]> {
    let mut parts = Vec::new();
    let mut rest = data;
    while parts.len() + 1 < MAX_PARTS {
        match rest.windows(SEPARATOR.len()).position(|w| w == SEPARATOR) {
            Some(at) => {
                parts.push(&rest[..at]);
                rest = &rest[at + SEPARATOR.len()..];
            }
            None => break,
        }
    }
    parts.push(rest);
    parts
}

/// `part` with each `#N` that `descriptor` knows replaced by blob N's descriptor fields.
fn expand<'a>(part: &[u8], descriptor: impl Fn(usize) -> Option<&'a str>) -> Vec<u8> {
    let mut out = Vec::with_capacity(part.len());
    let mut i = 0;
    while i < part.len() {
        if part[i] == b'#' && i + 1 < part.len() && part[i + 1].is_ascii_digit() {
            if let Some(fields) = descriptor(usize::from(part[i + 1] - b'0')) {
                out.extend_from_slice(fields.as_bytes());
                i += 2;
                continue;
            }
        }
        out.push(part[i]);
        i += 1;
    }
    out
}
