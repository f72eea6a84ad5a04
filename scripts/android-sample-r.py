"""Writes the R and BuildConfig classes Android's build would generate for the sample app
(android/sample/), so that its sources type-check on the JVM: R.string from its English
strings.xml, BuildConfig from the buildConfigField lines of its build.gradle.kts.

Usage: android-sample-r.py SAMPLE_DIR OUTPUT_DIR"""

import pathlib
import re
import sys
import xml.etree.ElementTree as ElementTree


def main(sample, output):
    sample, output = pathlib.Path(sample), pathlib.Path(output)
    gradle = (sample / "build.gradle.kts").read_text(encoding="utf-8")
    package = re.search(r'^\s*namespace = "([\w.]+)"$', gradle, re.M).group(1)
    strings = ElementTree.parse(sample / "src/main/res/values/strings.xml").getroot()
    names = [item.get("name") for item in strings.iter("string")]
    fields = re.findall(r'buildConfigField\("String", "(\w+)", ', gradle)
    folder = output.joinpath(*package.split("."))
    folder.mkdir(parents=True, exist_ok=True)
    ids = "\n".join(f"        public static final int {name} = {0x7F0F0000 + i};"
                    for i, name in enumerate(names))
    (folder / "R.java").write_text(
        f"package {package};\npublic final class R {{\n    public static final class string {{\n"
        f"{ids}\n    }}\n}}\n", encoding="utf-8")
    values = "\n".join(f'    public static final String {name} = "";' for name in fields)
    (folder / "BuildConfig.java").write_text(
        f"package {package};\npublic final class BuildConfig {{\n{values}\n}}\n", encoding="utf-8")


if __name__ == "__main__":
    main(*sys.argv[1:])
