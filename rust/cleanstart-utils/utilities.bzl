"""The CleanStart utilities, listed once.

The BUILD files follow this list: `tools/csu.bzl` declares each directory's binaries and tests
from it, and `//rust/cleanstart-utils:utils` (the development image's files) is the list's
binaries. What Bazel cannot read at loading time is checked against it instead, by
`//rust/cleanstart-utils:utilities_test`: the `[[bin]]` entries and uutils dependencies of the
crates' Cargo.toml files, the workspace members in `rust/Cargo.toml`, the manifests and
`UUTILS_LOCALES` in `MODULE.bazel`, and the utilities the conformance cases name. The test prints
what to change when they drift.
"""

# The uutils release every uu_NAME crate and uucore come from.
UUTILS_VERSION = "0.12.0"

# Utilities written here, by crate directory (Cargo package `cleanstart-utils-DIR`, a library and
# one small binary per utility): utility -> crates its binary links beyond that library.
WRITTEN_HERE = {
    "diff": {"diff": []},
    "find": {"find": []},
    "grep": {"grep": []},
    "gzip": {
        "gunzip": [],
        "gzip": [],
        "zcat": [],
    },
    "id": {
        "id": [],
        "whoami": [],
    },
    "ls": {"ls": []},
    "ps": {"ps": []},
    "sum": {
        "md5sum": ["@crates//:md-5"],
        "sha256sum": ["@crates//:sha2"],
    },
    "tar": {"tar": []},
    "xargs": {"xargs": []},
}

# Libraries several of those directories share (Cargo packages `cleanstart-utils-DIR`).
SHARED_LIBRARIES = [
    "compress",
    "core",
    "pattern",
]

# Utilities that are a uutils coreutils crate, `uu_NAME`, started by `uucore::bin!` in
# `uutils/src/bin/NAME.rs`; each binary links that crate and uucore only.
UUTILS = [
    "base64",
    "basename",
    "cat",
    "chmod",
    "chown",
    "cp",
    "cut",
    "date",
    "df",
    "dirname",
    "du",
    "echo",
    "env",
    "false",
    "head",
    "hostname",
    "kill",
    "ln",
    "mkdir",
    "mktemp",
    "mv",
    "nproc",
    "printf",
    "pwd",
    "readlink",
    "realpath",
    "rm",
    "rmdir",
    "seq",
    "sleep",
    "sort",
    "stat",
    "tail",
    "tee",
    "test",
    "touch",
    "tr",
    "true",
    "uname",
    "uniq",
    "wc",
    "yes",
]

# Binaries of a uutils crate under a name Cargo cannot give a binary: name -> the source file's
# name in `uutils/src/bin/` and the crate's utility. `[` is `test` wanting a closing `]`.
UUTILS_RENAMED = {
    "[": struct(
        source = "lbracket",
        uutil = "test",
    ),
}

# Utilities that are another project's crate: name -> its directory and the crates it links.
OTHERS = {
    "sed": struct(
        dir = "uutils",
        deps = [
            "@crates//:sed",
            "@crates//:uucore",
        ],
    ),
    "sh": struct(
        dir = "sh",
        deps = ["@crates//:brush-shell"],
    ),
}

# uutils crates whose messages a listed utility prints without being that crate: uu_base64
# runs uu_base32's shared code (base_common) and its messages.
UUTILS_EXTRA_LOCALES = ["base32"]

# Workspace members under rust/cleanstart-utils that ship nothing.
TEST_ONLY = ["conformance"]

def utilities():
    """Every utility, by installed name.

    Returns:
      dict of name -> struct(dir, source, library, deps): the crate directory, the stem of its
      `src/bin/` file, whether the binary links the directory's library, and its other crates.
    """
    out = {}
    for dir, utils in WRITTEN_HERE.items():
        for name, deps in utils.items():
            out[name] = struct(dir = dir, source = name, library = True, deps = deps)
    for name in UUTILS:
        out[name] = struct(dir = "uutils", source = name, library = False, deps = ["@crates//:uu_" + name, "@crates//:uucore"])
    for name, renamed in UUTILS_RENAMED.items():
        out[name] = struct(dir = "uutils", source = renamed.source, library = False, deps = ["@crates//:uu_" + renamed.uutil, "@crates//:uucore"])
    for name, other in OTHERS.items():
        out[name] = struct(dir = other.dir, source = name, library = False, deps = other.deps)
    return {name: out[name] for name in sorted(out)}

def crate_dirs():
    """Every Cargo package directory under rust/cleanstart-utils, sorted.

    Returns:
      list of directory names.
    """
    dirs = {d: None for d in SHARED_LIBRARIES + TEST_ONLY}
    for util in utilities().values():
        dirs[util.dir] = None
    return sorted(dirs)
