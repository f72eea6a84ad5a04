//! `uniffi-bindgen` at the library's own uniffi version: `cargo run -p tingshuo-ffi --features
//! bindgen --bin uniffi-bindgen -- generate --library target/debug/libtingshuo_ffi.so
//! --language kotlin --out-dir out`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
