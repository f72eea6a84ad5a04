#!/usr/bin/env bash
# Builds what the Android library module packages, from the repository's Rust sources:
#
# * libtingshuo_ffi.so for arm64-v8a, armeabi-v7a and x86_64 (cargo-ndk, API 26), with the
#   NDK's libc++_shared.so beside it (whisper.cpp is C++), into src/main/jniLibs/<abi>/;
#   the 64-bit libraries linked for 16 KB pages (Google Play) and checked to be;
# * the Kotlin bindings, Android flavour (bindings/uniffi-android.toml), generated in library
#   mode from the built library into src/main/kotlin/.
#
# Features: the core's HTTP transport and on-device recognition, never `speak` (the tts
# crate's Android backend needs a NativeActivity: the app speaks through HostSpeech).
#
# Needs: rustup targets aarch64-linux-android armv7-linux-androideabi x86_64-linux-android,
# cargo-ndk 4.1 or later, NDK r28 or later (ANDROID_NDK_HOME, or ANDROID_HOME with ndk/).
# Environment: TINGSHUO_ANDROID_ABIS (space-separated) to build fewer ABIs.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/.."

CARGO=${CARGO:-cargo}
ABIS=${TINGSHUO_ANDROID_ABIS:-arm64-v8a armeabi-v7a x86_64}
API=26
FEATURES=http,voice,bundled-roots
JNI=$HERE/src/main/jniLibs
KOTLIN=$HERE/src/main/kotlin

die() { echo "build-rust.sh: $*" >&2; exit 1; }

# --- what it needs ---------------------------------------------------------------------------
version=$($CARGO ndk --version 2>/dev/null | awk '{print $2}') \
    || die "cargo-ndk is missing: cargo install cargo-ndk --locked"
case $version in
    [0-3].*|4.0.*) die "cargo-ndk $version is too old: 4.1 or later (cargo install cargo-ndk --locked)" ;;
esac
NDK=${ANDROID_NDK_HOME:-${ANDROID_NDK_ROOT:-}}
if [ -z "$NDK" ] && [ -n "${ANDROID_HOME:-}" ] && [ -d "$ANDROID_HOME/ndk" ]; then
    NDK=$(ls -d "$ANDROID_HOME"/ndk/*/ | sort -V | tail -n 1)
fi
[ -n "$NDK" ] && [ -f "$NDK/source.properties" ] || die "no NDK: set ANDROID_NDK_HOME (r28 or later)"
NDK=${NDK%/}
ndk_major=$(sed -n 's/^Pkg\.Revision *= *\([0-9]*\)\..*/\1/p' "$NDK/source.properties")
[ "${ndk_major:-0}" -ge 28 ] || die "NDK $NDK is r${ndk_major:-?}: r28 or later links 16 KB pages"
export ANDROID_NDK_HOME=$NDK ANDROID_NDK=$NDK
READELF=$(ls "$NDK"/toolchains/llvm/prebuilt/*/bin/llvm-readelf | head -n 1)

triple() {
    case $1 in
        arm64-v8a) echo aarch64-linux-android ;;
        armeabi-v7a) echo armv7-linux-androideabi ;;
        x86_64) echo x86_64-linux-android ;;
        *) die "unknown ABI $1" ;;
    esac
}
targets=()
for abi in $ABIS; do
    t=$(triple "$abi")
    rustup target list --installed 2>/dev/null | grep -x "$t" >/dev/null || die "rustup target add $t"
    targets+=(-t "$abi")
done

# --- the library -----------------------------------------------------------------------------
# 16 KB pages: NDK r28+ links them by default on 64-bit targets; said here as well, so an older
# linker default can never slip back in. (RUSTFLAGS, if set, would replace these.)
page=(-C link-arg=-Wl,-z,max-page-size=16384)
export CARGO_TARGET_AARCH64_LINUX_ANDROID_RUSTFLAGS="${CARGO_TARGET_AARCH64_LINUX_ANDROID_RUSTFLAGS:-} ${page[*]}"
export CARGO_TARGET_X86_64_LINUX_ANDROID_RUSTFLAGS="${CARGO_TARGET_X86_64_LINUX_ANDROID_RUSTFLAGS:-} ${page[*]}"

rm -rf "$JNI"
$CARGO ndk "${targets[@]}" -P "$API" --link-libcxx-shared -o "$JNI" \
    build --release --locked -p tingshuo-ffi --lib --no-default-features --features "$FEATURES"

# Every 64-bit library's LOAD segments aligned to at least 16 KB (what Play checks).
for abi in $ABIS; do
    lib=$JNI/$abi/libtingshuo_ffi.so
    [ -f "$lib" ] || die "cargo-ndk wrote no $lib"
    [ -f "$JNI/$abi/libc++_shared.so" ] || die "cargo-ndk did not copy libc++_shared.so for $abi"
    case $abi in arm64-v8a|x86_64) ;; *) continue ;; esac
    for so in "$JNI/$abi"/*.so; do
        aligns=$("$READELF" -lW "$so" | awk '$1 == "LOAD" { print $NF }')
        [ -n "$aligns" ] || die "$so has no LOAD segment"
        for align in $aligns; do
            (( align >= 16384 )) || die "$so: a LOAD segment is aligned to $align, below 16 KB"
        done
    done
done
echo "Android libraries (16 KB pages on 64-bit): $(cd "$JNI" && find . -name '*.so' | sort | tr '\n' ' ')"

# --- the Kotlin bindings -----------------------------------------------------------------------
# The generator at the library's own uniffi version, built for this machine.
$CARGO build --quiet --locked -p tingshuo-ffi --features bindgen --bin uniffi-bindgen
first=$(set -- $ABIS; echo "$1")
rm -rf "$KOTLIN"
target/debug/uniffi-bindgen generate --no-format --library "$JNI/$first/libtingshuo_ffi.so" \
    --language kotlin --config bindings/uniffi-android.toml --out-dir "$KOTLIN"
echo "Kotlin bindings (Android flavour): $(cd "$KOTLIN" && find . -name '*.kt' | sort | tr '\n' ' ')"
