//! Every message in both languages, as snapshots: a change of wording shows up in review
//! as a diff of `mail/snapshots/`, and `cargo insta review` accepts it.

use super::*;
use crate::config::tests_support::demo_config;
use crate::ids::{SeededEntropy, TicketId};
use crate::public_number::PublicNumber;
use crate::report::{LocationInput, ReportRequest, ReporterInput};
use crate::routing::route;
use crate::status::{Action, Status};
use crate::ticket::{Actor, Deadlines, EventKind, Ticket, TicketEvent, Visibility};
use crate::workflow::RejectionReason;
use chrono::{DateTime, TimeZone, Utc};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 4, 1, 8, 30, 0).unwrap()
}

fn filed(language: &str, name: Option<&str>, sequence: u32, seed: u64) -> (Ticket, TicketEvent) {
    let config = demo_config();
    let report = ReportRequest {
        category: Some("buche-stradali".into()),
        description: Some(
            "Buca profonda davanti al civico 12 <b>pericolosa</b> per chi va in bicicletta".into(),
        ),
        location: Some(LocationInput {
            lat: 45.695,
            lon: 9.67,
        }),
        address: Some("Via Borgo Palazzo 12".into()),
        reporter: Some(ReporterInput {
            phone: None,
            name: name.map(String::from),
            email: Some("mario.rossi@example.it".into()),
        }),
        language: Some(language.into()),
        privacy_accepted: Some(true),
        ..Default::default()
    }
    .validate(&config)
    .unwrap();
    let routing = route(&config, &report);
    Ticket::open(
        TicketId::generate(now(), &mut SeededEntropy::new(seed)),
        report,
        routing,
        PublicNumber::new(2026, sequence),
        Deadlines::for_report(&config, "buche-stradali", now()),
        now(),
        &mut SeededEntropy::new(seed + 1),
    )
}

fn step(
    ticket: &Ticket,
    action: Action,
    to: Status,
    office: &str,
    note: Option<&str>,
) -> TicketEvent {
    TicketEvent {
        ticket_id: ticket.id,
        at: now(),
        actor: Actor::Staff("operatore".into()),
        kind: EventKind::Action(action),
        from_status: Some(ticket.status),
        to_status: to,
        office: Some(office.into()),
        visibility: Visibility::Public,
        note: note.map(String::from),
    }
}

fn rendered(message: &Message) -> String {
    format!(
        "Subject: {}\n\n{}\n======== HTML ========\n{}",
        message.subject, message.text, message.html
    )
}

fn steps(ticket: &Ticket) -> Vec<(&'static str, TicketEvent)> {
    let roads = "strade-mobilita";
    vec![
        (
            "take_in_charge",
            step(
                ticket,
                Action::TakeInCharge,
                Status::TakenInCharge,
                roads,
                Some("Sopralluogo fissato per lunedì."),
            ),
        ),
        (
            "start_work",
            step(ticket, Action::StartWork, Status::InProgress, roads, None),
        ),
        (
            "reassign",
            step(
                ticket,
                Action::Reassign,
                Status::Received,
                "centro-storico",
                Some("La via è in Città Alta: se ne occupa il servizio del centro storico."),
            ),
        ),
        (
            "public_reply",
            step(
                ticket,
                Action::PublicReply,
                Status::InProgress,
                roads,
                Some("Il materiale arriva giovedì."),
            ),
        ),
        (
            "resolve",
            step(
                ticket,
                Action::Resolve,
                Status::Resolved,
                roads,
                Some("Buca chiusa con asfalto a freddo il 3 aprile."),
            ),
        ),
        (
            "reject",
            step(
                ticket,
                Action::Reject,
                Status::Rejected,
                roads,
                Some("La strada è provinciale: scrivi alla Provincia di Bergamo."),
            ),
        ),
        (
            "mark_duplicate",
            step(
                ticket,
                Action::MarkDuplicate,
                Status::Duplicate,
                roads,
                Some("2026-000012"),
            ),
        ),
        (
            "reopen",
            step(
                ticket,
                Action::Reopen,
                Status::Received,
                roads,
                Some("La buca si è riaperta dopo la pioggia."),
            ),
        ),
    ]
}

#[test]
fn every_public_step_renders_for_the_citizen_in_both_languages() {
    let config = demo_config();
    for (language, name) in [("it", Some("Mario Rossi")), ("en", None)] {
        let (ticket, created) = filed(language, name, 17, 4);
        let notice = Notice {
            recipient: &ticket,
            event_ticket: &ticket,
            event: &created,
            rejection: None,
            confirmation_url: None,
        };
        insta::assert_snapshot!(
            format!("citizen_created_{language}"),
            rendered(&citizen_message(&notice, &config).unwrap())
        );
        for (label, event) in steps(&ticket) {
            let rejection = (label == "reject").then_some(RejectionReason::NotCompetent);
            let notice = Notice {
                recipient: &ticket,
                event_ticket: &ticket,
                event: &event,
                rejection,
                confirmation_url: None,
            };
            let message = citizen_message(&notice, &config).unwrap();
            insta::assert_snapshot!(format!("citizen_{label}_{language}"), rendered(&message));
        }
    }
}

#[test]
fn the_first_message_asks_to_confirm_the_address_when_the_comune_wants_it() {
    let config = demo_config();
    for language in ["it", "en"] {
        let (ticket, created) = filed(language, Some("Mario Rossi"), 17, 4);
        let notice = Notice {
            recipient: &ticket,
            event_ticket: &ticket,
            event: &created,
            rejection: None,
            confirmation_url: Some(
                "https://segnala.example/conferma-email/abcdefghijklmnopqrstuv".into(),
            ),
        };
        let message = citizen_message(&notice, &config).unwrap();
        assert!(message
            .html
            .contains("href=\"https://segnala.example/conferma-email/abcdefghijklmnopqrstuv\""));
        insta::assert_snapshot!(
            format!("citizen_created_confirm_{language}"),
            rendered(&message)
        );
    }
}

#[test]
fn the_reporter_of_a_duplicate_hears_of_the_original_s_steps() {
    let config = demo_config();
    let (original, _) = filed("it", Some("Anna Bianchi"), 12, 8);
    let (duplicate, _) = filed("en", Some("John Smith"), 17, 10);
    let resolved = step(
        &original,
        Action::Resolve,
        Status::Resolved,
        "strade-mobilita",
        Some("Buca chiusa."),
    );
    let notice = Notice {
        recipient: &duplicate,
        event_ticket: &original,
        event: &resolved,
        rejection: None,
        confirmation_url: None,
    };
    let message = citizen_message(&notice, &config).unwrap();
    assert!(message.subject.starts_with("Report 2026-000017: resolved"));
    assert!(message.text.contains("merged with report 2026-000012"));
    assert!(
        message
            .text
            .contains(&crate::api::tracking_url(&config, &duplicate)),
        "the link is the recipient's own"
    );
    assert!(
        !message.text.contains("Anna Bianchi"),
        "never the other citizen's name"
    );
    insta::assert_snapshot!("citizen_follower_resolve_en", rendered(&message));
}

#[test]
fn internal_steps_and_silent_actions_send_nothing() {
    let config = demo_config();
    let (ticket, _) = filed("it", None, 17, 4);
    let mut note = step(
        &ticket,
        Action::InternalNote,
        Status::Received,
        "strade-mobilita",
        Some("solo per noi"),
    );
    note.visibility = Visibility::Internal;
    let notice = Notice {
        recipient: &ticket,
        event_ticket: &ticket,
        event: &note,
        rejection: None,
        confirmation_url: None,
    };
    assert_eq!(citizen_message(&notice, &config), None);
    let priority = step(
        &ticket,
        Action::SetPriority,
        Status::Received,
        "strade-mobilita",
        Some("high"),
    );
    let notice = Notice {
        recipient: &ticket,
        event_ticket: &ticket,
        event: &priority,
        rejection: None,
        confirmation_url: None,
    };
    assert_eq!(citizen_message(&notice, &config), None);
}

#[test]
fn words_from_offices_and_citizens_are_escaped_in_html_and_kept_in_text() {
    let config = demo_config();
    let (ticket, _) = filed("it", Some("Mario <script>alert(1)</script>"), 17, 4);
    let reply = step(
        &ticket,
        Action::PublicReply,
        Status::Received,
        "strade-mobilita",
        Some("<img src=x onerror=alert(1)> & \"virgolette\""),
    );
    let notice = Notice {
        recipient: &ticket,
        event_ticket: &ticket,
        event: &reply,
        rejection: None,
        confirmation_url: None,
    };
    let message = citizen_message(&notice, &config).unwrap();
    assert!(message
        .html
        .contains("&lt;img src=x onerror=alert(1)&gt; &amp; &quot;virgolette&quot;"));
    assert!(message.html.contains("Gentile Mario &lt;script&gt;"));
    assert!(!message.html.contains("<img") && !message.html.contains("<script"));
    assert!(message
        .text
        .contains("> <img src=x onerror=alert(1)> & \"virgolette\""));
}

#[test]
fn messages_carry_no_remote_content_or_tracking() {
    let config = demo_config();
    let (ticket, created) = filed("it", None, 17, 4);
    let notice = Notice {
        recipient: &ticket,
        event_ticket: &ticket,
        event: &created,
        rejection: None,
        confirmation_url: None,
    };
    let html = citizen_message(&notice, &config).unwrap().html;
    for forbidden in ["<img", "<script", "src=", "url(", "<link", "<iframe"] {
        assert!(!html.contains(forbidden), "{forbidden}");
    }
    let links: Vec<&str> = html
        .match_indices("href=\"")
        .map(|(i, _)| &html[i + 6..])
        .collect();
    assert_eq!(links.len(), 1, "only the tracking link");
    assert!(links[0].starts_with(&config.public_url));
}

#[test]
fn offices_are_told_of_new_and_passed_tickets_and_of_deadlines() {
    let config = demo_config();
    let (ticket, _) = filed("it", Some("Mario Rossi"), 17, 4);
    let roads = config.office("strade-mobilita").unwrap();
    let new = office::new_ticket(roads, &ticket, &config);
    assert!(
        !new.text.contains("mario.rossi@example.it"),
        "the e-mail address stays in the dashboard"
    );
    insta::assert_snapshot!("office_new_ticket", rendered(&new));
    let old_town = config.office("centro-storico").unwrap();
    insta::assert_snapshot!(
        "office_reassigned",
        rendered(&office::reassigned_to_office(
            old_town,
            &ticket,
            "strade-mobilita",
            "La via è in Città Alta.",
            &config
        ))
    );
    let (other, _) = filed("en", None, 18, 20);
    let later = now() + chrono::Duration::days(6);
    let digest = office::deadline_digest(roads, &[&ticket, &other], &config, later).unwrap();
    insta::assert_snapshot!("office_deadline_digest", rendered(&digest));
    assert_eq!(office::deadline_digest(roads, &[], &config, later), None);
}

#[test]
fn offices_read_the_answers_to_the_topic_s_questions_with_the_ticket() {
    let config = demo_config();
    let (mut ticket, _) = filed("it", None, 19, 30);
    let lights = config.office("strade-mobilita").unwrap();
    assert!(
        !office::new_ticket(lights, &ticket, &config)
            .text
            .contains("Quanto è grande"),
        "no answers, no questions"
    );
    ticket.report.answers = vec![crate::report::answers::Answer {
        code: "dimensione".into(),
        value: crate::report::answers::AnswerValue::Choice("grande".into()),
    }];
    let (mut vehicle, _) = filed("it", None, 20, 40);
    vehicle.report.category = "veicoli-abbandonati".into();
    vehicle.report.answers = vec![crate::report::answers::Answer {
        code: "segni-abbandono".into(),
        value: crate::report::answers::AnswerValue::Text(format!(
            "Vetri rotti\n{}",
            "gomme a terra ".repeat(30)
        )),
    }];
    let html = office::new_ticket(lights, &vehicle, &config).html;
    assert!(
        html.contains("white-space:pre-line\">Vetri rotti\n"),
        "a text answer keeps its lines"
    );
    assert!(
        html.contains(&"gomme a terra ".repeat(30).trim_end().to_string()),
        "and all of its words"
    );
    for message in [
        office::new_ticket(lights, &ticket, &config),
        office::reassigned_to_office(
            lights,
            &ticket,
            "centro-storico",
            "Non è in Città Alta.",
            &config,
        ),
    ] {
        assert!(
            message
                .text
                .contains("Quanto è grande la buca?: Grande (oltre 50 cm)"),
            "{}",
            message.text
        );
        assert!(message.html.contains("Grande (oltre 50 cm)"));
    }
}
