# Sourced by the cning benchmarks (here and repo set by the caller).

# setup [WORKDIR]: sets work to WORKDIR (created), or to a temporary directory removed on exit, and
# cning to the release binary, built first.
setup() {
  work=${1:-}
  if [ -z "$work" ]; then
    work=$(mktemp -d)
    trap 'rm -rf "$work"' EXIT
  fi
  mkdir -p "$work"
  echo "== building cning (release)"
  (cd "$repo/rust" && cargo build -q --release -p cning)
  cning=$repo/rust/target/release/cning
}

# interleaved WORK ROUNDS "NAME|COMMAND"...: one warm-up pass of every command (it fills the page
# cache), then ONE hyperfine run of ROUNDS rounds whose commands alternate round by round (A, B, C,
# A, B, C, ...), so that load from other processes on a shared machine falls on every tool alike.
# Each command runs once a round, its words split by hyperfine (-N, no shell). Writes
# WORK/times.json (runs named "NAME #ROUND"; rounds.py reads it back as medians) and
# WORK/hyperfine.txt; sets load_before and load_after from /proc/loadavg.
interleaved() {
  local work=$1 rounds=$2
  shift 2
  local args=() round t
  for round in $(seq "$rounds"); do
    for t in "$@"; do
      args+=(-n "${t%%|*} #$round" "${t#*|}")
    done
  done
  load_before=$(cut -d' ' -f1-3 /proc/loadavg)
  hyperfine -N --runs 1 --ignore-failure "${args[@]:0:$# * 3}" >/dev/null 2>&1
  hyperfine -N --runs 1 --ignore-failure --export-json "$work/times.json" "${args[@]}" >"$work/hyperfine.txt" 2>&1
  load_after=$(cut -d' ' -f1-3 /proc/loadavg)
}
