#!/usr/bin/env bash
# Runs //images/nginx under runc, as root, for each platform given (default amd64; arm64 runs
# through the machine's qemu-user binfmt handler): cleanimg_init must start Debian's nginx as
# 65532 on a read-only root with only /tmp writable, nginx must serve its page, the image must
# have no shell to exec, and SIGTERM must stop it cleanly (nginx exits 0 on it; so does the init).
# Used by .ci/run after the image is built.
#
#   images/run_nginx.sh [LAYOUT [ARCH...]]   (default: bazel-bin/images/nginx/nginx_unchecked amd64)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
layout=${1:-bazel-bin/images/nginx/nginx_unchecked}
shift || true
arches=("${@:-amd64}")
# shellcheck source=images/runc_bundle.sh
. "$here/runc_bundle.sh"
command -v curl >/dev/null || { echo "run_nginx.sh: curl not found (apt-get install curl)" >&2; exit 2; }

work=$(mktemp -d)
id=cleanstart-nginx-$$
cleanup() { runc delete --force "$id" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

for arch in "${arches[@]}"; do
  if [ "$arch" = arm64 ] && [ "$(uname -m)" != aarch64 ] && ! grep -qs '^flags: .*F' /proc/sys/fs/binfmt_misc/qemu-aarch64; then
    echo "run_nginx.sh: arm64 needs qemu-user-static's binfmt handler with the F flag (apt-get install qemu-user-static binfmt-support; update-binfmts --enable qemu-aarch64)" >&2
    exit 2
  fi
  rm -rf "${work:?}"/*
  make_bundle "$layout" "$work" "$arch"
  set_root_readonly "$work" true
  add_tmpfs "$work" /tmp
  echo "== runc run $id ($arch): $(entrypoint_of "$work")"
  runc run --bundle "$work/bundle" "$id" > "$work/out.log" 2>&1 &
  runc_pid=$!
  # Emulated (arm64) start-up takes a few seconds.
  page=$(fetch_when_up http://127.0.0.1:8080/ 150) || page=""
  if ! grep -q '<title>Welcome to nginx!</title>' <<<"$page"; then
    cat "$work/out.log"; echo "FAIL: ($arch) no page from nginx" >&2; exit 1
  fi
  echo "GET / -> $(grep -o '<title>.*</title>' <<<"$page")"
  pid=$(container_pid "$id")
  users=$(ps -o user= --ppid "$pid" | sort -u | tr '\n' ' ')
  ps -o pid,user,args --ppid "$pid" || true
  [ "$users" = "65532 " ] || { echo "FAIL: ($arch) nginx runs as '$users', not 65532" >&2; exit 1; }
  if runc exec "$id" /bin/sh -c true > "$work/exec.log" 2>&1; then
    echo "FAIL: ($arch) the image has a shell" >&2; exit 1
  fi
  echo "runc exec $id /bin/sh -> refused: $(tail -n 1 "$work/exec.log")"
  runc kill "$id" TERM
  set +e
  wait "$runc_pid"
  code=$?
  set -e
  cat "$work/out.log"
  echo "exit status after SIGTERM: $code"
  [ "$code" = 0 ] || { echo "FAIL: ($arch) expected 0 (nginx exits cleanly on SIGTERM)" >&2; exit 1; }
  runc delete --force "$id" >/dev/null 2>&1 || true
  echo "PASS: ($arch) nginx from Debian packages ran under runc as 65532 on a read-only root, served its page, had no shell, stopped cleanly"
done
