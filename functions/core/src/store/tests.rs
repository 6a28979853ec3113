//! The store's statements run here on real SQLite (rusqlite, bundled), the same engine the
//! Durable Object uses.

use super::*;
use crate::config::tests_support::demo_config;
use crate::ids::SeededEntropy;
use crate::report::{LocationInput, ReportRequest, ReporterInput};
use crate::routing::route;
use chrono::TimeZone;
use rusqlite::{types::ValueRef, Connection};
use std::cell::RefCell;

pub(super) struct Sqlite(RefCell<Connection>);

impl Sqlite {
    fn open() -> Self {
        Sqlite(RefCell::new(Connection::open_in_memory().unwrap()))
    }
}

/// Most bound parameters in one statement on a Durable Object's SQLite; plain SQLite
/// allows far more, so the tests hold the store to the platform's limit.
const DURABLE_OBJECT_MAX_BOUND_PARAMETERS: usize = 100;

fn bind(params: &[SqlValue]) -> Vec<rusqlite::types::Value> {
    assert!(
        params.len() <= DURABLE_OBJECT_MAX_BOUND_PARAMETERS,
        "{} bound parameters: a Durable Object allows {DURABLE_OBJECT_MAX_BOUND_PARAMETERS}",
        params.len()
    );
    params
        .iter()
        .map(|p| match p {
            SqlValue::Null => rusqlite::types::Value::Null,
            SqlValue::Integer(i) => rusqlite::types::Value::Integer(*i),
            SqlValue::Real(f) => rusqlite::types::Value::Real(*f),
            SqlValue::Text(t) => rusqlite::types::Value::Text(t.clone()),
        })
        .collect()
}

impl SqlDatabase for Sqlite {
    fn execute(&self, sql: &str, params: &[SqlValue]) -> Result<(), StoreError> {
        self.0
            .borrow()
            .execute(sql, rusqlite::params_from_iter(bind(params)))
            .map(|_| ())
            .map_err(|e| StoreError::Database(e.to_string()))
    }

    fn query<T: DeserializeOwned>(
        &self,
        sql: &str,
        params: &[SqlValue],
    ) -> Result<Vec<T>, StoreError> {
        let connection = self.0.borrow();
        let mut statement = connection
            .prepare(sql)
            .map_err(|e| StoreError::Database(e.to_string()))?;
        let names: Vec<String> = statement.column_names().map(String::from).collect();
        let mut rows = statement
            .query(rusqlite::params_from_iter(bind(params)))
            .map_err(|e| StoreError::Database(e.to_string()))?;
        let mut out = Vec::new();
        while let Some(row) = rows
            .next()
            .map_err(|e| StoreError::Database(e.to_string()))?
        {
            let mut object = serde_json::Map::new();
            for (index, name) in names.iter().enumerate() {
                let value = match row.get_ref(index).unwrap() {
                    ValueRef::Null => serde_json::Value::Null,
                    ValueRef::Integer(i) => i.into(),
                    ValueRef::Real(f) => f.into(),
                    ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned().into(),
                    ValueRef::Blob(_) => unimplemented!("no blobs in the ticket store"),
                };
                object.insert(name.clone(), value);
            }
            out.push(
                serde_json::from_value(object.into())
                    .map_err(|e| StoreError::CorruptRow(e.to_string()))?,
            );
        }
        Ok(out)
    }

    fn transaction<R>(
        &self,
        work: impl FnOnce(&Self) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        self.0.borrow().execute_batch("BEGIN").unwrap();
        match work(self) {
            Ok(result) => {
                self.0.borrow().execute_batch("COMMIT").unwrap();
                Ok(result)
            }
            Err(error) => {
                self.0.borrow().execute_batch("ROLLBACK").unwrap();
                Err(error)
            }
        }
    }
}

#[derive(serde::Deserialize)]
struct PlanStep {
    detail: String,
}

/// SQLite's plan for `sql`, one line per step.
pub(super) fn plan(db: &Sqlite, sql: &str, params: usize) -> Vec<String> {
    let params: Vec<SqlValue> = (0..params).map(|_| "x".into()).collect();
    db.query::<PlanStep>(&format!("EXPLAIN QUERY PLAN {sql}"), &params)
        .unwrap()
        .into_iter()
        .map(|step| step.detail)
        .collect()
}

pub(super) fn migrated() -> Sqlite {
    let db = Sqlite::open();
    migrate(&db, at(2026, 1, 1, 0)).unwrap();
    db
}

pub(super) fn new_ticket(
    email: Option<&str>,
    entropy: &mut SeededEntropy,
    now: DateTime<Utc>,
) -> NewTicket {
    let (report, routing) = report(email);
    NewTicket {
        id: TicketId::generate(now, entropy),
        due: crate::ticket::Deadlines::for_report(&demo_config(), &report.category, now),
        report,
        routing,
        photos: vec![],
        idempotency: None,
        confirm_email: false,
        api_key: None,
        charges: vec![],
    }
}

pub(super) fn created(result: Result<Created, StoreError>) -> Ticket {
    match result.unwrap() {
        Created::New(ticket) => ticket,
        Created::Replayed(_) => panic!("expected a new ticket"),
    }
}

pub(super) fn report(email: Option<&str>) -> (ValidReport, RoutingDecision) {
    let config = demo_config();
    let report = ReportRequest {
        category: Some("alberi-pericolanti".into()),
        description: Some("Ramo spezzato sopra il marciapiede".into()),
        location: Some(LocationInput {
            lat: 45.69,
            lon: 9.66,
        }),
        reporter: Some(ReporterInput {
            phone: None,
            name: Some("Anna Bianchi".into()),
            email: email.map(String::from),
        }),
        privacy_accepted: Some(true),
        ..Default::default()
    }
    .validate(&config)
    .unwrap();
    let routing = route(&config, &report);
    (report, routing)
}

/// Applies `command` as a staff member to the ticket as it is now stored.
pub(super) fn act_at(
    db: &Sqlite,
    ticket: &Ticket,
    command: &crate::workflow::Command,
    now: DateTime<Utc>,
) -> crate::workflow::Outcome {
    let version = find_by_tracking_token(db, &ticket.tracking_token)
        .unwrap()
        .unwrap()
        .ticket
        .version;
    apply_command(
        db,
        ticket.id,
        command,
        Actor::Staff("giardiniere".into()),
        version,
        &demo_config(),
        now,
    )
    .unwrap()
}

pub(super) fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(y, m, d, h, 0, 0).unwrap()
}

#[test]
fn migrations_apply_once_and_are_recorded() {
    let db = Sqlite::open();
    assert_eq!(migrate(&db, at(2026, 1, 1, 0)).unwrap(), MIGRATIONS.len());
    assert_eq!(migrate(&db, at(2026, 1, 1, 0)).unwrap(), 0);
}

#[test]
fn every_migration_file_is_listed_in_order() {
    let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/../../schema/migrations");
    let mut files: Vec<String> = std::fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".sql"))
        .collect();
    files.sort();
    let listed: Vec<&str> = MIGRATIONS.iter().map(|m| m.name).collect();
    assert_eq!(files, listed);
    for (index, migration) in MIGRATIONS.iter().enumerate() {
        assert_eq!(migration.version as usize, index + 1);
        assert!(migration.name.starts_with(&format!("{:04}_", index + 1)));
    }
}

#[test]
fn creating_a_ticket_stores_it_with_its_first_event() {
    let db = migrated();
    let mut entropy = SeededEntropy::new(1);
    let now = at(2026, 5, 4, 10);
    let new = new_ticket(Some("anna@example.it"), &mut entropy, now);
    let ticket = created(create_ticket(&db, new, now, &mut entropy));
    assert_eq!(ticket.public_number.to_string(), "2026-000001");
    assert_eq!(ticket.routing.office, "verde-pubblico");

    let record = find_by_tracking_token(&db, &ticket.tracking_token)
        .unwrap()
        .unwrap();
    let events = record.events;
    assert_eq!(record.ticket, ticket);
    assert!(record.photos.is_empty());
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind.as_str(), "created");
    assert_eq!(events[0].to_status, Status::Received);
    assert_eq!(events[0].actor, Actor::Citizen);
}

#[test]
fn a_ticket_keeps_the_answers_to_its_category_questions() {
    use crate::report::answers::{Answer, AnswerValue};
    let db = migrated();
    let mut entropy = SeededEntropy::new(2);
    let now = at(2026, 5, 4, 10);
    let mut new = new_ticket(None, &mut entropy, now);
    new.report.answers = vec![
        Answer {
            code: "da-quando".into(),
            value: AnswerValue::Date(chrono::NaiveDate::from_ymd_opt(2026, 4, 1).unwrap()),
        },
        Answer {
            code: "lampioni-spenti".into(),
            value: AnswerValue::Number(2.5),
        },
    ];
    let ticket = created(create_ticket(&db, new.clone(), now, &mut entropy));
    let stored = find_by_tracking_token(&db, &ticket.tracking_token)
        .unwrap()
        .unwrap()
        .ticket;
    assert_eq!(stored.report.answers, new.report.answers);

    let without = created(create_ticket(
        &db,
        new_ticket(None, &mut entropy, now),
        now,
        &mut entropy,
    ));
    #[derive(serde::Deserialize, Debug, PartialEq)]
    struct Raw {
        answers: Option<String>,
    }
    let raw: Vec<Raw> = db
        .query(
            "SELECT answers FROM tickets WHERE id = ?",
            &[without.id.to_string().into()],
        )
        .unwrap();
    assert_eq!(raw, [Raw { answers: None }], "no answers, no JSON");
}

#[test]
fn public_numbers_are_consecutive_and_restart_each_year() {
    let db = migrated();
    let mut entropy = SeededEntropy::new(2);
    let mut numbers = Vec::new();
    for when in [
        at(2026, 3, 1, 9),
        at(2026, 3, 1, 10),
        at(2026, 12, 31, 23),
        at(2027, 1, 2, 8),
    ] {
        let new = new_ticket(None, &mut entropy, when);
        numbers.push(
            created(create_ticket(&db, new, when, &mut entropy))
                .public_number
                .to_string(),
        );
    }
    // 23:00 UTC on 31 December is already midnight in Italy.
    assert_eq!(
        numbers,
        vec!["2026-000001", "2026-000002", "2027-000001", "2027-000002"]
    );
}

#[test]
fn an_unknown_tracking_token_finds_nothing() {
    let db = migrated();
    let token = TrackingToken::generate(&mut SeededEntropy::new(9));
    assert!(find_by_tracking_token(&db, &token).unwrap().is_none());
}

#[test]
fn a_failed_creation_leaves_no_ticket_photo_or_used_number() {
    let db = migrated();
    let mut entropy = SeededEntropy::new(3);
    let now = at(2026, 1, 10, 9);
    let first = new_ticket(None, &mut entropy, now);
    let first_id = first.id;
    let first = created(create_ticket(&db, first, now, &mut entropy));
    // A second ticket reusing the first one's id fails on the primary key, after its
    // number was taken and its photo inserted: all of it must be rolled back.
    let mut clash = new_ticket(None, &mut entropy, now);
    clash.id = first_id;
    clash.photos = vec![photo(1)];
    assert!(create_ticket(&db, clash, now, &mut entropy).is_err());
    assert_eq!(count_tickets(&db).unwrap(), 1);
    assert!(photos(&db, first_id).unwrap().is_empty());
    let second = created(create_ticket(
        &db,
        new_ticket(None, &mut entropy, now),
        now,
        &mut entropy,
    ));
    assert_eq!(
        first.public_number.sequence() + 1,
        second.public_number.sequence()
    );
}

fn photo(position: u8) -> PhotoRecord {
    PhotoRecord {
        position,
        object_key: format!("tickets/x/photos/{position}.jpg"),
        thumbnail_key: None,
        content_type: "image/jpeg".into(),
        bytes: 1234,
        width: 800,
        height: 600,
    }
}

#[test]
fn photos_are_stored_with_their_ticket_in_order() {
    let db = migrated();
    let mut entropy = SeededEntropy::new(11);
    let now = at(2026, 6, 1, 9);
    let mut new = new_ticket(None, &mut entropy, now);
    let mut second = photo(2);
    second.object_key = "tickets/x/photos/2.jpg".into();
    second.thumbnail_key = Some("tickets/x/thumbnails/2.jpg".into());
    new.photos = vec![second.clone(), photo(1)];
    let ticket = created(create_ticket(&db, new, now, &mut entropy));
    let record = find_by_tracking_token(&db, &ticket.tracking_token)
        .unwrap()
        .unwrap();
    assert_eq!(record.photos, vec![photo(1), second]);
}

fn with_key(mut new: NewTicket, key: &str, fingerprint: &str, window: Option<i64>) -> NewTicket {
    new.idempotency = Some(Idempotency {
        key: key.into(),
        fingerprint: fingerprint.into(),
        valid_for_seconds: window,
    });
    new
}

#[test]
fn a_retried_submission_with_the_same_key_returns_the_first_ticket() {
    let db = migrated();
    let mut entropy = SeededEntropy::new(21);
    let now = at(2026, 6, 2, 9);
    let first = created(create_ticket(
        &db,
        with_key(
            new_ticket(None, &mut entropy, now),
            "client:abc",
            "f1",
            None,
        ),
        now,
        &mut entropy,
    ));
    let later = now + chrono::Duration::days(3);
    let retry = with_key(
        new_ticket(None, &mut entropy, later),
        "client:abc",
        "f1",
        None,
    );
    assert_eq!(
        create_ticket(&db, retry, later, &mut entropy).unwrap(),
        Created::Replayed(first)
    );
    assert_eq!(count_tickets(&db).unwrap(), 1);
}

#[test]
fn a_key_reused_for_a_different_submission_is_refused() {
    let db = migrated();
    let mut entropy = SeededEntropy::new(22);
    let now = at(2026, 6, 2, 9);
    created(create_ticket(
        &db,
        with_key(
            new_ticket(None, &mut entropy, now),
            "client:abc",
            "f1",
            None,
        ),
        now,
        &mut entropy,
    ));
    let other = with_key(
        new_ticket(None, &mut entropy, now),
        "client:abc",
        "f2",
        None,
    );
    assert_eq!(
        create_ticket(&db, other, now, &mut entropy),
        Err(StoreError::IdempotencyKeyReused)
    );
    assert_eq!(count_tickets(&db).unwrap(), 1);
}

#[test]
fn a_content_key_stops_holding_after_its_window() {
    let db = migrated();
    let mut entropy = SeededEntropy::new(23);
    let now = at(2026, 6, 2, 9);
    let key = |new| with_key(new, "content:f1", "f1", Some(600));
    created(create_ticket(
        &db,
        key(new_ticket(None, &mut entropy, now)),
        now,
        &mut entropy,
    ));
    let soon = now + chrono::Duration::minutes(5);
    assert!(matches!(
        create_ticket(
            &db,
            key(new_ticket(None, &mut entropy, soon)),
            soon,
            &mut entropy
        ),
        Ok(Created::Replayed(_))
    ));
    let later = now + chrono::Duration::minutes(11);
    let again = created(create_ticket(
        &db,
        key(new_ticket(None, &mut entropy, later)),
        later,
        &mut entropy,
    ));
    assert_eq!(again.public_number.sequence(), 2);
    let even_later = later + chrono::Duration::minutes(1);
    assert_eq!(
        create_ticket(
            &db,
            key(new_ticket(None, &mut entropy, even_later)),
            even_later,
            &mut entropy
        )
        .unwrap(),
        Created::Replayed(again),
        "the key now points at the newer ticket"
    );
}

#[test]
fn the_history_is_append_only() {
    let db = migrated();
    let mut entropy = SeededEntropy::new(4);
    let now = at(2026, 2, 2, 9);
    let ticket = created(create_ticket(
        &db,
        new_ticket(None, &mut entropy, now),
        now,
        &mut entropy,
    ));
    let update = db.execute(
        "UPDATE ticket_events SET note = 'x' WHERE ticket_id = ?",
        &[ticket.id.to_string().into()],
    );
    assert!(matches!(update, Err(StoreError::Database(m)) if m.contains("append-only")));
    let delete = db.execute("DELETE FROM ticket_events", &[]);
    assert!(delete.is_err());
    assert_eq!(history(&db, ticket.id).unwrap().len(), 1);
}

#[test]
fn trigger_bodies_stay_whole_when_splitting_statements() {
    let statements = split_statements(MIGRATIONS[0].sql);
    let trigger = statements
        .iter()
        .find(|s| s.contains("CREATE TRIGGER"))
        .unwrap();
    assert!(trigger.trim_end().ends_with("END"), "{trigger}");
    assert!(statements.iter().all(|s| !s.contains("--")));
}

fn stored_ticket(db: &Sqlite) -> Ticket {
    created(create_ticket(
        db,
        new_ticket(None, &mut SeededEntropy::new(40), at(2026, 3, 2, 8)),
        at(2026, 3, 2, 8),
        &mut SeededEntropy::new(41),
    ))
}

fn staff(id: &str) -> Actor {
    Actor::Staff(id.into())
}

#[test]
fn a_staff_command_changes_the_ticket_and_appends_its_event() {
    let db = migrated();
    let ticket = stored_ticket(&db);
    let command = crate::workflow::Command::TakeInCharge {
        reply: Some("Sopralluogo domani".into()),
    };
    let outcome = apply_command(
        &db,
        ticket.id,
        &command,
        staff("giardiniere"),
        1,
        &demo_config(),
        at(2026, 3, 2, 9),
    )
    .unwrap();
    assert_eq!(outcome.ticket.status, Status::TakenInCharge);
    let record = find_by_tracking_token(&db, &ticket.tracking_token)
        .unwrap()
        .unwrap();
    assert_eq!(
        record.ticket, outcome.ticket,
        "what was decided is what is stored"
    );
    assert_eq!(record.events.len(), 2);
    assert_eq!(record.events[1], outcome.event);
    assert_eq!(record.events[1].actor, staff("giardiniere"));
}

#[test]
fn of_two_commands_on_the_same_version_only_the_first_is_kept() {
    let db = migrated();
    let ticket = stored_ticket(&db);
    let resolve = crate::workflow::Command::Resolve {
        answer: "Ramo rimosso".into(),
    };
    let reject = crate::workflow::Command::Reject {
        reason: crate::workflow::RejectionReason::NotCompetent,
        explanation: "Albero privato".into(),
    };
    let config = demo_config();
    let first = apply_command(
        &db,
        ticket.id,
        &resolve,
        staff("a"),
        1,
        &config,
        at(2026, 3, 2, 9),
    );
    let second = apply_command(
        &db,
        ticket.id,
        &reject,
        staff("b"),
        1,
        &config,
        at(2026, 3, 2, 9),
    );
    assert!(first.is_ok());
    assert_eq!(
        second,
        Err(ApplyError::Command(crate::workflow::CommandError::Stale {
            current: 2,
            expected: 1
        }))
    );
    let record = find_by_tracking_token(&db, &ticket.tracking_token)
        .unwrap()
        .unwrap();
    assert_eq!(record.ticket.status, Status::Resolved);
    assert_eq!(record.events.len(), 2, "the refused command left no event");
}

#[derive(serde::Deserialize)]
struct Reason {
    rejection_reason: Option<String>,
}

#[test]
fn a_rejection_keeps_its_reason_until_the_ticket_is_reopened() {
    let db = migrated();
    let ticket = stored_ticket(&db);
    let config = demo_config();
    let reason = |db: &Sqlite| {
        db.query::<Reason>("SELECT rejection_reason FROM tickets", &[])
            .unwrap()
            .remove(0)
            .rejection_reason
    };
    let reject = crate::workflow::Command::Reject {
        reason: crate::workflow::RejectionReason::NotAProblem,
        explanation: "Il ramo è stato rimosso da un privato".into(),
    };
    apply_command(
        &db,
        ticket.id,
        &reject,
        staff("a"),
        1,
        &config,
        at(2026, 3, 2, 9),
    )
    .unwrap();
    assert_eq!(reason(&db).as_deref(), Some("not_a_problem"));
    let note = crate::workflow::Command::InternalNote {
        text: "Verificato con la foto".into(),
    };
    apply_command(
        &db,
        ticket.id,
        &note,
        staff("a"),
        2,
        &config,
        at(2026, 3, 2, 10),
    )
    .unwrap();
    assert_eq!(
        reason(&db).as_deref(),
        Some("not_a_problem"),
        "a note leaves the reason as it was"
    );
    let reopen = crate::workflow::Command::Reopen {
        reason: "Il cittadino segnala che il ramo è ancora lì".into(),
    };
    let reopened = apply_command(
        &db,
        ticket.id,
        &reopen,
        staff("a"),
        3,
        &config,
        at(2026, 3, 3, 9),
    )
    .unwrap();
    assert_eq!(reopened.ticket.status, Status::TakenInCharge);
    assert_eq!(reason(&db), None);
}

#[test]
fn a_command_on_an_unknown_ticket_or_refused_by_the_state_machine_writes_nothing() {
    let db = migrated();
    let ticket = stored_ticket(&db);
    let config = demo_config();
    let unknown = TicketId::generate(at(2026, 3, 2, 9), &mut SeededEntropy::new(99));
    let take = crate::workflow::Command::TakeInCharge { reply: None };
    assert_eq!(
        apply_command(
            &db,
            unknown,
            &take,
            staff("a"),
            1,
            &config,
            at(2026, 3, 2, 9)
        ),
        Err(ApplyError::NotFound)
    );
    let reopen = crate::workflow::Command::Reopen {
        reason: "Perché sì".into(),
    };
    assert!(matches!(
        apply_command(
            &db,
            ticket.id,
            &reopen,
            staff("a"),
            1,
            &config,
            at(2026, 3, 2, 9)
        ),
        Err(ApplyError::Command(crate::workflow::CommandError::Refused(
            _
        )))
    ));
    let record = find_by_tracking_token(&db, &ticket.tracking_token)
        .unwrap()
        .unwrap();
    assert_eq!(record.ticket, ticket);
    assert_eq!(record.events.len(), 1);
}

#[test]
fn the_sql_lists_of_open_and_closed_states_follow_the_state_machine() {
    let listed = |list: &str| -> Vec<Status> {
        list.trim_matches(|c| c == '(' || c == ')')
            .split(", ")
            .map(|s| Status::parse(s.trim_matches('\'')).unwrap())
            .collect()
    };
    let open: Vec<Status> = Status::ALL.into_iter().filter(|s| s.is_open()).collect();
    let closed: Vec<Status> = Status::ALL.into_iter().filter(|s| !s.is_open()).collect();
    assert_eq!(listed(OPEN_STATUSES), open);
    assert_eq!(listed(CLOSED_STATUSES), closed);
}

#[test]
fn instants_read_back_as_written_and_other_rfc_3339_shapes_still_parse() {
    let mut instant = Utc.with_ymd_and_hms(2016, 2, 28, 23, 59, 59).unwrap();
    for _ in 0..2_000 {
        instant += chrono::Duration::milliseconds(7_654_321_987);
        assert_eq!(parse_timestamp(&timestamp(instant)).unwrap(), instant);
    }
    let at = Utc.with_ymd_and_hms(2026, 3, 1, 7, 0, 0).unwrap();
    for other in [
        "2026-03-01T08:00:00+01:00",
        "2026-03-01T07:00:00Z",
        "2026-03-01T07:00:00.000000Z",
    ] {
        assert_eq!(parse_timestamp(other).unwrap(), at, "{other}");
    }
    for bad in [
        "2026-02-30T07:00:00.000Z",
        "2026-03-01T25:00:00.000Z",
        "2026-03-01T07:00:00.0a0Z",
        "",
    ] {
        assert!(parse_timestamp(bad).is_err(), "{bad}");
    }
}
