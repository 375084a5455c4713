"""Deterministic OCI images from scratch, built by //rust/cleanimg.

`image_layout` builds one platform's image layout directory from declared files, directories and
symlinks; its file dependencies are built for that platform through a transition. `image_index`
joins several into one multi-platform layout. Both outputs are standard OCI image layout
directories, which cning, crane, `oci_push` and `oci_load` read unchanged.
"""

# What goes into an image is built for the image's platform, optimized (rules_rust strips debug
# info in opt mode), whatever the command line builds everything else for.
def _platform_transition_impl(_settings, attr):
    return {
        "//command_line_option:compilation_mode": "opt",
        "//command_line_option:platforms": str(attr.platform),
    }

_platform_transition = transition(
    implementation = _platform_transition_impl,
    inputs = [],
    outputs = [
        "//command_line_option:compilation_mode",
        "//command_line_option:platforms",
    ],
)

def _single_file(target, what):
    files = target[DefaultInfo].files.to_list()
    if len(files) != 1:
        fail("{} must give exactly one file, {} gives {}".format(what, target.label, len(files)))
    return files[0]

def _mode(text, where):
    if not text or any([c not in "01234567" for c in text.elems()]):
        fail("{}: mode {} is not octal".format(where, repr(text)))
    value = 0
    for c in text.elems():
        value = value * 8 + int(c)
    return value

def _owner(ctx, path):
    uid, _, gid = ctx.attr.owners.get(path, "0:0").partition(":")
    return int(uid), int(gid or uid)

def _file_entries(ctx, files, inputs):
    entries = []
    for target, path in files.items():
        f = _single_file(target, "files")

        # Source files also show up as FilesToRunProvider executables; only built programs count.
        executable = not f.is_source and target[DefaultInfo].files_to_run.executable != None
        uid, gid = _owner(ctx, path)
        mode = _mode(ctx.attr.modes.get(path, "0755" if executable else "0644"), path)
        entries.append({"type": "file", "path": path, "source": f.path, "mode": mode, "uid": uid, "gid": gid})
        inputs.append(f)
    return entries

def _tree_entries(ctx, trees, inputs, default_mode = "0755"):
    """One list of entries per tree file, in the trees' order and by name within each."""
    lists = []
    for target, directory in trees.items():
        for f in sorted(target[DefaultInfo].files.to_list(), key = lambda f: f.basename):
            path = directory.rstrip("/") + "/" + f.basename
            uid, gid = _owner(ctx, path)
            mode = _mode(ctx.attr.modes.get(path, default_mode), path)
            lists.append([{"type": "file", "path": path, "source": f.path, "mode": mode, "uid": uid, "gid": gid}])
            inputs.append(f)
    return lists

def _image_layout_impl(ctx):
    inputs = []
    entries = _file_entries(ctx, ctx.attr.files, inputs)
    for tree_file in _tree_entries(ctx, ctx.attr.trees, inputs):
        entries.extend(tree_file)
    for path, mode in ctx.attr.dirs.items():
        uid, gid = _owner(ctx, path)
        entries.append({"type": "dir", "path": path, "mode": _mode(mode, path), "uid": uid, "gid": gid})
    for path, target in ctx.attr.symlinks.items():
        entries.append({"type": "symlink", "path": path, "target": target})
    includes = []
    if ctx.attr.closure:
        # An attribute with a Starlark transition holds a list, here of one target.
        closure = _single_file(ctx.attr.closure[0], "closure")
        includes.append(closure.path + "/entries.json")
        inputs.append(closure)

    layered = _tree_entries(ctx, ctx.attr.layered_trees, inputs)
    by_name = {one[0]["path"].rpartition("/")[2]: one for one in layered}
    for companion in _tree_entries(ctx, ctx.attr.layered_companions, inputs, default_mode = "0644"):
        name = companion[0]["path"].rpartition("/")[2]
        owner = by_name.get(name.rpartition(".")[0])
        if owner == None:
            fail("{}: layered_companions: {} belongs to no file of layered_trees".format(ctx.label, name))
        owner.extend(companion)
    layers = [{"entries": one} for one in layered]
    if ctx.attr.top_files:
        layers.append({"entries": _file_entries(ctx, ctx.attr.top_files, inputs)})

    spec = ctx.actions.declare_file(ctx.label.name + ".spec.json")
    ctx.actions.write(spec, json.encode_indent({
        "annotations": ctx.attr.annotations,
        "architecture": ctx.attr.architecture,
        "compression": ctx.attr.compression,
        "config": {
            "cmd": ctx.attr.cmd,
            "entrypoint": ctx.attr.entrypoint,
            "env": ["{}={}".format(k, v) for k, v in sorted(ctx.attr.env.items())],
            "labels": ctx.attr.labels,
            "user": ctx.attr.user,
            "workdir": ctx.attr.workdir,
        },
        "entries": entries,
        "includes": includes,
        "layers": layers,
        "mtime": ctx.attr.mtime,
        "os": "linux",
    }))
    out = ctx.actions.declare_directory(ctx.label.name)
    ctx.actions.run(
        executable = ctx.executable._cleanimg,
        # The stable status holds STABLE_GIT_COMMIT (tools/workspace_status.sh): the revision
        # annotation. It changes only with the commit, so builds of one commit stay identical.
        arguments = ["build", "--spec", spec.path, "--stable-status", ctx.info_file.path, "--output", out.path],
        inputs = inputs + [spec, ctx.info_file],
        outputs = [out],
        mnemonic = "CleanImgLayout",
        progress_message = "Assembling image %{label}",
    )
    return [DefaultInfo(files = depset([out]))]

image_layout = rule(
    implementation = _image_layout_impl,
    doc = """One platform's OCI image layout directory, with deterministic layers.

The first layer holds `files`, `trees`, `dirs`, `symlinks` and the `closure`; it is the same
blob whenever those are the same, whatever lies above. Above it, each file of `layered_trees`
has a layer of its own (in the order of the targets, by file name within one) shared with its
`layered_companions`, and `top_files`
one last layer, whose files may replace files of the layers below.""",
    attrs = {
        "annotations": attr.string_dict(doc = "Manifest annotations (org.opencontainers.image.*)."),
        "architecture": attr.string(mandatory = True, values = ["amd64", "arm64"], doc = "GOARCH name written into the config; must match `platform`."),
        "closure": attr.label(allow_files = True, cfg = _platform_transition, doc = "A debian_closure (tools/debian/closure.bzl): its files, symlinks and package records join the first layer. Built for `platform`."),
        "cmd": attr.string_list(doc = "Default arguments of the entrypoint."),
        "compression": attr.string(default = "gzip", values = ["gzip", "zstd"], doc = "Layer compression (every layer)."),
        "dirs": attr.string_dict(doc = "Directory path -> octal mode, e.g. {\"/tmp\": \"1777\"}. Parents of every entry are added as 0755."),
        "entrypoint": attr.string_list(doc = "The image's entrypoint."),
        "env": attr.string_dict(doc = "Environment variables of the config."),
        "files": attr.label_keyed_string_dict(allow_files = True, cfg = _platform_transition, doc = "Target (one file each) -> absolute path in the image. Built for `platform`."),
        "labels": attr.string_dict(doc = "Config labels."),
        "layered_companions": attr.label_keyed_string_dict(allow_files = True, cfg = _platform_transition, doc = "Target -> directory: each file `NAME.EXT` of the target joins the layer of the `layered_trees` file NAME (a utility's allow list beside the utility); mode 0644 unless `modes` says otherwise. Built for `platform`."),
        "layered_trees": attr.label_keyed_string_dict(allow_files = True, cfg = _platform_transition, doc = "Target -> directory, as `trees`, but every file in a layer of its own above the first: updating one file changes one layer. Built for `platform`."),
        "modes": attr.string_dict(doc = "Path -> octal mode for files; default 0755 for executables and tree files, 0644 for other files."),
        "mtime": attr.int(default = 0, doc = "Time of every entry and of the config (seconds since the epoch)."),
        "owners": attr.string_dict(doc = "Path -> \"uid:gid\"; default 0:0."),
        "platform": attr.label(mandatory = True, doc = "The platform the image's files are built for, e.g. //platforms:linux_arm64."),
        "symlinks": attr.string_dict(doc = "Symlink path -> target, stored as given."),
        "top_files": attr.label_keyed_string_dict(allow_files = True, cfg = _platform_transition, doc = "Target (one file each) -> absolute path, in one layer above all others; a file there replaces a lower layer's file of the same path. Built for `platform`."),
        "trees": attr.label_keyed_string_dict(allow_files = True, cfg = _platform_transition, doc = "Target -> directory: every file of the target goes into the directory under its own name."),
        "user": attr.string(doc = "User (uid[:gid]) the entrypoint runs as."),
        "workdir": attr.string(doc = "Working directory of the entrypoint."),
        "_cleanimg": attr.label(default = "//rust/cleanimg", executable = True, cfg = "exec"),
    },
)

def _image_index_impl(ctx):
    layouts = [_single_file(image, "images") for image in ctx.attr.images]
    out = ctx.actions.declare_directory(ctx.label.name)
    args = ["index", "--output", out.path]
    for k, v in sorted(ctx.attr.annotations.items()):
        args.append("--annotation={}={}".format(k, v))
    ctx.actions.run(
        executable = ctx.executable._cleanimg,
        arguments = args + [layout.path for layout in layouts],
        inputs = layouts,
        outputs = [out],
        mnemonic = "CleanImgIndex",
        progress_message = "Joining platforms of %{label}",
    )
    return [DefaultInfo(files = depset([out]))]

image_index = rule(
    implementation = _image_index_impl,
    doc = "Joins single-platform image layouts into one layout with a multi-platform image index.",
    attrs = {
        "annotations": attr.string_dict(doc = "Annotations of the image index."),
        "images": attr.label_list(mandatory = True, doc = "image_layout targets, one per platform."),
        "_cleanimg": attr.label(default = "//rust/cleanimg", executable = True, cfg = "exec"),
    },
)

PLATFORMS = {
    "amd64": "//platforms:linux_amd64",
    "arm64": "//platforms:linux_arm64",
}

def multiarch_image(name, visibility = None, tags = None, **kwargs):
    """An image for every platform in PLATFORMS, joined into `name` (an image index layout).

    Declares `name_amd64` and `name_arm64` (image_layout) and `name` (image_index).

    Args:
      name: name of the multi-platform layout.
      visibility: of every target declared.
      tags: of every target declared.
      **kwargs: image_layout attributes, the same for every platform.
    """
    for arch, platform in PLATFORMS.items():
        image_layout(
            name = "{}_{}".format(name, arch),
            architecture = arch,
            platform = platform,
            visibility = visibility,
            tags = tags,
            **kwargs
        )
    image_index(
        name = name,
        images = [":{}_{}".format(name, arch) for arch in PLATFORMS],
        annotations = kwargs.get("annotations", {}),
        visibility = visibility,
        tags = tags,
    )
