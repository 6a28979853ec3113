use super::discovery::discovery;
use super::document::{Document, Format, Value};
use super::requests::{selection, service_request, Selection};
use super::services::{definition, services};
use super::submission::Open311Post;
use super::*;
use crate::config::tests_support::demo_config;
use crate::open_data::tests::row;
use chrono::TimeZone;

fn pairs(list: &[(&str, &str)]) -> Vec<(String, String)> {
    list.iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 24, 12, 0, 0).unwrap()
}

fn xml(document: &Document) -> String {
    let text = document.render(Format::Xml);
    roxmltree::Document::parse(&text).unwrap_or_else(|e| panic!("{e}: {text}"));
    text
}

fn json(document: &Document) -> serde_json::Value {
    serde_json::from_str(&document.render(Format::Json)).unwrap()
}

/// The child elements' names of the first element called `name`.
fn child_names(xml_text: &str, name: &str) -> Vec<String> {
    let document = roxmltree::Document::parse(xml_text).unwrap();
    let node = document
        .descendants()
        .find(|n| n.has_tag_name(name))
        .unwrap_or_else(|| panic!("no <{name}> in {xml_text}"));
    node.children()
        .filter(|c| c.is_element())
        .map(|c| c.tag_name().name().to_string())
        .collect()
}

#[test]
fn json_and_xml_carry_the_same_fields_and_lists_are_top_level_arrays() {
    let document = Document {
        root: "services",
        body: Value::List(
            "service",
            vec![Value::Record(vec![
                ("service_code", Value::text("buche")),
                ("metadata", Value::Bool(false)),
                ("lat", Value::Number(45.698)),
                ("n", Value::Integer(3)),
            ])],
        ),
    };
    assert_eq!(
        document.render(Format::Json),
        r#"[{"service_code":"buche","metadata":false,"lat":45.698,"n":3}]"#
    );
    assert_eq!(
        xml(&document),
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<services><service><service_code>buche</service_code>\
         <metadata>false</metadata><lat>45.698</lat><n>3</n></service></services>"
    );
}

#[test]
fn xml_escapes_markup_and_drops_characters_xml_cannot_carry() {
    let document = Document {
        root: "errors",
        body: Value::List(
            "error",
            vec![Value::Record(vec![(
                "description",
                Value::text("<script>&\"'\u{1}\u{FFFF} riga\nnuova"),
            )])],
        ),
    };
    let text = xml(&document);
    assert!(text.contains("&lt;script&gt;&amp;&quot;&apos; riga\nnuova"));
    let parsed = roxmltree::Document::parse(&text).unwrap();
    let description = parsed
        .descendants()
        .find(|n| n.has_tag_name("description"))
        .unwrap();
    assert_eq!(description.text(), Some("<script>&\"' riga\nnuova"));
    assert_eq!(
        json(&document)[0]["description"],
        "<script>&\"'\u{1}\u{FFFF} riga\nnuova"
    );
}

#[test]
fn a_format_is_told_by_the_extension() {
    assert_eq!(
        Format::split("services.json"),
        Some(("services", Format::Json))
    );
    assert_eq!(
        Format::split("2026-000001.xml"),
        Some(("2026-000001", Format::Xml))
    );
    assert_eq!(Format::split("services"), None);
    assert_eq!(Format::split("services.html"), None);
}

#[test]
fn every_category_is_a_realtime_service_grouped_by_its_theme() {
    let config = demo_config();
    let document = services(&config);
    let list = json(&document);
    let categories: usize = config.themes.iter().map(|t| t.categories.len()).sum();
    assert_eq!(list.as_array().unwrap().len(), categories);
    let pothole = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service_code"] == "buche-stradali")
        .unwrap();
    assert_eq!(pothole["service_name"], "Buche e dissesti stradali");
    assert_eq!(pothole["group"], "Strade e viabilità");
    assert_eq!(pothole["type"], "realtime");
    assert_eq!(pothole["metadata"], true, "it asks how big the pothole is");
    let pavements = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["service_code"] == "marciapiedi")
        .unwrap();
    assert_eq!(pavements["metadata"], false, "no extra questions");
    assert_eq!(
        pothole["keywords"],
        "asfalto, tombino, marciapiede dissestato"
    );
    assert!(pothole["description"]
        .as_str()
        .unwrap()
        .starts_with("Buche, avvallamenti"));
    let text = xml(&document);
    assert_eq!(
        child_names(&text, "service"),
        [
            "service_code",
            "service_name",
            "description",
            "metadata",
            "type",
            "keywords",
            "group"
        ]
    );
}

#[test]
fn a_service_definition_lists_the_category_questions_as_attributes() {
    let config = demo_config();
    let document = definition(&config, "illuminazione-pubblica").unwrap();
    assert_eq!(
        json(&document),
        serde_json::json!({
            "service_code": "illuminazione-pubblica",
            "attributes": [
                {
                    "variable": true,
                    "code": "numero-palo",
                    "datatype": "string",
                    "required": false,
                    "datatype_description": "Testo su una riga, al massimo 200 caratteri. È scritto su una targhetta sul palo, ad esempio BG-01234.",
                    "order": 1,
                    "description": "Numero del palo",
                    "values": []
                },
                {
                    "variable": true,
                    "code": "lampioni-spenti",
                    "datatype": "number",
                    "required": false,
                    "datatype_description": "Un numero intero tra 1 e 100.",
                    "order": 2,
                    "description": "Quanti lampioni sono spenti?",
                    "values": []
                }
            ]
        })
    );
    let vehicles = json(&definition(&config, "veicoli-abbandonati").unwrap());
    let datatypes: Vec<_> = vehicles["attributes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["datatype"].as_str().unwrap(),
                a["required"].as_bool().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        datatypes,
        [("string", false), ("datetime", true), ("text", false)]
    );
    let waste = json(&definition(&config, "rifiuti-abbandonati").unwrap());
    assert_eq!(waste["attributes"][0]["datatype"], "multivaluelist");
    assert_eq!(
        waste["attributes"][0]["values"][1],
        serde_json::json!({"key": "ingombranti", "name": "Mobili o ingombranti"})
    );
}

#[test]
fn a_definition_in_xml_has_the_spec_element_names_in_order() {
    let config = demo_config();
    let text = xml(&definition(&config, "buche-stradali").unwrap());
    assert_eq!(
        child_names(&text, "service_definition"),
        ["service_code", "attributes"]
    );
    assert_eq!(child_names(&text, "attributes"), ["attribute"]);
    assert_eq!(
        child_names(&text, "attribute"),
        [
            "variable",
            "code",
            "datatype",
            "required",
            "datatype_description",
            "order",
            "description",
            "values"
        ]
    );
    assert_eq!(child_names(&text, "values"), ["value", "value", "value"]);
    assert_eq!(child_names(&text, "value"), ["key", "name"]);
    assert!(text.contains("<datatype>singlevaluelist</datatype>"));
    assert!(text.contains("<key>piccola</key><name>Piccola (meno di 20 cm)</name>"));
}

#[test]
fn a_category_without_questions_has_an_empty_definition_and_an_unknown_code_none() {
    let config = demo_config();
    let document = definition(&config, "marciapiedi").unwrap();
    assert_eq!(
        json(&document),
        serde_json::json!({"service_code": "marciapiedi", "attributes": []})
    );
    let text = xml(&document);
    assert!(text.contains(
        "<service_definition><service_code>marciapiedi</service_code><attributes></attributes></service_definition>"
    ));
    assert!(definition(&config, "nessuna").is_none());
}

#[test]
fn errors_are_an_array_of_code_and_description_with_the_http_status() {
    let error = Open311Error::new(403, "api_key: missing");
    assert_eq!(
        json(&error.document()),
        serde_json::json!([{"code": 403, "description": "api_key: missing"}])
    );
    assert_eq!(
        xml(&error.document()),
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<errors><error><code>403</code>\
         <description>api_key: missing</description></error></errors>"
    );
}

#[test]
fn instants_are_written_in_italian_time_with_their_offset() {
    assert_eq!(
        w3c(Utc.with_ymd_and_hms(2026, 11, 24, 9, 5, 7).unwrap()),
        "2026-11-24T10:05:07+01:00"
    );
    assert_eq!(
        w3c(Utc.with_ymd_and_hms(2026, 7, 1, 22, 30, 0).unwrap()),
        "2026-07-02T00:30:00+02:00"
    );
}

#[test]
fn dates_are_read_in_the_w3c_forms_clients_send() {
    let expected = Utc.with_ymd_and_hms(2026, 11, 1, 9, 0, 0).unwrap();
    for text in [
        "2026-11-01T10:00:00+01:00",
        "2026-11-01T09:00:00Z",
        "2026-11-01T10:00+01:00",
        "2026-11-01T10:00:00 01:00",
        "2026-11-01T09:00:00.000Z",
    ] {
        assert_eq!(parse_w3c(text, DayEdge::Start), Some(expected), "{text}");
    }
    assert_eq!(
        parse_w3c("2026-11-01", DayEdge::Start),
        Some(Utc.with_ymd_and_hms(2026, 10, 31, 23, 0, 0).unwrap())
    );
    // An end date that is a day includes that day.
    assert_eq!(
        parse_w3c("2026-11-01", DayEdge::End),
        Some(Utc.with_ymd_and_hms(2026, 11, 1, 23, 0, 0).unwrap())
    );
    for bad in ["ieri", "2026-13-01", "01/11/2026", "2026-11-01T10:00:00"] {
        assert_eq!(parse_w3c(bad, DayEdge::Start), None, "{bad}");
    }
}

#[test]
fn without_dates_requests_cover_the_last_ninety_days() {
    let Selection::Filter {
        start,
        end,
        open,
        service_codes,
    } = selection(&[], now()).unwrap()
    else {
        panic!()
    };
    assert_eq!((start, end), (now() - chrono::Duration::days(90), now()));
    assert_eq!((open, service_codes.len()), (None, 0));
}

#[test]
fn one_date_opens_a_ninety_day_window_from_it_or_up_to_it() {
    let day = Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap();
    let window = chrono::Duration::days(90);
    let Selection::Filter { start, end, .. } =
        selection(&pairs(&[("start_date", "2026-06-01T00:00:00Z")]), now()).unwrap()
    else {
        panic!()
    };
    assert_eq!((start, end), (day, day + window));
    let Selection::Filter { start, end, .. } =
        selection(&pairs(&[("end_date", "2026-06-01T00:00:00Z")]), now()).unwrap()
    else {
        panic!()
    };
    assert_eq!((start, end), (day - window, day));
}

#[test]
fn a_window_longer_than_ninety_days_or_backwards_is_refused() {
    let error = selection(
        &pairs(&[
            ("start_date", "2026-01-01T00:00:00Z"),
            ("end_date", "2026-06-01T00:00:00Z"),
        ]),
        now(),
    )
    .unwrap_err();
    assert_eq!(error.status, 400);
    assert!(error.descriptions[0].contains("90 days"));
    let error = selection(
        &pairs(&[
            ("start_date", "2026-06-01T00:00:00Z"),
            ("end_date", "2026-05-01T00:00:00Z"),
        ]),
        now(),
    )
    .unwrap_err();
    assert_eq!(error.descriptions, ["end_date: before start_date"]);
}

#[test]
fn bad_dates_and_statuses_are_each_named() {
    let error = selection(
        &pairs(&[
            ("start_date", "ieri"),
            ("end_date", "domani"),
            ("status", "open,pending"),
        ]),
        now(),
    )
    .unwrap_err();
    assert_eq!(error.status, 400);
    assert_eq!(error.descriptions.len(), 3);
    assert!(error.descriptions[0].starts_with("start_date:"));
    assert!(error.descriptions[1].starts_with("end_date:"));
    assert!(error.descriptions[2].starts_with("status: \"pending\""));
}

#[test]
fn does_not_panic_on_a_date_at_the_end_of_chronos_range_in_a_request_query() {
    // Caught by fuzz/fuzz_targets/open311_requests.rs, seeded with chrono's last day: its %Y
    // reads `+262142-12-31`, whose end in Rome, or a 90-day window near it, overflowed.
    for (name, value) in [
        ("start_date", "+262142-12-01"),
        ("end_date", "+262142-12-31"),
        ("start_date", "-262143-01-01"),
        ("start_date", "+262142-12-31T23:00+00:00"),
        ("end_date", "+10000-01-01"),
    ] {
        let error = selection(&pairs(&[(name, value)]), now()).unwrap_err();
        assert_eq!(error.status, 400, "{name}={value}");
        assert!(error.descriptions[0].starts_with(name), "{name}={value}");
        assert_eq!(parse_w3c(value, DayEdge::End), None, "{value}");
    }
    assert!(parse_w3c("9999-12-31", DayEdge::End).is_some());
}

#[test]
fn status_and_service_code_filters_take_comma_lists() {
    let filter = |status: &str| match selection(
        &pairs(&[
            ("status", status),
            ("service_code", "buche-stradali, verde ,"),
        ]),
        now(),
    )
    .unwrap()
    {
        Selection::Filter {
            open,
            service_codes,
            ..
        } => (open, service_codes),
        Selection::Numbers(_) => panic!(),
    };
    assert_eq!(filter("open").0, Some(true));
    assert_eq!(filter("closed").0, Some(false));
    assert_eq!(filter("open,closed").0, None);
    assert_eq!(filter("open").1, ["buche-stradali", "verde"]);
}

#[test]
fn service_request_ids_override_every_other_parameter() {
    let chosen = selection(
        &pairs(&[
            ("service_request_id", "2026-000001,2026-000003"),
            ("start_date", "not even a date"),
        ]),
        now(),
    )
    .unwrap();
    assert_eq!(
        chosen,
        Selection::Numbers(vec!["2026-000001".into(), "2026-000003".into()])
    );
    let many = vec!["2026-000001"; 1001].join(",");
    assert_eq!(
        selection(&pairs(&[("service_request_id", &many)]), now())
            .unwrap_err()
            .status,
        400
    );
}

#[test]
fn a_service_request_publishes_what_the_open_data_publishes_and_nothing_more() {
    let config = demo_config();
    let mut report = row("buche-stradali", "rejected");
    report.rejection_reason = Some("Non di competenza comunale".into());
    report.updated_at = Some("2026-03-04T16:00:00.000Z".into());
    report.resolve_by = Some("2026-03-30T22:00:00.000Z".into());
    let record = service_request(report, &config, now()).unwrap();
    let document = requests::requests_document(vec![record]);
    let value = json(&document);
    let request = &value[0];
    assert_eq!(request["service_request_id"], "2026-000007");
    assert_eq!(request["status"], "closed");
    assert_eq!(
        request["status_notes"],
        "Respinta: Non di competenza comunale"
    );
    assert_eq!(request["service_code"], "buche-stradali");
    assert_eq!(request["service_name"], "Buche e dissesti stradali");
    assert_eq!(
        request["agency_responsible"],
        "Servizio Manutenzione Strade e Mobilità"
    );
    assert_eq!(
        request["service_notice"],
        "Presa in carico entro 3 giorni lavorativi; risoluzione entro 20 giorni lavorativi."
    );
    assert_eq!(request["requested_datetime"], "2026-03-02T10:15:00+01:00");
    assert_eq!(request["updated_datetime"], "2026-03-04T17:00:00+01:00");
    assert_eq!(request["expected_datetime"], "2026-03-31T00:00:00+02:00");
    // Rounded as the open data rounds (3 decimals by default).
    assert_eq!(request["lat"], 45.695);
    assert_eq!(request["long"], 9.67);
    // The demo comune does not publish descriptions; never the typed address or photos.
    for hidden in [
        "description",
        "address",
        "address_id",
        "media_url",
        "zipcode",
    ] {
        assert!(request.get(hidden).is_none(), "{hidden}");
    }
    let text = xml(&document);
    assert!(!text.contains("Mario Rossi"));
    assert_eq!(
        child_names(&text, "request"),
        [
            "service_request_id",
            "status",
            "status_notes",
            "service_name",
            "service_code",
            "agency_responsible",
            "service_notice",
            "requested_datetime",
            "updated_datetime",
            "expected_datetime",
            "lat",
            "long"
        ]
    );
}

#[test]
fn a_service_request_shows_the_description_and_location_only_where_the_policy_says() {
    let mut config = demo_config();
    config.open_data.publish_descriptions = true;
    config.open_data.publish_locations = false;
    let value = service_request(row("buche-stradali", "in_progress"), &config, now()).unwrap();
    let request = json(&requests::requests_document(vec![value]))[0].clone();
    assert_eq!(request["status"], "open");
    assert_eq!(request["status_notes"], "In lavorazione");
    assert!(request["description"]
        .as_str()
        .unwrap()
        .starts_with("Buca profonda"));
    assert!(request.get("lat").is_none() && request.get("long").is_none());
    assert_eq!(request["updated_datetime"], request["requested_datetime"]);
}

#[test]
fn the_answer_to_a_filed_report_is_a_one_element_list_with_the_id_and_a_token() {
    let document = requests::created_document("2026-000013", "0190-abc", Some("Entro".into()));
    assert_eq!(
        json(&document),
        serde_json::json!([{"service_request_id": "2026-000013", "token": "0190-abc", "service_notice": "Entro"}])
    );
    assert!(xml(&document).contains(
        "<service_requests><request><service_request_id>2026-000013</service_request_id><token>0190-abc</token>"
    ));
}

#[test]
fn the_discovery_document_lists_the_v2_endpoint_in_both_formats() {
    let config = demo_config();
    let document = discovery(&config, "https://segnala.example.it/");
    let value = json(&document);
    assert_eq!(value["changeset"], CHANGESET);
    assert_eq!(
        value["endpoints"][0]["url"],
        "https://segnala.example.it/open311/v2"
    );
    assert_eq!(value["endpoints"][0]["specification"], SPECIFICATION);
    assert_eq!(
        value["endpoints"][0]["formats"],
        serde_json::json!(["application/json", "text/xml"])
    );
    assert!(value["key_service"]
        .as_str()
        .unwrap()
        .contains(config.contacts.email.as_str()));
    let text = xml(&document);
    assert_eq!(
        child_names(&text, "discovery"),
        ["changeset", "contact", "key_service", "endpoints"]
    );
    assert!(text
        .contains("<formats><format>application/json</format><format>text/xml</format></formats>"));
}

#[test]
fn a_jurisdiction_other_than_the_comune_is_not_found() {
    assert!(jurisdiction_matches(None, "bergamo").is_ok());
    assert!(jurisdiction_matches(Some(""), "bergamo").is_ok());
    assert!(jurisdiction_matches(Some("bergamo"), "bergamo").is_ok());
    assert_eq!(
        jurisdiction_matches(Some("milano"), "bergamo")
            .unwrap_err()
            .status,
        404
    );
}

fn post(fields: &[(&str, &str)]) -> Open311Post {
    Open311Post::read(fields.iter().copied())
}

const IN_BERGAMO: [(&str, &str); 2] = [("lat", "45.6950"), ("long", "9.6700")];

#[test]
fn a_post_becomes_the_same_report_the_web_form_makes() {
    let config = demo_config();
    let mut fields = vec![
        ("api_key", "sgn_secret"),
        ("jurisdiction_id", "bergamo"),
        ("service_code", "buche-stradali"),
        ("description", "Buca profonda davanti al civico 3"),
        ("first_name", "Mario"),
        ("last_name", "Rossi"),
        ("email", "mario.rossi@example.org"),
        ("phone", "+39 035 123456"),
        ("media_url", "https://app.example.org/foto/1.jpg"),
        ("device_id", "abc"),
        ("account_id", "42"),
    ];
    fields.extend(IN_BERGAMO);
    let post = post(&fields);
    assert_eq!(post.credentials.api_key.as_deref(), Some("sgn_secret"));
    assert_eq!(post.credentials.jurisdiction_id.as_deref(), Some("bergamo"));
    let report = post.validate(&config).unwrap();
    assert_eq!(report.category, "buche-stradali");
    assert_eq!(report.theme, "strade-viabilita");
    assert_eq!(report.kind, crate::report::ReportKind::Segnalazione);
    assert_eq!(report.reporter.name.as_deref(), Some("Mario Rossi"));
    assert_eq!(
        report.reporter.email.as_ref().unwrap().as_str(),
        "mario.rossi@example.org"
    );
    assert_eq!(
        report.reporter.phone.as_ref().unwrap().as_str(),
        "+39 035 123456"
    );
    assert_eq!(
        report.media_url.as_deref(),
        Some("https://app.example.org/foto/1.jpg")
    );
    let point = report.location.unwrap();
    assert_eq!((point.lat(), point.lon()), (45.695, 9.67));
}

/// A report of abandoned vehicles with the extra fields given.
fn vehicle_post(attributes: &[(&str, &str)]) -> Open311Post {
    let mut fields = vec![
        ("service_code", "veicoli-abbandonati"),
        ("description", "Auto ferma da mesi con le gomme a terra"),
    ];
    fields.extend(IN_BERGAMO);
    fields.extend(attributes);
    post(&fields)
}

#[test]
fn attributes_become_the_answers_of_the_category_questions() {
    use crate::report::answers::{Answer, AnswerValue};
    let config = demo_config();
    let report = vehicle_post(&[
        ("attribute[targa]", "AB 123 CD"),
        // A W3C date-time counts as its day in Italy: 23:30 UTC is already the 2nd there.
        ("attribute[da-quando]", "2026-09-01T23:30:00Z"),
        ("attribute[segni-abbandono]", "Vetri rotti"),
    ])
    .validate(&config)
    .unwrap();
    assert_eq!(
        report.answers,
        [
            Answer {
                code: "targa".into(),
                value: AnswerValue::Line("AB 123 CD".into())
            },
            Answer {
                code: "da-quando".into(),
                value: AnswerValue::Date(chrono::NaiveDate::from_ymd_opt(2026, 9, 2).unwrap())
            },
            Answer {
                code: "segni-abbandono".into(),
                value: AnswerValue::Text("Vetri rotti".into())
            },
        ]
    );

    let mut waste = vec![
        ("service_code", "rifiuti-abbandonati"),
        (
            "description",
            "Sacchi e un frigorifero accanto alle campane",
        ),
        ("attribute[tipo-rifiuti][]", "elettronici"),
        ("attribute[tipo-rifiuti][]", "sacchi"),
    ];
    waste.extend(IN_BERGAMO);
    let report = post(&waste).validate(&config).unwrap();
    assert_eq!(
        report.answers[0].value,
        AnswerValue::Choices(vec!["sacchi".into(), "elettronici".into()]),
        "kept in the order the question offers them"
    );
}

#[test]
fn every_problem_with_an_attribute_is_named_attribute_code() {
    let config = demo_config();
    let problems = |attributes: &[(&str, &str)]| {
        vehicle_post(attributes)
            .validate(&config)
            .unwrap_err()
            .0
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        problems(&[("attribute[targa]", "AB 123 CD")]),
        [("attribute[da-quando]".to_string(), "required")]
    );
    assert_eq!(
        problems(&[
            ("attribute[da-quando]", "ieri"),
            ("attribute[colore]", "rosso"),
            ("attribute[targa][extra]", "x"),
        ]),
        [
            ("attribute".to_string(), "invalid_attribute"),
            ("attribute[colore]".to_string(), "unknown_question"),
            ("attribute[da-quando]".to_string(), "invalid_date"),
        ]
    );
    assert_eq!(
        problems(&[
            ("attribute[da-quando]", "2026-09-01"),
            ("attribute[targa][]", "AB 123 CD"),
            ("attribute[targa][]", "EF 456 GH"),
        ]),
        [("attribute[targa]".to_string(), "not_a_list")]
    );
}

#[test]
fn an_address_or_an_address_id_stands_in_for_the_coordinates() {
    let config = demo_config();
    let base = [
        ("service_code", "illuminazione-pubblica"),
        ("description", "Lampione spento da giorni"),
    ];
    let mut with_address = base.to_vec();
    with_address.push(("address_string", "Via Tasso 60"));
    assert_eq!(
        post(&with_address)
            .validate(&config)
            .unwrap()
            .address
            .as_deref(),
        Some("Via Tasso 60")
    );
    let mut with_id = base.to_vec();
    with_id.push(("address_id", "CIV-12345"));
    assert_eq!(
        post(&with_id).validate(&config).unwrap().address.as_deref(),
        Some("address_id CIV-12345")
    );
    let errors = post(&base).validate(&config).unwrap_err();
    assert_eq!(errors.fields(), ["lat"]);
    assert!(errors.0[0].message.contains("address_string"));
}

#[test]
fn every_problem_of_a_post_is_named_by_its_open311_field() {
    let config = demo_config();
    let errors = post(&[
        ("service_code", "nessuna"),
        ("description", "corta"),
        ("lat", "quarantacinque"),
        ("email", "non-una-mail"),
        ("phone", "chiamami"),
        ("media_url", "ftp://example.org/x.jpg"),
    ])
    .validate(&config)
    .unwrap_err();
    let mut fields = errors.fields();
    fields.sort_unstable();
    assert_eq!(
        fields,
        [
            "description",
            "email",
            "lat",
            "long",
            "media_url",
            "phone",
            "service_code"
        ]
    );
}

#[test]
fn lat_and_long_go_together_and_must_be_inside_the_comune() {
    let config = demo_config();
    let base = [
        ("service_code", "buche-stradali"),
        ("description", "Buca profonda in mezzo alla strada"),
    ];
    let mut only_lat = base.to_vec();
    only_lat.push(("lat", "45.69"));
    assert_eq!(
        post(&only_lat).validate(&config).unwrap_err().fields(),
        ["long"]
    );
    let mut in_milan = base.to_vec();
    in_milan.extend([("lat", "45.4642"), ("long", "9.19")]);
    let errors = post(&in_milan).validate(&config).unwrap_err();
    assert_eq!(errors.fields(), ["lat"]);
    assert_eq!(errors.0[0].code, "outside_boundary");
}

#[test]
fn blank_fields_count_as_missing_and_the_first_value_of_a_repeated_field_wins() {
    let config = demo_config();
    let mut fields = vec![
        ("service_code", "buche-stradali"),
        ("service_code", "nessuna"),
        ("description", "Buca profonda in mezzo alla strada"),
        ("email", "  "),
        ("api_key", ""),
    ];
    fields.extend(IN_BERGAMO);
    fields.push(("api_key", "sgn_first"));
    fields.push(("api_key", "sgn_second"));
    let post = post(&fields);
    assert_eq!(post.credentials.api_key.as_deref(), Some("sgn_first"));
    let report = post.validate(&config).unwrap();
    assert_eq!(report.category, "buche-stradali");
    assert_eq!(report.reporter.email, None);
}

#[test]
fn validation_errors_become_one_open311_error_each() {
    let config = demo_config();
    let errors = post(&[("service_code", "nessuna")])
        .validate(&config)
        .unwrap_err();
    let error = Open311Error::from_fields(&errors);
    assert_eq!(error.status, 400);
    assert_eq!(error.descriptions.len(), errors.0.len());
    assert!(error
        .descriptions
        .iter()
        .any(|d| d.starts_with("service_code: ")));
}
