"""Macros for CleanStart utilities: one static binary per utility, never a multi-call binary."""

load("@rules_rust//rust:defs.bzl", "rust_test")
load(":auditable.bzl", "auditable_rust_binary")

def csu_utilities(name, library, utilities, uutils = [], sources = {}, test_deps = {}, visibility = None):
    """Declares one rust_binary per utility, its integration test, and a filegroup of them all.

    For each `UTIL` in `utilities`, `src/bin/UTIL.rs` becomes the binary `:UTIL`, and
    `tests/UTIL.rs`, when it exists, the test `:UTIL_test`, which finds the binary through
    `CARGO_BIN_EXE_UTIL` exactly as under `cargo test`.

    Args:
      name: name of the filegroup holding every utility binary.
      library: the crate's rust_library, which every utility binary depends on.
      utilities: dict of utility name to its extra crate dependencies (labels).
      uutils: names of utilities that are uutils coreutils' `uu_NAME` crates; their
        `src/bin/NAME.rs` is `uucore::bin!(uu_NAME);`.
      sources: utility name to the name of its `src/bin/` file and crate, for names cargo
        cannot give a binary (`[`).
      test_deps: utility name to extra crate dependencies of its integration test (labels),
        beyond testkit and tempfile.
      visibility: visibility of the binaries and the filegroup.
    """
    all_utilities = dict(utilities)
    for util in uutils:
        all_utilities[util] = ["@crates//:uu_" + util, "@crates//:uucore"]
    for util, deps in all_utilities.items():
        # `:UTIL` is the binary with its crate list embedded (its rust_binary is `:UTIL_bin`).
        source = sources.get(util, util)
        auditable_rust_binary(
            name = util,
            srcs = ["src/bin/{}.rs".format(source)],
            crate_name = source.replace("-", "_"),
            edition = "2021",
            visibility = visibility,
            deps = [library] + deps,
        )
        if native.glob(["tests/{}.rs".format(util)], allow_empty = True):
            rust_test(
                name = util + "_test",
                srcs = ["tests/{}.rs".format(util)],
                data = [":" + util],
                edition = "2021",
                rustc_env = {"CARGO_BIN_EXE_" + util: "$(rootpath :{})".format(util)},
                deps = [
                    "//rust/testkit",
                    "@crates//:tempfile",
                ] + test_deps.get(util, []),
            )
    native.filegroup(
        name = name,
        srcs = [":" + util for util in all_utilities],
        visibility = visibility,
    )
