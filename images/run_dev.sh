#!/usr/bin/env bash
# Runs //images:dev (amd64) under runc, as root: the image's own /usr/bin/sh runs dev_smoke.sh, a
# small script that uses the CleanStart utilities, as the image's non-root user. The image holds
# only CleanStart files, so passing shows that nothing outside CSU is needed. Then the image's
# init, under its runtime policy, must start a utility that the utility's own layer allows
# (/etc/cleanimg/allow.d), and refuse it once that allow list is gone. Used by .ci/run.
#
#   images/run_dev.sh [LAYOUT]     (default: bazel-bin/images/dev_unchecked)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
layout=${1:-bazel-bin/images/dev_unchecked}
# shellcheck source=images/runc_bundle.sh
. "$here/runc_bundle.sh"

work=$(mktemp -d)
id=cleanstart-dev-$$
cleanup() { runc delete --force "$id" >/dev/null 2>&1 || true; runc delete --force "$id-echo" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT

make_bundle "$layout" "$work"
install -m 0644 "$here/dev_smoke.sh" "$work/bundle/rootfs/tmp/dev_smoke.sh"
set_process "$work" /usr/bin/sh /tmp/dev_smoke.sh
# A development container writes where it works (/tmp here).
set_root_readonly "$work" false
echo "== runc run $id: /usr/bin/sh /tmp/dev_smoke.sh (only the image's files)"
set +e
timeout 120 runc run --bundle "$work/bundle" "$id" < /dev/null
code=$?
set -e
[ "$code" = 0 ] || { echo "FAIL: the dev image's smoke script exited with $code" >&2; exit 1; }
echo "PASS: the dev image's shell and utilities did the work on their own"

# `docker run IMAGE /usr/bin/echo ...`: the entrypoint (the init and its policy) with a command.
# shellcheck disable=SC2046 # the entrypoint's words are separate arguments
set_process "$work" $(python3 -c 'import json,sys; print(" ".join(json.load(open(sys.argv[1]))["Entrypoint"]))' "$work/image-config.json") /usr/bin/echo allowed by its layer
# run_echo: runs the bundle; sets out (its output) and code (its exit status).
run_echo() {
  set +e
  out=$(timeout 60 runc run --bundle "$work/bundle" "$id-echo" < /dev/null 2>&1)
  code=$?
  set -e
  runc delete --force "$id-echo" >/dev/null 2>&1 || true
}
run_echo
echo "init -- /usr/bin/echo: $out (exit $code)"
[ "$code" = 0 ] && [ "$out" = "allowed by its layer" ] || { echo "FAIL: the init did not start echo from its allow list" >&2; exit 1; }
rm "$work/bundle/rootfs/etc/cleanimg/allow.d/echo.toml"
run_echo
echo "without echo's allow list: $out (exit $code)"
[ "$code" = 126 ] && grep -q "/usr/bin/echo" <<<"$out" || { echo "FAIL: expected the init to refuse echo with 126" >&2; exit 1; }
echo "PASS: the init runs a utility its own layer allows, and refuses it without that layer's list"
