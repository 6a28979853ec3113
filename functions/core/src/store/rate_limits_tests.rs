//! Rate limits on real SQLite: a report over its address's limit is refused and writes
//! nothing, a replay counts nothing, subjects are kept only as salted hashes and only for
//! a day, and a tracking link's follow-ups are counted too.

use super::follow_up::{act, CitizenActError};
use super::tests::{at, created, migrated, new_ticket, Sqlite};
use super::*;
use crate::config::tests_support::demo_config;
use crate::follow_up::CitizenCommand;
use crate::ids::SeededEntropy;
use crate::rate_limit::{charges_for_report, Charge, Limit, Scope, HOUR};

const ADDRESS: &str = "203.0.113.7";

fn from_address(address: &str, max: u32) -> Vec<Charge> {
    vec![Charge {
        scope: Scope::ReportsFromAddress,
        subject: address.into(),
        limits: vec![Limit {
            max,
            window_seconds: HOUR,
        }],
    }]
}

fn file(
    db: &Sqlite,
    entropy: &mut SeededEntropy,
    charges: Vec<Charge>,
    now: DateTime<Utc>,
) -> Result<Created, StoreError> {
    let mut new = new_ticket(Some("anna@example.org"), entropy, now);
    new.charges = charges;
    create_ticket(db, new, now, entropy)
}

#[derive(serde::Deserialize)]
struct Row {
    subject_hash: String,
}

fn stored_hashes(db: &Sqlite) -> Vec<String> {
    db.query::<Row>("SELECT subject_hash FROM rate_events", &[])
        .unwrap()
        .into_iter()
        .map(|r| r.subject_hash)
        .collect()
}

#[test]
fn a_report_over_its_address_limit_is_refused_and_writes_nothing() {
    let db = migrated();
    let mut entropy = SeededEntropy::new(3);
    let now = at(2026, 3, 2, 9);
    for _ in 0..2 {
        created(file(&db, &mut entropy, from_address(ADDRESS, 2), now));
    }
    let refused = file(&db, &mut entropy, from_address(ADDRESS, 2), now);
    match refused {
        Err(StoreError::RateLimited(refusal)) => {
            assert_eq!(refusal.scope, Scope::ReportsFromAddress);
            assert_eq!(refusal.retry_after_seconds, HOUR);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(count_tickets(&db).unwrap(), 2);
    assert_eq!(stored_hashes(&db).len(), 2);
    // Another address is not held back, and an hour later the first one may report again.
    created(file(
        &db,
        &mut entropy,
        from_address("198.51.100.1", 2),
        now,
    ));
    let later = now + chrono::Duration::seconds(HOUR);
    created(file(&db, &mut entropy, from_address(ADDRESS, 2), later));
}

#[test]
fn a_retried_submission_finds_its_ticket_without_counting_again() {
    let db = migrated();
    let mut entropy = SeededEntropy::new(4);
    let now = at(2026, 3, 2, 9);
    let key = Idempotency {
        key: "retry-1".into(),
        fingerprint: "f".into(),
        valid_for_seconds: None,
    };
    let mut new = new_ticket(None, &mut entropy, now);
    new.charges = from_address(ADDRESS, 1);
    new.idempotency = Some(key.clone());
    let first = created(create_ticket(&db, new.clone(), now, &mut entropy));
    match create_ticket(&db, new, now, &mut entropy).unwrap() {
        Created::Replayed(ticket) => assert_eq!(ticket.id, first.id),
        other => panic!("expected the replay, got {other:?}"),
    }
    assert_eq!(stored_hashes(&db).len(), 1);
}

#[test]
fn subjects_are_kept_only_as_salted_hashes_for_a_day() {
    let db = migrated();
    let mut entropy = SeededEntropy::new(5);
    let config = demo_config();
    let email = crate::email::Email::parse("anna@example.org").unwrap();
    let charges = charges_for_report(&config, Some(ADDRESS), Some(&email), None);
    let now = at(2026, 3, 2, 9);
    created(file(&db, &mut entropy, charges, now));
    let hashes = stored_hashes(&db);
    assert_eq!(hashes.len(), 2);
    for hash in &hashes {
        assert!(!hash.contains(ADDRESS) && !hash.contains("anna"), "{hash}");
        let plain = crate::api_keys::hash_of(ADDRESS);
        assert!(!plain.starts_with(hash.as_str()), "unsalted hash stored");
    }
    // The next submission a day later clears what is no longer counted.
    let next_day = now + chrono::Duration::seconds(crate::rate_limit::DAY);
    created(file(
        &db,
        &mut entropy,
        from_address("198.51.100.1", 5),
        next_day,
    ));
    assert_eq!(stored_hashes(&db).len(), 1);
}

#[test]
fn follow_ups_through_one_tracking_link_are_limited_per_hour() {
    let db = migrated();
    let mut entropy = SeededEntropy::new(6);
    let mut config = demo_config();
    config.abuse.actions_per_report_per_hour = 2;
    let now = at(2026, 3, 2, 9);
    let ticket = created(file(&db, &mut entropy, vec![], now));
    let message = CitizenCommand::Message {
        text: Some("Ancora lì.".into()),
        photos: 0,
    };
    let say = |entropy: &mut SeededEntropy, minutes: i64| {
        act(
            &db,
            &ticket.tracking_token,
            &message,
            &[],
            &config,
            now + chrono::Duration::minutes(minutes),
            entropy,
        )
        .unwrap()
    };
    assert!(say(&mut entropy, 1).is_ok());
    assert!(say(&mut entropy, 2).is_ok());
    match say(&mut entropy, 3) {
        Err(CitizenActError::RateLimited(refusal)) => {
            assert_eq!(refusal.scope, Scope::ActionsOnReport);
            assert_eq!(refusal.retry_after_seconds, HOUR - 2 * 60);
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let messages = history(&db, ticket.id)
        .unwrap()
        .into_iter()
        .filter(|e| e.note.as_deref() == Some("Ancora lì."))
        .count();
    assert_eq!(messages, 2);
    assert!(say(&mut entropy, 61).is_ok());
}
