//! The public dashboard ("cruscotto"): the open-data statistics turned into what its page
//! shows. Headline figures, SVG charts, and for every chart a table with the same numbers,
//! so that nothing is told by a picture alone. The Worker puts these fragments into the page
//! Zola built (which holds the headings and column names in both languages); the page is
//! complete without JavaScript, which only adds the map.

pub mod charts;
pub mod form;
pub mod numbers;

use crate::html::escape;
use crate::italian_time::{format_datetime, format_day};
use crate::report::Language;
use crate::statistics::{Count, NamedPerformance, Statistics, Target};
use charts::{Series, Unit, XAxis, XLabel};
use numbers::{
    days, duration, integer, month_long, month_short, not_available, one_decimal, percent,
};
use std::fmt::Write;

/// Everything the page fills in: `figures` are plain text, `fragments` are HTML (escaped
/// here), each under the name of its slot in the page.
#[derive(Debug, Clone, PartialEq)]
pub struct DashboardView {
    pub figures: Vec<(&'static str, String)>,
    pub fragments: Vec<(&'static str, String)>,
}

struct Words {
    received: &'static str,
    closed: &'static str,
    take_in_charge: &'static str,
    resolution: &'static str,
    open: &'static str,
    reports: &'static str,
    of: &'static str,
}

fn words(language: Language) -> Words {
    match language {
        Language::It => Words {
            received: "Ricevute",
            closed: "Chiuse",
            take_in_charge: "Presa in carico, mediana in giorni",
            resolution: "Risoluzione, mediana in giorni",
            open: "Aperte",
            reports: "Segnalazioni",
            of: "su",
        },
        Language::En => Words {
            received: "Received",
            closed: "Closed",
            take_in_charge: "Taken in charge, median in days",
            resolution: "Resolution, median in days",
            open: "Open",
            reports: "Reports",
            of: "of",
        },
    }
}

/// `4,3 su 5 (128 valutazioni)`, or "not available" without ratings.
fn satisfaction(satisfaction: &crate::statistics::Satisfaction, language: Language) -> String {
    match satisfaction.average_stars {
        None if satisfaction.ratings == 0 => not_available(language).to_string(),
        // Too few to average without telling one citizen's stars.
        None => {
            let count = integer(satisfaction.ratings, language);
            match language {
                Language::It => format!(
                    "{} ({count} valutazioni, troppo poche)",
                    not_available(language)
                ),
                Language::En => format!("{} ({count} ratings, too few)", not_available(language)),
            }
        }
        Some(stars) => {
            let count = integer(satisfaction.ratings, language);
            match language {
                Language::It => format!(
                    "{} su 5 ({count} valutazioni)",
                    one_decimal(stars, language)
                ),
                Language::En => format!("{} of 5 ({count} ratings)", one_decimal(stars, language)),
            }
        }
    }
}

impl DashboardView {
    pub fn of(statistics: &Statistics, language: Language) -> Self {
        let s = statistics;
        let w = words(language);
        let totals = &s.totals;
        let overall = &s.performance;
        let figures = vec![
            (
                "period",
                format!(
                    "{} – {}",
                    format_day(s.period.from, language),
                    format_day(s.period.to, language)
                ),
            ),
            ("generated", format_datetime(s.generated_at, language)),
            ("reports", integer(totals.reports, language)),
            ("open", integer(totals.open, language)),
            ("resolved", integer(totals.resolved, language)),
            ("overdue", integer(totals.overdue, language)),
            (
                "take-in-charge-median",
                duration(overall.take_in_charge.median_hours, language),
            ),
            (
                "resolution-median",
                duration(overall.resolution.median_hours, language),
            ),
            (
                "take-in-charge-on-time",
                percent(overall.take_in_charge_target.share, language),
            ),
            (
                "resolution-on-time",
                percent(overall.resolution_target.share, language),
            ),
            (
                "satisfaction",
                satisfaction(&overall.satisfaction, language),
            ),
        ];

        let months = month_axis(s, language);
        let volumes = [
            Series {
                class: "series-1",
                name: w.received.into(),
                values: s.by_month.iter().map(|m| Some(m.received as f64)).collect(),
            },
            Series {
                class: "series-2",
                name: w.closed.into(),
                values: s.by_month.iter().map(|m| Some(m.closed as f64)).collect(),
            },
        ];
        let times = [
            Series {
                class: "series-1",
                name: w.take_in_charge.into(),
                values: s
                    .by_month
                    .iter()
                    .map(|m| m.take_in_charge.median_hours.map(|h| h / 24.0))
                    .collect(),
            },
            Series {
                class: "series-2",
                name: w.resolution.into(),
                values: s
                    .by_month
                    .iter()
                    .map(|m| m.resolution.median_hours.map(|h| h / 24.0))
                    .collect(),
            },
        ];
        let backlog = [Series {
            class: "series-1",
            name: w.open.into(),
            values: s.backlog.iter().map(|d| Some(d.open as f64)).collect(),
        }];

        let fragments = vec![
            (
                "volumes-chart",
                legend(&volumes)
                    + &charts::columns(&months, &volumes, Unit::Count, "volumes-title", language),
            ),
            ("volumes-rows", volume_rows(s, language)),
            (
                "times-chart",
                legend(&times)
                    + &charts::lines(&months, &times, Unit::Days, "times-title", language),
            ),
            ("times-rows", time_rows(s, language)),
            (
                "backlog-chart",
                charts::lines(
                    &day_axis(s, language),
                    &backlog,
                    Unit::Count,
                    "backlog-title",
                    language,
                ),
            ),
            ("backlog-rows", backlog_rows(s, language)),
            (
                "offices-chart",
                performance_chart(&s.performance_by_office, &w, "offices-title", language),
            ),
            (
                "offices-rows",
                performance_rows(&s.performance_by_office, &w, language),
            ),
            (
                "categories-chart",
                performance_chart(&s.performance_by_category, &w, "categories-title", language),
            ),
            (
                "categories-rows",
                performance_rows(&s.performance_by_category, &w, language),
            ),
            (
                "themes-chart",
                count_chart(&s.by_theme, &w, "themes-title", language),
            ),
            (
                "themes-rows",
                count_rows(&s.by_theme, totals.reports, language),
            ),
            (
                "statuses-rows",
                count_rows(&s.by_status, totals.reports, language),
            ),
            (
                "kinds-rows",
                count_rows(&s.by_kind, totals.reports, language),
            ),
        ];
        Self { figures, fragments }
    }
}

/// A key to the colours of a chart's series; screen readers take the table instead.
fn legend(series: &[Series]) -> String {
    let mut out = String::from(r#"<ul class="chart-legend" aria-hidden="true">"#);
    for s in series {
        let _ = write!(
            out,
            r#"<li><span class="swatch {}"></span>{}</li>"#,
            s.class,
            escape(&s.name)
        );
    }
    out + "</ul>"
}

/// Every month labelled; the year under January and under the first month.
fn month_axis(s: &Statistics, language: Language) -> XAxis {
    let names: Vec<String> = s
        .by_month
        .iter()
        .map(|m| month_long(&m.month, language))
        .collect();
    // Too many months for a label each: every second, third... so they never overlap.
    let every = s.by_month.len().div_ceil(12).max(1);
    let shown: Vec<(usize, String)> = s
        .by_month
        .iter()
        .enumerate()
        .filter(|(index, _)| index.is_multiple_of(every))
        .map(|(index, m)| (index, m.month.clone()))
        .collect();
    XAxis {
        names,
        labels: labels_with_years(shown, language),
    }
}

/// Every day, labelled at the first of each month (or of every few months).
fn day_axis(s: &Statistics, language: Language) -> XAxis {
    use chrono::Datelike;
    let names = s
        .backlog
        .iter()
        .map(|d| format_day(d.date, language))
        .collect();
    let firsts: Vec<usize> = s
        .backlog
        .iter()
        .enumerate()
        .filter(|(index, d)| d.date.day() == 1 || *index == 0)
        .map(|(index, _)| index)
        .collect();
    let every = firsts.len().div_ceil(12).max(1);
    let shown = firsts
        .iter()
        .step_by(every)
        .map(|&index| (index, s.backlog[index].date.format("%Y-%m").to_string()))
        .collect();
    XAxis {
        names,
        labels: labels_with_years(shown, language),
    }
}

/// Month labels at the given points (`YYYY-MM`), the year under the first label of each
/// year shown, whichever months were skipped.
fn labels_with_years(shown: Vec<(usize, String)>, language: Language) -> Vec<XLabel> {
    let mut last_year = String::new();
    shown
        .into_iter()
        .map(|(at, month)| {
            let short = month_short(&month, language);
            let (name, year) = short.split_once(' ').unwrap_or((&short, ""));
            let new_year = year != last_year;
            last_year = year.to_string();
            XLabel {
                at,
                text: name.to_string(),
                sub: new_year.then(|| year.to_string()),
            }
        })
        .collect()
}

fn row(out: &mut String, header: &str, cells: &[String]) {
    let _ = write!(out, r#"<tr><th scope="row">{}</th>"#, escape(header));
    for cell in cells {
        let _ = write!(out, "<td>{}</td>", escape(cell));
    }
    out.push_str("</tr>");
}

fn volume_rows(s: &Statistics, language: Language) -> String {
    let mut out = String::new();
    for m in &s.by_month {
        row(
            &mut out,
            &month_long(&m.month, language),
            &[
                integer(m.received, language),
                integer(m.closed, language),
                integer(m.resolved, language),
            ],
        );
    }
    out
}

fn time_rows(s: &Statistics, language: Language) -> String {
    let mut out = String::new();
    for m in &s.by_month {
        row(
            &mut out,
            &month_long(&m.month, language),
            &[
                integer(m.take_in_charge.count, language),
                days(m.take_in_charge.median_hours, language),
                days(m.take_in_charge.p90_hours, language),
                integer(m.resolution.count, language),
                days(m.resolution.median_hours, language),
                days(m.resolution.p90_hours, language),
            ],
        );
    }
    out
}

/// The open reports at the end of each month (and of the last day shown).
fn backlog_rows(s: &Statistics, language: Language) -> String {
    use chrono::Datelike;
    let mut out = String::new();
    for (index, day) in s.backlog.iter().enumerate() {
        let last_of_month = s
            .backlog
            .get(index + 1)
            .is_none_or(|next| next.date.month() != day.date.month());
        if last_of_month {
            row(
                &mut out,
                &format_day(day.date, language),
                &[integer(day.open, language)],
            );
        }
    }
    out
}

fn target(t: &Target, w: &Words, language: Language) -> String {
    match t.share {
        Some(_) => format!(
            "{} ({} {} {})",
            percent(t.share, language),
            integer(t.met, language),
            w.of,
            integer(t.met + t.missed, language)
        ),
        None => percent(None, language),
    }
}

fn performance_rows(groups: &[NamedPerformance], w: &Words, language: Language) -> String {
    let mut out = String::new();
    for g in groups {
        let p = &g.performance;
        row(
            &mut out,
            &g.name,
            &[
                integer(p.reports, language),
                days(p.take_in_charge.median_hours, language),
                days(p.take_in_charge.p90_hours, language),
                target(&p.take_in_charge_target, w, language),
                days(p.resolution.median_hours, language),
                days(p.resolution.p90_hours, language),
                target(&p.resolution_target, w, language),
            ],
        );
    }
    out
}

/// Median days to take in charge and to resolve, for the groups that had reports.
fn performance_chart(
    groups: &[NamedPerformance],
    w: &Words,
    labelled_by: &str,
    language: Language,
) -> String {
    let shown: Vec<&NamedPerformance> = groups
        .iter()
        .filter(|g| g.performance.reports > 0)
        .collect();
    let series = [
        Series {
            class: "series-1",
            name: w.take_in_charge.into(),
            values: shown
                .iter()
                .map(|g| g.performance.take_in_charge.median_hours.map(|h| h / 24.0))
                .collect(),
        },
        Series {
            class: "series-2",
            name: w.resolution.into(),
            values: shown
                .iter()
                .map(|g| g.performance.resolution.median_hours.map(|h| h / 24.0))
                .collect(),
        },
    ];
    let names: Vec<String> = shown.iter().map(|g| g.name.clone()).collect();
    legend(&series) + &charts::bars(&names, &series, Unit::Days, labelled_by, language)
}

fn count_chart(counts: &[Count], w: &Words, labelled_by: &str, language: Language) -> String {
    let series = [Series {
        class: "series-1",
        name: w.reports.into(),
        values: counts.iter().map(|c| Some(c.count as f64)).collect(),
    }];
    let names: Vec<String> = counts.iter().map(|c| c.name.clone()).collect();
    charts::bars(&names, &series, Unit::Count, labelled_by, language)
}

fn count_rows(counts: &[Count], total: u64, language: Language) -> String {
    let mut out = String::new();
    for c in counts {
        let share = (total > 0).then(|| c.count as f64 / total as f64);
        row(
            &mut out,
            &c.name,
            &[integer(c.count, language), percent(share, language)],
        );
    }
    out
}

#[cfg(test)]
mod tests;
