#!/usr/bin/env bash
# Sizes and speed of CSU utilities side by side with BusyBox (Debian's busybox-static, one
# applet each) and GNU (the machine's /usr/bin tools), in one run, on the same inputs:
#
#   sort (50 MB text), sha256sum (500 MB), grep (50 MB text), ls -lR and tar c/x (a copy of a
#   directory tree), gzip/gunzip (50 MB text) when CSU has them.
#
# `tar x` is measured twice: onto the disk the work directory is on, and into a tmpfs
# (/dev/shm) when there is one. On a disk the time can be mostly the file system's: on ext4
# without a journal, creating inodes right after `rm -rf` of the previous run's tree (and
# other processes' deletions) makes the kernel skip every recently deleted inode
# (ext4's recently_deleted), the same cost for every tar. The tmpfs row shows the tools' own
# cost. Every row also gets CPU time (user + system), steadier than wall-clock time on a
# loaded machine.
#
# Usage: bench/compare.sh [--bin-dir DIR] [--tree DIR] [--runs N]
#   --bin-dir DIR  take CSU binaries from DIR (e.g. bazel-bin/rust/cleanstart-utils/utils_dir
#                  after `tools/bazel build //rust/cleanstart-utils:utils_dir`); default: build
#                  them with `cargo build --release` (LTO, stripped).
#   --tree DIR     the tree copied for ls -lR and tar (default /usr/share).
#   --runs N       hyperfine runs per command (default 5, after one warm-up run).
# Needs apt-get (busybox-static, and hyperfine when missing), python3 (to read hyperfine's JSON).
# Prints medians; it asserts nothing: speed goals are read from the table, not enforced here.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
rust_dir=$(cd "$here/../.." && pwd)
bin_dir=""
tree_src=/usr/share
runs=5
while [ $# -gt 0 ]; do
  case "$1" in
    --bin-dir) bin_dir=$(cd "$2" && pwd); shift 2 ;;
    --tree) tree_src=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    *) echo "usage: $0 [--bin-dir DIR] [--tree DIR] [--runs N]" >&2; exit 2 ;;
  esac
done

say() { printf '== %s\n' "$*" >&2; }
export LC_ALL=C TZ=UTC

# Utilities compared, and the ones CSU may not have yet (their rows say so).
utilities=(sort sha256sum grep ls tar gzip gunzip)

if [ -z "$bin_dir" ]; then
  say "cargo build --release (the benchmarked utilities only)"
  bins=()
  for u in "${utilities[@]}"; do
    compgen -G "$rust_dir/cleanstart-utils/*/src/bin/$u.rs" >/dev/null && bins+=(--bin "$u")
  done
  (cd "$rust_dir" && cargo build --release -q --workspace "${bins[@]}")
  bin_dir=$(cd "$rust_dir" && cargo metadata --format-version 1 --no-deps |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')/release
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/csu-bench.XXXXXX")
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

command -v hyperfine >/dev/null || { say "apt-get install hyperfine"; apt-get install -y -q hyperfine >/dev/null; }
say "busybox-static from Debian (apt-get download, dpkg-deb -x)"
(cd "$work" && apt-get download -q busybox-static >/dev/null 2>&1 && dpkg-deb -x busybox-static_*.deb bb)
busybox=""
for candidate in "$work/bb/bin/busybox" "$work/bb/usr/bin/busybox"; do
  [ -x "$candidate" ] && busybox=$candidate
done
[ -n "$busybox" ] || { echo "no busybox in busybox-static" >&2; exit 1; }
# An applet link per utility, so BusyBox runs as it does in images (argv[0] = applet).
mkdir "$work/bbin"
for u in "${utilities[@]}"; do ln -s "$busybox" "$work/bbin/$u"; done

say "inputs: 50 MB text, 500 MB random bytes, a copy of $tree_src"
python3 - "$work/text" <<'PY'
import random, sys
random.seed(42)
words = ["alpha", "beta", "error", "warning", "info", "timeout", "connect", "user", "disk", "retry",
         "cache", "write", "read", "socket", "closed", "42", "x86_64", "kernel", "debug", "trace"]
out, size, i = [], 0, 0
while size < 50 * 1024 * 1024:
    line = "%08x %s %d\n" % (random.getrandbits(32), " ".join(random.choices(words, k=random.randint(3, 9))), i)
    out.append(line); size += len(line); i += 1
open(sys.argv[1], "w").write("".join(out))
PY
head -c 500M /dev/urandom > "$work/random"
mkdir "$work/tree"
cp -a "$tree_src" "$work/tree/" 2>/dev/null || true
tree_entries=$(find "$work/tree" | wc -l)
tree_mb=$(du -sm "$work/tree" | cut -f1)
/usr/bin/tar cf "$work/tree.tar" -C "$work" tree
/usr/bin/gzip -c "$work/text" > "$work/text.gz"

# hyperfine median (seconds) of one command, or "-" when the command fails.
median() {
  local json=$work/h.json prepare=$1; shift
  # Output through a pipe: GNU tools notice /dev/null and skip work (grep stops at the first match).
  local args=(--warmup 1 --runs "$runs" --export-json "$json" --style none --output pipe)
  [ -n "$prepare" ] && args+=(--prepare "$prepare")
  if hyperfine "${args[@]}" "$*" >/dev/null 2>"$work/h.err"; then
    python3 -c 'import json,sys; r = json.load(open(sys.argv[1]))["results"][0]
print("%.3f %.3f+%.3f" % (r["median"], r["user"], r["system"]))' "$json"
  else
    echo "- -"
  fi
}

size_of() {
  if [ ! -f "$1" ]; then echo "-"
  elif [ "$(head -c 2 "$1")" = "#!" ]; then echo "script"  # Debian's gunzip runs gzip -d
  else stat -L -c %s "$1" | awk '{printf "%.2f MB", $1/1048576}'
  fi
}

# bench NAME PREPARE COMMAND-WITH-@: @ stands for the utility's path.
declare -a rows cpu_rows
bench() {
  local name=$1 util=$2 prepare=$3 cmd=$4 r_csu="- -" r_bb r_gnu
  say "$name"
  if [ -x "$bin_dir/$util" ]; then r_csu=$(median "$prepare" "${cmd//@/$bin_dir/$util}"); fi
  r_bb=$(median "$prepare" "${cmd//@/$work/bbin/$util}")
  r_gnu=$(median "$prepare" "${cmd//@//usr/bin/$util}")
  local ratio="-"
  if [ "${r_csu% *}" != "-" ] && [ "${r_bb% *}" != "-" ]; then
    ratio=$(python3 -c "print('%.2fx' % (${r_csu% *} / ${r_bb% *}))")
  fi
  rows+=("| \`$name\` | $(size_of "$bin_dir/$util") | $(size_of "$busybox") | $(size_of "/usr/bin/$util") | ${r_csu% *} | ${r_bb% *} | ${r_gnu% *} | $ratio |")
  cpu_rows+=("| \`$name\` | ${r_csu#* } | ${r_bb#* } | ${r_gnu#* } |")
}

cd "$work"
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
bench "sort (50 MB)" sort "" "@ text"
bench "sha256sum (500 MB)" sha256sum "" "@ random"
bench "grep -c 'error.*timeout' (50 MB)" grep "" "@ -c 'error.*timeout' text"
bench "ls -lR ($tree_entries entries)" ls "" "@ -lR tree"
bench "tar c ($tree_mb MB tree)" tar "rm -f out.tar" "@ cf out.tar tree"
bench "tar x" tar "rm -rf x && mkdir x" "@ xf tree.tar -C x"
if [ -d /dev/shm ] && [ -w /dev/shm ] && [ "$(stat -f -c %T /dev/shm)" = tmpfs ]; then
  shm=$(mktemp -d /dev/shm/csu-bench.XXXXXX)
  trap 'chmod -R u+w "$work" "$shm" 2>/dev/null; rm -rf "$work" "$shm"' EXIT
  bench "tar x (into tmpfs)" tar "rm -rf $shm/x && mkdir $shm/x" "@ xf tree.tar -C $shm/x"
fi
bench "gzip -c (50 MB)" gzip "" "@ -c text"
bench "gunzip -c" gunzip "" "@ -c text.gz"

echo
echo "CSU binaries: $bin_dir; BusyBox: $("$busybox" | head -n 1); GNU: /usr/bin (sizes exclude shared libraries)"
echo "hyperfine medians of $runs runs after a warm-up, in seconds; '-' = not available or failed; load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
echo "| benchmark | size CSU | size BusyBox (whole binary) | size GNU | CSU | BusyBox | GNU | CSU / BusyBox |"
echo "| --- | --- | --- | --- | --- | --- | --- | --- |"
printf '%s\n' "${rows[@]}"
echo
echo "CPU time, user+system seconds (hyperfine means)"
echo
echo "| benchmark | CSU | BusyBox | GNU |"
echo "| --- | --- | --- | --- |"
printf '%s\n' "${cpu_rows[@]}"
