//! Following a report on real SQLite: the confirmation, the steps followers hear of, the
//! limits, unsubscribing and expiry, the public page and the nearby suggestions.

use super::delivery::*;
use super::public_reports::{nearby, public_report};
use super::subscriptions::*;
use super::tests::{act_at, at, created, migrated, new_ticket, Sqlite};
use super::*;
use crate::config::tests_support::demo_config;
use crate::ids::{SeededEntropy, TrackingToken};
use crate::nearby::NearbyQuery;
use crate::report::Language;
use crate::subscription::{AddressRequest, FollowRefused, SubscriptionState};
use crate::workflow::{Command, RejectionReason};
use chrono::Duration;

fn filed(db: &Sqlite, seed: u64) -> Ticket {
    let new = new_ticket(
        Some("anna@example.it"),
        &mut SeededEntropy::new(seed),
        at(2026, 3, 2, 8),
    );
    created(create_ticket(
        db,
        new,
        at(2026, 3, 2, 8),
        &mut SeededEntropy::new(seed + 1),
    ))
}

fn request(email: &str) -> AddressRequest {
    AddressRequest::parse(Some(email), Some("it")).unwrap()
}

fn follow_at(
    db: &Sqlite,
    ticket: &Ticket,
    email: &str,
    now: DateTime<Utc>,
) -> Result<(), FollowRefused> {
    follow(
        db,
        ticket.public_number,
        &request(email),
        now,
        &mut SeededEntropy::new(
            now.timestamp() as u64 * 31
                + u64::from(ticket.public_number.sequence()) * 7
                + email.len() as u64,
        ),
    )
    .unwrap()
}

#[derive(serde::Deserialize)]
struct Queued {
    id: i64,
    kind: String,
}

/// Rows for followers, oldest first.
fn follower_rows(db: &Sqlite) -> Vec<(i64, String)> {
    db.query::<Queued>(
        "SELECT id, kind FROM outbox WHERE kind IN ('subscriber', 'subscription_confirmation') ORDER BY id",
        &[],
    )
    .unwrap()
    .into_iter()
    .map(|q| (q.id, q.kind))
    .collect()
}

fn delivered(db: &Sqlite, id: i64, now: DateTime<Utc>) -> Delivery {
    match claim(db, id, &demo_config(), now).unwrap() {
        Claim::Deliver(delivery) => *delivery,
        other => panic!("expected a delivery, got {other:?}"),
    }
}

/// The secret of the one subscription, read off its confirmation message.
fn secret(delivery: &Delivery) -> TrackingToken {
    let start = delivery
        .message
        .text
        .find("/segui/")
        .expect("a confirmation link")
        + "/segui/".len();
    TrackingToken::parse(&delivery.message.text[start..start + 26]).unwrap()
}

fn confirmed(db: &Sqlite, ticket: &Ticket, email: &str) -> TrackingToken {
    follow_at(db, ticket, email, at(2026, 3, 2, 10)).unwrap();
    let (row, _) = follower_rows(db).into_iter().last().unwrap();
    let secret = secret(&delivered(db, row, at(2026, 3, 2, 10)));
    let view = confirm(db, &secret, at(2026, 3, 2, 11)).unwrap().unwrap();
    assert_eq!(view.state, SubscriptionState::Active);
    secret
}

#[test]
fn following_sends_a_confirmation_link_and_only_a_confirmed_address_hears_of_steps() {
    let db = migrated();
    let ticket = filed(&db, 10);
    follow_at(&db, &ticket, "Carla@Example.org", at(2026, 3, 2, 10)).unwrap();
    let rows = follower_rows(&db);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].1, "subscription_confirmation");
    let confirmation = delivered(&db, rows[0].0, at(2026, 3, 2, 10));
    assert_eq!(confirmation.to, "carla@example.org");
    assert!(confirmation
        .message
        .text
        .contains(&ticket.public_number.to_string()));
    assert_eq!(
        confirmation.message.unsubscribe_url, None,
        "nothing to stop yet"
    );
    let secret = secret(&confirmation);
    assert_eq!(
        lookup(&db, &secret).unwrap().unwrap().state,
        SubscriptionState::Pending
    );

    act_at(
        &db,
        &ticket,
        &Command::TakeInCharge { reply: None },
        at(2026, 3, 2, 11),
    );
    assert_eq!(
        follower_rows(&db).len(),
        1,
        "an unconfirmed address hears nothing"
    );

    assert_eq!(
        confirm(&db, &secret, at(2026, 3, 2, 12))
            .unwrap()
            .unwrap()
            .state,
        SubscriptionState::Active
    );
    act_at(
        &db,
        &ticket,
        &Command::Resolve {
            answer: "Ramo rimosso, grazie Anna Bianchi".into(),
        },
        at(2026, 3, 3, 9),
    );
    let (row, kind) = follower_rows(&db).pop().unwrap();
    assert_eq!(kind, "subscriber");
    let step = delivered(&db, row, at(2026, 3, 3, 9));
    assert_eq!(step.to, "carla@example.org");
    assert!(step.message.subject.contains("risolta"));
    assert!(step.message.text.contains("Risolta"));
    for private in [
        "Ramo rimosso",
        "Anna",
        "anna@example.it",
        ticket.tracking_token.as_str(),
    ] {
        assert!(
            !step.message.text.contains(private) && !step.message.html.contains(private),
            "{private}"
        );
    }
    let unsubscribe = step.message.unsubscribe_url.clone().unwrap();
    assert!(unsubscribe.ends_with(&format!("/segui/{}/disiscriviti", secret.as_str())));
    assert!(
        step.message.text.contains(&unsubscribe),
        "the link is in the text too"
    );
}

#[test]
fn replies_and_notes_are_not_told_to_followers_but_changes_of_status_are() {
    let db = migrated();
    let ticket = filed(&db, 20);
    confirmed(&db, &ticket, "carla@example.org");
    let before = follower_rows(&db).len();
    act_at(
        &db,
        &ticket,
        &Command::PublicReply {
            text: "Ci serve il civico".into(),
        },
        at(2026, 3, 3, 9),
    );
    act_at(
        &db,
        &ticket,
        &Command::InternalNote {
            text: "Chiamare Anna".into(),
        },
        at(2026, 3, 3, 10),
    );
    assert_eq!(follower_rows(&db).len(), before);
    act_at(
        &db,
        &ticket,
        &Command::Reject {
            reason: RejectionReason::NotAProblem,
            explanation: "Nessun ramo al sopralluogo".into(),
        },
        at(2026, 3, 3, 11),
    );
    let (row, _) = follower_rows(&db).pop().unwrap();
    let step = delivered(&db, row, at(2026, 3, 3, 11));
    assert!(
        step.message
            .text
            .contains("al controllo non c'è un problema da risolvere"),
        "the published reason"
    );
    assert!(
        !step.message.text.contains("Nessun ramo"),
        "not the office's words"
    );
}

#[test]
fn asking_again_sends_the_link_again_only_after_a_while_and_never_once_confirmed() {
    let db = migrated();
    let ticket = filed(&db, 30);
    follow_at(&db, &ticket, "carla@example.org", at(2026, 3, 2, 10)).unwrap();
    follow_at(
        &db,
        &ticket,
        "carla@example.org",
        at(2026, 3, 2, 10) + Duration::minutes(5),
    )
    .unwrap();
    assert_eq!(follower_rows(&db).len(), 1);
    follow_at(
        &db,
        &ticket,
        "CARLA@example.org",
        at(2026, 3, 2, 10) + Duration::minutes(11),
    )
    .unwrap();
    let rows = follower_rows(&db);
    assert_eq!(rows.len(), 2, "the same subscription, its link sent again");
    let first = secret(&delivered(&db, rows[0].0, at(2026, 3, 2, 11)));
    assert_eq!(
        secret(&delivered(&db, rows[1].0, at(2026, 3, 2, 11))),
        first
    );
    confirm(&db, &first, at(2026, 3, 2, 12)).unwrap();
    follow_at(&db, &ticket, "carla@example.org", at(2026, 3, 2, 13)).unwrap();
    assert_eq!(
        follower_rows(&db).len(),
        2,
        "a confirmed follower is sent nothing new"
    );
}

#[test]
fn an_address_at_its_daily_limit_is_refused_whether_or_not_it_already_follows() {
    let db = migrated();
    let tickets: Vec<Ticket> = (0..6).map(|i| filed(&db, 60 + 2 * i)).collect();
    follow_at(&db, &tickets[0], "dora@example.org", at(2026, 3, 2, 9)).unwrap();
    let rows = follower_rows(&db);
    confirm(
        &db,
        &secret(&delivered(&db, rows[0].0, at(2026, 3, 2, 9))),
        at(2026, 3, 2, 9),
    )
    .unwrap();
    for ticket in &tickets[1..5] {
        follow_at(&db, ticket, "dora@example.org", at(2026, 3, 2, 10)).unwrap();
    }
    assert_eq!(
        follow_at(&db, &tickets[0], "dora@example.org", at(2026, 3, 2, 11)),
        Err(FollowRefused::TooManyToday),
        "the report it follows: refused like any other"
    );
    assert_eq!(
        follow_at(&db, &tickets[5], "dora@example.org", at(2026, 3, 2, 11)),
        Err(FollowRefused::TooManyToday)
    );
}

#[test]
fn one_address_is_sent_at_most_five_confirmations_a_day() {
    let db = migrated();
    let tickets: Vec<Ticket> = (0..6).map(|i| filed(&db, 40 + 2 * i)).collect();
    for ticket in &tickets[..5] {
        follow_at(&db, ticket, "victim@example.org", at(2026, 3, 2, 10)).unwrap();
    }
    assert_eq!(
        follow_at(&db, &tickets[5], "victim@example.org", at(2026, 3, 2, 11)),
        Err(FollowRefused::TooManyToday)
    );
    assert_eq!(follower_rows(&db).len(), 5);
    let subscriptions = count(&db, "SELECT COUNT(*) AS n FROM subscriptions", &[]).unwrap();
    assert_eq!(subscriptions, 5, "the refused one is not kept either");
    assert_eq!(
        follow_at(&db, &tickets[5], "victim@example.org", at(2026, 3, 3, 11)),
        Ok(()),
        "the next day"
    );
    follow_at(
        &db,
        &tickets[5],
        "someone.else@example.org",
        at(2026, 3, 2, 11),
    )
    .unwrap();
}

#[test]
fn unsubscribing_erases_the_address_stops_every_message_and_can_be_repeated() {
    let db = migrated();
    let ticket = filed(&db, 60);
    let secret = confirmed(&db, &ticket, "carla@example.org");
    act_at(
        &db,
        &ticket,
        &Command::TakeInCharge { reply: None },
        at(2026, 3, 3, 9),
    );
    let (waiting, _) = follower_rows(&db).pop().unwrap();
    let view = unsubscribe(&db, &secret, at(2026, 3, 3, 10))
        .unwrap()
        .unwrap();
    assert_eq!(view.state, SubscriptionState::Ended);
    assert_eq!(view.number, ticket.public_number.to_string());
    assert_eq!(
        claim(&db, waiting, &demo_config(), at(2026, 3, 3, 10)).unwrap(),
        Claim::Done,
        "an owed message is not sent"
    );
    let rows_before = follower_rows(&db).len();
    act_at(
        &db,
        &ticket,
        &Command::StartWork { reply: None },
        at(2026, 3, 3, 11),
    );
    assert_eq!(follower_rows(&db).len(), rows_before);
    let kept = count(
        &db,
        "SELECT COUNT(*) AS n FROM subscriptions WHERE email IS NOT NULL",
        &[],
    )
    .unwrap();
    assert_eq!(kept, 0, "the address is erased");
    assert_eq!(
        unsubscribe(&db, &secret, at(2026, 3, 4, 10))
            .unwrap()
            .unwrap()
            .state,
        SubscriptionState::Ended
    );
    assert_eq!(
        confirm(&db, &secret, at(2026, 3, 4, 10))
            .unwrap()
            .unwrap()
            .state,
        SubscriptionState::Ended,
        "an ended one cannot be revived"
    );
    follow_at(&db, &ticket, "carla@example.org", at(2026, 3, 4, 11)).unwrap();
    assert_eq!(
        follower_rows(&db).last().unwrap().1,
        "subscription_confirmation",
        "following again starts afresh"
    );
    assert_eq!(
        lookup(&db, &TrackingToken::generate(&mut SeededEntropy::new(1))).unwrap(),
        None
    );
}

#[test]
fn a_link_not_followed_within_seven_days_ends_the_subscription_and_erases_the_address() {
    let db = migrated();
    let ticket = filed(&db, 70);
    follow_at(&db, &ticket, "carla@example.org", at(2026, 3, 2, 10)).unwrap();
    let (row, _) = follower_rows(&db)[0].clone();
    let secret = secret(&delivered(&db, row, at(2026, 3, 2, 10)));
    assert_eq!(
        confirm(&db, &secret, at(2026, 3, 9, 11))
            .unwrap()
            .unwrap()
            .state,
        SubscriptionState::Ended
    );

    let other = filed(&db, 72);
    follow_at(&db, &other, "dario@example.org", at(2026, 3, 2, 10)).unwrap();
    end_unconfirmed(&db, at(2026, 3, 9, 9)).unwrap();
    end_unconfirmed(&db, at(2026, 3, 9, 11)).unwrap();
    let kept = count(
        &db,
        "SELECT COUNT(*) AS n FROM subscriptions WHERE email IS NOT NULL",
        &[],
    )
    .unwrap();
    assert_eq!(kept, 0);
}

#[test]
fn closed_merged_and_unknown_reports_cannot_be_followed() {
    let db = migrated();
    let original = filed(&db, 80);
    let repeat = filed(&db, 82);
    act_at(
        &db,
        &repeat,
        &Command::MarkDuplicate {
            of: original.public_number,
        },
        at(2026, 3, 3, 9),
    );
    assert_eq!(
        follow_at(&db, &repeat, "carla@example.org", at(2026, 3, 3, 10)),
        Err(FollowRefused::Merged {
            into: original.public_number.to_string()
        })
    );
    act_at(
        &db,
        &original,
        &Command::Reject {
            reason: RejectionReason::NotCompetent,
            explanation: "Strada provinciale".into(),
        },
        at(2026, 3, 3, 11),
    );
    assert_eq!(
        follow_at(&db, &original, "carla@example.org", at(2026, 3, 3, 12)),
        Err(FollowRefused::Closed)
    );
    let unknown = crate::public_number::PublicNumber::new(2026, 999);
    let refused = follow(
        &db,
        unknown,
        &request("carla@example.org"),
        at(2026, 3, 3, 12),
        &mut SeededEntropy::new(3),
    )
    .unwrap();
    assert_eq!(refused, Err(FollowRefused::NotFound));
    assert!(follower_rows(&db).is_empty());
}

#[test]
fn followers_of_a_duplicate_hear_of_the_original_s_steps_and_staff_never_see_their_addresses() {
    let db = migrated();
    let original = filed(&db, 90);
    let repeat = filed(&db, 92);
    confirmed(&db, &repeat, "carla@example.org");
    act_at(
        &db,
        &repeat,
        &Command::MarkDuplicate {
            of: original.public_number,
        },
        at(2026, 3, 3, 9),
    );
    let (merged, _) = follower_rows(&db).pop().unwrap();
    assert!(delivered(&db, merged, at(2026, 3, 3, 9))
        .message
        .text
        .contains(&original.public_number.to_string()));
    act_at(
        &db,
        &original,
        &Command::TakeInCharge { reply: None },
        at(2026, 3, 3, 10),
    );
    let (row, _) = follower_rows(&db).pop().unwrap();
    let step = delivered(&db, row, at(2026, 3, 3, 10));
    assert!(step
        .message
        .text
        .contains("è stata unita alla segnalazione"));
    let shown = public_report(
        &db,
        original.public_number,
        &demo_config(),
        Language::It,
        at(2026, 3, 3, 10),
    )
    .unwrap()
    .unwrap();
    assert_eq!(shown.followers, 1);
    for ticket in [&original, &repeat] {
        let staff_view = deliveries(&db, ticket, &demo_config()).unwrap();
        assert!(staff_view
            .iter()
            .all(|d| d.to.as_deref() != Some("carla@example.org")));
    }
}

fn place(db: &Sqlite, ticket: &Ticket, lat: f64, lon: f64, category: &str) {
    db.execute(
        "UPDATE tickets SET lat = ?, lon = ?, category = ? WHERE id = ?",
        &[
            lat.into(),
            lon.into(),
            category.into(),
            ticket.id.to_string().into(),
        ],
    )
    .unwrap();
}

fn query(category: &str, lat: f64, lon: f64) -> NearbyQuery {
    let pairs: Vec<(String, String)> = [
        ("category", category.to_string()),
        ("lat", lat.to_string()),
        ("lon", lon.to_string()),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    NearbyQuery::parse(&pairs, &demo_config()).unwrap()
}

#[test]
fn nearby_suggestions_are_open_reports_of_the_topic_within_the_radius_nearest_first() {
    let db = migrated();
    let config = demo_config();
    let [near, nearer, far, other_topic, closed] =
        [100, 102, 104, 106, 108].map(|seed| filed(&db, seed));
    place(&db, &near, 45.6990, 9.6700, "buche-stradali");
    place(&db, &nearer, 45.6981, 9.6701, "buche-stradali");
    place(&db, &far, 45.7100, 9.6700, "buche-stradali");
    place(&db, &other_topic, 45.6980, 9.6700, "segnaletica");
    place(&db, &closed, 45.6980, 9.6700, "buche-stradali");
    act_at(
        &db,
        &closed,
        &Command::Resolve {
            answer: "Fatto".into(),
        },
        at(2026, 3, 3, 9),
    );
    let found = nearby(
        &db,
        &query("buche-stradali", 45.6980, 9.6700),
        &config,
        at(2026, 3, 3, 10),
    )
    .unwrap();
    let numbers: Vec<String> = found.iter().map(|n| n.report.number.clone()).collect();
    assert_eq!(
        numbers,
        [
            nearer.public_number.to_string(),
            near.public_number.to_string()
        ]
    );
    // From the published point (three decimals): 45.698, 9.670 is 0 m away, 45.699 is 111 m.
    assert_eq!(found.iter().map(|n| n.metres).collect::<Vec<_>>(), [0, 110]);
    assert_eq!(
        found[0].path,
        format!("/segnalazioni/{}", nearer.public_number)
    );
    assert_eq!(
        found[0].report.description, None,
        "descriptions stay private by the demo's policy"
    );

    let mut off = config.clone();
    off.follow_up.nearby_metres = 0;
    assert!(nearby(
        &db,
        &query("buche-stradali", 45.6980, 9.6700),
        &off,
        at(2026, 3, 3, 10)
    )
    .unwrap()
    .is_empty());
    let mut private = config.clone();
    private.open_data.publish_locations = false;
    assert!(nearby(
        &db,
        &query("buche-stradali", 45.6980, 9.6700),
        &private,
        at(2026, 3, 3, 10)
    )
    .unwrap()
    .is_empty());
}

#[test]
fn a_nearby_query_names_each_bad_field() {
    let config = demo_config();
    let pairs = |items: &[(&str, &str)]| -> Vec<(String, String)> {
        items
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let errors = NearbyQuery::parse(
        &pairs(&[("category", "nope"), ("lat", "abc"), ("lon", "200")]),
        &config,
    )
    .unwrap_err();
    assert_eq!(errors.fields(), ["category", "lat", "lon"]);
    let errors = NearbyQuery::parse(&pairs(&[]), &config).unwrap_err();
    assert_eq!(errors.fields(), ["category", "lat", "lon"]);
    assert_eq!(errors.0[0].code, "required");
}

#[test]
fn the_public_page_says_whether_a_report_can_be_followed() {
    let db = migrated();
    let config = demo_config();
    let ticket = filed(&db, 120);
    let shown = public_report(
        &db,
        ticket.public_number,
        &config,
        Language::En,
        at(2026, 3, 3, 10),
    )
    .unwrap()
    .unwrap();
    assert!(shown.followable);
    assert_eq!(shown.followers, 0);
    assert_eq!(shown.report.status_name, "Received");
    act_at(
        &db,
        &ticket,
        &Command::Reject {
            reason: RejectionReason::NotCompetent,
            explanation: "No".into(),
        },
        at(2026, 3, 3, 11),
    );
    let shown = public_report(
        &db,
        ticket.public_number,
        &config,
        Language::It,
        at(2026, 3, 3, 12),
    )
    .unwrap()
    .unwrap();
    assert!(!shown.followable);
    assert_eq!(
        public_report(
            &db,
            crate::public_number::PublicNumber::new(2026, 999),
            &config,
            Language::It,
            at(2026, 3, 3, 12)
        )
        .unwrap(),
        None
    );
}
