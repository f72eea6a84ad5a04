"""Parses Swift files with tree-sitter-swift, and Kotlin (.kt, .kts) with tree-sitter-kotlin,
and fails on any syntax error (an ERROR or a MISSING node), printing where. No Swift toolchain,
Android SDK or Gradle reaches this machine: this checks syntax only, not types."""

import sys

import tree_sitter
import tree_sitter_kotlin
import tree_sitter_swift

GRAMMARS = {
    ".swift": ("Swift", "tree-sitter-swift", tree_sitter_swift),
    ".kt": ("Kotlin", "tree-sitter-kotlin", tree_sitter_kotlin),
    ".kts": ("Kotlin", "tree-sitter-kotlin", tree_sitter_kotlin),
}


def problems(node, found):
    if node.is_error or node.is_missing:
        row, column = node.start_point
        found.append(f"{row + 1}:{column + 1} {'missing ' + node.type if node.is_missing else 'syntax error'}")
        return found
    for child in node.children:
        problems(child, found)
    return found


def grammar(path):
    for suffix, found in GRAMMARS.items():
        if path.endswith(suffix):
            return found
    raise SystemExit(f"{path}: neither Swift nor Kotlin")


def main(paths):
    counts = {}  # (language, grammar) -> [passed, failed], in the order first met
    for path in paths:
        language, name, module = grammar(path)
        parser = tree_sitter.Parser(tree_sitter.Language(module.language()))
        with open(path, "rb") as source:
            tree = parser.parse(source.read())
        found = problems(tree.root_node, [])
        tally = counts.setdefault((language, name), [0, 0])
        tally[1 if found else 0] += 1
        for problem in found[:10]:
            print(f"{path}:{problem}")
    for (language, name), (passed, failed) in counts.items():
        print(f"{language} syntax ({name}): {passed} passed, {failed} failed")
    return 1 if any(failed for _, failed in counts.values()) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
