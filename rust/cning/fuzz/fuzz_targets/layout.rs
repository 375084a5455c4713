//! An OCI layout whose index.json is the input; a first byte selects whether the blob the index
//! would name also holds the input, so manifests and configs get parsed too.
#![no_main]
#![forbid(unsafe_code)]

use cning::source::{self, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    std::fs::create_dir_all(root.join("blobs/sha256")).unwrap();
    std::fs::write(root.join("oci-layout"), br#"{"imageLayoutVersion":"1.0.0"}"#).unwrap();
    std::fs::write(root.join("index.json"), data).unwrap();
    // A blob that every digest-shaped name in the input could point at.
    std::fs::write(root.join("blobs/sha256").join("0".repeat(64)), data).unwrap();
    let _ = source::open(root, &Options::default());
});
