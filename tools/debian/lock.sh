#!/usr/bin/env bash
# Run by `bazel run //tools/debian:lock`; $1 is the cleanstart-debian binary. Every manifest
# debian/NAME.toml gets its lock debian/NAME.lock.json. The paths given are the workspace's (the
# binary resolves them against $BUILD_WORKSPACE_DIRECTORY).
set -euo pipefail
workspace=${BUILD_WORKSPACE_DIRECTORY:-$PWD}
for path in "$workspace"/debian/*.toml; do
  manifest=debian/$(basename "$path")
  "$1" lock --manifest "$manifest" --lock "${manifest%.toml}.lock.json" "${@:2}"
done
