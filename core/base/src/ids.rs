//! Identifiers of the customer's items, typed by what they identify.
//!
//! An item travels through understanding, the dialogue and a payment by its id; its name is
//! only for speech and screen. Two payees both named "Alice Chen" are two ids, never merged,
//! and an `Id<Card>` cannot be handed where an `Id<Payee>` is wanted.

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

/// The bank's identifier of one item of kind `T` (a payee, an account, a card…). The bank
/// chooses the text; it is internal (C1), never an account or card number.
pub struct Id<T> {
    value: String,
    // `fn() -> T`: an id is Send, Sync and Unpin whatever `T` is.
    kind: PhantomData<fn() -> T>,
}

impl<T> Id<T> {
    pub fn new(value: impl Into<String>) -> Id<T> {
        Id {
            value: value.into(),
            kind: PhantomData,
        }
    }

    pub fn as_str(&self) -> &str {
        &self.value
    }

    pub fn into_string(self) -> String {
        self.value
    }
}

// Written out rather than derived: a derive would ask `T` itself to be Clone, Eq, and so on.
impl<T> Clone for Id<T> {
    fn clone(&self) -> Id<T> {
        Id::new(self.value.clone())
    }
}

impl<T> PartialEq for Id<T> {
    fn eq(&self, other: &Id<T>) -> bool {
        self.value == other.value
    }
}

impl<T> Eq for Id<T> {}

impl<T> PartialEq<str> for Id<T> {
    fn eq(&self, other: &str) -> bool {
        self.value == other
    }
}

impl<T> PartialEq<&str> for Id<T> {
    fn eq(&self, other: &&str) -> bool {
        self.value == *other
    }
}

impl<T> PartialOrd for Id<T> {
    fn partial_cmp(&self, other: &Id<T>) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Id<T> {
    fn cmp(&self, other: &Id<T>) -> Ordering {
        self.value.cmp(&other.value)
    }
}

impl<T> Hash for Id<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.value.hash(state);
    }
}

impl<T> fmt::Debug for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.value)
    }
}

impl<T> fmt::Display for Id<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.value)
    }
}

/// An id reads as its text where text is wanted (a database key, a URL): the kind matters
/// when ids are compared or passed, not when they are written out.
impl<T> std::ops::Deref for Id<T> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.value
    }
}

impl<T> AsRef<str> for Id<T> {
    fn as_ref(&self) -> &str {
        &self.value
    }
}

impl<T> From<&str> for Id<T> {
    fn from(value: &str) -> Id<T> {
        Id::new(value)
    }
}

impl<T> From<String> for Id<T> {
    fn from(value: String) -> Id<T> {
        Id::new(value)
    }
}

impl<T> serde::Serialize for Id<T> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.value)
    }
}

impl<'de, T> serde::Deserialize<'de> for Id<T> {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Id<T>, D::Error> {
        String::deserialize(deserializer).map(Id::new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Card, Payee};

    #[test]
    fn ids_compare_by_text_within_a_kind() {
        let a: Id<Payee> = Id::new("p-1");
        let b: Id<Payee> = "p-1".into();
        assert_eq!(a, b);
        assert!(Id::<Payee>::new("p-1") < Id::new("p-2"));
        assert_eq!(format!("{a} {a:?}"), "p-1 \"p-1\"");
        let json = serde_json::to_string(&Id::<Card>::new("c-9")).unwrap();
        assert_eq!(json, "\"c-9\"");
        let back: Id<Card> = serde_json::from_str(&json).unwrap();
        assert_eq!(back.as_str(), "c-9");
    }
}
