//! How fast reports and follow-ups may come, against floods and scripts: each submission
//! is charged to its subjects (the client's network address, the reporter's e-mail
//! address, the client application's key, the report a tracking link opens), and refused
//! while a subject has used up one of its windows. The counting itself is in
//! `store::rate_limits`, inside the transaction that stores what was submitted.

use crate::config::{AbuseSettings, ComuneConfig};
use crate::email::Email;
use crate::ids::TrackingToken;
use serde::{Deserialize, Serialize};

pub const HOUR: i64 = 3600;
pub const DAY: i64 = 24 * HOUR;
/// The longest window: events older than this are never counted, so they are deleted.
pub const LONGEST_WINDOW: i64 = DAY;

/// At most `max` events in any `window_seconds`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limit {
    pub max: u32,
    pub window_seconds: i64,
}

/// Who or what a submission is counted against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// New reports from one network address (as Cloudflare saw the client).
    ReportsFromAddress,
    /// New reports signed with one e-mail address.
    ReportsFromEmail,
    /// New reports filed by one client application (Open311 key).
    ReportsFromApiKey,
    /// Messages, ratings and reopenings sent through one report's tracking link.
    ActionsOnReport,
    /// "My reports" sign-in links asked for one e-mail address, whether it reported or not,
    /// so that being refused tells nothing about the address.
    SignInLinksToEmail,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ReportsFromAddress => "reports_from_address",
            Self::ReportsFromEmail => "reports_from_email",
            Self::ReportsFromApiKey => "reports_from_api_key",
            Self::ActionsOnReport => "actions_on_report",
            Self::SignInLinksToEmail => "sign_in_links_to_email",
        }
    }

    /// What a refused citizen is told (the API's `message`).
    pub fn explanation(self) -> &'static str {
        match self {
            Self::ReportsFromAddress => {
                "Too many reports have been sent from this connection; please try again later."
            }
            Self::ReportsFromEmail => {
                "Too many reports have been sent with this e-mail address today; please try again later."
            }
            Self::ReportsFromApiKey => {
                "This application has filed too many reports in the last hour; please slow down."
            }
            Self::ActionsOnReport => {
                "Too many messages have been sent about this report in the last hour; please try again later."
            }
            Self::SignInLinksToEmail => {
                "Too many sign-in links have been asked for this e-mail address today; please try again tomorrow."
            }
        }
    }
}

/// One subject to count a submission against, with the limits that apply to it. The
/// subject is only ever stored as a salted hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Charge {
    pub scope: Scope,
    pub subject: String,
    pub limits: Vec<Limit>,
}

/// A submission refused by a limit: which one, and when it may come again.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Refusal {
    pub scope: Scope,
    pub retry_after_seconds: i64,
}

fn limits(pairs: &[(u32, i64)]) -> Vec<Limit> {
    pairs
        .iter()
        .filter(|(max, _)| *max > 0)
        .map(|&(max, window_seconds)| Limit {
            max,
            window_seconds,
        })
        .collect()
}

fn charge(scope: Scope, subject: &str, limits: Vec<Limit>) -> Option<Charge> {
    let subject = subject.trim();
    (!subject.is_empty() && !limits.is_empty()).then(|| Charge {
        scope,
        subject: subject.to_lowercase(),
        limits,
    })
}

/// The charges for a new report. A client application's reports count against its key
/// only: it files for many citizens from few addresses.
pub fn charges_for_report(
    config: &ComuneConfig,
    address: Option<&str>,
    email: Option<&Email>,
    api_key: Option<&str>,
) -> Vec<Charge> {
    let rules: &AbuseSettings = &config.abuse;
    if let Some(key) = api_key {
        return charge(
            Scope::ReportsFromApiKey,
            key,
            limits(&[(rules.reports_per_api_key_per_hour, HOUR)]),
        )
        .into_iter()
        .collect();
    }
    let by_address = address.and_then(|address| {
        charge(
            Scope::ReportsFromAddress,
            address,
            limits(&[
                (u32::from(rules.reports_per_address_per_hour), HOUR),
                (u32::from(rules.reports_per_address_per_day), DAY),
            ]),
        )
    });
    let by_email = email.and_then(|email| {
        charge(
            Scope::ReportsFromEmail,
            email.as_str(),
            limits(&[(u32::from(rules.reports_per_email_per_day), DAY)]),
        )
    });
    by_address.into_iter().chain(by_email).collect()
}

/// The charge for a citizen's follow-up through a tracking link.
pub fn charges_for_action(config: &ComuneConfig, token: &TrackingToken) -> Vec<Charge> {
    charge(
        Scope::ActionsOnReport,
        token.as_str(),
        limits(&[(u32::from(config.abuse.actions_per_report_per_hour), HOUR)]),
    )
    .into_iter()
    .collect()
}

/// Whether one more event fits every limit, given the times (Unix seconds) of the events
/// already counted for the subject. `None`: it fits; else the seconds until it would.
pub fn retry_after(earlier: &[i64], limits: &[Limit], now: i64) -> Option<i64> {
    limits
        .iter()
        .filter_map(|limit| {
            let mut inside: Vec<i64> = earlier
                .iter()
                .copied()
                .filter(|&at| at > now - limit.window_seconds && at <= now)
                .collect();
            let max = usize::try_from(limit.max).unwrap_or(usize::MAX);
            if inside.len() < max {
                return None;
            }
            inside.sort_unstable();
            // One more fits once enough of the oldest have left the window.
            let must_leave = inside[inside.len() - max];
            Some((must_leave + limit.window_seconds - now).max(1))
        })
        .max()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests_support::demo_config;

    const NOW: i64 = 1_800_000_000;

    fn per_hour(max: u32) -> Limit {
        Limit {
            max,
            window_seconds: HOUR,
        }
    }

    #[test]
    fn a_submission_fits_while_the_window_has_room() {
        assert_eq!(retry_after(&[], &[per_hour(2)], NOW), None);
        assert_eq!(retry_after(&[NOW - 10], &[per_hour(2)], NOW), None);
    }

    #[test]
    fn a_full_window_is_refused_until_its_oldest_event_leaves_it() {
        let earlier = [NOW - 3000, NOW - 100];
        assert_eq!(retry_after(&earlier, &[per_hour(2)], NOW), Some(600));
    }

    #[test]
    fn events_older_than_the_window_are_not_counted() {
        let earlier = [NOW - HOUR - 1, NOW - HOUR, NOW - 5];
        assert_eq!(retry_after(&earlier, &[per_hour(2)], NOW), None);
    }

    #[test]
    fn the_longest_wait_of_all_full_windows_is_given() {
        let earlier: Vec<i64> = (1..=5).map(|i| NOW - i * 2 * HOUR).collect();
        let daily = Limit {
            max: 5,
            window_seconds: DAY,
        };
        // The hourly window is empty; the day's holds five, the oldest ten hours ago.
        assert_eq!(
            retry_after(&earlier, &[per_hour(3), daily], NOW),
            Some(14 * HOUR)
        );
    }

    #[test]
    fn a_report_counts_against_the_address_and_the_e_mail_it_came_with() {
        let config = demo_config();
        let email = Email::parse("Mario.Rossi@Example.it").unwrap();
        let charges = charges_for_report(&config, Some("203.0.113.7"), Some(&email), None);
        let scopes: Vec<Scope> = charges.iter().map(|c| c.scope).collect();
        assert_eq!(scopes, [Scope::ReportsFromAddress, Scope::ReportsFromEmail]);
        assert_eq!(charges[0].limits.len(), 2);
        assert_eq!(charges[1].subject, "mario.rossi@example.it");
    }

    #[test]
    fn a_client_applications_report_counts_against_its_key_only() {
        let config = demo_config();
        let email = Email::parse("mario@example.it").unwrap();
        let charges = charges_for_report(&config, Some("203.0.113.7"), Some(&email), Some("k1"));
        assert_eq!(charges.len(), 1);
        assert_eq!(charges[0].scope, Scope::ReportsFromApiKey);
    }

    #[test]
    fn a_limit_set_to_zero_is_off() {
        let mut config = demo_config();
        config.abuse.reports_per_address_per_hour = 0;
        config.abuse.reports_per_address_per_day = 0;
        let charges = charges_for_report(&config, Some("203.0.113.7"), None, None);
        assert!(charges.is_empty());
    }

    #[test]
    fn an_unknown_address_is_not_counted() {
        let config = demo_config();
        assert!(charges_for_report(&config, None, None, None).is_empty());
        assert!(charges_for_report(&config, Some("  "), None, None).is_empty());
    }
}
