"""`debian_closure`: the files an image's programs need from locked Debian packages, nothing else.

It runs //rust/cleanstart-closure over the packages of an `@debian_ARCH` repository (see
packages.bzl): each program, everything its dynamic loader loads (searched as cning checks
images), the files kept with `keep`, the symlinks on the way, and a record per package in
`/var/lib/dpkg/status.d` tying each file to its package. Its output directory goes into an image
through `image_layout`'s `closure` (tools/image.bzl), built for the image's platform: select the
packages on the platform's cpu, as `DEBIAN_PACKAGES` does.
"""

DEBIAN_PACKAGES = select({
    "@platforms//cpu:aarch64": ["@debian_arm64//:packages"],
    "@platforms//cpu:x86_64": ["@debian_amd64//:packages"],
})

def _debian_closure_impl(ctx):
    out = ctx.actions.declare_directory(ctx.label.name)
    args = ctx.actions.args()
    tars = [f for f in ctx.files.packages if f.basename.endswith(".tar")]
    if not tars:
        fail("{}: packages gives no NAME.tar files".format(ctx.label))
    args.add_all(tars, before_each = "--package")
    args.add_all(ctx.attr.programs, before_each = "--program")
    args.add_all(ctx.attr.keep, before_each = "--keep")
    args.add_all(ctx.attr.exclude, before_each = "--exclude")
    args.add_all(["{}={}".format(k, v) for k, v in sorted(ctx.attr.env.items())], before_each = "--env")
    if ctx.attr.workdir:
        args.add("--workdir", ctx.attr.workdir)
    args.add("--output", out.path)
    ctx.actions.run(
        executable = ctx.executable._closure,
        arguments = [args],
        inputs = ctx.files.packages,
        outputs = [out],
        mnemonic = "DebianClosure",
        progress_message = "Laying out what %{label} needs from Debian packages",
    )
    return [DefaultInfo(files = depset([out]))]

debian_closure = rule(
    implementation = _debian_closure_impl,
    doc = """The runtime closure of `programs` over Debian packages, laid out for an image: a
    directory with `root/` and `entries.json` (cleanimg's entry list). Fails naming the program
    and the library when a program's loader would not find everything it needs.""",
    attrs = {
        "env": attr.string_dict(doc = "The image's environment, as far as the loader reads it (LD_LIBRARY_PATH, LD_PRELOAD); give the image's `env`."),
        "exclude": attr.string_list(doc = "Globs of paths left out after the search, with the symlinks that name them (test images that must miss a library)."),
        "keep": attr.string_list(doc = "Globs of package paths kept whole: configuration, data, dlopen()ed modules (whose own libraries then come too)."),
        "packages": attr.label_list(allow_files = True, mandatory = True, doc = "Package files (NAME.tar, NAME.control, NAME.md5sums), e.g. DEBIAN_PACKAGES."),
        "programs": attr.string_list(mandatory = True, doc = "Absolute paths of the programs the image runs."),
        "workdir": attr.string(doc = "The image's working directory."),
        "_closure": attr.label(default = "//rust/cleanstart-closure", executable = True, cfg = "exec"),
    },
)
