//! What understanding returns: an intent with its slots, and the JSON form the harness and
//! the corpora use.
#![allow(clippy::float_arithmetic)] // Confidence scores, not money.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use tingshuo_base::money::Money;

use crate::intent::Intent;
use crate::world::ItemRef;

/// A filled slot.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlotValue {
    /// A value of a context's own slot type, as the context writes it.
    Text(String),
    /// One of the customer's items, by id; the label is for screens and logs of tests.
    Item {
        item: ItemRef,
        label: String,
    },
    Money(Money),
    Count(i64),
    Period {
        from: NaiveDate,
        to: NaiveDate,
    },
}

/// The best reading of an utterance.
#[derive(Debug, Clone, PartialEq)]
pub struct Understanding {
    pub intent: Intent,
    pub slots: BTreeMap<String, SlotValue>,
    /// 0–1: how closely the words matched (1 when every token matched exactly).
    pub confidence: f64,
    /// Another intent or slot reading scored the same: the dialogue should ask.
    pub ambiguous: bool,
    /// For a slot whose words fit several values equally well ("Alice" with two payees named
    /// Alice), every one of them: the dialogue asks which.
    pub alternatives: BTreeMap<String, Vec<SlotValue>>,
    /// Words said that no slot holds, as said: what a `*` of the expression took (several
    /// joined by a space), or the whole sentence when only its intent was guessed. Something
    /// was named that the context has no value for ("how much did I spend at Rosie's Diner").
    pub free_words: Option<String>,
}

impl SlotValue {
    /// The canonical JSON form: amounts as `{"minor", "currency"}`, periods as `{"from", "to"}`.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            SlotValue::Text(text) | SlotValue::Item { label: text, .. } => {
                serde_json::Value::String(text.clone())
            }
            SlotValue::Money(money) => {
                serde_json::json!({"minor": money.minor(), "currency": money.currency().code()})
            }
            SlotValue::Count(count) => serde_json::json!(count),
            SlotValue::Period { from, to } => {
                serde_json::json!({"from": from.to_string(), "to": to.to_string()})
            }
        }
    }
}

impl Understanding {
    /// `{"intent": "transfer", "slots": {…}, "confidence": 0.93}`; items appear by label in
    /// `slots` and `alternatives`, and by id in `ids`.
    pub fn to_json(&self) -> serde_json::Value {
        let slots: serde_json::Map<String, serde_json::Value> = self
            .slots
            .iter()
            .map(|(name, value)| (name.clone(), value.to_json()))
            .collect();
        let confidence = (self.confidence * 100.0).round() / 100.0;
        let mut json = serde_json::json!({"intent": self.intent.name(), "slots": slots, "confidence": confidence, "ambiguous": self.ambiguous});
        let ids: serde_json::Map<String, serde_json::Value> = self
            .slots
            .iter()
            .filter_map(|(name, value)| match value {
                SlotValue::Item { item, .. } => Some((name.clone(), item.id().into())),
                _ => None,
            })
            .collect();
        if !ids.is_empty() {
            json["ids"] = ids.into();
        }
        if !self.alternatives.is_empty() {
            let alternatives: serde_json::Map<String, serde_json::Value> = self
                .alternatives
                .iter()
                .map(|(name, values)| {
                    let values: Vec<serde_json::Value> =
                        values.iter().map(SlotValue::to_json).collect();
                    (name.clone(), values.into())
                })
                .collect();
            json["alternatives"] = alternatives.into();
        }
        json
    }

    /// What a rejected utterance prints.
    pub fn rejected_json() -> serde_json::Value {
        serde_json::json!({"intent": null})
    }
}
