"""The `toolchains_musl` extension of the offline stand-in: accepts the real one's tags.

The root module configures toolchains_musl with `toolchains_musl.config(...)`. Offline, the
toolchains come from this stand-in's own packages instead, so the tags are accepted and not used.
"""

def _toolchains_musl_impl(_module_ctx):
    pass

toolchains_musl = module_extension(
    implementation = _toolchains_musl_impl,
    doc = "Accepts toolchains_musl's tags offline; the toolchains are in //rust and //cc.",
    tag_classes = {
        "config": tag_class(
            doc = "Same attributes as toolchains_musl's config tag; ignored offline.",
            attrs = {
                "extra_target_compatible_with": attr.label_list(
                    doc = "Extra constraints of the musl toolchains (online only).",
                ),
            },
        ),
    },
)
