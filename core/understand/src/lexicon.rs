//! Words understanding treats specially, per locale.

use tingshuo_base::locale::Locale;

/// Words that carry little meaning in a command: passing over them costs little. Negations
/// are never light ("不要转" is not "转").
pub fn light_words(locale: Locale) -> &'static [&'static str] {
    const ZH: &[&str] = &[
        "帮", "我", "请", "的", "了", "吧", "嘛", "呢", "吗", "下", "个", "那", "这", "把", "就",
        "先", "想", "要", "你", "一", "些", "能", "可", "以", "还", "都", "们", "家", "啥", "麻",
        "烦", "谢", "问", "是",
    ];
    const EN: &[&str] = &[
        "the", "a", "an", "my", "me", "i", "please", "to", "for", "of", "can", "could", "would",
        "you", "just", "now", "right", "thanks", "thank", "hi", "hello", "okay", "ok", "so",
        "well", "oh", "hey", "is", "it", "that", "this", "in", "on", "at", "some", "kindly",
        "dear", "and",
    ];
    match locale {
        Locale::ZhCn => ZH,
        Locale::EnUs => EN,
    }
}

pub fn is_light(locale: Locale, token: &str) -> bool {
    light_words(locale).contains(&token)
}
