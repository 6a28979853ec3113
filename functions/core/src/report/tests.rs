use super::*;
use crate::config::tests_support::demo_config;

fn valid_request() -> ReportRequest {
    ReportRequest {
        category: Some("buche-stradali".into()),
        kind: Some("segnalazione".into()),
        description: Some("Buca profonda sulla carreggiata davanti alla scuola".into()),
        location: Some(LocationInput {
            lat: 45.6950,
            lon: 9.6700,
        }),
        address: Some("Via Borgo Palazzo 10".into()),
        reporter: Some(ReporterInput {
            phone: None,
            name: Some("Mario Rossi".into()),
            email: Some("mario.rossi@example.it".into()),
        }),
        language: Some("it".into()),
        privacy_accepted: Some(true),
        answers: None,
        questions_on_page: None,
    }
}

fn rejected_fields(request: ReportRequest) -> Vec<(String, &'static str)> {
    request
        .validate(&demo_config())
        .unwrap_err()
        .0
        .into_iter()
        .map(|e| (e.field, e.code))
        .collect()
}

#[test]
fn accepts_a_complete_report_and_finds_its_theme() {
    let report = valid_request().validate(&demo_config()).unwrap();
    assert_eq!(report.theme, "strade-viabilita");
    assert_eq!(report.kind, ReportKind::Segnalazione);
    assert_eq!(
        report.reporter.email.unwrap().as_str(),
        "mario.rossi@example.it"
    );
}

#[test]
fn accepts_a_minimal_anonymous_report_with_only_an_address() {
    let request = ReportRequest {
        category: Some("rifiuti-abbandonati".into()),
        description: Some("Sacchi di rifiuti abbandonati".into()),
        address: Some("Piazzale Marconi".into()),
        privacy_accepted: Some(true),
        ..Default::default()
    };
    let report = request.validate(&demo_config()).unwrap();
    assert_eq!(report.kind, ReportKind::Segnalazione);
    assert_eq!(report.language, Language::It);
    assert_eq!(report.reporter, Reporter::default());
}

#[test]
fn rejects_a_report_outside_the_city_boundary() {
    let mut request = valid_request();
    request.location = Some(LocationInput {
        lat: 45.4642,
        lon: 9.1900,
    });
    assert_eq!(
        rejected_fields(request),
        vec![("location".to_string(), "outside_boundary")]
    );
}

#[test]
fn rejects_a_report_with_neither_place_nor_address() {
    let mut request = valid_request();
    request.location = None;
    request.address = Some("   ".into());
    assert_eq!(
        rejected_fields(request),
        vec![("location".to_string(), "required")]
    );
}

#[test]
fn reports_every_bad_field_at_once() {
    let request = ReportRequest {
        category: Some("dischi-volanti".into()),
        kind: Some("lamentela".into()),
        description: Some("breve".into()),
        location: Some(LocationInput {
            lat: 95.0,
            lon: 9.0,
        }),
        address: None,
        reporter: Some(ReporterInput {
            phone: None,
            name: Some("x".repeat(101)),
            email: Some("mario@".into()),
        }),
        language: Some("de".into()),
        privacy_accepted: None,
        answers: None,
        questions_on_page: None,
    };
    assert_eq!(
        rejected_fields(request),
        vec![
            ("category".to_string(), "unknown_category"),
            ("kind".to_string(), "invalid_kind"),
            ("description".to_string(), "too_short"),
            ("location.lat".to_string(), "out_of_range"),
            ("reporter.name".to_string(), "too_long"),
            ("reporter.email".to_string(), "invalid_email"),
            ("privacy_accepted".to_string(), "privacy_required"),
            ("language".to_string(), "invalid_language"),
        ]
    );
}

#[test]
fn rejects_missing_category_and_description() {
    let mut request = valid_request();
    request.category = None;
    request.description = None;
    assert_eq!(
        rejected_fields(request),
        vec![
            ("category".to_string(), "required"),
            ("description".to_string(), "required")
        ]
    );
}

#[test]
fn rejects_a_description_longer_than_4000_characters() {
    let mut request = valid_request();
    request.description = Some("è".repeat(4001));
    assert_eq!(
        rejected_fields(request),
        vec![("description".to_string(), "too_long")]
    );
    let mut request = valid_request();
    request.description = Some("è".repeat(4000));
    assert!(request.validate(&demo_config()).is_ok());
}

#[test]
fn rejects_control_characters_in_text() {
    let mut request = valid_request();
    request.address = Some("Via Roma\u{7}".into());
    assert_eq!(
        rejected_fields(request),
        vec![("address".to_string(), "control_characters")]
    );
}

#[test]
fn an_empty_email_means_no_email() {
    let mut request = valid_request();
    request.reporter = Some(ReporterInput {
        phone: None,
        name: None,
        email: Some("  ".into()),
    });
    assert_eq!(
        request.validate(&demo_config()).unwrap().reporter.email,
        None
    );
}

#[test]
fn unknown_fields_in_the_json_body_are_named() {
    let errors = crate::field_error::parse_json::<ReportRequest>(
        r#"{"category":"buche-stradali","colour":"red"}"#,
    )
    .unwrap_err();
    assert_eq!(errors.0[0].code, "invalid");
    assert!(
        errors.0[0].message.contains("colour"),
        "{}",
        errors.0[0].message
    );
}

#[test]
fn a_wrongly_typed_coordinate_is_named_with_its_path() {
    let errors =
        crate::field_error::parse_json::<ReportRequest>(r#"{"location":{"lat":"45.7","lon":9.6}}"#)
            .unwrap_err();
    assert_eq!(errors.0[0].field, "location.lat");
}

#[test]
fn a_report_without_accepting_the_privacy_notice_is_refused() {
    let mut request = valid_request();
    request.privacy_accepted = Some(false);
    assert_eq!(
        rejected_fields(request),
        vec![("privacy_accepted".to_string(), "privacy_required")]
    );
}

#[test]
fn form_fields_become_a_request_with_blank_fields_absent() {
    let request = from_form_fields([
        ("category", "buche-stradali"),
        ("kind", "reclamo"),
        ("description", "Buca profonda davanti al civico 3"),
        ("address", "  "),
        ("lat", "45.695"),
        ("lon", " 9.67 "),
        ("name", ""),
        ("email", "mario@example.it"),
        ("language", "en"),
        ("privacy_accepted", "on"),
        ("submit", "Invia"),
    ])
    .unwrap();
    assert_eq!(request.address, None);
    assert_eq!(
        request.location.as_ref().map(|l| (l.lat, l.lon)),
        Some((45.695, 9.67))
    );
    assert_eq!(request.reporter.as_ref().unwrap().name, None);
    assert!(request.validate(&demo_config()).is_ok());
}

#[test]
fn a_form_counts_only_the_answers_to_the_chosen_category_questions() {
    use answers::AnswerValue;
    let request = from_form_fields([
        ("category", "rifiuti-abbandonati"),
        ("description", "Sacchi e pneumatici accanto alle campane"),
        ("address", "Via Tasso 60"),
        ("privacy_accepted", "on"),
        ("answers.rifiuti-abbandonati.tipo-rifiuti", "sacchi"),
        ("answers.rifiuti-abbandonati.tipo-rifiuti", "pneumatici"),
        // Questions of other categories stay on the page without JavaScript.
        ("answers.buche-stradali.dimensione", "grande"),
        ("answers.veicoli-abbandonati.targa", "AB 123 CD"),
        ("answers.veicoli-abbandonati.da-quando", ""),
    ])
    .unwrap();
    let report = request.validate(&demo_config()).unwrap();
    assert_eq!(report.answers.len(), 1);
    assert_eq!(
        report.answers[0].value,
        AnswerValue::Choices(vec!["sacchi".into(), "pneumatici".into()])
    );

    let vehicle = from_form_fields([
        ("category", "veicoli-abbandonati"),
        ("description", "Auto ferma da mesi con le gomme a terra"),
        ("address", "Via Tasso 60"),
        ("privacy_accepted", "on"),
        ("answers.veicoli-abbandonati.targa", "AB 123 CD"),
        ("answers.veicoli-abbandonati.da-quando", ""),
    ])
    .unwrap();
    assert_eq!(
        vehicle.validate(&demo_config()).unwrap_err().fields(),
        ["answers.da-quando"]
    );
}

#[test]
fn a_form_built_before_a_required_question_existed_still_files_its_reports() {
    let live = demo_config();
    let category = |config: &ComuneConfig| {
        config
            .category("veicoli-abbandonati")
            .unwrap()
            .1
            .fields
            .clone()
    };
    let post = |asked: Vec<String>, date: &'static str| {
        let mut request = from_form_fields([
            ("category", "veicoli-abbandonati"),
            ("description", "Auto ferma da mesi con le gomme a terra"),
            ("address", "Via Tasso 60"),
            ("privacy_accepted", "on"),
            ("answers.veicoli-abbandonati.targa", "AB 123 CD"),
            ("answers.veicoli-abbandonati.da-quando", date),
        ])
        .unwrap();
        request.questions_on_page = Some(asked);
        request.validate(&live)
    };
    // The site was built when the category asked only the plate.
    let mut older = category(&live);
    older.retain(|field| field.code == "targa");
    let asked = answers::asked_on_page(&older, &category(&live));
    assert_eq!(asked, ["targa"]);
    assert_eq!(post(asked, "").unwrap().answers.len(), 1);
    // Built with today's questions, the required one is required.
    let asked = answers::asked_on_page(&category(&live), &category(&live));
    assert_eq!(post(asked, "").unwrap_err().fields(), ["answers.da-quando"]);
    // The page asked the day as free text; now it is a date: what the citizen wrote is
    // left out instead of refused.
    let mut as_text = category(&live);
    as_text[1].kind = crate::config::FieldKind::Line;
    let asked = answers::asked_on_page(&as_text, &category(&live));
    assert!(!asked.contains(&"da-quando".to_string()));
    let filed = post(asked, "a fine estate").unwrap();
    assert_eq!(filed.answers.len(), 1, "only the plate is kept");
    // A reworded label asks the same question.
    let mut reworded = category(&live);
    reworded[1].label.it = "Da quanto tempo è lì?".into();
    assert_eq!(answers::asked_on_page(&reworded, &category(&live)).len(), 3);
}

#[test]
fn answers_are_not_judged_when_the_category_is_unknown() {
    let mut request = valid_request();
    request.category = Some("dischi-volanti".into());
    request.answers = Some(
        [(
            "colore".to_string(),
            answers::AnswerInput::Text("verde".into()),
        )]
        .into(),
    );
    assert_eq!(
        rejected_fields(request),
        [("category".to_string(), "unknown_category")]
    );
}

#[test]
fn form_coordinates_that_are_not_numbers_are_named() {
    let errors = from_form_fields([("lat", "quarantacinque"), ("lon", "9.6")]).unwrap_err();
    assert_eq!(errors.fields(), vec!["location.lat"]);
    let errors = from_form_fields([("lat", "45.7")]).unwrap_err();
    assert_eq!(errors.fields(), vec!["location"]);
}

#[test]
fn more_photos_than_the_comune_allows_are_refused() {
    assert!(check_photo_count(3, &demo_config()).is_ok());
    assert_eq!(
        check_photo_count(4, &demo_config()).unwrap_err().fields(),
        vec!["photos"]
    );
}
