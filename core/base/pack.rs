// Packs a text file of the repository for `tingshuo_base::packed` (zlib, best compression)
// into `$OUT_DIR/<name>.zlib`, and has the build run again when the file changes. Included by
// the build scripts that compile texts in (`include!("../base/pack.rs")`).

/// `source` is relative to the crate's manifest directory.
fn pack(source: &str, name: &str) -> Result<(), Box<dyn std::error::Error>> {
    use std::io::Write as _;
    let manifest = std::path::PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?);
    let path = manifest.join(source);
    println!("cargo:rerun-if-changed={}", path.display());
    let text = std::fs::read(&path)?;
    let mut encoder = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(&text)?;
    let out = std::path::PathBuf::from(std::env::var("OUT_DIR")?).join(format!("{name}.zlib"));
    if let Some(folder) = out.parent() {
        std::fs::create_dir_all(folder)?;
    }
    std::fs::write(out, encoder.finish()?)?;
    Ok(())
}
