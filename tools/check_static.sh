#!/usr/bin/env bash
# usage: tools/check_static.sh MACHINE FILE...
# Checks, with binutils' readelf (independent of cning's own ELF code), that every FILE is an ELF
# file for MACHINE (e.g. "X86-64", "AArch64") with no program interpreter and no DT_NEEDED entry.
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 MACHINE FILE..." >&2; exit 2; }
machine=$1
shift
command -v readelf >/dev/null || { echo "$0: readelf not found (install binutils)" >&2; exit 2; }
bad=0
for f in "$@"; do
  got=$(readelf -h "$f" 2>/dev/null | awk -F: '/Machine:/ {gsub(/^ +/, "", $2); print $2}')
  interp=$(readelf -l "$f" 2>/dev/null | grep -c 'INTERP' || true)
  needed=$(readelf -d "$f" 2>/dev/null | grep -c '(NEEDED)' || true)
  printf '%-60s %-28s INTERP=%s NEEDED=%s\n' "$f" "$got" "$interp" "$needed"
  if [[ "$got" != *"$machine"* ]] || [ "$interp" != 0 ] || [ "$needed" != 0 ]; then
    echo "  -> not a static $machine binary" >&2
    bad=1
  fi
done
exit $bad
