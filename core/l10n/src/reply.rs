//! What the assistant says, before it is rendered: a message id and typed arguments.

use chrono::NaiveDate;
use tingshuo_base::money::Money;

/// A reply: a Fluent message id and its arguments, rendered by the host in both forms.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub id: &'static str,
    pub args: Vec<(&'static str, ReplyArg)>,
}

/// Reply arguments stay typed until rendering, so money is spoken in words and account
/// numbers only ever masked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReplyArg {
    Text(String),
    Money(Money),
    /// The last four digits of an account or card.
    Masked(String),
    Count(i64),
    /// How long ago, from minutes: said in the largest whole unit ("3小时前", "2 days ago").
    Age(i64),
    /// A day, said as the locale says dates ("11月27日", "November 27").
    Date(NaiveDate),
    /// A day that may lie in another year, said with it ("2027年5月15日", "May 15, 2027"): a
    /// maturity date.
    DateWithYear(NaiveDate),
    /// Names to choose from, read as "A, B or C".
    Choices(Vec<Choice>),
    /// Names listed, read as "A, B and C".
    Names(Vec<Choice>),
}

/// One of the items the customer is asked to choose between: its name, and the ending of its
/// number where the name alone would not tell it from another.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Choice {
    pub name: String,
    /// The last four digits, read masked ("尾号1234").
    pub ending: Option<String>,
}
