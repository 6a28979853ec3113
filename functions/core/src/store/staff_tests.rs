//! Staff accounts, logins, inboxes and actions on real SQLite.

use super::inbox::{act, backfill_deadlines, export, inbox, ticket_view};
use super::staff::*;
use super::tests::{at, created, migrated, new_ticket, Sqlite};
use super::*;
use crate::config::tests_support::demo_config;
use crate::ids::SeededEntropy;
use crate::staff::account::NewStaffUser;
use crate::staff::inbox::InboxQuery;
use crate::workflow::{Command, CommandError};

fn hash(seed: u64) -> PasswordHash {
    PasswordHash::new("una frase lunga e rara", &mut SeededEntropy::new(seed))
}

fn valid(
    email: &str,
    role: &str,
    office: Option<&str>,
) -> crate::staff::account::ValidNewStaffUser {
    NewStaffUser {
        email: Some(email.into()),
        name: Some(email.split('@').next().unwrap().into()),
        role: Some(role.into()),
        office: office.map(String::from),
        password: Some("una frase lunga e rara".into()),
    }
    .validate(&demo_config())
    .unwrap()
}

use crate::staff::password::PasswordHash;
use crate::staff::{Role, StaffUser};

struct World {
    db: Sqlite,
    admin: StaffUser,
    referent: StaffUser,
    operator: StaffUser,
    other_office: StaffUser,
    ticket: Ticket,
}

/// A store with an administrator and one ticket, for the outbox's tests.
pub(super) fn world_for_outbox() -> (Sqlite, StaffUser, Ticket) {
    let world = world();
    (world.db, world.admin, world.ticket)
}

fn world() -> World {
    let db = migrated();
    let mut entropy = SeededEntropy::new(90);
    let now = at(2026, 3, 2, 7);
    let admin = setup_first_administrator(
        &db,
        &valid("admin@comune.example.it", "administrator", None),
        &hash(1),
        now,
        &mut entropy,
    )
    .unwrap();
    let ticket = created(create_ticket(
        &db,
        new_ticket(Some("anna@example.it"), &mut entropy, at(2026, 3, 2, 8)),
        at(2026, 3, 2, 8),
        &mut entropy,
    ));
    let office = ticket.routing.office.clone();
    let mut make = |email: &str, role: &str, office: &str| {
        create_user(
            &db,
            &admin,
            &valid(email, role, Some(office)),
            &hash(2),
            now,
            &mut entropy,
        )
        .unwrap()
    };
    let referent = make("referente@comune.example.it", "referent", &office);
    let operator = make("operatore@comune.example.it", "operator", &office);
    let other_office = make("tributi@comune.example.it", "operator", "tributi");
    World {
        db,
        admin,
        referent,
        operator,
        other_office,
        ticket,
    }
}

fn query(text: &str) -> InboxQuery {
    InboxQuery::parse(&crate::filters::test_pairs(text), &demo_config()).unwrap()
}

#[test]
fn the_first_administrator_can_be_set_up_only_once() {
    let w = world();
    assert_eq!(w.admin.role, Role::Administrator);
    let again = setup_first_administrator(
        &w.db,
        &valid("altro@comune.example.it", "administrator", None),
        &hash(3),
        at(2026, 3, 3, 7),
        &mut SeededEntropy::new(5),
    );
    assert_eq!(again, Err(StaffError::Conflict("already_set_up")));
    assert_eq!(count_users(&w.db).unwrap(), 4);
}

#[test]
fn two_accounts_cannot_share_an_email() {
    let w = world();
    let again = create_user(
        &w.db,
        &w.admin,
        &valid("OPERATORE@comune.example.it", "operator", Some("urp")),
        &hash(4),
        at(2026, 3, 3, 7),
        &mut SeededEntropy::new(6),
    );
    assert!(matches!(again, Err(StaffError::Invalid(e)) if e.fields() == vec!["email"]));
}

#[test]
fn disabling_an_account_ends_its_sessions_at_once() {
    let w = world();
    let identity = Identity {
        user_id: w.operator.id.clone(),
        generation: w.operator.session_generation,
    };
    assert_eq!(authenticate(&w.db, &identity).unwrap().id, w.operator.id);
    let change = crate::staff::StaffChange {
        active: Some(false),
        ..Default::default()
    }
    .validate(&w.operator, &demo_config())
    .unwrap();
    let changed = change_user(
        &w.db,
        &w.admin,
        &w.operator,
        &change,
        None,
        at(2026, 3, 3, 9),
    )
    .unwrap();
    assert_eq!(changed.session_generation, identity.generation + 1);
    assert_eq!(
        authenticate(&w.db, &identity),
        Err(StaffError::SessionEnded)
    );
    // Re-enabling does not bring old sessions back.
    let enable = crate::staff::StaffChange {
        active: Some(true),
        ..Default::default()
    }
    .validate(&changed, &demo_config())
    .unwrap();
    change_user(&w.db, &w.admin, &changed, &enable, None, at(2026, 3, 3, 10)).unwrap();
    assert_eq!(
        authenticate(&w.db, &identity),
        Err(StaffError::SessionEnded)
    );
    let log = audit_log(&w.db, 10, None).unwrap();
    assert_eq!(log[0].action, "change_user");
    assert!(!log[0].detail.to_string().contains("argon2"));
}

#[test]
fn an_administrator_cannot_disable_or_demote_themselves() {
    let w = world();
    for change in [
        crate::staff::StaffChange {
            active: Some(false),
            ..Default::default()
        },
        crate::staff::StaffChange {
            role: Some("operator".into()),
            office: Some("urp".into()),
            ..Default::default()
        },
    ] {
        let change = change.validate(&w.admin, &demo_config()).unwrap();
        assert!(matches!(
            change_user(&w.db, &w.admin, &w.admin, &change, None, at(2026, 3, 3, 9)),
            Err(StaffError::Invalid(_))
        ));
    }
}

#[test]
fn the_audit_log_cannot_be_rewritten() {
    let w = world();
    assert!(w
        .db
        .execute("UPDATE audit_log SET action = 'nothing'", &[])
        .is_err());
    assert!(w.db.execute("DELETE FROM audit_log", &[]).is_err());
}

#[test]
fn five_attempts_lock_the_account_from_that_address_and_a_good_one_clears_the_count() {
    let w = world();
    let now = at(2026, 3, 3, 9);
    let start = login_start(&w.db, "Operatore@comune.example.it ", "203.0.113.7", now).unwrap();
    assert!(matches!(start, LoginStart::Check { ref user_id, .. } if *user_id == w.operator.id));
    assert_eq!(
        login_start(&w.db, "nessuno@comune.example.it", "203.0.113.7", now).unwrap(),
        LoginStart::Unknown
    );
    // Counted when they start: three more (four in all), then a success clears them.
    for _ in 0..3 {
        login_start(&w.db, "operatore@comune.example.it", "203.0.113.7", now).unwrap();
    }
    login_succeeded(
        &w.db,
        &w.operator.id,
        "operatore@comune.example.it",
        "203.0.113.7",
        now,
    )
    .unwrap();
    for _ in 0..5 {
        assert!(!matches!(
            login_start(&w.db, "operatore@comune.example.it", "203.0.113.7", now).unwrap(),
            LoginStart::Locked { .. }
        ));
    }
    assert!(matches!(
        login_start(&w.db, "operatore@comune.example.it", "203.0.113.7", now).unwrap(),
        LoginStart::Locked { .. }
    ));
    // The same account from another address, and another account from this one, still work.
    assert!(matches!(
        login_start(&w.db, "operatore@comune.example.it", "198.51.100.1", now).unwrap(),
        LoginStart::Check { .. }
    ));
    assert!(matches!(
        login_start(&w.db, "referente@comune.example.it", "203.0.113.7", now).unwrap(),
        LoginStart::Check { .. }
    ));
}

#[test]
fn fifty_attempts_from_many_addresses_lock_the_account_everywhere() {
    let w = world();
    let now = at(2026, 3, 3, 9);
    for i in 0..50 {
        login_start(
            &w.db,
            "referente@comune.example.it",
            &format!("198.51.100.{i}"),
            now,
        )
        .unwrap();
    }
    assert!(matches!(
        login_start(&w.db, "referente@comune.example.it", "192.0.2.1", now).unwrap(),
        LoginStart::Locked { .. }
    ));
}

#[test]
fn staff_see_only_their_office_and_other_tickets_are_not_found() {
    let w = world();
    let now = at(2026, 3, 2, 9);
    let config = demo_config();
    assert_eq!(
        inbox(&w.db, &w.operator, &query(""), &config, now)
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        inbox(&w.db, &w.admin, &query(""), &config, now)
            .unwrap()
            .total,
        1
    );
    assert_eq!(
        inbox(&w.db, &w.other_office, &query(""), &config, now)
            .unwrap()
            .total,
        0
    );
    assert!(matches!(
        ticket_view(&w.db, &w.other_office, w.ticket.public_number, &config, now),
        Err(StaffError::NotFound(_))
    ));
    let (view, _) = ticket_view(&w.db, &w.operator, w.ticket.public_number, &config, now).unwrap();
    assert_eq!(view.reporter.email.as_deref(), Some("anna@example.it"));
}

#[test]
fn the_inbox_filters_searches_counts_and_pages() {
    let w = world();
    let config = demo_config();
    let mut entropy = SeededEntropy::new(300);
    for hour in 9..14 {
        create_ticket(
            &w.db,
            new_ticket(None, &mut entropy, at(2026, 3, 2, hour)),
            at(2026, 3, 2, hour),
            &mut entropy,
        )
        .unwrap();
    }
    let now = at(2026, 3, 2, 15);
    act(
        &w.db,
        &w.operator,
        w.ticket.public_number,
        1,
        &Command::TakeInCharge { reply: None },
        &config,
        now,
    )
    .unwrap();
    let page = inbox(&w.db, &w.operator, &query("per_page=4"), &config, now).unwrap();
    assert_eq!((page.total, page.pages, page.tickets.len()), (6, 2, 4));
    assert_eq!(page.counts.received, 5);
    assert_eq!(page.counts.taken_in_charge, 1);
    // Newest first by default.
    assert!(page.tickets[0].created_at > page.tickets[1].created_at);
    let second = inbox(
        &w.db,
        &w.operator,
        &query("per_page=4&page=2"),
        &config,
        now,
    )
    .unwrap();
    assert_eq!(second.tickets.len(), 2);

    let taken = inbox(
        &w.db,
        &w.operator,
        &query("status=taken_in_charge"),
        &config,
        now,
    )
    .unwrap();
    assert_eq!(taken.total, 1);
    assert_eq!(taken.counts.received, 5, "counts ignore the status filter");
    let mine = inbox(&w.db, &w.operator, &query("assignee=me"), &config, now).unwrap();
    assert_eq!(mine.total, 1, "taking a ticket assigns it");

    let number = w.ticket.public_number.to_string();
    let found = inbox(
        &w.db,
        &w.operator,
        &query(&format!("q={number}")),
        &config,
        now,
    )
    .unwrap();
    assert_eq!(found.total, 1);
    assert_eq!(
        inbox(&w.db, &w.operator, &query("q=RAMO+spezzato"), &config, now)
            .unwrap()
            .total,
        6
    );
    assert_eq!(
        inbox(&w.db, &w.operator, &query("q=%25"), &config, now)
            .unwrap()
            .total,
        0
    );

    // Weeks later everything not taken in charge is late.
    let later = at(2026, 4, 30, 9);
    let late = inbox(&w.db, &w.operator, &query("overdue=true"), &config, later).unwrap();
    assert!(late.total >= 5, "{}", late.total);
    assert_eq!(late.counts.overdue, late.total);
    assert!(late.tickets.iter().all(|t| t.overdue));
    assert_eq!(
        export(&w.db, &w.operator, &query("status=received"), later)
            .unwrap()
            .len(),
        5
    );
}

#[test]
fn operators_take_tickets_themselves_and_referents_assign_colleagues() {
    let w = world();
    let config = demo_config();
    let now = at(2026, 3, 2, 9);
    let number = w.ticket.public_number;
    let assign = |to: &StaffUser| Command::Assign {
        assignee: Some(to.id.clone()),
    };
    assert_eq!(
        act(
            &w.db,
            &w.operator,
            number,
            1,
            &assign(&w.referent),
            &config,
            now
        ),
        Err(StaffError::Forbidden)
    );
    let outcome = act(
        &w.db,
        &w.operator,
        number,
        1,
        &assign(&w.operator),
        &config,
        now,
    )
    .unwrap();
    assert_eq!(outcome.ticket.assignee, Some(w.operator.id.clone()));
    let outcome = act(
        &w.db,
        &w.referent,
        number,
        2,
        &assign(&w.referent),
        &config,
        now,
    )
    .unwrap();
    assert_eq!(outcome.ticket.version, 3);
    // Someone of another office cannot hold it.
    assert!(matches!(
        act(&w.db, &w.referent, number, 3, &assign(&w.other_office), &config, now),
        Err(StaffError::Invalid(e)) if e.fields() == vec!["assignee"]
    ));
    // A stale version is refused and nothing changes.
    assert!(matches!(
        act(
            &w.db,
            &w.referent,
            number,
            2,
            &assign(&w.operator),
            &config,
            now
        ),
        Err(StaffError::Command(CommandError::Stale {
            current: 3,
            expected: 2
        }))
    ));
    let (view, _) = ticket_view(&w.db, &w.referent, number, &config, now).unwrap();
    assert_eq!(view.summary.assignee, Some(w.referent.id.clone()));
    let assignment = view.history.last().unwrap();
    assert_eq!(assignment.actor.name, "referente");
    assert_eq!(assignment.assignee.as_ref().unwrap().name, "referente");
}

#[test]
fn a_duplicate_needs_an_existing_original_that_is_not_a_duplicate() {
    let w = world();
    let config = demo_config();
    let now = at(2026, 3, 2, 9);
    let mut entropy = SeededEntropy::new(400);
    let second = created(create_ticket(
        &w.db,
        new_ticket(None, &mut entropy, now),
        now,
        &mut entropy,
    ));
    let unknown = crate::public_number::PublicNumber::new(2026, 999);
    assert!(matches!(
        act(&w.db, &w.operator, second.public_number, 1, &Command::MarkDuplicate { of: unknown }, &config, now),
        Err(StaffError::Invalid(e)) if e.fields() == vec!["of"]
    ));
    act(
        &w.db,
        &w.operator,
        second.public_number,
        1,
        &Command::MarkDuplicate {
            of: w.ticket.public_number,
        },
        &config,
        now,
    )
    .unwrap();
    let (original, _) =
        ticket_view(&w.db, &w.operator, w.ticket.public_number, &config, now).unwrap();
    assert_eq!(original.duplicates, vec![second.public_number]);
    // Chains are refused: merge into the original instead.
    assert!(matches!(
        act(&w.db, &w.operator, w.ticket.public_number, 1, &Command::MarkDuplicate { of: second.public_number }, &config, now),
        Err(StaffError::Invalid(e)) if e.fields() == vec!["of"]
    ));
}

#[test]
fn tickets_stored_before_deadlines_existed_get_them_filled() {
    let w = world();
    w.db.execute(
        "UPDATE tickets SET respond_by = NULL, resolve_by = NULL",
        &[],
    )
    .unwrap();
    assert_eq!(backfill_deadlines(&w.db, &demo_config()).unwrap(), 1);
    assert_eq!(backfill_deadlines(&w.db, &demo_config()).unwrap(), 0);
    let (view, _) = ticket_view(
        &w.db,
        &w.admin,
        w.ticket.public_number,
        &demo_config(),
        at(2026, 3, 2, 9),
    )
    .unwrap();
    assert_eq!(view.summary.due, w.ticket.due);
}

#[test]
fn operators_cannot_take_over_a_ticket_a_colleague_holds() {
    let w = world();
    let config = demo_config();
    let now = at(2026, 3, 2, 9);
    let number = w.ticket.public_number;
    act(
        &w.db,
        &w.referent,
        number,
        1,
        &Command::Assign {
            assignee: Some(w.referent.id.clone()),
        },
        &config,
        now,
    )
    .unwrap();
    assert_eq!(
        act(
            &w.db,
            &w.operator,
            number,
            2,
            &Command::Assign {
                assignee: Some(w.operator.id.clone())
            },
            &config,
            now
        ),
        Err(StaffError::Forbidden)
    );
}

#[test]
fn merging_refuses_originals_of_other_offices_and_tickets_that_have_duplicates() {
    let w = world();
    let config = demo_config();
    let now = at(2026, 3, 2, 9);
    let mut entropy = SeededEntropy::new(500);
    let second = created(create_ticket(
        &w.db,
        new_ticket(None, &mut entropy, now),
        now,
        &mut entropy,
    ));
    let third = created(create_ticket(
        &w.db,
        new_ticket(None, &mut entropy, now),
        now,
        &mut entropy,
    ));
    // Move the first ticket to another office: it is no longer the operator's to merge into.
    act(
        &w.db,
        &w.admin,
        w.ticket.public_number,
        1,
        &Command::Reassign {
            office: "tributi".into(),
            reason: "prova".into(),
        },
        &config,
        now,
    )
    .unwrap();
    assert!(matches!(
        act(&w.db, &w.operator, second.public_number, 1, &Command::MarkDuplicate { of: w.ticket.public_number }, &config, now),
        Err(StaffError::Invalid(e)) if e.0[0].code == "unknown_ticket"
    ));
    act(
        &w.db,
        &w.operator,
        third.public_number,
        1,
        &Command::MarkDuplicate {
            of: second.public_number,
        },
        &config,
        now,
    )
    .unwrap();
    let fourth = created(create_ticket(
        &w.db,
        new_ticket(None, &mut entropy, now),
        now,
        &mut entropy,
    ));
    assert!(matches!(
        act(&w.db, &w.operator, second.public_number, 1, &Command::MarkDuplicate { of: fourth.public_number }, &config, now),
        Err(StaffError::Invalid(e)) if e.0[0].code == "has_duplicates"
    ));
}

#[test]
fn single_sign_on_finds_the_active_account_by_e_mail_and_records_the_sign_in() {
    let w = world();
    let now = at(2026, 3, 3, 9);
    let user = login_with_access(&w.db, "Operatore@Comune.example.it", now)
        .unwrap()
        .unwrap();
    assert_eq!(user.id, w.operator.id);
    let log = audit_log(&w.db, 10, None).unwrap();
    assert_eq!(log[0].action, "login");
    assert_eq!(log[0].detail["method"], "cloudflare_access");
    assert_eq!(
        login_with_access(&w.db, "nessuno@comune.example.it", now).unwrap(),
        None
    );
    let disable = crate::staff::StaffChange {
        active: Some(false),
        ..Default::default()
    }
    .validate(&w.operator, &demo_config())
    .unwrap();
    change_user(&w.db, &w.admin, &w.operator, &disable, None, now).unwrap();
    assert_eq!(
        login_with_access(&w.db, "operatore@comune.example.it", now).unwrap(),
        None,
        "a disabled account cannot sign in through Access either"
    );
}

mod configuration_versions {
    use super::*;
    use crate::store::configuration::{
        check, content, current, save, versions, ConfigurationChange,
    };

    fn demo_json() -> serde_json::Value {
        serde_json::to_value(demo_config()).unwrap()
    }

    fn change<'a>(json: &'a str, based_on: u32) -> ConfigurationChange<'a> {
        ConfigurationChange {
            json,
            note: "Nuovo nome dell'URP",
            based_on,
            restored_from: None,
        }
    }

    fn renamed_urp(name: &str) -> String {
        let mut config = demo_json();
        let urp = config["offices"]
            .as_array_mut()
            .unwrap()
            .iter_mut()
            .find(|o| o["id"] == "urp")
            .unwrap();
        urp["name"]["it"] = serde_json::json!(name);
        config.to_string()
    }

    #[test]
    fn a_valid_change_becomes_the_next_version_and_is_audited_with_its_paths() {
        let w = world();
        let now = at(2026, 3, 4, 9);
        assert_eq!(
            current(&w.db).unwrap(),
            None,
            "the built-in configuration applies"
        );
        let json = renamed_urp("Sportello URP e Relazioni con il Pubblico");
        let (version, changes) =
            save(&w.db, &w.admin, &demo_config(), &change(&json, 0), now).unwrap();
        assert_eq!(version, 1);
        assert_eq!(changes.len(), 1);
        assert!(
            changes[0].starts_with("offices[") && changes[0].ends_with("].name.it"),
            "{changes:?}"
        );
        assert_eq!(current(&w.db).unwrap().unwrap().0, 1);
        assert_eq!(content(&w.db, 1).unwrap().unwrap(), json);
        let listed = versions(&w.db).unwrap();
        assert_eq!(listed[0].created_by, w.admin.id.to_string());
        assert_eq!(listed[0].note, "Nuovo nome dell'URP");
        let log = audit_log(&w.db, 1, None).unwrap();
        assert_eq!(log[0].action, "change_configuration");
        assert_eq!(log[0].detail["version"], 1);
        assert_eq!(log[0].detail["changes"][0], changes[0].as_str());
    }

    #[test]
    fn a_change_based_on_an_older_version_is_refused() {
        let w = world();
        let now = at(2026, 3, 4, 9);
        let first = renamed_urp("URP uno");
        save(&w.db, &w.admin, &demo_config(), &change(&first, 0), now).unwrap();
        let second = renamed_urp("URP due");
        assert!(matches!(
            save(&w.db, &w.admin, &demo_config(), &change(&second, 0), now),
            Err(StaffError::Conflict("stale_configuration"))
        ));
        assert_eq!(versions(&w.db).unwrap().len(), 1);
    }

    #[test]
    fn an_invalid_configuration_is_refused_naming_each_path() {
        let w = world();
        let mut config = demo_json();
        config["offices"][0]["referent"]["email"] = serde_json::json!("non-una-email");
        config["id"] = serde_json::json!("un-altro-comune");
        let json = config.to_string();
        let Err(StaffError::Invalid(errors)) = save(
            &w.db,
            &w.admin,
            &demo_config(),
            &change(&json, 0),
            at(2026, 3, 4, 9),
        ) else {
            panic!("expected field errors")
        };
        assert!(
            errors
                .fields()
                .iter()
                .any(|f| f.starts_with("offices[0].referent")),
            "{errors}"
        );
        let Err(StaffError::Invalid(errors)) = check(&w.db, &demo_config(), &{
            let mut config = demo_json();
            config["id"] = serde_json::json!("un-altro-comune");
            config.to_string()
        }) else {
            panic!("the id is immutable")
        };
        assert_eq!(errors.fields(), vec!["id"]);
        assert!(versions(&w.db).unwrap().is_empty());
    }

    #[test]
    fn offices_and_categories_still_in_use_cannot_be_removed() {
        let w = world();
        let office = w.ticket.routing.office.clone();
        let mut config = demo_json();
        config["offices"]
            .as_array_mut()
            .unwrap()
            .retain(|o| o["id"] != office.as_str());
        let Err(StaffError::Invalid(errors)) = check(&w.db, &demo_config(), &config.to_string())
        else {
            panic!("the office has staff and an open ticket")
        };
        assert!(errors.to_string().contains(&office), "{errors}");
        let mut config = demo_json();
        for theme in config["themes"].as_array_mut().unwrap() {
            theme["categories"]
                .as_array_mut()
                .unwrap()
                .retain(|c| c["id"] != w.ticket.report.category.as_str());
        }
        let Err(StaffError::Invalid(errors)) = check(&w.db, &demo_config(), &config.to_string())
        else {
            panic!("the category has an open ticket")
        };
        assert_eq!(errors.fields(), vec!["themes"], "{errors}");
    }

    #[test]
    fn saving_what_is_already_in_force_or_without_a_note_is_refused_and_versions_are_append_only() {
        let w = world();
        let same = demo_json().to_string();
        assert!(matches!(
            save(
                &w.db,
                &w.admin,
                &demo_config(),
                &change(&same, 0),
                at(2026, 3, 4, 9)
            ),
            Err(StaffError::Invalid(_))
        ));
        let json = renamed_urp("URP");
        let without_note = ConfigurationChange {
            note: "  ",
            ..change(&json, 0)
        };
        assert!(matches!(
            save(&w.db, &w.admin, &demo_config(), &without_note, at(2026, 3, 4, 9)),
            Err(StaffError::Invalid(e)) if e.fields() == vec!["note"]
        ));
        save(
            &w.db,
            &w.admin,
            &demo_config(),
            &change(&json, 0),
            at(2026, 3, 4, 9),
        )
        .unwrap();
        assert!(w
            .db
            .execute("UPDATE configuration_versions SET note = 'x'", &[])
            .is_err());
        assert!(w
            .db
            .execute("DELETE FROM configuration_versions", &[])
            .is_err());
    }
}

#[test]
fn the_map_holds_every_filtered_ticket_with_a_point_of_the_viewer_s_offices() {
    let w = world();
    let now = at(2026, 3, 4, 9);
    let mut entropy = SeededEntropy::new(120);
    let mut without_point = new_ticket(None, &mut entropy, at(2026, 3, 2, 9));
    without_point.report.location = None;
    without_point.report.address = Some("Via Roma 1".into());
    created(create_ticket(
        &w.db,
        without_point,
        at(2026, 3, 2, 9),
        &mut entropy,
    ));
    for _ in 0..30 {
        let new = new_ticket(None, &mut entropy, at(2026, 3, 2, 10));
        created(create_ticket(&w.db, new, at(2026, 3, 2, 10), &mut entropy));
    }
    let mine = super::inbox::map_points(&w.db, &w.operator, &query("status=all&per_page=10"), now)
        .unwrap();
    assert_eq!(mine.len(), 31, "every ticket with a point, not one page");
    let others =
        super::inbox::map_points(&w.db, &w.other_office, &query("status=all"), now).unwrap();
    assert!(
        others.is_empty(),
        "another office's tickets stay off its map"
    );
    let features = crate::staff::views::map_features(&mine, &demo_config(), now);
    let first = &features["features"][0];
    let point = mine[0].report.location.unwrap();
    assert_eq!(first["geometry"]["coordinates"][0], point.lon());
    assert_eq!(first["geometry"]["coordinates"][1], point.lat());
    assert_eq!(
        first["properties"]["number"],
        mine[0].public_number.to_string()
    );
}
