//! `tingshuo models` as a tester runs it, against an empty cache (installing is covered in
//! core against a loopback index; the real models by `make models`).

#![allow(clippy::unwrap_used)] // Tests fail loudly on any unexpected error.

use std::path::Path;
use std::process::{Command, Output};

fn tingshuo(cache: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tingshuo"))
        .env("XDG_CACHE_HOME", cache)
        .args(args)
        .output()
        .expect("tingshuo runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).unwrap()
}

#[test]
fn list_and_path_with_nothing_installed() {
    let cache = tempfile::tempdir().unwrap();
    let list = tingshuo(cache.path(), &["models", "list"]);
    assert!(list.status.success(), "{}", text(&list.stderr));
    let models_dir = cache.path().join("tingshuo").join("models");
    assert_eq!(
        text(&list.stdout),
        format!(
            "tiny.en, English only, 16-bit weights, 77.7 MB, not installed (downloads 70.7 MB): {}\n\
             base, multilingual, 16-bit weights, 148.0 MB, not installed (downloads 133.3 MB): {}\n\
             base-q8_0, multilingual, 8-bit weights, 81.8 MB, not installed (downloads 133.3 MB): {}\n",
            models_dir.join("ggml-tiny.en.bin").display(),
            models_dir.join("ggml-base.bin").display(),
            models_dir.join("ggml-base-q8_0.bin").display()
        )
    );

    let path = tingshuo(cache.path(), &["models", "path", "base"]);
    assert!(!path.status.success());
    assert!(path.stdout.is_empty());
    assert!(
        text(&path.stderr).contains("base is not installed; run: tingshuo models install base"),
        "{}",
        text(&path.stderr)
    );
}

#[test]
fn unknown_models_are_refused_with_the_known_ones() {
    let cache = tempfile::tempdir().unwrap();
    let install = tingshuo(cache.path(), &["models", "install", "tiny.en", "large"]);
    assert!(!install.status.success());
    let stderr = text(&install.stderr);
    assert!(
        stderr.contains("tiny.en") && stderr.contains("base"),
        "{stderr}"
    );
    assert!(
        !cache.path().join("tingshuo").exists(),
        "nothing was fetched"
    );
}
