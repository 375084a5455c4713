"""`cleanstart_image`: a multi-platform image that only exists through a passed cning check.

`cleanimg_init_policy`: the runtime policy file of cleanimg_init (`cleanimg_init --policy FILE`),
with the sha256 of the image's executables computed at build time.

`cleanimg_allow_lists`: one allow list per executable, for a policy's `allow_dir`: placed beside
each executable in its layer (image_layout's `layered_companions`), so that updating one changes
one layer.
"""

load(":cning.bzl", "cning_gate", "cning_inventory", "cning_test")
load(":image.bzl", "multiarch_image")

def _toml_value(value):
    # JSON strings, numbers, booleans and arrays of them are also TOML.
    return json.encode(value)

def _init_policy_impl(ctx):
    lines = ["entrypoint = " + _toml_value(ctx.attr.entrypoint)]
    if ctx.attr.args:
        lines.append("args = " + _toml_value(ctx.attr.args))
    if ctx.attr.pass_env:
        lines.append("pass_env = " + _toml_value(ctx.attr.pass_env))
    if (ctx.attr.uid < 0) != (ctx.attr.gid < 0):
        fail("{}: uid and gid go together".format(ctx.label))
    if ctx.attr.uid >= 0:
        lines.append("uid = {}".format(ctx.attr.uid))
        lines.append("gid = {}".format(ctx.attr.gid))
    if ctx.attr.umask:
        lines.append("umask = 0o" + ctx.attr.umask)
    lines.append("no_new_privs = " + _toml_value(ctx.attr.no_new_privs))
    lines.append("process_group = " + _toml_value(ctx.attr.process_group))
    if ctx.attr.grace_seconds >= 0:
        lines.append("grace_seconds = {}".format(ctx.attr.grace_seconds))
    if ctx.attr.writable:
        lines.append("writable = " + _toml_value(ctx.attr.writable))
    if ctx.attr.allow_dir:
        lines.append("allow_dir = " + _toml_value(ctx.attr.allow_dir))
    if ctx.attr.env:
        lines.append("")
        lines.append("[env]")
        lines.extend(["{} = {}".format(_toml_value(k), _toml_value(v)) for k, v in sorted(ctx.attr.env.items())])
    template = ctx.actions.declare_file(ctx.label.name + ".template.toml")
    ctx.actions.write(template, "\n".join(lines) + "\n")

    args = ctx.actions.args()
    args.add("--template", template)
    inputs = [template]
    for target, path in ctx.attr.executables.items():
        files = target[DefaultInfo].files.to_list()
        if len(files) != 1:
            fail("{}: executables: {} gives {} files, not one".format(ctx.label, target.label, len(files)))
        args.add("--allow", "{}={}".format(path, files[0].path))
        inputs.append(files[0])
    if ctx.attr.closure_executables and not ctx.attr.closure:
        fail("{}: closure_executables needs closure".format(ctx.label))
    if ctx.attr.closure:
        files = ctx.attr.closure[DefaultInfo].files.to_list()
        if len(files) != 1:
            fail("{}: closure {} gives {} files, not one directory".format(ctx.label, ctx.attr.closure.label, len(files)))
        for path in ctx.attr.closure_executables:
            args.add("--allow", "{}={}/root{}".format(path, files[0].path, path))
        inputs.append(files[0])
    for target, directory in ctx.attr.executable_trees.items():
        for f in target[DefaultInfo].files.to_list():
            args.add("--allow", "{}/{}={}".format(directory.rstrip("/"), f.basename, f.path))
            inputs.append(f)
    out = ctx.actions.declare_file(ctx.label.name + ".toml")
    args.add("--output", out)
    ctx.actions.run(
        executable = ctx.executable._cleanimg_policy,
        arguments = [args],
        inputs = inputs,
        outputs = [out],
        mnemonic = "CleanimgPolicy",
        progress_message = "Writing the runtime policy %{label}",
    )
    return [DefaultInfo(files = depset([out]))]

cleanimg_init_policy = rule(
    implementation = _init_policy_impl,
    doc = """The runtime policy of cleanimg_init (libcleanstart::runtime_policy), as a TOML file to
    place in an image. The sha256 of every executable is computed from the file the image gets:
    used in an image's `files`, this target and its executables are built for the image's platform
    through the same transition.""",
    attrs = {
        "allow_dir": attr.string(doc = "Absolute path of a directory of further allow lists (cleanimg_allow_lists), read when the init starts."),
        "args": attr.string_list(doc = "Arguments of the entrypoint after argv[0]."),
        "closure": attr.label(allow_files = True, doc = "The image's debian_closure, when some executables come from Debian packages (`closure_executables`)."),
        "closure_executables": attr.string_list(doc = "Absolute paths of executables the init may start that the `closure` lays out."),
        "entrypoint": attr.string(mandatory = True, doc = "Absolute path of the program the init starts; must be among the executables."),
        "env": attr.string_dict(doc = "The entrypoint's environment (nothing else is inherited but `pass_env`)."),
        "executable_trees": attr.label_keyed_string_dict(allow_files = True, doc = "Target -> directory in the image: every file of the target is allowed there under its own name (as image_layout's `trees`)."),
        "executables": attr.label_keyed_string_dict(allow_files = True, doc = "Target (one file) -> absolute path in the image: the executables the init may start."),
        "gid": attr.int(default = -1, doc = "Group id of the entrypoint; -1: unchanged. Goes with `uid`."),
        "grace_seconds": attr.int(default = -1, doc = "After SIGTERM, seconds before everything left is SIGKILLed; -1: no grace period."),
        "no_new_privs": attr.bool(default = True, doc = "Set PR_SET_NO_NEW_PRIVS for the entrypoint."),
        "pass_env": attr.string_list(doc = "Variables passed through from the container's environment when set there."),
        "process_group": attr.bool(default = False, doc = "Start the entrypoint in its own process group and signal the group."),
        "uid": attr.int(default = -1, doc = "User id of the entrypoint; -1: unchanged. Goes with `gid`."),
        "umask": attr.string(doc = "Octal umask of the entrypoint, e.g. \"022\"; empty: unchanged."),
        "writable": attr.string_list(doc = "When not empty, the init refuses to start unless every read-write mount is at or under one of these paths."),
        "_cleanimg_policy": attr.label(default = "//rust/cleanimg_init:cleanimg_policy", executable = True, cfg = "exec"),
    },
)

def _allow_lists_impl(ctx):
    outputs = []
    for target, directory in ctx.attr.executable_trees.items():
        for f in target[DefaultInfo].files.to_list():
            out = ctx.actions.declare_file("{}/{}.toml".format(ctx.label.name, f.basename))
            ctx.actions.run(
                executable = ctx.executable._cleanimg_policy,
                arguments = ["--allow", "{}/{}={}".format(directory.rstrip("/"), f.basename, f.path), "--output", out.path],
                inputs = [f],
                outputs = [out],
                mnemonic = "CleanimgAllowList",
                progress_message = "Writing the allow list of %{input}",
            )
            outputs.append(out)
    return [DefaultInfo(files = depset(outputs))]

cleanimg_allow_lists = rule(
    implementation = _allow_lists_impl,
    doc = """For every file of `executable_trees`, an allow list `NAME.toml` with its path in the
    image and sha256: the files of a runtime policy's `allow_dir`. Used in an image's
    `layered_companions` beside the same files' `layered_trees`, each list joins its
    executable's layer, built for the image's platform through the same transition.""",
    attrs = {
        "executable_trees": attr.label_keyed_string_dict(allow_files = True, mandatory = True, doc = "Target -> directory in the image: every file of the target gets a list allowing it there under its own name (as image_layout's `layered_trees`)."),
        "_cleanimg_policy": attr.label(default = "//rust/cleanimg_init:cleanimg_policy", executable = True, cfg = "exec"),
    },
)

def cleanstart_image(name, policy, init_policy = None, init_policy_on_top = False, visibility = None, **kwargs):
    """Declares the gated image `name` and its companions.

    - `name_unchecked`: the multi-platform layout (image_index), not for use outside this macro;
    - `name`: the same layout, only through a passed cning check (cning_gate): push and load this;
    - `name_test`: cning_test over it, run by `bazel test //...`;
    - `name_sbom`: its SPDX 2.3 inventory;
    - `name_init_policy`: with `init_policy`, cleanimg_init's runtime policy, placed in the image.

    Args:
      name: name of the gated image.
      policy: cning policy file.
      init_policy: dict of cleanimg_init_policy attributes plus `path`, the policy's path in the image;
        each of its `executables` must be in `files` at the same path, and its `closure` (for
        `closure_executables`) must be the image's.
      init_policy_on_top: place the runtime policy in a layer of its own above all others
        (`top_files`), so that the layers below can be another image's, bit for bit, even where
        that image has its own policy at the same path.
      visibility: of the gated image and its inventory.
      **kwargs: image_layout attributes (files, trees, dirs, symlinks, entrypoint, ...).
    """
    if init_policy:
        attrs = dict(init_policy)
        path = attrs.pop("path")
        files = dict(kwargs.pop("files", {}))
        for label, image_path in attrs.get("executables", {}).items():
            if files.get(label) != image_path:
                fail("init_policy executable {} must be in files at {}".format(label, image_path))
        if attrs.get("closure_executables") and attrs.get("closure") != kwargs.get("closure"):
            fail("init_policy closure must be the image's closure")
        cleanimg_init_policy(name = name + "_init_policy", visibility = ["//visibility:private"], **attrs)
        kwargs["files"] = files
        if init_policy_on_top:
            kwargs["top_files"] = dict(kwargs.get("top_files", {}))
            kwargs["top_files"][":" + name + "_init_policy"] = path
        else:
            files[":" + name + "_init_policy"] = path
    unchecked = name + "_unchecked"
    multiarch_image(name = unchecked, visibility = ["//visibility:private"], **kwargs)
    cning_gate(name = name, image = ":" + unchecked, policy = policy, visibility = visibility)
    cning_test(name = name + "_test", image = ":" + unchecked, policy = policy)
    cning_inventory(name = name + "_sbom", image = ":" + unchecked, visibility = visibility)
