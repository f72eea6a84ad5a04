#!/usr/bin/env bash
# The size of the library an app ships: the release cdylib of tingshuo-ffi for x86_64 (the one
# target this toolchain has), with and without `voice`, stripped, against the 8 MB target; and
# its largest contributors, from the symbols of the same build before stripping (grouped by
# crate, or as whisper.cpp/ggml for the C and C++ code). Release builds: minutes on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
CARGO=${CARGO:-cargo}
OUT=target/ffi-size
mkdir -p "$OUT"

build() { # name, cargo feature arguments…
    local name=$1; shift
    # Not stripped, so that the symbols can be counted; stripped below as the profile does.
    CARGO_PROFILE_RELEASE_STRIP=false $CARGO build --quiet --locked --release -p tingshuo-ffi --lib "$@"
    cp target/release/libtingshuo_ffi.so "$OUT/$name.so"
    strip --strip-all -o "$OUT/$name.stripped.so" "$OUT/$name.so"
}

contributors() { # unstripped library
    nm -C --size-sort --print-size --defined-only "$1" | awk '
        { size = strtonum("0x" $2); $1 = $2 = $3 = ""; name = substr($0, 4)
          if (name ~ /whisper|ggml|gguf/) group = "whisper.cpp + ggml (C/C++)"
          else if (match(name, /^<?([a-z_][a-z0-9_]*)::/, m)) group = m[1]
          else if (match(name, /^<([a-z_][a-z0-9_]*)::/, m)) group = m[1]
          else if (name ~ /^(std|__cxx|operator|typeinfo|vtable for std)/) group = "C++ standard library"
          else if (name ~ /^sqlite3|^sqlite/) group = "sqlite (C)"
          else if (name ~ /^ring_core|^GFp|^ring_/) group = "ring (C/asm)"
          else group = "other"
          total[group] += size }
        END { for (g in total) printf "%10d  %s\n", total[g], g }' | sort -rn | head -12
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
    contributors "$OUT/$name.so"
done
