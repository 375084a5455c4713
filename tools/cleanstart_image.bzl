"""`cleanstart_image`: a multi-platform image that only exists through a passed cning check."""

load(":cning.bzl", "cning_gate", "cning_inventory", "cning_test")
load(":image.bzl", "multiarch_image")

def cleanstart_image(name, policy, visibility = None, **kwargs):
    """Declares the gated image `name` and its companions.

    - `name_unchecked`: the multi-platform layout (image_index), not for use outside this macro;
    - `name`: the same layout, only through a passed cning check (cning_gate): push and load this;
    - `name_test`: cning_test over it, run by `bazel test //...`;
    - `name_sbom`: its SPDX 2.3 inventory.

    Args:
      name: name of the gated image.
      policy: cning policy file.
      visibility: of the gated image and its inventory.
      **kwargs: image_layout attributes (files, trees, dirs, symlinks, entrypoint, ...).
    """
    unchecked = name + "_unchecked"
    multiarch_image(name = unchecked, visibility = ["//visibility:private"], **kwargs)
    cning_gate(name = name, image = ":" + unchecked, policy = policy, visibility = visibility)
    cning_test(name = name + "_test", image = ":" + unchecked, policy = policy)
    cning_inventory(name = name + "_sbom", image = ":" + unchecked, visibility = visibility)
