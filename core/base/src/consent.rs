//! The uses of the customer's data that need her consent. The banking itself (her accounts,
//! cards and payments, which the bank keeps by contract) needs none here; each use beyond it
//! is asked for on its own, with its own wording (`locales/*/consent.ftl`), recorded with the
//! version of the wording she saw, and can be withdrawn at any time. Nothing of that use
//! happens before she agreed, or after she withdrew.

use std::fmt;

/// One use of the customer's data that she decides on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Purpose {
    /// Her speech recognized on this phone, to understand what she asks: the audio never
    /// leaves the phone and is not kept.
    VoiceRecognition,
}

impl Purpose {
    pub const ALL: [Purpose; 1] = [Purpose::VoiceRecognition];

    /// The purpose's name in the store and in message ids (`consent-<key>-title`).
    pub fn key(self) -> &'static str {
        match self {
            Purpose::VoiceRecognition => "voice-recognition",
        }
    }
}

impl fmt::Display for Purpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Where the customer's decision on a purpose stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Consent {
    /// Never asked, or asked with a wording that has since changed: ask (again).
    NotAsked,
    Granted,
    Refused,
}

impl Consent {
    pub fn granted(self) -> bool {
        self == Consent::Granted
    }
}
