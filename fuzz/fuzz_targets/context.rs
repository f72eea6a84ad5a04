//! Loading a Rhino-format context (`Context::from_yaml`) from any text: no panic and no hang
//! (its size, nesting and expansion limits hold); a loaded context answers what it is.
#![no_main]

use libfuzzer_sys::fuzz_target;
use tingshuo_understand::Context;
use tingshuo_understand::context::has_free_words;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(context) = Context::from_yaml(text) {
        let _ = context.guess_locale();
        for intent in &context.intents {
            for expression in &intent.expressions {
                let _ = has_free_words(expression);
            }
        }
    }
});
