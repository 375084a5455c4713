#!/usr/bin/env bash
# Benchmark: `cning inventory` (SPDX and CycloneDX) against hashing the same files with
# sha256sum and sha1sum, side by side in one run: wall time, CPU seconds and peak memory.
#
#   rust/cning/bench/inventory.sh [DIR]         (default /usr, read in place)
#   ROUNDS=3 OLD_CNING=/path/to/cning rust/cning/bench/inventory.sh ...
#   SCALE="100000 1000000" rust/cning/bench/inventory.sh ...
#
# SCALE adds a table of peak memory against the file count: for each N, a generated tree of N
# small files (1,000 to a directory) is inventoried, by cning and by OLD_CNING when given. A
# streamed inventory's memory should stay flat as N grows.
# LAYOUT=1 adds one run over DIR packed by cleanimg as a one-layer gzip OCI layout (hard links
# become copies): the layered path, whose peak memory is the largest ELF file held for inspection.
#
# Rounds alternate the commands (reference, cning, ...) after one warm-up pass that fills the page
# cache; medians are printed. OLD_CNING adds another cning binary (an earlier build) as a row.
# The reference reads every file twice (sha256sum, then sha1sum); cning reads each once, hashing
# both, and parses ELF files and crate lists. Needs GNU time (apt-get install time).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
dir=${1:-/usr}
rounds=${ROUNDS:-3}
[ -x /usr/bin/time ] || { echo "inventory.sh: GNU time not found (apt-get install time)" >&2; exit 2; }
echo "== building cning (release)"
(cd "$repo/rust" && cargo build -q --release -p cning)
cning=$repo/rust/target/release/cning
files=$(find "$dir" -type f | wc -l)
bytes=$(find "$dir" -type f -printf '%s\n' | awk '{s += $1} END {printf "%.0f\n", s}')
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

commands=(
  "sha256sum + sha1sum|find '$dir' -type f -print0 | xargs -0 sha256sum > /dev/null; find '$dir' -type f -print0 | xargs -0 sha1sum > /dev/null"
  "cning inventory --format spdx|'$cning' inventory --format spdx '$dir' > /dev/null"
  "cning inventory --format cyclonedx|'$cning' inventory --format cyclonedx '$dir' > /dev/null"
)
if [ -n "${OLD_CNING:-}" ]; then
  commands+=("cning inventory --format spdx (OLD_CNING)|'$OLD_CNING' inventory --format spdx '$dir' > /dev/null")
fi
run() { /usr/bin/time -f '%e %U %S %M' -o "$work/t" sh -c "$1" 2>/dev/null || true; cat "$work/t"; }
echo "== warm-up"
for c in "${commands[@]}"; do run "${c#*|}" > /dev/null; done
echo "== $rounds rounds"
: > "$work/times"
for round in $(seq "$rounds"); do
  for i in "${!commands[@]}"; do
    echo "$i $(run "${commands[$i]#*|}")" >> "$work/times"
  done
done
printf '%s\n' "${commands[@]}" | cut -d'|' -f1 > "$work/names"
python3 - "$work/times" "$work/names" "$files" "$bytes" <<'PY'
import statistics, sys
times, names, files, size = open(sys.argv[1]).read().split("\n"), open(sys.argv[2]).read().splitlines(), int(sys.argv[3]), int(sys.argv[4])
rows = {}
for line in filter(None, times):
    i, wall, user, sys_, rss = line.split()
    rows.setdefault(int(i), []).append((float(wall), float(user) + float(sys_), int(rss)))
print(f"{files} files, {size / 1e9:.2f} GB, medians of {len(rows[0])} rounds (load: {open('/proc/loadavg').read().split()[0]})")
print(f"{'command':44} {'wall s':>8} {'CPU s':>8} {'peak RSS MB':>12} {'x reference':>12}")
ref = statistics.median(w for w, _, _ in rows[0])
for i, name in enumerate(names):
    wall = statistics.median(w for w, _, _ in rows[i])
    cpu = statistics.median(c for _, c, _ in rows[i])
    rss = max(r for _, _, r in rows[i]) / 1024
    print(f"{name:44} {wall:8.2f} {cpu:8.2f} {rss:12.1f} {wall / ref:12.2f}")
PY

if [ -n "${SCALE:-}" ]; then
  echo "== memory against file count (generated trees, 1,000 small files a directory)"
  printf '%-10s %-44s %8s %12s\n' files command "wall s" "peak RSS MB"
  for n in $SCALE; do
    tree=$work/scale-$n
    python3 - "$tree" "$n" <<'PY'
import os, sys
root, n = sys.argv[1], int(sys.argv[2])
for i in range(n):
    d = os.path.join(root, f"d{i // 1000:05}")
    if i % 1000 == 0:
        os.makedirs(d)
    with open(os.path.join(d, f"f{i % 1000:03}.txt"), "w") as f:
        f.write(str(i))
PY
    scale_rows=("cning inventory --format spdx|$cning")
    [ -n "${OLD_CNING:-}" ] && scale_rows+=("cning inventory --format spdx (OLD_CNING)|$OLD_CNING")
    for row in "${scale_rows[@]}"; do
      read -r wall _ _ rss <<< "$(run "'${row#*|}' inventory --format spdx '$tree' > /dev/null")"
      printf '%-10s %-44s %8.2f %12.1f\n' "$n" "${row%%|*}" "$wall" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
    done
    rm -rf "$tree"
  done
fi

if [ -n "${LAYOUT:-}" ]; then
  echo "== DIR as a one-layer gzip OCI layout (cleanimg), one run each"
  (cd "$repo/rust" && cargo build -q --release -p cleanimg)
  python3 - "$dir" "$work/spec.json" <<'PY'
import json, os, stat, sys
root, out = sys.argv[1], sys.argv[2]
entries = []
for top, dirs, files in os.walk(root):
    dirs.sort()
    for name in sorted(dirs) + sorted(files):
        real = os.path.join(top, name)
        path = "/" + os.path.relpath(real, root)
        st = os.lstat(real)
        if stat.S_ISLNK(st.st_mode):
            entries.append({"type": "symlink", "path": path, "target": os.readlink(real)})
        elif stat.S_ISDIR(st.st_mode):
            entries.append({"type": "dir", "path": path, "mode": stat.S_IMODE(st.st_mode)})
        elif stat.S_ISREG(st.st_mode) and os.access(real, os.R_OK):
            entries.append({"type": "file", "path": path, "source": real, "mode": stat.S_IMODE(st.st_mode)})
json.dump({"os": "linux", "architecture": "amd64", "entries": entries}, open(out, "w"))
PY
  "$repo/rust/target/release/cleanimg" build --spec "$work/spec.json" --output "$work/layout"
  printf '%-44s %8s %12s\n' command "wall s" "peak RSS MB"
  layout_rows=("cning inventory --format spdx|$cning" "cning inventory --format cyclonedx|$cning")
  [ -n "${OLD_CNING:-}" ] && layout_rows+=("cning inventory --format spdx (OLD_CNING)|$OLD_CNING")
  for row in "${layout_rows[@]}"; do
    format=spdx; case "$row" in *cyclonedx*) format=cyclonedx ;; esac
    read -r wall _ _ rss <<< "$(run "'${row#*|}' inventory --format $format '$work/layout' > /dev/null")"
    printf '%-44s %8.2f %12.1f\n' "${row%%|*}" "$wall" "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
  done
fi
