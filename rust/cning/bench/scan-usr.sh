#!/usr/bin/env bash
# Benchmark: cning against scanelf (pax-utils) on a copy of /usr, side by side in one run.
#
#   rust/cning/bench/scan-usr.sh [WORKDIR]      (default: a temporary directory, removed after)
#   ROUNDS=5 rust/cning/bench/scan-usr.sh ...   (rounds of the interleaved timing, default 5)
#
# Copies /usr into WORKDIR/rootfs/usr, packs it as a one-layer gzip OCI image layout, then times
# with hyperfine (warm page cache), in ONE hyperfine run whose commands alternate round by round
# (scanelf, cning, scanelf, cning, ...), so that load from other processes on a shared machine
# falls on both tools alike:
#   scanelf -R -q ROOTFS                      the reference: ELF headers of every file
#   scanelf -R -q -i -n ROOTFS                the reference reading what cning's ELF checks read
#                                             (PT_INTERP, DT_NEEDED)
#   cning check ROOTFS                        directory input
#   cning check LAYOUT                        OCI layout input (streams and gunzips the layer)
# and prints, per tool, the median over the rounds, entries/s, MB/s of file data, CPU use in
# cores ((user + system) / wall time), CPU seconds (user + system) and peak RSS, with the load average before and after.
# Needs root-free tools only: cargo, hyperfine, scanelf (apt-get install hyperfine pax-utils),
# tar, gzip, python3.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
# shellcheck source=rust/cning/bench/common.sh
source "$here/common.sh"
for tool in hyperfine scanelf cargo tar gzip; do
  command -v "$tool" >/dev/null || { echo "scan-usr.sh: $tool not found (apt-get install hyperfine pax-utils)" >&2; exit 2; }
done
setup "${1:-}"

rootfs=$work/rootfs
if [ ! -d "$rootfs/usr" ]; then
  echo "== copying /usr to $rootfs/usr"
  mkdir -p "$rootfs"
  cp -a /usr "$rootfs/usr"
fi
entries=$(find "$rootfs" | wc -l)
bytes=$(find "$rootfs" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.0f\n", s}')
elf=$(scanelf -R -B -F '%F' "$rootfs" 2>/dev/null | wc -l)

layout=$work/layout
if [ ! -f "$layout/index.json" ]; then
  echo "== packing it as an OCI image layout (one gzip layer)"
  mkdir -p "$layout/blobs/sha256"
  tar -C "$rootfs" --sort=name --numeric-owner -cf "$work/layer.tar" .
  diff_id=$(sha256sum "$work/layer.tar" | cut -d' ' -f1)
  gzip -1 -c "$work/layer.tar" > "$work/layer.tar.gz"
  rm "$work/layer.tar"
  layer=$(sha256sum "$work/layer.tar.gz" | cut -d' ' -f1)
  layer_size=$(stat -c %s "$work/layer.tar.gz")
  mv "$work/layer.tar.gz" "$layout/blobs/sha256/$layer"
  blob() { local d; d=$(printf '%s' "$1" | sha256sum | cut -d' ' -f1); printf '%s' "$1" > "$layout/blobs/sha256/$d"; echo "$d ${#1}"; }
  read -r config config_size < <(blob '{"architecture":"amd64","os":"linux","rootfs":{"type":"layers","diff_ids":["sha256:'"$diff_id"'"]},"config":{}}')
  read -r manifest manifest_size < <(blob '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:'"$config"'","size":'"$config_size"'},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:'"$layer"'","size":'"$layer_size"'}]}')
  printf '{"imageLayoutVersion":"1.0.0"}' > "$layout/oci-layout"
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"os":"linux","architecture":"amd64"}}]}' "$manifest" "$manifest_size" > "$layout/index.json"
fi
layer_mb=$(du -m "$layout/blobs/sha256" | cut -f1)

# A policy that allows everything: the run measures reading and inspecting, not report size.
policy=$work/bench.toml
printf 'name = "bench"\nlinking = "any"\nallow_setuid = true\nallow_world_writable = true\nmulticall_max_names = 1000000\n[[allow]]\npath = "/**"\n' > "$policy"

tools=(
  "scanelf -R (dir)|scanelf -R -q $rootfs"
  "scanelf -R -i -n (dir)|scanelf -R -q -i -n $rootfs"
  "cning check (dir)|$cning check --policy $policy $rootfs"
  "cning check (OCI layout)|$cning check --policy $policy $layout"
)
rounds=${ROUNDS:-5}
echo "== timing ($entries entries, $((bytes / 1000000)) MB of file data, $elf ELF files; layer $layer_mb MB gzip; $rounds interleaved rounds)"
interleaved "$work" "$rounds" "${tools[@]}"

# cning exits 1 here (dangling links into /etc, which the copy lacks): only its peak RSS counts.
peak() { { /usr/bin/time -f '%M' "$@" 2>&1 >/dev/null || true; } | tail -1; }
rss=()
for t in "${tools[@]}"; do
  read -r -a cmd <<< "${t#*|}"
  rss+=("$(peak "${cmd[@]}")")
done
largest=$(find "$rootfs" -type f -printf '%s\n' | sort -n | tail -1)

PYTHONPATH=$here PYTHONDONTWRITEBYTECODE=1 python3 - "$work/times.json" "$entries" "$bytes" "${rss[@]}" <<'PY'
import sys
from rounds import medians
entries, data = int(sys.argv[2]), int(sys.argv[3])
rss = sys.argv[4:]
print(f"{'tool':28} {'median s':>9} {'min s':>7} {'CPU s':>6} {'entries/s':>11} {'MB/s':>8} {'CPU cores':>10} {'peak RSS MB':>12}")
for t, m in zip(medians(sys.argv[1]), rss):
    print(f"{t.name:28} {t.median:9.2f} {t.fastest:7.2f} {t.cpu:6.2f} {entries / t.median:11.0f} {data / 1e6 / t.median:8.0f} {t.cores:10.2f} {int(m) / 1024:12.0f}")
PY
echo "largest file: $((largest / 1000000)) MB; cores: $(nproc); load average before: $load_before, after: $load_after"
