//! The import of a comune's tickets (`transfer::parse_lines`, JSON Lines of
//! `segnala-ticket/1`, `POST /api/v1/staff/import/tickets`). An accepted ticket stands where
//! its history leaves it (status, version, last change), with every text within its limits;
//! no ticket comes twice; and exporting the imported tickets (`ExportedTicket::of`, as the
//! export endpoint does) gives lines that import to the same tickets.
#![no_main]

use libfuzzer_sys::fuzz_target;
use segnala_core::photo::{self, PhotoFormat};
use segnala_core::report::{ADDRESS_MAX_CHARS, DESCRIPTION_MAX_CHARS, NAME_MAX_CHARS};
use segnala_core::store::PhotoRecord;
use segnala_core::ticket::EventKind;
use segnala_core::transfer::{parse_lines, ExportedTicket, ImportedTicket, MAX_HISTORY, MAX_LINES};
use segnala_fuzz::{assert_clean, assert_same, demo_config, now};
use std::collections::HashSet;

fn export(imported: &ImportedTicket) -> String {
    let photos: Vec<PhotoRecord> = imported
        .photos
        .iter()
        .map(|(position, content_type)| {
            let format = match content_type.as_str() {
                "image/png" => PhotoFormat::Png,
                "image/webp" => PhotoFormat::Webp,
                _ => PhotoFormat::Jpeg,
            };
            PhotoRecord {
                position: *position,
                object_key: photo::object_key(imported.ticket.id, *position, format),
                thumbnail_key: None,
                content_type: content_type.clone(),
                bytes: 1000,
                width: 64,
                height: 48,
            }
        })
        .collect();
    ExportedTicket::of(
        &imported.ticket,
        &imported.events,
        &photos,
        &imported.extras,
    )
    .to_line()
}

fuzz_target!(|data: &[u8]| {
    let Ok(body) = std::str::from_utf8(data) else {
        return;
    };
    let (config, now) = (demo_config(), now());
    let tickets = match parse_lines(body, config, now) {
        Ok(tickets) => tickets,
        Err(errors) => {
            assert!(!errors.0.is_empty());
            for error in &errors.0 {
                assert!(
                    error.field.starts_with("lines") || error.field.starts_with("tickets."),
                    "a problem not named by its line: {error}"
                );
            }
            return;
        }
    };
    assert!(!tickets.is_empty() && tickets.len() <= MAX_LINES);
    let (mut ids, mut numbers, mut tokens) = (HashSet::new(), HashSet::new(), HashSet::new());
    for imported in &tickets {
        let ticket = &imported.ticket;
        assert!(ids.insert(ticket.id) && numbers.insert(ticket.public_number));
        assert!(
            tokens.insert(ticket.tracking_token.clone()),
            "a ticket twice"
        );

        let events = &imported.events;
        assert!(!events.is_empty() && events.len() <= MAX_HISTORY);
        assert!(
            matches!(events[0].kind, EventKind::Created(_)),
            "opens with the filing"
        );
        assert_eq!(events[0].at, ticket.created_at);
        assert!(
            events.windows(2).all(|w| w[0].at <= w[1].at),
            "time runs forward"
        );
        assert!(events
            .iter()
            .all(|e| e.at <= now && e.ticket_id == ticket.id));
        assert_eq!(ticket.status, events.last().unwrap().to_status);
        assert_eq!(ticket.version as usize, events.len());
        assert_eq!(ticket.updated_at, events.last().unwrap().at);
        assert!(ticket.created_at <= now && ticket.due.respond_by >= ticket.created_at);
        if let Some(closed) = imported.closed_at {
            assert!(!ticket.status.is_open(), "closed_at on an open ticket");
            assert!(closed >= ticket.created_at);
        }

        let report = &ticket.report;
        assert_clean("description", &report.description, DESCRIPTION_MAX_CHARS);
        if let Some(address) = &report.address {
            if !address.is_empty() {
                assert_clean("address", address, ADDRESS_MAX_CHARS);
                assert!(!address.contains('\n'));
            }
        }
        if let Some(name) = &report.reporter.name {
            if !name.is_empty() {
                assert_clean("reporter.name", name, NAME_MAX_CHARS);
            }
        }
        if ticket.status.is_open() {
            assert!(config.category(&report.category).is_some());
            assert!(config.office(&ticket.routing.office).is_some());
        }
        let positions: HashSet<u8> = imported.photos.iter().map(|(p, _)| *p).collect();
        assert_eq!(
            positions.len(),
            imported.photos.len(),
            "a photo position twice"
        );
        assert!(!positions.contains(&0));
    }

    // Export what was imported, then import that: the same tickets. (The confirmation code
    // of an address already confirmed is not exported: it has done its work.)
    let lines: Vec<String> = tickets.iter().map(export).collect();
    assert!(lines.iter().all(|line| !line.contains('\n')));
    let body = lines.join("\n");
    let again = parse_lines(&body, config, now)
        .unwrap_or_else(|errors| panic!("an export is refused on import: {errors}\n{body}"));
    let mut expected = tickets;
    for ticket in &mut expected {
        if ticket.extras.email_confirmed_at.is_some() {
            ticket.extras.email_confirmation_code = None;
        }
    }
    assert_same(&again, &expected, "export and import round trip");
});
