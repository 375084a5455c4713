#!/usr/bin/env bash
# The offline Bazel environment: a Debian testing rootfs holding Debian's own Bazel 7.7.1, its
# Bzlmod module packages, rustc/cargo, musl-dev, the arm64 cross pieces and qemu-user, plus
# cargo-bazel built from Debian's rules_rust sources and the Rust standard library for musl built
# from Debian's rust-src. Needed where neither the Bazel Central Registry nor the Rust toolchain
# downloads can be reached; tools/bazel decides when.
#
#   tools/offline/env.sh ensure            create the environment, or reuse a finished one
#   tools/offline/env.sh run CMD [ARG...]  run CMD inside it (work tree mounted at the same path)
#   tools/offline/env.sh path              print the environment's directory
#
# The environment lives outside the work tree, under $CLEANSTART_CACHE (default
# /var/cache/cleanstart), in a directory keyed by a hash of recipe.sh: changing the recipe builds a
# new one, an unchanged recipe reuses the old one. Needs root (debootstrap, mount namespaces).
set -euo pipefail

SELF=$(readlink -f "${BASH_SOURCE[0]}")
CACHE=${CLEANSTART_CACHE:-/var/cache/cleanstart}
RECIPE=$(dirname "$SELF")/recipe.sh
# Only the recipe keys the cache: editing how the environment is entered rebuilds nothing.
STAMP=$(sha256sum "$RECIPE" | cut -c1-12)
BASE=$CACHE/offline-$STAMP
ROOT=$BASE/rootfs
LOG=$BASE/setup.log
# shellcheck source=tools/offline/recipe.sh
source "$RECIPE"
say() { printf 'tools/bazel: %s\n' "$*" >&2; }
die() { say "error: $*"; exit 1; }

# shellcheck source=tools/host_mirror.sh
source "$(dirname "$SELF")/../host_mirror.sh"

# Run a shell command inside the rootfs: private mount namespace + pivot_root rather than chroot,
# because Bazel's linux-sandbox cannot create its namespaces inside a chroot. Every extra path given
# in BIND_PATHS (colon-separated) is bind-mounted at the same path, so output paths printed by Bazel
# are valid on the host too.
in_root() {
  cp -L /etc/resolv.conf "$ROOT/etc/resolv.conf" 2>/dev/null || true
  unshare -m --propagation private /bin/bash -c '
    set -e
    R=$1; CWD=$2; BINDS=$3; shift 3
    mount --rbind "$R" "$R"
    mount -t proc proc "$R/proc"
    mount --rbind /dev "$R/dev"
    mount --rbind /sys "$R/sys"
    IFS=: read -r -a paths <<<"$BINDS"
    for p in "${paths[@]}"; do
      [ -n "$p" ] || continue
      mkdir -p "$R$p"
      mount --rbind "$p" "$R$p"
    done
    mkdir -p "$R/.oldroot"
    cd "$R"; pivot_root . .oldroot; umount -l /.oldroot
    cd "$CWD"
    exec env -i HOME=/root USER=root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
      LANG=C.UTF-8 TERM="${TERM_PASS:-dumb}" CI="${CI_PASS:-}" DEBIAN_FRONTEND=noninteractive \
      CLEANSTART_DEBIAN_MIRRORS="${MIRRORS_PASS:-}" "$@"
  ' _ "$ROOT" "${RUN_CWD:-/}" "${BIND_PATHS:-}" "$@"
}

# One setup step: skipped when its marker exists, otherwise run with its output in the log. A
# failure names the step and shows the end of the log instead of a wall of unrelated errors.
STEP_N=0
step() {
  local name=$1; shift
  STEP_N=$((STEP_N + 1))
  local marker="$BASE/.done-$STEP_N"
  [ -e "$marker" ] && return 0
  local t0=$SECONDS
  say "offline setup [$STEP_N/8] $name ..."
  echo "=== step $STEP_N: $name" >>"$LOG"
  local first_line
  first_line=$(($(wc -l <"$LOG") + 1))
  if ! "$@" >>"$LOG" 2>&1; then
    say "offline setup failed at step $STEP_N ($name). Last lines of its log ($LOG):"
    tail -n "+$first_line" "$LOG" | tail -n 25 | sed 's/^/    /' >&2
    exit 1
  fi
  touch "$marker"
  say "offline setup [$STEP_N/8] $name: done in $((SECONDS - t0)) s"
}

ensure() {
  [ "$(id -u)" = 0 ] || die "the offline environment needs root (debootstrap and mount namespaces); run as root or use Bazelisk online"
  mkdir -p "$CACHE"
  exec 9>"$CACHE/.lock"
  flock 9
  [ -e "$BASE/.ready" ] && return 0
  mkdir -p "$BASE"
  say "creating the offline Bazel environment in $BASE (first run: several minutes; log: $LOG)"
  local t0=$SECONDS
  # Environments of older recipes are dead weight (several GB each).
  for old in "$CACHE"/offline-*; do
    [ -d "$old" ] && [ "$old" != "$BASE" ] || continue
    if findmnt -rn -o TARGET | grep -q "^$old"; then continue; fi
    say "removing the environment of an older recipe: $old"
    rm -rf "$old"
  done
  step "host tools (debootstrap)" s_host_tools
  step "Debian $SUITE rootfs (debootstrap)" s_debootstrap
  step "packages: Bazel, rules, rustc, cross tools" s_packages
  step "cargo-bazel from Debian's rules_rust sources" s_cargo_bazel
  step "cargo index name for cargo-bazel" s_cargo_index
  step "distdir (tinyjson crate)" s_distdir
  step "rust_host_tools repository" s_host_tools_repo
  step "Rust standard library for musl (from rust-src)" s_musl_std
  touch "$BASE/.ready"
  say "offline environment ready in $((SECONDS - t0)) s ($(du -sh "$ROOT" 2>/dev/null | cut -f1))"
}

case "${1:-}" in
  ensure) ensure ;;
  path) echo "$BASE" ;;
  run)
    shift
    [ -e "$BASE/.ready" ] || die "offline environment $BASE is not ready; run: $0 ensure"
    in_root "$@"
    ;;
  *) echo "usage: $0 ensure | run CMD [ARG...] | path" >&2; exit 2 ;;
esac
