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

struct Sqlite(RefCell<Connection>);

impl Sqlite {
    fn open() -> Self {
        Sqlite(RefCell::new(Connection::open_in_memory().unwrap()))
    }
}

fn bind(params: &[SqlValue]) -> Vec<rusqlite::types::Value> {
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

fn migrated() -> Sqlite {
    let db = Sqlite::open();
    migrate(&db, at(2026, 1, 1, 0)).unwrap();
    db
}

fn report(email: Option<&str>) -> (ValidReport, RoutingDecision) {
    let config = demo_config();
    let report = ReportRequest {
        category: Some("alberi-pericolanti".into()),
        description: Some("Ramo spezzato sopra il marciapiede".into()),
        location: Some(LocationInput {
            lat: 45.69,
            lon: 9.66,
        }),
        reporter: Some(ReporterInput {
            name: Some("Anna Bianchi".into()),
            email: email.map(String::from),
        }),
        ..Default::default()
    }
    .validate(&config)
    .unwrap();
    let routing = route(&config, &report);
    (report, routing)
}

fn at(y: i32, m: u32, d: u32, h: u32) -> DateTime<Utc> {
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
    let (report, routing) = report(Some("anna@example.it"));
    let mut entropy = SeededEntropy::new(1);
    let ticket = create_ticket(&db, report, routing, at(2026, 5, 4, 10), &mut entropy).unwrap();
    assert_eq!(ticket.public_number.to_string(), "2026-000001");
    assert_eq!(ticket.routing.office, "verde-pubblico");

    let (found, events) = find_by_tracking_token(&db, &ticket.tracking_token)
        .unwrap()
        .unwrap();
    assert_eq!(found, ticket);
    assert_eq!(events.len(), 1);
    assert_eq!(events[0].kind.as_str(), "created");
    assert_eq!(events[0].to_status, Status::Received);
    assert_eq!(events[0].actor, Actor::Citizen);
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
        let (report, routing) = report(None);
        numbers.push(
            create_ticket(&db, report, routing, when, &mut entropy)
                .unwrap()
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
fn a_failed_creation_leaves_no_ticket_and_no_used_number() {
    let db = migrated();
    let mut entropy = SeededEntropy::new(3);
    let (report_a, routing_a) = report(None);
    let first = create_ticket(&db, report_a, routing_a, at(2026, 1, 10, 9), &mut entropy).unwrap();
    // Same entropy seed replays the same ticket id: the insert fails on the primary key.
    let mut replay = SeededEntropy::new(3);
    let (report_b, routing_b) = report(None);
    assert!(create_ticket(
        &db,
        report_b.clone(),
        routing_b.clone(),
        at(2026, 1, 10, 9),
        &mut replay
    )
    .is_err());
    assert_eq!(count_tickets(&db).unwrap(), 1);
    let second = create_ticket(&db, report_b, routing_b, at(2026, 1, 10, 9), &mut entropy).unwrap();
    assert_eq!(
        first.public_number.sequence() + 1,
        second.public_number.sequence()
    );
}

#[test]
fn the_history_is_append_only() {
    let db = migrated();
    let (report, routing) = report(None);
    let ticket = create_ticket(
        &db,
        report,
        routing,
        at(2026, 2, 2, 9),
        &mut SeededEntropy::new(4),
    )
    .unwrap();
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
