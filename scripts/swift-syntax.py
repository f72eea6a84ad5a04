"""Parses Swift files with tree-sitter-swift and fails on any syntax error (an ERROR or a
MISSING node), printing where. No Swift toolchain reaches this machine: this checks syntax
only, not types."""

import sys

import tree_sitter
import tree_sitter_swift


def problems(node, found):
    if node.is_error or node.is_missing:
        row, column = node.start_point
        found.append(f"{row + 1}:{column + 1} {'missing ' + node.type if node.is_missing else 'syntax error'}")
        return found
    for child in node.children:
        problems(child, found)
    return found


def main(paths):
    parser = tree_sitter.Parser(tree_sitter.Language(tree_sitter_swift.language()))
    failed = 0
    for path in paths:
        with open(path, "rb") as source:
            tree = parser.parse(source.read())
        found = problems(tree.root_node, [])
        if found:
            failed += 1
            for problem in found[:10]:
                print(f"{path}:{problem}")
    print(f"Swift syntax (tree-sitter-swift): {len(paths) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
