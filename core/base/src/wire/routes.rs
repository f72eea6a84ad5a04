//! The bank API's routes, declared once: the client builds its requests from them and the
//! reference bank serves exactly them (its router is made from this table, and a test checks
//! the table against `docs/api/openapi.yaml`).

use std::fmt;

/// The HTTP methods the API uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    Get,
    Post,
    Put,
}

impl HttpMethod {
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
        }
    }
}

impl fmt::Display for HttpMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One route: a method and a path template whose `{name}` parts are filled in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Route {
    pub method: HttpMethod,
    pub template: &'static str,
}

const fn route(method: HttpMethod, template: &'static str) -> Route {
    Route { method, template }
}

pub const HEALTH: Route = route(HttpMethod::Get, "/v1/health");
pub const REGISTER_DEVICE: Route = route(HttpMethod::Post, "/v1/devices");
/// The customer's devices that are not revoked.
pub const DEVICES: Route = route(HttpMethod::Get, "/v1/devices");
/// Revokes one of the customer's devices: it can no longer log in or pay.
pub const REVOKE_DEVICE: Route = route(HttpMethod::Post, "/v1/devices/{id}/revoke");
pub const LOGIN_CHALLENGE: Route = route(HttpMethod::Post, "/v1/sessions/challenge");
pub const LOGIN: Route = route(HttpMethod::Post, "/v1/sessions");
/// Query: `limit`, `cursor`.
pub const CHANGES: Route = route(HttpMethod::Get, "/v1/changes");
/// Server-sent events: the customer's data changed.
pub const EVENTS: Route = route(HttpMethod::Get, "/v1/events");
pub const LOCK_CARD: Route = route(HttpMethod::Post, "/v1/cards/{id}/lock");
pub const UNLOCK_CARD: Route = route(HttpMethod::Post, "/v1/cards/{id}/unlock");
pub const MARK_ALERT_READ: Route = route(HttpMethod::Post, "/v1/alerts/{id}/read");
pub const GET_PREFERENCES: Route = route(HttpMethod::Get, "/v1/preferences");
pub const PUT_PREFERENCES: Route = route(HttpMethod::Put, "/v1/preferences");
pub const PAYMENT_CHALLENGE: Route = route(HttpMethod::Post, "/v1/payments/challenge");
pub const MAKE_PAYMENT: Route = route(HttpMethod::Post, "/v1/payments");
pub const PAYMENT_BY_KEY: Route = route(HttpMethod::Get, "/v1/payments/by-key/{key}");
pub const CANCEL_PAYMENT: Route = route(HttpMethod::Post, "/v1/payments/{id}/cancel");

/// Every route the API has.
pub const ALL: [Route; 17] = [
    HEALTH,
    REGISTER_DEVICE,
    DEVICES,
    REVOKE_DEVICE,
    LOGIN_CHALLENGE,
    LOGIN,
    CHANGES,
    EVENTS,
    LOCK_CARD,
    UNLOCK_CARD,
    MARK_ALERT_READ,
    GET_PREFERENCES,
    PUT_PREFERENCES,
    PAYMENT_CHALLENGE,
    MAKE_PAYMENT,
    PAYMENT_BY_KEY,
    CANCEL_PAYMENT,
];

impl Route {
    /// The path with each `{name}` replaced, in order, by the next of `params`,
    /// percent-encoded (an id the bank chose may hold any character). `None` when the
    /// number of parameters differs from the template's, or when one is empty or a dot
    /// segment ("." or ".."), which a URL resolves away: "/v1/cards/../lock" is "/v1/lock",
    /// another route (encoding does not help: "%2E%2E" is a dot segment too).
    pub fn path(&self, params: &[&str]) -> Option<String> {
        let mut path = String::with_capacity(self.template.len());
        let mut rest = self.template;
        let mut params = params.iter();
        while let Some(open) = rest.find('{') {
            let close = rest[open..].find('}')? + open;
            path.push_str(&rest[..open]);
            let param = params.next()?;
            if is_dot_segment(param) || param.is_empty() {
                return None;
            }
            path.push_str(&url_component(param));
            rest = &rest[close + 1..];
        }
        path.push_str(rest);
        params.next().is_none().then_some(path)
    }

    /// The path of a route without parameters.
    pub fn plain(&self) -> &'static str {
        self.template
    }
}

/// Whether `text` is a path segment a URL resolves away: "." or "..".
pub fn is_dot_segment(text: &str) -> bool {
    matches!(text, "." | "..")
}

/// `text` percent-encoded for a path segment or a query value: every byte but the unreserved
/// ones (RFC 3986).
pub fn url_component(text: &str) -> String {
    text.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                char::from(b).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_filled_in_order_and_encoded() {
        assert_eq!(
            LOCK_CARD.path(&["zh-card-credit"]).as_deref(),
            Some("/v1/cards/zh-card-credit/lock")
        );
        assert_eq!(
            CANCEL_PAYMENT.path(&["a/b c"]).as_deref(),
            Some("/v1/payments/a%2Fb%20c/cancel")
        );
        assert_eq!(HEALTH.path(&[]).as_deref(), Some("/v1/health"));
        assert_eq!(LOCK_CARD.path(&[]), None);
        for resolved_away in ["..", ".", ""] {
            assert_eq!(LOCK_CARD.path(&[resolved_away]), None, "{resolved_away:?}");
        }
        assert_eq!(
            LOCK_CARD.path(&["..."]).as_deref(),
            Some("/v1/cards/.../lock")
        );
        assert_eq!(HEALTH.path(&["extra"]), None);
        assert_eq!(url_component("李"), "%E6%9D%8E");
    }

    #[test]
    fn every_route_is_listed_once() {
        let mut seen = std::collections::HashSet::new();
        for route in ALL {
            assert!(seen.insert((route.method, route.template)), "{route:?}");
            assert!(route.template.starts_with("/v1/"), "{route:?}");
        }
    }
}
