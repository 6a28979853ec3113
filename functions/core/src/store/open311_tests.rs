//! Open311 reads and client keys on a real SQLite store.

use super::api_keys;
use super::open311::{number_of_token, rows};
use super::staff_tests::world_for_outbox;
use super::tests::{act_at, at, created, new_ticket, Sqlite};
use super::*;
use crate::api_keys::{hash_of, ApiKeySecret, NewApiKey};
use crate::config::tests_support::demo_config;
use crate::config::ComuneConfig;
use crate::ids::SeededEntropy;
use crate::open311::document::Value;
use crate::open311::requests::service_request;
use crate::open311::requests::Selection;
use crate::workflow::Command;

fn field<'a>(request: &'a Value, name: &str) -> Option<&'a Value> {
    match request {
        Value::Record(fields) => fields.iter().find(|(n, _)| *n == name).map(|(_, v)| v),
        _ => None,
    }
}

fn text(request: &Value, name: &str) -> String {
    match field(request, name) {
        Some(Value::Text(text)) => text.clone(),
        other => panic!("{name}: {other:?}"),
    }
}

fn window(open: Option<bool>, codes: &[&str]) -> Selection {
    Selection::Filter {
        service_codes: codes.iter().map(|c| c.to_string()).collect(),
        open,
        start: at(2026, 3, 1, 0),
        end: at(2026, 3, 31, 0),
    }
}

/// The selected requests, written as Open311 publishes them.
fn requests(
    db: &Sqlite,
    selection: &Selection,
    limit: u32,
    config: &ComuneConfig,
    now: DateTime<Utc>,
) -> Result<Vec<Value>, StoreError> {
    rows(db, selection, limit)?
        .into_iter()
        .map(|row| service_request(row, config, now))
        .collect()
}

#[test]
fn a_thousand_numbers_or_codes_fit_in_one_query() {
    let (db, _, ticket) = world_for_outbox();
    let mut numbers: Vec<String> = (1..1000).map(|n| format!("2025-{n:06}")).collect();
    numbers.push(ticket.public_number.to_string());
    assert_eq!(
        rows(&db, &Selection::Numbers(numbers), 1000).unwrap().len(),
        1
    );
    let mut codes: Vec<String> = (1..1000).map(|n| format!("categoria-{n}")).collect();
    codes.push("alberi-pericolanti".into());
    let filter = Selection::Filter {
        service_codes: codes,
        open: None,
        start: at(2026, 1, 1, 0),
        end: at(2026, 3, 31, 0),
    };
    assert_eq!(rows(&db, &filter, 1000).unwrap().len(), 1);
}

#[test]
fn requests_come_newest_first_filtered_by_status_code_and_window() {
    let (db, _, first) = world_for_outbox();
    let mut entropy = SeededEntropy::new(5);
    let second = created(create_ticket(
        &db,
        new_ticket(None, &mut entropy, at(2026, 3, 5, 9)),
        at(2026, 3, 5, 9),
        &mut entropy,
    ));
    let late = created(create_ticket(
        &db,
        new_ticket(None, &mut entropy, at(2026, 4, 5, 9)),
        at(2026, 4, 5, 9),
        &mut entropy,
    ));
    act_at(
        &db,
        &second,
        &Command::Resolve {
            answer: "Ramo rimosso".into(),
        },
        at(2026, 3, 6, 9),
    );
    let config = demo_config();
    let now = at(2026, 4, 10, 0);
    let numbers = |selection: &Selection, limit: u32| -> Vec<String> {
        requests(&db, selection, limit, &config, now)
            .unwrap()
            .iter()
            .map(|r| text(r, "service_request_id"))
            .collect()
    };
    let (first, second, late) = (
        first.public_number.to_string(),
        second.public_number.to_string(),
        late.public_number.to_string(),
    );
    assert_eq!(
        numbers(&window(None, &[]), 1000),
        [second.clone(), first.clone()]
    );
    assert_eq!(numbers(&window(None, &[]), 1), [second.as_str()]);
    assert_eq!(numbers(&window(Some(true), &[]), 1000), [first.as_str()]);
    assert_eq!(numbers(&window(Some(false), &[]), 1000), [second.as_str()]);
    assert_eq!(
        numbers(&window(None, &["alberi-pericolanti"]), 1000).len(),
        2
    );
    assert!(numbers(&window(None, &["buche-stradali"]), 1000).is_empty());
    assert_eq!(
        numbers(
            &Selection::Numbers(vec![late.clone(), "2026-999999".into(), "x".into()]),
            1000
        ),
        [late]
    );
}

#[test]
fn updated_datetime_moves_with_public_steps_only() {
    let (db, _, ticket) = world_for_outbox();
    let config = demo_config();
    let number = ticket.public_number.to_string();
    let updated = || {
        let found = requests(
            &db,
            &Selection::Numbers(vec![number.clone()]),
            10,
            &config,
            at(2026, 4, 1, 0),
        )
        .unwrap();
        text(&found[0], "updated_datetime")
    };
    let before = updated();
    act_at(
        &db,
        &ticket,
        &Command::InternalNote {
            text: "Chiamare il vivaio".into(),
        },
        at(2026, 3, 20, 9),
    );
    assert_eq!(updated(), before, "an internal note is not a public update");
    act_at(
        &db,
        &ticket,
        &Command::TakeInCharge { reply: None },
        at(2026, 3, 21, 9),
    );
    assert_eq!(updated(), "2026-03-21T10:00:00+01:00");
}

#[test]
fn a_token_leads_back_to_its_number() {
    let (db, _, ticket) = world_for_outbox();
    assert_eq!(
        number_of_token(&db, &ticket.id.to_string()).unwrap(),
        Some(ticket.public_number.to_string())
    );
    assert_eq!(number_of_token(&db, "0190-not-a-ticket").unwrap(), None);
}

fn issue(db: &Sqlite, admin: &crate::staff::StaffUser, seed: u64) -> (ApiKeySecret, String) {
    let secret = ApiKeySecret::generate(&mut SeededEntropy::new(seed));
    let valid = NewApiKey {
        name: Some(format!("App {seed}")),
        contact: Some("sviluppo@example.org".into()),
    }
    .validate()
    .unwrap();
    let key = api_keys::create(
        db,
        admin,
        &valid,
        &hash_of(secret.as_str()),
        &secret.shown_part(),
        at(2026, 3, 3, 9),
        &mut SeededEntropy::new(seed + 1),
    )
    .unwrap();
    (secret, key.id)
}

#[test]
fn a_key_opens_reports_until_it_is_revoked_and_every_change_is_audited() {
    let (db, admin, _) = world_for_outbox();
    let (secret, id) = issue(&db, &admin, 11);
    let now = at(2026, 3, 4, 9);
    assert_eq!(
        api_keys::authenticate(&db, &hash_of(secret.as_str()), now).unwrap(),
        Some(id.clone())
    );
    assert_eq!(
        api_keys::authenticate(&db, &hash_of("sgn_guessed"), now).unwrap(),
        None
    );
    let listed = api_keys::list(&db).unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].last_used_at, Some(now));
    assert_eq!(listed[0].key_prefix, secret.shown_part());
    assert!(!serde_json::to_string(&listed)
        .unwrap()
        .contains(secret.as_str()));

    let revoked = api_keys::revoke(&db, &admin, &id, at(2026, 3, 5, 9)).unwrap();
    assert!(!revoked.is_active());
    assert_eq!(revoked.revoked_by, Some(admin.id.to_string()));
    assert_eq!(
        api_keys::authenticate(&db, &hash_of(secret.as_str()), now).unwrap(),
        None
    );
    assert!(matches!(
        api_keys::revoke(&db, &admin, &id, now),
        Err(staff::StaffError::Conflict("already_revoked"))
    ));
    assert!(matches!(
        api_keys::revoke(&db, &admin, "nessuna", now),
        Err(staff::StaffError::NotFound(_))
    ));
    let actions: Vec<String> = staff::audit_log(&db, 10, None)
        .unwrap()
        .into_iter()
        .map(|entry| entry.action)
        .collect();
    assert_eq!(actions[..2], ["revoke_api_key", "create_api_key"]);
}

#[test]
fn a_ticket_remembers_the_key_that_filed_it_and_a_revoked_key_files_nothing() {
    let (db, admin, _) = world_for_outbox();
    let (_, id) = issue(&db, &admin, 21);
    let mut entropy = SeededEntropy::new(22);
    let now = at(2026, 3, 6, 9);
    let mut new = new_ticket(Some("anna@example.org"), &mut entropy, now);
    new.api_key = Some(id.clone());
    new.report.reporter.phone = Some(crate::report::Phone::parse("035 123456").unwrap());
    new.report.media_url = Some("https://app.example.org/1.jpg".into());
    let ticket = created(create_ticket(&db, new, now, &mut entropy));
    let stored = find_by_tracking_token(&db, &ticket.tracking_token)
        .unwrap()
        .unwrap()
        .ticket;
    assert_eq!(stored.api_key_id, Some(id.clone()));
    assert_eq!(stored.report.reporter.phone.unwrap().as_str(), "035 123456");
    assert_eq!(
        stored.report.media_url.as_deref(),
        Some("https://app.example.org/1.jpg")
    );
    assert_eq!(api_keys::find(&db, &id).unwrap().unwrap().reports, 1);

    api_keys::revoke(&db, &admin, &id, now).unwrap();
    let before = count_tickets(&db).unwrap();
    let mut new = new_ticket(None, &mut entropy, now);
    new.api_key = Some(id);
    assert_eq!(
        create_ticket(&db, new, now, &mut entropy).unwrap_err(),
        StoreError::ApiKeyRevoked
    );
    assert_eq!(count_tickets(&db).unwrap(), before);
}
