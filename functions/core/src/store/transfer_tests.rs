//! Export and import on real SQLite: a whole store exported and imported into an empty one
//! comes out the same, nothing is told twice by e-mail, numbering continues after the
//! imported numbers, retries import nothing twice and a collision refuses the batch.

use super::open_data::statistics;
use super::tests::{act_at, at, migrated, new_ticket, Sqlite};
use super::transfer::{export_page, import_tickets, record_imported_photo, PhotoImport};
use super::*;
use crate::config::tests_support::demo_config;
use crate::ids::SeededEntropy;
use crate::open_data::query::{Dataset, OpenDataQuery};
use crate::transfer::{parse_lines, ExportedTicket};
use crate::workflow::{Command, RejectionReason};

const NOW: DateTime<Utc> = DateTime::from_timestamp_nanos(1_775_000_000_000_000_000);

fn admin() -> crate::staff::StaffId {
    crate::staff::StaffId::parse("0190a4f6-0000-7000-8000-0000000000ad").unwrap()
}

fn photo(id: TicketId, position: u8) -> PhotoRecord {
    PhotoRecord {
        position,
        object_key: crate::photo::object_key(id, position, crate::photo::PhotoFormat::Jpeg),
        thumbnail_key: None,
        content_type: "image/jpeg".into(),
        bytes: 1234,
        width: 640,
        height: 480,
    }
}

/// A store with tickets in every state: resolved after being passed to another office,
/// rejected, merged as a duplicate, reopened, untouched, with a photo and answers.
fn worked_store() -> Sqlite {
    let db = migrated();
    let mut entropy = SeededEntropy::new(7);
    let file = |entropy: &mut SeededEntropy, day: u32, email: Option<&str>| {
        let mut new = new_ticket(email, entropy, at(2026, 3, day, 9));
        new.photos = vec![photo(new.id, 1)];
        // The last citizen has not confirmed the address yet: the code moves with the ticket.
        new.confirm_email = day == 6;
        match create_ticket(&db, new, at(2026, 3, day, 9), entropy).unwrap() {
            Created::New(ticket) => ticket,
            Created::Replayed(_) => unreachable!(),
        }
    };
    let resolved = file(&mut entropy, 2, Some("anna@example.org"));
    act_at(
        &db,
        &resolved,
        &Command::Reassign {
            office: "strade-mobilita".into(),
            reason: "È sulla carreggiata.".into(),
        },
        at(2026, 3, 2, 11),
    );
    act_at(
        &db,
        &resolved,
        &Command::TakeInCharge {
            reply: Some("Ce ne occupiamo.".into()),
        },
        at(2026, 3, 3, 10),
    );
    act_at(
        &db,
        &resolved,
        &Command::InternalNote {
            text: "Chiamata la ditta.".into(),
        },
        at(2026, 3, 3, 11),
    );
    act_at(
        &db,
        &resolved,
        &Command::Resolve {
            answer: "Ramo rimosso.".into(),
        },
        at(2026, 3, 5, 15),
    );
    let rejected = file(&mut entropy, 3, None);
    act_at(
        &db,
        &rejected,
        &Command::Reject {
            reason: RejectionReason::NotCompetent,
            explanation: "È della Provincia.".into(),
        },
        at(2026, 3, 4, 8),
    );
    let duplicate = file(&mut entropy, 4, None);
    act_at(
        &db,
        &duplicate,
        &Command::MarkDuplicate {
            of: resolved.public_number,
        },
        at(2026, 3, 4, 9),
    );
    let reopened = file(&mut entropy, 5, None);
    act_at(
        &db,
        &reopened,
        &Command::Resolve {
            answer: "Fatto.".into(),
        },
        at(2026, 3, 6, 9),
    );
    act_at(
        &db,
        &reopened,
        &Command::Reopen {
            reason: "Il ramo è ancora lì.".into(),
        },
        at(2026, 3, 7, 9),
    );
    let last = file(&mut entropy, 6, Some("luca@example.org"));
    // The citizens' own steps travel too: a message, and a rating of the answer.
    let say = |ticket: &Ticket, command: crate::follow_up::CitizenCommand, day: u32| {
        super::follow_up::act(
            &db,
            &ticket.tracking_token,
            &command,
            &[],
            &demo_config(),
            at(2026, 3, day, 12),
            &mut SeededEntropy::new(day.into()),
        )
        .unwrap()
        .unwrap();
    };
    say(
        &last,
        crate::follow_up::CitizenCommand::Message {
            text: Some("Il ramo è caduto.".into()),
            photos: 0,
        },
        7,
    );
    say(
        &resolved,
        crate::follow_up::CitizenCommand::Rate {
            stars: 4,
            comment: Some("Grazie.".into()),
        },
        8,
    );
    db
}

/// A citizen's report filed in this deployment.
fn filed_here(db: &Sqlite, seed: u64, now: DateTime<Utc>) -> Ticket {
    let mut entropy = SeededEntropy::new(seed);
    match create_ticket(db, new_ticket(None, &mut entropy, now), now, &mut entropy).unwrap() {
        Created::New(ticket) => ticket,
        Created::Replayed(_) => unreachable!(),
    }
}

fn export_all(db: &Sqlite, page: u32) -> Vec<ExportedTicket> {
    let mut all = Vec::new();
    let mut after = None;
    loop {
        let page = export_page(db, after, page).unwrap().unwrap();
        all.extend(page.tickets);
        match page.next_after {
            Some(next) => after = Some(next),
            None => return all,
        }
    }
}

fn lines(tickets: &[ExportedTicket]) -> String {
    tickets.iter().map(|t| t.to_line() + "\n").collect()
}

fn columns(db: &Sqlite) -> Vec<serde_json::Value> {
    db.query(
        "SELECT public_number, status, office, version, updated_at, respond_by, duplicate_of,
                rejection_reason, taken_in_charge_at, closed_at, answers, email_confirmation_code,
                email_confirmed_at, rating, rated_at
         FROM tickets ORDER BY public_number",
        &[],
    )
    .unwrap()
}

fn outbox_rows(db: &Sqlite) -> u64 {
    count(db, "SELECT COUNT(*) AS n FROM outbox", &[]).unwrap()
}

#[test]
fn an_export_imported_into_an_empty_store_gives_back_the_same_tickets() {
    let source = worked_store();
    let exported = export_all(&source, 2);
    assert_eq!(exported.len(), 5, "pages of two cover every ticket once");
    let body = lines(&exported);
    assert_eq!(body.lines().count(), 5, "one line per ticket");

    let target = migrated();
    let batch = parse_lines(&body, &demo_config(), NOW).unwrap();
    let outcome = import_tickets(&target, &batch, &admin(), NOW)
        .unwrap()
        .unwrap();
    assert_eq!((outcome.imported, outcome.skipped), (5, 0));
    assert_eq!(
        outcome.photos_missing.len(),
        5,
        "every listed photo is still to upload"
    );

    // Photos are recorded as their files arrive; then the export is the same, line by line.
    for missing in &outcome.photos_missing {
        assert_eq!(
            record_imported_photo(
                &target,
                missing.id,
                &photo(missing.id, missing.position),
                true,
                &admin(),
                NOW
            )
            .unwrap(),
            PhotoImport::Recorded
        );
    }
    assert_eq!(lines(&export_all(&target, 100)), body);
    assert_eq!(
        columns(&target),
        columns(&source),
        "milestones, versions and reasons as kept"
    );

    let query = OpenDataQuery::parse(&[], &demo_config(), Dataset::Statistics).unwrap();
    let now = at(2026, 4, 1, 0);
    assert_eq!(
        statistics(&target, &query, &demo_config(), now).unwrap(),
        statistics(&source, &query, &demo_config(), now).unwrap(),
        "the same response times and backlog"
    );
    // The citizen's tracking link still opens the ticket.
    let token = &exported[0].tracking_token;
    assert!(find_by_tracking_token(&target, token).unwrap().is_some());
}

#[test]
fn imported_history_sends_no_email_but_later_steps_do() {
    let source = worked_store();
    let target = migrated();
    let batch = parse_lines(&lines(&export_all(&source, 100)), &demo_config(), NOW).unwrap();
    import_tickets(&target, &batch, &admin(), NOW)
        .unwrap()
        .unwrap();
    assert_eq!(outbox_rows(&target), 0, "the citizens were told long ago");
    let audit = super::staff::audit_log(&target, 10, None).unwrap();
    assert_eq!(audit.len(), 1);
    assert_eq!(audit[0].action, "import_tickets");
    assert_eq!(audit[0].detail["imported"], 5);
    assert_eq!(audit[0].detail["first"], "2026-000001");
    let open = &batch.last().unwrap().ticket;
    act_at(
        &target,
        open,
        &Command::TakeInCharge { reply: None },
        at(2026, 4, 1, 9),
    );
    assert_eq!(outbox_rows(&target), 1, "a new step is told as always");
}

#[test]
fn numbering_continues_after_the_imported_numbers() {
    let source = worked_store();
    let target = migrated();
    let batch = parse_lines(&lines(&export_all(&source, 100)), &demo_config(), NOW).unwrap();
    import_tickets(&target, &batch, &admin(), NOW)
        .unwrap()
        .unwrap();
    let next = filed_here(&target, 99, at(2026, 4, 2, 9));
    assert_eq!(next.public_number.to_string(), "2026-000006");
}

#[test]
fn a_retried_import_skips_the_tickets_already_there() {
    let source = worked_store();
    let target = migrated();
    let batch = parse_lines(&lines(&export_all(&source, 100)), &demo_config(), NOW).unwrap();
    import_tickets(&target, &batch[..2], &admin(), NOW)
        .unwrap()
        .unwrap();
    let again = import_tickets(&target, &batch, &admin(), NOW)
        .unwrap()
        .unwrap();
    assert_eq!((again.imported, again.skipped), (3, 2));
    assert_eq!(count_tickets(&target).unwrap(), 5);
    let events = count(&target, "SELECT COUNT(*) AS n FROM ticket_events", &[]).unwrap();
    let source_events = count(&source, "SELECT COUNT(*) AS n FROM ticket_events", &[]).unwrap();
    assert_eq!(events, source_events, "no history written twice");
}

#[test]
fn a_ticket_that_collides_with_one_here_refuses_the_whole_batch() {
    let source = worked_store();
    let target = worked_store();
    let before = columns(&target);
    let mut exported = export_all(&source, 100);
    // Another deployment's ticket 2026-000001, with its own id and token.
    let mut other = new_ticket(None, &mut SeededEntropy::new(500), at(2026, 3, 2, 9));
    other.photos.clear();
    exported[0].id = other.id;
    exported[0].tracking_token = crate::ids::TrackingToken::generate(&mut SeededEntropy::new(501));
    let batch = parse_lines(&lines(&exported), &demo_config(), NOW).unwrap();
    let refused = import_tickets(&target, &batch, &admin(), NOW)
        .unwrap()
        .unwrap_err();
    assert_eq!(refused.0[0].field, "tickets.2026-000001.number");
    assert_eq!(refused.0[0].code, "number_taken");
    assert_eq!(
        refused.0.len(),
        1,
        "the others are the same tickets, so skipped"
    );
    assert_eq!(columns(&target), before, "nothing written");
    let audited = count(&target, "SELECT COUNT(*) AS n FROM audit_log", &[]).unwrap();
    assert_eq!(audited, 0, "nor audited");
}

#[test]
fn an_uploaded_photo_is_recorded_once_and_never_replaces_another() {
    let source = worked_store();
    let target = migrated();
    let batch = parse_lines(&lines(&export_all(&source, 100)), &demo_config(), NOW).unwrap();
    import_tickets(&target, &batch, &admin(), NOW)
        .unwrap()
        .unwrap();
    let id = batch[0].ticket.id;
    assert_eq!(
        record_imported_photo(&target, id, &photo(id, 1), false, &admin(), NOW).unwrap(),
        PhotoImport::Recorded
    );
    assert!(
        photos(&target, id).unwrap().is_empty(),
        "a check writes nothing"
    );
    assert_eq!(
        record_imported_photo(&target, id, &photo(id, 1), true, &admin(), NOW).unwrap(),
        PhotoImport::Recorded
    );
    assert_eq!(
        record_imported_photo(&target, id, &photo(id, 1), true, &admin(), NOW).unwrap(),
        PhotoImport::AlreadyThere
    );
    let mut bigger = photo(id, 1);
    bigger.bytes += 1;
    assert_eq!(
        record_imported_photo(&target, id, &bigger, false, &admin(), NOW).unwrap(),
        PhotoImport::PositionTaken,
        "another file under the same name replaces nothing"
    );
    let mut png = photo(id, 1);
    png.object_key = crate::photo::object_key(id, 1, crate::photo::PhotoFormat::Png);
    assert_eq!(
        record_imported_photo(&target, id, &png, true, &admin(), NOW).unwrap(),
        PhotoImport::PositionTaken
    );
    let stranger = TicketId::generate(at(2026, 3, 1, 0), &mut SeededEntropy::new(3));
    assert_eq!(
        record_imported_photo(&target, stranger, &photo(stranger, 1), true, &admin(), NOW).unwrap(),
        PhotoImport::NoSuchTicket
    );
    // Only the photos an import listed are taken: none for a citizen's own ticket here,
    // none at another position.
    assert_eq!(
        record_imported_photo(&target, id, &photo(id, 2), true, &admin(), NOW).unwrap(),
        PhotoImport::NotExpected
    );
    let local = filed_here(&target, 77, at(2026, 3, 20, 9));
    assert_eq!(
        record_imported_photo(&target, local.id, &photo(local.id, 1), true, &admin(), NOW).unwrap(),
        PhotoImport::NotExpected
    );
    let retried = import_tickets(&target, &batch, &admin(), NOW)
        .unwrap()
        .unwrap();
    assert!(
        !retried.photos_missing.iter().any(|m| m.id == id),
        "a recorded photo is no longer asked for"
    );
    let audit = super::staff::audit_log(&target, 10, None).unwrap();
    assert!(audit
        .iter()
        .any(|e| e.action == "import_photo"
            && e.subject == batch[0].ticket.public_number.to_string()));
}

#[test]
fn a_ticket_here_with_another_history_is_not_skipped_but_named() {
    let source = worked_store();
    let target = migrated();
    let exported = export_all(&source, 100);
    let batch = parse_lines(&lines(&exported), &demo_config(), NOW).unwrap();
    import_tickets(&target, &batch, &admin(), NOW)
        .unwrap()
        .unwrap();
    // The source went on working the last ticket after the export.
    let open = &batch.last().unwrap().ticket;
    act_at(
        &source,
        open,
        &Command::TakeInCharge { reply: None },
        at(2026, 3, 25, 9),
    );
    let newer = parse_lines(&lines(&export_all(&source, 100)), &demo_config(), NOW).unwrap();
    let refused = import_tickets(&target, &newer, &admin(), NOW)
        .unwrap()
        .unwrap_err();
    assert_eq!(refused.0.len(), 1);
    assert_eq!(
        refused.0[0].field,
        format!("tickets.{}", open.public_number)
    );
    assert_eq!(refused.0[0].code, "changed");
}

#[test]
fn every_exported_line_matches_the_published_schema() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../schema/export/ticket.schema.json"
    );
    let schema: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let validator = jsonschema::validator_for(&schema).unwrap();
    for ticket in export_all(&worked_store(), 100) {
        let line: serde_json::Value = serde_json::from_str(&ticket.to_line()).unwrap();
        let errors: Vec<String> = validator
            .iter_errors(&line)
            .map(|e| format!("{e} at {}", e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}\n{line:#}");
    }
}
