"""The largest contributors to a shared library, from its symbols (`nm -C --size-sort`): bytes
of defined symbols grouped by Rust crate (the first path segment of the demangled name, or of
the type in `<T as Trait>`), or as whisper.cpp/ggml, SQLite, C++ library; then the sections
(`size -A`), since symbols do not cover everything (.eh_frame, the dynamic tables)."""

import collections
import re
import subprocess
import sys


def group_of(name):
    if re.search(r"whisper|ggml|gguf", name):
        return "whisper.cpp + ggml (C/C++)"
    if name.startswith("sqlite3") or "sqlite3" in name[:12]:
        return "SQLite (C)"
    m = re.match(r"^<?(?:&(?:mut )?)?(?:dyn )?([A-Za-z_][A-Za-z0-9_]*)::", name)
    if m:
        crate = m.group(1)
        if crate in ("std", "__cxx11", "__gnu_cxx"):
            return "C++ standard library" if crate != "std" or "::__" in name else "std (Rust)"
        return crate
    if name.startswith(("ring_core", "GFp", "ring_")):
        return "ring (C/asm)"
    return "C and C++ without a prefix (SQLite internals, ggml kernels, ring tables)"


def main(path):
    out = subprocess.run(["nm", "-C", "--size-sort", "--print-size", "--defined-only", path],
                         capture_output=True, text=True, check=True).stdout
    totals = collections.Counter()
    for line in out.splitlines():
        parts = line.split(maxsplit=3)
        if len(parts) < 4:
            continue
        totals[group_of(parts[3])] += int(parts[1], 16)
    for group, size in totals.most_common(12):
        print(f"| {group} | {size / 1048576:.2f} MB |")
    sections = subprocess.run(["size", "-A", path], capture_output=True, text=True, check=True).stdout
    print()
    print("Sections over 256 KB:", ", ".join(
        f"{name} {int(size) / 1048576:.2f} MB" for name, size, *_ in
        (l.split() for l in sections.splitlines()[2:] if len(l.split()) >= 2 and l.split()[1].isdigit())
        if int(size) > 262144))


if __name__ == "__main__":
    main(sys.argv[1])
