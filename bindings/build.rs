//! Link settings of the app's shared library: relocations packed, which took half a megabyte
//! of the library unpacked.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    match std::env::var("CARGO_CFG_TARGET_OS")
        .unwrap_or_default()
        .as_str()
    {
        // Android's own packing, which its loader reads from API 23 (android/build-rust.sh
        // builds for API 26; the standard RELR tags need API 30).
        "android" => println!("cargo:rustc-cdylib-link-arg=-Wl,--pack-dyn-relocs=android"),
        // The standard RELR tags: glibc 2.36 and later (the JVM tests, the size measurement).
        "linux" => println!("cargo:rustc-cdylib-link-arg=-Wl,-z,pack-relative-relocs"),
        _ => {}
    }
}
