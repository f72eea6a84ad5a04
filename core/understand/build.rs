//! Compresses the built-in intent model (`locales/en-US/intent-model.tsv`, the text the team
//! trains and reviews) for the library: compiled in as text it was 1.2 MB of every app.

use std::io::Write;
use std::path::PathBuf;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let model = manifest.join("../../locales/en-US/intent-model.tsv");
    println!("cargo:rerun-if-changed={}", model.display());
    let text = std::fs::read(&model)?;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&text)?;
    let out = PathBuf::from(std::env::var("OUT_DIR")?).join("clinc150-en.tsv.zlib");
    std::fs::write(out, encoder.finish()?)?;
    Ok(())
}
