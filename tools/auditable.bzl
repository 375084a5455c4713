"""Binaries that carry the list of their crates and versions, as `cargo auditable` writes it.

`cargo auditable` puts a zlib-compressed JSON list of a binary's packages into an ELF section
named `.dep-v0`, which `rust-audit-info`, syft and trivy read. Bazel, not cargo, builds our
binaries, so here the list comes from the build graph: an aspect walks a rust_binary's `deps` and
`proc_macro_deps` (and, through build-script targets, their build dependencies), exactly as they
are resolved for the platform being built, and `//rust/cleanstart-auditable` turns that graph into
the JSON (versions and sources from `rust/Cargo.lock`) and adds the section to a copy of the
linked binary. The section is not loaded: the program runs exactly as before.
"""

load("@rules_rust//rust:defs.bzl", "rust_binary")
load("@rules_rust//rust:rust_common.bzl", "CrateInfo")

_CrateGraphInfo = provider(
    doc = "The Rust crate targets a target stands for, and every crate target beneath it.",
    fields = {
        "build_only": "bool: what `roots` stands for only runs during the build (a proc-macro, or a build script's dependencies).",
        "nodes": "depset of str: one JSON object per crate target (and configuration) beneath and including this target.",
        "roots": "list of str: ids of the crates this target stands for: itself if it is a crate, else the crates of its deps (build scripts, aliases, groups).",
    },
)

def _graph_deps(ctx, attr):
    deps = getattr(ctx.rule.attr, attr, None)
    if type(deps) != "list":
        return []
    return [d for d in deps if _CrateGraphInfo in d]

def _unique(ids):
    return sorted({i: None for i in ids}.keys())

def _crate_graph_aspect_impl(target, ctx):
    deps = _graph_deps(ctx, "deps")
    proc_macros = _graph_deps(ctx, "proc_macro_deps")
    nodes = [d[_CrateGraphInfo].nodes for d in deps + proc_macros]
    if CrateInfo not in target:
        roots = []
        for d in deps + proc_macros:
            roots.extend(d[_CrateGraphInfo].roots)
        return [_CrateGraphInfo(
            build_only = ctx.rule.kind == "cargo_build_script",
            nodes = depset(transitive = nodes),
            roots = _unique(roots),
        )]

    crate = target[CrateInfo]
    linked = []
    build = []
    for d in deps:
        info = d[_CrateGraphInfo]
        (build if info.build_only else linked).extend(info.roots)
    for d in proc_macros:
        build.extend(d[_CrateGraphInfo].roots)

    # crate_universe marks the crates it generates and names their Cargo package in a tag. Each
    # of our own crates sits beside the Cargo.toml of its package, named like its directory.
    tags = getattr(ctx.rule.attr, "tags", [])
    third_party = "cargo-bazel" in tags
    name = ctx.label.package.split("/")[-1]
    for tag in tags:
        if tag.startswith("crate-name="):
            name = tag[len("crate-name="):]

    # The output path is unique per target and configuration, so a crate linked into the binary
    # and the same crate built for a proc-macro stay apart. It never reaches the embedded JSON.
    crate_id = crate.output.path
    node = json.encode(struct(
        id = crate_id,
        name = name,
        version = getattr(ctx.rule.attr, "version", None) if third_party else None,
        local = not third_party,
        deps = _unique(linked),
        build_deps = _unique(build),
    ))
    return [_CrateGraphInfo(
        build_only = crate.type == "proc-macro",
        nodes = depset([node], transitive = nodes),
        roots = [crate_id],
    )]

_crate_graph_aspect = aspect(
    implementation = _crate_graph_aspect_impl,
    doc = "Collects the Rust crate targets beneath a target, with their dependency edges.",
    attr_aspects = [
        "deps",
        "proc_macro_deps",
    ],
)

def _auditable_binary_impl(ctx):
    info = ctx.attr.binary[_CrateGraphInfo]
    if len(info.roots) != 1 or info.build_only:
        fail("{} is not a Rust binary".format(ctx.attr.binary.label))
    graph = ctx.actions.declare_file(ctx.label.name + ".crates.json")
    ctx.actions.write(graph, json.encode_indent({
        "crates": [json.decode(node) for node in sorted(info.nodes.to_list())],
        "root": info.roots[0],
    }))
    binary = ctx.executable.binary
    out = ctx.actions.declare_file(ctx.label.name)
    ctx.actions.run(
        executable = ctx.executable._tool,
        arguments = [
            "embed",
            "--graph",
            graph.path,
            "--cargo-lock",
            ctx.file._cargo_lock.path,
            "--output",
            out.path,
            binary.path,
        ],
        inputs = [graph, ctx.file._cargo_lock, binary],
        outputs = [out],
        mnemonic = "AuditableBinary",
        progress_message = "Embedding the crate list of %{label}",
    )
    runfiles = ctx.runfiles(files = [out]).merge(ctx.attr.binary[DefaultInfo].default_runfiles)
    providers = [DefaultInfo(files = depset([out]), executable = out, runfiles = runfiles)]

    # Forwarded so that `rust_test(crate = ...)` can name this target for the binary's unit tests.
    if CrateInfo in ctx.attr.binary:
        providers.append(ctx.attr.binary[CrateInfo])
    return providers

auditable_binary = rule(
    implementation = _auditable_binary_impl,
    doc = """A copy of a rust_binary with its crate list in a `.dep-v0` ELF section.

The output file is named like this target, so a binary installed by its file name keeps its name.
It runs exactly as the original does (the section is not loaded); `rust-audit-info FILE`, syft and
trivy read the list, as does `cleanstart-auditable show FILE`.
""",
    executable = True,
    attrs = {
        "binary": attr.label(
            doc = "The rust_binary: its crates are those of its deps and proc_macro_deps, as built for the current platform.",
            mandatory = True,
            executable = True,
            cfg = "target",
            aspects = [_crate_graph_aspect],
        ),
        "_cargo_lock": attr.label(
            doc = "Versions of our own packages and the sources of all.",
            default = "//rust:Cargo.lock",
            allow_single_file = True,
        ),
        "_tool": attr.label(
            doc = "//rust/cleanstart-auditable, which writes the section.",
            default = "//rust/cleanstart-auditable",
            executable = True,
            cfg = "exec",
        ),
    },
)

# Every shipped binary comes through auditable_rust_binary. Optimized (image) builds are built
# for size, as cargo's release profile does, but without LTO unless asked (`lto`), and without a
# symbol table (rules_rust's opt strips debug information only): about 20% smaller.
_SHIPPED_RUSTC_FLAGS = select({
    Label("//tools:opt"): [
        "-Ccodegen-units=1",
        "-Copt-level=s",
        "-Cpanic=abort",
        "-Cstrip=symbols",
    ],
    "//conditions:default": [],
})

# Fat LTO over the binary, its crates and the standard library (whose rlibs carry LLVM bitcode).
_LTO_RUSTC_FLAGS = select({
    Label("//tools:opt"): ["-Clto=fat"],
    "//conditions:default": [],
})

def auditable_rust_binary(name, visibility = None, tags = None, testonly = None, lto = False, **kwargs):
    """A rust_binary `name` that carries its crate list (auditable_binary).

    The rust_binary itself is `name_bin`, private; it keeps the crate name and `CARGO_PKG_NAME`
    it would have had as `name`, so the program is the same.

    Args:
      name: the binary's name, and its file name.
      lto: link optimized builds with fat LTO: smaller (cleanimg_init: 539 instead of 663 KiB),
        at the cost of a longer link, so meant for binaries whose size is a goal.
      visibility: of `name`.
      tags: of both targets.
      testonly: of both targets.
      **kwargs: rust_binary attributes.
    """
    rustc_env = {"CARGO_PKG_NAME": name}
    rustc_env.update(kwargs.pop("rustc_env", {}))
    rustc_flags = _SHIPPED_RUSTC_FLAGS + kwargs.pop("rustc_flags", [])
    if lto:
        rustc_flags = rustc_flags + _LTO_RUSTC_FLAGS
    rust_binary(
        rustc_flags = rustc_flags,
        name = name + "_bin",
        crate_name = kwargs.pop("crate_name", name.replace("-", "_")),
        rustc_env = rustc_env,
        tags = tags,
        testonly = testonly,
        visibility = ["//visibility:private"],
        **kwargs
    )
    auditable_binary(
        name = name,
        binary = ":{}_bin".format(name),
        tags = tags,
        testonly = testonly,
        visibility = visibility,
    )
