#!/usr/bin/env bash
# The size of the library an app ships: the release cdylib of tingshuo-ffi for x86_64 (the one
# target this toolchain has), with and without `voice`, stripped, against the 8 MB target; and
# its largest contributors, from the symbols of the same build before stripping
# (scripts/ffi-size-contributors.py). Release builds: minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}
OUT=target/ffi-size
mkdir -p "$OUT"

build() { # name, cargo feature arguments…
    local name=$1; shift
    # Not stripped, so that the symbols can be counted; stripped below as the profile does.
    # ggml for a fixed CPU set (its AVX2 baseline), not for this machine (-march=native, ggml's
    # default when not cross-compiling): a library to ship runs on other CPUs, and the figure
    # does not depend on the machine that measures it (an AVX-512 machine's native build is
    # 0.11 MB larger). The phones' builds cross-compile, where ggml's native is off anyway.
    GGML_NATIVE=OFF CARGO_PROFILE_RELEASE_STRIP=false $CARGO build --quiet --locked --release -p tingshuo-ffi --lib "$@"
    cp target/release/libtingshuo_ffi.so "$OUT/$name.so"
    strip --strip-all -o "$OUT/$name.stripped.so" "$OUT/$name.so"
}

mb() { awk -v b="$1" 'BEGIN { printf "%.2f MB", b / 1048576 }'; }

build with-voice
build without-voice --no-default-features --features http
echo "| build | stripped size | 8 MB target |"
echo "|---|---|---|"
for name in with-voice without-voice; do
    size=$(stat -c %s "$OUT/$name.stripped.so")
    verdict=$([ "$size" -le 8388608 ] && echo "within" || echo "over")
    echo "| $name | $(mb "$size") ($size bytes) | $verdict |"
done
for name in with-voice without-voice; do
    echo
    echo "Largest contributors, $name (bytes of defined symbols, before stripping):"
    python3 scripts/ffi-size-contributors.py "$OUT/$name.so"
done
