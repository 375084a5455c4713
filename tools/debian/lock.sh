#!/usr/bin/env bash
# Run by `bazel run //tools/debian:lock`; $1 is the cleanstart-debian binary. The paths are the
# workspace's (the binary resolves them against $BUILD_WORKSPACE_DIRECTORY).
set -euo pipefail
exec "$1" lock --manifest debian/packages.toml --lock debian/packages.lock.json "${@:2}"
