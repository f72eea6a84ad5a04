//! A statistical second opinion for questions the context's expressions do not cover.
//!
//! Expressions are precise but people ask in endless ways ("is there enough in my savings to
//! get a new tv" is a balance question). When no expression matches, a multinomial naive
//! Bayes model over words and word pairs, trained on real human-written queries, may still
//! name the intent — never its slots, which the dialogue then asks for one at a time. It
//! learns what is *not* banking as a class of its own ("none": every other topic people
//! asked about), and names an intent only when that intent beats "none" by a clear margin,
//! so out-of-scope questions stay rejected.
//!
//! A yes or a no is never taken from it: consent must be said plainly (the dialogue's rule
//! for money). The model is data (`locales/<locale>/intent-model.tsv`), made by
//! `tingshuo train-intents` from CLINC150's training split only; its validation split
//! measures it.
#![allow(clippy::float_arithmetic)] // Probabilities, not money.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use super::context::tokenize;
use super::normalize::normalize;
use crate::l10n::Locale;

/// The class of everything that is not one of the product's intents.
pub const NONE: &str = "none";
/// Additive smoothing of word counts.
const SMOOTHING: f64 = 0.1;
/// How much more likely (natural log) the best intent must be than "none". Set high, so that
/// out-of-scope questions stay rejected: at this margin both CLINC150's out-of-scope
/// validation rows and the team corpus's stay within the 3% false-accept target.
const MARGIN: f64 = 11.0;
/// Words seen fewer times than this in training are dropped: they tell little and cost space.
const MIN_COUNT: u32 = 2;
/// Intents the model may never produce: consent is not guessed.
const NEVER: &[&str] = &["confirm", "deny"];

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

/// A trained model: per class, how many training texts it had and how often each feature
/// occurred in them.
#[derive(Debug, Clone, PartialEq)]
pub struct IntentModel {
    classes: Vec<String>,
    documents: Vec<u32>,
    totals: Vec<u64>,
    counts: HashMap<String, Vec<u32>>,
}

/// What the model makes of an utterance.
#[derive(Debug, Clone, PartialEq)]
pub struct Guess {
    pub intent: String,
    /// How far (natural log) the intent beat "none".
    pub margin: f64,
}

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum ModelError {
    #[error("intent model line {line}: {problem}")]
    Malformed { line: usize, problem: String },
}

/// Words and adjacent word pairs of the normalized utterance, each once.
fn features(locale: Locale, text: &str) -> BTreeSet<String> {
    let words = tokenize(&normalize(locale, text));
    let mut features: BTreeSet<String> = words.iter().cloned().collect();
    features.extend(
        words
            .windows(2)
            .map(|pair| format!("{}_{}", pair[0], pair[1])),
    );
    features
}

impl IntentModel {
    /// Trains on labelled texts; the label is a product intent or [`NONE`].
    pub fn train<'a>(locale: Locale, rows: impl IntoIterator<Item = (&'a str, &'a str)>) -> Self {
        let mut classes: Vec<String> = vec![NONE.to_owned()];
        let mut documents: Vec<u32> = vec![0];
        let mut raw: BTreeMap<String, BTreeMap<usize, u32>> = BTreeMap::new();
        for (text, label) in rows {
            let class = classes.iter().position(|c| c == label).unwrap_or_else(|| {
                classes.push(label.to_owned());
                documents.push(0);
                classes.len() - 1
            });
            documents[class] += 1;
            for feature in features(locale, text) {
                *raw.entry(feature).or_default().entry(class).or_default() += 1;
            }
        }
        let mut counts = HashMap::new();
        let mut totals = vec![0_u64; classes.len()];
        for (feature, by_class) in raw {
            if by_class.values().sum::<u32>() < MIN_COUNT {
                continue;
            }
            let mut row = vec![0_u32; classes.len()];
            for (class, count) in by_class {
                row[class] = count;
                totals[class] += u64::from(count);
            }
            counts.insert(feature, row);
        }
        IntentModel {
            classes,
            documents,
            totals,
            counts,
        }
    }

    /// Trains from CLINC150's `train_val.json` (its `train` and `oos_train` splits only).
    pub fn train_clinc150(json: &str) -> Result<Self, ModelError> {
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
        Ok(IntentModel::train(
            Locale::EnUs,
            rows.iter().map(|(t, l)| (t.as_str(), *l)),
        ))
    }

    /// The intent the model names, if it names one clearly and the context has it.
    pub fn guess(&self, locale: Locale, text: &str, allowed: &[&str]) -> Option<Guess> {
        let features = features(locale, text);
        let vocabulary = self.counts.len() as f64;
        let all_documents: f64 = self.documents.iter().map(|&d| f64::from(d)).sum();
        let scores: Vec<f64> = (0..self.classes.len())
            .map(|class| {
                let denominator = self.totals[class] as f64 + SMOOTHING * vocabulary;
                let prior = (f64::from(self.documents[class]).max(1.0) / all_documents).ln();
                features
                    .iter()
                    .filter_map(|f| self.counts.get(f))
                    .map(|row| ((f64::from(row[class]) + SMOOTHING) / denominator).ln())
                    .sum::<f64>()
                    + prior
            })
            .collect();
        let none = scores[0];
        let (best, score) = scores
            .iter()
            .enumerate()
            .max_by(|a, b| a.1.total_cmp(b.1))?;
        let intent = &self.classes[best];
        let margin = score - none;
        (best != 0
            && margin >= MARGIN
            && !NEVER.contains(&intent.as_str())
            && allowed.contains(&intent.as_str()))
        .then(|| Guess {
            intent: intent.clone(),
            margin,
        })
    }

    /// The model as text: a header of classes and document counts, then one feature a line.
    /// Sorted, so training the same data twice writes the same bytes.
    pub fn to_tsv(&self) -> String {
        let mut out = String::from(
            "# Tingshuo intent model: multinomial naive Bayes over words and word pairs.\n",
        );
        out.push_str(&format!("classes\t{}\n", self.classes.join("\t")));
        let join = |values: &[u32]| {
            values
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join("\t")
        };
        out.push_str(&format!("documents\t{}\n", join(&self.documents)));
        let mut features: Vec<(&String, &Vec<u32>)> = self.counts.iter().collect();
        features.sort();
        for (feature, row) in features {
            out.push_str(&format!("{feature}\t{}\n", join(row)));
        }
        out
    }

    /// Reads [`IntentModel::to_tsv`]'s text back, checking every line.
    pub fn from_tsv(text: &str) -> Result<Self, ModelError> {
        let mut classes: Vec<String> = Vec::new();
        let mut documents: Vec<u32> = Vec::new();
        let mut counts = HashMap::new();
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
            match key {
                "classes" => classes = values.iter().map(|v| (*v).to_owned()).collect(),
                _ => {
                    if classes.first().map(String::as_str) != Some(NONE) {
                        return Err(bad("the classes line, starting with none, comes first"));
                    }
                    if values.len() != classes.len() {
                        return Err(bad("wrong number of counts"));
                    }
                    let numbers: Vec<u32> = values
                        .iter()
                        .map(|v| v.parse().map_err(|_| bad("a count is not a number")))
                        .collect::<Result<_, _>>()?;
                    if key == "documents" {
                        documents = numbers;
                    } else {
                        counts.insert(key.to_owned(), numbers);
                    }
                }
            }
        }
        if classes.is_empty() || documents.len() != classes.len() || counts.is_empty() {
            return Err(ModelError::Malformed {
                line: 0,
                problem: "classes, documents and features are all needed".into(),
            });
        }
        let mut totals = vec![0_u64; classes.len()];
        for row in counts.values() {
            for (total, count) in totals.iter_mut().zip(row) {
                *total += u64::from(*count);
            }
        }
        Ok(IntentModel {
            classes,
            documents,
            totals,
            counts,
        })
    }
}

/// The built-in model a context names with `fallback:` (a Tingshuo extension of the format).
pub fn builtin(name: &str) -> Option<&'static IntentModel> {
    static CLINC150_EN: std::sync::OnceLock<Option<IntentModel>> = std::sync::OnceLock::new();
    match name {
        "clinc150-en" => CLINC150_EN
            .get_or_init(|| {
                IntentModel::from_tsv(include_str!("../../../locales/en-US/intent-model.tsv"))
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
        let all = ["balance", "confirm"];
        assert_eq!(
            model
                .guess(Locale::EnUs, "how much money is in my account", &all)
                .unwrap()
                .intent,
            "balance"
        );
        assert_eq!(model.guess(Locale::EnUs, "what is the weather", &all), None);
        // Consent is never guessed, and an intent the context lacks is never named.
        assert_eq!(model.guess(Locale::EnUs, "yes do it", &all), None);
        assert_eq!(
            model.guess(
                Locale::EnUs,
                "how much money is in my account",
                &["confirm"]
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
                .count(),
            3
        );
        for bad in [
            "",
            "balance\t1\t2",
            "classes\tnone\tbalance\ndocuments\t1",
            "classes\tnone\tbalance\ndocuments\t1\t2\nmoney\tx\t1",
        ] {
            assert!(IntentModel::from_tsv(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_built_in_model_loads() {
        let model = builtin("clinc150-en").unwrap();
        assert!(
            model
                .guess(
                    Locale::EnUs,
                    "is there enough in my savings account to get a new tv",
                    &["balance", "transfer"]
                )
                .is_some()
        );
        assert!(builtin("nothing").is_none());
    }
}
