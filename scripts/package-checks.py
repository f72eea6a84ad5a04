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


def android_strings(path):
    """The names and texts of a strings.xml, or None when it is not well-formed."""
    try:
        resources = ElementTree.fromstring(read(path))
    except ElementTree.ParseError:
        return None
    return {item.get("name"): (item.text or "").strip() for item in resources.iter("string")}


def apple_strings(path):
    """The keys and texts of a .strings file ("key" = "text"; lines, /* comments */), or None
    when a line is neither."""
    found = {}
    text = re.sub(r"/\*.*?\*/", "", read(path), flags=re.S)
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        pair = re.fullmatch(r'"((?:[^"\\]|\\.)*)"\s*=\s*"((?:[^"\\]|\\.)*)";', line)
        if pair is None:
            return None
        found[pair.group(1)] = pair.group(2)
    return found


def same_texts(english, chinese):
    """Whether two languages' tables name the same texts, none empty; and what differs."""
    ok = english is not None and chinese is not None and bool(english) \
        and english.keys() == chinese.keys() and all(english.values()) and all(chinese.values())
    if english is None or chinese is None:
        return ok, "unreadable"
    return ok, (f"only English: {sorted(english.keys() - chinese.keys())}, "
                f"only Chinese: {sorted(chinese.keys() - english.keys())}")


def sample_checks():
    """The sample apps (android/sample/, ios/Sample/): well-formed, both languages complete,
    every Android label the code names defined, and the library module included as an app
    includes it."""
    sample = "android/sample"
    for xml in ("src/main/AndroidManifest.xml", "src/main/res/xml/network_security_config.xml"):
        try:
            ElementTree.fromstring(read(f"{sample}/{xml}"))
            ok = True
        except ElementTree.ParseError as error:
            ok, xml = False, f"{xml}: {error}"
        yield (f"{sample}/{xml} is well-formed", ok, xml)
    english = android_strings(f"{sample}/src/main/res/values/strings.xml")
    chinese = android_strings(f"{sample}/src/main/res/values-zh-rCN/strings.xml")
    yield ("the Android sample's labels: well-formed, the same names in English and Chinese, none empty",
           *same_texts(english, chinese))
    english = english or {}
    named = set()
    for kotlin in (ROOT / sample).rglob("*.kt"):
        named |= set(re.findall(r"\bR\.string\.(\w+)", kotlin.read_text(encoding="utf-8")))
    named |= set(re.findall(r"@string/(\w+)", read(f"{sample}/src/main/AndroidManifest.xml")))
    yield ("every label the Android sample names is defined", bool(named) and named <= english.keys(),
           f"undefined: {sorted(named - english.keys())}")
    for table in ("Localizable.strings", "InfoPlist.strings"):
        english = apple_strings(f"ios/Sample/TingshuoSample/en.lproj/{table}")
        chinese = apple_strings(f"ios/Sample/TingshuoSample/zh-Hans.lproj/{table}")
        yield (f"the iOS sample's {table}: well-formed, the same keys in English and Chinese, none empty",
               *same_texts(english, chinese))
    settings = read(f"{sample}/settings.gradle.kts")
    yield ("the Android sample includes the library module by path, as an app does",
           'include(":tingshuo")' in settings
           and 'project(":tingshuo").projectDir = file("..")' in settings
           and 'implementation(project(":tingshuo"))' in read(f"{sample}/build.gradle.kts"),
           "settings.gradle.kts")


def main(args):
    passed = failed = 0
    for what, ok, detail in [*checks(args[0]), *sample_checks()]:
        if ok:
            passed += 1
        else:
            failed += 1
            print(f"FAILED: {what} ({detail})")
    print(f"Packages (android/, ios/ against the bindings crate): {passed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
