//! A statistical second opinion for questions the context's expressions do not cover.
//!
//! Expressions are precise but people ask in endless ways ("is there enough in my savings to
//! get a new tv" is a balance question). When no expression matches, a multinomial logistic
//! regression over words, word pairs and the letter sequences inside words, trained on real
//! human-written queries, may still name the intent — never its slots, which the dialogue then
//! asks for one at a time. Letter sequences let it recognize a word it never saw whole
//! ("deposits" from "deposit", a misspelling, a bank's name). It learns what is *not* banking
//! as a class of its own ("none": every other topic people asked about), weighted so that the
//! many "none" examples do not drown the few of each intent, and names an intent only when
//! it is clearly the most likely class, and only for an utterance about the speaker.
//!
//! A yes or a no is never taken from it: consent must be said plainly (the dialogue's rule
//! for money). The model is data (`locales/<locale>/intent-model.tsv`), made by
//! `tingshuo train-intents` from CLINC150's training split and NLU++'s banking texts only;
//! CLINC150's validation split measures it. Training is deterministic: the same data gives the same bytes.
#![allow(clippy::float_arithmetic)] // Probabilities and weights, not money.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::intent::Intent;
use crate::said::Said;
use tingshuo_base::locale::Locale;

/// The class of everything that is not one of the product's intents.
pub const NONE: &str = "none";
/// An intent is named only when the model gives it at least this probability. Set so that
/// the team corpus's out-of-scope sentences, many of them full of banking words ("remind me to
/// pay the electric bill on Monday"), stay within the 3% false-accept target.
pub const ACCEPT_PROBABILITY: f64 = 0.8;
/// Features in fewer training texts than this are dropped: they tell little and cost space.
const MIN_DOCUMENTS: u32 = 2;
/// Letter sequences of these lengths, inside each word padded with a space on both sides.
const LETTER_SEQUENCES: std::ops::RangeInclusive<usize> = 3..=5;
/// Inverse strength of the L2 penalty on weights (as scikit-learn's `C`): smaller keeps the
/// weights smaller and the model less sure of rare words.
const INVERSE_REGULARIZATION: f64 = 1.0;
/// Passes over the training data, and AdaGrad's base step.
const EPOCHS: usize = 20;
const STEP: f64 = 0.2;
/// Weights are stored to this many decimals; a feature whose weights all round to zero is
/// left out.
const DECIMALS: i32 = 3;

/// CLINC150 intents and the product's intent each stands for; every other CLINC150 intent,
/// and its out-of-scope rows, train "none".
pub const CLINC150_INTENTS: &[(&str, &str)] = &[
    ("balance", "balance"),
    ("transfer", "transfer"),
    ("pay_bill", "pay_bill"),
    ("transactions", "transactions"),
    ("spending_history", "spending"),
    ("freeze_account", "lock_card"),
    ("cancel", "cancel"),
    ("repeat", "repeat"),
    ("yes", "confirm"),
    ("no", "deny"),
];

/// NLU++ banking labels that touch one of the product's intents (or that a person wants, like
/// a handoff); rows carrying any of them are not used as "none".
const NLUPP_OURS: &[&str] = &[
    "balance",
    "transfer_payment_deposit",
    "cancel_close_leave_freeze",
    "lost_stolen",
    "affirm",
    "deny",
    "repeat",
    "how_much",
    "handoff",
];

/// The texts of NLU++'s banking folds (one fold file's JSON each) that are about banking but
/// not about any of the product's intents: opening accounts, loans, mortgages, fees, PINs,
/// appointments. They teach the model that a banking word alone is not a banking command.
pub fn nlupp_not_ours(folds: &[String]) -> Result<Vec<String>, ModelError> {
    let mut texts = Vec::new();
    for (index, fold) in folds.iter().enumerate() {
        let bad = |problem: &str| ModelError::Malformed {
            line: 0,
            problem: format!("NLU++ fold {index}: {problem}"),
        };
        let rows: Vec<serde_json::Value> =
            serde_json::from_str(fold).map_err(|e| bad(&format!("not a JSON list: {e}")))?;
        for row in rows {
            let text = row["text"]
                .as_str()
                .ok_or_else(|| bad("a row has no text"))?;
            let labels: Vec<&str> = row["intents"]
                .as_array()
                .map(|labels| labels.iter().filter_map(|l| l.as_str()).collect())
                .unwrap_or_default();
            if !labels.is_empty() && !labels.iter().any(|l| NLUPP_OURS.contains(l)) {
                texts.push(text.to_owned());
            }
        }
    }
    Ok(texts)
}

/// The model `tingshuo train-intents` makes: CLINC150's `train_val.json`, and the NLU++
/// banking folds (`fold*.json`) in `nlupp_folder`, read in name order.
pub fn train_from_files(
    clinc150: &std::path::Path,
    nlupp_folder: &std::path::Path,
) -> Result<IntentModel, ModelError> {
    let unreadable = |path: &std::path::Path, error: std::io::Error| ModelError::Unreadable {
        path: path.display().to_string(),
        problem: error.to_string(),
    };
    let json = std::fs::read_to_string(clinc150).map_err(|e| unreadable(clinc150, e))?;
    let mut paths: Vec<std::path::PathBuf> = std::fs::read_dir(nlupp_folder)
        .map_err(|e| unreadable(nlupp_folder, e))?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| {
            path.file_name()
                .and_then(|name| name.to_str())
                .is_some_and(|name| name.starts_with("fold") && name.ends_with(".json"))
        })
        .collect();
    paths.sort();
    let folds = paths
        .iter()
        .map(|path| std::fs::read_to_string(path).map_err(|e| unreadable(path, e)))
        .collect::<Result<Vec<_>, _>>()?;
    IntentModel::train_clinc150(&json, &nlupp_not_ours(&folds)?)
}

/// A trained model: per class a bias, and per feature a weight for each class.
#[derive(Debug, Clone, PartialEq)]
pub struct IntentModel {
    classes: Vec<String>,
    bias: Vec<f64>,
    weights: HashMap<String, Vec<f64>>,
}

/// What the model makes of an utterance.
#[derive(Debug, Clone, PartialEq)]
pub struct Guess {
    pub intent: Intent,
    /// The model's probability of the intent, at least [`ACCEPT_PROBABILITY`].
    pub probability: f64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ModelError {
    #[error("intent model line {line}: {problem}")]
    Malformed { line: usize, problem: String },
    #[error("{path}: {problem}")]
    Unreadable { path: String, problem: String },
}

/// Words, adjacent word pairs and the letter sequences inside words of the normalized
/// utterance, each once. Letter sequences are marked with a leading `~` so they never
/// collide with a word.
fn features(words: &[String]) -> BTreeSet<String> {
    let mut features: BTreeSet<String> = words.iter().cloned().collect();
    features.extend(
        words
            .windows(2)
            .map(|pair| format!("{}_{}", pair[0], pair[1])),
    );
    for word in words {
        let padded: Vec<char> = format!(" {word} ").chars().collect();
        for length in LETTER_SEQUENCES {
            features.extend(
                padded
                    .windows(length)
                    .map(|letters| format!("~{}", letters.iter().collect::<String>())),
            );
        }
    }
    features
}

/// Words by which a speaker refers to themselves.
const FIRST_PERSON_EN: &[&str] = &[
    "i", "i'm", "i've", "i'd", "i'll", "me", "my", "mine", "myself", "we", "us", "our", "ours",
];
/// Words that open a question.
const QUESTION_WORDS_EN: &[&str] = &[
    "what", "what's", "whats", "who", "who's", "where", "where's", "when", "why", "how", "how's",
    "which", "is", "are", "was", "were", "does", "did", "do",
];

/// A banking command is about the speaker's own money: it says "I", "me" or "my", or it is
/// an instruction ("list all purchases of video games"). A question about the world ("what's
/// the balance of nature", "how much did the government spend") is not, however many banking
/// words it shares, so the model is not asked about it. Languages without these word lists
/// pass unchanged.
fn about_the_speaker(said: &Said) -> bool {
    if said.locale != Locale::EnUs {
        return true;
    }
    let words = &said.tokens;
    let speaker = words.iter().any(|w| FIRST_PERSON_EN.contains(&w.as_str()));
    let question = words
        .first()
        .is_some_and(|w| QUESTION_WORDS_EN.contains(&w.as_str()));
    speaker || !question
}

/// Softmax of scores, in place, stable for large scores.
fn softmax(scores: &mut [f64]) {
    let top = scores.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    let mut sum = 0.0;
    for score in scores.iter_mut() {
        *score = (*score - top).exp();
        sum += *score;
    }
    for score in scores.iter_mut() {
        *score /= sum;
    }
}

/// A fixed, seedable order for the training passes (xorshift), so training is reproducible.
fn shuffled(count: usize, seed: u64) -> Vec<usize> {
    let mut state = seed | 1;
    let mut order: Vec<usize> = (0..count).collect();
    for i in (1..count).rev() {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        let j = usize::try_from(state % (i as u64 + 1)).unwrap_or(0);
        order.swap(i, j);
    }
    order
}

fn rounded(value: f64) -> f64 {
    let scale = 10_f64.powi(DECIMALS);
    (value * scale).round() / scale
}

impl IntentModel {
    /// Trains on labelled texts; the label is a product intent or [`NONE`].
    pub fn train<'a>(locale: Locale, rows: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut classes: Vec<String> = vec![NONE.to_owned()];
        let mut labelled: Vec<(BTreeSet<String>, usize)> = Vec::new();
        for (text, label) in rows {
            let class = classes.iter().position(|c| c == label).unwrap_or_else(|| {
                classes.push(label.to_owned());
                classes.len() - 1
            });
            labelled.push((features(&Said::new(locale, text).tokens), class));
        }
        // Features kept, numbered in sorted order.
        let mut frequency: BTreeMap<&str, u32> = BTreeMap::new();
        for (features, _) in &labelled {
            for feature in features {
                *frequency.entry(feature.as_str()).or_default() += 1;
            }
        }
        frequency.retain(|_, count| *count >= MIN_DOCUMENTS);
        let index: HashMap<&str, usize> = frequency
            .keys()
            .enumerate()
            .map(|(i, feature)| (*feature, i))
            .collect();
        let documents: Vec<(Vec<usize>, usize)> = labelled
            .iter()
            .map(|(features, class)| {
                (
                    features
                        .iter()
                        .filter_map(|f| index.get(f.as_str()).copied())
                        .collect(),
                    *class,
                )
            })
            .collect();
        let frequencies: Vec<f64> = frequency.values().map(|&c| f64::from(c)).collect();
        let k = classes.len();
        // Balanced: each class weighs as much in total, however many examples it has.
        let mut per_class = vec![0_usize; k];
        for (_, class) in &documents {
            per_class[*class] += 1;
        }
        let class_weight: Vec<f64> = per_class
            .iter()
            .map(|&n| documents.len() as f64 / (k as f64 * (n.max(1)) as f64))
            .collect();

        let mut weights = vec![0.0_f64; frequencies.len() * k];
        let mut squared = vec![1e-8_f64; frequencies.len() * k];
        let mut bias = vec![0.0_f64; k];
        let mut bias_squared = vec![1e-8_f64; k];
        let penalty = 1.0 / INVERSE_REGULARIZATION;
        let mut scores = vec![0.0_f64; k];
        for epoch in 0..EPOCHS {
            for &d in &shuffled(documents.len(), 0x9E37_79B9_7F4A_7C15 ^ epoch as u64) {
                let (features, class) = &documents[d];
                scores.copy_from_slice(&bias);
                for &f in features {
                    for (score, w) in scores.iter_mut().zip(&weights[f * k..(f + 1) * k]) {
                        *score += w;
                    }
                }
                softmax(&mut scores);
                for c in 0..k {
                    let error =
                        class_weight[*class] * (scores[c] - if c == *class { 1.0 } else { 0.0 });
                    bias_squared[c] += error * error;
                    bias[c] -= STEP * error / bias_squared[c].sqrt();
                    for &f in features {
                        let at = f * k + c;
                        // The L2 penalty's share for one of the feature's occurrences.
                        let gradient = error + penalty * weights[at] / frequencies[f];
                        squared[at] += gradient * gradient;
                        weights[at] -= STEP * gradient / squared[at].sqrt();
                    }
                }
            }
        }
        let mut kept = HashMap::new();
        for (i, feature) in frequency.keys().enumerate() {
            let row: Vec<f64> = weights[i * k..(i + 1) * k]
                .iter()
                .map(|&w| rounded(w))
                .collect();
            if row.iter().any(|&w| w != 0.0) {
                kept.insert((*feature).to_owned(), row);
            }
        }
        IntentModel {
            classes,
            bias: bias.into_iter().map(rounded).collect(),
            weights: kept,
        }
    }

    /// Trains from CLINC150's `train_val.json` (its `train` and `oos_train` splits only), with
    /// further texts that are not one of the product's intents (see [`nlupp_not_ours`]).
    pub fn train_clinc150(json: &str, not_ours: &[String]) -> Result<Self, ModelError> {
        let bad = |problem: &str| ModelError::Malformed {
            line: 0,
            problem: problem.to_owned(),
        };
        let data: serde_json::Value =
            serde_json::from_str(json).map_err(|e| bad(&format!("not JSON: {e}")))?;
        let mut rows: Vec<(String, &str)> = Vec::new();
        for split in ["train", "oos_train"] {
            for row in data[split].as_array().ok_or_else(|| bad(split))? {
                let (Some(text), Some(intent)) = (row[0].as_str(), row[1].as_str()) else {
                    return Err(bad("a row is not [text, intent]"));
                };
                let label = CLINC150_INTENTS
                    .iter()
                    .find(|(clinc, _)| *clinc == intent)
                    .map_or(NONE, |(_, ours)| ours);
                rows.push((text.to_owned(), label));
            }
        }
        rows.extend(not_ours.iter().map(|text| (text.clone(), NONE)));
        Ok(IntentModel::train(
            Locale::EnUs,
            rows.iter().map(|(t, l)| (t.as_str(), *l)),
        ))
    }

    /// Every class's probability for an utterance, in the order of the model's classes.
    fn probabilities(&self, said: &Said) -> Vec<f64> {
        let mut scores = self.bias.clone();
        for row in features(&said.tokens)
            .iter()
            .filter_map(|f| self.weights.get(f))
        {
            for (score, weight) in scores.iter_mut().zip(row) {
                *score += weight;
            }
        }
        softmax(&mut scores);
        scores
    }

    /// The intent the model names, if it holds it more likely than not, the context has it,
    /// and the utterance is about the speaker (see [`about_the_speaker`]).
    pub fn guess(&self, said: &Said, allowed: &[&Intent]) -> Option<Guess> {
        if !about_the_speaker(said) {
            return None;
        }
        let probabilities = self.probabilities(said);
        let (best, &probability) = probabilities
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))?;
        let class = &self.classes[best];
        let intent = Intent::from_name(class);
        (class != NONE
            && probability >= ACCEPT_PROBABILITY
            && !intent.is_yes_or_no() // Consent is never guessed.

            && allowed.contains(&&intent))
        .then_some(Guess {
            intent,
            probability,
        })
    }

    /// The model as text: a header of classes and biases, then one feature a line with its
    /// weight for each class. Sorted, so training the same data twice writes the same bytes.
    pub fn to_tsv(&self) -> String {
        let mut out = String::from(
            "# Tingshuo intent model: multinomial logistic regression over words, word pairs \
             and letter sequences (~).\n# Trained by `tingshuo train-intents` on CLINC150 (train, oos_train) and the \
             NLU++ banking folds (PolyAI, CC BY 4.0).\n",
        );
        out.push_str(&format!("classes\t{}\n", self.classes.join("\t")));
        let join = |values: &[f64]| {
            values
                .iter()
                .map(f64::to_string)
                .collect::<Vec<_>>()
                .join("\t")
        };
        out.push_str(&format!("bias\t{}\n", join(&self.bias)));
        let mut features: Vec<(&String, &Vec<f64>)> = self.weights.iter().collect();
        features.sort_by(|a, b| a.0.cmp(b.0));
        for (feature, row) in features {
            out.push_str(&format!("{feature}\t{}\n", join(row)));
        }
        out
    }

    /// Reads [`IntentModel::to_tsv`]'s text back, checking every line.
    pub fn from_tsv(text: &str) -> Result<Self, ModelError> {
        let mut classes: Vec<String> = Vec::new();
        let mut bias: Vec<f64> = Vec::new();
        let mut weights = HashMap::new();
        for (index, line) in text.lines().enumerate() {
            let bad = |problem: &str| ModelError::Malformed {
                line: index + 1,
                problem: problem.to_owned(),
            };
            if line.starts_with('#') || line.is_empty() {
                continue;
            }
            let mut fields = line.split('\t');
            let key = fields.next().unwrap_or_default();
            let values: Vec<&str> = fields.collect();
            if key == "classes" {
                classes = values.iter().map(|v| (*v).to_owned()).collect();
                continue;
            }
            if classes.first().map(String::as_str) != Some(NONE) {
                return Err(bad("the classes line, starting with none, comes first"));
            }
            if values.len() != classes.len() {
                return Err(bad("wrong number of weights"));
            }
            let numbers: Vec<f64> = values
                .iter()
                .map(|v| {
                    v.parse::<f64>()
                        .ok()
                        .filter(|w| w.is_finite())
                        .ok_or_else(|| bad("a weight is not a finite number"))
                })
                .collect::<Result<_, _>>()?;
            if key == "bias" {
                bias = numbers;
            } else {
                weights.insert(key.to_owned(), numbers);
            }
        }
        if classes.is_empty() || bias.len() != classes.len() {
            return Err(ModelError::Malformed {
                line: 0,
                problem: "the classes and bias lines are both needed".into(),
            });
        }
        Ok(IntentModel {
            classes,
            bias,
            weights,
        })
    }
}

/// The built-in model a context names with `fallback:` (a Tingshuo extension of the format).
pub fn builtin(name: &str) -> Option<&'static IntentModel> {
    static CLINC150_EN: std::sync::OnceLock<Option<IntentModel>> = std::sync::OnceLock::new();
    match name {
        "clinc150-en" => CLINC150_EN
            .get_or_init(|| {
                let compressed = include_bytes!(concat!(env!("OUT_DIR"), "/clinc150-en.tsv.zlib"));
                let text = tingshuo_base::packed::unpack(compressed);
                IntentModel::from_tsv(&text)
                    .map_err(|error| error.to_string())
                    .inspect_err(
                        |error| tracing::error!(%error, "built-in intent model unreadable"),
                    )
                    .ok()
            })
            .as_ref(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn tiny() -> IntentModel {
        let rows = [
            ("what is my balance", "balance"),
            ("how much money do i have", "balance"),
            ("tell me my balance please", "balance"),
            ("how much money is in my account", "balance"),
            ("play some music", NONE),
            ("what is the weather", NONE),
            ("tell me a joke please", NONE),
            ("what is the time", NONE),
            ("yes that is right", "confirm"),
            ("yes do it", "confirm"),
        ];
        IntentModel::train(Locale::EnUs, rows)
    }

    #[test]
    fn names_an_intent_only_when_it_clearly_beats_none() {
        let model = tiny();
        let all = [&Intent::Balance, &Intent::Confirm];
        assert_eq!(
            model
                .guess(
                    &Said::new(Locale::EnUs, "how much money is in my account"),
                    &all
                )
                .unwrap()
                .intent,
            Intent::Balance
        );
        assert_eq!(
            model.guess(&Said::new(Locale::EnUs, "what is the weather"), &all),
            None
        );
        // Consent is never guessed, and an intent the context lacks is never named.
        assert_eq!(
            model.guess(&Said::new(Locale::EnUs, "yes do it"), &all),
            None
        );
        assert_eq!(
            model.guess(
                &Said::new(Locale::EnUs, "how much money is in my account"),
                &[&Intent::Confirm]
            ),
            None
        );
    }

    #[test]
    fn text_form_round_trips_and_bad_text_is_refused() {
        let model = tiny();
        let text = model.to_tsv();
        assert_eq!(IntentModel::from_tsv(&text).unwrap(), model);
        assert_eq!(
            IntentModel::train(Locale::EnUs, [])
                .to_tsv()
                .lines()
                .filter(|line| !line.starts_with('#'))
                .count(),
            2
        );
        for bad in [
            "",
            "balance\t1\t2",
            "classes\tnone\tbalance\nbias\t1",
            "classes\tnone\tbalance\nbias\t1\t2\nmoney\tx\t1",
            "classes\tnone\tbalance\nbias\t1\t2\nmoney\tNaN\t1",
        ] {
            assert!(IntentModel::from_tsv(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn only_utterances_about_the_speaker_are_guessed() {
        for about in [
            "can i afford a new tv from my savings account",
            "list all purchases of video games",
            "how much have we spent on food",
        ] {
            assert!(
                about_the_speaker(&Said::new(Locale::EnUs, about)),
                "{about}"
            );
        }
        for world in [
            "what's the balance of nature",
            "how much did the government spend on defense",
        ] {
            assert!(
                !about_the_speaker(&Said::new(Locale::EnUs, world)),
                "{world}"
            );
        }
        assert!(about_the_speaker(&Said::new(
            Locale::ZhCn,
            "大自然的平衡是什么"
        )));
    }

    #[test]
    fn nlupp_rows_touching_our_intents_are_not_taken_as_none() {
        let fold = r#"[
            {"text": "how do I apply for a mortgage", "intents": ["how", "mortgage"]},
            {"text": "what is my balance", "intents": ["balance"]},
            {"text": "my card was stolen", "intents": ["lost_stolen", "card"]},
            {"text": "unlabelled", "intents": []}
        ]"#;
        assert_eq!(
            nlupp_not_ours(&[fold.to_owned()]).unwrap(),
            vec!["how do I apply for a mortgage".to_owned()]
        );
        assert!(nlupp_not_ours(&["{".to_owned()]).is_err());
        assert!(nlupp_not_ours(&[r#"[{"intents": ["how"]}]"#.to_owned()]).is_err());
    }

    #[test]
    fn the_built_in_model_loads() {
        let model = builtin("clinc150-en").unwrap();
        assert!(
            model
                .guess(
                    &Said::new(
                        Locale::EnUs,
                        "is there enough in my savings account to get a new tv"
                    ),
                    &[&Intent::Balance, &Intent::Transfer]
                )
                .is_some()
        );
        assert!(builtin("nothing").is_none());
    }
}
