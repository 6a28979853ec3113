use super::*;
use crate::config::tests_support::demo_config;
use crate::ids::{SeededEntropy, TicketId};
use crate::public_number::PublicNumber;
use crate::report::{LocationInput, ReportRequest};
use crate::routing::route;
use chrono::TimeZone;

fn at(hour: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 2, hour, 0, 0).unwrap()
}

fn received_ticket() -> Ticket {
    let config = demo_config();
    let report = ReportRequest {
        category: Some("buche-stradali".into()),
        description: Some("Buca profonda davanti al civico 3".into()),
        location: Some(LocationInput {
            lat: 45.69,
            lon: 9.67,
        }),
        privacy_accepted: Some(true),
        ..Default::default()
    }
    .validate(&config)
    .unwrap();
    let routing = route(&config, &report);
    Ticket::open(
        TicketId::generate(at(8), &mut SeededEntropy::new(1)),
        report,
        routing,
        PublicNumber::new(2026, 1),
        crate::ticket::Deadlines::for_report(&config, "buche-stradali", at(8)),
        at(8),
        &mut SeededEntropy::new(2),
    )
    .0
}

fn staff() -> Actor {
    Actor::Staff("operatore-1".into())
}

fn colleague() -> crate::staff::StaffId {
    crate::staff::StaffId::generate(at(7), &mut SeededEntropy::new(77))
}

fn run(ticket: &Ticket, command: Command) -> Result<Outcome, CommandError> {
    decide(
        ticket,
        &command,
        staff(),
        ticket.version,
        &demo_config(),
        at(10),
    )
}

fn with_status(status: Status) -> Ticket {
    Ticket {
        status,
        ..received_ticket()
    }
}

fn one_of_each() -> Vec<Command> {
    vec![
        Command::TakeInCharge { reply: None },
        Command::StartWork { reply: None },
        Command::SetPriority {
            priority: Priority::Urgent,
        },
        Command::Assign {
            assignee: Some(colleague()),
        },
        Command::MarkDuplicate {
            of: PublicNumber::new(2026, 9),
        },
        Command::Reassign {
            office: "illuminazione".into(),
            reason: "Il lampione è dell'illuminazione pubblica".into(),
        },
        Command::PublicReply {
            text: "Abbiamo programmato un sopralluogo".into(),
        },
        Command::InternalNote {
            text: "Chiamare la ditta".into(),
        },
        Command::Resolve {
            answer: "Buca chiusa il 3 marzo".into(),
        },
        Command::Reject {
            reason: RejectionReason::NotCompetent,
            explanation: "La strada è provinciale".into(),
        },
        Command::Reopen {
            reason: "La buca si è riaperta".into(),
        },
    ]
}

#[test]
fn every_command_follows_the_state_machine_from_every_status() {
    for status in Status::ALL {
        for command in one_of_each() {
            let ticket = with_status(status);
            match (
                run(&ticket, command.clone()),
                status.after(command.action()),
            ) {
                (Ok(outcome), Ok(expected)) => {
                    assert_eq!(outcome.ticket.status, expected, "{status:?} {command:?}");
                    assert_eq!(outcome.event.from_status, Some(status));
                    assert_eq!(outcome.event.to_status, expected);
                }
                (Err(CommandError::Refused(refused)), Err(expected)) => {
                    assert_eq!(refused, expected)
                }
                (got, expected) => panic!("{status:?} {command:?}: {got:?} vs {expected:?}"),
            }
        }
    }
}

#[test]
fn an_accepted_command_bumps_the_version_and_records_who_and_when() {
    let ticket = received_ticket();
    let outcome = run(&ticket, Command::TakeInCharge { reply: None }).unwrap();
    assert_eq!(outcome.ticket.version, ticket.version + 1);
    assert_eq!(outcome.ticket.updated_at, at(10));
    assert_eq!(outcome.event.actor, staff());
    assert_eq!(outcome.event.at, at(10));
    assert_eq!(outcome.event.kind, EventKind::Action(Action::TakeInCharge));
    assert_eq!(outcome.event.visibility, Visibility::Public);
    assert_eq!(outcome.event.office.as_deref(), Some("strade-mobilita"));
}

#[test]
fn refuses_a_command_made_on_an_older_version() {
    let ticket = received_ticket();
    let first = run(&ticket, Command::TakeInCharge { reply: None }).unwrap();
    let stale = decide(
        &first.ticket,
        &Command::Resolve {
            answer: "Fatto".into(),
        },
        staff(),
        ticket.version,
        &demo_config(),
        at(11),
    );
    assert_eq!(
        stale,
        Err(CommandError::Stale {
            current: 2,
            expected: 1
        })
    );
}

#[test]
fn internal_notes_and_priority_never_reach_the_citizen() {
    let ticket = received_ticket();
    let note = run(
        &ticket,
        Command::InternalNote {
            text: "Il segnalante ha già chiamato".into(),
        },
    )
    .unwrap();
    assert_eq!(note.event.visibility, Visibility::Internal);
    let priority = run(
        &ticket,
        Command::SetPriority {
            priority: Priority::High,
        },
    )
    .unwrap();
    assert_eq!(priority.event.visibility, Visibility::Internal);
    assert_eq!(priority.ticket.priority, Priority::High);
}

#[test]
fn an_internal_note_is_allowed_on_a_closed_ticket() {
    let closed = with_status(Status::Resolved);
    let outcome = run(
        &closed,
        Command::InternalNote {
            text: "Verificato sul posto".into(),
        },
    )
    .unwrap();
    assert_eq!(outcome.ticket.status, Status::Resolved);
}

#[test]
fn resolving_needs_a_public_answer() {
    let ticket = received_ticket();
    for answer in ["", "   "] {
        assert_eq!(
            run(
                &ticket,
                Command::Resolve {
                    answer: answer.into()
                }
            ),
            Err(invalid("answer", "required", "is required for this action"))
        );
    }
    let outcome = run(
        &ticket,
        Command::Resolve {
            answer: "  Buca chiusa  ".into(),
        },
    )
    .unwrap();
    assert_eq!(outcome.event.note.as_deref(), Some("Buca chiusa"));
}

#[test]
fn rejecting_needs_an_explanation_and_keeps_the_reason() {
    let ticket = received_ticket();
    assert!(matches!(
        run(
            &ticket,
            Command::Reject {
                reason: RejectionReason::NotAProblem,
                explanation: String::new()
            }
        ),
        Err(CommandError::Invalid {
            field: "explanation",
            ..
        })
    ));
    let outcome = run(
        &ticket,
        Command::Reject {
            reason: RejectionReason::NeedsOfficialChannel,
            explanation: "Serve un'istanza all'ufficio tributi".into(),
        },
    )
    .unwrap();
    assert_eq!(outcome.ticket.status, Status::Rejected);
    assert_eq!(
        outcome.rejection,
        Some(RejectionReason::NeedsOfficialChannel)
    );
    assert_eq!(
        outcome.event.note.as_deref(),
        Some("Serve un'istanza all'ufficio tributi")
    );
}

#[test]
fn reassigning_moves_the_ticket_to_a_known_other_office_with_a_reason() {
    let ticket = received_ticket();
    let outcome = run(
        &ticket,
        Command::Reassign {
            office: "illuminazione".into(),
            reason: "Competenza dell'illuminazione pubblica".into(),
        },
    )
    .unwrap();
    assert_eq!(outcome.ticket.routing.office, "illuminazione");
    assert_eq!(outcome.ticket.routing.rule, None, "placed by a person");
    assert_eq!(outcome.event.office.as_deref(), Some("illuminazione"));
    assert_eq!(outcome.event.visibility, Visibility::Public);
    assert_eq!(
        outcome.ticket.status,
        Status::Received,
        "the new office starts afresh"
    );

    let unknown = Command::Reassign {
        office: "ufficio-inesistente".into(),
        reason: "Perché sì".into(),
    };
    assert!(matches!(
        run(&ticket, unknown),
        Err(CommandError::Invalid {
            code: "unknown_office",
            ..
        })
    ));
    let same = Command::Reassign {
        office: ticket.routing.office.clone(),
        reason: "Perché sì".into(),
    };
    assert!(matches!(
        run(&ticket, same),
        Err(CommandError::Invalid {
            code: "same_office",
            ..
        })
    ));
    let no_reason = Command::Reassign {
        office: "illuminazione".into(),
        reason: " ".into(),
    };
    assert!(matches!(
        run(&ticket, no_reason),
        Err(CommandError::Invalid {
            field: "reason",
            ..
        })
    ));
}

#[test]
fn setting_the_same_priority_again_is_refused() {
    let ticket = received_ticket();
    assert!(matches!(
        run(
            &ticket,
            Command::SetPriority {
                priority: Priority::Normal
            }
        ),
        Err(CommandError::Invalid {
            code: "unchanged",
            ..
        })
    ));
}

#[test]
fn staff_texts_are_cleaned_and_limited() {
    let ticket = received_ticket();
    let too_long = "a".repeat(MAX_STAFF_TEXT + 1);
    assert!(matches!(
        run(&ticket, Command::PublicReply { text: too_long }),
        Err(CommandError::Invalid {
            code: "too_long",
            ..
        })
    ));
    assert!(matches!(
        run(
            &ticket,
            Command::PublicReply {
                text: "ciao\u{1b}[31m".into()
            }
        ),
        Err(CommandError::Invalid {
            code: "control_characters",
            ..
        })
    ));
    let exactly = "è".repeat(MAX_STAFF_TEXT);
    assert!(run(&ticket, Command::PublicReply { text: exactly }).is_ok());
}

#[test]
fn commands_read_from_json_name_their_action() {
    let command: Command = serde_json::from_str(
        r#"{"action":"reject","reason":"not_competent","explanation":"Strada provinciale"}"#,
    )
    .unwrap();
    assert_eq!(command.action(), Action::Reject);
    for reason in [
        RejectionReason::NotCompetent,
        RejectionReason::NotAProblem,
        RejectionReason::NeedsOfficialChannel,
        RejectionReason::InsufficientInformation,
    ] {
        assert_eq!(
            serde_json::to_value(reason).unwrap(),
            reason.as_str(),
            "stored and sent names agree"
        );
    }
    let taken: Command = serde_json::from_str(r#"{"action":"take_in_charge"}"#).unwrap();
    assert_eq!(taken, Command::TakeInCharge { reply: None });
    assert!(serde_json::from_str::<Command>(r#"{"action":"explode"}"#).is_err());
}

#[test]
fn taking_in_charge_makes_the_taker_the_assignee_when_nobody_holds_it() {
    let me = colleague();
    let ticket = received_ticket();
    let outcome = decide(
        &ticket,
        &Command::TakeInCharge { reply: None },
        Actor::Staff(me.to_string()),
        ticket.version,
        &demo_config(),
        at(10),
    )
    .unwrap();
    assert_eq!(outcome.ticket.assignee, Some(me));
    // Someone already holding it keeps it.
    let mut held = received_ticket();
    held.assignee = Some(crate::staff::StaffId::generate(
        at(7),
        &mut SeededEntropy::new(78),
    ));
    let outcome = decide(
        &held,
        &Command::TakeInCharge { reply: None },
        Actor::Staff(colleague().to_string()),
        held.version,
        &demo_config(),
        at(10),
    )
    .unwrap();
    assert_eq!(outcome.ticket.assignee, held.assignee);
}

#[test]
fn assigning_is_internal_and_assigning_the_same_person_again_is_refused() {
    let ticket = received_ticket();
    let outcome = run(
        &ticket,
        Command::Assign {
            assignee: Some(colleague()),
        },
    )
    .unwrap();
    assert_eq!(outcome.ticket.assignee, Some(colleague()));
    assert_eq!(outcome.ticket.status, Status::Received);
    assert_eq!(outcome.event.visibility, Visibility::Internal);
    assert_eq!(outcome.event.note, Some(colleague().to_string()));
    assert!(matches!(
        run(
            &outcome.ticket,
            Command::Assign {
                assignee: Some(colleague())
            }
        ),
        Err(CommandError::Invalid {
            field: "assignee",
            code: "unchanged",
            ..
        })
    ));
    let cleared = run(&outcome.ticket, Command::Assign { assignee: None }).unwrap();
    assert_eq!(cleared.ticket.assignee, None);
}

#[test]
fn a_duplicate_points_to_its_original_publicly_and_reopening_undoes_it() {
    let ticket = received_ticket();
    let original = PublicNumber::new(2026, 9);
    let outcome = run(&ticket, Command::MarkDuplicate { of: original }).unwrap();
    assert_eq!(outcome.ticket.status, Status::Duplicate);
    assert_eq!(outcome.ticket.duplicate_of, Some(original));
    assert_eq!(outcome.event.visibility, Visibility::Public);
    assert_eq!(outcome.event.note.as_deref(), Some("2026-000009"));
    let reopened = run(
        &outcome.ticket,
        Command::Reopen {
            reason: "Non era lo stesso problema".into(),
        },
    )
    .unwrap();
    assert_eq!(reopened.ticket.duplicate_of, None);
    assert!(matches!(
        run(
            &ticket,
            Command::MarkDuplicate {
                of: ticket.public_number
            }
        ),
        Err(CommandError::Invalid {
            field: "of",
            code: "same_ticket",
            ..
        })
    ));
}

#[test]
fn deadlines_follow_the_category_targets_in_working_days() {
    let ticket = received_ticket();
    // Filed Monday 2 March 2026 at 09:00 in Rome.
    assert!(ticket.due.respond_by > at(8));
    assert!(!ticket.is_overdue(at(10)));
    assert!(ticket.is_overdue(ticket.due.respond_by + chrono::Duration::seconds(1)));
    let taken = run(&ticket, Command::TakeInCharge { reply: None })
        .unwrap()
        .ticket;
    assert!(!taken.is_overdue(ticket.due.respond_by + chrono::Duration::seconds(1)));
}

#[test]
fn reassigning_frees_the_ticket_and_restarts_the_new_office_clock() {
    let mut ticket = received_ticket();
    ticket.assignee = Some(colleague());
    let later = at(8) + chrono::Duration::days(10);
    let outcome = decide(
        &ticket,
        &Command::Reassign {
            office: "illuminazione".into(),
            reason: "Competenza dell'illuminazione".into(),
        },
        staff(),
        ticket.version,
        &demo_config(),
        later,
    )
    .unwrap();
    assert_eq!(outcome.ticket.assignee, None);
    assert!(outcome.ticket.due.respond_by > later);
    assert_eq!(outcome.ticket.due.resolve_by, ticket.due.resolve_by);
}
