//! Public statistics of a comune's reports: volumes by status, theme, category, office,
//! kind and month; how long offices take to take reports in charge and to resolve them
//! (median and 90th percentile) and how often they meet the category's target; the backlog
//! of open reports day by day. Computed from one row of facts per ticket (the store keeps
//! the milestones beside each ticket) plus the open/closed steps for the backlog.
//!
//! Definitions, also given to readers in `docs/OPEN_DATA.md`:
//! - time to take in charge: from filing to the office's first action (taking in charge,
//!   starting work, resolving, rejecting or merging); a reassignment restarts the wait for
//!   the new office, and the time still counts from filing, as the citizen waited all along.
//! - time to resolve: from filing to the last resolution, for reports resolved now.
//! - target met: taken in charge by the deadline the office had (`respond_by`); a report
//!   still waiting past it counts as missed, one not yet due is not counted. The same for
//!   resolution where the category has a resolution target.
//! - median: the middle value (the mean of the two middle values for an even count);
//!   90th percentile: the nearest-rank value, the smallest one not exceeded by 90% of them.

use crate::config::ComuneConfig;
use crate::report::{Language, ReportKind};
use crate::status::Status;
use crate::working_days::{end_of_rome_day, rome_date, start_of_rome_day};
use chrono::{DateTime, Datelike, Months, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What statistics need to know of one ticket.
#[derive(Debug, Clone, PartialEq)]
pub struct TicketFacts {
    pub theme: String,
    pub category: String,
    pub kind: ReportKind,
    pub office: String,
    pub status: Status,
    pub created_at: DateTime<Utc>,
    pub taken_in_charge_at: Option<DateTime<Utc>>,
    pub closed_at: Option<DateTime<Utc>>,
    pub respond_by: DateTime<Utc>,
    pub resolve_by: Option<DateTime<Utc>>,
    /// The citizen's rating of the answer, 1 to 5 stars.
    pub rating: Option<u8>,
}

impl TicketFacts {
    /// When it was resolved, for a ticket resolved now.
    pub fn resolved_at(&self) -> Option<DateTime<Utc>> {
        self.closed_at.filter(|_| self.status == Status::Resolved)
    }

    /// Whether the office took it in charge by its deadline; `None` while that is open.
    pub fn taken_in_charge_on_time(&self, now: DateTime<Utc>) -> Option<bool> {
        match self.taken_in_charge_at {
            Some(at) => Some(at <= self.respond_by),
            None if self.status == Status::Received && now > self.respond_by => Some(false),
            None => None,
        }
    }

    /// Whether it was resolved by the category's target; `None` without a target, for a
    /// report closed otherwise, or while the target has not run out.
    pub fn resolved_on_time(&self, now: DateTime<Utc>) -> Option<bool> {
        let due = self.resolve_by?;
        match self.resolved_at() {
            Some(at) => Some(at <= due),
            None if self.status.is_open() && now > due => Some(false),
            None => None,
        }
    }

    /// Open and late now: as staff see it (`Ticket::is_overdue`).
    pub fn is_overdue(&self, now: DateTime<Utc>) -> bool {
        (self.status == Status::Received && now > self.respond_by)
            || (self.status.is_open() && self.resolve_by.is_some_and(|by| now > by))
    }

    fn hours_to_take_in_charge(&self) -> Option<f64> {
        self.taken_in_charge_at.map(|at| hours(self.created_at, at))
    }

    fn hours_to_resolve(&self) -> Option<f64> {
        self.resolved_at().map(|at| hours(self.created_at, at))
    }
}

fn hours(from: DateTime<Utc>, to: DateTime<Utc>) -> f64 {
    (to - from).num_seconds().max(0) as f64 / 3600.0
}

/// A filed ticket with its response times and targets worked out once, as every grouping
/// (all, office, topic, month) asks for them again.
struct Measured<'a> {
    facts: &'a TicketFacts,
    take_in_charge_hours: Option<f64>,
    resolution_hours: Option<f64>,
    taken_in_charge_on_time: Option<bool>,
    resolved_on_time: Option<bool>,
}

impl<'a> Measured<'a> {
    fn of(facts: &'a TicketFacts, now: DateTime<Utc>) -> Self {
        Self {
            facts,
            take_in_charge_hours: facts.hours_to_take_in_charge(),
            resolution_hours: facts.hours_to_resolve(),
            taken_in_charge_on_time: facts.taken_in_charge_on_time(now),
            resolved_on_time: facts.resolved_on_time(now),
        }
    }
}

/// One step that changes the number of open reports: +1 when filed or reopened, -1 when closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BacklogStep {
    pub at: DateTime<Utc>,
    pub delta: i64,
}

/// The longest period statistics cover.
pub const MAX_YEARS: u32 = 10;

/// The days the statistics cover (filing dates, Rome time, both included).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from: NaiveDate,
    pub to: NaiveDate,
}

impl Period {
    /// The given days, or by default the twelve calendar months up to today; never past
    /// today, and never more than [`MAX_YEARS`] years (a day per row of backlog would
    /// otherwise let one request ask for millennia).
    pub fn resolve(from: Option<NaiveDate>, to: Option<NaiveDate>, now: DateTime<Utc>) -> Self {
        let today = rome_date(now);
        let to = to.map_or(today, |to| to.min(today));
        let earliest = to
            .checked_sub_months(Months::new(12 * MAX_YEARS))
            .unwrap_or(to);
        let from = from
            .unwrap_or_else(|| {
                let first = to.with_day(1).expect("every month has a first day");
                first.checked_sub_months(Months::new(11)).unwrap_or(first)
            })
            .max(earliest);
        Self {
            from: from.min(to),
            to,
        }
    }

    pub fn starts_at(&self) -> DateTime<Utc> {
        start_of_rome_day(self.from)
    }

    pub fn ends_at(&self) -> DateTime<Utc> {
        end_of_rome_day(self.to)
    }

    /// The period's instants, worked out once: asked for every ticket, the Rome offsets
    /// behind them were a tenth of the statistics' time (docs/PERFORMANCE.md).
    fn instants(&self) -> std::ops::Range<DateTime<Utc>> {
        self.starts_at()..self.ends_at()
    }

    /// The first day of each month the period touches.
    fn months(&self) -> Vec<NaiveDate> {
        let mut months = Vec::new();
        let mut month = self.from.with_day(1).expect("every month has a first day");
        while month <= self.to {
            months.push(month);
            month = month
                .checked_add_months(Months::new(1))
                .expect("dates stay within chrono's range");
        }
        months
    }
}

/// A median and a 90th percentile, in hours (one decimal), over `count` reports.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Durations {
    pub count: u64,
    pub median_hours: Option<f64>,
    pub p90_hours: Option<f64>,
}

impl Durations {
    pub fn of(mut values: Vec<f64>) -> Self {
        values.sort_by(f64::total_cmp);
        let count = values.len();
        let median = match count {
            0 => None,
            n if n % 2 == 1 => Some(values[n / 2]),
            n => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
        };
        // Nearest rank: the ceil(0.9 n)-th value, counted from 1.
        let p90 = (count > 0).then(|| values[(count * 9).div_ceil(10) - 1]);
        Self {
            count: count as u64,
            median_hours: median.map(one_decimal),
            p90_hours: p90.map(one_decimal),
        }
    }
}

fn one_decimal(value: f64) -> f64 {
    (value * 10.0).round() / 10.0
}

/// How often a target was met: `share` is met / (met + missed), to three decimals.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Target {
    pub met: u64,
    pub missed: u64,
    pub share: Option<f64>,
}

impl Target {
    fn of(outcomes: impl Iterator<Item = Option<bool>>) -> Self {
        let (mut met, mut missed) = (0, 0);
        for outcome in outcomes.flatten() {
            if outcome {
                met += 1;
            } else {
                missed += 1;
            }
        }
        let share = (met + missed > 0)
            .then(|| (met as f64 / (met + missed) as f64 * 1000.0).round() / 1000.0);
        Self { met, missed, share }
    }
}

/// Response times of a set of reports.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Performance {
    pub reports: u64,
    pub take_in_charge: Durations,
    pub take_in_charge_target: Target,
    pub resolution: Durations,
    pub resolution_target: Target,
    /// How citizens rated the answers.
    pub satisfaction: Satisfaction,
}

/// The citizens' ratings of the answers (1 to 5 stars, from their tracking page).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Satisfaction {
    pub ratings: u64,
    /// Mean stars, two decimals; `None` under [`MIN_RATINGS`] ratings.
    pub average_stars: Option<f64>,
}

/// Ratings a mean is published from: fewer would let a narrow filter (one day, one topic)
/// tell the stars one citizen gave.
pub const MIN_RATINGS: u64 = 5;

impl Satisfaction {
    fn of(stars: impl Iterator<Item = u8>) -> Self {
        let (count, sum) = stars.fold((0u64, 0u64), |(n, sum), s| (n + 1, sum + u64::from(s)));
        Self {
            ratings: count,
            average_stars: (count >= MIN_RATINGS)
                .then(|| (sum as f64 / count as f64 * 100.0).round() / 100.0),
        }
    }
}

impl Performance {
    fn of(tickets: &[&Measured]) -> Self {
        Self {
            reports: tickets.len() as u64,
            take_in_charge: Durations::of(
                tickets
                    .iter()
                    .filter_map(|t| t.take_in_charge_hours)
                    .collect(),
            ),
            take_in_charge_target: Target::of(tickets.iter().map(|t| t.taken_in_charge_on_time)),
            resolution: Durations::of(tickets.iter().filter_map(|t| t.resolution_hours).collect()),
            resolution_target: Target::of(tickets.iter().map(|t| t.resolved_on_time)),
            satisfaction: Satisfaction::of(tickets.iter().filter_map(|t| t.facts.rating)),
        }
    }
}

/// A count under an identifier and its name in the reader's language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Count {
    pub id: String,
    pub name: String,
    pub count: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NamedPerformance {
    pub id: String,
    pub name: String,
    #[serde(flatten)]
    pub performance: Performance,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Month {
    /// `YYYY-MM`, Rome time.
    pub month: String,
    /// Filed that month.
    pub received: u64,
    /// Closed (resolved, rejected or merged) that month, whenever filed.
    pub closed: u64,
    pub resolved: u64,
    /// Response times of the reports filed that month.
    pub take_in_charge: Durations,
    pub resolution: Durations,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct BacklogDay {
    pub date: NaiveDate,
    /// Reports open at the end of the day.
    pub open: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Totals {
    /// Filed in the period.
    pub reports: u64,
    pub open: u64,
    pub closed: u64,
    pub resolved: u64,
    /// Open and past a target now.
    pub overdue: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Statistics {
    pub period: Period,
    pub generated_at: DateTime<Utc>,
    pub language: Language,
    pub totals: Totals,
    /// Response times of every report filed in the period.
    pub performance: Performance,
    pub by_status: Vec<Count>,
    pub by_theme: Vec<Count>,
    pub by_category: Vec<Count>,
    pub by_office: Vec<Count>,
    pub by_kind: Vec<Count>,
    pub by_month: Vec<Month>,
    pub performance_by_office: Vec<NamedPerformance>,
    pub performance_by_category: Vec<NamedPerformance>,
    pub backlog: Vec<BacklogDay>,
}

/// Statistics of `tickets` (those filed or closed in the period, with the filters applied)
/// and `steps` (every backlog step of the filtered tickets, any date).
pub fn compute(
    tickets: &[TicketFacts],
    steps: &[BacklogStep],
    period: Period,
    config: &ComuneConfig,
    language: Language,
    now: DateTime<Utc>,
) -> Statistics {
    let instants = period.instants();
    let measured: Vec<Measured> = tickets
        .iter()
        .filter(|t| instants.contains(&t.created_at))
        .map(|t| Measured::of(t, now))
        .collect();
    let filed: Vec<&Measured> = measured.iter().collect();
    let totals = Totals {
        reports: filed.len() as u64,
        open: filed.iter().filter(|t| t.facts.status.is_open()).count() as u64,
        closed: filed.iter().filter(|t| !t.facts.status.is_open()).count() as u64,
        resolved: filed
            .iter()
            .filter(|t| t.facts.status == Status::Resolved)
            .count() as u64,
        overdue: filed.iter().filter(|t| t.facts.is_overdue(now)).count() as u64,
    };
    let names = Names { config, language };
    // Counts and response times group by the same offices and categories.
    let offices = || config.offices.iter().map(|o| o.id.clone());
    let categories = || {
        config
            .themes
            .iter()
            .flat_map(|t| &t.categories)
            .map(|c| c.id.clone())
    };
    Statistics {
        period,
        generated_at: now,
        language,
        totals,
        performance: Performance::of(&filed),
        by_status: counts(
            &filed,
            Status::ALL.iter().map(|s| s.as_str().to_string()),
            |t| t.facts.status.as_str(),
            |id| names.status(id),
        ),
        by_theme: counts(
            &filed,
            config.themes.iter().map(|t| t.id.clone()),
            |t| &t.facts.theme,
            |id| names.theme(id),
        ),
        by_category: counts(
            &filed,
            categories(),
            |t| &t.facts.category,
            |id| names.category(id),
        ),
        by_office: counts(
            &filed,
            offices(),
            |t| &t.facts.office,
            |id| names.office(id),
        ),
        by_kind: counts(
            &filed,
            ReportKind::ALL.iter().map(|k| k.as_str().to_string()),
            |t| t.facts.kind.as_str(),
            |id| names.kind(id),
        ),
        by_month: months(tickets, &filed, period),
        performance_by_office: performances(
            &filed,
            offices(),
            |t| &t.facts.office,
            |id| names.office(id),
        ),
        performance_by_category: performances(
            &filed,
            categories(),
            |t| &t.facts.category,
            |id| names.category(id),
        ),
        backlog: backlog(steps, period, now),
    }
}

struct Names<'a> {
    config: &'a ComuneConfig,
    language: Language,
}

impl Names<'_> {
    fn status(&self, id: &str) -> String {
        Status::parse(id).map_or(id.to_string(), |s| s.label(self.language).to_string())
    }
    fn theme(&self, id: &str) -> String {
        self.config.theme_name(id, self.language)
    }
    fn category(&self, id: &str) -> String {
        self.config.category_name(id, self.language)
    }
    fn office(&self, id: &str) -> String {
        self.config.office_name(id, self.language)
    }
    fn kind(&self, id: &str) -> String {
        ReportKind::parse(id).map_or(id.to_string(), |k| k.label(self.language).to_string())
    }
}

/// Groups in the configuration's order (empty ones included, so charts keep their shape),
/// then any met only in the data (a category since removed), by identifier.
fn grouped<'a, 'b>(
    tickets: &[&'b Measured<'a>],
    known: impl Iterator<Item = String>,
    key: impl Fn(&'b Measured<'a>) -> &'a str,
) -> Vec<(String, Vec<&'b Measured<'a>>)> {
    let mut groups: Vec<(String, Vec<&Measured>)> = known.map(|id| (id, vec![])).collect();
    let mut others: BTreeMap<String, Vec<&Measured>> = BTreeMap::new();
    for &ticket in tickets {
        let id = key(ticket);
        if let Some((_, members)) = groups.iter_mut().find(|(known, _)| known == id) {
            members.push(ticket);
        } else if let Some(members) = others.get_mut(id) {
            members.push(ticket);
        } else {
            others.insert(id.to_string(), vec![ticket]);
        }
    }
    groups.extend(others);
    groups
}

fn counts<'a, 'b>(
    tickets: &[&'b Measured<'a>],
    known: impl Iterator<Item = String>,
    key: impl Fn(&'b Measured<'a>) -> &'a str,
    name: impl Fn(&str) -> String,
) -> Vec<Count> {
    grouped(tickets, known, key)
        .into_iter()
        .map(|(id, members)| Count {
            name: name(&id),
            count: members.len() as u64,
            id,
        })
        .collect()
}

fn performances<'a, 'b>(
    tickets: &[&'b Measured<'a>],
    known: impl Iterator<Item = String>,
    key: impl Fn(&'b Measured<'a>) -> &'a str,
    name: impl Fn(&str) -> String,
) -> Vec<NamedPerformance> {
    grouped(tickets, known, key)
        .into_iter()
        .map(|(id, members)| NamedPerformance {
            name: name(&id),
            performance: Performance::of(&members),
            id,
        })
        .collect()
}

fn months(all: &[TicketFacts], filed: &[&Measured], period: Period) -> Vec<Month> {
    #[derive(Default)]
    struct Tally<'a, 'b> {
        filed: Vec<&'b Measured<'a>>,
        closed: u64,
        resolved: u64,
    }
    let months = period.months();
    // Each month from the start of its first day, Rome time: an instant's month is the
    // last one starting by then (a search, not a date conversion per ticket).
    let starts: Vec<DateTime<Utc>> = months
        .iter()
        .map(|&first| start_of_rome_day(first))
        .collect();
    let month_of = |at: DateTime<Utc>| starts.partition_point(|start| *start <= at).checked_sub(1);
    let mut tallies: Vec<Tally> = months.iter().map(|_| Tally::default()).collect();
    for &ticket in filed {
        if let Some(tally) = month_of(ticket.facts.created_at).and_then(|i| tallies.get_mut(i)) {
            tally.filed.push(ticket);
        }
    }
    let instants = period.instants();
    for ticket in all {
        let Some(at) = ticket.closed_at.filter(|at| instants.contains(at)) else {
            continue;
        };
        if let Some(tally) = month_of(at).and_then(|i| tallies.get_mut(i)) {
            tally.closed += 1;
            tally.resolved += u64::from(ticket.status == Status::Resolved);
        }
    }
    months
        .into_iter()
        .zip(tallies)
        .map(|(first, tally)| Month {
            month: first.format("%Y-%m").to_string(),
            received: tally.filed.len() as u64,
            closed: tally.closed,
            resolved: tally.resolved,
            take_in_charge: Durations::of(
                tally
                    .filed
                    .iter()
                    .filter_map(|t| t.take_in_charge_hours)
                    .collect(),
            ),
            resolution: Durations::of(
                tally
                    .filed
                    .iter()
                    .filter_map(|t| t.resolution_hours)
                    .collect(),
            ),
        })
        .collect()
}

/// Open reports at the end of each day of the period, up to today.
fn backlog(steps: &[BacklogStep], period: Period, now: DateTime<Utc>) -> Vec<BacklogDay> {
    let last = period.to.min(rome_date(now));
    let mut steps: Vec<&BacklogStep> = steps.iter().collect();
    steps.sort_by_key(|s| s.at);
    let mut open: i64 = 0;
    let mut next = 0;
    let mut days = Vec::new();
    let mut day = period.from;
    while day <= last {
        let end = end_of_rome_day(day);
        while next < steps.len() && steps[next].at < end {
            open += steps[next].delta;
            next += 1;
        }
        days.push(BacklogDay {
            date: day,
            open: open.max(0) as u64,
        });
        day = day.succ_opt().expect("dates stay within chrono's range");
    }
    days
}

#[cfg(test)]
pub(crate) mod tests;
