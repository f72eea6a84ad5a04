//! The crates' layers, checked on the real dependency graph (`cargo metadata`, `cargo tree`):
//! dependencies point one way, pure crates stay free of I/O, the reference bank shares only the
//! base with the client, and a library built without `voice` links no whisper.cpp.
//!
//! The layer diagram in `docs/ARCHITECTURE.md` is [`ALLOWED`] written as prose; a crate that
//! reaches past its layer fails here, not in a review.

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.

use std::collections::{BTreeMap, BTreeSet};

use serde_json::Value;

/// Every workspace crate and the workspace crates it may depend on directly (normal
/// dependencies; tests may use more).
const ALLOWED: &[(&str, &[&str])] = &[
    ("tingshuo-base", &[]),
    ("tingshuo-l10n", &["tingshuo-base"]),
    ("tingshuo-understand", &["tingshuo-base"]),
    (
        "tingshuo-dialogue",
        &["tingshuo-base", "tingshuo-l10n", "tingshuo-understand"],
    ),
    ("tingshuo-data", &["tingshuo-base"]),
    (
        "tingshuo-listen",
        &["tingshuo-base", "tingshuo-l10n", "tingshuo-understand"],
    ),
    ("tingshuo-speak", &["tingshuo-l10n"]),
    (
        "tingshuo-assistant",
        &[
            "tingshuo-base",
            "tingshuo-data",
            "tingshuo-dialogue",
            "tingshuo-l10n",
            // Optional, behind `voice`: a turn of recorded speech.
            "tingshuo-listen",
            "tingshuo-understand",
        ],
    ),
    (
        "tingshuo-core",
        &[
            "tingshuo-assistant",
            "tingshuo-base",
            "tingshuo-data",
            "tingshuo-dialogue",
            "tingshuo-l10n",
            "tingshuo-listen",
            "tingshuo-speak",
            "tingshuo-understand",
        ],
    ),
    // The bindings a bank's app links (Kotlin, Swift): the facade alone.
    ("tingshuo-ffi", &["tingshuo-core"]),
    // The reference bank as a process for the bindings' JVM tests.
    ("tingshuo-ffi-testbank", &["tingshuo-sandbox"]),
    ("tingshuo-models", &["tingshuo-listen"]),
    ("tingshuo-sandbox", &["tingshuo-base"]),
    (
        "tingshuo-desktop",
        &["tingshuo-core", "tingshuo-models", "tingshuo-sandbox"],
    ),
    (
        "tingshuo-tests",
        &[
            "tingshuo-core",
            "tingshuo-desktop",
            "tingshuo-models",
            "tingshuo-sandbox",
        ],
    ),
];

/// Crates with no I/O: logic tested fast and exhaustively, without a disk, network or device.
const PURE: &[&str] = &[
    "tingshuo-base",
    "tingshuo-l10n",
    "tingshuo-understand",
    "tingshuo-dialogue",
];

/// Crates that reach a disk through a database, the network, an audio device, a speech engine
/// or native inference. None may appear under a pure crate.
const IO_CRATES: &[&str] = &[
    "tokio",
    "mio",
    "socket2",
    "hyper",
    "reqwest",
    "axum",
    "rustls",
    "sqlx",
    "sqlx-core",
    "sqlx-sqlite",
    "libsqlite3-sys",
    "whisper-rs",
    "whisper-rs-sys",
    "tts",
    "speech-dispatcher",
    "cpal",
    "alsa",
    "hound",
    "zip",
];

/// The workspace's dependency graph: package names and their normal (linked) dependencies.
struct Graph {
    members: BTreeSet<String>,
    normal_deps: BTreeMap<String, BTreeSet<String>>,
}

impl Graph {
    fn load() -> Graph {
        let metadata: Value = serde_json::from_str(&tingshuo_tests::cargo_output(&[
            "metadata",
            "--format-version",
            "1",
            "--locked",
        ]))
        .unwrap();
        let name_of: BTreeMap<&str, &str> = metadata["packages"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| (p["id"].as_str().unwrap(), p["name"].as_str().unwrap()))
            .collect();
        let members = metadata["workspace_members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|id| name_of[id.as_str().unwrap()].to_owned())
            .collect();
        let mut normal_deps: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for node in metadata["resolve"]["nodes"].as_array().unwrap() {
            let deps = node["deps"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|dep| {
                    dep["dep_kinds"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|kind| kind["kind"].is_null())
                })
                .map(|dep| name_of[dep["pkg"].as_str().unwrap()].to_owned());
            normal_deps
                .entry(name_of[node["id"].as_str().unwrap()].to_owned())
                .or_default()
                .extend(deps);
        }
        Graph {
            members,
            normal_deps,
        }
    }

    /// Everything `name` links, itself excluded (a walk with a stack: no recursion).
    fn closure(&self, name: &str) -> BTreeSet<String> {
        let mut seen = BTreeSet::new();
        let mut stack: Vec<&str> = vec![name];
        while let Some(next) = stack.pop() {
            for dep in self.normal_deps.get(next).into_iter().flatten() {
                if seen.insert(dep.clone()) {
                    stack.push(dep);
                }
            }
        }
        seen
    }
}

#[test]
fn every_crate_depends_only_on_the_layers_below_it() {
    let graph = Graph::load();
    let listed: BTreeSet<String> = ALLOWED.iter().map(|(name, _)| (*name).to_owned()).collect();
    assert_eq!(
        graph.members, listed,
        "every workspace crate has its place in ALLOWED (and in docs/ARCHITECTURE.md)"
    );
    for (name, allowed) in ALLOWED {
        let workspace_deps: BTreeSet<&str> = graph.normal_deps[*name]
            .iter()
            .filter(|dep| graph.members.contains(*dep))
            .map(String::as_str)
            .collect();
        let beyond: Vec<&&str> = workspace_deps
            .iter()
            .filter(|dep| !allowed.contains(dep))
            .collect();
        assert!(
            beyond.is_empty(),
            "{name} reaches past its layer: {beyond:?}"
        );
    }
}

#[test]
fn pure_crates_link_no_io() {
    let graph = Graph::load();
    for name in PURE {
        let linked = graph.closure(name);
        let io: Vec<&String> = linked
            .iter()
            .filter(|dep| IO_CRATES.contains(&dep.as_str()))
            .collect();
        assert!(io.is_empty(), "{name} links I/O crates: {io:?}");
    }
    // The check can fail: the data layer is not pure and is seen not to be.
    let data = graph.closure("tingshuo-data");
    assert!(
        data.contains("sqlx") && data.contains("reqwest"),
        "{data:?}"
    );
}

#[test]
fn the_reference_bank_shares_only_the_base_with_the_client() {
    let graph = Graph::load();
    let ours: BTreeSet<String> = graph
        .closure("tingshuo-sandbox")
        .into_iter()
        .filter(|dep| graph.members.contains(dep))
        .collect();
    assert_eq!(ours, BTreeSet::from(["tingshuo-base".to_owned()]));
}

#[test]
fn the_library_never_links_the_model_installer() {
    let graph = Graph::load();
    let linked = graph.closure("tingshuo-core");
    for tool in ["tingshuo-models", "zip", "indicatif", "tingshuo-sandbox"] {
        assert!(!linked.contains(tool), "tingshuo-core links {tool}");
    }
}

/// The packages `cargo tree` resolves for the facade alone with these feature flags: cargo
/// metadata unifies features across the workspace (the harness wants voice), cargo tree does not.
fn facade_packages(feature_flags: &[&str]) -> BTreeSet<String> {
    packages_of("tingshuo-core", feature_flags)
}

fn packages_of(package: &str, feature_flags: &[&str]) -> BTreeSet<String> {
    let mut args = vec!["tree", "--locked", "-p", package, "-e", "normal"];
    args.extend(feature_flags);
    args.extend(["--prefix", "none", "--format", "{p}"]);
    tingshuo_tests::cargo_output(&args)
        .lines()
        .filter_map(|line| line.split_whitespace().next())
        .map(str::to_owned)
        .collect()
}

#[test]
fn each_feature_leaves_out_what_it_says() {
    let bare = facade_packages(&["--no-default-features"]);
    assert!(bare.contains("tingshuo-data"), "{bare:?}");
    // Without `voice`, no whisper.cpp; without `speak`, no speech engine; without `http`, no
    // HTTP stack (a bank carrying requests with its own networking).
    for name in [
        "whisper-rs",
        "whisper-rs-sys",
        "tingshuo-listen",
        "tts",
        "reqwest",
        "hyper",
    ] {
        assert!(!bare.contains(name), "{name} is linked without its feature");
    }
    // The features do what they say: with them on, each is there.
    let full = facade_packages(&["--no-default-features", "--features", "voice,speak,http"]);
    for name in ["whisper-rs-sys", "tts", "reqwest"] {
        assert!(full.contains(name), "{name} missing with voice,speak,http");
    }
}

#[test]
fn the_mobile_bindings_link_no_speech_engine_tool_or_generator() {
    // The default (mobile) bindings: the facade with `http` and `voice`, no `speak` (the host
    // speaks), nothing of the harness's tools, the reference bank or uniffi's generator.
    let mobile = packages_of("tingshuo-ffi", &[]);
    assert!(
        mobile.contains("tingshuo-core") && mobile.contains("whisper-rs-sys"),
        "{mobile:?}"
    );
    for name in [
        "tts",
        "tingshuo-speak",
        "tingshuo-sandbox",
        "tingshuo-models",
        "uniffi_bindgen",
    ] {
        assert!(!mobile.contains(name), "the mobile bindings link {name}");
    }
    // Without `voice`, no whisper.cpp in the bindings either.
    let no_voice = packages_of(
        "tingshuo-ffi",
        &["--no-default-features", "--features", "http"],
    );
    assert!(!no_voice.contains("whisper-rs-sys"), "{no_voice:?}");
    assert!(no_voice.contains("reqwest"), "{no_voice:?}");
}
