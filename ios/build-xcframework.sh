#!/usr/bin/env bash
# Builds what the Swift package (Package.swift) uses, from the repository's Rust sources, on a
# Mac with Xcode:
#
# * libtingshuo_ffi.a for aarch64-apple-ios (devices) and for the simulators
#   (aarch64-apple-ios-sim and x86_64-apple-ios, joined with lipo), debug symbols stripped
#   (strip -S), as TingshuoFFI.xcframework with the C header and module map of
#   TingshuoCoreFFI;
# * the Swift bindings, generated in library mode from the device library, as
#   Sources/TingshuoCore/TingshuoCore.swift.
#
# Features: the core's HTTP transport and on-device recognition, never `speak` (the app speaks
# through HostSpeech). Needs: Xcode (xcodebuild, lipo, strip) and
# rustup target add aarch64-apple-ios aarch64-apple-ios-sim x86_64-apple-ios.
# Environment: IPHONEOS_DEPLOYMENT_TARGET (default 15.0, as Package.swift).
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
cd "$HERE/.."

CARGO=${CARGO:-cargo}
FEATURES=http,voice
DEVICE=aarch64-apple-ios
SIMULATORS=(aarch64-apple-ios-sim x86_64-apple-ios)
BUILD=$HERE/build
XCFRAMEWORK=$HERE/TingshuoFFI.xcframework
SOURCES=$HERE/Sources/TingshuoCore
export IPHONEOS_DEPLOYMENT_TARGET=${IPHONEOS_DEPLOYMENT_TARGET:-15.0}

die() { echo "build-xcframework.sh: $*" >&2; exit 1; }

# --- what it needs ---------------------------------------------------------------------------
[ "$(uname -s)" = Darwin ] || die "needs macOS with Xcode"
for tool in xcodebuild lipo strip; do
    command -v "$tool" >/dev/null || die "$tool is missing: install Xcode and its command line tools"
done
for t in "$DEVICE" "${SIMULATORS[@]}"; do
    rustup target list --installed 2>/dev/null | grep -x "$t" >/dev/null || die "rustup target add $t"
done

# --- the static libraries ----------------------------------------------------------------------
rm -rf "$BUILD" && mkdir -p "$BUILD/device" "$BUILD/simulator" "$BUILD/headers"
for t in "$DEVICE" "${SIMULATORS[@]}"; do
    # Only the static library (the crate also makes a cdylib and an rlib).
    $CARGO rustc --release --locked -p tingshuo-ffi --lib --target "$t" \
        --no-default-features --features "$FEATURES" --crate-type staticlib
    mkdir -p "$BUILD/$t"
    cp "target/$t/release/libtingshuo_ffi.a" "$BUILD/$t/"
    strip -S "$BUILD/$t/libtingshuo_ffi.a"
done
cp "$BUILD/$DEVICE/libtingshuo_ffi.a" "$BUILD/device/"
lipo -create $(for t in "${SIMULATORS[@]}"; do echo "$BUILD/$t/libtingshuo_ffi.a"; done) \
    -output "$BUILD/simulator/libtingshuo_ffi.a"

# --- the bindings ------------------------------------------------------------------------------
# The generator at the library's own uniffi version, built for this Mac.
$CARGO build --quiet --locked -p tingshuo-ffi --features bindgen --bin uniffi-bindgen
target/debug/uniffi-bindgen generate --no-format --library "target/$DEVICE/release/libtingshuo_ffi.a" \
    --language swift --out-dir "$BUILD/generated"
modulemap=$(ls "$BUILD/generated"/*.modulemap)
ffi_module=$(basename "$modulemap" .modulemap)
swift=$(ls "$BUILD/generated"/*.swift)
# The header and module map in a folder named after the module: clang finds
# <search path>/TingshuoCoreFFI/module.modulemap, and two XCFrameworks' module maps never
# land on the same path in the app's build.
mkdir -p "$BUILD/headers/$ffi_module"
cp "$BUILD/generated/$ffi_module.h" "$BUILD/headers/$ffi_module/"
cp "$modulemap" "$BUILD/headers/$ffi_module/module.modulemap"
mkdir -p "$SOURCES"
rm -f "$SOURCES"/*.swift
cp "$swift" "$SOURCES/"

# --- the XCFramework ---------------------------------------------------------------------------
rm -rf "$XCFRAMEWORK"
xcodebuild -create-xcframework \
    -library "$BUILD/device/libtingshuo_ffi.a" -headers "$BUILD/headers" \
    -library "$BUILD/simulator/libtingshuo_ffi.a" -headers "$BUILD/headers" \
    -output "$XCFRAMEWORK"
echo "Built $XCFRAMEWORK (module $ffi_module) and $SOURCES/$(basename "$swift")"
