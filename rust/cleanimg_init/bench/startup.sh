#!/usr/bin/env bash
# Benchmark: size and start-up overhead of cleanimg_init against tini-static and catatonit, side by
# side in one run.
#
#   rust/cleanimg_init/bench/startup.sh [RUNS]      (default: 1000 runs per command)
#
# Measures the images' own binary: tools/bazel builds //rust/cleanimg_init:cleanimg_init optimized
# for //platforms:linux_amd64 (static musl, fat LTO, stripped), the file the image's platform
# transition puts in //images:prod. For comparison, cargo builds the same code static against the
# host's glibc (release profile: LTO, one codegen unit, panic=abort, stripped; +crt-static).
# Fetches tini (its tini-static), catatonit and, when it is not installed, hyperfine as Debian
# packages with the machine's own apt configuration (unpacked, not installed), and times
# `INIT -- /bin/true` against `/bin/true` alone with hyperfine (no shell, warm-up runs first).
# Overhead = median(INIT -- /bin/true) - median(/bin/true), medians over all samples of ten
# interleaved rounds. The inits run as subreapers, not PID 1 (tini with -s, which it needs for that).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
runs=${1:-1000}
for tool in cargo apt-get dpkg-deb python3; do
  command -v "$tool" >/dev/null || { echo "startup.sh: $tool not found" >&2; exit 2; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fetch() { # fetch PACKAGE: unpacks the Debian package into $work/PACKAGE
  (cd "$work" && apt-get -q=2 -o Debug::NoLocking=1 -o APT::Sandbox::User=root download "$1" >/dev/null)
  dpkg-deb -x "$work/$1"_*.deb "$work/$1"
}
echo "== fetching tini, catatonit$(command -v hyperfine >/dev/null || echo ", hyperfine") (Debian packages)"
fetch tini
fetch catatonit
if command -v hyperfine >/dev/null; then
  hyperfine=$(command -v hyperfine)
else
  fetch hyperfine
  hyperfine=$work/hyperfine/usr/bin/hyperfine
fi
tini=$work/tini/usr/bin/tini-static
catatonit=$work/catatonit/usr/bin/catatonit

echo "== building cleanimg_init: the image's binary (tools/bazel -c opt), and with glibc (cargo --release)"
"$repo/tools/bazel" build -c opt --platforms=//platforms:linux_amd64 //rust/cleanimg_init:cleanimg_init >"$work/bazel.log" 2>&1 || {
  tail -n 20 "$work/bazel.log" >&2
  echo "startup.sh: tools/bazel build -c opt //rust/cleanimg_init:cleanimg_init failed" >&2
  exit 1
}
init=$repo/bazel-out/linux_amd64-opt/bin/rust/cleanimg_init/cleanimg_init
target=$(rustc -vV | sed -n 's/^host: //p')
(cd "$repo/rust" && RUSTFLAGS="-C target-feature=+crt-static" cargo build -q --release -p cleanimg_init \
  --target "$target" --target-dir "$repo/rust/target/bench-static")
glibc_init=$repo/rust/target/bench-static/$target/release/cleanimg_init

# The policy mode adds reading the policy, /proc/self/mountinfo and a sha256 of /bin/true.
true_bin=$(readlink -f /bin/true)
cat > "$work/init.toml" <<EOF
entrypoint = "$true_bin"
writable = ["/"]

[[allow]]
path = "$true_bin"
sha256 = "$(sha256sum "$true_bin" | cut -d' ' -f1)"
EOF

names=("/bin/true (no init)" "tini-static -s" "catatonit" "cleanimg_init (image)" "cleanimg_init --policy (image)"
  "cleanimg_init (cargo, glibc)")
bins=("$true_bin" "$tini" "$catatonit" "$init" "$init" "$glibc_init")
commands=("$true_bin" "$tini -s -- $true_bin" "$catatonit -- $true_bin" "$init -- $true_bin" "$init --policy $work/init.toml"
  "$glibc_init -- $true_bin")
for c in "${commands[@]}"; do
  $c || { echo "startup.sh: '$c' failed" >&2; exit 1; }
done

# Ten rounds over all commands, samples pooled: on a shared machine, load drifts during a run,
# and rounds spread that drift over every command instead of charging it to one.
rounds=10
echo "== hyperfine: $runs runs each, in $rounds rounds"
for r in $(seq 1 "$rounds"); do
  "$hyperfine" -N --warmup 20 --runs "$((runs / rounds))" --export-json "$work/times-$r.json" "${commands[@]}" >/dev/null 2>&1
done

python3 - "$work" "$rounds" "${#names[@]}" "${names[@]}" "${bins[@]}" <<'PY'
import json, os, statistics, sys
work, rounds, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
names, bins = sys.argv[4:4 + n], sys.argv[4 + n:4 + 2 * n]
samples = [[] for _ in range(n)]
for r in range(1, rounds + 1):
    for i, result in enumerate(json.load(open(f"{work}/times-{r}.json"))["results"]):
        samples[i].extend(result["times"])
times = [{"median": statistics.median(s), "mean": statistics.mean(s), "stddev": statistics.stdev(s)} for s in samples]
base = times[0]["median"]
tini = times[1]["median"] - base
print()
print(f"| {'command':32} | {'size':>10} | {'median':>9} | {'mean ± σ':>17} | {'overhead':>9} | {'vs tini-static':>14} |")
print(f"| {'-' * 32} | {'-' * 10}: | {'-' * 8}: | {'-' * 16}: | {'-' * 8}: | {'-' * 13}: |")
for name, path, t in zip(names, bins, times):
    size = f"{os.path.getsize(path) / 1024:,.0f} KiB"
    over = t["median"] - base
    rel = "" if t is times[0] else f"{over / tini * 100:.0f} %"
    print(f"| {name:32} | {size:>10} | {t['median'] * 1e3:6.3f} ms | {t['mean'] * 1e3:6.3f} ± {t['stddev'] * 1e3:5.3f} ms | "
          f"{'' if t is times[0] else f'{over * 1e3:6.3f} ms':>9} | {rel:>14} |")
PY
