//! Throttling of sign-ins. Every attempt is counted when it starts (so parallel guesses
//! cannot slip past the count) under three keys: the account (the e-mail typed, whether or
//! not it exists, so that lockouts reveal nothing) from this address, the account from
//! anywhere, and the address. Too many in a window lock the key for a while; a successful
//! sign-in clears the account's counts. The account-from-anywhere limit is ten times the
//! per-address one, so locking someone out takes many addresses, not one script.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Policy {
    pub max_failures: u32,
    pub window_minutes: i64,
    pub lockout_minutes: i64,
}

/// Five wrong passwords for one account from one address in 15 minutes lock that pair
/// for 15 minutes.
pub const PER_ACCOUNT_AND_ADDRESS: Policy = Policy {
    max_failures: 5,
    window_minutes: 15,
    lockout_minutes: 15,
};

/// Fifty for one account from anywhere: a distributed guess is capped too.
pub const PER_ACCOUNT: Policy = Policy {
    max_failures: 50,
    window_minutes: 15,
    lockout_minutes: 15,
};

/// Twenty failures from one address in 15 minutes lock the address for 15 minutes
/// (an office behind one NAT address can still mistype a few times).
pub const PER_ADDRESS: Policy = Policy {
    max_failures: 20,
    window_minutes: 15,
    lockout_minutes: 15,
};

/// The failures counted for one key.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failures {
    pub count: u32,
    pub window_start: DateTime<Utc>,
    pub locked_until: Option<DateTime<Utc>>,
}

impl Failures {
    pub fn locked_until(&self, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.locked_until.filter(|until| *until > now)
    }

    /// The record after one more failure at `now`.
    pub fn after_failure(previous: Option<&Failures>, policy: Policy, now: DateTime<Utc>) -> Self {
        let window = Duration::minutes(policy.window_minutes);
        let mut next = match previous {
            Some(p) if p.window_start + window > now && p.locked_until(now).is_none() => p.clone(),
            Some(p) if p.locked_until(now).is_some() => return p.clone(),
            _ => Failures {
                count: 0,
                window_start: now,
                locked_until: None,
            },
        };
        next.count += 1;
        if next.count >= policy.max_failures {
            next.locked_until = Some(now + Duration::minutes(policy.lockout_minutes));
            next.count = 0;
            next.window_start = now;
        }
        next
    }
}

/// The key under which failures are counted.
pub fn account_key(typed_email: &str) -> String {
    format!("account:{}", typed_email.trim().to_lowercase())
}

pub fn address_key(address: &str) -> String {
    format!("address:{}", address.trim())
}

pub fn pair_key(typed_email: &str, address: &str) -> String {
    format!(
        "pair:{}|{}",
        typed_email.trim().to_lowercase(),
        address.trim()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn at(minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 11, 24, 9, minute, 0).unwrap()
    }

    fn fail(times: u32, policy: Policy, minute: u32) -> Failures {
        let mut record: Option<Failures> = None;
        for _ in 0..times {
            record = Some(Failures::after_failure(record.as_ref(), policy, at(minute)));
        }
        record.unwrap()
    }

    #[test]
    fn the_fifth_wrong_password_in_a_window_locks_the_account_for_fifteen_minutes() {
        let four = fail(4, PER_ACCOUNT_AND_ADDRESS, 0);
        assert_eq!(four.locked_until(at(0)), None);
        let five = Failures::after_failure(Some(&four), PER_ACCOUNT_AND_ADDRESS, at(1));
        assert_eq!(five.locked_until(at(1)), Some(at(16)));
        assert_eq!(five.locked_until(at(16)), None);
    }

    #[test]
    fn failures_spread_beyond_the_window_do_not_lock() {
        let four = fail(4, PER_ACCOUNT_AND_ADDRESS, 0);
        let later = Failures::after_failure(Some(&four), PER_ACCOUNT_AND_ADDRESS, at(20));
        assert_eq!(later.count, 1);
        assert_eq!(later.locked_until(at(20)), None);
    }

    #[test]
    fn failures_during_a_lockout_do_not_extend_it() {
        let locked = fail(5, PER_ACCOUNT_AND_ADDRESS, 0);
        let again = Failures::after_failure(Some(&locked), PER_ACCOUNT_AND_ADDRESS, at(10));
        assert_eq!(again.locked_until(at(10)), Some(at(15)));
    }

    #[test]
    fn an_account_from_anywhere_tolerates_ten_times_more_than_from_one_address() {
        assert_eq!(fail(49, PER_ACCOUNT, 0).locked_until(at(0)), None);
        assert!(fail(50, PER_ACCOUNT, 0).locked_until(at(0)).is_some());
    }

    #[test]
    fn an_address_tolerates_more_failures_than_an_account() {
        assert_eq!(fail(19, PER_ADDRESS, 0).locked_until(at(0)), None);
        assert!(fail(20, PER_ADDRESS, 0).locked_until(at(0)).is_some());
    }

    #[test]
    fn account_keys_ignore_case_and_spaces() {
        assert_eq!(account_key(" Mario@Comune.IT "), "account:mario@comune.it");
        assert_eq!(address_key("203.0.113.9"), "address:203.0.113.9");
    }
}
