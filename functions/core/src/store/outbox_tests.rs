//! The e-mail outbox on real SQLite: what is owed, the queue bookkeeping, claiming,
//! retrying, failing, resending, address confirmation and the daily deadline lists.

use super::delivery::*;
use super::outbox::*;
use super::tests::{act_at, at, created, migrated, new_ticket, plan, Sqlite};
use super::*;
use crate::config::tests_support::demo_config;
use crate::config::{ComuneConfig, MailProvider, MailSettings};
use crate::email::Email;
use crate::ids::SeededEntropy;
use crate::mail::provider::Outcome;
use crate::workflow::Command;

fn file(db: &Sqlite, email: Option<&str>, seed: u64, confirm: bool) -> Ticket {
    let mut new = new_ticket(email, &mut SeededEntropy::new(seed), at(2026, 3, 2, 8));
    new.confirm_email = confirm;
    created(create_ticket(
        db,
        new,
        at(2026, 3, 2, 8),
        &mut SeededEntropy::new(seed + 1),
    ))
}

fn filed(db: &Sqlite, email: Option<&str>, seed: u64) -> Ticket {
    file(db, email, seed, false)
}

fn act(db: &Sqlite, ticket: &Ticket, command: Command) {
    act_at(db, ticket, &command, at(2026, 3, 3, 9));
}

#[derive(serde::Deserialize)]
struct Told {
    recipient: String,
    about: String,
    kind: String,
}

/// Rows for citizens as (recipient ticket, event's ticket, event kind), oldest first.
fn told(db: &Sqlite) -> Vec<(String, String, String)> {
    db.query::<Told>(
        "SELECT o.recipient_ticket_id AS recipient, e.ticket_id AS about, e.kind
         FROM outbox o JOIN ticket_events e ON e.id = o.event_id
         WHERE o.kind = 'citizen' ORDER BY o.id",
        &[],
    )
    .unwrap()
    .into_iter()
    .map(|t| (t.recipient, t.about, t.kind))
    .collect()
}

#[derive(serde::Deserialize)]
struct OfficeRow {
    kind: String,
    office_id: String,
}

fn offices_told(db: &Sqlite) -> Vec<(String, String)> {
    db.query::<OfficeRow>(
        "SELECT kind, office_id FROM outbox WHERE kind != 'citizen' ORDER BY id",
        &[],
    )
    .unwrap()
    .into_iter()
    .map(|r| (r.kind, r.office_id))
    .collect()
}

fn deliver(claim: Claim) -> Delivery {
    match claim {
        Claim::Deliver(delivery) => *delivery,
        other => panic!("expected a delivery, got {other:?}"),
    }
}

fn confirming() -> ComuneConfig {
    let mut config = demo_config();
    config.mail = Some(MailSettings {
        provider: MailProvider::Log,
        from_address: Email::parse("segnalazioni@comune.example.it").unwrap(),
        from_name: None,
        reply_to: None,
        message_stream: None,
        confirm_addresses: true,
    });
    config
}

fn sent() -> Outcome {
    Outcome::Sent {
        provider_id: Some("msg-1".into()),
    }
}

fn outage() -> Outcome {
    Outcome::Retry {
        reason: "503 service unavailable".into(),
        after_seconds: None,
    }
}

#[test]
fn every_public_step_leaves_one_row_for_the_reporter_and_internal_ones_none() {
    let db = migrated();
    let ticket = filed(&db, Some("anna@example.it"), 70);
    act(&db, &ticket, Command::TakeInCharge { reply: None });
    act(
        &db,
        &ticket,
        Command::InternalNote {
            text: "chiamare la ditta".into(),
        },
    );
    act(
        &db,
        &ticket,
        Command::SetPriority {
            priority: crate::ticket::Priority::High,
        },
    );
    act(
        &db,
        &ticket,
        Command::Resolve {
            answer: "Ramo rimosso".into(),
        },
    );
    let id = ticket.id.to_string();
    let kinds: Vec<String> = told(&db).into_iter().map(|(_, _, kind)| kind).collect();
    assert_eq!(kinds, ["created", "take_in_charge", "resolve"]);
    assert!(told(&db)
        .iter()
        .all(|(to, about, _)| *to == id && *about == id));
}

#[test]
fn a_reporter_without_an_e_mail_address_gets_no_rows_but_the_office_still_does() {
    let db = migrated();
    let ticket = filed(&db, None, 72);
    act(&db, &ticket, Command::TakeInCharge { reply: None });
    assert!(told(&db).is_empty());
    assert_eq!(
        offices_told(&db),
        [("office_new_ticket".into(), ticket.routing.office.clone())]
    );
}

#[test]
fn the_reporter_of_a_duplicate_is_told_of_the_original_s_later_steps() {
    let db = migrated();
    let original = filed(&db, Some("anna@example.it"), 74);
    let repeat = filed(&db, Some("bruno@example.it"), 76);
    act(
        &db,
        &repeat,
        Command::MarkDuplicate {
            of: original.public_number,
        },
    );
    act(
        &db,
        &original,
        Command::Resolve {
            answer: "Ramo rimosso".into(),
        },
    );
    let (original_id, repeat_id) = (original.id.to_string(), repeat.id.to_string());
    let resolved: Vec<(String, String, String)> = told(&db)
        .into_iter()
        .filter(|(_, _, kind)| kind == "resolve")
        .collect();
    assert_eq!(
        resolved,
        [
            (original_id.clone(), original_id.clone(), "resolve".into()),
            (repeat_id.clone(), original_id.clone(), "resolve".into()),
        ]
    );
    assert!(told(&db).contains(&(repeat_id.clone(), repeat_id, "mark_duplicate".into())));
}

#[test]
fn a_refused_or_stale_command_leaves_no_row() {
    let db = migrated();
    let ticket = filed(&db, Some("anna@example.it"), 78);
    let stale = apply_command(
        &db,
        ticket.id,
        &Command::TakeInCharge { reply: None },
        Actor::Staff("giardiniere".into()),
        7,
        &demo_config(),
        at(2026, 3, 3, 9),
    );
    assert!(stale.is_err());
    assert_eq!(told(&db).len(), 1, "only the creation");
}

#[test]
fn offices_are_owed_a_message_for_each_new_ticket_and_each_ticket_passed_to_them() {
    let db = migrated();
    let ticket = filed(&db, Some("anna@example.it"), 80);
    act(
        &db,
        &ticket,
        Command::Reassign {
            office: "strade-mobilita".into(),
            reason: "Il ramo è sulla carreggiata.".into(),
        },
    );
    assert_eq!(
        offices_told(&db),
        [
            ("office_new_ticket".into(), ticket.routing.office.clone()),
            ("office_reassigned".into(), "strade-mobilita".into()),
        ]
    );
    let config = demo_config();
    let passed = to_enqueue(&db, at(2026, 3, 3, 10), 10)
        .unwrap()
        .into_iter()
        .find(|owed| owed.kind == OutboxKind::OfficeReassigned)
        .unwrap();
    let delivery = deliver(claim(&db, passed.id, &config, at(2026, 3, 3, 10)).unwrap());
    assert_eq!(
        delivery.to,
        config.office("strade-mobilita").unwrap().email.as_str()
    );
    let from = config.office(&ticket.routing.office).unwrap();
    assert!(
        delivery.message.text.contains(&from.name.it),
        "names the office that passed it"
    );
    assert!(delivery
        .message
        .text
        .contains("Il ramo è sulla carreggiata."));
}

#[test]
fn rows_go_on_the_queue_once_and_again_only_when_their_message_was_lost() {
    let db = migrated();
    filed(&db, Some("anna@example.it"), 82);
    let now = at(2026, 3, 2, 8);
    let owed: Vec<i64> = to_enqueue(&db, now, 10)
        .unwrap()
        .iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(owed.len(), 2, "the citizen and the office");
    mark_enqueued(&db, &owed, now).unwrap();
    assert!(to_enqueue(&db, now + chrono::Duration::hours(12), 10)
        .unwrap()
        .is_empty());
    let lost: Vec<i64> = to_enqueue(&db, now + chrono::Duration::hours(14), 10)
        .unwrap()
        .iter()
        .map(|o| o.id)
        .collect();
    assert_eq!(lost, owed);
}

#[test]
fn a_shorter_silence_can_count_a_queue_message_as_lost() {
    let db = migrated();
    filed(&db, Some("anna@example.it"), 83);
    let now = at(2026, 3, 2, 8);
    let owed: Vec<i64> = to_enqueue(&db, now, 10)
        .unwrap()
        .iter()
        .map(|o| o.id)
        .collect();
    mark_enqueued(&db, &owed, now).unwrap();
    let wait = chrono::Duration::seconds(20);
    let later = |seconds| now + chrono::Duration::seconds(seconds);
    assert!(to_enqueue_after(&db, later(10), 10, wait)
        .unwrap()
        .is_empty());
    assert_eq!(to_enqueue_after(&db, later(30), 10, wait).unwrap().len(), 2);
}

#[test]
fn a_claim_renders_the_message_in_the_citizen_s_language_and_a_second_claim_waits_for_the_lease() {
    let db = migrated();
    let ticket = filed(&db, Some("anna@example.it"), 84);
    let config = demo_config();
    let row = to_enqueue(&db, at(2026, 3, 2, 8), 1).unwrap()[0].id;
    let now = at(2026, 3, 2, 9);
    let delivery = deliver(claim(&db, row, &config, now).unwrap());
    assert_eq!(delivery.to, "anna@example.it");
    assert_eq!(delivery.attempt, 1);
    assert!(delivery
        .message
        .subject
        .contains(&ticket.public_number.to_string()));
    assert!(delivery.idempotency_key.starts_with("segnala-"));
    assert_eq!(
        claim(&db, row, &config, now + chrono::Duration::seconds(10)).unwrap(),
        Claim::Busy { seconds: 50 },
        "a queue message delivered twice is not sent twice"
    );
    assert_eq!(record(&db, row, &sent(), now, 60).unwrap(), Recorded::Sent);
    assert_eq!(claim(&db, row, &config, now).unwrap(), Claim::Done);
    assert_eq!(
        record(&db, row, &outage(), now, 60).unwrap(),
        Recorded::Sent,
        "a late outcome changes nothing"
    );
}

#[test]
fn failed_attempts_wait_longer_each_time_and_give_up_after_the_last() {
    assert_eq!(retry_delay(1, 60, None), 60);
    assert_eq!(retry_delay(2, 60, None), 120);
    assert_eq!(retry_delay(5, 60, None), 960);
    assert_eq!(retry_delay(12, 60, None), MAX_RETRY_SECONDS);
    assert_eq!(
        retry_delay(3, 60, Some(30)),
        30,
        "the provider's Retry-After wins"
    );
    let db = migrated();
    filed(&db, Some("anna@example.it"), 86);
    let config = demo_config();
    let row = to_enqueue(&db, at(2026, 3, 2, 8), 1).unwrap()[0].id;
    let mut now = at(2026, 3, 2, 9);
    for attempt in 1..MAX_ATTEMPTS {
        assert_eq!(
            deliver(claim(&db, row, &config, now).unwrap()).attempt,
            attempt
        );
        let Recorded::RetryIn { seconds } = record(&db, row, &outage(), now, 60).unwrap() else {
            panic!("attempt {attempt} should be retried");
        };
        now += chrono::Duration::seconds(i64::from(seconds));
    }
    deliver(claim(&db, row, &config, now).unwrap());
    assert_eq!(
        record(&db, row, &outage(), now, 60).unwrap(),
        Recorded::Failed
    );
    assert!(
        now - at(2026, 3, 2, 9) > chrono::Duration::hours(20),
        "an outage of most of a day is survived"
    );
    let ticket = find_by_tracking_token(&db, &created_token(&db))
        .unwrap()
        .unwrap();
    let view = deliveries(&db, &ticket.ticket, &config).unwrap();
    let citizen = view.iter().find(|d| d.id == row).unwrap();
    assert_eq!(citizen.state, DeliveryState::Failed);
    assert_eq!(citizen.attempts, MAX_ATTEMPTS);
    assert!(citizen
        .last_error
        .as_deref()
        .unwrap()
        .contains("503 service unavailable"));
}

fn created_token(db: &Sqlite) -> crate::ids::TrackingToken {
    #[derive(serde::Deserialize)]
    struct Token {
        tracking_token: String,
    }
    let rows: Vec<Token> = db
        .query(
            "SELECT tracking_token FROM tickets ORDER BY created_at LIMIT 1",
            &[],
        )
        .unwrap();
    crate::ids::TrackingToken::parse(&rows[0].tracking_token).unwrap()
}

#[test]
fn a_refused_address_fails_at_once_and_the_dead_letter_queue_keeps_the_last_error() {
    let db = migrated();
    filed(&db, Some("anna@example.it"), 88);
    let config = demo_config();
    let rows: Vec<i64> = to_enqueue(&db, at(2026, 3, 2, 8), 2)
        .unwrap()
        .iter()
        .map(|o| o.id)
        .collect();
    let now = at(2026, 3, 2, 9);
    deliver(claim(&db, rows[0], &config, now).unwrap());
    let refused = Outcome::GiveUp {
        reason: "422 ErrorCode 406: inactive recipient".into(),
    };
    assert_eq!(
        record(&db, rows[0], &refused, now, 60).unwrap(),
        Recorded::Failed
    );
    deliver(claim(&db, rows[1], &config, now).unwrap());
    record(&db, rows[1], &outage(), now, 60).unwrap();
    dead_lettered(&db, rows[1], now).unwrap();
    let ticket = find_by_tracking_token(&db, &created_token(&db))
        .unwrap()
        .unwrap();
    let view = deliveries(&db, &ticket.ticket, &config).unwrap();
    assert_eq!(view[0].state, DeliveryState::Failed);
    assert_eq!(
        view[0].last_error.as_deref(),
        Some("422 ErrorCode 406: inactive recipient")
    );
    assert_eq!(view[1].state, DeliveryState::Failed);
    assert_eq!(
        view[1].last_error.as_deref(),
        Some("the outbox queue gave up on it (last error: 503 service unavailable)")
    );
    assert_eq!(view[1].kind, OutboxKind::OfficeNewTicket);
}

#[test]
fn an_erased_address_ends_the_delivery_without_sending() {
    let db = migrated();
    filed(&db, Some("anna@example.it"), 90);
    db.execute("UPDATE tickets SET reporter_email = NULL", &[])
        .unwrap();
    let row = to_enqueue(&db, at(2026, 3, 2, 8), 1).unwrap()[0].id;
    assert_eq!(
        claim(&db, row, &demo_config(), at(2026, 3, 2, 9)).unwrap(),
        Claim::Done
    );
    assert_eq!(undelivered(&db).unwrap(), 1, "only the office's is left");
}

#[test]
fn with_confirmation_the_first_message_carries_the_link_and_later_ones_wait_for_it() {
    let db = migrated();
    let config = confirming();
    let ticket = file(&db, Some("anna@example.it"), 92, true);
    act(&db, &ticket, Command::TakeInCharge { reply: None });
    let now = at(2026, 3, 3, 10);
    let citizen: Vec<i64> = to_enqueue(&db, now, 10)
        .unwrap()
        .into_iter()
        .filter(|o| o.kind == OutboxKind::Citizen)
        .map(|o| o.id)
        .collect();
    let first = deliver(claim(&db, citizen[0], &config, now).unwrap());
    assert!(first.message.text.contains("/conferma-email/"));
    assert_eq!(claim(&db, citizen[1], &config, now).unwrap(), Claim::Held);
    assert!(
        to_enqueue(&db, now, 10)
            .unwrap()
            .iter()
            .all(|o| o.id != citizen[1]),
        "a held row stays off the queue"
    );
    let link = first
        .message
        .text
        .lines()
        .find(|line| line.contains("/conferma-email/"))
        .unwrap();
    let code = crate::ids::TrackingToken::parse(link.rsplit('/').next().unwrap()).unwrap();
    let wrong = crate::ids::TrackingToken::parse(ticket.tracking_token.as_str()).unwrap();
    assert_eq!(
        confirmation::confirm_email(&db, &wrong, now).unwrap(),
        None,
        "the tracking token is not the code"
    );
    let opened = confirmation::ticket_of_code(&db, &code).unwrap().unwrap();
    assert_eq!(opened.id, ticket.id);
    assert_eq!(
        claim(&db, citizen[1], &config, now).unwrap(),
        Claim::Held,
        "opening the link (what a mail scanner does) releases nothing"
    );
    let confirmed = confirmation::confirm_email(&db, &code, now)
        .unwrap()
        .unwrap();
    assert_eq!(confirmed.id, ticket.id);
    assert!(to_enqueue(&db, now, 10)
        .unwrap()
        .iter()
        .any(|o| o.id == citizen[1]));
    let second = deliver(claim(&db, citizen[1], &config, now).unwrap());
    assert!(!second.message.text.contains("conferma-email"));
}

#[test]
fn staff_can_put_a_failed_delivery_back_on_the_queue_and_it_is_audited() {
    let (db, admin, ticket) = super::staff_tests::world_for_outbox();
    let config = demo_config();
    let now = at(2026, 3, 2, 9);
    let row = to_enqueue(&db, now, 1).unwrap()[0].id;
    deliver(claim(&db, row, &config, now).unwrap());
    let refused = Outcome::GiveUp {
        reason: "invalid address".into(),
    };
    record(&db, row, &refused, now, 60).unwrap();
    let view = resend(&db, &admin, ticket.public_number, row, &config, now).unwrap();
    let again = view.iter().find(|d| d.id == row).unwrap();
    assert_eq!(again.state, DeliveryState::Pending);
    assert_eq!(again.attempts, 0);
    assert!(to_enqueue(&db, now, 10)
        .unwrap()
        .iter()
        .any(|o| o.id == row));
    assert!(matches!(
        resend(&db, &admin, ticket.public_number, row, &config, now),
        Err(super::staff::StaffError::Conflict("delivery_not_failed"))
    ));
    let log = super::staff::audit_log(&db, 10, None).unwrap();
    assert!(serde_json::to_string(&log)
        .unwrap()
        .contains("resend_email"));
}

#[test]
fn each_office_gets_one_deadline_list_per_working_day_from_seven() {
    let db = migrated();
    let config = demo_config();
    // Filed Monday 2 March, to be taken in charge within one working day.
    let ticket = filed(&db, Some("anna@example.it"), 94);
    let office = ticket.routing.office.clone();
    // Tuesday 3 March, 06:30 in Rome: too early.
    assert_eq!(
        schedule_digests(
            &db,
            &config,
            at(2026, 3, 3, 5) + chrono::Duration::minutes(30)
        )
        .unwrap(),
        0
    );
    // 08:00 in Rome: one list, and only one however often the sweep runs.
    let morning = at(2026, 3, 3, 7);
    assert_eq!(schedule_digests(&db, &config, morning).unwrap(), 1);
    assert_eq!(schedule_digests(&db, &config, morning).unwrap(), 0);
    assert_eq!(
        offices_told(&db).last().unwrap(),
        &("office_deadlines".to_string(), office.clone())
    );
    // Saturday 7 March: no lists.
    assert_eq!(
        schedule_digests(&db, &config, at(2026, 3, 7, 9)).unwrap(),
        0
    );
    let row = to_enqueue(&db, morning, 10)
        .unwrap()
        .into_iter()
        .find(|o| o.kind == OutboxKind::OfficeDeadlines)
        .unwrap()
        .id;
    let list = deliver(claim(&db, row, &config, morning).unwrap());
    assert_eq!(list.to, config.office(&office).unwrap().email.as_str());
    assert!(list
        .message
        .text
        .contains(&ticket.public_number.to_string()));
}

#[test]
fn telling_reporters_of_a_step_looks_duplicates_up_by_index_not_by_reading_every_ticket() {
    let db = migrated();
    for (sql, params) in [(TELL_REPORTERS, 4), (TELL_DUPLICATES, 3)] {
        let steps = plan(&db, sql, params);
        assert!(
            steps.iter().all(|step| !step.starts_with("SCAN tickets")),
            "{steps:?}"
        );
        assert!(
            steps
                .iter()
                .any(|step| step.contains("tickets_by_duplicate_of")),
            "{steps:?}"
        );
    }
}
