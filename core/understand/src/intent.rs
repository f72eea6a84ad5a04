//! The intents Tingshuo's dialogue acts on, named once: a context's intent names become these
//! when it loads, so nothing downstream compares intent names as text.

use std::fmt;

/// What the customer asks for.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Intent {
    Balance,
    Transactions,
    Spending,
    Transfer,
    PayBill,
    LockCard,
    UnlockCard,
    /// Are my cards locked or working.
    CardStatus,
    /// The bank's unread alerts, read out.
    Alerts,
    /// Branch appointments and service requests opened in any channel.
    Appointments,
    /// The bills due, read out (which, how much, when).
    Bills,
    /// Whether money came in ("has my pension arrived"): the latest payments in, read out.
    Income,
    /// Who she can send money to: her trusted payees, named.
    Payees,
    /// An account's or a card's number: only its last four digits are ever said.
    AccountNumber,
    Help,
    Repeat,
    Slower,
    Faster,
    Louder,
    Quieter,
    /// A deeper voice (for ears that lose the high tones first) or a higher one.
    LowerPitch,
    HigherPitch,
    Cancel,
    Confirm,
    Deny,
    Human,
    /// One of the bank's own intents, added to the product's context
    /// ([`crate::context::Context::with_bank_intents`]): the host carries it out.
    Bank(String),
    /// An intent of a context the dialogue does not know (the answers context's, named after
    /// the slot it answers; any context `tingshuo intent` loads), kept by its name.
    Other(String),
}

/// The intents the dialogue knows.
const KNOWN: [Intent; 26] = [
    Intent::Balance,
    Intent::Transactions,
    Intent::Spending,
    Intent::Transfer,
    Intent::PayBill,
    Intent::LockCard,
    Intent::UnlockCard,
    Intent::CardStatus,
    Intent::Alerts,
    Intent::Appointments,
    Intent::Bills,
    Intent::Income,
    Intent::Payees,
    Intent::AccountNumber,
    Intent::Help,
    Intent::Repeat,
    Intent::Slower,
    Intent::Faster,
    Intent::Louder,
    Intent::Quieter,
    Intent::LowerPitch,
    Intent::HigherPitch,
    Intent::Cancel,
    Intent::Confirm,
    Intent::Deny,
    Intent::Human,
];

impl Intent {
    /// The intent a context's name stands for; names the dialogue does not know are kept.
    pub fn from_name(name: &str) -> Intent {
        KNOWN
            .iter()
            .find(|known| known.name() == name)
            .cloned()
            .unwrap_or_else(|| Intent::Other(name.to_owned()))
    }

    /// The name contexts and JSON output use.
    pub fn name(&self) -> &str {
        match self {
            Intent::Balance => "balance",
            Intent::Transactions => "transactions",
            Intent::Spending => "spending",
            Intent::Transfer => "transfer",
            Intent::PayBill => "pay_bill",
            Intent::LockCard => "lock_card",
            Intent::UnlockCard => "unlock_card",
            Intent::CardStatus => "card_status",
            Intent::Alerts => "alerts",
            Intent::Appointments => "appointments",
            Intent::Bills => "bills",
            Intent::Income => "income",
            Intent::Payees => "payees",
            Intent::AccountNumber => "account_number",
            Intent::Help => "help",
            Intent::Repeat => "repeat",
            Intent::Slower => "slower",
            Intent::Faster => "faster",
            Intent::Louder => "louder",
            Intent::Quieter => "quieter",
            Intent::LowerPitch => "lower_pitch",
            Intent::HigherPitch => "higher_pitch",
            Intent::Cancel => "cancel",
            Intent::Confirm => "confirm",
            Intent::Deny => "deny",
            Intent::Human => "human",
            Intent::Bank(name) | Intent::Other(name) => name,
        }
    }

    /// A command about the conversation itself, with nothing to fill in: a yes or a no,
    /// cancel, repeat, help, a hand-off, a rate, a volume or a pitch.
    pub fn is_command(&self) -> bool {
        matches!(
            self,
            Intent::Confirm
                | Intent::Deny
                | Intent::Cancel
                | Intent::Repeat
                | Intent::Help
                | Intent::Human
                | Intent::Slower
                | Intent::Faster
                | Intent::Louder
                | Intent::Quieter
                | Intent::LowerPitch
                | Intent::HigherPitch
        )
    }

    /// A question about the customer's money, cards or requests, answered in passing while
    /// another question waits (the waiting one is asked again after).
    pub fn is_question(&self) -> bool {
        matches!(
            self,
            Intent::Balance
                | Intent::Transactions
                | Intent::Spending
                | Intent::CardStatus
                | Intent::Alerts
                | Intent::Appointments
                | Intent::Bills
                | Intent::Income
                | Intent::Payees
                | Intent::AccountNumber
                | Intent::Help
        )
    }

    /// A yes or a no: said plainly, never read out of a longer sentence or guessed.
    pub fn is_yes_or_no(&self) -> bool {
        matches!(self, Intent::Confirm | Intent::Deny)
    }
}

impl fmt::Display for Intent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_unknown_ones_are_kept() {
        for intent in KNOWN {
            assert_eq!(Intent::from_name(intent.name()), intent);
        }
        // A bank's intent that shares a known name is the known intent.
        assert_eq!(Intent::from_name("pay_bill"), Intent::PayBill);
        let own = Intent::from_name("order_coffee");
        assert_eq!(own, Intent::Other("order_coffee".into()));
        assert_eq!(own.to_string(), "order_coffee");
        assert!(Intent::Confirm.is_yes_or_no() && !Intent::Transfer.is_yes_or_no());
    }
}
