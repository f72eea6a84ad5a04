//! Contexts as data, in the format of Picovoice Rhino's context YAML:
//!
//! ```yaml
//! context:
//!   expressions:
//!     orderDrink:
//!       - "[order, place] (a, an) $size:size $drink:drink (@please)"
//!   slots:
//!     size: [small, medium, large]
//!   macros:
//!     please: ["please", "if you can"]
//! ```
//!
//! Inside expressions: `$slotType:slotName`, `@macro`, `[a, b]` choices and `(optional)`
//! parts (which may also list choices). A context written for Rhino loads unchanged.
//! Tingshuo adds built-in slot types under the `ts.` prefix: `$ts.Money`, `$ts.Count`,
//! `$ts.Payee`, `$ts.Biller`, `$ts.Account`, `$ts.Card`, `$ts.Period`; and `*`, a few words
//! of any kind that carry no slot ("do i have enough in my savings for *": what the money is
//! for does not change the question). A `*` never matches as well as a word or a slot, so an
//! expression that names what was said beats one that passes over it.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;

use crate::intent::Intent;

/// The built-in slot types, filled from the text and the customer's data at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Builtin {
    Money,
    Count,
    Period,
    Payee,
    Biller,
    Account,
    Card,
    /// A kind of spending ("groceries", "看病买药"): the words the vocabulary's
    /// `spending_categories` give each of the model's categories (a Tingshuo extension).
    Category,
    /// A person's name that is none of the customer's payees ("小明", "my grandson"), kept as
    /// said, so that the dialogue can say who is and is not a payee (a Tingshuo extension).
    Name,
}

impl Builtin {
    fn parse(name: &str) -> Option<Builtin> {
        Some(match name {
            "ts.Money" => Builtin::Money,
            "ts.Count" => Builtin::Count,
            "ts.Period" => Builtin::Period,
            "ts.Payee" => Builtin::Payee,
            "ts.Biller" => Builtin::Biller,
            "ts.Account" => Builtin::Account,
            "ts.Card" => Builtin::Card,
            "ts.Category" => Builtin::Category,
            "ts.Name" => Builtin::Name,
            _ => return None,
        })
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotType {
    /// A slot type the context lists values for.
    Custom(String),
    Builtin(Builtin),
}

/// One element of an expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Element {
    /// One token: an English word or one Chinese character.
    Token(String),
    Slot {
        kind: SlotType,
        name: String,
    },
    /// Exactly one of the alternatives.
    Choice(Vec<Vec<Element>>),
    /// One of the alternatives, or nothing.
    Optional(Vec<Vec<Element>>),
    /// `*`: one to a few words of any kind, kept in no slot.
    Words,
}

/// Whether an expression has a `*` anywhere in it.
pub fn has_free_words(elements: &[Element]) -> bool {
    any_element(elements, &|element| matches!(element, Element::Words))
}

/// Whether any token, slot or `*` of an expression, inside choices and optional parts too,
/// is one that `leaf` looks for.
fn any_element(elements: &[Element], leaf: &dyn Fn(&Element) -> bool) -> bool {
    elements.iter().any(|element| match element {
        Element::Choice(alternatives) | Element::Optional(alternatives) => {
            alternatives.iter().any(|a| any_element(a, leaf))
        }
        _ => leaf(element),
    })
}

/// A loaded context: intents with their expressions, and custom slot values.
#[derive(Debug, Clone, PartialEq)]
pub struct Context {
    pub intents: Vec<IntentExpressions>,
    /// Custom slot type → its values, as written (matching compares their tokens).
    pub slots: BTreeMap<String, Vec<String>>,
    pub vocabulary: Vocabulary,
    /// A built-in statistical model consulted when no expression matches (a Tingshuo
    /// extension, ignored by Rhino): see [`super::classifier`].
    pub fallback: Option<String>,
    /// Words a recognizer should expect with this context (a Tingshuo extension, ignored by
    /// Rhino): whisper's initial prompt, before the customer's names.
    pub prompt: Option<String>,
}

/// Words for the customer's own things (a Tingshuo extension of the format, which Rhino
/// ignores): payees by relationship, billers by what they bill, accounts and cards by kind,
/// spending by category. Keys are the model's names (`son`, `electricity`, `credit_card`,
/// `debit`, `groceries`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct Vocabulary {
    #[serde(default)]
    pub relationships: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub biller_categories: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub account_kinds: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    pub card_kinds: BTreeMap<String, Vec<String>>,
    /// Kinds of spending by the model's category names (`groceries`, `dining`, `health`).
    #[serde(default)]
    pub spending_categories: BTreeMap<String, Vec<String>>,
}

/// One intent of a context and its expressions.
#[derive(Debug, Clone, PartialEq)]
pub struct IntentExpressions {
    pub intent: Intent,
    pub expressions: Vec<Vec<Element>>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ContextError {
    #[error("the context is not valid YAML of the expected shape: {0}")]
    Yaml(String),
    #[error("intent {intent}: expression {expression:?}: {problem}")]
    Expression {
        intent: String,
        expression: String,
        problem: String,
    },
    #[error("unknown macro @{0}")]
    UnknownMacro(String),
    #[error("slot type {0} is used but has no values and is not built in")]
    UnknownSlotType(String),
    /// A bank's own intent named as one the product or the bank's context already has: the
    /// product's own (transfer, confirm, …) are never redefined by a bank.
    #[error("intent {0} is already defined: a bank's own intents take names of their own")]
    IntentTaken(String),
    /// A bank's slot type named as one of the product's, with other values.
    #[error("slot type {0} is the product's, with other values: give it a name of its own")]
    SlotTypeTaken(String),
    /// A bank's sentence that the product already writes out whole ("no thanks", "算了"):
    /// heard, it would be the bank's command instead of her answer, or the other way round.
    #[error(
        "intent {intent} says \"{sentence}\", which is already the product's: a bank's own intents say something of their own"
    )]
    SentenceTaken { intent: String, sentence: String },
    /// Larger or more deeply nested than any real context: refused before it is read.
    #[error("the context is too large or too deeply nested to load: {0}")]
    TooLarge(String),
}

/// Limits no real context comes near (the shipped ones are ~20 KB, nested 3 deep, ~10,000
/// elements): past them a context is refused at once, before parsing can recurse deeply or
/// macro expansion can grow without bound.
const MAX_CONTEXT_BYTES: usize = 1 << 20;
const MAX_YAML_NESTING: usize = 32;
const MAX_BRACKET_NESTING: usize = 16;
const MAX_ELEMENTS: usize = 200_000;

/// Refuses YAML nested deeper than [`MAX_YAML_NESTING`] (flow brackets or indentation)
/// before the YAML parser, which recurses, reads it.
fn check_yaml_shape(text: &str) -> Result<(), ContextError> {
    if text.len() > MAX_CONTEXT_BYTES {
        return Err(ContextError::TooLarge(format!("{} bytes", text.len())));
    }
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        let mut depth = indent / 2;
        let mut deepest = depth;
        for c in line.chars() {
            match c {
                '[' | '{' => depth += 1,
                ']' | '}' => depth = depth.saturating_sub(1),
                _ => {}
            }
            deepest = deepest.max(depth);
        }
        if deepest > MAX_YAML_NESTING {
            return Err(ContextError::TooLarge(format!(
                "nested {deepest} deep (at most {MAX_YAML_NESTING})"
            )));
        }
    }
    Ok(())
}

#[derive(Deserialize)]
struct File {
    context: Body,
}

#[derive(Deserialize)]
struct Body {
    expressions: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    slots: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    macros: BTreeMap<String, Vec<String>>,
    #[serde(default)]
    vocabulary: Vocabulary,
    #[serde(default)]
    fallback: Option<String>,
    #[serde(default)]
    prompt: Option<String>,
}

/// Whether a character is a Chinese character (CJK Unified Ideographs and Extension A).
pub fn is_cjk(c: char) -> bool {
    ('\u{4E00}'..='\u{9FFF}').contains(&c) || ('\u{3400}'..='\u{4DBF}').contains(&c)
}

/// Splits text into tokens: each Chinese character alone, other runs at spaces.
pub fn tokenize(text: &str) -> Vec<String> {
    tokenize_glued(text).0
}

/// [`tokenize`], and for each token whether it was written against the one before it (no
/// space between: Chinese characters of one clause, a word after a Chinese character).
pub fn tokenize_glued(text: &str) -> (Vec<String>, Vec<bool>) {
    let mut tokens = Vec::new();
    let mut glued = Vec::new();
    let mut word = String::new();
    let mut after_space = true;
    for c in text.chars() {
        if is_cjk(c) || c.is_whitespace() {
            if !word.is_empty() {
                tokens.push(std::mem::take(&mut word));
                after_space = false;
            }
            if is_cjk(c) {
                tokens.push(c.to_string());
                glued.push(!after_space);
                after_space = false;
            } else {
                after_space = true;
            }
        } else {
            if word.is_empty() {
                glued.push(!after_space);
            }
            word.extend(c.to_lowercase());
        }
    }
    if !word.is_empty() {
        tokens.push(word);
    }
    (tokens, glued)
}

struct Parser<'a> {
    chars: Vec<char>,
    at: usize,
    macros: &'a BTreeMap<String, Vec<String>>,
    /// How deep in macros this parser is.
    depth: usize,
    /// How deep in brackets it is.
    nesting: usize,
    /// Elements still allowed in this expression, shared with the parsers of its macros.
    budget: &'a std::cell::Cell<usize>,
}

impl Parser<'_> {
    /// A sequence until `end` (one of the closing characters or the end of input).
    fn sequence(&mut self, closers: &[char]) -> Result<Vec<Element>, String> {
        let mut elements = Vec::new();
        let mut literal = String::new();
        let flush = |literal: &mut String, elements: &mut Vec<Element>| {
            elements.extend(tokenize(literal).into_iter().map(Element::Token));
            literal.clear();
        };
        while let Some(&c) = self.chars.get(self.at) {
            if closers.contains(&c) {
                break;
            }
            self.at += 1;
            // Every character read may become an element: macro expansion that multiplies
            // them runs out of budget instead of memory.
            let left = self.budget.get();
            if left == 0 {
                return Err("the expression expands too far".into());
            }
            self.budget.set(left - 1);
            match c {
                '[' | '(' => {
                    flush(&mut literal, &mut elements);
                    if self.nesting >= MAX_BRACKET_NESTING {
                        return Err("brackets nest too deeply".into());
                    }
                    let close = if c == '[' { ']' } else { ')' };
                    self.nesting += 1;
                    let alternatives = self.alternatives(close)?;
                    self.nesting -= 1;
                    elements.push(if c == '[' {
                        Element::Choice(alternatives)
                    } else {
                        Element::Optional(alternatives)
                    });
                }
                ']' | ')' => return Err(format!("unbalanced '{c}'")),
                '*' => {
                    flush(&mut literal, &mut elements);
                    elements.push(Element::Words);
                }
                '$' => {
                    flush(&mut literal, &mut elements);
                    let kind = self.identifier(true)?;
                    if self.chars.get(self.at) != Some(&':') {
                        return Err("a slot is written $type:name".into());
                    }
                    self.at += 1;
                    let name = self.identifier(false)?;
                    if kind.is_empty() || name.is_empty() {
                        return Err("a slot is written $type:name".into());
                    }
                    let kind =
                        Builtin::parse(&kind).map_or(SlotType::Custom(kind), SlotType::Builtin);
                    elements.push(Element::Slot { kind, name });
                }
                '@' => {
                    flush(&mut literal, &mut elements);
                    let name = self.identifier(false)?;
                    elements.push(self.expand_macro(&name)?);
                }
                _ => literal.push(c),
            }
        }
        flush(&mut literal, &mut elements);
        Ok(elements)
    }

    fn alternatives(&mut self, close: char) -> Result<Vec<Vec<Element>>, String> {
        let mut alternatives = Vec::new();
        loop {
            let alternative = self.sequence(&[',', close])?;
            if !alternative.is_empty() {
                alternatives.push(alternative);
            }
            match self.chars.get(self.at) {
                Some(',') => self.at += 1,
                Some(c) if *c == close => {
                    self.at += 1;
                    return Ok(alternatives);
                }
                _ => return Err(format!("missing '{close}'")),
            }
        }
    }

    /// A slot's, type's or macro's name: ASCII letters, digits and `_`, so that Chinese
    /// written right after one ("$cards:cards号") is a word of the expression, not the name's.
    /// Another letter right after it ("$x:sucrée") is an error, not a name cut short.
    fn identifier(&mut self, dotted: bool) -> Result<String, String> {
        let mut name = String::new();
        while let Some(&c) = self.chars.get(self.at) {
            if c.is_ascii_alphanumeric() || c == '_' || (dotted && c == '.') {
                name.push(c);
                self.at += 1;
            } else {
                if c.is_alphanumeric() && !is_cjk(c) {
                    return Err(format!(
                        "a name is written in ASCII letters, digits and '_': '{name}{c}…'"
                    ));
                }
                break;
            }
        }
        Ok(name)
    }

    fn expand_macro(&mut self, name: &str) -> Result<Element, String> {
        let phrases = self
            .macros
            .get(name)
            .ok_or_else(|| format!("unknown macro @{name}"))?;
        if self.depth > 8 {
            return Err("macros nest too deeply".into());
        }
        let mut alternatives = Vec::new();
        for phrase in phrases {
            let mut inner = Parser {
                chars: phrase.chars().collect(),
                at: 0,
                macros: self.macros,
                depth: self.depth + 1,
                nesting: self.nesting,
                budget: self.budget,
            };
            alternatives.push(inner.sequence(&[])?);
        }
        Ok(Element::Choice(alternatives))
    }
}

/// Parses one expression (macros expanded).
pub fn parse_expression(
    text: &str,
    macros: &BTreeMap<String, Vec<String>>,
) -> Result<Vec<Element>, String> {
    parse_within(text, macros, &std::cell::Cell::new(MAX_ELEMENTS))
}

/// Parses one expression, drawing on a budget of characters read (macros expanded) that the
/// expressions of one context share.
fn parse_within(
    text: &str,
    macros: &BTreeMap<String, Vec<String>>,
    budget: &std::cell::Cell<usize>,
) -> Result<Vec<Element>, String> {
    let mut parser = Parser {
        chars: text.chars().collect(),
        at: 0,
        macros,
        depth: 0,
        nesting: 0,
        budget,
    };
    let elements = parser.sequence(&[])?;
    if elements.is_empty() {
        return Err("empty expression".into());
    }
    Ok(elements)
}

fn check_slots(
    elements: &[Element],
    slots: &BTreeMap<String, Vec<String>>,
) -> Result<(), ContextError> {
    for element in elements {
        match element {
            Element::Slot {
                kind: SlotType::Custom(kind),
                ..
            } if !slots.contains_key(kind) => {
                return Err(ContextError::UnknownSlotType(kind.clone()));
            }
            Element::Choice(alternatives) | Element::Optional(alternatives) => {
                for alternative in alternatives {
                    check_slots(alternative, slots)?;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

impl Context {
    /// The locale a context is written for: Mandarin when its expressions use Chinese
    /// characters.
    pub fn guess_locale(&self) -> tingshuo_base::locale::Locale {
        fn has_cjk(elements: &[Element]) -> bool {
            any_element(
                elements,
                &|element| matches!(element, Element::Token(t) if t.chars().any(is_cjk)),
            )
        }
        let chinese = self
            .intents
            .iter()
            .flat_map(|i| &i.expressions)
            .any(|e| has_cjk(e));
        if chinese {
            tingshuo_base::locale::Locale::ZhCn
        } else {
            tingshuo_base::locale::Locale::EnUs
        }
    }

    /// Loads a context from Rhino-format YAML.
    pub fn from_yaml(text: &str) -> Result<Context, ContextError> {
        check_yaml_shape(text)?;
        let file: File =
            serde_norway::from_str(text).map_err(|e| ContextError::Yaml(e.to_string()))?;
        let body = file.context;
        let mut intents = Vec::new();
        let budget = std::cell::Cell::new(MAX_ELEMENTS);
        for (name, expressions) in &body.expressions {
            let mut parsed = Vec::new();
            for expression in expressions {
                let elements =
                    parse_within(expression, &body.macros, &budget).map_err(|problem| {
                        ContextError::Expression {
                            intent: name.clone(),
                            expression: expression.clone(),
                            problem,
                        }
                    })?;
                check_slots(&elements, &body.slots)?;
                parsed.push(elements);
            }
            intents.push(IntentExpressions {
                intent: Intent::from_name(name),
                expressions: parsed,
            });
        }
        Ok(Context {
            intents,
            slots: body.slots,
            vocabulary: body.vocabulary,
            fallback: body.fallback,
            prompt: body.prompt,
        })
    }
}

impl Context {
    /// This context with a bank's own intents added (its expressions and slot types; its
    /// vocabulary, fallback and prompt are the product's concern and are not taken). Each of
    /// the bank's intents needs a name of its own: none of the product's (the dialogue would
    /// take a bank's "transfer" for its own, read-back and step-up included) and none this
    /// context or `also_taken` (the answers context's `amount`, `payee`, …) has.
    pub fn with_bank_intents(
        &self,
        bank: &Context,
        also_taken: &Context,
    ) -> Result<Context, ContextError> {
        let mut merged = self.clone();
        for own in &bank.intents {
            let name = own.intent.name();
            let taken = !matches!(own.intent, Intent::Other(_))
                || merged
                    .intents
                    .iter()
                    .chain(&also_taken.intents)
                    .any(|i| i.intent.name() == name);
            if taken {
                return Err(ContextError::IntentTaken(name.to_owned()));
            }
            let recited = own
                .expressions
                .iter()
                .flat_map(|expression| written_out(expression).sentences())
                .find(|words| merged.recites(words) || also_taken.recites(words));
            if let Some(words) = recited {
                return Err(ContextError::SentenceTaken {
                    intent: name.to_owned(),
                    sentence: words.join(" "),
                });
            }
            merged.intents.push(IntentExpressions {
                intent: Intent::Bank(name.to_owned()),
                expressions: own.expressions.clone(),
            });
        }
        for (kind, values) in &bank.slots {
            match merged.slots.get(kind) {
                Some(ours) if ours != values => {
                    return Err(ContextError::SlotTypeTaken(kind.clone()));
                }
                Some(_) => {}
                None => {
                    merged.slots.insert(kind.clone(), values.clone());
                }
            }
        }
        Ok(merged)
    }
}

/// The words of a sequence made only of words (no slot, choice or `*`), or `None`.
fn literal_words(elements: &[Element]) -> Option<Vec<String>> {
    elements
        .iter()
        .map(|element| match element {
            Element::Token(token) => Some(token.clone()),
            _ => None,
        })
        .collect()
}

impl Context {
    /// This context without any sentence that is word for word one of `sentences` (as
    /// [`tokenize`] splits them). A sentence is what an expression says with its optional
    /// parts left out: its words, or each alternative of its one choice (a list of whole
    /// sentences, "[say that again, come again]"). Words that only take part in longer
    /// sentences stay ("余额" in "查 [余额, 账户]"): they are vocabulary, not a row recited.
    /// An accuracy set measured on the result is one the context never saw written out; also
    /// returns how many sentences were taken out.
    pub fn without_sentences(&self, sentences: &BTreeSet<Vec<String>>) -> (Context, usize) {
        let mut removed = 0;
        let mut context = self.clone();
        for intent in &mut context.intents {
            intent.expressions = intent
                .expressions
                .iter()
                .filter_map(|expression| {
                    without_sentences_in(expression.clone(), sentences, &mut removed)
                })
                .collect();
        }
        (context, removed)
    }
}

/// The sentences an expression writes out whole: its words when, optional parts left out, it
/// is only words; or the alternatives of its one choice (at that position) that are only words.
enum WrittenOut {
    Whole(Vec<String>),
    List(usize, Vec<Option<Vec<String>>>),
    Nothing,
}

impl WrittenOut {
    /// Every sentence written out whole.
    fn sentences(self) -> Vec<Vec<String>> {
        match self {
            WrittenOut::Whole(words) => vec![words],
            WrittenOut::List(_, alternatives) => alternatives.into_iter().flatten().collect(),
            WrittenOut::Nothing => Vec::new(),
        }
    }
}

fn written_out(expression: &[Element]) -> WrittenOut {
    let required: Vec<usize> = (0..expression.len())
        .filter(|&at| !matches!(expression[at], Element::Optional(_)))
        .collect();
    let required_elements: Vec<Element> =
        required.iter().map(|&at| expression[at].clone()).collect();
    if let Some(words) = literal_words(&required_elements) {
        return WrittenOut::Whole(words);
    }
    match (&required[..], required.first().map(|&at| &expression[at])) {
        ([only], Some(Element::Choice(alternatives))) => WrittenOut::List(
            *only,
            alternatives.iter().map(|a| literal_words(a)).collect(),
        ),
        _ => WrittenOut::Nothing,
    }
}

impl Context {
    /// Whether the context writes out `words` whole as a sentence ([`Self::without_sentences`]).
    pub fn recites(&self, words: &[String]) -> bool {
        self.intents
            .iter()
            .flat_map(|intent| &intent.expressions)
            .any(|expression| {
                written_out(expression)
                    .sentences()
                    .iter()
                    .any(|sentence| sentence == words)
            })
    }
}

/// One expression without the sentences of it that are in `sentences`; `None` when none is left.
fn without_sentences_in(
    mut expression: Vec<Element>,
    sentences: &BTreeSet<Vec<String>>,
    removed: &mut usize,
) -> Option<Vec<Element>> {
    let in_set = |written: &Option<Vec<String>>| {
        written
            .as_ref()
            .is_some_and(|words| sentences.contains(words))
    };
    match written_out(&expression) {
        WrittenOut::Whole(words) if sentences.contains(&words) => {
            *removed += 1;
            None
        }
        WrittenOut::List(at, written) if written.iter().any(in_set) => {
            let Element::Choice(alternatives) = &mut expression[at] else {
                return Some(expression);
            };
            let mut index = 0;
            alternatives.retain(|_| {
                let keep = !in_set(&written[index]);
                index += 1;
                keep
            });
            *removed += written.len() - alternatives.len();
            (!alternatives.is_empty()).then_some(expression)
        }
        _ => Some(expression),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const COFFEE: &str = r#"
context:
  expressions:
    orderDrink:
      - "[order, place] (a, an) (@size) $drink:drink (@please)"
      - "(i want) (a) $size:size $drink:drink"
  slots:
    size:
      - small
      - large
    drink:
      - "americano"
      - "cafe latte"
  macros:
    size:
      - "$size:size"
    please:
      - "please"
      - "if you can"
"#;

    #[test]
    fn sentences_written_out_are_taken_out() {
        let context = Context::from_yaml(
            "context:\n  expressions:\n    repeat:\n      - \"(please) [what, huh, say it again] (now)\"\n      - \"(oh) say again\"\n      - \"[what, pardon] did you say\"\n",
        )
        .unwrap();
        let sentences: BTreeSet<Vec<String>> = ["what", "huh", "say again", "pardon did you say"]
            .iter()
            .map(|s| tokenize(s))
            .collect();
        let (without, removed) = context.without_sentences(&sentences);
        assert_eq!(removed, 3);
        let expressions = &without.intents[0].expressions;
        // The list keeps "say it again"; "say again" is gone whole; "what" still takes part in
        // "what did you say", which no row recites.
        assert_eq!(expressions.len(), 2);
        assert!(matches!(&expressions[0][1], Element::Choice(a) if a.len() == 1));
        assert!(matches!(&expressions[1][0], Element::Choice(a) if a.len() == 2));
        let all: BTreeSet<Vec<String>> = ["what", "huh", "say it again"]
            .iter()
            .map(|s| tokenize(s))
            .collect();
        let (without, _) = context.without_sentences(&all);
        assert_eq!(without.intents[0].expressions.len(), 2);
        assert!(context.recites(&tokenize("say it again")));
        assert!(context.recites(&tokenize("say again")));
        assert!(!context.recites(&tokenize("what did you say")));
        assert!(!without.recites(&tokenize("say it again")));
    }

    /// A bank's own intents join the product's under names of their own, with their slot
    /// types; one named as the product's (or an answer's) is refused, as is a slot type of
    /// the product's given other values.
    #[test]
    fn a_banks_own_intents_join_under_names_of_their_own() {
        let product = Context::from_yaml(
            "context:\n  expressions:\n    transfer:\n      - \"send $speed:speed\"\n  slots:\n    speed:\n      - fast\n",
        )
        .unwrap();
        let answers =
            Context::from_yaml("context:\n  expressions:\n    amount:\n      - \"just that\"\n")
                .unwrap();
        let bank = Context::from_yaml(COFFEE).unwrap();
        let merged = product.with_bank_intents(&bank, &answers).unwrap();
        let names: Vec<&str> = merged.intents.iter().map(|i| i.intent.name()).collect();
        assert_eq!(names, ["transfer", "orderDrink"]);
        assert_eq!(merged.intents[1].intent, Intent::Bank("orderDrink".into()));
        assert!(merged.slots.contains_key("drink"));

        let named = |name: &str| {
            Context::from_yaml(&format!(
                "context:\n  expressions:\n    {name}:\n      - \"open a deposit\"\n"
            ))
            .unwrap()
        };
        for taken in ["transfer", "confirm", "amount"] {
            assert_eq!(
                product.with_bank_intents(&named(taken), &answers),
                Err(ContextError::IntentTaken(taken.into()))
            );
        }
        let saying = |sentence: &str| {
            Context::from_yaml(&format!(
                "context:\n  expressions:\n    nothingMore:\n      - \"{sentence}\"\n"
            ))
            .unwrap()
        };
        for (sentence, taken) in [
            ("just that", "just that"),
            ("[open a deposit, just that]", "just that"),
            ("just (please) that", "just that"),
        ] {
            assert_eq!(
                product.with_bank_intents(&saying(sentence), &answers),
                Err(ContextError::SentenceTaken {
                    intent: "nothingMore".into(),
                    sentence: taken.into()
                }),
                "{sentence}"
            );
        }
        assert!(
            product
                .with_bank_intents(&saying("just that one"), &answers)
                .is_ok()
        );
        let twice = merged.with_bank_intents(&named("orderDrink"), &answers);
        assert_eq!(twice, Err(ContextError::IntentTaken("orderDrink".into())));
        let other_sizes = Context::from_yaml(
            "context:\n  expressions:\n    deposit:\n      - \"open a $speed:speed deposit\"\n  slots:\n    speed:\n      - slow\n",
        )
        .unwrap();
        assert_eq!(
            product.with_bank_intents(&other_sizes, &answers),
            Err(ContextError::SlotTypeTaken("speed".into()))
        );
    }

    /// Hostile contexts are refused at once with a reason: brackets 20,000 deep, YAML 40,000
    /// deep, macros that multiply, a file of many megabytes. The shipped ones load well within
    /// the limits.
    #[test]
    fn hostile_contexts_are_refused_quickly() {
        let wrap = |expression: &str| {
            format!("context:\n  expressions:\n    x:\n      - \"{expression}\"\n")
        };
        assert!(Context::from_yaml(&wrap(&"[".repeat(20_000))).is_err());
        assert!(matches!(
            Context::from_yaml(&wrap(&"[".repeat(20))),
            Err(ContextError::Expression { .. })
        ));
        assert!(parse_expression(&"(".repeat(20_000), &BTreeMap::new()).is_err());
        let deep_yaml = format!("context: {}{}", "[".repeat(40_000), "]".repeat(40_000));
        assert!(matches!(
            Context::from_yaml(&deep_yaml),
            Err(ContextError::TooLarge(_))
        ));
        let mut multiplying =
            String::from("context:\n  expressions:\n    x:\n      - \"@m0\"\n  macros:\n");
        for level in 0..8 {
            multiplying.push_str(&format!(
                "    m{level}:\n{}",
                "      - \"@m{next} @m{next} @m{next} @m{next}\"\n"
                    .replace("{next}", &(level + 1).to_string())
                    .repeat(4)
            ));
        }
        multiplying.push_str("    m8:\n      - \"word\"\n");
        assert!(Context::from_yaml(&multiplying).is_err());
        let huge = wrap(&"word ".repeat(300_000));
        assert!(matches!(
            Context::from_yaml(&huge),
            Err(ContextError::TooLarge(_))
        ));
        for text in [
            crate::banking_context(tingshuo_base::locale::Locale::ZhCn),
            crate::banking_context(tingshuo_base::locale::Locale::EnUs),
        ] {
            assert!(Context::from_yaml(text).is_ok());
        }
    }

    #[test]
    fn a_rhino_context_loads() {
        let context = Context::from_yaml(COFFEE).unwrap();
        assert_eq!(context.intents.len(), 1);
        assert_eq!(context.intents[0].expressions.len(), 2);
        assert_eq!(context.slots["drink"], ["americano", "cafe latte"]);
        let first = &context.intents[0].expressions[0];
        assert!(matches!(&first[0], Element::Choice(a) if a.len() == 2));
        assert!(matches!(&first[1], Element::Optional(a) if a.len() == 2));
        assert!(matches!(&first[3], Element::Slot { name, .. } if name == "drink"));
    }

    #[test]
    fn a_name_ends_where_chinese_written_against_it_begins() {
        let elements = parse_expression("$cards:cards号(码)", &BTreeMap::new()).unwrap();
        assert!(
            matches!(&elements[0], Element::Slot { name, .. } if name == "cards"),
            "{elements:?}"
        );
        assert_eq!(elements.len(), 3, "{elements:?}");
        let accented = parse_expression("$x:sucrée please", &BTreeMap::new());
        assert!(accented.is_err(), "{accented:?}");
    }

    #[test]
    fn a_star_stands_for_free_words() {
        let macros = BTreeMap::new();
        let elements =
            parse_expression("can i afford * ([with, from] my savings)", &macros).unwrap();
        assert_eq!(elements[3], Element::Words);
        assert!(has_free_words(&elements));
        let nested = parse_expression("pay (my) (*) bill", &macros).unwrap();
        assert!(has_free_words(&nested));
        assert!(!has_free_words(
            &parse_expression("pay (my) bill", &macros).unwrap()
        ));
    }

    #[test]
    fn chinese_expressions_are_tokenized_by_character() {
        let macros = BTreeMap::new();
        let elements = parse_expression("[查, 查询](我的)余额 $ts.Money:amount", &macros).unwrap();
        assert_eq!(elements[2], Element::Token("余".into()));
        assert!(
            matches!(&elements[4], Element::Slot { kind: SlotType::Builtin(Builtin::Money), name } if name == "amount")
        );
        assert_eq!(
            tokenize("给 Alice Chen 转200元"),
            ["给", "alice", "chen", "转", "200", "元"]
        );
    }

    #[test]
    fn broken_contexts_are_clear_errors() {
        for (yaml, expected) in [
            ("context: {expressions: {a: ['[x, y']}}", "missing"),
            ("context: {expressions: {a: ['x)']}}", "unbalanced"),
            ("context: {expressions: {a: ['$drink']}}", "$type:name"),
            ("context: {expressions: {a: ['@nope']}}", "unknown macro"),
            ("context: {expressions: {a: ['$drink:d']}}", "drink"),
            ("context: {expressions: {a: ['']}}", "empty"),
            ("not yaml: [", "YAML"),
            ("context: 5", "YAML"),
        ] {
            let error = Context::from_yaml(yaml).unwrap_err().to_string();
            assert!(error.contains(expected), "{yaml}: {error}");
        }
    }
}
