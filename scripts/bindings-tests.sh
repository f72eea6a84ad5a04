#!/usr/bin/env bash
# The bindings met from Kotlin and Swift (`make test` runs it after `cargo test`):
#
# * Kotlin on the JVM: the cdylib and `uniffi-bindgen` (same uniffi version) are built, Kotlin
#   is generated in library mode, compiled with the hand-written JUnit suite and the README's
#   Kotlin example (kotlinc from npm `kotlin-compiler`, JNA and JUnit 4 from Debian), and run
#   against the reference bank on loopback (`tingshuo-testbank`) and the installed speech
#   model; prints `N passed, N failed`.
# * The Android flavour (`android = true`) compiled with the sample app (android/sample/) against
#   stubs of the Android and AndroidX classes they name; the sample's conversation also runs in
#   the JVM suite.
# * Swift: the bindings and module map generated into target/bindings/swift; the README's Swift
#   example and bindings/swift/*.swift parsed with tree-sitter-swift (no Swift toolchain here).
# * The Android and iOS packages (android/, ios/), as sources: their build scripts through
#   `bash -n`, Package.swift and the Gradle .kts files parsed (tree-sitter-swift, -kotlin), and
#   scripts/package-checks.py (the generated Android package kept by consumer-rules.pro, the
#   features and names the scripts use present in the crate). Nothing is built with an Android
#   SDK, Gradle or Xcode here.
#
# Installs what it needs once, quietly: Debian packages, the Kotlin compiler and a Python venv
# under $XDG_CACHE_HOME/tingshuo. A compile whose inputs did not change is not run again.
set -euo pipefail
cd "$(dirname "$0")/.."

CARGO=${CARGO:-cargo}
CACHE=${XDG_CACHE_HOME:-$HOME/.cache}/tingshuo
KOTLIN_VERSION=2.4.20
KOTLIN_HOME=$CACHE/kotlin/$KOTLIN_VERSION
VENV=$CACHE/tree-sitter-venv
OUT=target/bindings
MODEL=${TINGSHUO_FFI_MODEL:-$CACHE/models/ggml-base-q8_0.bin}

# --- what it needs -------------------------------------------------------------------------
packages=(libjna-java junit4)
command -v java >/dev/null 2>&1 || packages+=(default-jdk-headless)
scripts/install-system-packages.sh "${packages[@]}"
if [ ! -x "$KOTLIN_HOME/bin/kotlinc" ]; then
    echo "Installing kotlin-compiler $KOTLIN_VERSION (npm) into $KOTLIN_HOME"
    mkdir -p "$CACHE/kotlin/download"
    (cd "$CACHE/kotlin/download" && npm pack --silent "kotlin-compiler@$KOTLIN_VERSION" >/dev/null)
    rm -rf "$KOTLIN_HOME.partial" && mkdir -p "$KOTLIN_HOME.partial"
    tar xzf "$CACHE/kotlin/download/kotlin-compiler-$KOTLIN_VERSION.tgz" -C "$KOTLIN_HOME.partial" --strip-components=1
    chmod +x "$KOTLIN_HOME.partial"/bin/*
    mv "$KOTLIN_HOME.partial" "$KOTLIN_HOME"
fi
if [ ! -x "$VENV/bin/python" ] \
    || ! "$VENV/bin/python" -c 'import tree_sitter, tree_sitter_swift, tree_sitter_kotlin' 2>/dev/null; then
    echo "Installing tree-sitter-swift and tree-sitter-kotlin (PyPI) into $VENV"
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet --disable-pip-version-check 'tree-sitter==0.26.*' \
        'tree-sitter-swift==0.7.4' 'tree-sitter-kotlin==1.1.0'
fi

# --- the library, the generator, the bank ----------------------------------------------------
$CARGO build --quiet --locked -p tingshuo-ffi --features bindgen --lib --bin uniffi-bindgen
$CARGO build --quiet --locked -p tingshuo-ffi-testbank -p tingshuo-desktop --bin tingshuo-testbank --bin tingshuo
LIB=target/debug/libtingshuo_ffi.so
BINDGEN=target/debug/uniffi-bindgen
rm -rf "$OUT/kotlin" "$OUT/android" "$OUT/swift" "$OUT/readme"
mkdir -p "$OUT/readme" "$OUT/wav"
"$BINDGEN" generate --no-format --library "$LIB" --language kotlin --out-dir "$OUT/kotlin" >/dev/null
"$BINDGEN" generate --no-format --library "$LIB" --language kotlin \
    --config bindings/uniffi-android.toml --out-dir "$OUT/android" >/dev/null
"$BINDGEN" generate --no-format --library "$LIB" --language swift --out-dir "$OUT/swift" >/dev/null

# The README's examples, exactly as written there.
extract() { # language, output file
    awk -v lang="$1" '$0 == "```" lang {on=1; next} on && $0 == "```" {exit} on {print}' README.md >"$2"
    [ -s "$2" ] || { echo "README.md has no \`\`\`$1 example"; exit 1; }
}
extract kotlin "$OUT/readme/ReadmeExample.kt"
extract swift "$OUT/readme/ReadmeExample.swift"

# A spoken command (espeak-ng through the harness, 22.05 kHz: the listener resamples it).
WAV=$OUT/wav/balance.wav
[ -s "$WAV" ] || ./target/debug/tingshuo say --locale en-US --out "$WAV" "what is my balance" >/dev/null

# --- Kotlin ----------------------------------------------------------------------------------
J=/usr/share/java
CP="$J/jna.jar:$J/junit4.jar:$J/hamcrest-core.jar:$KOTLIN_HOME/lib/kotlinx-coroutines-core-jvm.jar"
# Compiles $2… into $1 unless the same inputs were compiled there before.
compile() {
    local classes=$1; shift
    local stamp
    stamp=$(cat "$@" | sha256sum | cut -d' ' -f1)
    if [ -f "$classes/.stamp" ] && [ "$(cat "$classes/.stamp")" = "$stamp" ]; then
        return 0
    fi
    rm -rf "$classes" && mkdir -p "$classes"
    JAVA_OPTS="-Xmx1g" "$KOTLIN_HOME/bin/kotlinc" -nowarn -cp "$CP" -d "$classes" "$@" 2>&1 \
        | grep -v '^warning:' || true
    [ -n "$(find "$classes" -name '*.class' -print -quit)" ] || { echo "kotlinc failed"; exit 1; }
    echo "$stamp" >"$classes/.stamp"
}
compile "$OUT/classes" $(find "$OUT/kotlin" -name '*.kt') bindings/kotlin/*.kt "$OUT/readme/ReadmeExample.kt" \
    android/sample/src/main/kotlin/org/tingshuo/sample/Conversation.kt
# The sample app (android/sample/) type-checked with the Android flavour: its R and BuildConfig
# as Android's build generates them, the Android and AndroidX classes it calls as Java stubs.
SAMPLE_GENERATED=$OUT/android-sample-generated
rm -rf "$SAMPLE_GENERATED" && mkdir -p "$SAMPLE_GENERATED"
python3 scripts/android-sample-r.py android/sample "$SAMPLE_GENERATED"
compile "$OUT/android-classes" $(find "$OUT/android" -name '*.kt') bindings/kotlin/android-stubs/*.kt \
    $(find bindings/kotlin/android-stubs/sample "$SAMPLE_GENERATED" -name '*.java') \
    android/sample/src/main/kotlin/org/tingshuo/sample/*.kt
echo "Android flavour (android = true) and the sample app: compiled against stubs of the Android classes they name"

java -Xss4m -Djna.library.path=target/debug \
    -Dtingshuo.testbank=target/debug/tingshuo-testbank \
    -Dtingshuo.model="$MODEL" -Dtingshuo.wav="$WAV" \
    -cp "$OUT/classes:$CP:$KOTLIN_HOME/lib/kotlin-stdlib.jar" org.tingshuo.tests.RunTestsKt

# --- Swift, and the Android and iOS packages' sources -------------------------------------------
"$VENV/bin/python" scripts/swift-syntax.py "$OUT/readme/ReadmeExample.swift" bindings/swift/*.swift \
    ios/Package.swift ios/Sample/TingshuoSample/*.swift \
    android/*.kts android/sample/*.kts android/sample/src/main/kotlin/org/tingshuo/sample/*.kt
echo "Swift: bindings and module map generated in $OUT/swift ($(ls "$OUT/swift" | tr '\n' ' '))"
passed=0 failed=0
for script in android/build-rust.sh ios/build-xcframework.sh; do
    if bash -n "$script"; then passed=$((passed + 1)); else failed=$((failed + 1)); fi
done
echo "Package build scripts (bash -n): $passed passed, $failed failed"
[ "$failed" = 0 ]
"$VENV/bin/python" scripts/package-checks.py "$OUT/android"
