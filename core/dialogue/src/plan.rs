//! A payment as the dialogue plans it: who or what is paid, by id, from which account, how
//! much; and its read-back, the only thing a `confirm` confirms.

use tingshuo_base::ids::Id;
use tingshuo_base::model::{Account, Bill, Biller, Payee};
use tingshuo_base::money::Money;
use tingshuo_l10n::{Reply, ReplyArg};

/// Whom the customer named for a payment: a payee for a transfer, a biller for a bill.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Payee(Id<Payee>),
    Biller(Id<Biller>),
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
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PlanKind {
    Transfer,
    Bill,
}

/// A payment exactly as read back to the customer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentPlan {
    pub target: PlanTarget,
    /// The payee's or biller's name as in the customer's data, for the read-back.
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
        }
    }
}

/// The read-back: who, which account, how much — the only thing a `confirm` confirms.
pub fn read_back(plan: &PaymentPlan) -> Reply {
    let id = match plan.kind() {
        PlanKind::Transfer => "dlg-readback-transfer",
        PlanKind::Bill => "dlg-readback-bill",
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
