//! A layer blob (tar, gzip or zstd, by magic) applied to an empty tree, with tight caps.
#![no_main]
#![forbid(unsafe_code)]

use cning::layers::{self, Inodes, Limits};
use cning::tree::Tree;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let limits = Limits { max_layer_bytes: 16 << 20, ratio_floor: 1 << 20, max_entries: 10_000, ..Limits::default() };
    let mut tree = Tree::new();
    let _ = layers::apply(&mut tree, data, "fuzz", &limits, &mut Inodes::default(), &mut 0);
    // Whatever was applied must resolve without panicking.
    let paths: Vec<String> = tree.iter().map(|(p, _)| p.clone()).collect();
    for p in paths {
        let _ = tree.resolve_link(&p);
    }
});
