//! What an import accepts: histories that follow the state machine and end where the ticket
//! stands, every problem named by its line and field, all at once.

use super::*;
use crate::config::tests_support::demo_config;
use crate::ticket::tests_support::filed_pothole;
use crate::workflow::{decide, Command};
use chrono::TimeZone;

/// When the import runs: after every event of these tickets.
fn now() -> DateTime<Utc> {
    at(31, 0)
}

fn at(day: u32, hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, hour, 0, 0).unwrap()
}

/// A pothole filed on 2 March, worked by `commands` on the following days.
fn exported(commands: &[Command]) -> ExportedTicket {
    let config = demo_config();
    let (mut ticket, event) = filed_pothole(PublicNumber::new(2026, 7), at(2, 9));
    let mut events = vec![event];
    let mut extras = TicketExtras::default();
    for (day, command) in (3..).zip(commands) {
        let actor = Actor::Staff("0190a4f6-0000-7000-8000-000000000001".into());
        let outcome = decide(
            &ticket,
            command,
            actor,
            ticket.version,
            &config,
            at(day, 10),
        )
        .unwrap();
        extras.rejection_reason = outcome.rejection.or(extras.rejection_reason);
        ticket = outcome.ticket;
        events.push(outcome.event);
    }
    ExportedTicket::of(&ticket, &events, &[], &extras)
}

fn resolved() -> ExportedTicket {
    exported(&[
        Command::TakeInCharge { reply: None },
        Command::Resolve {
            answer: "Buca chiusa.".into(),
        },
    ])
}

fn problems(tickets: &[ExportedTicket]) -> Vec<(String, &'static str)> {
    let body: String = tickets.iter().map(|t| t.to_line() + "\n").collect();
    match parse_lines(&body, &demo_config(), now()) {
        Ok(_) => vec![],
        Err(errors) => errors.0.into_iter().map(|e| (e.field, e.code)).collect(),
    }
}

fn named(field: &str, code: &'static str) -> (String, &'static str) {
    (field.to_string(), code)
}

#[test]
fn a_worked_ticket_is_accepted_with_its_milestones() {
    let line = resolved().to_line();
    let imported = parse_lines(&line, &demo_config(), now()).unwrap().remove(0);
    assert_eq!(imported.ticket.status, Status::Resolved);
    assert_eq!(imported.ticket.version, 3);
    assert_eq!(imported.ticket.updated_at, at(4, 10));
    assert_eq!(imported.taken_in_charge_at, Some(at(3, 10)));
    assert_eq!(imported.closed_at, Some(at(4, 10)));
}

#[test]
fn a_reopened_or_reassigned_ticket_clears_the_milestones_it_moved() {
    let reopened = exported(&[
        Command::Resolve {
            answer: "Fatto.".into(),
        },
        Command::Reopen {
            reason: "Non è chiusa.".into(),
        },
    ]);
    let reassigned = exported(&[
        Command::TakeInCharge { reply: None },
        Command::Reassign {
            office: "centro-storico".into(),
            reason: "È in Città Alta.".into(),
        },
    ]);
    let body = format!(
        "{}\n{}\n",
        reopened.to_line(),
        reassigned.to_line().replace("2026-000007", "2026-000008")
    );
    let body = body.replacen(
        &reassigned.id.to_string(),
        "0190a4f6-1111-7000-8000-000000000009",
        1,
    );
    let body = body.replacen(
        reassigned.tracking_token.as_str(),
        "aaaaaaaaaaaaaaaaaaaaaaaaaa",
        1,
    );
    let tickets = parse_lines(&body, &demo_config(), now()).unwrap();
    assert_eq!(
        (tickets[0].taken_in_charge_at, tickets[0].closed_at),
        (Some(at(3, 10)), None)
    );
    assert_eq!(
        (tickets[1].taken_in_charge_at, tickets[1].closed_at),
        (None, None)
    );
}

#[test]
fn a_history_that_skips_or_breaks_the_state_machine_is_refused() {
    let mut skipped = resolved();
    skipped.history.remove(1);
    assert_eq!(
        problems(&[skipped]),
        [
            named("lines[1].history[1].from_status", "broken_chain"),
            // Nobody took it in charge, so nobody holds it.
            named("lines[1].assignee", "not_the_assignee"),
        ]
    );

    let mut impossible = resolved();
    impossible.history[2].action = EventKind::Action(crate::status::Action::Reopen);
    assert_eq!(
        problems(&[impossible]),
        [named("lines[1].history[2].action", "transition_refused")]
    );

    let mut wrong_end = resolved();
    wrong_end.history[2].to_status = Status::Rejected;
    assert_eq!(
        problems(&[wrong_end]),
        [
            named("lines[1].history[2].to_status", "wrong_status"),
            named("lines[1].history[2].to_status", "not_the_status"),
        ]
    );

    let mut backwards = resolved();
    backwards.history[2].at = at(1, 0);
    assert_eq!(
        problems(&[backwards]),
        [named("lines[1].history[2].at", "out_of_order")]
    );

    let mut no_filing = resolved();
    no_filing.history.remove(0);
    let found = problems(&[no_filing]);
    assert!(
        found.contains(&named("lines[1].history[0].action", "not_a_filing")),
        "{found:?}"
    );
}

#[test]
fn the_ticket_must_stand_where_its_history_ends() {
    let mut elsewhere = resolved();
    elsewhere.office = "centro-storico".into();
    assert_eq!(
        problems(&[elsewhere]),
        [named("lines[1].history[2].office", "not_the_office")]
    );

    let mut no_original = exported(&[Command::MarkDuplicate {
        of: PublicNumber::new(2026, 1),
    }]);
    no_original.duplicate_of = None;
    assert_eq!(
        problems(&[no_original]),
        [named("lines[1].duplicate_of", "required")]
    );

    let mut no_reason = exported(&[Command::Reject {
        reason: RejectionReason::NotCompetent,
        explanation: "È della Provincia.".into(),
    }]);
    assert!(problems(&[no_reason.clone()]).is_empty());
    no_reason.rejection_reason = None;
    assert_eq!(
        problems(&[no_reason]),
        [named("lines[1].rejection_reason", "required")]
    );

    let mut reason_without_rejection = resolved();
    reason_without_rejection.rejection_reason = Some(RejectionReason::NotAProblem);
    assert_eq!(
        problems(&[reason_without_rejection]),
        [named("lines[1].rejection_reason", "not_rejected")]
    );
}

#[test]
fn an_open_ticket_needs_a_topic_and_office_of_this_comune_a_closed_one_may_keep_old_ones() {
    let mut open = exported(&[]);
    open.category = "fontane".into();
    open.office = "acquedotto".into();
    for event in &mut open.history {
        event.office = Some("acquedotto".into());
    }
    assert_eq!(
        problems(&[open.clone()]),
        [
            named("lines[1].category", "unknown_category"),
            named("lines[1].office", "unknown_office")
        ]
    );
    let mut closed = resolved();
    closed.category = "fontane".into();
    closed.office = "acquedotto".into();
    for event in &mut closed.history {
        event.office = Some("acquedotto".into());
    }
    assert!(problems(&[closed]).is_empty());

    let mut wrong_theme = resolved();
    wrong_theme.theme = "tributi".into();
    assert_eq!(
        problems(&[wrong_theme]),
        [named("lines[1].theme", "wrong_theme")]
    );
}

#[test]
fn a_closed_ticket_s_old_topic_and_office_must_still_be_identifiers() {
    let mut closed = resolved();
    closed.theme = "Vecchio tema".into();
    closed.category = "fontane\u{1f}".into();
    closed.office = "x".repeat(65);
    for event in &mut closed.history {
        event.office = Some(closed.office.clone());
    }
    assert_eq!(
        problems(&[closed]),
        [
            named("lines[1].theme", "invalid_identifier"),
            named("lines[1].category", "invalid_identifier"),
            named("lines[1].office", "invalid_identifier")
        ]
    );
}

#[test]
fn malformed_lines_and_unknown_fields_are_named_by_line() {
    let good = resolved().to_line();
    let unknown = good.replacen("{", "{\"colour\":\"red\",", 1);
    let body = format!("{good}\n\n{{not json\n{unknown}\n");
    let errors = parse_lines(&body, &demo_config(), now()).unwrap_err();
    let fields: Vec<(&str, &str)> = errors
        .0
        .iter()
        .map(|e| (e.field.as_str(), e.code))
        .collect();
    assert_eq!(
        fields,
        [
            ("lines[3]", "malformed_json"),
            ("lines[4].colour", "invalid")
        ]
    );

    let wrong_format = good.replace("segnala-ticket/1", "segnala-ticket/9");
    let errors = parse_lines(&wrong_format, &demo_config(), now()).unwrap_err();
    assert_eq!(errors.0[0].field, "lines[1].format");
}

#[test]
fn the_same_ticket_twice_in_a_body_is_refused() {
    assert_eq!(
        problems(&[resolved(), resolved()]),
        [named("tickets.2026-000007", "repeated")]
    );
}

#[test]
fn a_body_is_at_most_one_batch_and_never_empty() {
    assert_eq!(
        parse_lines("\n\n", &demo_config(), now()).unwrap_err().0[0].code,
        "empty"
    );
    let line = resolved().to_line() + "\n";
    let errors = parse_lines(&line.repeat(MAX_LINES + 1), &demo_config(), now()).unwrap_err();
    assert_eq!(errors.0[0].code, "too_many_lines");
}

#[test]
fn texts_with_control_characters_and_bad_phones_are_refused() {
    let mut ticket = resolved();
    ticket.description = "Buca\u{0007} profonda".into();
    ticket.reporter.phone = Some("chiamami".into());
    ticket.history[2].note = Some("x".repeat(4001));
    assert_eq!(
        problems(&[ticket]),
        [
            named("lines[1].description", "control_characters"),
            named("lines[1].reporter.phone", "invalid_phone"),
            named("lines[1].history[2].note", "too_long"),
        ]
    );
}

#[test]
fn each_event_has_the_visibility_and_text_its_action_has() {
    let noted = || {
        exported(&[
            Command::TakeInCharge { reply: None },
            Command::InternalNote {
                text: "Chiamata la ditta.".into(),
            },
            Command::Resolve {
                answer: "Buca chiusa.".into(),
            },
        ])
    };
    assert!(problems(&[noted()]).is_empty());
    // A staff note shown to the public would leak what was written for colleagues.
    let mut leaked = noted();
    leaked.history[2].visibility = Visibility::Public;
    assert_eq!(
        problems(&[leaked]),
        [named("lines[1].history[2].visibility", "wrong_visibility")]
    );
    let mut silent = noted();
    silent.history[3].note = None;
    assert_eq!(
        problems(&[silent]),
        [named("lines[1].history[3].note", "required")]
    );
}

#[test]
fn only_a_reassignment_moves_a_ticket_and_the_new_office_s_time_runs_from_it() {
    let mut moved = resolved();
    for event in &mut moved.history[1..] {
        event.office = Some("centro-storico".into());
    }
    moved.office = "centro-storico".into();
    assert_eq!(
        problems(&[moved]),
        [named("lines[1].history[1].office", "office_changed")]
    );

    let reassigned = || {
        exported(&[Command::Reassign {
            office: "centro-storico".into(),
            reason: "È in Città Alta.".into(),
        }])
    };
    assert!(problems(&[reassigned()]).is_empty());
    let mut by_rule = reassigned();
    by_rule.routing_rule = Some("strade".into());
    assert_eq!(
        problems(&[by_rule]),
        [named("lines[1].routing_rule", "placed_by_a_person")]
    );
    let mut old_deadline = reassigned();
    old_deadline.respond_by = old_deadline.created_at + chrono::Duration::hours(1);
    assert_eq!(
        problems(&[old_deadline]),
        [named("lines[1].respond_by", "before_reassignment")]
    );
}

#[test]
fn the_assignee_and_priority_are_those_the_history_leaves() {
    let mut someone_else = resolved();
    someone_else.assignee = None;
    assert_eq!(
        problems(&[someone_else]),
        [named("lines[1].assignee", "not_the_assignee")]
    );
    let mut urgent = resolved();
    urgent.priority = Priority::Urgent;
    assert_eq!(
        problems(&[urgent]),
        [named("lines[1].priority", "not_the_priority")]
    );
}

#[test]
fn numbers_and_times_that_would_break_the_numbering_to_come_are_refused() {
    let mut next_year = resolved();
    next_year.number = PublicNumber::new(2027, 7);
    assert_eq!(
        problems(&[next_year]),
        [named("lines[1].number", "wrong_year")]
    );
    let mut huge = resolved();
    huge.number = PublicNumber::new(2026, 4_000_000);
    assert_eq!(
        problems(&[huge]),
        [named("lines[1].number", "out_of_range")]
    );
    let body = resolved().to_line();
    let before_it_happened = parse_lines(&body, &demo_config(), at(4, 9)).unwrap_err();
    assert_eq!(before_it_happened.0[0].field, "lines[1].history[2].at");
    assert_eq!(before_it_happened.0[0].code, "in_the_future");
}

#[test]
fn a_citizen_s_own_step_written_by_staff_is_refused() {
    let mut ticket = exported(&[Command::TakeInCharge { reply: None }]);
    let mut message = ticket.history[1].clone();
    message.action = EventKind::Action(Action::CitizenMessage);
    message.from_status = Some(Status::TakenInCharge);
    message.note = Some("Abito al civico 14.".into());
    message.at = at(5, 10);
    ticket.history.push(message);
    assert_eq!(
        problems(&[ticket.clone()]),
        [named("lines[1].history[2].actor", "not_the_citizen")]
    );
    ticket.history[2].actor = Actor::Citizen;
    assert!(problems(&[ticket]).is_empty());
}
