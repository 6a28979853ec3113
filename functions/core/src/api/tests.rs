//! Every payload the API sends matches its published JSON Schema in `schema/api/`.

use super::*;
use crate::config::tests_support::demo_config;
use crate::field_error::FieldError;
use crate::ids::SeededEntropy;
use crate::public_number::PublicNumber;
use crate::report::{LocationInput, ReportRequest, ReporterInput};
use crate::routing::route;
use crate::ticket::Ticket;
use chrono::TimeZone;
use serde_json::{json, Value};

fn validator(name: &str) -> jsonschema::Validator {
    let path = format!("{}/../../schema/api/{name}", env!("CARGO_MANIFEST_DIR"));
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap_or_else(|e| panic!("{name} compiles: {e}"))
}

pub(crate) fn assert_matches(name: &str, payload: &impl serde::Serialize) {
    let value = serde_json::to_value(payload).unwrap();
    let errors: Vec<String> = validator(name)
        .iter_errors(&value)
        .map(|e| format!("{e} at {}", e.instance_path()))
        .collect();
    assert!(errors.is_empty(), "{name}: {errors:#?}\n{value:#}");
}

fn request() -> ReportRequest {
    ReportRequest {
        category: Some("buche-stradali".into()),
        description: Some("Buca profonda davanti al civico 3".into()),
        location: Some(LocationInput {
            lat: 45.69,
            lon: 9.67,
        }),
        address: Some("Via Roma 3".into()),
        reporter: Some(ReporterInput {
            phone: None,
            name: Some("Mario Rossi".into()),
            email: Some("mario@example.it".into()),
        }),
        language: Some("en".into()),
        kind: Some("reclamo".into()),
        privacy_accepted: Some(true),
        answers: Some(
            [(
                "dimensione".to_string(),
                crate::report::answers::AnswerInput::Text("media".into()),
            )]
            .into(),
        ),
        questions_on_page: None,
    }
}

fn ticket() -> Ticket {
    let config = demo_config();
    let report = request().validate(&config).unwrap();
    let routing = route(&config, &report);
    let now = chrono::Utc.with_ymd_and_hms(2026, 4, 1, 8, 30, 0).unwrap();
    Ticket::open(
        crate::ids::TicketId::generate(now, &mut SeededEntropy::new(4)),
        report,
        routing,
        PublicNumber::new(2026, 17),
        crate::ticket::Deadlines::for_report(&config, "buche-stradali", now),
        now,
        &mut SeededEntropy::new(5),
    )
    .0
}

#[test]
fn the_report_request_schema_accepts_what_the_validator_accepts() {
    assert_matches("report-request.schema.json", &request());
}

#[test]
fn the_report_request_schema_refuses_bodies_the_service_refuses() {
    let validator = validator("report-request.schema.json");
    for body in [
        json!({"description": "Buca profonda davanti al civico 3", "address": "Via Roma"}),
        json!({"category": "buche-stradali", "description": "Buca profonda davanti al civico 3"}),
        json!({"category": "buche-stradali", "description": "corta", "address": "Via Roma"}),
        json!({"category": "buche-stradali", "description": "Buca profonda davanti", "address": "Via Roma", "colour": "red"}),
        json!({"category": "buche-stradali", "description": "Buca profonda davanti", "address": "Via Roma", "kind": "lamentela"}),
    ] {
        assert!(!validator.is_valid(&body), "schema accepts {body}");
        let parsed: Result<ReportRequest, _> = crate::field_error::parse_json(&body.to_string());
        assert!(
            parsed
                .map(|r| r.validate(&demo_config()).is_err())
                .unwrap_or(true),
            "service accepts {body}"
        );
    }
}

#[test]
fn the_created_answer_matches_its_schema() {
    assert_matches(
        "report-created.schema.json",
        &ReportCreated::of(&ticket(), &demo_config()),
    );
}

#[test]
fn the_public_view_matches_its_schema_and_has_no_personal_data() {
    let ticket = ticket();
    let event = crate::ticket::TicketEvent {
        ticket_id: ticket.id,
        at: ticket.created_at,
        actor: crate::ticket::Actor::Citizen,
        kind: crate::ticket::EventKind::Created(crate::ticket::Created::Created),
        from_status: None,
        to_status: ticket.status,
        office: Some(ticket.routing.office.clone()),
        visibility: crate::ticket::Visibility::Public,
        note: None,
    };
    let internal = crate::ticket::TicketEvent {
        visibility: crate::ticket::Visibility::Internal,
        note: Some("Nota interna: il cittadino ha già chiamato tre volte".into()),
        ..event.clone()
    };
    let photo = crate::store::PhotoRecord {
        position: 1,
        object_key: crate::photo::object_key(ticket.id, 1, crate::photo::PhotoFormat::Jpeg),
        thumbnail_key: Some(crate::photo::thumbnail_key(
            ticket.id,
            1,
            crate::photo::PhotoFormat::Jpeg,
        )),
        content_type: "image/jpeg".into(),
        bytes: 1000,
        width: 640,
        height: 480,
    };
    let record = crate::store::TicketRecord {
        ticket: ticket.clone(),
        events: vec![event, internal],
        photos: vec![photo],
        original: None,
    };
    let view = PublicTicketView::of(&record, &demo_config());
    assert_matches("public-report.schema.json", &view);
    let text = serde_json::to_string(&view).unwrap();
    assert!(!text.contains("Mario Rossi") && !text.contains("mario@example.it"));
    assert!(!text.contains("Nota interna"));
    assert_eq!(view.history.len(), 1);
    assert_eq!(
        view.photos[0].url,
        format!("/api/v1/reports/{}/photos/1", ticket.tracking_token)
    );
    assert!(!text.contains("tickets/"), "R2 keys stay private");
    assert_eq!(
        view.category.name, "Potholes and damaged roads",
        "names in the reporter's language"
    );
}

#[test]
fn the_public_config_matches_its_schema() {
    assert_matches(
        "public-config.schema.json",
        &PublicConfig::of(&demo_config()),
    );
}

#[test]
fn error_bodies_match_their_schema() {
    let fields = [FieldError::new(
        "reporter.email",
        "invalid_email",
        "not a valid e-mail address",
    )];
    assert_matches(
        "error.schema.json",
        &ErrorBody {
            error: "validation_failed",
            message: "Some fields are missing or invalid.".into(),
            fields: &fields,
        },
    );
    assert_matches(
        "error.schema.json",
        &ErrorBody {
            error: "not_found",
            message: "Report not found.".into(),
            fields: &[],
        },
    );
}

#[test]
fn the_health_answer_matches_its_schema() {
    assert_matches(
        "health.schema.json",
        &Health {
            status: "ok",
            version: crate::VERSION,
            comune: "bergamo".into(),
        },
    );
}

#[test]
fn a_duplicate_shows_the_progress_of_the_report_it_joined_but_nothing_of_its_citizen() {
    use crate::ticket::{Actor, EventKind, TicketEvent, Visibility};
    let mut original = ticket();
    original.report.description = "Descrizione dell'altro cittadino".into();
    original.public_number = PublicNumber::new(2026, 99);
    original.status = Status::Resolved;
    let event = |ticket: &crate::ticket::Ticket, visibility, note: &str, to_status| TicketEvent {
        ticket_id: ticket.id,
        at: ticket.created_at,
        actor: Actor::Staff("operatore".into()),
        kind: EventKind::Action(crate::status::Action::Resolve),
        from_status: None,
        to_status,
        office: Some(ticket.routing.office.clone()),
        visibility,
        note: Some(note.into()),
    };
    let mut repeat = ticket();
    repeat.status = Status::Duplicate;
    repeat.duplicate_of = Some(original.public_number);
    let record = crate::store::TicketRecord {
        events: vec![],
        photos: vec![],
        original: Some(Box::new(crate::store::TicketRecord {
            events: vec![
                event(
                    &original,
                    Visibility::Public,
                    "Buca chiusa",
                    Status::Resolved,
                ),
                event(
                    &original,
                    Visibility::Internal,
                    "Nota interna",
                    Status::Resolved,
                ),
            ],
            photos: vec![],
            original: None,
            ticket: original.clone(),
        })),
        ticket: repeat,
    };
    let view = PublicTicketView::of(&record, &demo_config());
    assert_matches("public-report.schema.json", &view);
    let joined = view.joined.as_ref().unwrap();
    assert_eq!(joined.public_number, original.public_number);
    assert_eq!(joined.status, Status::Resolved);
    assert_eq!(joined.history.len(), 1);
    assert_eq!(joined.history[0].note.as_deref(), Some("Buca chiusa"));
    let text = serde_json::to_string(&view).unwrap();
    assert!(!text.contains("altro cittadino") && !text.contains("Nota interna"));
}
