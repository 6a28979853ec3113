//! The filters, search, sort and page of an office inbox, read from a query string such as
//! `?status=open&category=buche-stradali&overdue=true&q=via+roma&sort=due&page=2`.
//! Every bad parameter is reported by name; the store turns a valid query into SQL.

use crate::config::ComuneConfig;
use crate::field_error::{ErrorCollector, FieldErrors};
use crate::filters;
use crate::report::ReportKind;
use crate::staff::StaffId;
use crate::status::Status;
use crate::text;
use crate::ticket::Priority;
use crate::working_days::{end_of_rome_day, start_of_rome_day};
use chrono::{DateTime, Utc};

pub const DEFAULT_PER_PAGE: u32 = 25;
pub const MAX_PER_PAGE: u32 = 100;
/// Most rows one CSV export holds (more than a large comune files in a year per office).
pub const MAX_EXPORT_ROWS: u32 = 20_000;
const MAX_SEARCH: usize = 200;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Sort {
    /// Newest first.
    #[default]
    Newest,
    Oldest,
    /// Most recently changed first.
    Updated,
    /// Urgent first, then oldest.
    Priority,
    /// Nearest response deadline first.
    Due,
}

impl Sort {
    pub const ALL: [(Sort, &'static str); 5] = [
        (Sort::Newest, "newest"),
        (Sort::Oldest, "oldest"),
        (Sort::Updated, "updated"),
        (Sort::Priority, "priority"),
        (Sort::Due, "due"),
    ];
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AssigneeFilter {
    Me,
    Nobody,
    Person(StaffId),
}

#[derive(Debug, Clone, PartialEq, Default)]
pub struct InboxQuery {
    /// Only administrators may pick an office; others always see their own.
    pub office: Option<String>,
    /// Empty means every status.
    pub statuses: Vec<Status>,
    pub theme: Option<String>,
    pub category: Option<String>,
    pub kind: Option<ReportKind>,
    pub priority: Option<Priority>,
    /// Filed at or after this instant (start of the `from` day in Rome).
    pub filed_from: Option<DateTime<Utc>>,
    /// Filed before this instant (end of the `to` day in Rome).
    pub filed_before: Option<DateTime<Utc>>,
    pub overdue: bool,
    pub assignee: Option<AssigneeFilter>,
    /// Free text matched in the number, the description and the address.
    pub search: Option<String>,
    pub sort: Sort,
    pub page: u32,
    pub per_page: u32,
}

impl InboxQuery {
    /// Reads the query string's pairs; unknown parameters are refused, so typos show.
    pub fn parse(pairs: &[(String, String)], config: &ComuneConfig) -> Result<Self, FieldErrors> {
        let mut errors = ErrorCollector::default();
        let mut query = InboxQuery {
            page: 1,
            per_page: DEFAULT_PER_PAGE,
            ..Default::default()
        };
        let (mut from, mut to) = (None, None);
        for (key, value) in pairs {
            let value = value.trim();
            if value.is_empty() {
                continue;
            }
            match key.as_str() {
                "office" => query.office = filters::office(&mut errors, config, value),
                "status" => filters::statuses(&mut errors, value, &mut query.statuses),
                "theme" => query.theme = filters::theme(&mut errors, config, value),
                "category" => query.category = filters::category(&mut errors, config, value),
                "kind" => query.kind = filters::kind(&mut errors, value),
                "priority" => match Priority::parse(value) {
                    Some(priority) => query.priority = Some(priority),
                    None => errors.push(
                        "priority",
                        "unknown_priority",
                        "is low, normal, high or urgent",
                    ),
                },
                "from" => from = filters::date(&mut errors, "from", value),
                "to" => to = filters::date(&mut errors, "to", value),
                "overdue" => match value {
                    "true" | "1" | "on" => query.overdue = true,
                    "false" | "0" | "off" => query.overdue = false,
                    _ => errors.push("overdue", "not_a_boolean", "is true or false"),
                },
                "assignee" => {
                    query.assignee = match value {
                        "me" => Some(AssigneeFilter::Me),
                        "none" => Some(AssigneeFilter::Nobody),
                        id => match StaffId::parse(id) {
                            Ok(id) => Some(AssigneeFilter::Person(id)),
                            Err(_) => {
                                errors.push(
                                    "assignee",
                                    "unknown_assignee",
                                    "is me, none or a staff id",
                                );
                                None
                            }
                        },
                    }
                }
                "q" => match text::clean(value) {
                    Ok(search) if text::char_len(&search) <= MAX_SEARCH => {
                        query.search = Some(search)
                    }
                    Ok(_) => errors.push("q", "too_long", "search for at most 200 characters"),
                    Err(_) => errors.push("q", "control_characters", "contains control characters"),
                },
                "sort" => match Sort::ALL.iter().find(|(_, name)| *name == value) {
                    Some((sort, _)) => query.sort = *sort,
                    None => errors.push(
                        "sort",
                        "unknown_sort",
                        "is newest, oldest, updated, priority or due",
                    ),
                },
                "page" => {
                    if let Some(page) = filters::number(&mut errors, "page", value, 100_000) {
                        query.page = page;
                    }
                }
                "per_page" => {
                    if let Some(n) = filters::number(&mut errors, "per_page", value, MAX_PER_PAGE) {
                        query.per_page = n;
                    }
                }
                other => errors.push(other, "unknown_parameter", "is not a filter of the inbox"),
            }
        }
        filters::date_range(&mut errors, from, to);
        query.filed_from = from.map(start_of_rome_day);
        query.filed_before = to.map(end_of_rome_day);
        errors.finish(query)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests_support::demo_config;
    use chrono::TimeZone;

    fn parse(query: &str) -> Result<InboxQuery, FieldErrors> {
        InboxQuery::parse(&crate::filters::test_pairs(query), &demo_config())
    }

    #[test]
    fn an_empty_query_shows_the_first_page_of_everything_newest_first() {
        let query = parse("").unwrap();
        assert_eq!(query.page, 1);
        assert_eq!(query.per_page, 25);
        assert_eq!(query.sort, Sort::Newest);
        assert!(query.statuses.is_empty());
    }

    #[test]
    fn open_expands_to_the_three_open_statuses() {
        let query = parse("status=open,received").unwrap();
        assert_eq!(
            query.statuses,
            vec![Status::Received, Status::TakenInCharge, Status::InProgress]
        );
    }

    #[test]
    fn dates_are_whole_days_in_italian_time() {
        let query = parse("from=2026-11-02&to=2026-11-02").unwrap();
        assert_eq!(
            query.filed_from,
            Some(Utc.with_ymd_and_hms(2026, 11, 1, 23, 0, 0).unwrap())
        );
        assert_eq!(
            query.filed_before,
            Some(Utc.with_ymd_and_hms(2026, 11, 2, 23, 0, 0).unwrap())
        );
    }

    #[test]
    fn every_bad_parameter_is_named() {
        let errors = parse(
            "status=lost&category=ufo&kind=x&priority=max&from=2026-13-01&overdue=maybe&sort=best&page=0&per_page=500&colour=red",
        )
        .unwrap_err();
        assert_eq!(
            errors.fields(),
            vec![
                "status", "category", "kind", "priority", "from", "overdue", "sort", "page",
                "per_page", "colour"
            ]
        );
    }

    #[test]
    fn does_not_panic_on_a_date_at_either_end_of_chronos_range() {
        // Caught by fuzz/fuzz_targets/filters.rs, seeded with chrono's first and last days:
        // its %Y reads six-digit signed years, and those days have no bounds in Rome. The
        // open data reads its dates through the same `filters::date`.
        let pairs = |key: &str, value: &str| vec![(key.to_string(), value.to_string())];
        for (key, value) in [("to", "+262142-12-31"), ("from", "-262143-01-01")] {
            let errors = InboxQuery::parse(&pairs(key, value), &demo_config()).unwrap_err();
            assert_eq!(errors.fields(), vec![key]);
            let dataset = crate::open_data::query::Dataset::Reports;
            let errors = crate::open_data::query::OpenDataQuery::parse(
                &pairs(key, value),
                &demo_config(),
                dataset,
            )
            .unwrap_err();
            assert_eq!(errors.fields(), vec![key]);
        }
        assert!(parse("from=0001-01-01&to=9999-12-31").is_ok());
    }

    #[test]
    fn an_end_date_before_the_start_is_refused() {
        let errors = parse("from=2026-11-10&to=2026-11-01").unwrap_err();
        assert_eq!(errors.fields(), vec!["to"]);
    }

    #[test]
    fn search_text_is_cleaned_and_limited() {
        assert_eq!(
            parse("q=  via roma ").unwrap().search.as_deref(),
            Some("via roma")
        );
        assert_eq!(
            parse(&format!("q={}", "x".repeat(201)))
                .unwrap_err()
                .fields(),
            vec!["q"]
        );
    }
}
