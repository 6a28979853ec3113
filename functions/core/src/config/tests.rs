use super::tests_support::{demo_config, DEMO_JSON};
use super::ComuneConfig;
use serde_json::{json, Value};

const DEFAULT_THEMES: [&str; 6] = [
    "Strade e viabilità",
    "Protezione ambientale",
    "Sicurezza",
    "Servizi",
    "Verde urbano",
    "Tributi e catasto",
];

fn demo_value() -> Value {
    serde_json::from_str(DEMO_JSON).unwrap()
}

/// Parses the demo configuration after `change` and returns the fields named by the errors.
fn fields_rejected_after(change: impl FnOnce(&mut Value)) -> Vec<String> {
    let mut value = demo_value();
    change(&mut value);
    match ComuneConfig::from_json(&value.to_string()) {
        Ok(_) => vec![],
        Err(errors) => errors.0.into_iter().map(|e| e.field).collect(),
    }
}

#[test]
fn the_demo_comune_is_valid_and_has_the_six_default_themes() {
    let config = demo_config();
    let names: Vec<_> = config.themes.iter().map(|t| t.name.it.as_str()).collect();
    assert_eq!(names, DEFAULT_THEMES);
    assert!(config.offices.len() >= 8);
    assert!(config.themes.iter().all(|t| t.categories.len() >= 3));
}

#[test]
fn every_office_has_a_referent_with_an_email() {
    for office in demo_config().offices {
        assert!(!office.referent.name.is_empty());
        assert!(office.referent.email.as_str().contains('@'));
    }
}

#[test]
fn a_misspelt_field_is_named_in_the_error() {
    let fields = fields_rejected_after(|v| {
        let office = v["offices"][2].as_object_mut().unwrap();
        let referent = office.remove("referent").unwrap();
        office.insert("referente".into(), referent);
    });
    assert_eq!(fields, vec!["offices[2].referente"]);
}

#[test]
fn an_invalid_referent_email_is_named_with_its_full_path() {
    let fields =
        fields_rejected_after(|v| v["offices"][3]["referent"]["email"] = json!("chiara.rota"));
    assert_eq!(fields, vec!["offices[3].referent.email"]);
}

#[test]
fn a_wrongly_typed_value_is_named() {
    let fields = fields_rejected_after(|v| {
        v["themes"][1]["categories"][0]["targets"]["take_in_charge_days"] = json!("three")
    });
    assert_eq!(
        fields,
        vec!["themes[1].categories[0].targets.take_in_charge_days"]
    );
}

#[test]
fn routing_to_an_unknown_office_is_an_error_on_that_rule() {
    let fields = fields_rejected_after(|v| {
        v["routing"]["rules"][2]["office"] = json!("ufficio-inesistente")
    });
    assert_eq!(fields, vec!["routing.rules[2].office"]);
}

#[test]
fn routing_by_an_unknown_zone_or_category_is_an_error() {
    let fields = fields_rejected_after(|v| {
        v["routing"]["rules"][1]["zone"] = json!("luna");
        v["routing"]["rules"][0]["categories"][1] = json!("semafori-volanti");
    });
    assert_eq!(
        fields,
        vec!["routing.rules[0].categories[1]", "routing.rules[1].zone"]
    );
}

#[test]
fn a_default_office_that_does_not_exist_is_an_error() {
    let fields = fields_rejected_after(|v| v["routing"]["default_office"] = json!("nessuno"));
    assert_eq!(fields, vec!["routing.default_office"]);
}

#[test]
fn duplicate_category_ids_across_themes_are_reported() {
    let fields =
        fields_rejected_after(|v| v["themes"][4]["categories"][0]["id"] = json!("buche-stradali"));
    assert_eq!(fields, vec!["themes[4].categories[0].id"]);
}

#[test]
fn an_open_boundary_ring_is_reported() {
    let fields = fields_rejected_after(|v| {
        let ring = v["boundary"]["coordinates"][0].as_array_mut().unwrap();
        ring.pop();
    });
    assert_eq!(fields, vec!["boundary.coordinates[0]"]);
}

#[test]
fn a_map_centre_outside_the_boundary_is_reported() {
    let fields = fields_rejected_after(|v| v["map"]["center"] = json!({"lat": 45.46, "lon": 9.19}));
    assert_eq!(fields, vec!["map.center"]);
}

#[test]
fn response_targets_must_be_between_one_day_and_a_year_and_consistent() {
    let fields = fields_rejected_after(|v| {
        v["themes"][0]["categories"][0]["targets"] = json!({"take_in_charge_days": 0});
        v["themes"][0]["categories"][1]["targets"] =
            json!({"take_in_charge_days": 10, "resolution_days": 5});
    });
    assert_eq!(
        fields,
        vec![
            "themes[0].categories[0].targets.take_in_charge_days",
            "themes[0].categories[1].targets.resolution_days"
        ]
    );
}

#[test]
fn a_tile_url_without_placeholders_is_reported() {
    let fields =
        fields_rejected_after(|v| v["map"]["tile_url"] = json!("https://tiles.example/osm.png"));
    assert_eq!(fields, vec!["map.tile_url"]);
}

#[test]
fn all_problems_are_reported_at_once() {
    let fields = fields_rejected_after(|v| {
        v["id"] = json!("Bergamo!");
        v["local_holidays"] = json!(["26-08"]);
        v["routing"]["rules"][0]["id"] = json!("strade");
    });
    assert_eq!(
        fields,
        vec!["id", "routing.rules[2].id", "local_holidays[0]"]
    );
}

#[test]
fn broken_json_is_reported_as_malformed() {
    let errors = ComuneConfig::from_json("{ \"id\": ").unwrap_err();
    assert_eq!(errors.0[0].code, "malformed_json");
}

#[test]
fn error_messages_name_the_field_and_the_reason() {
    let mut value = demo_value();
    value["offices"][0]["email"] = json!("urp");
    let text = ComuneConfig::from_json(&value.to_string())
        .unwrap_err()
        .to_string();
    assert!(text.starts_with("offices[0].email: "), "{text}");
}

/// A question of the demo's first theme: its category 0 (buche-stradali) asks one choice,
/// its category 3 (illuminazione-pubblica) a line and a whole number.
fn question(v: &mut Value, category: usize, field: usize) -> &mut Value {
    &mut v["themes"][0]["categories"][category]["fields"][field]
}

#[test]
fn the_demo_categories_ask_extra_questions_of_every_kind() {
    use super::FieldKind;
    let config = demo_config();
    let kinds: std::collections::BTreeSet<_> = config
        .themes
        .iter()
        .flat_map(|t| &t.categories)
        .flat_map(|c| &c.fields)
        .map(|f| serde_json::to_string(&f.kind).unwrap())
        .collect();
    assert_eq!(kinds.len(), 6, "{kinds:?}");
    let (_, lights) = config.category("illuminazione-pubblica").unwrap();
    assert_eq!(lights.fields[1].kind, FieldKind::Number);
    assert!(lights.fields[1].integer);
    assert_eq!(
        (lights.fields[1].min, lights.fields[1].max),
        (Some(1.0), Some(100.0))
    );
}

#[test]
fn questions_are_checked_for_codes_choices_and_ranges() {
    let fields = fields_rejected_after(|v| {
        *question(v, 0, 0).get_mut("code").unwrap() = json!("Dimensione");
        question(v, 0, 0)["choices"][1]["key"] = json!("piccola");
        question(v, 3, 0)["choices"] =
            json!([{"key": "a", "label": {"it": "A"}}, {"key": "b", "label": {"it": "B"}}]);
        question(v, 3, 1)["min"] = json!(10);
        question(v, 3, 1)["max"] = json!(5);
        question(v, 3, 0)["label"]["it"] = json!(" ");
    });
    assert_eq!(
        fields,
        [
            "themes[0].categories[0].fields[0].code",
            "themes[0].categories[0].fields[0].choices[1].key",
            "themes[0].categories[3].fields[0].label.it",
            "themes[0].categories[3].fields[0].choices",
            "themes[0].categories[3].fields[1].max",
        ]
    );
}

#[test]
fn a_whole_number_question_has_whole_number_bounds() {
    let fields = fields_rejected_after(|v| {
        question(v, 3, 1)["min"] = json!(0.5);
    });
    assert_eq!(fields, ["themes[0].categories[3].fields[1].min"]);
}

#[test]
fn a_question_asked_twice_or_a_choice_question_with_one_choice_is_refused() {
    let fields = fields_rejected_after(|v| {
        let copy = question(v, 3, 0).clone();
        v["themes"][0]["categories"][3]["fields"]
            .as_array_mut()
            .unwrap()
            .push(copy);
        question(v, 0, 0)["choices"]
            .as_array_mut()
            .unwrap()
            .truncate(1);
        question(v, 3, 1)["kind"] = json!("date");
        question(v, 3, 1).as_object_mut().unwrap().remove("max");
    });
    assert_eq!(
        fields,
        [
            "themes[0].categories[0].fields[0].choices",
            "themes[0].categories[3].fields[1].min",
            "themes[0].categories[3].fields[2].code",
        ]
    );
}

#[test]
fn a_category_asks_at_most_ten_questions() {
    let fields = fields_rejected_after(|v| {
        let list: Vec<Value> = (0..11)
            .map(|n| json!({"code": format!("q{n}"), "label": {"it": "Domanda"}, "kind": "line"}))
            .collect();
        v["themes"][0]["categories"][3]["fields"] = Value::Array(list);
    });
    assert_eq!(fields, ["themes[0].categories[3].fields"]);
}

#[test]
fn a_branding_colour_must_be_hex_and_dark_enough_for_text_on_white() {
    let accepted = fields_rejected_after(|v| v["branding"] = json!({"primary_color": "#1b5e20"}));
    assert!(accepted.is_empty(), "{accepted:?}");
    for colour in ["green", "#1b5e2", "#ffcc00"] {
        let rejected = fields_rejected_after(|v| v["branding"] = json!({"primary_color": colour}));
        assert_eq!(rejected, vec!["branding.primary_color"], "{colour}");
    }
    let config = ComuneConfig::from_json(
        &{
            let mut v = demo_value();
            v["branding"] = json!({"primary_color": "#ffcc00"});
            v
        }
        .to_string(),
    )
    .unwrap_err();
    assert!(config.to_string().contains("4.5:1"), "{config}");
}

#[test]
fn abuse_limits_and_the_turnstile_key_are_checked() {
    let accepted = fields_rejected_after(|v| {
        v["abuse"] = json!({"reports_per_address_per_hour": 0, "reports_per_address_per_day": 0,
            "turnstile": {"site_key": "0x4AAAAAAA-test_key"}})
    });
    assert!(accepted.is_empty(), "{accepted:?}");
    let rejected = fields_rejected_after(|v| {
        v["abuse"] = json!({"reports_per_address_per_hour": 50, "reports_per_address_per_day": 10,
            "actions_per_report_per_hour": 20000,
            "turnstile": {"site_key": "not a key", "verify_url": "ftp://x"}})
    });
    assert_eq!(
        rejected,
        vec![
            "abuse.actions_per_report_per_hour",
            "abuse.reports_per_address_per_day",
            "abuse.turnstile.site_key",
            "abuse.turnstile.verify_url"
        ]
    );
}

mod json_schema {
    use super::*;

    type Breakage = Box<dyn Fn(&mut Value)>;

    fn schema() -> jsonschema::Validator {
        let text = include_str!("../../../../schema/comune-config.schema.json");
        jsonschema::validator_for(&serde_json::from_str(text).unwrap())
            .expect("the schema compiles")
    }

    #[test]
    fn the_demo_configuration_satisfies_the_published_schema() {
        let errors: Vec<_> = schema()
            .iter_errors(&demo_value())
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect();
        assert!(errors.is_empty(), "{errors:#?}");
    }

    #[test]
    fn the_schema_and_the_parser_refuse_the_same_broken_configurations() {
        let breakages: Vec<(&str, Breakage)> = vec![
            (
                "missing name",
                Box::new(|v| {
                    v.as_object_mut().unwrap().remove("name");
                }),
            ),
            ("unknown field", Box::new(|v| v["colour"] = json!("blue"))),
            (
                "turnstile without a site key",
                Box::new(|v| v["abuse"] = json!({"turnstile": {}})),
            ),
            (
                "colour not in #rrggbb",
                Box::new(|v| v["branding"] = json!({"primary_color": "blue"})),
            ),
            (
                "bad office email",
                Box::new(|v| v["offices"][0]["email"] = json!("not-an-email")),
            ),
            (
                "boundary of wrong type",
                Box::new(|v| v["boundary"]["type"] = json!("Point")),
            ),
            (
                "identifier with capitals",
                Box::new(|v| v["themes"][0]["id"] = json!("Strade")),
            ),
            ("no themes", Box::new(|v| v["themes"] = json!([]))),
            (
                "zero target days",
                Box::new(|v| {
                    v["themes"][0]["categories"][0]["targets"]["take_in_charge_days"] = json!(0)
                }),
            ),
            (
                "referent without email",
                Box::new(|v| {
                    v["offices"][1]["referent"]
                        .as_object_mut()
                        .unwrap()
                        .remove("email");
                }),
            ),
            (
                "zoom out of range",
                Box::new(|v| v["map"]["zoom"] = json!(25)),
            ),
            (
                "too many photos",
                Box::new(|v| v["photos"]["max_count"] = json!(50)),
            ),
            (
                "bad holiday",
                Box::new(|v| v["local_holidays"] = json!(["8-26"])),
            ),
            (
                "question of an unknown kind",
                Box::new(|v| {
                    v["themes"][0]["categories"][0]["fields"][0]["kind"] = json!("colour")
                }),
            ),
            (
                "choice question without choices",
                Box::new(|v| {
                    v["themes"][0]["categories"][0]["fields"][0]
                        .as_object_mut()
                        .unwrap()
                        .remove("choices");
                }),
            ),
            (
                "line question with choices",
                Box::new(|v| v["themes"][0]["categories"][0]["fields"][0]["kind"] = json!("line")),
            ),
            (
                "minimum on a text question",
                Box::new(|v| v["themes"][0]["categories"][0]["fields"][0]["min"] = json!(1)),
            ),
            (
                "question without a label",
                Box::new(|v| {
                    v["themes"][0]["categories"][0]["fields"][0]
                        .as_object_mut()
                        .unwrap()
                        .remove("label");
                }),
            ),
        ];
        let schema = schema();
        for (name, breakage) in breakages {
            let mut value = demo_value();
            breakage(&mut value);
            assert!(!schema.is_valid(&value), "the schema accepts: {name}");
            assert!(
                ComuneConfig::from_json(&value.to_string()).is_err(),
                "the parser accepts: {name}"
            );
        }
    }
}
