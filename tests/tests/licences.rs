//! The core ships inside banks' closed-source apps: everything it links must be permissively
//! licensed. This walks the real dependency graph (`cargo metadata`) from the shipped crates.
//! One named exception: uniffi (MPL-2.0, weak copyleft per file), linked unmodified by the
//! bindings only (`docs/decisions/0037-uniffi-mpl-linked-unmodified.md`).

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

/// Crates that ship in apps; desktop tools may use more (GPL included), these may not.
const SHIPPED: &[&str] = &["tingshuo-core", "tingshuo-ffi"];

/// MPL-2.0 crates the bindings (`tingshuo-ffi`) may link, only as published on crates.io:
/// uniffi's runtime and macros, and its generator behind the bindings' `bindgen` feature (the
/// `uniffi-bindgen` tool, which the widest walk below includes). The MPL's copyleft is per
/// file: a closed app may link these files unmodified, with their source offered (it is, on
/// crates.io) and their notices kept. A modified copy (a `[patch]`, a path or git source) is
/// not allowed, nor any of them under the core itself.
const MPL_UNMODIFIED: &[&str] = &[
    "uniffi",
    "uniffi_core",
    "uniffi_macros",
    "uniffi_meta",
    "uniffi_internal_macros",
    "uniffi_bindgen",
    "uniffi_pipeline",
    "uniffi_udl",
];

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

/// The platforms the core ships on as a library inside banks' apps: everything linked there
/// must be permissive, with no exception.
const MOBILE_TARGETS: &[&str] = &["aarch64-linux-android", "aarch64-apple-ios"];

/// The Linux desktop build (the harness, and a Linux host embedding the core).
const LINUX_DESKTOP_TARGET: &str = "x86_64-unknown-linux-gnu";

/// Allowed in the Linux desktop build only. With the `speak` feature, the `tts` crate speaks
/// through speech-dispatcher on Linux, and these bindings link the system's libspeechd
/// (LGPL-2.1-or-later) dynamically: a shared library of the distribution that the user can
/// replace, which the LGPL permits. The crates themselves are offered as "LGPL-2.1 OR MIT OR
/// Apache-2.0"; the system library they link is LGPL only, which crate metadata cannot say,
/// so they are named here. They exist only under `cfg(target_os = "linux")`: the Android and
/// iOS libraries use the platform engines and never contain them (checked below).
const LINUX_DESKTOP_ONLY_LGPL: &[&str] = &["speech-dispatcher", "speech-dispatcher-sys"];

/// A package linked into the shipped crates on one platform.
#[derive(Debug)]
struct Linked {
    name: String,
    version: String,
    licence: String,
    is_workspace: bool,
    from_crates_io: bool,
}

/// Walks the real dependency graph (`cargo metadata`) of the shipped crates, with every
/// feature on (the widest library a host can build), as resolved for `target`.
fn linked_on(target: &str) -> Vec<Linked> {
    linked_from(target, SHIPPED)
}

/// The same walk from some of the shipped crates.
fn linked_from(target: &str, roots: &[&str]) -> Vec<Linked> {
    let metadata: Value = serde_json::from_str(&tingshuo_tests::cargo_output(&[
        "metadata",
        "--format-version",
        "1",
        "--locked",
        "--all-features",
        "--filter-platform",
        target,
    ]))
    .unwrap();

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
        .filter(|(_, p)| roots.contains(&p["name"].as_str().unwrap()))
        .map(|(id, _)| *id)
        .collect();
    assert_eq!(
        stack.len(),
        roots.len(),
        "every shipped crate is in the workspace"
    );
    let mut seen = BTreeSet::new();
    let mut linked = Vec::new();
    while let Some(id) = stack.pop() {
        if !seen.insert(id) {
            continue;
        }
        let package = packages[id];
        linked.push(Linked {
            name: package["name"].as_str().unwrap().to_owned(),
            version: package["version"].as_str().unwrap().to_owned(),
            licence: package["license"].as_str().unwrap_or("").to_owned(),
            is_workspace: package["source"].is_null(),
            from_crates_io: package["source"].as_str()
                == Some("registry+https://github.com/rust-lang/crates.io-index"),
        });
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
    assert!(linked.len() > 30, "walked {} packages", linked.len());
    linked
}

fn offenders(linked: &[Linked], allowed: &[&str]) -> Vec<String> {
    let unmodified_mpl = |p: &Linked| {
        MPL_UNMODIFIED.contains(&p.name.as_str()) && p.licence == "MPL-2.0" && p.from_crates_io
    };
    linked
        .iter()
        .filter(|p| !p.is_workspace && !permissive(&p.licence))
        .filter(|p| !allowed.contains(&p.name.as_str()) && !unmodified_mpl(p))
        .map(|p| format!("{} {}: {:?}", p.name, p.version, p.licence))
        .collect()
}

#[test]
fn shipped_crates_link_only_permissive_licences_on_android_and_ios() {
    for target in MOBILE_TARGETS {
        let linked = linked_on(target);
        let offenders = offenders(&linked, &[]);
        assert!(
            offenders.is_empty(),
            "non-permissive dependencies of shipped crates on {target}: {offenders:#?}"
        );
        let desktop_only: Vec<&str> = linked
            .iter()
            .map(|p| p.name.as_str())
            .filter(|name| LINUX_DESKTOP_ONLY_LGPL.contains(name))
            .collect();
        assert!(
            desktop_only.is_empty(),
            "Linux-only LGPL bindings in the {target} library: {desktop_only:?}"
        );
        // The speaker is there, over the platform's own engine.
        assert!(
            linked.iter().any(|p| p.name == "tts"),
            "the tts crate is not in the {target} graph"
        );
    }
}

#[test]
fn the_linux_desktop_build_allows_only_the_named_speech_dispatcher_bindings() {
    let linked = linked_on(LINUX_DESKTOP_TARGET);
    let offenders = offenders(&linked, LINUX_DESKTOP_ONLY_LGPL);
    assert!(
        offenders.is_empty(),
        "non-permissive dependencies of shipped crates on {LINUX_DESKTOP_TARGET}: {offenders:#?}"
    );
    // Each exception is still needed; one that no longer is should leave the list.
    for name in LINUX_DESKTOP_ONLY_LGPL {
        assert!(
            linked.iter().any(|p| p.name == *name),
            "{name} is no longer linked on Linux: remove it from LINUX_DESKTOP_ONLY_LGPL"
        );
    }
}

#[test]
fn uniffi_is_the_only_mpl_and_only_under_the_bindings() {
    for target in MOBILE_TARGETS {
        // The core alone (a bank that writes its own bindings) links nothing but permissive
        // licences, uniffi included.
        let core = linked_from(target, &["tingshuo-core"]);
        let mpl: Vec<&str> = core
            .iter()
            .filter(|p| p.licence.contains("MPL"))
            .map(|p| p.name.as_str())
            .collect();
        assert!(
            mpl.is_empty(),
            "MPL under tingshuo-core on {target}: {mpl:?}"
        );
        // The bindings link uniffi, unmodified from crates.io; each exception is still needed.
        let bindings = linked_from(target, &["tingshuo-ffi"]);
        for name in MPL_UNMODIFIED {
            let found = bindings.iter().find(|p| p.name == *name);
            assert!(
                found.is_some_and(|p| p.from_crates_io && p.licence == "MPL-2.0"),
                "{name} on {target}: {:?} (remove it from MPL_UNMODIFIED if no longer linked)",
                found.map(|p| (&p.version, &p.licence, p.from_crates_io))
            );
        }
    }
}
