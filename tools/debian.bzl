"""Debian packages as Bazel repositories: real third-party binaries for tests (BusyBox, toybox).

A package is fetched with the machine's own apt configuration (`apt-get download`, so no mirror is
named here) and unpacked with `dpkg-deb -x`. Each program listed in `binaries` becomes a target
`@REPO//:PROGRAM`, wherever the package puts it (`bin/` or merged-/usr `usr/bin/`).
"""

def _debian_package_impl(rctx):
    rctx.report_progress("apt-get download " + rctx.attr.package)
    apt = rctx.execute([
        "apt-get",
        "-q",
        "-o",
        "APT::Sandbox::User=root",
        "-o",
        "Dir::Cache::pkgcache=",
        "-o",
        "Dir::Cache::srcpkgcache=",
        "download",
        rctx.attr.package,
    ])
    if apt.return_code != 0:
        fail("apt-get download {} failed (this needs a Debian or Ubuntu machine with apt):\n{}".format(rctx.attr.package, apt.stderr))
    debs = [f for f in rctx.path(".").readdir() if f.basename.endswith(".deb")]
    if len(debs) != 1:
        fail("apt-get download {} gave {} .deb files".format(rctx.attr.package, len(debs)))
    unpack = rctx.execute(["dpkg-deb", "-x", str(debs[0]), "root"])
    if unpack.return_code != 0:
        fail("dpkg-deb -x {} failed:\n{}".format(debs[0], unpack.stderr))
    rctx.delete(debs[0])
    build = ['package(default_visibility = ["//visibility:public"])', ""]
    for program in rctx.attr.binaries:
        found = [d for d in ["usr/bin", "bin", "usr/sbin", "sbin"] if rctx.path("root/{}/{}".format(d, program)).exists]
        if not found:
            fail("package {} has no program {}".format(rctx.attr.package, program))
        build.append('filegroup(name = "{}", srcs = ["root/{}/{}"])'.format(program, found[0], program))
    rctx.file("BUILD.bazel", "\n".join(build) + "\n")

debian_package = repository_rule(
    implementation = _debian_package_impl,
    doc = "One Debian package, downloaded with apt and unpacked.",
    attrs = {
        "binaries": attr.string_list(doc = "Programs of the package to expose as targets."),
        "package": attr.string(mandatory = True, doc = "Debian package name, e.g. busybox-static."),
    },
)

def _debian_impl(mctx):
    for mod in mctx.modules:
        for p in mod.tags.package:
            debian_package(name = p.name, package = p.package, binaries = p.binaries)

debian = module_extension(
    implementation = _debian_impl,
    doc = "Declares debian_package repositories from `debian.package(...)` tags.",
    tag_classes = {
        "package": tag_class(
            doc = "A Debian package repository.",
            attrs = {
                "binaries": attr.string_list(doc = "Programs to expose as targets."),
                "name": attr.string(mandatory = True, doc = "Repository name."),
                "package": attr.string(mandatory = True, doc = "Debian package name."),
            },
        ),
    },
)
