#!/usr/bin/env bash
# The baseline the nginx image's size is compared with: Debian bookworm as the debian:bookworm-slim
# image makes it (debootstrap --variant=minbase, then without documentation, manual pages and
# locales, as debuerreotype's slimming does), plus `apt-get install --no-install-recommends nginx`,
# packed as one gzip layer like ours. Prints its compressed and uncompressed sizes and package
# count. Root, a Debian host (debootstrap; the mirror is the one this machine's apt uses).
#
#   images/slim_baseline.sh [ARCH]    (default: this machine's architecture)
set -euo pipefail
arch=${1:-$(dpkg --print-architecture)}
command -v debootstrap >/dev/null || { apt-get update -q && apt-get install -y -q debootstrap >/dev/null; }
mirror=$(apt-get indextargets --format '$(REPO_URI)' 'Created-By: Packages' 'Codename: bookworm' | grep -v security | head -n 1)
[ -n "$mirror" ] || { echo "slim_baseline.sh: apt knows no bookworm repository" >&2; exit 2; }
work=$(mktemp -d)
trap 'umount -R "$work/root/proc" 2>/dev/null || true; rm -rf "$work"' EXIT
debootstrap --variant=minbase --arch="$arch" bookworm "$work/root" "$mirror" > "$work/debootstrap.log" 2>&1 || { tail -n 20 "$work/debootstrap.log"; exit 1; }
chroot "$work/root" apt-get install -y -q --no-install-recommends nginx > "$work/apt.log" 2>&1 || { tail -n 20 "$work/apt.log"; exit 1; }
chroot "$work/root" apt-get clean
rm -rf "$work/root"/var/lib/apt/lists/* "$work/root"/usr/share/doc/* "$work/root"/usr/share/man/* "$work/root"/usr/share/info/*
find "$work/root/usr/share/locale" -mindepth 1 -maxdepth 1 ! -name locale.alias -exec rm -rf {} +
packages=$(chroot "$work/root" dpkg-query -W -f '${Package}\n' | wc -l)
tar -C "$work/root" --numeric-owner -cf "$work/layer.tar" .
gzip -6 -c "$work/layer.tar" > "$work/layer.tar.gz"
python3 - "$arch" "$work/layer.tar.gz" "$work/layer.tar" "$packages" <<'PY'
import os, sys
arch, gz, tar, packages = sys.argv[1:]
print(f"bookworm-slim + nginx ({arch}): {os.path.getsize(gz) / 2**20:.2f} MiB compressed, "
      f"{os.path.getsize(tar) / 2**20:.2f} MiB uncompressed, {packages} packages")
PY
