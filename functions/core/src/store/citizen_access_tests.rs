//! "My reports" on real SQLite: sign-in links (who gets one, once, until it expires, how
//! many a day), a citizen's reports and data, and the erasure of their personal data.

use super::citizen_access::*;
use super::delivery::*;
use super::tests::{act_at, at, created, migrated, new_ticket, Sqlite};
use super::*;
use crate::citizen_access::{LinkRefused, TooManyLinks};
use crate::config::tests_support::demo_config;
use crate::email::Email;
use crate::ids::{SeededEntropy, TrackingToken};
use crate::report::Language;
use crate::subscription::AddressRequest;
use crate::workflow::Command;
use chrono::Duration;

fn filed(db: &Sqlite, email: &str, seed: u64, day: u32) -> Ticket {
    let now = at(2026, 3, day, 8);
    let new = new_ticket(Some(email), &mut SeededEntropy::new(seed), now);
    created(create_ticket(
        db,
        new,
        now,
        &mut SeededEntropy::new(seed + 1),
    ))
}

fn ask(db: &Sqlite, email: &str, now: DateTime<Utc>) -> Result<(), TooManyLinks> {
    let request = AddressRequest::parse(Some(email), Some("it")).unwrap();
    request_link(
        db,
        &request,
        900,
        now,
        &mut SeededEntropy::new(now.timestamp() as u64),
    )
    .unwrap()
}

#[derive(serde::Deserialize)]
struct Row {
    id: i64,
}

fn link_rows(db: &Sqlite) -> Vec<i64> {
    db.query::<Row>(
        "SELECT id FROM outbox WHERE kind = 'citizen_sign_in' ORDER BY id",
        &[],
    )
    .unwrap()
    .into_iter()
    .map(|r| r.id)
    .collect()
}

fn secret_in(delivery: &Delivery) -> TrackingToken {
    let start = delivery
        .message
        .text
        .find("/accesso/")
        .expect("a sign-in link")
        + "/accesso/".len();
    TrackingToken::parse(&delivery.message.text[start..start + 26]).unwrap()
}

fn deliver(db: &Sqlite, id: i64, now: DateTime<Utc>) -> Delivery {
    match claim(db, id, &demo_config(), now).unwrap() {
        Claim::Deliver(delivery) => *delivery,
        other => panic!("expected a delivery, got {other:?}"),
    }
}

fn anna() -> Email {
    Email::parse("anna@example.it").unwrap()
}

#[test]
fn a_link_goes_only_to_an_address_that_left_a_report_and_signs_in_once() {
    let db = migrated();
    filed(&db, "Anna@Example.it", 10, 2);
    ask(&db, "nobody@example.org", at(2026, 3, 3, 9)).unwrap();
    assert!(
        link_rows(&db).is_empty(),
        "no report, no message, and the same answer"
    );
    ask(&db, "anna@example.it", at(2026, 3, 3, 9)).unwrap();
    let rows = link_rows(&db);
    assert_eq!(rows.len(), 1);
    let delivery = deliver(&db, rows[0], at(2026, 3, 3, 9));
    assert_eq!(delivery.to, "anna@example.it");
    assert!(delivery.message.text.contains("15 minuti"));
    let secret = secret_in(&delivery);
    let signed_in = redeem(&db, &secret, at(2026, 3, 3, 9) + Duration::minutes(5))
        .unwrap()
        .unwrap();
    assert_eq!(signed_in.email, anna());
    assert_eq!(signed_in.language, Language::It);
    assert_eq!(
        redeem(&db, &secret, at(2026, 3, 3, 9) + Duration::minutes(6)).unwrap(),
        Err(LinkRefused::Used)
    );
    let wrong = TrackingToken::generate(&mut SeededEntropy::new(99));
    assert_eq!(
        redeem(&db, &wrong, at(2026, 3, 3, 9)).unwrap(),
        Err(LinkRefused::Unknown)
    );
}

#[test]
fn a_link_expires_and_an_expired_one_is_not_even_sent() {
    let db = migrated();
    filed(&db, "anna@example.it", 20, 2);
    ask(&db, "anna@example.it", at(2026, 3, 3, 9)).unwrap();
    let row = link_rows(&db)[0];
    let secret = secret_in(&deliver(&db, row, at(2026, 3, 3, 9)));
    assert_eq!(
        redeem(&db, &secret, at(2026, 3, 3, 9) + Duration::minutes(15)).unwrap(),
        Err(LinkRefused::Expired)
    );
    ask(&db, "anna@example.it", at(2026, 3, 3, 10)).unwrap();
    let late = link_rows(&db)[1];
    assert_eq!(
        claim(&db, late, &demo_config(), at(2026, 3, 3, 11)).unwrap(),
        Claim::Done
    );
}

#[test]
fn an_address_gets_at_most_five_links_a_day() {
    let db = migrated();
    filed(&db, "anna@example.it", 30, 2);
    for minute in 0..5 {
        ask(
            &db,
            "anna@example.it",
            at(2026, 3, 3, 9) + Duration::minutes(minute),
        )
        .unwrap();
    }
    assert_eq!(
        ask(&db, "anna@example.it", at(2026, 3, 3, 10)),
        Err(TooManyLinks)
    );
    assert_eq!(link_rows(&db).len(), 5);
    ask(&db, "anna@example.it", at(2026, 3, 4, 10)).unwrap();
}

#[test]
fn an_address_that_never_reported_is_refused_after_the_same_five_a_day_so_refusals_tell_nothing() {
    let db = migrated();
    filed(&db, "anna@example.it", 31, 2);
    let answers = |email: &str| -> Vec<bool> {
        (0..6)
            .map(|minute| ask(&db, email, at(2026, 3, 3, 9) + Duration::minutes(minute)).is_ok())
            .collect()
    };
    let reported = answers("anna@example.it");
    let never = answers("nessuno@example.it");
    assert_eq!(reported, vec![true, true, true, true, true, false]);
    assert_eq!(never, reported, "the same answers, reported or not");
    assert_eq!(
        link_rows(&db).len(),
        5,
        "links only ever go to the address that reported"
    );
}

#[test]
fn a_citizen_sees_only_their_own_reports_newest_first_and_their_data_holds_no_internal_note() {
    let db = migrated();
    let first = filed(&db, "anna@example.it", 40, 2);
    let second = filed(&db, "ANNA@example.it", 42, 3);
    filed(&db, "bruno@example.it", 44, 4);
    act_at(
        &db,
        &first,
        &Command::InternalNote {
            text: "Richiamare la signora".into(),
        },
        at(2026, 3, 5, 9),
    );
    let numbers: Vec<String> = reports_of(&db, &anna())
        .unwrap()
        .iter()
        .map(|r| r.ticket.public_number.to_string())
        .collect();
    assert_eq!(
        numbers,
        [
            second.public_number.to_string(),
            first.public_number.to_string()
        ]
    );
    let data = data_of(
        &db,
        &anna(),
        &demo_config(),
        Language::It,
        at(2026, 3, 6, 9),
    )
    .unwrap();
    assert_eq!(data.reports.len(), 2);
    let json = serde_json::to_string(&data).unwrap();
    assert!(
        json.contains("Anna Bianchi"),
        "what they gave about themselves"
    );
    assert!(json.contains("Ramo spezzato"), "their reports' content");
    assert!(!json.contains("Richiamare"), "never staff's internal notes");
    assert!(!json.contains("bruno@example.it"));
}

#[test]
fn erasing_anonymises_every_report_ends_subscriptions_and_links_and_sends_nothing_more() {
    let db = migrated();
    let report = filed(&db, "anna@example.it", 50, 2);
    filed(&db, "bruno@example.it", 52, 2);
    let request = AddressRequest::parse(Some("anna@example.it"), None).unwrap();
    super::subscriptions::follow(
        &db,
        report.public_number,
        &request,
        at(2026, 3, 3, 9),
        &mut SeededEntropy::new(5),
    )
    .unwrap()
    .unwrap();
    ask(&db, "anna@example.it", at(2026, 3, 3, 9)).unwrap();
    let link = link_rows(&db)[0];
    act_at(
        &db,
        &report,
        &Command::TakeInCharge { reply: None },
        at(2026, 3, 3, 10),
    );
    db.execute(
        "UPDATE outbox SET last_error = 'Invalid ''To'' address: ''anna@example.it''.' WHERE recipient_ticket_id = ?",
        &[report.id.to_string().into()],
    )
    .unwrap();
    assert_eq!(erase(&db, &anna(), at(2026, 3, 3, 11)).unwrap(), 1);
    let quoted = count(
        &db,
        "SELECT COUNT(*) AS n FROM outbox WHERE last_error LIKE '%anna@example.it%'",
        &[],
    )
    .unwrap();
    assert_eq!(quoted, 0, "no provider error keeps the address");

    let kept = find_by_tracking_token(&db, &report.tracking_token)
        .unwrap()
        .unwrap();
    assert_eq!(kept.ticket.report.reporter.email, None);
    assert_eq!(kept.ticket.report.reporter.name, None);
    assert_eq!(
        kept.ticket.report.description, report.report.description,
        "the report stays"
    );
    assert_eq!(kept.events.len(), 2, "with its history");
    assert!(reports_of(&db, &anna()).unwrap().is_empty());
    assert_eq!(
        count(
            &db,
            "SELECT COUNT(*) AS n FROM subscriptions WHERE email IS NOT NULL",
            &[]
        )
        .unwrap(),
        0
    );
    assert_eq!(
        claim(&db, link, &demo_config(), at(2026, 3, 3, 11)).unwrap(),
        Claim::Done,
        "the link is not sent"
    );
    let owed: Vec<Row> = db.query("SELECT id FROM outbox WHERE kind = 'citizen' AND sent_at IS NULL AND recipient_ticket_id = ?", &[report.id.to_string().into()]).unwrap();
    for row in owed {
        assert_eq!(
            claim(&db, row.id, &demo_config(), at(2026, 3, 3, 11)).unwrap(),
            Claim::Done
        );
    }
    assert_eq!(
        reports_of(&db, &Email::parse("bruno@example.it").unwrap())
            .unwrap()
            .len(),
        1,
        "others untouched"
    );
}
