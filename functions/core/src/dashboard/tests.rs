//! The dashboard of the statistics' fixed first quarter (statistics/tests.rs): its figures
//! and rows are the hand-computed statistics written out, its charts are well-formed SVG
//! whose shapes say the same numbers.

use super::charts::{ticks, Series, Unit, XAxis, XLabel};
use super::numbers::*;
use super::*;
use crate::statistics::tests::first_quarter;

fn view(language: Language) -> DashboardView {
    let mut statistics = first_quarter();
    statistics.language = language;
    DashboardView::of(&statistics, language)
}

fn figure<'a>(view: &'a DashboardView, name: &str) -> &'a str {
    &view.figures.iter().find(|(n, _)| *n == name).unwrap().1
}

fn fragment<'a>(view: &'a DashboardView, name: &str) -> &'a str {
    &view.fragments.iter().find(|(n, _)| *n == name).unwrap().1
}

/// The fragment parsed as XML, which also proves it well-formed.
fn parse(html: &str) -> roxmltree::Document<'_> {
    // Leaked so that the document may borrow it for the rest of the test.
    let wrapped: &'static str = Box::leak(format!("<div>{html}</div>").into_boxed_str());
    roxmltree::Document::parse(wrapped).unwrap_or_else(|e| panic!("{e}: {html}"))
}

/// Each row's header and cells as text.
fn rows(html: &str) -> Vec<Vec<String>> {
    let document = parse(html);
    document
        .descendants()
        .filter(|n| n.has_tag_name("tr"))
        .map(|tr| {
            tr.children()
                .filter(|c| c.is_element())
                .map(|c| c.text().unwrap_or_default().to_string())
                .collect()
        })
        .collect()
}

#[test]
fn headline_figures_are_the_statistics_in_words() {
    let it = view(Language::It);
    assert_eq!(figure(&it, "period"), "1 gennaio 2026 – 31 marzo 2026");
    assert_eq!(figure(&it, "reports"), "6");
    assert_eq!(figure(&it, "open"), "3");
    assert_eq!(figure(&it, "resolved"), "2");
    assert_eq!(figure(&it, "overdue"), "2");
    // Medians of 4 h to take in charge and (48 + 24) / 2 = 36 h to resolve; 3 of 5 taken
    // in charge on time and 2 of 3 resolved on time (statistics/tests.rs).
    assert_eq!(figure(&it, "take-in-charge-median"), "4 ore");
    assert_eq!(figure(&it, "resolution-median"), "36 ore");
    assert_eq!(figure(&it, "take-in-charge-on-time"), "60%");
    assert_eq!(figure(&it, "resolution-on-time"), "67%");
    let en = view(Language::En);
    assert_eq!(figure(&en, "period"), "1 January 2026 – 31 March 2026");
    assert_eq!(figure(&en, "take-in-charge-median"), "4 hours");
}

#[test]
fn monthly_tables_carry_the_volumes_and_response_times_of_each_month() {
    let it = view(Language::It);
    // January: A and B filed; F and A closed, both resolved. February: C, D filed; C
    // rejected. March: E, G filed; G resolved.
    assert_eq!(
        rows(fragment(&it, "volumes-rows")),
        vec![
            vec!["gennaio 2026", "2", "2", "2"],
            vec!["febbraio 2026", "2", "1", "0"],
            vec!["marzo 2026", "2", "1", "1"],
        ]
    );
    // January: A in 2 h and B in 96 h, median 49 h = 2,0 days; p90 96 h = 4,0 days.
    // A resolved in 48 h = 2,0 days. February: C in 6 h; no resolution.
    let times = rows(fragment(&it, "times-rows"));
    assert_eq!(
        times[0],
        vec!["gennaio 2026", "2", "2,0", "4,0", "1", "2,0", "2,0"]
    );
    assert_eq!(
        times[1],
        vec!["febbraio 2026", "1", "0,3", "0,3", "0", "n.d.", "n.d."]
    );
    let en = view(Language::En);
    assert_eq!(rows(fragment(&en, "times-rows"))[1][5], "n/a");
}

#[test]
fn the_backlog_table_gives_the_open_reports_at_each_month_end() {
    // End of January: B open (F, A closed). February: B, D (C closed). March: B, D, E.
    assert_eq!(
        rows(fragment(&view(Language::It), "backlog-rows")),
        vec![
            vec!["31 gennaio 2026", "1"],
            vec!["28 febbraio 2026", "2"],
            vec!["31 marzo 2026", "3"],
        ]
    );
}

#[test]
fn office_and_category_tables_give_medians_percentiles_and_targets() {
    let it = view(Language::It);
    let offices = rows(fragment(&it, "offices-rows"));
    let roads = offices
        .iter()
        .find(|r| r[0] == "Servizio Manutenzione Strade e Mobilità")
        .expect("the roads office has a row");
    // Roads: A 2 h, B 96 h, G 1 h: median 2 h, p90 96 h; on time A and G, late B and D.
    // Resolved A in 48 h and G in 24 h: median 36 h = 1,5 days; both on time, while B
    // is in progress past its resolution target.
    assert_eq!(
        roads[1..],
        [
            "5",
            "0,1",
            "4,0",
            "50% (2 su 4)",
            "1,5",
            "2,0",
            "67% (2 su 3)"
        ]
    );
    // Every office of the configuration has a row, those without reports too.
    assert_eq!(
        offices.len(),
        crate::config::tests_support::demo_config().offices.len()
    );
    let idle = offices
        .iter()
        .find(|r| r[1] == "0")
        .expect("an idle office");
    assert_eq!(idle[2..], ["n.d.", "n.d.", "n.d.", "n.d.", "n.d.", "n.d."]);
}

#[test]
fn count_tables_give_the_share_of_all_reports() {
    let it = view(Language::It);
    let statuses = rows(fragment(&it, "statuses-rows"));
    assert!(statuses.contains(&vec!["Risolta".into(), "2".into(), "33%".into()]));
    let kinds = rows(fragment(&it, "kinds-rows"));
    assert!(kinds.contains(&vec!["Reclamo".into(), "1".into(), "17%".into()]));
}

#[test]
fn monthly_columns_are_as_high_as_their_values() {
    let it = view(Language::It);
    let document = parse(fragment(&it, "volumes-chart"));
    let svg = document
        .descendants()
        .find(|n| n.has_tag_name("svg"))
        .unwrap();
    assert_eq!(svg.attribute("role"), Some("img"));
    assert_eq!(svg.attribute("aria-labelledby"), Some("volumes-title"));
    let columns: Vec<(String, f64)> = svg
        .descendants()
        .filter(|n| n.has_tag_name("rect"))
        .map(|r| {
            let title = r.first_element_child().unwrap().text().unwrap().to_string();
            (title, r.attribute("height").unwrap().parse().unwrap())
        })
        .collect();
    // Three months, received and closed each.
    assert_eq!(columns.len(), 6);
    assert_eq!(columns[0].0, "gennaio 2026 · Ricevute: 2");
    assert_eq!(columns[3].0, "febbraio 2026 · Chiuse: 1");
    // Two reports reach the top tick (2); one is half as high.
    assert!((columns[0].1 - 2.0 * columns[3].1).abs() < 0.2);
    let legend: Vec<&str> = document
        .descendants()
        .filter(|n| n.has_tag_name("li"))
        .filter_map(|n| n.last_child().and_then(|t| t.text()))
        .collect();
    assert_eq!(legend, ["Ricevute", "Chiuse"]);
}

#[test]
fn a_line_breaks_where_a_month_has_nothing_to_measure() {
    let axis = XAxis {
        names: vec!["a".into(), "b".into(), "c".into(), "d".into()],
        labels: vec![XLabel {
            at: 0,
            text: "a".into(),
            sub: None,
        }],
    };
    let series = [Series {
        class: "series-1",
        name: "x".into(),
        values: vec![Some(1.0), Some(2.0), None, Some(4.0)],
    }];
    let svg = charts::lines(&axis, &series, Unit::Days, "t", Language::It);
    let document = parse(&svg);
    // a-b is a line; d stands alone, so it is only a point.
    assert_eq!(
        document
            .descendants()
            .filter(|n| n.has_tag_name("polyline"))
            .count(),
        1
    );
    assert_eq!(
        document
            .descendants()
            .filter(|n| n.has_tag_name("circle"))
            .count(),
        3
    );
}

#[test]
fn names_in_charts_and_tables_are_escaped() {
    let series = [Series {
        class: "series-1",
        name: "<b>".into(),
        values: vec![Some(1.0)],
    }];
    let svg = charts::bars(
        &["<script>alert(1)</script> & co".into()],
        &series,
        Unit::Count,
        "t",
        Language::It,
    );
    assert!(!svg.contains("<script>"));
    assert!(svg.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co"));
    parse(&svg);
    let mut out = String::new();
    row(&mut out, "<i>", &["\"x\"".into()]);
    assert_eq!(
        out,
        r#"<tr><th scope="row">&lt;i&gt;</th><td>&quot;x&quot;</td></tr>"#
    );
}

#[test]
fn every_fragment_is_well_formed_in_both_languages() {
    for language in [Language::It, Language::En] {
        for (name, html) in &view(language).fragments {
            assert!(!html.is_empty(), "{name} is empty");
            parse(html);
        }
    }
}

#[test]
fn axis_steps_are_round_numbers_reaching_the_largest_value() {
    assert_eq!(ticks(0.0, Unit::Count), [0.0, 1.0]);
    assert_eq!(ticks(2.0, Unit::Count), [0.0, 1.0, 2.0]);
    assert_eq!(ticks(2.0, Unit::Days), [0.0, 0.5, 1.0, 1.5, 2.0]);
    assert_eq!(ticks(7.0, Unit::Count), [0.0, 2.0, 4.0, 6.0, 8.0]);
    assert_eq!(
        ticks(43.0, Unit::Count),
        [0.0, 10.0, 20.0, 30.0, 40.0, 50.0]
    );
    assert_eq!(ticks(1234.0, Unit::Count), [0.0, 500.0, 1000.0, 1500.0]);
    assert_eq!(ticks(0.3, Unit::Days), [0.0, 0.1, 0.2, 0.3]);
}

#[test]
fn numbers_are_written_as_each_language_writes_them() {
    assert_eq!(integer(1_234_567, Language::It), "1.234.567");
    assert_eq!(integer(1_234_567, Language::En), "1,234,567");
    assert_eq!(integer(999, Language::It), "999");
    assert_eq!(one_decimal(1234.56, Language::It), "1.234,6");
    assert_eq!(one_decimal(0.04, Language::En), "0.0");
    assert_eq!(days(Some(36.0), Language::It), "1,5");
    assert_eq!(days(None, Language::It), "n.d.");
    assert_eq!(duration(Some(1.0), Language::It), "1 ora");
    assert_eq!(duration(Some(47.9), Language::En), "47.9 hours");
    assert_eq!(duration(Some(48.0), Language::It), "2 giorni");
    assert_eq!(duration(Some(60.0), Language::En), "2.5 days");
    assert_eq!(percent(Some(0.667), Language::It), "67%");
    assert_eq!(month_short("2026-03", Language::It), "mar 2026");
    assert_eq!(month_long("2026-03", Language::En), "March 2026");
}

#[test]
fn filter_choices_come_from_the_configuration_with_the_current_one_selected() {
    use super::form::FilterOptions;
    use crate::open_data::query::Filter;
    let config = crate::config::tests_support::demo_config();
    let filter = Filter {
        category: Some("buche-stradali".into()),
        kind: Some(crate::report::ReportKind::Reclamo),
        ..Filter::default()
    };
    let options = FilterOptions::of(&config, &filter, Language::En);
    let categories = parse(&options.categories);
    let selected: Vec<&str> = categories
        .descendants()
        .filter(|n| n.attribute("selected").is_some())
        .filter_map(|n| n.attribute("value"))
        .collect();
    assert_eq!(selected, ["buche-stradali"]);
    // One group per theme, named in the reader's language.
    assert_eq!(
        categories
            .descendants()
            .filter(|n| n.has_tag_name("optgroup"))
            .count(),
        config.themes.len()
    );
    assert!(options
        .kinds
        .contains(r#"<option value="reclamo" selected="selected">Complaint</option>"#));
    assert_eq!(
        parse(&options.offices)
            .descendants()
            .filter(|n| n.has_tag_name("option"))
            .count(),
        config.offices.len()
    );
    assert!(!options.themes.contains("selected"));
}

#[test]
fn the_filters_carry_over_to_the_downloads_and_the_map() {
    use super::form::query_string;
    use crate::open_data::query::Filter;
    assert_eq!(query_string(&Filter::default(), Language::It), "");
    let filter = Filter {
        from: chrono::NaiveDate::from_ymd_opt(2026, 1, 1),
        office: Some("strade-mobilita".into()),
        theme: Some("a b&c".into()),
        ..Filter::default()
    };
    assert_eq!(
        query_string(&filter, Language::En),
        "?from=2026-01-01&theme=a%20b%26c&office=strade-mobilita&lang=en"
    );
}

#[test]
fn the_year_is_written_under_the_first_label_of_each_year_even_when_january_is_skipped() {
    // Every second month from December 2025: January 2026 has no label.
    let shown = vec![
        (0, "2025-12".to_string()),
        (2, "2026-02".to_string()),
        (4, "2026-04".to_string()),
    ];
    let labels = labels_with_years(shown, Language::It);
    let years: Vec<Option<&str>> = labels.iter().map(|l| l.sub.as_deref()).collect();
    assert_eq!(years, [Some("2025"), Some("2026"), None]);
    assert_eq!(labels[1].text, "feb");
}

#[test]
fn short_durations_are_not_drawn_finer_than_their_labels() {
    assert_eq!(ticks(0.16, Unit::Days), [0.0, 0.1, 0.2]);
    assert_eq!(duration(Some(47.96), Language::It), "2 giorni");
}
