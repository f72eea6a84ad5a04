//! How the records that carry the customer's data print in the app: Kotlin's `toString()` and
//! Swift's `description` come from these `Display`s (uniffi's generated data classes would
//! otherwise print every field), so a host that logs a record logs no name, amount or text.

use std::fmt;

use crate::assistant::{AssistantEvent, BankSlot};
use crate::client::{AccountSummary, CardSummary, Line, PayeeSummary, ReadBack, ViewSnapshot};

/// `Type(field=value, …, customer data not shown)`, with only the fields named, which are none
/// of the customer's data.
macro_rules! shown_without_customer_data {
    ($($record:ident { $($field:ident),* })+) => {$(
        impl fmt::Display for $record {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}(", stringify!($record))?;
                $(write!(f, "{}={:?}, ", stringify!($field), self.$field)?;)*
                f.write_str("customer data not shown)")
            }
        }
    )+};
}

shown_without_customer_data! {
    AccountSummary { id, kind, currency }
    PayeeSummary { id, relationship }
    CardSummary { id, locked }
    ViewSnapshot { unpaid_bills, unread_alerts, unresolved_payments }
    Line {}
    ReadBack { currency }
}

impl fmt::Display for AssistantEvent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AssistantEvent::Say { message_id, .. } => {
                write!(f, "Say(message_id={message_id:?}, customer data not shown)")
            }
            AssistantEvent::Show { lines } => write!(f, "Show({} lines not shown)", lines.len()),
            AssistantEvent::Heard { .. } => f.write_str("Heard(customer data not shown)"),
            AssistantEvent::BankRequest { intent, slots } => {
                // The intent and the slots' names are the bank's words; their values are hers.
                let mut names: Vec<&str> = slots.keys().map(String::as_str).collect();
                names.sort_unstable();
                write!(
                    f,
                    "BankRequest(intent={intent:?}, slots={names:?}, customer data not shown)"
                )
            }
            // Exhaustive: an event added later says what it shows here, not by default.
            AssistantEvent::StepUpRequested { request } => {
                write!(f, "StepUpRequested(request={request})")
            }
            AssistantEvent::HandOff => f.write_str("HandOff"),
            AssistantEvent::SpeechRate { percent } => write!(f, "SpeechRate({percent}%)"),
            AssistantEvent::Volume { percent } => write!(f, "Volume({percent}%)"),
            AssistantEvent::Pitch { percent } => write!(f, "Pitch({percent}%)"),
            AssistantEvent::Listen => f.write_str("Listen"),
            AssistantEvent::ConsentNeeded { purpose } => {
                write!(f, "ConsentNeeded(purpose={purpose:?})")
            }
        }
    }
}

impl fmt::Display for BankSlot {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let kind = match self {
            BankSlot::Text { .. } => "Text",
            BankSlot::Amount { .. } => "Amount",
            BankSlot::Count { .. } => "Count",
            BankSlot::Period { .. } => "Period",
            BankSlot::Item { .. } => "Item",
        };
        write!(f, "BankSlot.{kind}(customer data not shown)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_print_without_names_amounts_or_text() {
        let account = AccountSummary {
            id: "en-visa".into(),
            kind: "credit_card".into(),
            name: "Margaret's Visa".into(),
            number_ending: "4321".into(),
            currency: "USD".into(),
            available_minor: 436_585,
            booked_minor: -63_415,
            as_of_unix_ms: 0,
        };
        let shown = account.to_string();
        assert!(
            shown.contains("en-visa") && shown.contains("USD"),
            "{shown}"
        );
        for secret in ["Margaret", "4321", "436585", "63415"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        let said = AssistantEvent::Say {
            message_id: "dlg-balance".into(),
            display: "Visa: you owe $634.15".into(),
            speech: "six hundred".into(),
        };
        assert_eq!(
            said.to_string(),
            "Say(message_id=\"dlg-balance\", customer data not shown)"
        );
        let heard = AssistantEvent::Heard {
            text: "send Bob 20".into(),
        };
        assert!(!heard.to_string().contains("Bob"));
        let line = Line {
            display: "Bob Wilson".into(),
            speech: "Bob Wilson".into(),
        };
        assert!(!line.to_string().contains("Bob"));
        assert_eq!(AssistantEvent::Listen.to_string(), "Listen");
        let request = AssistantEvent::BankRequest {
            intent: "findBranch".into(),
            slots: [
                (
                    "town".to_owned(),
                    BankSlot::Text {
                        value: "Springfield".into(),
                    },
                ),
                (
                    "amount".to_owned(),
                    BankSlot::Amount {
                        minor: 436_585,
                        currency: "USD".into(),
                    },
                ),
            ]
            .into(),
        };
        let shown = request.to_string();
        assert!(
            shown.contains("findBranch") && shown.contains("town"),
            "{shown}"
        );
        for secret in ["Springfield", "436585"] {
            assert!(!shown.contains(secret), "{shown}");
        }
        let slot = BankSlot::Item {
            kind: "payee".into(),
            id: "en-payee-bob".into(),
        };
        assert!(!slot.to_string().contains("bob"), "{slot}");
    }
}
