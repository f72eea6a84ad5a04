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

/// Particles that end a Mandarin question ("可以吗", "转了么").
const ZH_QUESTION_ENDINGS: &[&str] = &["吗", "么", "嘛"];
/// A-not-A questions ("对不对", "是不是"): asking, not answering.
const ZH_A_NOT_A: &[&str] = &[
    "对不对",
    "是不是",
    "好不好",
    "行不行",
    "可不可以",
    "可以不可以",
    "能不能",
    "要不要",
];
/// Auxiliaries that open an English question when a subject follows ("is that right", "are
/// you sure"); "do" only before a person ("do you", not the imperative "do it").
const EN_AUXILIARIES: &[&str] = &[
    "is", "are", "was", "were", "am", "does", "did", "can", "could", "will", "would", "should",
    "shall",
];
const EN_SUBJECTS: &[&str] = &[
    "that", "it", "this", "you", "i", "we", "he", "she", "they", "there",
];
const EN_PEOPLE: &[&str] = &["you", "i", "we", "they"];

/// Whether words ask rather than answer: a question mark, a question particle or an A-not-A
/// form in Mandarin, an auxiliary before its subject in English. A question is never a yes.
pub fn is_question(locale: Locale, raw: &str, tokens: &[String]) -> bool {
    if raw.contains(['?', '？']) {
        return true;
    }
    match locale {
        Locale::ZhCn => {
            let text: String = raw
                .chars()
                .filter(|c| {
                    !c.is_whitespace() && !c.is_ascii_punctuation() && !"，。！、".contains(*c)
                })
                .collect();
            ZH_QUESTION_ENDINGS
                .iter()
                .any(|ending| text.ends_with(ending))
                || ZH_A_NOT_A.iter().any(|form| text.contains(form))
        }
        Locale::EnUs => match tokens {
            [first, second, ..] => {
                (EN_AUXILIARIES.contains(&first.as_str()) && EN_SUBJECTS.contains(&second.as_str()))
                    || (first == "do" && EN_PEOPLE.contains(&second.as_str()))
            }
            _ => false,
        },
    }
}

/// The short forms people call someone by this English given name ("Dave" for David, "Bobby"
/// for Bob), lower-case; none for a name not listed.
pub fn diminutives(given: &str) -> &'static [&'static str] {
    const SHORT: &[(&str, &[&str])] = &[
        ("alexander", &["alex"]),
        ("anthony", &["tony"]),
        ("bob", &["bobby"]),
        ("catherine", &["cathy", "kate"]),
        ("charles", &["charlie", "chuck"]),
        ("christopher", &["chris"]),
        ("daniel", &["dan", "danny"]),
        ("david", &["dave", "davey"]),
        ("edward", &["ed", "eddie"]),
        ("elizabeth", &["liz", "beth", "betty"]),
        ("james", &["jim", "jimmy"]),
        ("jennifer", &["jen", "jenny"]),
        ("john", &["johnny", "jack"]),
        ("joseph", &["joe", "joey"]),
        ("margaret", &["maggie", "peggy", "meg"]),
        ("maria", &["mary"]),
        ("matthew", &["matt"]),
        ("michael", &["mike", "mikey"]),
        ("patricia", &["pat", "patty"]),
        ("richard", &["rick", "dick", "richie"]),
        ("robert", &["bob", "bobby", "rob", "robbie"]),
        ("susan", &["sue", "susie"]),
        ("thomas", &["tom", "tommy"]),
        ("william", &["bill", "billy", "will"]),
    ];
    let given = given.to_lowercase();
    SHORT
        .iter()
        .find(|(name, _)| *name == given)
        .map_or(&[], |(_, short)| short)
}
