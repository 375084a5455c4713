#!/usr/bin/env bash
# Runs //images:prod (amd64) under runc, as root: the init must start the demo service, a request
# must get an answer, and SIGTERM must end the container with 143 (the service died of the
# forwarded SIGTERM; the init reports 128+15). Then, with one byte appended to the service, the
# init must refuse to start it (its runtime policy pins the sha256). Used by .ci/run after the
# image is built.
#
#   images/run_prod.sh [LAYOUT]     (default: bazel-bin/images/prod_unchecked)
set -euo pipefail
layout=${1:-bazel-bin/images/prod_unchecked}
here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=images/runc_bundle.sh
. "$here/runc_bundle.sh"
command -v curl >/dev/null || { echo "run_prod.sh: curl not found (apt-get install curl)" >&2; exit 2; }

work=$(mktemp -d)
id=cleanstart-prod-$$
cleanup() { runc delete --force "$id" >/dev/null 2>&1 || true; runc delete --force "$id-tampered" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

make_bundle "$layout" "$work"
# Production containers run with a read-only root; the init's policy checks it.
set_root_readonly "$work" true
echo "== runc run $id: $(entrypoint_of "$work")"
runc run --bundle "$work/bundle" "$id" > "$work/out.log" 2>&1 &
runc_pid=$!
answer=$(fetch_when_up http://127.0.0.1:8080/ 25) || answer=""
echo "GET / -> ${answer:-no answer}"
[ "$answer" = "hello from a CleanStart image" ] || { cat "$work/out.log"; echo "FAIL: no answer from the service" >&2; exit 1; }
ps -o pid,user,args --ppid "$(container_pid "$id")" || true
runc kill "$id" TERM
set +e
wait "$runc_pid"
code=$?
set -e
cat "$work/out.log"
echo "exit status after SIGTERM: $code"
[ "$code" = 143 ] || { echo "FAIL: expected 143 (128 + SIGTERM)" >&2; exit 1; }
echo "PASS: prod image ran under runc, answered, and stopped cleanly on SIGTERM"

# The runtime policy baked into the image pins the service's sha256: a tampered service must not run.
printf '\0' >> "$work/bundle/rootfs/app/demo-server"
set +e
runc run --bundle "$work/bundle" "$id-tampered" > "$work/tampered.log" 2>&1
code=$?
set -e
cat "$work/tampered.log"
if [ "$code" != 126 ] || ! grep -q '^cleanimg_init: refusing to start /app/demo-server: its sha256 is' "$work/tampered.log"; then
  echo "FAIL: tampered service: expected the init to refuse it with 126, got $code" >&2; exit 1
fi
echo "PASS: the init refused the tampered service (exit status $code)"
