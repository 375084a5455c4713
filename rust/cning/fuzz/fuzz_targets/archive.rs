//! An outer archive file (OCI archive or docker save, detected from its members).
#![no_main]
#![forbid(unsafe_code)]

use cning::source::{self, Options};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("image.tar");
    std::fs::write(&path, data).unwrap();
    let _ = source::open(&path, &Options::default());
});
