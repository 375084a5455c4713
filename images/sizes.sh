#!/usr/bin/env bash
# Prints the compressed and uncompressed size of every platform's image in the given OCI image
# layouts (default: the built //images:prod and //images:dev), and the largest files of each, for
# the README's size table.
#
#   images/sizes.sh [LAYOUT...]
set -euo pipefail
[ $# -gt 0 ] || set -- bazel-bin/images/prod_unchecked bazel-bin/images/dev_unchecked
python3 - "$(dirname "$0")" "$@" <<'PY'
import gzip, os, sys, tarfile
sys.dont_write_bytecode = True  # nothing left in the work tree
sys.path.insert(0, sys.argv[1])
from oci_layout import blob as layout_blob, manifests
for layout in sys.argv[2:]:
    blob = lambda d: layout_blob(layout, d)
    for desc, manifest in manifests(layout):
        arch = desc["platform"]["architecture"]
        compressed = sum(l["size"] for l in manifest["layers"])
        files = []
        for layer in manifest["layers"]:
            with tarfile.open(blob(layer["digest"])) as tar:
                files += [(m.size, m.name) for m in tar.getmembers() if m.isfile()]
        uncompressed = sum(len(gzip.open(blob(l["digest"])).read()) for l in manifest["layers"])
        files.sort(reverse=True)
        largest = ", ".join(f"{name} {size / 2**20:.1f}" for size, name in files[:3])
        print(f"{os.path.basename(layout)} {arch}: {compressed / 2**20:.2f} MiB compressed, "
              f"{uncompressed / 2**20:.2f} MiB uncompressed, {len(files)} files "
              f"(largest, MiB: {largest})")
PY
