//! Every binary that goes into an image is a static ELF file for the platform being built: no
//! program interpreter, no needed libraries, and the machine of the target (the same as this
//! test's own, which Bazel built for the same platform).

use cning::elf;

fn target_arch() -> &'static str {
    if cfg!(target_arch = "x86_64") {
        "amd64"
    } else if cfg!(target_arch = "aarch64") {
        "arm64"
    } else {
        "unsupported"
    }
}

#[test]
fn shipped_binaries_are_static_for_the_target() {
    let list = std::env::var("CLEANSTART_SHIPPED").expect("CLEANSTART_SHIPPED is set by the BUILD file");
    // Bazel shell-quotes paths with special characters (`'rust/cleanstart-utils/['`).
    let paths: Vec<&str> = list.split_whitespace().map(|p| p.trim_matches('\'')).collect();
    assert!(paths.len() >= 3, "expected the init, cning and the utilities, got {paths:?}");
    for path in paths {
        let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{path}: {e}"));
        let info = elf::inspect(&bytes).unwrap_or_else(|e| panic!("{path}: not ELF: {e}"));
        assert!(info.is_static(), "{path} is dynamic: {info:?}");
        assert_eq!(info.arch(), target_arch(), "{path} is for the wrong machine");
    }
}
