//! Open data read from a real SQLite store: milestones kept by staff actions and filled
//! by the migration, pages and their cursor, filters, and what never leaves the store.

use super::open_data::{data_version, reports_page, statistics, ReportsPage};
use super::tests::{act_at, at, migrated, plan, Sqlite};
use super::*;
use crate::config::tests_support::demo_config;
use crate::config::ComuneConfig;
use crate::ids::SeededEntropy;
use crate::migrations::MIGRATIONS;
use crate::open_data::query::{Dataset, OpenDataQuery};
use crate::report::answers::AnswerInput;
use crate::report::{LocationInput, ReportRequest, ReporterInput};
use crate::routing::route;
use crate::workflow::{Command, RejectionReason};

fn file(db: &Sqlite, category: &str, point: (f64, f64), now: DateTime<Utc>, seed: u64) -> Ticket {
    let config = demo_config();
    let report = ReportRequest {
        category: Some(category.into()),
        description: Some("Segnalato da Mario Rossi, via Verdi 12, tel. 333 1234567".into()),
        address: Some("Via Verdi 12".into()),
        location: Some(LocationInput {
            lat: point.0,
            lon: point.1,
        }),
        reporter: Some(ReporterInput {
            phone: None,
            name: Some("Mario Rossi".into()),
            email: Some("mario.rossi@example.org".into()),
        }),
        privacy_accepted: Some(true),
        // This category asks for the day and, optionally, a licence plate: personal data.
        answers: (category == "veicoli-abbandonati").then(|| {
            [
                ("da-quando", AnswerInput::Text("2026-03-01".into())),
                ("targa", AnswerInput::Text("XY 987 ZZ".into())),
            ]
            .map(|(code, answer)| (code.to_string(), answer))
            .into()
        }),
        ..Default::default()
    }
    .validate(&config)
    .unwrap();
    let routing = route(&config, &report);
    let new = NewTicket {
        id: TicketId::generate(now, &mut SeededEntropy::new(seed)),
        due: crate::ticket::Deadlines::for_report(&config, &report.category, now),
        report,
        routing,
        photos: vec![],
        idempotency: None,
        confirm_email: false,
        api_key: None,
        charges: vec![],
    };
    match create_ticket(db, new, now, &mut SeededEntropy::new(seed + 1000)).unwrap() {
        Created::New(ticket) => ticket,
        Created::Replayed(_) => unreachable!(),
    }
}

fn act(db: &Sqlite, ticket: &Ticket, command: Command, now: DateTime<Utc>) {
    act_at(db, ticket, &command, now);
}

#[derive(Debug, PartialEq, serde::Deserialize)]
struct Milestones {
    taken_in_charge_at: Option<String>,
    closed_at: Option<String>,
}

fn milestones(db: &Sqlite, ticket: &Ticket) -> Milestones {
    db.query(
        "SELECT taken_in_charge_at, closed_at FROM tickets WHERE id = ?",
        &[ticket.id.to_string().into()],
    )
    .unwrap()
    .remove(0)
}

fn take() -> Command {
    Command::TakeInCharge { reply: None }
}

fn resolve() -> Command {
    Command::Resolve {
        answer: "Riparata".into(),
    }
}

#[test]
fn staff_actions_keep_the_milestones_beside_the_ticket() {
    let db = migrated();
    let ticket = file(&db, "buche-stradali", (45.69, 9.66), at(2026, 3, 2, 8), 1);
    assert_eq!(
        milestones(&db, &ticket),
        Milestones {
            taken_in_charge_at: None,
            closed_at: None
        }
    );
    act(&db, &ticket, take(), at(2026, 3, 2, 9));
    assert_eq!(
        milestones(&db, &ticket).taken_in_charge_at.as_deref(),
        Some("2026-03-02T09:00:00.000Z")
    );
    // Passed to another office, the ticket waits again; the new office's action counts.
    act(
        &db,
        &ticket,
        Command::Reassign {
            office: "verde-pubblico".into(),
            reason: "Radici di un albero".into(),
        },
        at(2026, 3, 2, 10),
    );
    assert_eq!(milestones(&db, &ticket).taken_in_charge_at, None);
    act(&db, &ticket, resolve(), at(2026, 3, 3, 9));
    assert_eq!(
        milestones(&db, &ticket),
        Milestones {
            taken_in_charge_at: Some("2026-03-03T09:00:00.000Z".into()),
            closed_at: Some("2026-03-03T09:00:00.000Z".into())
        }
    );
    act(
        &db,
        &ticket,
        Command::InternalNote {
            text: "Verificato".into(),
        },
        at(2026, 3, 4, 9),
    );
    assert_eq!(
        milestones(&db, &ticket).closed_at.as_deref(),
        Some("2026-03-03T09:00:00.000Z")
    );
    act(
        &db,
        &ticket,
        Command::Reopen {
            reason: "La buca è tornata".into(),
        },
        at(2026, 3, 5, 9),
    );
    assert_eq!(milestones(&db, &ticket).closed_at, None);
    act(&db, &ticket, resolve(), at(2026, 3, 6, 9));
    assert_eq!(
        milestones(&db, &ticket),
        Milestones {
            taken_in_charge_at: Some("2026-03-03T09:00:00.000Z".into()),
            closed_at: Some("2026-03-06T09:00:00.000Z".into())
        }
    );
}

#[test]
fn the_migration_fills_the_milestones_of_earlier_tickets_from_their_history() {
    let db = migrated();
    let waiting = file(&db, "buche-stradali", (45.69, 9.66), at(2026, 3, 2, 8), 1);
    let reassigned = file(&db, "buche-stradali", (45.69, 9.66), at(2026, 3, 2, 8), 2);
    act(&db, &reassigned, take(), at(2026, 3, 2, 9));
    act(
        &db,
        &reassigned,
        Command::Reassign {
            office: "verde-pubblico".into(),
            reason: "Competenza del verde".into(),
        },
        at(2026, 3, 2, 10),
    );
    act(
        &db,
        &reassigned,
        Command::StartWork { reply: None },
        at(2026, 3, 2, 11),
    );
    let reopened = file(&db, "buche-stradali", (45.69, 9.66), at(2026, 3, 2, 8), 3);
    act(
        &db,
        &reopened,
        Command::Reject {
            reason: RejectionReason::NotCompetent,
            explanation: "Strada provinciale".into(),
        },
        at(2026, 3, 3, 8),
    );
    act(
        &db,
        &reopened,
        Command::Reopen {
            reason: "Era comunale".into(),
        },
        at(2026, 3, 4, 8),
    );
    act(&db, &reopened, resolve(), at(2026, 3, 5, 8));
    let kept: Vec<Milestones> = [&waiting, &reassigned, &reopened]
        .iter()
        .map(|t| milestones(&db, t))
        .collect();

    db.execute(
        "UPDATE tickets SET taken_in_charge_at = NULL, closed_at = NULL",
        &[],
    )
    .unwrap();
    let migration = MIGRATIONS.iter().find(|m| m.version == 8).unwrap();
    for statement in split_statements(migration.sql) {
        if statement.starts_with("UPDATE") {
            db.execute(&statement, &[]).unwrap();
        }
    }
    let filled: Vec<Milestones> = [&waiting, &reassigned, &reopened]
        .iter()
        .map(|t| milestones(&db, t))
        .collect();
    assert_eq!(filled, kept);
    assert_eq!(
        filled[1].taken_in_charge_at.as_deref(),
        Some("2026-03-02T11:00:00.000Z")
    );
    assert_eq!(
        filled[2].closed_at.as_deref(),
        Some("2026-03-05T08:00:00.000Z")
    );
}

fn query(text: &str, config: &ComuneConfig) -> OpenDataQuery {
    OpenDataQuery::parse(&crate::filters::test_pairs(text), config, Dataset::Reports).unwrap()
}

#[test]
fn pages_follow_filing_order_and_the_cursor_continues_after_the_last_report() {
    let db = migrated();
    let config = demo_config();
    for day in 1..=5 {
        file(
            &db,
            "buche-stradali",
            (45.69, 9.66),
            at(2026, 3, day, 8),
            u64::from(day),
        );
    }
    let now = at(2026, 3, 10, 8);
    let first = reports_page(&db, &query("", &config), 2, true, &config, now)
        .unwrap()
        .unwrap();
    let numbers = |page: &ReportsPage| -> Vec<String> {
        page.reports.iter().map(|r| r.number.clone()).collect()
    };
    assert_eq!(numbers(&first), ["2026-000001", "2026-000002"]);
    assert_eq!(first.total, Some(5));
    assert_eq!(first.next_after.as_deref(), Some("2026-000002"));
    let last = reports_page(
        &db,
        &query("after=2026-000004", &config),
        2,
        false,
        &config,
        now,
    )
    .unwrap()
    .unwrap();
    assert_eq!(numbers(&last), ["2026-000005"]);
    assert_eq!(last.next_after, None);
    assert!(reports_page(
        &db,
        &query("after=2026-000099", &config),
        2,
        false,
        &config,
        now
    )
    .unwrap()
    .is_none());
    let dated = reports_page(
        &db,
        &query("from=2026-03-02&to=2026-03-03", &config),
        10,
        true,
        &config,
        now,
    )
    .unwrap()
    .unwrap();
    assert_eq!(numbers(&dated), ["2026-000002", "2026-000003"]);
}

#[test]
fn filters_narrow_by_status_category_and_office() {
    let db = migrated();
    let config = demo_config();
    let pothole = file(&db, "buche-stradali", (45.69, 9.66), at(2026, 3, 2, 8), 1);
    file(
        &db,
        "rifiuti-abbandonati",
        (45.69, 9.66),
        at(2026, 3, 2, 9),
        2,
    );
    act(&db, &pothole, resolve(), at(2026, 3, 3, 8));
    let now = at(2026, 3, 10, 8);
    let count = |text: &str| {
        reports_page(&db, &query(text, &config), 100, true, &config, now)
            .unwrap()
            .unwrap()
            .total
            .unwrap()
    };
    assert_eq!(count(""), 2);
    assert_eq!(count("status=resolved"), 1);
    assert_eq!(count("status=open"), 1);
    assert_eq!(count("category=rifiuti-abbandonati"), 1);
    assert_eq!(count("theme=strade-viabilita&status=closed"), 1);
    assert_eq!(count("office=tributi"), 0);
}

#[test]
fn an_area_filter_matches_rounded_points_and_skips_categories_whose_place_is_private() {
    let db = migrated();
    let mut config = demo_config();
    file(
        &db,
        "buche-stradali",
        (45.694_4, 9.660_4),
        at(2026, 3, 2, 8),
        1,
    );
    file(
        &db,
        "degrado-urbano",
        (45.694_4, 9.660_4),
        at(2026, 3, 2, 9),
        2,
    );
    let now = at(2026, 3, 10, 8);
    let count = |text: &str, config: &ComuneConfig| {
        reports_page(&db, &query(text, config), 100, true, config, now)
            .unwrap()
            .unwrap()
            .total
            .unwrap()
    };
    // The published point is 45.694, 9.660: a box just off the exact point but around the
    // rounded one finds it; a box around the exact point only does not.
    assert_eq!(count("bbox=9.6599,45.6939,9.6601,45.6941", &config), 2);
    assert_eq!(count("bbox=9.6603,45.6943,9.6605,45.6945", &config), 0);
    for theme in &mut config.themes {
        for category in &mut theme.categories {
            if category.id == "degrado-urbano" {
                category.publish_location = Some(false);
            }
        }
    }
    assert_eq!(count("bbox=9.6599,45.6939,9.6601,45.6941", &config), 1);
    config.open_data.publish_locations = false;
    assert_eq!(count("bbox=9.6599,45.6939,9.6601,45.6941", &config), 0);
}

#[test]
fn no_personal_data_leaves_the_store_in_public_records() {
    let db = migrated();
    let config = demo_config();
    let ticket = file(
        &db,
        "buche-stradali",
        (45.694_444, 9.660_444),
        at(2026, 3, 2, 8),
        1,
    );
    act(
        &db,
        &ticket,
        Command::InternalNote {
            text: "Nota interna riservata".into(),
        },
        at(2026, 3, 2, 9),
    );
    let vehicle = file(
        &db,
        "veicoli-abbandonati",
        (45.694_444, 9.660_444),
        at(2026, 3, 2, 10),
        2,
    );
    assert_eq!(vehicle.report.answers.len(), 2);
    let page = reports_page(
        &db,
        &query("", &config),
        10,
        true,
        &config,
        at(2026, 3, 3, 8),
    )
    .unwrap()
    .unwrap();
    let published = serde_json::to_string(&page).unwrap();
    assert!(published.contains("veicoli-abbandonati"), "{published}");
    for secret in [
        "XY 987 ZZ",
        "da-quando",
        "Mario",
        "Rossi",
        "mario.rossi",
        "Verdi",
        "333",
        "Nota interna",
        ticket.tracking_token.as_str(),
        &ticket.id.to_string(),
        "45.694444",
    ] {
        assert!(!published.contains(secret), "{secret} leaked: {published}");
    }
}

#[test]
fn statistics_from_the_store_count_reopened_tickets_in_the_backlog_again() {
    let db = migrated();
    let config = demo_config();
    let ticket = file(&db, "buche-stradali", (45.69, 9.66), at(2026, 3, 2, 8), 1);
    file(
        &db,
        "rifiuti-abbandonati",
        (45.69, 9.66),
        at(2026, 3, 3, 8),
        2,
    );
    act(&db, &ticket, take(), at(2026, 3, 2, 10));
    act(&db, &ticket, resolve(), at(2026, 3, 4, 10));
    act(
        &db,
        &ticket,
        Command::Reopen {
            reason: "Di nuovo".into(),
        },
        at(2026, 3, 6, 10),
    );
    let pairs = crate::filters::test_pairs("from=2026-03-01&to=2026-03-07");
    let query = OpenDataQuery::parse(&pairs, &config, Dataset::Statistics).unwrap();
    let stats = statistics(&db, &query, &config, at(2026, 3, 7, 20)).unwrap();
    assert_eq!(stats.totals.reports, 2);
    assert_eq!(stats.totals.open, 2);
    let open: Vec<u64> = stats.backlog.iter().map(|d| d.open).collect();
    // 1 Mar: none; 2: the pothole; 3: both; 4: pothole resolved; 6: reopened.
    assert_eq!(open, [0, 1, 2, 1, 1, 2, 2]);
    assert_eq!(stats.performance.take_in_charge.median_hours, Some(2.0));
    let version = data_version(&db).unwrap();
    assert_eq!(version.events, 5); // two filings, take, resolve, reopen
    assert_eq!(version.changed_at, Some(at(2026, 3, 6, 10)));
}

#[test]
fn facts_packed_into_texts_are_the_facts_of_every_matching_ticket_row_by_row() {
    let db = migrated();
    let categories = [
        "buche-stradali",
        "rifiuti-abbandonati",
        "veicoli-abbandonati",
    ];
    let tickets: Vec<Ticket> = (0..9)
        .map(|n| {
            let category = categories[n % 3];
            file(
                &db,
                category,
                (45.69, 9.66),
                at(2026, 3, 1 + n as u32, 8),
                10 + n as u64,
            )
        })
        .collect();
    act(&db, &tickets[1], take(), at(2026, 3, 3, 9));
    act(&db, &tickets[4], take(), at(2026, 3, 5, 9));
    act(&db, &tickets[4], resolve(), at(2026, 3, 6, 9));
    db.execute(
        "UPDATE tickets SET rating = 4 WHERE id = ?",
        &[tickets[4].id.to_string().into()],
    )
    .unwrap();
    // Every optional fact missing, and a gap in the row ids.
    db.execute(
        "UPDATE tickets SET respond_by = NULL, resolve_by = NULL WHERE id = ?",
        &[tickets[3].id.to_string().into()],
    )
    .unwrap();
    db.execute(
        "UPDATE tickets SET rowid = rowid + 100 WHERE id = ?",
        &[tickets[8].id.to_string().into()],
    )
    .unwrap();

    let condition = "t.category <> ?";
    let params: Vec<SqlValue> = vec!["veicoli-abbandonati".into()];
    let rows: Vec<crate::open_data::record::ReportRow> = db
        .query(
            &format!(
                "SELECT {} FROM tickets t WHERE {condition}",
                crate::open_data::record::COLUMNS
            ),
            &params,
        )
        .unwrap();
    let mut expected: Vec<_> = rows.iter().map(|row| row.facts().unwrap()).collect();
    assert_eq!(expected.len(), 6);
    assert!(expected
        .iter()
        .any(|f| f.rating == Some(4) && f.closed_at.is_some()));
    assert!(expected.iter().any(|f| f.resolve_by.is_none()));
    let key = |f: &crate::statistics::TicketFacts| f.created_at;
    expected.sort_by_key(key);
    for per_text in [1, 2, 3, 4_000] {
        let mut packed = super::packed_facts::facts(&db, condition, &params, per_text).unwrap();
        packed.sort_by_key(key);
        assert_eq!(packed, expected, "{per_text} tickets per text");
    }
}

#[test]
fn the_backlog_of_every_report_reads_its_events_by_their_index_alone() {
    let db = migrated();
    let steps = plan(&db, &super::open_data::backlog_steps_sql("1"), 1);
    assert!(
        steps
            .iter()
            .any(|step| step.contains("ticket_events_backlog")),
        "{steps:?}"
    );
    assert!(
        steps.iter().all(|step| !step.contains("tickets")),
        "{steps:?}"
    );
}

#[test]
fn facts_of_an_empty_store_are_none() {
    let db = migrated();
    assert!(super::packed_facts::facts(&db, "1", &[], 10)
        .unwrap()
        .is_empty());
}

#[test]
fn the_backlog_summed_by_hour_puts_each_event_on_its_rome_day_to_the_minute() {
    let db = migrated();
    let config = demo_config();
    let minutes = |at: DateTime<Utc>, m: i64| at + chrono::Duration::minutes(m);
    // Rome's 2 March ends at 23:00 UTC (winter time).
    let late = file(
        &db,
        "buche-stradali",
        (45.69, 9.66),
        minutes(at(2026, 3, 2, 22), 59),
        1,
    );
    file(
        &db,
        "buche-stradali",
        (45.69, 9.66),
        minutes(at(2026, 3, 2, 23), 1),
        2,
    );
    // A filing and a resolution in the same hour cancel out in that hour's sum.
    file(
        &db,
        "buche-stradali",
        (45.69, 9.66),
        minutes(at(2026, 3, 3, 10), 10),
        3,
    );
    act(&db, &late, take(), minutes(at(2026, 3, 3, 10), 20));
    act(&db, &late, resolve(), minutes(at(2026, 3, 3, 10), 30));
    let pairs = crate::filters::test_pairs("from=2026-03-01&to=2026-03-03");
    let query = OpenDataQuery::parse(&pairs, &config, Dataset::Statistics).unwrap();
    let stats = statistics(&db, &query, &config, at(2026, 3, 3, 20)).unwrap();
    let open: Vec<u64> = stats.backlog.iter().map(|d| d.open).collect();
    assert_eq!(open, [0, 1, 2]);
}

#[test]
fn published_pages_and_statistics_match_their_json_schemas() {
    let db = migrated();
    let mut config = demo_config();
    config.open_data.publish_descriptions = true;
    let resolved = file(&db, "buche-stradali", (45.69, 9.66), at(2026, 3, 2, 8), 1);
    act(&db, &resolved, take(), at(2026, 3, 2, 10));
    act(&db, &resolved, resolve(), at(2026, 3, 4, 10));
    let rejected = file(&db, "buche-stradali", (45.69, 9.66), at(2026, 3, 3, 8), 2);
    act(
        &db,
        &rejected,
        Command::Reject {
            reason: RejectionReason::NotCompetent,
            explanation: "Strada provinciale".into(),
        },
        at(2026, 3, 3, 9),
    );
    file(&db, "tari", (45.69, 9.66), at(2026, 3, 3, 9), 3);
    let now = at(2026, 3, 20, 8);
    let page = reports_page(&db, &query("limit=2", &config), 2, true, &config, now)
        .unwrap()
        .unwrap();
    crate::api::tests::assert_matches(
        "open-data-reports.schema.json",
        &crate::open_data::formats::JsonPage {
            reports: &page.reports,
            total: page.total.unwrap(),
            next: Some(
                "https://segnala.example/api/v1/open-data/reports.json?after=2026-000002".into(),
            ),
            licence: &config.open_data.licence,
        },
    );
    let stats = statistics(&db, &OpenDataQuery::default(), &config, now).unwrap();
    crate::api::tests::assert_matches("open-data-statistics.schema.json", &stats);
}
