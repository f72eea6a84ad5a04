//! No module of a workspace crate imports from a module that (directly or through others)
//! imports it. Dependencies inside a crate point one way, so a newcomer can read a crate from
//! its leaves up and any module can be tested, or moved to its own crate, with only what it
//! depends on. The compiler allows cycles; this test does not.

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.

use std::fmt::Write;
use std::fs;
use std::path::{Path, PathBuf};

use tingshuo_tests::module_graph::ModuleGraph;

/// Fewer modules than this means the walk missed the crates, not that they are small.
const MIN_MODULES: usize = 40;

/// The root file of every library crate in the workspace; the `core/*` crates are found at run
/// time so a new one is checked without editing this test.
fn library_roots() -> Vec<PathBuf> {
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut roots: Vec<PathBuf> = fs::read_dir(workspace.join("core"))
        .unwrap()
        .map(|entry| entry.unwrap().path().join("src/lib.rs"))
        .filter(|root| root.is_file())
        .collect();
    roots.sort();
    assert!(!roots.is_empty(), "no crate under core/");
    for crate_dir in ["sandbox", "desktop", "tests"] {
        let root = workspace.join(crate_dir).join("src/lib.rs");
        assert!(root.is_file(), "{} is missing", root.display());
        roots.push(root);
    }
    roots
}

#[test]
fn no_crate_has_a_module_import_cycle() {
    let mut report = String::new();
    let mut modules = 0;
    for root in library_roots() {
        let graph = ModuleGraph::load(&root).unwrap_or_else(|e| panic!("{e}"));
        modules += graph.modules.len();
        for cycle in graph.cycles() {
            writeln!(report, "{}: {}", root.display(), cycle.join(", ")).unwrap();
            for (from, to, via) in graph.edges_among(&cycle) {
                writeln!(report, "    {from} -> {to}  (`{via}`)").unwrap();
            }
        }
    }
    assert!(
        modules > MIN_MODULES,
        "only {modules} modules found in the workspace"
    );
    assert!(report.is_empty(), "module import cycles:\n{report}");
}
