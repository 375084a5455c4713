"""Macros and rules for the CleanStart utilities: one crate per utility, one static binary each.

Each directory `rust/cleanstart-utils/DIR` is the Cargo package `cleanstart-utils-DIR`. Which
binaries a directory holds, and what each links, comes from the one list,
`//rust/cleanstart-utils:utilities.bzl`; these macros only turn it into targets:

- `csu_library` in a shared library's directory (`core`, `pattern`, `compress`);
- `csu_crate` in a written-here utility's directory: its library, its binaries, its tests;
- `csu_binaries` in a directory of binaries only (`uutils`, `sh`);
- `csu_all` once, in `rust/cleanstart-utils`: every binary together, and the list's check.
"""

load("@rules_rust//rust:defs.bzl", "rust_library", "rust_test")
load("//rust/cleanstart-utils:utilities.bzl", "TEST_ONLY", "UUTILS", "UUTILS_EXTRA_LOCALES", "UUTILS_RENAMED", "UUTILS_VERSION", "crate_dirs", "utilities")
load(":auditable.bzl", "auditable_rust_binary")

_ROOT = "rust/cleanstart-utils"

def _dir():
    """The crate directory of the calling BUILD file (`ls` for rust/cleanstart-utils/ls)."""
    package = native.package_name()
    dir = package[len(_ROOT) + 1:]
    if not package.startswith(_ROOT + "/") or "/" in dir or dir not in crate_dirs():
        fail("{} is not a crate directory of {}/utilities.bzl".format(package, _ROOT))
    return dir

def _crate_tags(dir):
    # Our crates are named in .dep-v0 by their Cargo package, not their Bazel package's last
    # component (tools/auditable.bzl).
    return ["crate-name=cleanstart-utils-" + dir]

def csu_library(name, deps = [], unit_test_deps = [], visibility = ["//visibility:public"]):
    """The library of this directory's crate (`src/lib.rs`) and its unit tests (`:NAME_test`).

    Args:
      name: the library's target name.
      deps: the crates it links (labels), as its Cargo.toml `[dependencies]` lists them.
      unit_test_deps: further crates its `#[cfg(test)]` code uses (labels).
      visibility: the library's visibility.
    """
    dir = _dir()
    native.exports_files(["Cargo.toml"])
    rust_library(
        name = name,
        srcs = native.glob(["src/**/*.rs"], exclude = ["src/bin/**"]),
        crate_name = "cleanstart_utils_" + dir,
        crate_root = "src/lib.rs",
        edition = "2021",
        tags = _crate_tags(dir),
        visibility = visibility,
        deps = deps,
    )
    rust_test(
        name = name + "_test",
        crate = ":" + name,
        deps = unit_test_deps,
    )

def _binaries(dir, library, test_deps):
    mine = {name: util for name, util in utilities().items() if util.dir == dir}
    if not mine:
        fail("{}/{} holds no utility of {}/utilities.bzl".format(_ROOT, dir, _ROOT))
    for name, util in mine.items():
        # `:NAME` is the binary with its crate list embedded (its rust_binary is `:NAME_bin`).
        auditable_rust_binary(
            name = name,
            srcs = ["src/bin/{}.rs".format(util.source)],
            crate_name = util.source,
            edition = "2021",
            tags = _crate_tags(dir),
            visibility = ["//visibility:public"],
            deps = ([library] if util.library else []) + util.deps,
        )

    # As under cargo, every integration test sees every binary of its package through
    # CARGO_BIN_EXE_<cargo's name for it>.
    for test in native.glob(["tests/*.rs"], allow_empty = True):
        rust_test(
            name = test[len("tests/"):-len(".rs")] + "_test",
            srcs = [test],
            compile_data = ["Cargo.toml"],
            data = [":" + name for name in mine],
            edition = "2021",
            rustc_env = {
                "CARGO_BIN_EXE_" + util.source: "$(rootpath :{})".format(name)
                for name, util in mine.items()
            },
            deps = [
                "//rust/testkit",
                "@crates//:tempfile",
            ] + test_deps,
        )

def csu_crate(deps = [], unit_test_deps = [], test_deps = []):
    """A written-here utility's directory: `:lib`, one binary per utility it holds, its tests.

    The binaries are those the list gives this directory (`src/bin/NAME.rs`, linking `:lib` and
    the crates the list names); each `tests/TEST.rs` becomes `:TEST_test`.

    Args:
      deps: the library's crates (labels), as its Cargo.toml `[dependencies]` lists them.
      unit_test_deps: further crates of the library's unit tests (labels).
      test_deps: crates of the integration tests beyond testkit and tempfile (labels).
    """
    csu_library(name = "lib", deps = deps, unit_test_deps = unit_test_deps)
    _binaries(_dir(), ":lib", test_deps)

def csu_binaries(test_deps = []):
    """A directory of binaries that are another project's crates (`uucore::bin!` wrappers, brush).

    Args:
      test_deps: crates of the integration tests beyond testkit and tempfile (labels).
    """
    native.exports_files(["Cargo.toml"])
    _binaries(_dir(), None, test_deps)

def _utils_dir_impl(ctx):
    links = []
    for binary, name in ctx.attr.binaries.items():
        link = ctx.actions.declare_file("{}/{}".format(ctx.label.name, name))
        ctx.actions.symlink(output = link, target_file = binary[DefaultInfo].files_to_run.executable, is_executable = True)
        links.append(link)
    return [DefaultInfo(files = depset(links), runfiles = ctx.runfiles(files = links))]

_utils_dir = rule(
    implementation = _utils_dir_impl,
    doc = "Every utility binary in one directory, by its installed name: a PATH for the conformance suite and the benchmarks.",
    attrs = {
        "binaries": attr.label_keyed_string_dict(
            doc = "Binary target -> the name it is installed under.",
            mandatory = True,
        ),
    },
)

def _utilities_json_impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name + ".json")
    ctx.actions.write(out, json.encode_indent({
        "crate_dirs": crate_dirs(),
        "test_only": TEST_ONLY,
        "utilities": {
            name: {"deps": util.deps, "dir": util.dir, "library": util.library, "source": util.source}
            for name, util in utilities().items()
        },
        "uutils": UUTILS,
        "uutils_extra_locales": UUTILS_EXTRA_LOCALES,
        "uutils_renamed": {name: r.uutil for name, r in UUTILS_RENAMED.items()},
        "uutils_version": UUTILS_VERSION,
    }))
    return [DefaultInfo(files = depset([out]))]

_utilities_json = rule(
    implementation = _utilities_json_impl,
    doc = "The list of utilities (utilities.bzl) as JSON, for the test that checks Cargo and MODULE.bazel against it.",
)

def csu_all(name):
    """Every utility binary together, in one directory, and the check of the list.

    Declares `:NAME` (a filegroup of every binary, the development image's /usr/bin),
    `:NAME_dir` (the same binaries in one directory), `:manifests` (every crate's Cargo.toml),
    `:utilities_json` (the list) and `:utilities_test`.

    Args:
      name: the filegroup's name.
    """
    labels = {"//{}/{}:{}".format(_ROOT, util.dir, util_name): util_name for util_name, util in utilities().items()}
    native.filegroup(
        name = name,
        srcs = list(labels),
        visibility = ["//visibility:public"],
    )
    _utils_dir(
        name = name + "_dir",
        binaries = labels,
        visibility = ["//visibility:public"],
    )
    _utilities_json(
        name = "utilities_json",
        visibility = [
            "//images:__pkg__",
            "//rust:__pkg__",
        ],
    )
    native.filegroup(
        name = "manifests",
        srcs = ["//{}/{}:Cargo.toml".format(_ROOT, dir) for dir in crate_dirs()],
        visibility = ["//rust:__pkg__"],
    )
    rust_test(
        name = "utilities_test",
        srcs = ["utilities_test.rs"],
        data = [
            ":utilities_json",
            "//:MODULE.bazel",
            "//rust:Cargo.toml",
            ":manifests",
            "//{}/conformance:cases".format(_ROOT),
        ],
        edition = "2021",
        env = {"CLEANSTART_UTILITIES": "$(rootpath :utilities_json)"},
        deps = [
            "@crates//:serde_json",
            "@crates//:toml",
        ],
    )
