"""What can be checked here of the Android and iOS packages (android/, ios/) without an Android
SDK, Gradle or Swift toolchain: that they agree with the bindings crate and its generated code.

Usage: package-checks.py GENERATED_ANDROID_KOTLIN_DIR
Prints each failure and `Packages: N passed, N failed`."""

import pathlib
import re
import sys
import tomllib
import xml.etree.ElementTree as ElementTree

ROOT = pathlib.Path(__file__).resolve().parent.parent


def read(path):
    return (ROOT / path).read_text(encoding="utf-8")


def checks(android_generated):
    crate = tomllib.loads(read("bindings/Cargo.toml"))
    config = tomllib.loads(read("bindings/uniffi.toml"))
    rules = read("android/consumer-rules.pro")
    gradle = read("android/build.gradle.kts")
    android_script = read("android/build-rust.sh")
    ios_script = read("ios/build-xcframework.sh")
    package_swift = read("ios/Package.swift")

    packages = set()
    for kotlin in pathlib.Path(android_generated).rglob("*.kt"):
        found = re.search(r"^package ([\w.]+)$", kotlin.read_text(encoding="utf-8"), re.M)
        if found:
            packages.add(found.group(1))
    kept = set(re.findall(r"^-keep class ([\w.]+)\.\*\* \{ \*; \}$", rules, re.M))
    yield ("the Android flavour's generated package is kept by consumer-rules.pro",
           bool(packages) and packages <= kept, f"generated {sorted(packages)}, kept {sorted(kept)}")
    yield ("consumer-rules.pro keeps JNA", "com.sun.jna" in kept, f"kept {sorted(kept)}")
    yield ("build.gradle.kts ships consumer-rules.pro",
           'consumerProguardFiles("consumer-rules.pro")' in gradle, "no consumerProguardFiles")

    try:
        manifest = ElementTree.fromstring(read("android/src/main/AndroidManifest.xml"))
        manifest_ok = manifest.tag == "manifest" and "package" not in manifest.attrib
    except ElementTree.ParseError:
        manifest_ok = False
    yield ("AndroidManifest.xml is well-formed, its package left to the Gradle namespace",
           manifest_ok and re.search(r'^\s*namespace = "[\w.]+"$', gradle, re.M) is not None,
           "AndroidManifest.xml")

    jna = re.search(r'"net\.java\.dev\.jna:jna:(\d+)\.(\d+)\.(\d+)@aar"', gradle)
    yield ("JNA is an AAR at 5.17 or later (16 KB pages)",
           bool(jna) and tuple(map(int, jna.groups())) >= (5, 17, 0), "JNA version")

    features = set(crate["features"])
    for name, script in (("android/build-rust.sh", android_script),
                         ("ios/build-xcframework.sh", ios_script)):
        wanted = re.search(r"^FEATURES=([\w,-]+)$", script, re.M)
        named = set(wanted.group(1).split(",")) if wanted else set()
        yield (f"{name} builds features the crate has, without speak",
               bool(named) and named <= features and "speak" not in named,
               f"{sorted(named)} against {sorted(features)}")
        yield (f"{name} builds the crate's library, not its defaults",
               f"-p {crate['package']['name']} --lib" in script
               and "--no-default-features" in script, "cargo arguments")
    yield ("android/build-rust.sh builds Mozilla's roots in (its platform verifier needs JNI set-up)",
           "bundled-roots" in (re.search(r"^FEATURES=([\w,-]+)$", android_script, re.M) or [""])[0],
           "bundled-roots")
    yield ("android/build-rust.sh generates the Android flavour",
           "--config bindings/uniffi-android.toml" in android_script
           and (ROOT / "bindings/uniffi-android.toml").is_file(), "--config")
    library = crate["lib"]["name"]
    yield ("the scripts use the crate's library name",
           f"lib{library}.so" in android_script and f"lib{library}.a" in ios_script, library)

    swift = config["bindings"]["swift"]
    yield ("Package.swift's target is the Swift module uniffi.toml names",
           f'.target(\n            name: "{swift["module_name"]}"' in package_swift,
           swift["module_name"])
    yield ("Package.swift's binary target is the XCFramework the script writes",
           re.search(r'\.binaryTarget\(name: "(\w+)", path: "\1\.xcframework"\)', package_swift)
           is not None
           and re.search(r'binaryTarget\(name: "(\w+)"', package_swift).group(1) + ".xcframework"
           in ios_script, "binaryTarget")
    yield ("Package.swift links Accelerate and libc++",
           '.linkedFramework("Accelerate")' in package_swift
           and '.linkedLibrary("c++")' in package_swift, "linkerSettings")


def main(args):
    passed = failed = 0
    for what, ok, detail in checks(args[0]):
        if ok:
            passed += 1
        else:
            failed += 1
            print(f"FAILED: {what} ({detail})")
    print(f"Packages (android/, ios/ against the bindings crate): {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
