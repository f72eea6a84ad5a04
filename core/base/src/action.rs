//! What the customer asks the bank to do that may wait for it: locking a card, unlocking it
//! (with the step-up's proof), marking an alert read, changing preferences. Such an action is queued on the device (the outbox) until
//! the bank acknowledges it, and is kept there as what it is — its kind, the id of what it acts
//! on and its payload — never as an HTTP request: the request is made from the route table
//! when the action is sent.

use std::fmt;

use crate::ids::Id;
use crate::model::{Alert, Card};
use crate::wire::routes::{self, Route};
use crate::wire::{PreferencesDto, StepUpProof, WireError, kinds};

/// An action the customer asked for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// A safety action: allowed offline, sent before anything else.
    LockCard(Id<Card>),
    /// Weakens a protection: the bank acts on it only with the step-up's proof (an unlock
    /// queued by an earlier version has none, and the bank refuses it).
    UnlockCard(Id<Card>, Option<StepUpProof>),
    MarkAlertRead(Id<Alert>),
    SetPreferences(PreferencesDto),
}

/// The kinds of [`Action`], as the outbox stores them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActionKind {
    LockCard,
    UnlockCard,
    MarkAlertRead,
    SetPreferences,
}

impl ActionKind {
    pub const ALL: [ActionKind; 4] = [
        ActionKind::LockCard,
        ActionKind::UnlockCard,
        ActionKind::MarkAlertRead,
        ActionKind::SetPreferences,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ActionKind::LockCard => "lock_card",
            ActionKind::UnlockCard => "unlock_card",
            ActionKind::MarkAlertRead => "mark_alert_read",
            ActionKind::SetPreferences => "set_preferences",
        }
    }

    pub fn parse(name: &str) -> Option<ActionKind> {
        ActionKind::ALL
            .into_iter()
            .find(|kind| kind.as_str() == name)
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The id the outbox keeps for an action on the customer's preferences (there is one).
const PREFERENCES_TARGET: &str = "preferences";

impl Action {
    pub fn kind(&self) -> ActionKind {
        match self {
            Action::LockCard(_) => ActionKind::LockCard,
            Action::UnlockCard(..) => ActionKind::UnlockCard,
            Action::MarkAlertRead(_) => ActionKind::MarkAlertRead,
            Action::SetPreferences(_) => ActionKind::SetPreferences,
        }
    }

    /// The id of what the action acts on.
    pub fn target(&self) -> &str {
        match self {
            Action::LockCard(card) | Action::UnlockCard(card, _) => card,
            Action::MarkAlertRead(alert) => alert,
            Action::SetPreferences(_) => PREFERENCES_TARGET,
        }
    }

    /// What the action carries besides its target, as JSON: preferences, an unlock's proof.
    pub fn payload(&self) -> Option<String> {
        match self {
            Action::SetPreferences(preferences) => serde_json::to_string(preferences).ok(),
            Action::UnlockCard(_, Some(proof)) => serde_json::to_string(proof).ok(),
            _ => None,
        }
    }

    /// The action an outbox row holds. A row whose kind is unknown, or whose payload does not
    /// decode, is an error: it was not written by this code.
    pub fn from_parts(
        kind: &str,
        target: &str,
        payload: Option<&str>,
    ) -> Result<Action, WireError> {
        let kind = ActionKind::parse(kind).ok_or(WireError::UnknownValue {
            field: "action.kind",
        })?;
        Ok(match kind {
            ActionKind::LockCard => Action::LockCard(Id::new(target)),
            ActionKind::UnlockCard => Action::UnlockCard(
                Id::new(target),
                payload
                    .map(serde_json::from_str)
                    .transpose()
                    .map_err(|e| WireError::Shape(crate::wire::describe_json_error(&e)))?,
            ),
            ActionKind::MarkAlertRead => Action::MarkAlertRead(Id::new(target)),
            ActionKind::SetPreferences => {
                let payload = payload.ok_or(WireError::MissingData {
                    kind: kinds::PREFERENCES,
                })?;
                Action::SetPreferences(
                    serde_json::from_str(payload)
                        .map_err(|e| WireError::Shape(crate::wire::describe_json_error(&e)))?,
                )
            }
        })
    }

    /// Safety actions go first and may be queued offline.
    pub fn is_safety(&self) -> bool {
        matches!(self, Action::LockCard(_))
    }

    /// The route that carries the action to the bank.
    pub fn route(&self) -> Route {
        match self {
            Action::LockCard(_) => routes::LOCK_CARD,
            Action::UnlockCard(..) => routes::UNLOCK_CARD,
            Action::MarkAlertRead(_) => routes::MARK_ALERT_READ,
            Action::SetPreferences(_) => routes::PUT_PREFERENCES,
        }
    }

    /// The request's path, from the route table.
    pub fn path(&self) -> String {
        let route = self.route();
        let path = match self {
            Action::SetPreferences(_) => route.path(&[]),
            _ => route.path(&[self.target()]),
        };
        // Every route above takes exactly the parameters given here (a test checks it).
        path.unwrap_or_else(|| route.template.to_owned())
    }

    /// The request's body: the payload, or an empty JSON object.
    pub fn body(&self) -> String {
        self.payload().unwrap_or_else(|| "{}".to_owned())
    }

    /// The kind of entity the bank answers with, and its id.
    pub fn answered_with(&self) -> (&'static str, &str) {
        match self {
            Action::LockCard(card) | Action::UnlockCard(card, _) => (kinds::CARD, card),
            Action::MarkAlertRead(alert) => (kinds::ALERT, alert),
            Action::SetPreferences(_) => (kinds::PREFERENCES, PREFERENCES_TARGET),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn preferences() -> PreferencesDto {
        PreferencesDto {
            locale: "zh-CN".into(),
            speech_rate: 85,
            elderly_mode: true,
        }
    }

    #[test]
    fn actions_round_trip_through_their_stored_parts() {
        for action in [
            Action::LockCard(Id::new("zh-card-credit")),
            Action::UnlockCard(Id::new("c/1"), None),
            Action::UnlockCard(
                Id::new("c/1"),
                Some(StepUpProof {
                    challenge: "ch".into(),
                    signature: "sig".into(),
                }),
            ),
            Action::MarkAlertRead(Id::new("a-1")),
            Action::SetPreferences(preferences()),
        ] {
            let back = Action::from_parts(
                action.kind().as_str(),
                action.target(),
                action.payload().as_deref(),
            )
            .unwrap();
            assert_eq!(back, action);
        }
        assert!(Action::from_parts("wire_money", "x", None).is_err());
        assert!(Action::from_parts("set_preferences", "preferences", None).is_err());
        assert!(Action::from_parts("set_preferences", "preferences", Some("{")).is_err());
    }

    #[test]
    fn requests_come_from_the_route_table() {
        let lock = Action::LockCard(Id::new("zh card"));
        assert_eq!(lock.path(), "/v1/cards/zh%20card/lock");
        assert_eq!(lock.route().method.as_str(), "POST");
        assert_eq!(lock.body(), "{}");
        let prefs = Action::SetPreferences(preferences());
        assert_eq!(prefs.path(), "/v1/preferences");
        assert_eq!(prefs.route().method.as_str(), "PUT");
        assert!(prefs.body().contains("\"speech_rate\":85"));
        assert!(lock.is_safety() && !Action::UnlockCard(Id::new("c"), None).is_safety());
    }
}
