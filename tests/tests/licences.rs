//! The core ships inside banks' closed-source apps: everything it links must be permissively
//! licensed. This walks the real dependency graph (`cargo metadata`) from the shipped crates.

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.

use std::collections::{BTreeSet, HashMap};
use std::process::Command;

use serde_json::Value;

/// Crates that ship in apps; desktop tools may use more (GPL included), these may not.
const SHIPPED: &[&str] = &["tingshuo-core"];

const PERMISSIVE: &[&str] = &[
    "MIT",
    "MIT-0",
    "Apache-2.0",
    "BSD-2-Clause",
    "BSD-3-Clause",
    "ISC",
    "Zlib",
    "0BSD",
    "CC0-1.0",
    "Unicode-3.0",
    "Unicode-DFS-2016",
    "BSL-1.0",
    "Unlicense",
    "CDLA-Permissive-2.0",
];

/// Evaluates an SPDX expression: true when some choice of alternatives is all permissive.
fn permissive(expression: &str) -> bool {
    let spaced = expression
        .replace('(', " ( ")
        .replace(')', " ) ")
        .replace('/', " OR ");
    let tokens: Vec<&str> = spaced.split_whitespace().collect();
    let mut position = 0;
    let result = parse_or(&tokens, &mut position);
    result && position == tokens.len()
}

fn parse_or(tokens: &[&str], position: &mut usize) -> bool {
    let mut value = parse_and(tokens, position);
    while tokens.get(*position) == Some(&"OR") {
        *position += 1;
        value |= parse_and(tokens, position);
    }
    value
}

fn parse_and(tokens: &[&str], position: &mut usize) -> bool {
    let mut value = parse_term(tokens, position);
    while tokens.get(*position) == Some(&"AND") {
        *position += 1;
        value &= parse_term(tokens, position);
    }
    value
}

fn parse_term(tokens: &[&str], position: &mut usize) -> bool {
    let Some(token) = tokens.get(*position) else {
        return false;
    };
    *position += 1;
    let value = if *token == "(" {
        let inner = parse_or(tokens, position);
        if tokens.get(*position) == Some(&")") {
            *position += 1;
        }
        inner
    } else {
        PERMISSIVE.contains(token)
    };
    if tokens.get(*position) == Some(&"WITH") {
        *position += 2; // An exception only widens what a licence allows.
    }
    value
}

#[test]
fn the_licence_evaluator_itself() {
    assert!(permissive("MIT OR Apache-2.0"));
    assert!(permissive("(MIT OR Apache-2.0) AND Unicode-3.0"));
    assert!(permissive("Apache-2.0 AND ISC"));
    assert!(permissive("MIT/Apache-2.0"));
    assert!(permissive("Apache-2.0 WITH LLVM-exception OR MIT"));
    assert!(!permissive("GPL-3.0-or-later"));
    assert!(!permissive("MIT AND GPL-2.0"));
    assert!(!permissive("(MIT OR GPL-2.0) AND LGPL-2.1"));
    assert!(!permissive(""));
}

#[test]
fn shipped_crates_link_only_permissive_licences() {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--locked",
            "--filter-platform",
        ])
        .arg(host_triple())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let metadata: Value = serde_json::from_slice(&output.stdout).unwrap();

    let packages: HashMap<&str, &Value> = metadata["packages"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["id"].as_str().unwrap(), p))
        .collect();
    let nodes: HashMap<&str, &Value> = metadata["resolve"]["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n))
        .collect();

    let mut stack: Vec<&str> = packages
        .iter()
        .filter(|(_, p)| SHIPPED.contains(&p["name"].as_str().unwrap()))
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(
        stack.len(),
        SHIPPED.len(),
        "every shipped crate is in the workspace"
    );
    let mut seen = BTreeSet::new();
    let mut offenders = Vec::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let package = packages[id];
        let is_workspace = package["source"].is_null();
        let licence = package["license"].as_str().unwrap_or("");
        if !is_workspace && !permissive(licence) {
            offenders.push(format!(
                "{} {}: {licence:?}",
                package["name"], package["version"]
            ));
        }
        for dep in nodes[id]["deps"].as_array().unwrap() {
            // Only what links into the library: normal dependencies, not dev or build ones.
            let linked = dep["dep_kinds"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k["kind"].is_null());
            if linked {
                stack.push(dep["pkg"].as_str().unwrap());
            }
        }
    }
    assert!(seen.len() > 30, "walked {} packages", seen.len());
    assert!(
        offenders.is_empty(),
        "non-permissive dependencies of shipped crates: {offenders:#?}"
    );
}

fn host_triple() -> String {
    let output = Command::new(std::env::var("RUSTC").unwrap_or_else(|_| "rustc".into()))
        .arg("-vV")
        .output()
        .unwrap();
    String::from_utf8(output.stdout)
        .unwrap()
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .unwrap()
}
