//! A payment as the dialogue plans it: who or what is paid, by id, from which account, how
//! much; and its read-back, the only thing a `confirm` confirms.

use tingshuo_base::ids::Id;
use tingshuo_base::model::{Account, Bill, Biller, Payee};
use tingshuo_base::money::Money;
use tingshuo_l10n::{Reply, ReplyArg};

/// Whom the customer named for a payment: a payee for a transfer, a biller for a bill,
/// another account of hers for a move.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Payee(Id<Payee>),
    Biller(Id<Biller>),
    Account(Id<Account>),
}

/// What a planned payment pays, by id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlanTarget {
    Payee(Id<Payee>),
    /// A biller's bill; `None` when the biller has no bill due.
    Bill {
        biller: Id<Biller>,
        bill: Option<Id<Bill>>,
    },
    /// Another account of hers: her savings, her credit card (paying it off).
    Account(Id<Account>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanKind {
    Transfer,
    Bill,
    /// Between two of her own accounts.
    Move,
}

/// A payment exactly as read back to the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentPlan {
    pub target: PlanTarget,
    /// The payee's, biller's or her account's name as in her data, for the read-back.
    pub target_name: String,
    /// The payee's account (or biller reference) last four digits, for the read-back.
    pub target_last_four: String,
    pub from_account: Id<Account>,
    pub from_last_four: String,
    pub amount: Money,
}

impl PaymentPlan {
    pub fn kind(&self) -> PlanKind {
        match self.target {
            PlanTarget::Payee(_) => PlanKind::Transfer,
            PlanTarget::Bill { .. } => PlanKind::Bill,
            PlanTarget::Account(_) => PlanKind::Move,
        }
    }
}

/// The read-back: who, which account, how much — the only thing a `confirm` confirms.
pub fn read_back(plan: &PaymentPlan) -> Reply {
    let id = match plan.kind() {
        PlanKind::Transfer => "dlg-readback-transfer",
        PlanKind::Bill => "dlg-readback-bill",
        PlanKind::Move => "dlg-readback-move",
    };
    Reply {
        id,
        args: vec![
            ("target", ReplyArg::Text(plan.target_name.clone())),
            ("masked", ReplyArg::Masked(plan.target_last_four.clone())),
            ("amount", ReplyArg::Money(plan.amount)),
            ("from", ReplyArg::Masked(plan.from_last_four.clone())),
        ],
    }
}
