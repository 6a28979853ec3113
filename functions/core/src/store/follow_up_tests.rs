//! A citizen's follow-up on real SQLite: written with its event and photos at once, the
//! office told by e-mail and no citizen, the rating kept, refusals writing nothing.

use super::follow_up::{act, CitizenActError};
use super::tests::{act_at, at, created, migrated, new_ticket, Sqlite};
use super::*;
use crate::config::tests_support::demo_config;
use crate::follow_up::{CitizenCommand, FollowUpError};
use crate::ids::SeededEntropy;
use crate::workflow::Command;

fn filed(db: &Sqlite, email: &str, seed: u64) -> Ticket {
    let new = new_ticket(
        Some(email),
        &mut SeededEntropy::new(seed),
        at(2026, 3, 2, 8),
    );
    created(create_ticket(
        db,
        new,
        at(2026, 3, 2, 8),
        &mut SeededEntropy::new(seed + 1),
    ))
}

fn photo(ticket: &Ticket, position: u8) -> PhotoRecord {
    PhotoRecord {
        position,
        object_key: format!("tickets/{}/photos/{position}-abc.jpg", ticket.id),
        thumbnail_key: None,
        content_type: "image/jpeg".into(),
        bytes: 2000,
        width: 800,
        height: 600,
    }
}

#[derive(serde::Deserialize)]
struct Row {
    kind: String,
    office_id: Option<String>,
    recipient_ticket_id: Option<String>,
}

fn outbox_after(db: &Sqlite, id: i64) -> Vec<(String, Option<String>, Option<String>)> {
    db.query::<Row>(
        "SELECT kind, office_id, recipient_ticket_id FROM outbox WHERE id > ? ORDER BY id",
        &[id.into()],
    )
    .unwrap()
    .into_iter()
    .map(|r| (r.kind, r.office_id, r.recipient_ticket_id))
    .collect()
}

fn last_outbox_id(db: &Sqlite) -> i64 {
    #[derive(serde::Deserialize)]
    struct Last {
        id: Option<i64>,
    }
    db.query::<Last>("SELECT MAX(id) AS id FROM outbox", &[])
        .unwrap()[0]
        .id
        .unwrap_or(0)
}

/// The office resolves the ticket on 4 March.
fn resolve(db: &Sqlite, ticket: &Ticket) {
    let answer = Command::Resolve {
        answer: "Ramo rimosso.".into(),
    };
    act_at(db, ticket, &answer, at(2026, 3, 4, 9));
}

/// The citizen says on 6 March that the problem is not solved.
fn not_solved(db: &Sqlite, ticket: &Ticket, reason: &str) -> TicketRecord {
    let command = CitizenCommand::NotSolved {
        reason: reason.into(),
    };
    act(
        db,
        &ticket.tracking_token,
        &command,
        &[],
        &demo_config(),
        at(2026, 3, 6, 9),
        &mut SeededEntropy::new(1),
    )
    .unwrap()
    .unwrap()
}

/// Anna's report, and Luca's about the same problem merged into it.
fn with_a_duplicate(db: &Sqlite) -> (Ticket, Ticket) {
    let ticket = filed(db, "anna@example.org", 1);
    let other = filed(db, "luca@example.org", 3);
    let merge = Command::MarkDuplicate {
        of: ticket.public_number,
    };
    act_at(db, &other, &merge, at(2026, 3, 2, 10));
    (ticket, other)
}

fn message(text: &str, photos: u8) -> CitizenCommand {
    CitizenCommand::Message {
        text: Some(text.into()),
        photos,
    }
}

#[test]
fn a_citizen_s_message_with_photos_is_kept_and_told_to_the_office_only() {
    let db = migrated();
    // Another citizen's report about the same problem, merged into this one: they follow
    // its progress, but not what Anna writes.
    let (ticket, _luca) = with_a_duplicate(&db);
    let before = last_outbox_id(&db);
    let record = act(
        &db,
        &ticket.tracking_token,
        &message("La buca si è allargata.", 2),
        &[photo(&ticket, 1), photo(&ticket, 2)],
        &demo_config(),
        at(2026, 3, 3, 9),
        &mut SeededEntropy::new(1),
    )
    .unwrap()
    .unwrap();
    let event = record.events.last().unwrap();
    assert_eq!(event.actor, Actor::Citizen);
    assert_eq!(event.note.as_deref(), Some("La buca si è allargata."));
    assert_eq!(record.photos.len(), 2);
    assert_eq!(record.ticket.version, ticket.version + 1);
    assert_eq!(
        outbox_after(&db, before),
        [(
            "office_citizen_update".to_string(),
            Some(ticket.routing.office.clone()),
            None
        )],
        "the office hears of it; no citizen does"
    );
}

#[test]
fn a_photo_prepared_for_a_position_taken_meanwhile_goes_to_the_next_free_one() {
    let db = migrated();
    let ticket = filed(&db, "anna@example.org", 1);
    let send = |text: &str, hour: u32| {
        act(
            &db,
            &ticket.tracking_token,
            &message(text, 1),
            // Both uploads saw position 1 free, as two posts at the same time do; their
            // objects differ by the random part of the key.
            &[PhotoRecord {
                object_key: format!("tickets/{}/photos/1-{hour}.jpg", ticket.id),
                ..photo(&ticket, 1)
            }],
            &demo_config(),
            at(2026, 3, 3, hour),
            &mut SeededEntropy::new(1),
        )
        .unwrap()
        .unwrap()
    };
    send("Prima foto.", 9);
    let record = send("Seconda foto.", 10);
    let positions: Vec<u8> = record.photos.iter().map(|p| p.position).collect();
    assert_eq!(positions, vec![1, 2]);
}

#[test]
fn photos_beyond_the_reports_room_or_the_announced_count_write_nothing() {
    let db = migrated();
    let ticket = filed(&db, "anna@example.org", 1);
    let nine: Vec<PhotoRecord> = (1..=9).map(|p| photo(&ticket, p)).collect();
    act(
        &db,
        &ticket.tracking_token,
        &message("Nove foto.", 9),
        &nine,
        &demo_config(),
        at(2026, 3, 3, 9),
        &mut SeededEntropy::new(1),
    )
    .unwrap()
    .unwrap();
    let two = [photo(&ticket, 10), photo(&ticket, 11)];
    let over = act(
        &db,
        &ticket.tracking_token,
        &message("Altre due.", 2),
        &two,
        &demo_config(),
        at(2026, 3, 3, 10),
        &mut SeededEntropy::new(1),
    )
    .unwrap();
    assert_eq!(over, Err(CitizenActError::Photos));
    let record = find_by_tracking_token(&db, &ticket.tracking_token)
        .unwrap()
        .unwrap();
    assert_eq!(record.events.len(), 2, "the refused message left no event");
    assert_eq!(record.photos.len(), 9);
    let miscounted = act(
        &db,
        &ticket.tracking_token,
        &message("Foto?", 2),
        &[photo(&ticket, 10)],
        &demo_config(),
        at(2026, 3, 3, 11),
        &mut SeededEntropy::new(1),
    )
    .unwrap();
    assert_eq!(miscounted, Err(CitizenActError::Photos));
}

#[test]
fn not_solved_reopens_the_report_and_moves_its_milestones() {
    let db = migrated();
    let ticket = filed(&db, "anna@example.org", 1);
    resolve(&db, &ticket);
    let before = last_outbox_id(&db);
    let record = not_solved(&db, &ticket, "Il ramo è ancora lì.");
    assert_eq!(record.ticket.status, crate::status::Status::TakenInCharge);
    #[derive(serde::Deserialize)]
    struct Milestones {
        closed_at: Option<String>,
    }
    let row: Vec<Milestones> = db
        .query(
            "SELECT closed_at FROM tickets WHERE id = ?",
            &[record.ticket.id.to_string().into()],
        )
        .unwrap();
    assert_eq!(row[0].closed_at, None, "open again for the statistics");
    assert_eq!(outbox_after(&db, before).len(), 1);
    assert_eq!(outbox_after(&db, before)[0].0, "office_citizen_update");
}

#[test]
fn a_rating_is_kept_beside_the_ticket_and_given_once() {
    let db = migrated();
    let ticket = filed(&db, "anna@example.org", 1);
    resolve(&db, &ticket);
    let rate = CitizenCommand::Rate {
        stars: 5,
        comment: Some("Velocissimi.".into()),
    };
    act(
        &db,
        &ticket.tracking_token,
        &rate,
        &[],
        &demo_config(),
        at(2026, 3, 5, 9),
        &mut SeededEntropy::new(1),
    )
    .unwrap()
    .unwrap();
    #[derive(serde::Deserialize)]
    struct Rating {
        rating: Option<i64>,
    }
    let row: Vec<Rating> = db
        .query(
            "SELECT rating FROM tickets WHERE id = ?",
            &[ticket.id.to_string().into()],
        )
        .unwrap();
    assert_eq!(row[0].rating, Some(5));
    let query = crate::open_data::query::OpenDataQuery::parse(
        &[],
        &demo_config(),
        crate::open_data::query::Dataset::Statistics,
    )
    .unwrap();
    let stats =
        super::open_data::statistics(&db, &query, &demo_config(), at(2026, 3, 6, 9)).unwrap();
    assert_eq!(
        stats.performance.satisfaction.ratings, 1,
        "the rating reaches the statistics"
    );
    assert_eq!(
        stats.performance.satisfaction.average_stars, None,
        "one rating alone is not averaged in public"
    );
    let again = act(
        &db,
        &ticket.tracking_token,
        &rate,
        &[],
        &demo_config(),
        at(2026, 3, 5, 10),
        &mut SeededEntropy::new(1),
    )
    .unwrap();
    assert_eq!(
        again,
        Err(CitizenActError::FollowUp(FollowUpError::AlreadyRated))
    );
}

#[test]
fn an_unknown_tracking_link_opens_nothing() {
    let db = migrated();
    let stranger = TrackingToken::generate(&mut SeededEntropy::new(9));
    assert_eq!(
        act(
            &db,
            &stranger,
            &message("Ciao", 0),
            &[],
            &demo_config(),
            at(2026, 3, 3, 9),
            &mut SeededEntropy::new(1),
        )
        .unwrap(),
        Err(CitizenActError::NotFound)
    );
}

#[test]
fn a_reopened_report_is_rated_afresh_and_the_old_stars_leave_the_statistics() {
    let db = migrated();
    let ticket = filed(&db, "anna@example.org", 1);
    act_at(
        &db,
        &ticket,
        &Command::Resolve {
            answer: "Fatto.".into(),
        },
        at(2026, 3, 4, 9),
    );
    let rate = |stars| CitizenCommand::Rate {
        stars,
        comment: None,
    };
    act(
        &db,
        &ticket.tracking_token,
        &rate(1),
        &[],
        &demo_config(),
        at(2026, 3, 5, 9),
        &mut SeededEntropy::new(1),
    )
    .unwrap()
    .unwrap();
    act_at(
        &db,
        &ticket,
        &Command::Reopen {
            reason: "Rifacciamo il lavoro.".into(),
        },
        at(2026, 3, 6, 9),
    );
    #[derive(serde::Deserialize)]
    struct Rating {
        rating: Option<i64>,
    }
    let rating = |db: &Sqlite| {
        db.query::<Rating>(
            "SELECT rating FROM tickets WHERE id = ?",
            &[ticket.id.to_string().into()],
        )
        .unwrap()[0]
            .rating
    };
    assert_eq!(rating(&db), None, "the answer rated is gone");
    act_at(
        &db,
        &ticket,
        &Command::Resolve {
            answer: "Rifatto bene.".into(),
        },
        at(2026, 3, 7, 9),
    );
    let record = act(
        &db,
        &ticket.tracking_token,
        &rate(5),
        &[],
        &demo_config(),
        at(2026, 3, 8, 9),
        &mut SeededEntropy::new(1),
    )
    .unwrap()
    .unwrap();
    assert_eq!(rating(&db), Some(5));
    assert_eq!(
        crate::follow_up::circumstances(&record.events).rating,
        Some(5)
    );
}

#[test]
fn not_solved_tells_the_reporters_of_duplicates_of_the_reopening_without_the_citizen_s_words() {
    let db = migrated();
    let (ticket, other) = with_a_duplicate(&db);
    resolve(&db, &ticket);
    let before = last_outbox_id(&db);
    not_solved(&db, &ticket, "Abito al civico 14 e il ramo è ancora lì.");
    let rows = outbox_after(&db, before);
    assert_eq!(
        rows,
        [
            ("citizen".to_string(), None, Some(other.id.to_string())),
            (
                "office_citizen_update".to_string(),
                Some(ticket.routing.office.clone()),
                None
            ),
        ],
        "the duplicate's reporter and the office; not the citizen who said it"
    );
    #[derive(serde::Deserialize)]
    struct Id {
        id: i64,
    }
    let citizen_row = db
        .query::<Id>(
            "SELECT id FROM outbox WHERE id > ? AND kind = 'citizen'",
            &[before.into()],
        )
        .unwrap()[0]
        .id;
    let claimed =
        super::delivery::claim(&db, citizen_row, &demo_config(), at(2026, 3, 6, 10)).unwrap();
    let text = serde_json::to_string(&claimed).unwrap();
    assert!(text.contains("riaperta"), "{text}");
    assert!(
        !text.contains("civico 14"),
        "never the other citizen's words: {text}"
    );
}
