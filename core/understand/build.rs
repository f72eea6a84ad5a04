//! Packs the texts understanding compiles in (`tingshuo_base::packed`): each locale's banking
//! and answers contexts, and the built-in English intent model (`locales/en-US/
//! intent-model.tsv`, the text the team trains and reviews; as text it was 1.2 MB of every app).

include!("../base/pack.rs");

fn main() -> Result<(), Box<dyn std::error::Error>> {
    pack("../../locales/en-US/intent-model.tsv", "clinc150-en.tsv")?;
    for locale in ["zh-CN", "en-US"] {
        for context in ["banking", "answers"] {
            pack(
                &format!("../../locales/{locale}/{context}.yaml"),
                &format!("{locale}/{context}.yaml"),
            )?;
        }
    }
    Ok(())
}
