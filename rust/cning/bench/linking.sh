#!/usr/bin/env bash
# Benchmark: cning's resolved linking (`linking = "resolved"`) against lddtree (pax-utils) over a
# debootstrapped Debian root filesystem, every dynamically linked program in it, side by side in
# one run; then how far their closures agree with each other and with the real loader.
#
#   rust/cning/bench/linking.sh [WORKDIR]      (default: a temporary directory, removed after)
#   ROUNDS=5 rust/cning/bench/linking.sh ...   (rounds of the interleaved timing, default 5)
#
# The root filesystem: Debian bookworm, debootstrap's default variant (required and important
# packages: systemd, iproute2, apt, ...) plus the PACKAGES below, made once and kept under
# $CLEANSTART_CACHE (default /var/cache/cleanstart) in bench-rootfs-HASH, HASH naming the suite and
# the package list (an edited list makes a new one). The mirror is the host's own (tools/host_mirror.sh).
#
# Finding the programs (not timed with the tools; its time is printed apart): `scanelf -R` lists
# ELF files with a PT_INTERP and no DT_SONAME, one path per file (hard links dropped, the first
# path in byte order kept, as cning keeps it). Then ONE hyperfine run whose commands alternate
# round by round, so that load from other processes on a shared machine falls on every tool alike:
#   lddtree -R ROOT PROGRAM...           every program's closure, searched inside ROOT (Debian's
#                                        lddtree is the Python one, on pyelftools; its shebang is
#                                        `env python3`, so it is run with the system /usr/bin/python3)
#   cning check, linking = "resolved"    every program's closure (its other checks run too: ELF
#                                        headers of every file, BusyBox/toybox signatures in loaded
#                                        data, symlinks, modes), a permissive policy
#   cning check, linking = "any"         the same checks without the closures: the difference is
#                                        what resolving costs
# It prints per tool the median over the rounds, the fastest round, CPU seconds (user + system),
# cores used and peak RSS (/usr/bin/time, one more run each), with the load average before and after.
#
# Agreement (not timed): the closure of each program (the files it loads, symlinks resolved inside
# ROOT, and the names found nowhere) from lddtree's output, from cning (`cning inventory`: each
# dynamic file's resolved direct needs, walked from the program), and from the real loader
# (`ld.so --list PROGRAM` in a chroot of ROOT, /proc mounted in a private mount namespace); every
# pair compared, differences counted by kind and shown for a few programs. Then cning's
# library-unused findings against the loader: none may be in a closure it printed, and each such
# library loaded alone (`ld.so --list LIBRARY`, as dlopen would load it) must bring in what cning's
# needs of it say.
#
# Needs root (debootstrap, chroot, mount namespace); installs debootstrap, pax-utils,
# python3-pyelftools, hyperfine and time with apt-get when missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../../.." && pwd)
# shellcheck source=tools/host_mirror.sh
source "$repo/tools/host_mirror.sh"
# shellcheck source=rust/cning/bench/common.sh
source "$here/common.sh"
[ "$(id -u)" = 0 ] || { echo "linking.sh: needs root (debootstrap, chroot, mount namespace)" >&2; exit 2; }
command -v cargo >/dev/null || { echo "linking.sh: cargo not found" >&2; exit 2; }
missing=()
for tool in debootstrap:debootstrap scanelf:pax-utils lddtree:pax-utils hyperfine:hyperfine /usr/bin/time:time; do
  command -v "${tool%%:*}" >/dev/null || missing+=("${tool#*:}")
done
/usr/bin/python3 -c 'import elftools' 2>/dev/null || missing+=(python3-pyelftools)
if [ ${#missing[@]} -gt 0 ]; then
  echo "== installing ${missing[*]}"
  apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null \
    || { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; }
fi

SUITE=bookworm
# Programs in quantity, and the search cases Debian has: RUNPATH into a private directory
# (systemd, samba), $ORIGIN (OpenJDK), setuid programs (openssh-client, util-linux).
PACKAGES=(curl openssl python3 perl git gnupg openssh-client binutils file xz-utils zstd rsync wget
  smbclient openjdk-17-jre-headless)
cache=${CLEANSTART_CACHE:-/var/cache/cleanstart}
base=$cache/bench-rootfs-$(printf '%s\n' "$SUITE" "${PACKAGES[@]}" | sha256sum | cut -c1-12)
rootfs=$base/rootfs
mkdir -p "$base"
exec 9>"$base/.lock"
flock 9
if [ ! -e "$base/.ready" ]; then
  echo "== debootstrap $SUITE (default variant + ${#PACKAGES[@]} packages) into $rootfs (once; log $base/debootstrap.log)"
  rm -rf "$base/rootfs.tmp"
  if ! debootstrap --keyring=/usr/share/keyrings/debian-archive-keyring.gpg --include="$(IFS=,; echo "${PACKAGES[*]}")" \
      "$SUITE" "$base/rootfs.tmp" "$(host_mirror)" >"$base/debootstrap.log" 2>&1; then
    tail -n 20 "$base/debootstrap.log" >&2
    exit 1
  fi
  rm -f "$base/rootfs.tmp/var/cache/apt/archives/"*.deb
  rm -rf "$rootfs"
  mv "$base/rootfs.tmp" "$rootfs"
  touch "$base/.ready"
fi
exec 9>&-

setup "${1:-}"

echo "== finding the programs"
find_start=$EPOCHREALTIME
scanelf -R -B -F '%o;%i;%S;%F' "$rootfs" >"$work/elf-all.txt"
# One line per file: paths sorted, the first path of each inode kept (as cning keeps it).
cut -d';' -f4- "$work/elf-all.txt" | LC_ALL=C sort | tr '\n' '\0' | xargs -0 stat -c '%d:%i %n' \
  | awk '!seen[$1]++ {sub(/^[^ ]* /, ""); print}' >"$work/elf-paths.txt"
awk -F';' 'NR == FNR {keep[$0]; next} {path = $4; for (i = 5; i <= NF; i++) path = path ";" $i} path in keep' \
  "$work/elf-paths.txt" "$work/elf-all.txt" >"$work/elf.txt"
# Programs: a PT_INTERP and no DT_SONAME (libc.so.6 has a PT_INTERP, and a SONAME), as
# "INTERPRETER PATH" lines, and the paths alone for lddtree.
awk -F';' -v root="$rootfs" '$2 != "" && $3 == "" {path = $4; for (i = 5; i <= NF; i++) path = path ";" $i; print $2 " " substr(path, length(root) + 1)}' \
  "$work/elf.txt" | LC_ALL=C sort -k2 >"$work/interpreters.txt"
cut -d' ' -f2- "$work/interpreters.txt" >"$work/programs.txt"
find_s=$(awk -v a="$find_start" -v b="$EPOCHREALTIME" 'BEGIN {printf "%.2f", b - a}')
programs=$(wc -l <"$work/programs.txt")
elf=$(wc -l <"$work/elf.txt")
shared=$(awk -F';' '$1 == "ET_DYN" && !($2 != "" && $3 == "")' "$work/elf.txt" | wc -l)
files=$(find "$rootfs" -type f | wc -l)
size_mb=$(du -sm "$rootfs" | cut -f1)

# Permissive policies: every executable allowed, setuid and world-writable allowed, so the run
# measures the checks, not the size of the report.
for mode in resolved any; do
  printf 'name = "bench"\nlinking = "%s"\nallow_setuid = true\nallow_world_writable = true\nmulticall_max_names = 1000000\n[[allow]]\npath = "/**"\n' \
    "$mode" >"$work/$mode.toml"
done

lddtree=(xargs -d '\n' -a "$work/programs.txt" /usr/bin/python3 /usr/bin/lddtree -R "$rootfs")
tools=(
  "lddtree -R ROOT (all programs)|xargs -d '\n' -a $work/programs.txt /usr/bin/python3 /usr/bin/lddtree -R $rootfs"
  "cning check (resolved)|$cning check --policy $work/resolved.toml $rootfs"
  "cning check (any)|$cning check --policy $work/any.toml $rootfs"
)
rounds=${ROUNDS:-5}
echo "== timing ($files files, $size_mb MB, $elf ELF files: $programs programs, $shared shared objects; $rounds interleaved rounds)"
interleaved "$work" "$rounds" "${tools[@]}"

# Peak RSS, one more run each, keeping what each tool wrote for the comparison below (cning exits
# 1 on its findings; lddtree's warnings go to stderr.txt).
peak() { local out=$1; shift; /usr/bin/time -f '%M' -o "$work/rss" "$@" >"$out" 2>>"$work/stderr.txt" || true; tail -n 1 "$work/rss"; }
rss=()
: >"$work/stderr.txt"
rss+=("$(peak "$work/lddtree.txt" "${lddtree[@]}")")
rss+=("$(peak "$work/check.json" "$cning" check --format json --policy "$work/resolved.toml" "$rootfs")")
rss+=("$(peak /dev/null "$cning" check --policy "$work/any.toml" "$rootfs")")

PYTHONPATH=$here PYTHONDONTWRITEBYTECODE=1 python3 - "$work/times.json" "${rss[@]}" <<'PY'
import sys
from rounds import medians
print()
print("| tool | median | fastest | CPU (user+sys) | cores used | peak RSS |")
print("| --- | --- | --- | --- | --- | --- |")
for t, m in zip(medians(sys.argv[1]), sys.argv[2:]):
    print(f"| `{t.name}` | {t.median:.2f} s | {t.fastest:.2f} s | {t.cpu:.2f} s | {t.cores:.2f} | {int(m) / 1024:.0f} MB |")
print()
PY
echo "$programs dynamically linked programs and $shared other shared objects (libraries, loadable modules, static-pie) of $elf ELF files (one path per file), $files files, $size_mb MB."
echo "Finding the programs (scanelf -R, stat, not in the table): $find_s s."
echo "lddtree: pax-utils $(dpkg-query -W -f '${Version}' pax-utils) (Python, pyelftools $(dpkg-query -W -f '${Version}' python3-pyelftools)); $(hyperfine --version); cning at $(git -C "$repo" rev-parse --short HEAD)."
echo "cores: $(nproc); load average before: $load_before, after: $load_after"

echo
echo "== closures: lddtree, cning and the loader (ld.so --list in a chroot)"
"$cning" inventory --format spdx --output "$work/inventory.json" "$rootfs"
# ld.so --list in a chroot of ROOT with /proc mounted, for each "INTERPRETER PATH" line of $1.
ldso_list() {
  unshare -m --propagation private /bin/sh -c '
    mount -t proc proc "$1/proc"
    exec chroot "$1" /bin/sh -c "while read -r interp p; do echo \"== \$p\"; \"\$interp\" --list \"\$p\" 2>&1; done"
  ' _ "$rootfs" <"$1"
}
# Each program by its own loader (its PT_INTERP); each library cning reports unused alone (as
# dlopen would load it) by the programs' most common loader.
ldso_list "$work/interpreters.txt" >"$work/ldso.txt"
loader=$(cut -d' ' -f1 "$work/interpreters.txt" | sort | uniq -c | sort -rn | awk '{print $2; exit}')
python3 -c 'import json, sys; print("\n".join(sys.argv[2] + " " + v["path"] for v in json.load(open(sys.argv[1]))["violations"] if v["rule"] == "library-unused"))' \
  "$work/check.json" "$loader" >"$work/unused.txt"
ldso_list "$work/unused.txt" >"$work/ldso-libs.txt"
python3 "$here/linking_agree.py" "$rootfs" "$work/programs.txt" "$work/lddtree.txt" "$work/inventory.json" \
  "$work/ldso.txt" "$work/check.json" "$work/ldso-libs.txt"
