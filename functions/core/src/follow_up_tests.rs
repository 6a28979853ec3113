//! A citizen's follow-up decided against the state machine and the comune's rules.

use super::*;
use crate::config::tests_support::demo_config;
use crate::public_number::PublicNumber;
use crate::ticket::tests_support::filed_pothole;
use crate::workflow::{self, Command};
use chrono::TimeZone;

fn at(day: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, day, 10, 0, 0).unwrap()
}

fn ticket(commands: &[Command]) -> Ticket {
    let config = demo_config();
    let (mut ticket, _) = filed_pothole(PublicNumber::new(2026, 1), at(1));
    for (day, command) in (2..).zip(commands) {
        let staff = Actor::Staff("0190a4f6-0000-7000-8000-000000000001".into());
        ticket = workflow::decide(&ticket, command, staff, ticket.version, &config, at(day))
            .unwrap()
            .ticket;
    }
    ticket
}

fn resolved() -> Ticket {
    ticket(&[Command::Resolve {
        answer: "Buca chiusa.".into(),
    }])
}

fn message(text: &str) -> CitizenCommand {
    CitizenCommand::Message {
        text: Some(text.into()),
        photos: 0,
    }
}

#[test]
fn a_citizen_adds_information_while_the_office_works() {
    let open = ticket(&[Command::TakeInCharge { reply: None }]);
    let outcome = decide(
        &open,
        &message(" La buca si è allargata. "),
        Circumstances::default(),
        &demo_config(),
        at(5),
    )
    .unwrap();
    assert_eq!(outcome.ticket.status, Status::TakenInCharge);
    assert_eq!(outcome.ticket.version, open.version + 1);
    assert_eq!(outcome.event.actor, Actor::Citizen);
    assert_eq!(
        outcome.event.kind,
        EventKind::Action(Action::CitizenMessage)
    );
    assert_eq!(
        outcome.event.note.as_deref(),
        Some("La buca si è allargata.")
    );
    assert_eq!(
        outcome.event.office.as_deref(),
        Some(open.routing.office.as_str())
    );
    let photo_only = CitizenCommand::Message {
        text: None,
        photos: 1,
    };
    assert!(decide(
        &open,
        &photo_only,
        Circumstances::default(),
        &demo_config(),
        at(5)
    )
    .is_ok());
}

#[test]
fn an_empty_or_endless_message_is_refused() {
    let open = ticket(&[]);
    let empty = CitizenCommand::Message {
        text: Some("   ".into()),
        photos: 0,
    };
    assert!(matches!(
        decide(
            &open,
            &empty,
            Circumstances::default(),
            &demo_config(),
            at(2)
        ),
        Err(FollowUpError::Invalid {
            field: "text",
            code: "required",
            ..
        })
    ));
    let long = message(&"a".repeat(MESSAGE_MAX_CHARS + 1));
    assert!(matches!(
        decide(
            &open,
            &long,
            Circumstances::default(),
            &demo_config(),
            at(2)
        ),
        Err(FollowUpError::Invalid {
            field: "text",
            code: "too_long",
            ..
        })
    ));
    let many = Circumstances {
        messages: 20,
        ..Default::default()
    };
    assert_eq!(
        decide(&open, &message("Ancora io."), many, &demo_config(), at(2)),
        Err(FollowUpError::TooManyMessages { max: 20 })
    );
}

#[test]
fn a_closed_report_takes_no_more_messages() {
    assert!(matches!(
        decide(
            &resolved(),
            &message("Grazie!"),
            Circumstances::default(),
            &demo_config(),
            at(5)
        ),
        Err(FollowUpError::Refused(_))
    ));
}

#[test]
fn not_solved_reopens_a_resolution_within_the_comune_s_window() {
    let done = resolved();
    let closed = Circumstances {
        closed_at: Some(at(2)),
        ..Default::default()
    };
    let reason = CitizenCommand::NotSolved {
        reason: "La buca è ancora lì.".into(),
    };
    let outcome = decide(&done, &reason, closed, &demo_config(), at(20)).unwrap();
    assert_eq!(outcome.ticket.status, Status::TakenInCharge);
    assert_eq!(outcome.event.kind, EventKind::Action(Action::Reopen));
    assert_eq!(outcome.event.actor, Actor::Citizen);

    let late = at(2) + Duration::days(31);
    assert_eq!(
        decide(&done, &reason, closed, &demo_config(), late),
        Err(FollowUpError::TooLate { days: 30 })
    );
    let mut no_reopening = demo_config();
    no_reopening.follow_up.reopen_days = 0;
    assert_eq!(
        decide(&done, &reason, closed, &no_reopening, at(3)),
        Err(FollowUpError::ReopeningOff)
    );
    let rejected = ticket(&[Command::Reject {
        reason: crate::workflow::RejectionReason::NotCompetent,
        explanation: "È della Provincia.".into(),
    }]);
    assert!(matches!(
        decide(&rejected, &reason, closed, &demo_config(), at(3)),
        Err(FollowUpError::Refused(_))
    ));
    let silent = CitizenCommand::NotSolved { reason: " ".into() };
    assert!(matches!(
        decide(&done, &silent, closed, &demo_config(), at(3)),
        Err(FollowUpError::Invalid {
            field: "reason",
            code: "required",
            ..
        })
    ));
}

#[test]
fn a_closed_report_is_rated_once_from_one_to_five_stars() {
    let rate = |stars| CitizenCommand::Rate {
        stars,
        comment: Some("Intervento rapido.".into()),
    };
    let outcome = decide(
        &resolved(),
        &rate(4),
        Circumstances::default(),
        &demo_config(),
        at(5),
    )
    .unwrap();
    assert_eq!(outcome.ticket.status, Status::Resolved);
    assert_eq!(
        outcome.event.note.as_deref(),
        Some("4/5\nIntervento rapido.")
    );
    assert_eq!(
        parse_rating_note("4/5\nIntervento rapido."),
        Some((4, Some("Intervento rapido.".into())))
    );
    assert_eq!(parse_rating_note("5/5"), Some((5, None)));
    assert_eq!(parse_rating_note("7/5"), None);
    for stars in [0, 6] {
        assert!(matches!(
            decide(
                &resolved(),
                &rate(stars),
                Circumstances::default(),
                &demo_config(),
                at(5)
            ),
            Err(FollowUpError::Invalid { field: "stars", .. })
        ));
    }
    let rated = Circumstances {
        rated: true,
        ..Default::default()
    };
    assert_eq!(
        decide(&resolved(), &rate(3), rated, &demo_config(), at(5)),
        Err(FollowUpError::AlreadyRated)
    );
    assert!(matches!(
        decide(
            &ticket(&[]),
            &rate(3),
            Circumstances::default(),
            &demo_config(),
            at(5)
        ),
        Err(FollowUpError::Refused(_))
    ));
}
