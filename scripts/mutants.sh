#!/usr/bin/env bash
# Mutation score of src/model and src/aggregate (README, "Tests that catch a wrong formula").
#
#   scripts/mutants.sh                 # a 1/16 sample: ~80 mutants, ~45 min on 2 cores
#   scripts/mutants.sh --shard 3/16    # another sample
#   scripts/mutants.sh --shard 0/1     # every mutant (~1,250: about 12 hours on 2 cores)
#
# Each mutant rebuilds the crate (incrementally, ~25 s in release) and runs the whole suite
# (~7 s). Results go to mutants.out/ (caught.txt, missed.txt, timeout.txt, unviable.txt).
# Configuration: .cargo/mutants.toml; survivors judged equivalent: mutants.md.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v cargo-mutants >/dev/null 2>&1; then
  cargo install --locked cargo-mutants
fi
# A target folder of its own: mutants build the `headroom` binary, and sharing a folder with
# your own `cargo test` would let either run test the other's binary. It starts as a copy of
# the release dependency build of .ci/run's cache where one exists (else it builds them once).
main_cache="${HEADROOM_TARGET_CACHE:-${HOME:-/tmp}/.cache/headroom-target}"
cache="${HEADROOM_MUTANTS_TARGET:-${HOME:-/tmp}/.cache/headroom-mutants-target}"
mkdir -p "$cache"
if [ ! -d "$cache/release" ] && [ -d "$main_cache/release" ]; then
  cp -a "$main_cache/release" "$cache/"
fi
export CARGO_TARGET_DIR="$cache"
# Only the crate itself changes between mutants: incremental builds take ~25 s, not ~60 s.
export CARGO_INCREMENTAL=1

args=("$@")
if [ ${#args[@]} -eq 0 ]; then
  args=(--shard 0/16)
fi
exec cargo mutants --jobs 1 "${args[@]}"
