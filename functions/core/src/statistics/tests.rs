//! Statistics of a fixed set of tickets, checked against values worked out by hand (the
//! working is in the comments).

use super::*;
use crate::config::tests_support::demo_config;
use chrono::TimeZone;

fn at(m: u32, d: u32, h: u32) -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, m, d, h, 0, 0).unwrap()
}

fn end_of(m: u32, d: u32) -> DateTime<Utc> {
    end_of_rome_day(NaiveDate::from_ymd_opt(2026, m, d).unwrap())
}

struct Facts(TicketFacts);

impl Facts {
    fn filed(
        category: &str,
        office: &str,
        created_at: DateTime<Utc>,
        respond_by: DateTime<Utc>,
    ) -> Self {
        let theme = demo_config().category(category).unwrap().0.id.clone();
        Facts(TicketFacts {
            theme,
            category: category.into(),
            kind: ReportKind::Segnalazione,
            office: office.into(),
            status: Status::Received,
            created_at,
            taken_in_charge_at: None,
            closed_at: None,
            respond_by,
            resolve_by: None,
            rating: None,
        })
    }
    fn rated(mut self, stars: u8) -> Self {
        self.0.rating = Some(stars);
        self
    }
    fn taken(mut self, at: DateTime<Utc>, status: Status) -> Self {
        self.0.taken_in_charge_at = Some(at);
        self.0.status = status;
        self
    }
    fn closed(mut self, at: DateTime<Utc>, status: Status) -> Self {
        self.0.closed_at = Some(at);
        self.0.status = status;
        self
    }
    fn resolve_by(mut self, by: DateTime<Utc>) -> Self {
        self.0.resolve_by = Some(by);
        self
    }
    fn kind(mut self, kind: ReportKind) -> Self {
        self.0.kind = kind;
        self
    }
}

fn step(at: DateTime<Utc>, delta: i64) -> BacklogStep {
    BacklogStep { at, delta }
}

/// Seven tickets; F was filed before the period and closed inside it.
fn world() -> (Vec<TicketFacts>, Vec<BacklogStep>) {
    let roads = "strade-mobilita";
    let tickets = vec![
        // A: taken in charge in 2 h, resolved in 48 h, both on time.
        Facts::filed("buche-stradali", roads, at(1, 5, 8), end_of(1, 8))
            .taken(at(1, 5, 10), Status::TakenInCharge)
            .closed(at(1, 7, 8), Status::Resolved)
            .resolve_by(end_of(1, 15)),
        // B: taken in charge in 96 h (late), still in progress past its resolution target.
        Facts::filed("buche-stradali", roads, at(1, 10, 8), end_of(1, 12))
            .taken(at(1, 14, 8), Status::InProgress)
            .resolve_by(end_of(1, 20)),
        // C: a complaint to another office, taken in 6 h, then rejected.
        Facts::filed(
            "rifiuti-abbandonati",
            "ambiente-igiene",
            at(2, 3, 9),
            end_of(2, 6),
        )
        .kind(ReportKind::Reclamo)
        .taken(at(2, 3, 15), Status::TakenInCharge)
        .closed(at(2, 4, 9), Status::Rejected),
        // D: still waiting, past its deadline.
        Facts::filed("buche-stradali", roads, at(2, 20, 10), end_of(2, 25)),
        // E: still waiting, not yet due.
        Facts::filed("buche-stradali", roads, at(3, 30, 10), end_of(4, 2)),
        // G: taken in 1 h, resolved in 24 h.
        Facts::filed("buche-stradali", roads, at(3, 10, 10), end_of(3, 13))
            .taken(at(3, 10, 11), Status::TakenInCharge)
            .closed(at(3, 11, 10), Status::Resolved)
            .resolve_by(end_of(3, 20)),
        // F: filed in December, resolved on 2 January.
        Facts::filed(
            "buche-stradali",
            roads,
            Utc.with_ymd_and_hms(2025, 12, 20, 10, 0, 0).unwrap(),
            end_of(1, 2),
        )
        .taken(
            Utc.with_ymd_and_hms(2025, 12, 20, 12, 0, 0).unwrap(),
            Status::TakenInCharge,
        )
        .closed(at(1, 2, 10), Status::Resolved),
    ]
    .into_iter()
    .map(|f| f.0)
    .collect();
    let steps = vec![
        step(Utc.with_ymd_and_hms(2025, 12, 20, 10, 0, 0).unwrap(), 1),
        step(at(1, 2, 10), -1),
        step(at(1, 5, 8), 1),
        step(at(1, 7, 8), -1),
        step(at(1, 10, 8), 1),
        step(at(2, 3, 9), 1),
        step(at(2, 4, 9), -1),
        step(at(2, 20, 10), 1),
        step(at(3, 10, 10), 1),
        step(at(3, 11, 10), -1),
        step(at(3, 30, 10), 1),
    ];
    (tickets, steps)
}

/// The statistics of the days from `from` to `to` (month, day) of 2026, as of `now`.
fn compute_in_2026(
    tickets: &[TicketFacts],
    steps: &[BacklogStep],
    from: (u32, u32),
    to: (u32, u32),
    language: Language,
    now: DateTime<Utc>,
) -> Statistics {
    let date = |(month, day)| NaiveDate::from_ymd_opt(2026, month, day).unwrap();
    let period = Period {
        from: date(from),
        to: date(to),
    };
    compute(tickets, steps, period, &demo_config(), language, now)
}

pub(crate) fn first_quarter() -> Statistics {
    let (tickets, steps) = world();
    compute_in_2026(
        &tickets,
        &steps,
        (1, 1),
        (3, 31),
        Language::It,
        at(3, 31, 12),
    )
}

fn count_of(counts: &[Count], id: &str) -> u64 {
    counts.iter().find(|c| c.id == id).unwrap().count
}

#[test]
fn totals_count_the_reports_filed_in_the_period() {
    let stats = first_quarter();
    // A B C D E G; F was filed in December. Open: B D E; resolved A G; overdue: B (past
    // its resolution target) and D (waiting past its deadline), not E.
    assert_eq!(
        stats.totals,
        Totals {
            reports: 6,
            open: 3,
            closed: 3,
            resolved: 2,
            overdue: 2
        }
    );
}

#[test]
fn counts_by_status_theme_category_office_and_kind_include_empty_groups() {
    let stats = first_quarter();
    assert_eq!(count_of(&stats.by_status, "received"), 2);
    assert_eq!(count_of(&stats.by_status, "taken_in_charge"), 0);
    assert_eq!(count_of(&stats.by_status, "in_progress"), 1);
    assert_eq!(count_of(&stats.by_status, "resolved"), 2);
    assert_eq!(count_of(&stats.by_status, "rejected"), 1);
    assert_eq!(count_of(&stats.by_status, "duplicate"), 0);
    assert_eq!(stats.by_status[3].name, "Risolta");
    assert_eq!(count_of(&stats.by_theme, "strade-viabilita"), 5);
    assert_eq!(count_of(&stats.by_theme, "protezione-ambientale"), 1);
    assert_eq!(count_of(&stats.by_theme, "tributi-catasto"), 0);
    assert_eq!(stats.by_theme.len(), demo_config().themes.len());
    assert_eq!(count_of(&stats.by_category, "buche-stradali"), 5);
    assert_eq!(count_of(&stats.by_office, "strade-mobilita"), 5);
    assert_eq!(count_of(&stats.by_office, "ambiente-igiene"), 1);
    assert_eq!(count_of(&stats.by_kind, "segnalazione"), 5);
    assert_eq!(count_of(&stats.by_kind, "reclamo"), 1);
    assert_eq!(count_of(&stats.by_kind, "suggerimento"), 0);
}

#[test]
fn response_times_are_medians_and_90th_percentiles_in_hours() {
    let performance = first_quarter().performance;
    // Taken in charge after 2, 96, 6 and 1 hours: sorted 1 2 6 96, median (2 + 6) / 2,
    // 90th percentile the ceil(0.9 * 4) = 4th value.
    assert_eq!(
        performance.take_in_charge,
        Durations {
            count: 4,
            median_hours: Some(4.0),
            p90_hours: Some(96.0)
        }
    );
    // Resolved after 48 and 24 hours.
    assert_eq!(
        performance.resolution,
        Durations {
            count: 2,
            median_hours: Some(36.0),
            p90_hours: Some(48.0)
        }
    );
}

#[test]
fn targets_count_late_waiting_reports_as_missed_and_ignore_those_not_yet_due() {
    let performance = first_quarter().performance;
    // Met: A C G; missed: B (late) and D (still waiting past the deadline); E not due.
    assert_eq!(
        performance.take_in_charge_target,
        Target {
            met: 3,
            missed: 2,
            share: Some(0.6)
        }
    );
    // With a resolution target: A and G met, B open past it; C was rejected.
    assert_eq!(
        performance.resolution_target,
        Target {
            met: 2,
            missed: 1,
            share: Some(0.667)
        }
    );
}

#[test]
fn performance_per_office_only_counts_that_office() {
    let stats = first_quarter();
    let roads = stats
        .performance_by_office
        .iter()
        .find(|p| p.id == "strade-mobilita")
        .unwrap();
    assert_eq!(roads.performance.reports, 5);
    // A 2 h, B 96 h, G 1 h: median 2, 90th percentile the 3rd of 3.
    assert_eq!(roads.performance.take_in_charge.median_hours, Some(2.0));
    assert_eq!(roads.performance.take_in_charge.p90_hours, Some(96.0));
    // A and G met; B and D missed.
    assert_eq!(roads.performance.take_in_charge_target.share, Some(0.5));
    let idle = stats
        .performance_by_office
        .iter()
        .find(|p| p.id == "tributi")
        .unwrap();
    assert_eq!(idle.performance.reports, 0);
    assert_eq!(idle.performance.take_in_charge.median_hours, None);
    assert_eq!(idle.performance.take_in_charge_target.share, None);
}

#[test]
fn months_count_filings_closings_and_response_times() {
    let months = first_quarter().by_month;
    let names: Vec<&str> = months.iter().map(|m| m.month.as_str()).collect();
    assert_eq!(names, ["2026-01", "2026-02", "2026-03"]);
    // January: A and B filed; A and F (filed in December) closed, both resolved.
    assert_eq!(
        (months[0].received, months[0].closed, months[0].resolved),
        (2, 2, 2)
    );
    assert_eq!(months[0].take_in_charge.median_hours, Some(49.0));
    assert_eq!(months[0].resolution.median_hours, Some(48.0));
    // February: C and D filed; C closed (rejected).
    assert_eq!(
        (months[1].received, months[1].closed, months[1].resolved),
        (2, 1, 0)
    );
    assert_eq!(months[1].resolution.count, 0);
    // March: E and G filed; G resolved.
    assert_eq!(
        (months[2].received, months[2].closed, months[2].resolved),
        (2, 1, 1)
    );
    assert_eq!(months[2].take_in_charge.median_hours, Some(1.0));
}

#[test]
fn a_report_counts_in_the_month_of_its_rome_day_in_winter_and_in_summer() {
    let minute = chrono::Duration::minutes(1);
    let mut tickets = Vec::new();
    // 1 February starts at 23:00 UTC on 31 January (winter); 1 July at 22:00 UTC on
    // 30 June (summer). One report a minute before each start, one at it, closed so too.
    for start in [end_of(1, 31), end_of(6, 30)] {
        for created_at in [start - minute, start] {
            tickets.push(
                Facts::filed("buche-stradali", "strade-mobilita", created_at, created_at)
                    .closed(created_at + minute, Status::Rejected)
                    .0,
            );
        }
    }
    let stats = compute_in_2026(&tickets, &[], (1, 1), (7, 31), Language::It, at(8, 1, 0));
    let by_month: Vec<(&str, u64, u64)> = stats
        .by_month
        .iter()
        .map(|m| (m.month.as_str(), m.received, m.closed))
        .collect();
    assert_eq!(
        by_month,
        [
            ("2026-01", 1, 0),
            ("2026-02", 1, 2),
            ("2026-03", 0, 0),
            ("2026-04", 0, 0),
            ("2026-05", 0, 0),
            ("2026-06", 1, 0),
            ("2026-07", 1, 2),
        ]
    );
}

#[test]
fn the_backlog_counts_open_reports_at_the_end_of_every_day() {
    let backlog = first_quarter().backlog;
    assert_eq!(backlog.len(), 31 + 28 + 31);
    let on = |m: u32, d: u32| {
        backlog
            .iter()
            .find(|b| b.date == NaiveDate::from_ymd_opt(2026, m, d).unwrap())
            .unwrap()
            .open
    };
    assert_eq!(on(1, 1), 1); // F, filed in December
    assert_eq!(on(1, 2), 0);
    assert_eq!(on(1, 5), 1); // A
    assert_eq!(on(1, 7), 0);
    assert_eq!(on(1, 10), 1); // B
    assert_eq!(on(2, 3), 2); // B C
    assert_eq!(on(2, 4), 1);
    assert_eq!(on(2, 20), 2); // B D
    assert_eq!(on(3, 10), 3); // B D G
    assert_eq!(on(3, 11), 2);
    assert_eq!(on(3, 31), 3); // B D E
}

#[test]
fn the_backlog_stops_today_when_the_period_runs_into_the_future() {
    let (tickets, steps) = world();
    let stats = compute_in_2026(
        &tickets,
        &steps,
        (3, 1),
        (12, 31),
        Language::En,
        at(3, 31, 12),
    );
    assert_eq!(
        stats.backlog.last().unwrap().date,
        NaiveDate::from_ymd_opt(2026, 3, 31).unwrap()
    );
    assert_eq!(stats.backlog.first().unwrap().open, 2); // B D, carried over
    assert_eq!(stats.by_month.len(), 10);
    assert_eq!(stats.by_status[3].name, "Resolved");
}

#[test]
fn the_default_period_is_the_last_twelve_calendar_months() {
    let period = Period::resolve(None, None, at(3, 31, 12));
    assert_eq!(period.from, NaiveDate::from_ymd_opt(2025, 4, 1).unwrap());
    assert_eq!(period.to, NaiveDate::from_ymd_opt(2026, 3, 31).unwrap());
    assert_eq!(period.months().len(), 12);
}

#[test]
fn percentiles_follow_their_definitions() {
    let tenth = Durations::of((1..=10).map(f64::from).collect());
    assert_eq!(tenth.median_hours, Some(5.5));
    assert_eq!(tenth.p90_hours, Some(9.0));
    let one = Durations::of(vec![7.25]);
    assert_eq!((one.median_hours, one.p90_hours), (Some(7.3), Some(7.3)));
    assert_eq!(Durations::of(vec![]), Durations::default());
}

#[test]
fn a_period_stops_today_and_spans_ten_years_at_most() {
    let now = at(3, 31, 12);
    let day = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
    let ancient = Period::resolve(Some(day(1, 1, 1)), Some(day(2999, 1, 1)), now);
    assert_eq!(ancient.to, day(2026, 3, 31));
    assert_eq!(ancient.from, day(2016, 3, 31));
    // A period wholly in the future is today alone.
    let future = Period::resolve(Some(day(2027, 1, 1)), None, now);
    assert_eq!(
        (future.from, future.to),
        (day(2026, 3, 31), day(2026, 3, 31))
    );
}

#[test]
fn satisfaction_is_the_mean_of_the_citizens_stars_and_is_kept_back_under_five_ratings() {
    let roads = "strade-mobilita";
    let lights = "illuminazione";
    let day = |d| at(1, d, 9);
    let mut tickets: Vec<TicketFacts> = [5, 4, 4, 5, 3, 4]
        .into_iter()
        .enumerate()
        .map(|(n, stars)| {
            let d = 5 + n as u32;
            Facts::filed("buche-stradali", roads, day(d), end_of(1, d + 3))
                .closed(day(d + 1), Status::Resolved)
                .rated(stars)
                .0
        })
        .collect();
    tickets.push(
        Facts::filed("illuminazione-pubblica", lights, day(20), end_of(1, 23))
            .closed(day(21), Status::Rejected)
            .rated(1)
            .0,
    );
    tickets.push(Facts::filed("illuminazione-pubblica", lights, day(22), end_of(1, 25)).0);
    let stats = compute_in_2026(&tickets, &[], (1, 1), (1, 31), Language::It, at(1, 31, 12));
    let satisfaction = |ratings, average_stars| Satisfaction {
        ratings,
        average_stars,
    };
    // (5 + 4 + 4 + 5 + 3 + 4 + 1) / 7 = 26 / 7 = 3.714...; roads 25 / 6 = 4.166...
    assert_eq!(stats.performance.satisfaction, satisfaction(7, Some(3.71)));
    let office = |id: &str| {
        stats
            .performance_by_office
            .iter()
            .find(|o| o.id == id)
            .unwrap()
            .performance
            .satisfaction
            .clone()
    };
    assert_eq!(office(roads), satisfaction(6, Some(4.17)));
    // One rating alone would be that citizen's stars: counted, not averaged.
    assert_eq!(office(lights), satisfaction(1, None));
    assert_eq!(office("tributi"), satisfaction(0, None));
}
