use super::*;
use crate::config::tests_support::demo_config;
use crate::config::ComuneConfig;
use serde_json::json;

fn questions(config: &ComuneConfig, category: &str) -> Vec<ExtraField> {
    config.category(category).unwrap().1.fields.clone()
}

fn input(value: serde_json::Value) -> BTreeMap<String, AnswerInput> {
    serde_json::from_value(value).unwrap()
}

/// The answers kept and the problems found, as (field, code).
fn checked(category: &str, value: serde_json::Value) -> (Vec<Answer>, Vec<(String, &'static str)>) {
    let config = demo_config();
    let mut errors = ErrorCollector::default();
    let answers = check(
        &mut errors,
        &questions(&config, category),
        Some(&input(value)),
        None,
    );
    let problems = if errors.is_empty() {
        vec![]
    } else {
        errors
            .into_errors()
            .0
            .into_iter()
            .map(|e| (e.field, e.code))
            .collect()
    };
    (answers, problems)
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

#[test]
fn answers_of_every_kind_are_kept_in_the_order_of_the_questions() {
    let (answers, problems) = checked(
        "veicoli-abbandonati",
        json!({"segni-abbandono": "Gomme a terra\r\nvetri rotti", "da-quando": "2026-09-01", "targa": " AB 123 CD "}),
    );
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(
        answers,
        [
            Answer {
                code: "targa".into(),
                value: AnswerValue::Line("AB 123 CD".into())
            },
            Answer {
                code: "da-quando".into(),
                value: AnswerValue::Date(day(2026, 9, 1))
            },
            Answer {
                code: "segni-abbandono".into(),
                value: AnswerValue::Text("Gomme a terra\nvetri rotti".into())
            },
        ]
    );
    let (answers, _) = checked("illuminazione-pubblica", json!({"lampioni-spenti": 3}));
    assert_eq!(answers[0].value, AnswerValue::Number(3.0));
    assert_eq!(answers[0].value, AnswerValue::Number(3.0));
    let (answers, _) = checked("buche-stradali", json!({"dimensione": "grande"}));
    assert_eq!(answers[0].value, AnswerValue::Choice("grande".into()));
}

#[test]
fn a_required_question_left_blank_is_named_and_optional_ones_may_be_skipped() {
    let (answers, problems) = checked(
        "veicoli-abbandonati",
        json!({"da-quando": "  ", "targa": ""}),
    );
    assert!(answers.is_empty());
    assert_eq!(problems, [("answers.da-quando".to_string(), "required")]);
    let config = demo_config();
    let mut errors = ErrorCollector::default();
    let none = check(
        &mut errors,
        &questions(&config, "buche-stradali"),
        None,
        None,
    );
    assert!(none.is_empty() && errors.is_empty());
}

#[test]
fn a_required_question_the_web_form_did_not_show_is_not_required_of_it() {
    let config = demo_config();
    let vehicles = questions(&config, "veicoli-abbandonati");
    let shown = ["targa".to_string()];
    let mut errors = ErrorCollector::default();
    let answers = check(&mut errors, &vehicles, None, Some(&shown));
    assert!(errors.is_empty() && answers.is_empty());
    let mut errors = ErrorCollector::default();
    check(
        &mut errors,
        &vehicles,
        None,
        Some(&["da-quando".to_string()]),
    );
    assert_eq!(errors.into_errors().fields(), ["answers.da-quando"]);
}

#[test]
fn a_question_the_category_does_not_ask_is_refused() {
    let (_, problems) = checked("buche-stradali", json!({"profondita": "10 cm"}));
    assert_eq!(
        problems,
        [("answers.profondita".to_string(), "unknown_question")]
    );
    let long_code = "x".repeat(300);
    let (_, problems) = checked("buche-stradali", json!({ long_code: "10 cm" }));
    assert_eq!(
        problems,
        [("answers".to_string(), "unknown_question")],
        "a huge name is not echoed"
    );
}

#[test]
fn numbers_are_read_with_a_decimal_comma_and_checked_against_the_range() {
    let number = |value: serde_json::Value| {
        checked(
            "illuminazione-pubblica",
            json!({ "lampioni-spenti": value }),
        )
    };
    assert_eq!(number(json!(" 12 ")).0[0].value, AnswerValue::Number(12.0));
    assert_eq!(number(json!("12,0")).0[0].value, AnswerValue::Number(12.0));
    for (value, code) in [
        (json!("2,5"), "not_an_integer"),
        (json!("tre"), "invalid_number"),
        (json!("1.000,5"), "invalid_number"),
        (json!("inf"), "invalid_number"),
        (json!(0), "out_of_range"),
        (json!("101"), "out_of_range"),
        (json!(["1", "2"]), "not_a_list"),
    ] {
        assert_eq!(
            number(value.clone()).1,
            [("answers.lampioni-spenti".to_string(), code)],
            "{value}"
        );
    }
}

#[test]
fn dates_are_read_as_date_inputs_italians_and_open311_clients_write_them() {
    assert_eq!(parse_date("2026-11-20"), Some(day(2026, 11, 20)));
    assert_eq!(parse_date("20/11/2026"), Some(day(2026, 11, 20)));
    assert_eq!(
        parse_date("2026-11-20T23:30:00Z"),
        Some(day(2026, 11, 21)),
        "the day in Italy"
    );
    assert_eq!(
        parse_date("2026-07-20T22:30:00+00:00"),
        Some(day(2026, 7, 21)),
        "summer time"
    );
    for text in [
        "ieri",
        "2026-02-30",
        "31/04/2026",
        "2026-11",
        "",
        "20/11/26",
        "26-11-20",
        "+12026-01-01",
        "0026-11-20",
        "1026-11-20",
    ] {
        assert_eq!(parse_date(text), None, "{text}");
    }
}

#[test]
fn a_choice_must_be_one_of_the_offered_keys() {
    let (_, problems) = checked("buche-stradali", json!({"dimensione": "enorme"}));
    assert_eq!(
        problems,
        [("answers.dimensione".to_string(), "unknown_choice")]
    );
    let (answers, _) = checked("buche-stradali", json!({"dimensione": ["media"]}));
    assert_eq!(answers[0].value, AnswerValue::Choice("media".into()));
}

#[test]
fn several_choices_are_kept_once_each_in_the_offered_order() {
    let (answers, problems) = checked(
        "rifiuti-abbandonati",
        json!({"tipo-rifiuti": ["pneumatici", "sacchi", "pneumatici", ""]}),
    );
    assert!(problems.is_empty());
    assert_eq!(
        answers[0].value,
        AnswerValue::Choices(vec!["sacchi".into(), "pneumatici".into()])
    );
    let (answers, _) = checked("rifiuti-abbandonati", json!({"tipo-rifiuti": "edili"}));
    assert_eq!(answers[0].value, AnswerValue::Choices(vec!["edili".into()]));
    let (_, problems) = checked(
        "rifiuti-abbandonati",
        json!({"tipo-rifiuti": ["sacchi", "auto"]}),
    );
    assert_eq!(
        problems,
        [("answers.tipo-rifiuti".to_string(), "unknown_choice")]
    );
}

#[test]
fn text_answers_are_cleaned_and_limited() {
    let targa = |value: &str| {
        checked(
            "veicoli-abbandonati",
            json!({"da-quando": "2026-09-01", "targa": value}),
        )
        .1
    };
    for broken in ["AB\n123", "AB\r123", "AB\r\n123"] {
        assert_eq!(
            targa(broken),
            [("answers.targa".to_string(), "not_one_line")],
            "{broken:?}"
        );
    }
    let (answers, _) = checked(
        "veicoli-abbandonati",
        json!({"da-quando": "2026-09-01", "targa": "AB\t123", "segni-abbandono": "uno\rdue"}),
    );
    assert_eq!(
        answers[0].value,
        AnswerValue::Line("AB 123".into()),
        "a tab is a space"
    );
    assert_eq!(answers[2].value, AnswerValue::Text("uno\ndue".into()));
    assert_eq!(
        targa("AB\u{7}123"),
        [("answers.targa".to_string(), "control_characters")]
    );
    assert_eq!(
        targa(&"x".repeat(LINE_MAX_CHARS + 1)),
        [("answers.targa".to_string(), "too_long")]
    );
    assert!(targa(&"è".repeat(LINE_MAX_CHARS)).is_empty());
    let (answers, _) = checked("illuminazione-pubblica", json!({"numero-palo": 1234}));
    assert_eq!(
        answers[0].value,
        AnswerValue::Line("1234".into()),
        "a number where text is asked is its digits"
    );
}

#[test]
fn too_many_answers_are_refused_as_a_whole() {
    let many: serde_json::Map<String, serde_json::Value> = (0..51)
        .map(|n| (format!("domanda-{n}"), json!("x")))
        .collect();
    let (_, problems) = checked("buche-stradali", serde_json::Value::Object(many));
    assert_eq!(problems, [("answers".to_string(), "too_many_answers")]);
}

#[test]
fn answers_are_stored_as_code_kind_and_value() {
    let answers = vec![
        Answer {
            code: "da-quando".into(),
            value: AnswerValue::Date(day(2026, 9, 1)),
        },
        Answer {
            code: "tipo-rifiuti".into(),
            value: AnswerValue::Choices(vec!["sacchi".into()]),
        },
    ];
    let stored = serde_json::to_value(&answers).unwrap();
    assert_eq!(
        stored,
        json!([
            {"code": "da-quando", "kind": "date", "value": "2026-09-01"},
            {"code": "tipo-rifiuti", "kind": "choices", "value": ["sacchi"]}
        ])
    );
    let read: Vec<Answer> = serde_json::from_value(stored).unwrap();
    assert_eq!(read, answers);
}

#[test]
fn answers_are_described_in_words_with_the_current_labels() {
    let config = demo_config();
    let category = |id| config.category(id).map(|(_, c)| c);
    let answers = [
        Answer {
            code: "tipo-rifiuti".into(),
            value: AnswerValue::Choices(vec!["sacchi".into(), "ritirati".into()]),
        },
        Answer {
            code: "domanda-tolta".into(),
            value: AnswerValue::Line("testo".into()),
        },
    ];
    let described_it = described(&answers, category("rifiuti-abbandonati"), Language::It);
    assert_eq!(described_it[0].question, "Che cosa è stato abbandonato?");
    assert_eq!(
        described_it[0].answer, "Sacchi di rifiuti, ritirati",
        "a choice removed since shows its key"
    );
    assert_eq!(
        (
            described_it[1].question.as_str(),
            described_it[1].answer.as_str()
        ),
        ("domanda-tolta", "testo"),
        "a question removed since shows its code"
    );
    let numbers = [
        Answer {
            code: "lampioni-spenti".into(),
            value: AnswerValue::Number(2.5),
        },
        Answer {
            code: "da-quando".into(),
            value: AnswerValue::Date(day(2026, 9, 1)),
        },
    ];
    let it = described(&numbers, category("illuminazione-pubblica"), Language::It);
    assert_eq!(it[0].answer, "2,5");
    assert_eq!(it[1].answer, "1 settembre 2026");
    let en = described(&numbers, category("illuminazione-pubblica"), Language::En);
    assert_eq!(en[0].question, "How many street lights are off?");
    assert_eq!(en[0].answer, "2.5");
    assert_eq!(en[1].answer, "1 September 2026");
}
