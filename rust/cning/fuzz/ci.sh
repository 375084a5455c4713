#!/usr/bin/env bash
# CI for the fuzz targets, so they cannot rot: builds every target with this directory's lock file,
# then runs each for FUZZ_SECONDS (20 by default) on its seeds with leak detection on. A crash,
# a leak, a hang or a target without seeds fails the script and names the target.
#
# Needs rustup's stable toolchain (libFuzzer's flags are unstable: RUSTC_BOOTSTRAP=1) and
# installs cargo-fuzz when it is missing. Builds into ./target, and deletes that when it is over
# 1 GiB: CI works in a fresh clone, so nothing would reuse it.
set -euo pipefail
cd "$(dirname "$0")"

fuzz_seconds=${FUZZ_SECONDS:-20}
# Pinned: its flags and build layout are what this script relies on.
cargo_fuzz_version=0.13.2
export RUSTC_BOOTSTRAP=1
# cargo-fuzz builds into this workspace's own target directory; an inherited one would move it.
unset CARGO_TARGET_DIR
out=target/ci
bin=target/x86_64-unknown-linux-gnu/release

t0=$SECONDS
timings=()
step_name=
step_start=$SECONDS
step() {
  if [ -n "$step_name" ]; then timings+=("$(printf '%5ss  %s' "$((SECONDS - step_start))" "$step_name")"); fi
  step_name=$1
  step_start=$SECONDS
  [ -n "$step_name" ] && printf '\n=== [%ss] %s\n' "$((SECONDS - t0))" "$step_name"
  return 0
}

step "cargo-fuzz"
if cargo fuzz --version >/dev/null 2>&1; then
  cargo fuzz --version
else
  # A debug build: cargo-fuzz only assembles flags and runs cargo, and installs in half the time.
  cargo install cargo-fuzz --version "$cargo_fuzz_version" --locked --debug
fi

step "dependencies, as Cargo.lock has them (cargo fetch --locked)"
# cargo fuzz build has no --locked; this fails when the lock file does not match the manifests,
# and the build below then resolves to exactly what it lists.
cargo fetch --locked

step "build every target (cargo fuzz build)"
cargo fuzz build
mapfile -t targets < <(cargo fuzz list)
[ ${#targets[@]} -gt 0 ] || { echo "FAIL: cargo fuzz list found no fuzz targets" >&2; exit 1; }
for t in "${targets[@]}"; do
  if [ -z "$(ls -A "seeds/$t" 2>/dev/null)" ]; then
    echo "FAIL: fuzz target $t has no seeds in seeds/$t (see Cargo.toml for adding a target)" >&2
    exit 1
  fi
done

step "run ${targets[*]}: ${fuzz_seconds}s each, two at a time"
rm -rf "$out"
run() {
  local t=$1
  mkdir -p "$out/corpus/$t" "$out/artifacts/$t"
  # New inputs go to the first directory, so the seeds stay as committed. -timeout: an input
  # that hangs fails the run instead of holding CI for libFuzzer's default of 20 minutes.
  "$bin/$t" "$out/corpus/$t" "seeds/$t" -max_total_time="$fuzz_seconds" -timeout=10 -detect_leaks=1 \
    -print_final_stats=1 -artifact_prefix="$out/artifacts/$t/" > "$out/$t.log" 2>&1
}
# Each target is one process (two threads at times), so two at a time keep both cores busy.
for t in "${targets[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge 2 ]; do wait -n || true; done
  ( status=0; run "$t" || status=$?; echo "$status" > "$out/$t.status" ) &
done
wait
failed=()
for t in "${targets[@]}"; do
  status=$(cat "$out/$t.status")
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/$t.log")
  cov=$(grep -o 'cov: [0-9]*' "$out/$t.log" | tail -n 1 || true)
  printf '%-10s exit %s, %s runs, %s\n' "$t" "$status" "${runs:-?}" "${cov:-cov: ?}"
  if [ "$status" != 0 ]; then
    failed+=("$t")
    echo "--- $t: the whole report is in $out/$t.log, the input in $out/artifacts/$t/" >&2
    grep -E -m 20 'panicked at|ERROR:|^(Direct|Indirect) leak|SUMMARY|Test unit written' "$out/$t.log" >&2 || true
  fi
done

step "disk"
mb=$(du -sm target | cut -f1)
echo "target/: ${mb} MB"
if [ "$mb" -gt 1024 ] && [ ${#failed[@]} -eq 0 ]; then
  rm -rf target
  echo "deleted (over 1 GiB)"
fi
step ""

printf '\ntimes:\n'
printf '%s\n' "${timings[@]}"
printf '%5ss  total\n' "$((SECONDS - t0))"
if [ ${#failed[@]} -gt 0 ]; then
  echo "FAIL: fuzz target(s) ${failed[*]} (logs and inputs under rust/cning/fuzz/$out)" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} passed, 0 failed"
