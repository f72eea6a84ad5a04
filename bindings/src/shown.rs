//! How the records that carry the customer's data print in the app: Kotlin's `toString()` and
//! Swift's `description` come from these `Display`s (uniffi's generated data classes would
//! otherwise print every field), so a host that logs a record logs no name, amount or text.

use std::fmt;

use crate::assistant::AssistantEvent;
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
            other => write!(f, "{other:?}"),
        }
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
    }
}
