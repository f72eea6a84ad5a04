#!/usr/bin/env bash
# `make fuzz`: runs each fuzz target of fuzz/ (cargo-fuzz, libFuzzer, nightly Rust) for a
# bounded time and prints its executions and corpus; a crash, a panic, a failed invariant or
# an input slower than FUZZ_TIMEOUT seconds fails the run, with the input left under
# fuzz/artifacts/<target>/. Usage: scripts/fuzz.sh SECONDS [TARGET...] (default: all).
# Installs cargo-fuzz and the nightly toolchain when missing; quiet when both are present.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(numbers normalize context wav wire)
timeout=${FUZZ_TIMEOUT:-30}

if ! rustup toolchain list | grep -q '^nightly'; then
    echo "Installing the nightly Rust toolchain (cargo-fuzz needs it)"
    rustup toolchain install nightly --profile minimal >/dev/null
fi
if ! command -v cargo-fuzz >/dev/null 2>&1; then
    echo "Installing cargo-fuzz"
    cargo install --quiet --locked cargo-fuzz --version 0.13.2
fi

# Only `wav` links tingshuo-listen (and so whisper.cpp); without it the build is much cheaper.
features=(--no-default-features)
for target in "${targets[@]}"; do
    [ "$target" = wav ] && features=()
done

# Address sanitizer, debug assertions and overflow checks (cargo-fuzz's defaults).
CARGO_TERM_QUIET=true cargo +nightly fuzz build "${features[@]}"

mkdir -p fuzz/target/logs
failed=()
for target in "${targets[@]}"; do
    corpus=fuzz/corpus/$target
    log=fuzz/target/logs/$target.log
    mkdir -p "$corpus"
    # New inputs go to fuzz/corpus/<target> (kept between runs, not committed); the seeds
    # under fuzz/seeds/<target> are read only.
    # Real recordings are read from ../shared where it is (they keep their own licence and
    # are not copied into the project).
    shared=()
    if [ "$target" = wav ] && [ -d ../shared/data/speech/digits-en ]; then
        shared=(../shared/data/speech/digits-en)
    fi
    if CARGO_TERM_QUIET=true cargo +nightly fuzz run "${features[@]}" "$target" "$corpus" \
        "fuzz/seeds/$target" "${shared[@]}" -- -max_total_time="$seconds" -timeout="$timeout" \
        -print_final_stats=1 >"$log" 2>&1; then
        runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$' || echo '?')
        # libFuzzer's last status line: "corp: <inputs>/<bytes>" (seeds included).
        corp=$(grep -o 'corp: [0-9]*/[0-9]*[a-zA-Z]*' "$log" | tail -1 | cut -d' ' -f2)
        printf 'fuzz %-9s %9s executions in %s s; corpus %s inputs/bytes, %s kept in %s\n' \
            "$target" "$runs" "$seconds" "${corp:-?}" "$(find "$corpus" -type f | wc -l)" "$corpus"
    else
        failed+=("$target")
        echo "fuzz $target FAILED: the end of $log:"
        tail -n 40 "$log"
    fi
done
if [ ${#failed[@]} -gt 0 ]; then
    echo "fuzz: failures in ${failed[*]}; the inputs are under fuzz/artifacts/" >&2
    exit 1
fi
