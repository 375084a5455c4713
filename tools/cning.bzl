"""cning in the build: a test over an image, a gate that lets only passing images through, a test
that an image is rejected for the expected rules, and an image's inventory.

Every rule takes an `image` target yielding an OCI image layout directory (or archive): ours
(`image_layout`, `image_index`) or rules_oci's `oci_image`. cning itself runs on the build machine.
"""

_CNING = attr.label(default = "//rust/cning", executable = True, cfg = "exec")

def _image_file(ctx):
    files = ctx.attr.image[DefaultInfo].files.to_list()
    if len(files) != 1:
        fail("image {} must give exactly one file or directory, gives {}".format(ctx.attr.image.label, len(files)))
    return files[0]

def _external_flag(ctx):
    # rules_oci's layouts link their blobs to layer files outside the layout directory.
    return "--follow-external-blobs " if ctx.attr.follow_external_blobs else ""

def _test_script(ctx, body, runfiles):
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.write(script, "#!/bin/sh\nset -u\n" + body, is_executable = True)
    return [DefaultInfo(executable = script, runfiles = ctx.runfiles(files = runfiles))]

def _cning_test_impl(ctx):
    image = _image_file(ctx)
    body = """junit=""
[ -n "${{XML_OUTPUT_FILE:-}}" ] && junit="--junit $XML_OUTPUT_FILE"
exec {cning} check {external}--policy {policy} $junit {image}
""".format(
        cning = ctx.executable._cning.short_path,
        external = _external_flag(ctx),
        policy = ctx.file.policy.short_path,
        image = image.short_path,
    )
    return _test_script(ctx, body, [ctx.executable._cning, ctx.file.policy, image])

_COMMON_ATTRS = {
    "follow_external_blobs": attr.bool(doc = "Follow layout blob symlinks that leave the layout (rules_oci's oci_image writes such links)."),
    "image": attr.label(mandatory = True, allow_files = True, doc = "A target yielding one OCI image layout directory or archive."),
    "policy": attr.label(mandatory = True, allow_single_file = [".toml"], doc = "The cning policy (see policy/README.md)."),
    "_cning": _CNING,
}

cning_test = rule(
    implementation = _cning_test_impl,
    test = True,
    doc = "Passes when the image satisfies the policy; writes a JUnit report to $XML_OUTPUT_FILE.",
    attrs = _COMMON_ATTRS,
)

def _cning_expect_test_impl(ctx):
    image = _image_file(ctx)
    checks = "\n".join([
        """grep -q '^{rule} ' "$report" || {{ echo "expected a {rule} finding"; fail=1; }}""".format(rule = rule)
        for rule in ctx.attr.rules
    ])
    body = """report="${{TEST_TMPDIR:-/tmp}}/report.txt"
{cning} check {external}--policy {policy} {image} > "$report"
rc=$?
cat "$report"
[ "$rc" = 1 ] || {{ echo "expected exit status 1 (violations), got $rc"; exit 1; }}
fail=0
{checks}
exit $fail
""".format(
        cning = ctx.executable._cning.short_path,
        external = _external_flag(ctx),
        policy = ctx.file.policy.short_path,
        image = image.short_path,
        checks = checks,
    )
    return _test_script(ctx, body, [ctx.executable._cning, ctx.file.policy, image])

cning_expect_test = rule(
    implementation = _cning_expect_test_impl,
    test = True,
    doc = "Passes when cning rejects the image (exit status 1) with a finding of every rule in `rules`.",
    attrs = dict(_COMMON_ATTRS, rules = attr.string_list(mandatory = True, doc = "Rule ids that must be among the findings.")),
)

def _cning_gate_impl(ctx):
    image = _image_file(ctx)
    ok = ctx.actions.declare_file(ctx.label.name + ".cning.txt")
    ctx.actions.run_shell(
        command = """"$1" check {external}--policy "$2" --output "$4" "$3"
rc=$?
if [ "$rc" != 0 ]; then
  [ -f "$4" ] && cat "$4" >&2
  rm -f "$4"
  echo "cning: $3 does not pass $2; the image is not let through" >&2
fi
exit "$rc"
""".format(external = _external_flag(ctx)),
        arguments = [ctx.executable._cning.path, ctx.file.policy.path, image.path, ok.path],
        inputs = [ctx.file.policy, image],
        tools = [ctx.executable._cning],
        outputs = [ok],
        mnemonic = "CningGate",
        progress_message = "Checking %{label} with cning",
    )
    return [
        # The same image, but only through the check: whoever runs or pushes it needs `ok` too.
        DefaultInfo(files = depset([image]), runfiles = ctx.runfiles(files = [image, ok])),
        OutputGroupInfo(_validation = depset([ok]), cning_report = depset([ok])),
    ]

cning_gate = rule(
    implementation = _cning_gate_impl,
    doc = """Gives `image` back only through a passed cning check.

The check's report is a validation output (plain `bazel build` fails on a violating image) and a
runfiles dependency of the result (so `bazel run` of a push or load target fails too, even with
--norun_validations).""",
    attrs = _COMMON_ATTRS,
)

def _cning_inventory_impl(ctx):
    image = _image_file(ctx)
    out = ctx.actions.declare_file("{}.{}.json".format(ctx.label.name, ctx.attr.format))
    ctx.actions.run(
        executable = ctx.executable._cning,
        arguments = ["inventory", "--format", ctx.attr.format, "--output", out.path] +
                    (["--follow-external-blobs"] if ctx.attr.follow_external_blobs else []) + [image.path],
        inputs = [image],
        outputs = [out],
        env = {"SOURCE_DATE_EPOCH": "0"},
        mnemonic = "CningInventory",
        progress_message = "Listing the files of %{label}",
    )
    return [DefaultInfo(files = depset([out]))]

cning_inventory = rule(
    implementation = _cning_inventory_impl,
    doc = "Every file of the image with type, mode, size, sha256 and ELF linkage, and the crates of its Rust binaries (SPDX 2.3 or CycloneDX 1.6).",
    attrs = {
        "follow_external_blobs": attr.bool(doc = "See cning_test."),
        "format": attr.string(default = "spdx", values = ["spdx", "cyclonedx"], doc = "Document format."),
        "image": attr.label(mandatory = True, allow_files = True, doc = "A target yielding one OCI image layout directory or archive."),
        "_cning": _CNING,
    },
)
