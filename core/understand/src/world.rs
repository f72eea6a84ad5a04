//! The customer's world as understanding sees it: their payees, billers, accounts and cards,
//! each by id with the phrases people name it by, and the locale, currency and day.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use tingshuo_base::ids::Id;
use tingshuo_base::locale::Locale;
use tingshuo_base::model::{
    Account, Biller, Card, Category, CustomerSnapshot, Payee, paying_account,
};
use tingshuo_base::money::Currency;
use tingshuo_base::view::CustomerView;

use crate::context::{Builtin, Context};

/// One of the customer's own items, by id: what a slot of a built-in item type fills. Two
/// payees with the same name are two items.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ItemRef {
    Payee(Id<Payee>),
    Biller(Id<Biller>),
    Account(Id<Account>),
    Card(Id<Card>),
    /// A kind of spending: not hers, but named as her things are.
    Category(Category),
}

impl ItemRef {
    pub fn id(&self) -> &str {
        match self {
            ItemRef::Payee(id) => id,
            ItemRef::Biller(id) => id,
            ItemRef::Account(id) => id,
            ItemRef::Card(id) => id,
            ItemRef::Category(category) => category.as_str(),
        }
    }
}

/// Something of the customer's that a slot can name: the item, its label (how understanding
/// shows it: a name, or an account's or card's last four digits), the last four digits of its
/// number (by which people also name it: "尾号6217的卡", "the one ending in 1234"), and the
/// phrases that name it (its own name, and words such as "my son" or "电费").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Named {
    pub item: ItemRef,
    pub label: String,
    pub ending: Option<String>,
    pub phrases: Vec<String>,
}

impl Named {
    /// An item labelled `label`, named by its label and these phrases.
    pub fn called(item: ItemRef, label: &str, phrases: &[&str]) -> Named {
        let mut all = vec![label.to_owned()];
        all.extend(phrases.iter().map(|p| (*p).to_owned()));
        Named {
            item,
            label: label.to_owned(),
            ending: None,
            phrases: all,
        }
    }

    /// The same item, also named by the last four digits of its number.
    pub fn ending_in(mut self, last_four: &str) -> Named {
        self.ending = Some(last_four.to_owned());
        self
    }
}

/// What the customer's data contributes to matching.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct World {
    pub locale: Locale,
    /// The currency of an amount that names none.
    pub currency: Currency,
    pub today: NaiveDate,
    /// Labelled with the payee's name as in the data.
    pub payees: Vec<Named>,
    /// Labelled with the biller's name.
    pub billers: Vec<Named>,
    /// Labelled with the last four digits.
    pub accounts: Vec<Named>,
    pub cards: Vec<Named>,
    /// Kinds of spending, labelled with the category's name, named as the vocabulary says.
    pub categories: Vec<Named>,
}

impl World {
    /// The customer's items a built-in slot names: payees, billers, accounts or cards (none
    /// for numbers, amounts and periods).
    pub fn named(&self, kind: Builtin) -> &[Named] {
        match kind {
            Builtin::Payee => &self.payees,
            Builtin::Biller => &self.billers,
            Builtin::Account => &self.accounts,
            Builtin::Card => &self.cards,
            Builtin::Category => &self.categories,
            Builtin::Money | Builtin::Count | Builtin::Period | Builtin::Name => &[],
        }
    }

    /// The world of one customer: their payees, billers, accounts and cards, named as the
    /// context's vocabulary says people name them.
    pub fn for_customer(
        context: &Context,
        locale: Locale,
        today: NaiveDate,
        customer: &CustomerSnapshot,
    ) -> World {
        World::build(
            context,
            locale,
            today,
            customer.payees.iter(),
            customer.billers.iter(),
            customer.accounts.iter(),
            customer.cards.iter(),
        )
    }

    /// The same, from the unified view the customer hears about.
    pub fn for_view(
        context: &Context,
        locale: Locale,
        today: NaiveDate,
        view: &CustomerView,
    ) -> World {
        World::build(
            context,
            locale,
            today,
            view.payees.iter().map(|t| &t.item),
            view.billers.iter().map(|t| &t.item),
            view.accounts.iter().map(|t| &t.item),
            view.cards.iter().map(|t| &t.item),
        )
    }

    fn build<'a>(
        context: &Context,
        locale: Locale,
        today: NaiveDate,
        payees: impl Iterator<Item = &'a Payee>,
        billers: impl Iterator<Item = &'a Biller>,
        accounts: impl Iterator<Item = &'a Account>,
        cards: impl Iterator<Item = &'a Card>,
    ) -> World {
        let vocabulary = &context.vocabulary;
        let accounts: Vec<&Account> = accounts.collect();
        // Amounts that name no currency ("两百块", "send 200") are in the currency payments
        // leave in, whatever the language she speaks; the locale's only when she has none.
        let currency = paying_account(&accounts, |a| a)
            .map(|a| a.currency)
            .unwrap_or(match locale {
                Locale::ZhCn => Currency::CNY,
                Locale::EnUs => Currency::USD,
            });
        let words = |map: &BTreeMap<String, Vec<String>>, key: &str| {
            map.get(key).cloned().unwrap_or_default()
        };
        let payees = payees
            .map(|p| {
                let name = p.name.reveal().clone();
                let mut names = vec![name.clone()];
                // People say "Alice" for Alice Chen, "Dave" for David Miller, "建国" for 王建国;
                // two payees sharing it make it ambiguous.
                if let Some((given, family)) = name.split_once(' ') {
                    names.push(given.to_owned());
                    for short in crate::lexicon::diminutives(given) {
                        names.push((*short).to_owned());
                        names.push(format!("{short} {family}"));
                    }
                }
                let characters: Vec<char> = name.chars().collect();
                if characters.len() == 3 && characters.iter().all(|c| crate::context::is_cjk(*c)) {
                    names.push(characters[1..].iter().collect());
                }
                let relationships = words(&vocabulary.relationships, p.relationship.as_str());
                // "my neighbour David", "我儿子李伟": the relationship and the name together.
                let separator = match locale {
                    Locale::ZhCn => "",
                    Locale::EnUs => " ",
                };
                let together: Vec<String> = relationships
                    .iter()
                    .flat_map(|r| names.iter().map(move |n| format!("{r}{separator}{n}")))
                    .collect();
                let mut phrases = names;
                phrases.extend(relationships);
                phrases.extend(together);
                Named {
                    item: ItemRef::Payee(p.id.clone()),
                    label: name,
                    ending: Some(p.account_number.reveal().last_four().to_owned()),
                    phrases,
                }
            })
            .collect();
        let billers = billers
            .map(|b| {
                let mut phrases = vec![b.name.clone()];
                phrases.extend(words(&vocabulary.biller_categories, b.category.as_str()));
                Named {
                    item: ItemRef::Biller(b.id.clone()),
                    label: b.name.clone(),
                    ending: Some(b.customer_reference.reveal().last_four().to_owned()),
                    phrases,
                }
            })
            .collect();
        let accounts = accounts
            .into_iter()
            .map(|a| {
                let mut phrases = vec![a.name.clone()];
                phrases.extend(words(&vocabulary.account_kinds, a.kind.as_str()));
                let last_four = a.number.reveal().last_four().to_owned();
                Named {
                    item: ItemRef::Account(a.id.clone()),
                    label: last_four.clone(),
                    ending: Some(last_four),
                    phrases,
                }
            })
            .collect();
        let cards = cards
            .map(|c| {
                let mut phrases = vec![c.name.clone()];
                phrases.extend(words(&vocabulary.card_kinds, c.kind.as_str()));
                let last_four = c.number.reveal().last_four().to_owned();
                Named {
                    item: ItemRef::Card(c.id.clone()),
                    label: last_four.clone(),
                    ending: Some(last_four),
                    phrases,
                }
            })
            .collect();
        // Only the model's categories: a word the vocabulary gives another key names nothing.
        let categories = vocabulary
            .spending_categories
            .iter()
            .filter_map(|(key, phrases)| {
                let category = Category::parse(key)?;
                let phrases: Vec<&str> = phrases.iter().map(String::as_str).collect();
                Some(Named::called(
                    ItemRef::Category(category),
                    category.as_str(),
                    &phrases,
                ))
            })
            .collect();
        World {
            locale,
            currency,
            today,
            payees,
            billers,
            accounts,
            cards,
            categories,
        }
    }
}
