//! Packs each locale's `.ftl` files (`tingshuo_base::packed`), the files `src/lib.rs` lists.

include!("../base/pack.rs");

const FILES: [&str; 5] = [
    "common.ftl",
    "view.ftl",
    "dialogue.ftl",
    "consent.ftl",
    "harness.ftl",
];

fn main() -> Result<(), Box<dyn std::error::Error>> {
    for locale in ["zh-CN", "en-US"] {
        for file in FILES {
            pack(
                &format!("../../locales/{locale}/{file}"),
                &format!("{locale}/{file}"),
            )?;
        }
    }
    Ok(())
}
