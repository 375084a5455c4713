"""Debian packages pinned by a lock file, as Bazel repositories: one per architecture.

`debian/packages.lock.json` (written by `bazel run //tools/debian:lock`, the only writer) lists
per architecture each package's file in the archive and its sha256. This extension fetches every
file from the Debian mirror this machine's apt already uses (apt names it: no mirror is written
in the repository; files of the security suite come from the machine's security repository),
refuses any whose sha256 differs from the lock (apt's downloader checks it), naming the package,
and keeps each package's
contents as an uncompressed tar (`dpkg-deb --fsys-tarfile`), which tools read like an image layer,
with its control stanza and md5sums.

Each repository `@NAME_ARCH` has:
- `//:NAME.tar`, `//:NAME.control` and `//:NAME.md5sums` for every package NAME, and
  `//:packages` (all of them, what `debian_closure` takes);
- `//:lock.json`: the lock's entries for that architecture (for inventories: which package a file
  came from, at which version).

When the mirror no longer has a locked version (Debian replaces point releases), refresh the lock
(`bazel run //tools/debian:lock`) or point apt at a snapshot of the archive.
"""

def _mirrors(rctx):
    """The repositories this machine's apt reads Packages indexes from, as apt reports them (or,
    in the offline build environment, as the host's apt reported them to tools/bazel)."""
    given = [uri for uri in rctx.os.environ.get("CLEANSTART_DEBIAN_MIRRORS", "").split(" ") if uri]
    if given:
        # The main archive first: most packages are there, the security archive's few are not.
        return sorted([uri if uri.endswith("/") else uri + "/" for uri in given], key = lambda uri: "security" in uri)
    out = rctx.execute(["apt-get", "indextargets", "--format", "$(REPO_URI)", "Created-By: Packages"])
    if out.return_code != 0:
        fail("apt-get indextargets failed (this needs a Debian machine whose apt sources name a mirror):\n" + out.stderr)
    uris = []
    for line in out.stdout.splitlines():
        uri = line.strip()
        if uri and uri not in uris:
            uris.append(uri if uri.endswith("/") else uri + "/")
    if not uris:
        fail("apt knows no Debian repository: run apt-get update")
    return uris

def _fetch(rctx, mirrors, lock_name, package):
    """Downloads one locked package with apt's own downloader, which checks the sha256 the lock
    pins (Bazel's refuses plain-HTTP mirrors without one, and would not tell a changed file from
    a missing one); returns the .deb's path."""
    deb = "{}_{}.deb".format(package["name"], package["architecture"])
    what = "{}: {} {} ({})".format(lock_name, package["name"], package["version"], package["architecture"])
    errors = []
    for mirror in mirrors:
        got = rctx.execute([
            "/usr/lib/apt/apt-helper",
            "-o",
            "APT::Sandbox::User=root",
            "download-file",
            mirror + package["filename"],
            str(rctx.path(deb)),
            "SHA256:" + package["sha256"],
        ])
        if got.return_code == 0:
            return deb
        if "Hash Sum mismatch" in got.stdout + got.stderr:
            fail("{}: the file's sha256 differs from the one the lock pins ({}); refusing it:\n{}".format(what, package["sha256"], got.stdout + got.stderr))
        errors.append(mirror + package["filename"] + ": " + (got.stderr.strip() or got.stdout.strip()).splitlines()[-1])
    fail("{}: no mirror has {} ({}); the archive has moved on: run `bazel run //tools/debian:lock`, or point apt at a snapshot".format(what, package["filename"], "; ".join(errors)))

def _debian_packages_impl(rctx):
    lock = json.decode(rctx.read(rctx.attr.lock))
    platform = [p for p in lock["platforms"] if p["architecture"] == rctx.attr.architecture]
    if not platform:
        fail("{} has no packages for {}: add it to the manifest's architectures and run `bazel run //tools/debian:lock`".format(rctx.attr.lock, rctx.attr.architecture))
    packages = platform[0]["packages"]
    mirrors = _mirrors(rctx)
    names = []
    for package in packages:
        rctx.report_progress("{} {}".format(package["name"], package["version"]))
        deb = _fetch(rctx, mirrors, str(rctx.attr.lock), package)
        # The data tar, the control stanza, and the md5sums (empty for a package without files).
        unpacked = rctx.execute(["sh", "-c", """set -e
dpkg-deb --fsys-tarfile "$1" > "$2.tar"
dpkg-deb --info "$1" control > "$2.control"
if dpkg-deb --info "$1" | grep -Eq ' md5sums +$'; then dpkg-deb --info "$1" md5sums > "$2.md5sums"; else : > "$2.md5sums"; fi
""", "-", deb, package["name"]])
        if unpacked.return_code != 0:
            fail("{}: dpkg-deb could not unpack it:\n{}".format(package["name"], unpacked.stderr))
        rctx.delete(deb)
        names.append(package["name"])
    rctx.file("lock.json", json.encode_indent({"architecture": rctx.attr.architecture, "packages": packages}, indent = "  ") + "\n")
    files = [n + ext for n in names for ext in [".tar", ".control", ".md5sums"]]
    build = [
        'package(default_visibility = ["//visibility:public"])',
        "",
        'exports_files(["lock.json"] + {})'.format(repr(files)),
        "",
        "filegroup(",
        '    name = "packages",',
        "    srcs = {},".format(repr(files)),
        ")",
    ]
    rctx.file("BUILD.bazel", "\n".join(build) + "\n")

debian_packages = repository_rule(
    implementation = _debian_packages_impl,
    doc = "The packages a lock file pins for one architecture, fetched, verified and kept as tars.",
    environ = ["CLEANSTART_DEBIAN_MIRRORS"],
    attrs = {
        "architecture": attr.string(mandatory = True, doc = "Debian architecture: amd64, arm64, ..."),
        "lock": attr.label(mandatory = True, allow_single_file = True, doc = "The lock file (JSON, from //tools/debian:lock)."),
    },
)

def _extension_impl(mctx):
    for mod in mctx.modules:
        for tag in mod.tags.lock:
            for arch in tag.architectures:
                debian_packages(name = "{}_{}".format(tag.name, arch), architecture = arch, lock = tag.lock)

debian_lock = module_extension(
    implementation = _extension_impl,
    doc = "Declares `@NAME_ARCH` repositories of locked Debian packages from `debian_lock.lock(...)` tags.",
    tag_classes = {
        "lock": tag_class(
            doc = "A lock file and the architectures to make repositories for.",
            attrs = {
                "architectures": attr.string_list(default = ["amd64", "arm64"], doc = "One repository per architecture."),
                "lock": attr.label(mandatory = True, doc = "The lock file, e.g. //debian:packages.lock.json."),
                "name": attr.string(mandatory = True, doc = "Repository name prefix."),
            },
        ),
    },
)
