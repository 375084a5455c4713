#!/usr/bin/env bash
# Runs //images:dev (amd64) under runc, as root: the image's own /usr/bin/sh runs dev_smoke.sh, a
# small script that uses the CleanStart utilities, as the image's non-root user. The image holds
# only CleanStart files, so passing shows that nothing outside CSU is needed. Used by .ci/run.
#
#   images/run_dev.sh [LAYOUT]     (default: bazel-bin/images/dev_unchecked)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
layout=${1:-bazel-bin/images/dev_unchecked}
# shellcheck source=images/runc_bundle.sh
. "$here/runc_bundle.sh"

work=$(mktemp -d)
id=cleanstart-dev-$$
cleanup() { runc delete --force "$id" >/dev/null 2>&1 || true; rm -rf "$work"; }
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
