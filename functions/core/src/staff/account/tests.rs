use super::*;
use crate::config::tests_support::demo_config;
use crate::ids::SeededEntropy;
use chrono::TimeZone;

fn input(role: &str, office: Option<&str>) -> NewStaffUser {
    NewStaffUser {
        email: Some(" Giulia.Bianchi@Comune.Example.it ".into()),
        name: Some("Giulia Bianchi".into()),
        role: Some(role.into()),
        office: office.map(String::from),
        password: Some("lampione spento in via XX".into()),
    }
}

fn fields(errors: FieldErrors) -> Vec<(String, &'static str)> {
    errors.0.into_iter().map(|e| (e.field, e.code)).collect()
}

#[test]
fn an_operator_of_an_existing_office_is_valid_with_a_lowercased_email() {
    let valid = input("operator", Some("strade-mobilita"))
        .validate(&demo_config())
        .unwrap();
    assert_eq!(valid.email.as_str(), "giulia.bianchi@comune.example.it");
    assert_eq!(valid.role, Role::Operator);
    assert_eq!(valid.office.as_deref(), Some("strade-mobilita"));
}

#[test]
fn referents_and_operators_need_an_existing_office() {
    let errors = input("referent", None)
        .validate(&demo_config())
        .unwrap_err();
    assert_eq!(fields(errors), vec![("office".into(), "required")]);
    let errors = input("operator", Some("astronomia"))
        .validate(&demo_config())
        .unwrap_err();
    assert_eq!(fields(errors), vec![("office".into(), "unknown_office")]);
}

#[test]
fn administrators_belong_to_no_office() {
    let valid = input("administrator", Some("urp"))
        .validate(&demo_config())
        .unwrap();
    assert_eq!(valid.office, None);
}

#[test]
fn every_missing_or_bad_field_is_reported_at_once() {
    let errors = NewStaffUser {
        email: Some("not-an-address".into()),
        name: Some("  ".into()),
        role: Some("superuser".into()),
        office: None,
        password: Some("short".into()),
    }
    .validate(&demo_config())
    .unwrap_err();
    assert_eq!(
        fields(errors),
        vec![
            ("email".into(), "invalid_email"),
            ("name".into(), "required"),
            ("role".into(), "unknown_role"),
            ("password".into(), "too_short"),
        ]
    );
    let errors = NewStaffUser::default()
        .validate(&demo_config())
        .unwrap_err();
    assert_eq!(errors.0.len(), 4, "{errors}");
}

fn existing(role: Role, office: Option<&str>) -> StaffUser {
    let now = Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap();
    StaffUser {
        id: StaffId::generate(now, &mut SeededEntropy::new(5)),
        email: Email::parse("giulia.bianchi@comune.example.it").unwrap(),
        name: "Giulia Bianchi".into(),
        role,
        office: office.map(String::from),
        active: true,
        session_generation: 3,
        created_at: now,
        updated_at: now,
    }
}

#[test]
fn renaming_keeps_sessions_but_disabling_or_moving_ends_them() {
    let user = existing(Role::Operator, Some("strade-mobilita"));
    let rename = StaffChange {
        name: Some("Giulia Bianchi Rota".into()),
        ..Default::default()
    }
    .validate(&user, &demo_config())
    .unwrap();
    assert!(!rename.ends_sessions);
    assert_eq!(rename.office.as_deref(), Some("strade-mobilita"));
    for change in [
        StaffChange {
            active: Some(false),
            ..Default::default()
        },
        StaffChange {
            role: Some("referent".into()),
            ..Default::default()
        },
        StaffChange {
            office: Some("tributi".into()),
            ..Default::default()
        },
        StaffChange {
            password: Some("un'altra frase lunga".into()),
            ..Default::default()
        },
    ] {
        assert!(
            change
                .validate(&user, &demo_config())
                .unwrap()
                .ends_sessions
        );
    }
}

#[test]
fn promoting_to_administrator_drops_the_office_and_demoting_needs_one() {
    let user = existing(Role::Operator, Some("strade-mobilita"));
    let promoted = StaffChange {
        role: Some("administrator".into()),
        ..Default::default()
    }
    .validate(&user, &demo_config())
    .unwrap();
    assert_eq!(promoted.office, None);
    let admin = existing(Role::Administrator, None);
    let errors = StaffChange {
        role: Some("operator".into()),
        ..Default::default()
    }
    .validate(&admin, &demo_config())
    .unwrap_err();
    assert_eq!(fields(errors), vec![("office".into(), "required")]);
}

#[test]
fn staff_ids_round_trip_and_reject_garbage() {
    let id = existing(Role::Operator, Some("urp")).id;
    assert_eq!(StaffId::parse(&id.to_string()), Ok(id));
    assert_eq!(StaffId::parse("1; DROP TABLE"), Err(InvalidStaffId));
}
