//! Consistency checks that a JSON shape alone cannot express: identifiers unique and
//! well-formed, references that resolve, geometry that is closed, sensible limits.

use super::types::*;
use crate::field_error::{ErrorCollector, FieldErrors};
use crate::geo::Area;
use std::collections::HashSet;

const MAX_TARGET_DAYS: u16 = 365;

pub(super) fn validate(config: &ComuneConfig) -> Result<(), FieldErrors> {
    let mut errors = ErrorCollector::default();
    check_identifier(&mut errors, "id", &config.id);
    check_text(&mut errors, "name", &config.name, 200);
    check_url(&mut errors, "public_url", &config.public_url);
    if let Some(website) = &config.contacts.website {
        check_url(&mut errors, "contacts.website", website);
    }
    for (i, emergency) in config.emergency_numbers.iter().enumerate() {
        check_localized(
            &mut errors,
            &format!("emergency_numbers[{i}].label"),
            &emergency.label,
            100,
        );
        check_phone(
            &mut errors,
            &format!("emergency_numbers[{i}].number"),
            &emergency.number,
        );
    }
    check_area(&mut errors, "boundary", &config.boundary);
    check_map(&mut errors, config);
    check_photos(&mut errors, &config.photos);
    check_themes(&mut errors, &config.themes);
    check_offices(&mut errors, &config.offices);
    check_zones(&mut errors, &config.zones);
    check_routing(&mut errors, config);
    if let Some(mail) = &config.mail {
        check_mail(&mut errors, mail);
    }
    check_open_data(&mut errors, &config.open_data);
    check_branding(&mut errors, &config.branding);
    check_abuse(&mut errors, &config.abuse);
    if config.follow_up.reopen_days > 365 {
        errors.push(
            "follow_up.reopen_days",
            "out_of_range",
            "at most 365 days (0 turns reopening off)",
        );
    }
    if !(1..=100).contains(&config.follow_up.max_messages) {
        errors.push(
            "follow_up.max_messages",
            "out_of_range",
            "from 1 to 100 messages per report",
        );
    }
    if config.follow_up.nearby_metres > 2000 {
        errors.push(
            "follow_up.nearby_metres",
            "out_of_range",
            "at most 2000 metres (0 turns the suggestions off)",
        );
    }
    for (i, day) in config.local_holidays.iter().enumerate() {
        if !is_month_day(day) {
            errors.push(
                format!("local_holidays[{i}]"),
                "invalid_month_day",
                "holidays are written month-day, e.g. 08-26",
            );
        }
    }
    errors.finish(())
}

fn check_open_data(errors: &mut ErrorCollector, open_data: &OpenDataSettings) {
    check_text(
        errors,
        "open_data.licence.name",
        &open_data.licence.name,
        200,
    );
    check_url(errors, "open_data.licence.url", &open_data.licence.url);
    if !(1..=5).contains(&open_data.location_decimals) {
        errors.push(
            "open_data.location_decimals",
            "out_of_range",
            "between 1 (about 10 km) and 5 (about 1 m) decimal places",
        );
    }
}

fn check_abuse(errors: &mut ErrorCollector, abuse: &AbuseSettings) {
    for (field, value) in [
        (
            "reports_per_address_per_hour",
            abuse.reports_per_address_per_hour,
        ),
        (
            "reports_per_address_per_day",
            abuse.reports_per_address_per_day,
        ),
        ("reports_per_email_per_day", abuse.reports_per_email_per_day),
        (
            "actions_per_report_per_hour",
            abuse.actions_per_report_per_hour,
        ),
    ] {
        if value > 10_000 {
            errors.push(
                format!("abuse.{field}"),
                "out_of_range",
                "at most 10000 (0 turns the limit off)",
            );
        }
    }
    if abuse.reports_per_api_key_per_hour > 1_000_000 {
        errors.push(
            "abuse.reports_per_api_key_per_hour",
            "out_of_range",
            "at most 1000000 (0 turns the limit off)",
        );
    }
    if abuse.reports_per_address_per_day != 0
        && abuse.reports_per_address_per_day < abuse.reports_per_address_per_hour
    {
        errors.push(
            "abuse.reports_per_address_per_day",
            "out_of_range",
            "a day must allow at least as many reports as an hour",
        );
    }
    if let Some(turnstile) = &abuse.turnstile {
        let key = turnstile.site_key.trim();
        if key.is_empty()
            || key.len() > 100
            || !key
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        {
            errors.push(
                "abuse.turnstile.site_key",
                "invalid_site_key",
                "the widget's site key as Cloudflare shows it, e.g. 0x4AAAAAAA...",
            );
        }
        check_url(errors, "abuse.turnstile.script_url", &turnstile.script_url);
        check_url(errors, "abuse.turnstile.verify_url", &turnstile.verify_url);
    }
}

fn check_branding(errors: &mut ErrorCollector, branding: &Branding) {
    let Some(text) = &branding.primary_color else {
        return;
    };
    match crate::branding::Colour::parse(text) {
        None => errors.push(
            "branding.primary_color",
            "invalid_colour",
            "a colour written #rrggbb, e.g. #0066cc",
        ),
        Some(colour) if colour.contrast_with_white() < crate::branding::MINIMUM_CONTRAST => errors
            .push(
                "branding.primary_color",
                "low_contrast",
                format!(
                    "contrast with white is {:.2}:1; links and buttons need at least 4.5:1 (a darker shade)",
                    colour.contrast_with_white()
                ),
            ),
        Some(_) => {}
    }
}

fn check_mail(errors: &mut ErrorCollector, mail: &MailSettings) {
    if let Some(name) = &mail.from_name {
        check_text(errors, "mail.from_name", name, 100);
        // The name goes into a header: no line breaks, quotes or angle brackets.
        if name.contains(['\r', '\n', '"', '<', '>']) {
            errors.push(
                "mail.from_name",
                "invalid_sender_name",
                "must not contain line breaks, quotes or angle brackets",
            );
        }
    }
    if let Some(stream) = &mail.message_stream {
        let well_formed = !stream.is_empty()
            && stream.len() <= 64
            && stream
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
        if !well_formed {
            errors.push(
                "mail.message_stream",
                "invalid_identifier",
                "is 1-64 letters, digits, dashes and underscores",
            );
        }
    }
}

/// What configuration identifiers look like (themes, topics, offices...).
pub const IDENTIFIER_RULE: &str =
    "identifiers are 1-64 lowercase letters, digits and dashes, starting with a letter";

pub fn is_identifier(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= 64
        && id.starts_with(|c: char| c.is_ascii_lowercase())
        && id
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

fn check_identifier(errors: &mut ErrorCollector, field: &str, id: &str) {
    if !is_identifier(id) {
        errors.push(field, "invalid_identifier", IDENTIFIER_RULE);
    }
}

fn check_text(errors: &mut ErrorCollector, field: &str, text: &str, max: usize) {
    let length = crate::text::char_len(text.trim());
    if length == 0 {
        errors.push(field, "empty", "must not be empty");
    } else if length > max {
        errors.push(
            field,
            "too_long",
            format!("must be at most {max} characters"),
        );
    }
}

fn check_localized(errors: &mut ErrorCollector, field: &str, text: &LocalizedText, max: usize) {
    check_text(errors, &format!("{field}.it"), &text.it, max);
    if let Some(en) = &text.en {
        check_text(errors, &format!("{field}.en"), en, max);
    }
}

fn check_url(errors: &mut ErrorCollector, field: &str, url: &str) {
    let has_host = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .is_some_and(|rest| !rest.is_empty() && !rest.starts_with('/'));
    if !has_host || url.chars().any(char::is_whitespace) {
        errors.push(field, "invalid_url", "must be an absolute http(s) URL");
    }
}

fn check_phone(errors: &mut ErrorCollector, field: &str, number: &str) {
    let digits = number.chars().filter(char::is_ascii_digit).count();
    let allowed = number
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '+' | ' ' | '-' | '.' | '(' | ')'));
    if !allowed || !(3..=15).contains(&digits) {
        errors.push(
            field,
            "invalid_phone",
            "must be a phone number, e.g. 112 or +39 035 399111",
        );
    }
}

fn check_area(errors: &mut ErrorCollector, field: &str, area: &Area) {
    for (path, code, message) in area.problems() {
        errors.push(format!("{field}.{path}"), code, message);
    }
}

fn check_map(errors: &mut ErrorCollector, config: &ComuneConfig) {
    let map = &config.map;
    let placeholders = ["{z}", "{x}", "{y}"];
    if !placeholders.iter().all(|p| map.tile_url.contains(p)) {
        errors.push(
            "map.tile_url",
            "invalid_tile_url",
            "must be a tile URL template containing {z}, {x} and {y}",
        );
    } else {
        check_url(errors, "map.tile_url", &map.tile_url);
    }
    check_text(errors, "map.attribution", &map.attribution, 300);
    if !(1..=19).contains(&map.zoom) {
        errors.push("map.zoom", "out_of_range", "must be between 1 and 19");
    }
    if config.boundary.problems().is_empty() && !config.boundary.contains(map.center) {
        errors.push(
            "map.center",
            "outside_boundary",
            "the map centre must lie inside the boundary",
        );
    }
}

fn check_photos(errors: &mut ErrorCollector, photos: &PhotoLimits) {
    if photos.max_count > 10 {
        errors.push(
            "photos.max_count",
            "out_of_range",
            "must be between 0 and 10",
        );
    }
    if !(100 * 1024..=25 * 1024 * 1024).contains(&photos.max_bytes) {
        errors.push(
            "photos.max_bytes",
            "out_of_range",
            "must be between 102400 (100 KB) and 26214400 (25 MB)",
        );
    }
}

fn check_themes(errors: &mut ErrorCollector, themes: &[Theme]) {
    if themes.is_empty() {
        errors.push("themes", "empty", "at least one theme is needed");
    }
    let mut theme_ids = HashSet::new();
    let mut category_ids = HashSet::new();
    for (t, theme) in themes.iter().enumerate() {
        let path = format!("themes[{t}]");
        check_identifier(errors, &format!("{path}.id"), &theme.id);
        if !theme_ids.insert(theme.id.as_str()) {
            errors.push(
                format!("{path}.id"),
                "duplicate_identifier",
                format!("theme `{}` is defined twice", theme.id),
            );
        }
        check_localized(errors, &format!("{path}.name"), &theme.name, 100);
        if let Some(description) = &theme.description {
            check_localized(errors, &format!("{path}.description"), description, 500);
        }
        if theme.categories.is_empty() {
            errors.push(
                format!("{path}.categories"),
                "empty",
                "a theme needs at least one category",
            );
        }
        for (c, category) in theme.categories.iter().enumerate() {
            let path = format!("{path}.categories[{c}]");
            check_identifier(errors, &format!("{path}.id"), &category.id);
            if !category_ids.insert(category.id.as_str()) {
                errors.push(
                    format!("{path}.id"),
                    "duplicate_identifier",
                    format!(
                        "category `{}` is defined twice (category ids are unique across themes)",
                        category.id
                    ),
                );
            }
            check_localized(errors, &format!("{path}.name"), &category.name, 100);
            if let Some(description) = &category.description {
                check_localized(errors, &format!("{path}.description"), description, 500);
            }
            check_targets(errors, &format!("{path}.targets"), &category.targets);
            check_fields(errors, &format!("{path}.fields"), &category.fields);
            for (k, keyword) in category.keywords.iter().enumerate() {
                let bad = keyword.trim().is_empty()
                    || keyword.chars().count() > 50
                    || keyword.contains(',')
                    || keyword.chars().any(char::is_control);
                if bad {
                    errors.push(
                        format!("{path}.keywords[{k}]"),
                        "invalid_keyword",
                        "a word or short phrase of at most 50 characters, without commas",
                    );
                }
            }
        }
    }
}

/// Most questions a category may ask: the form stays short enough to finish on a phone.
pub const MAX_FIELDS_PER_CATEGORY: usize = 10;
const MAX_CHOICES: usize = 30;

fn check_fields(errors: &mut ErrorCollector, path: &str, fields: &[ExtraField]) {
    if fields.len() > MAX_FIELDS_PER_CATEGORY {
        errors.push(
            path,
            "too_many_fields",
            format!("a category asks at most {MAX_FIELDS_PER_CATEGORY} extra questions"),
        );
    }
    let mut codes = HashSet::new();
    for (f, field) in fields.iter().enumerate() {
        let path = format!("{path}[{f}]");
        check_identifier(errors, &format!("{path}.code"), &field.code);
        if !codes.insert(field.code.as_str()) {
            errors.push(
                format!("{path}.code"),
                "duplicate_identifier",
                format!("question `{}` is asked twice in this category", field.code),
            );
        }
        check_localized(errors, &format!("{path}.label"), &field.label, 150);
        if let Some(hint) = &field.hint {
            check_localized(errors, &format!("{path}.hint"), hint, 300);
        }
        if field.kind.has_choices() {
            if !(2..=MAX_CHOICES).contains(&field.choices.len()) {
                errors.push(
                    format!("{path}.choices"),
                    "out_of_range",
                    format!("a question with choices offers 2 to {MAX_CHOICES} of them"),
                );
            }
            let mut keys = HashSet::new();
            for (c, choice) in field.choices.iter().enumerate() {
                let path = format!("{path}.choices[{c}]");
                check_identifier(errors, &format!("{path}.key"), &choice.key);
                if !keys.insert(choice.key.as_str()) {
                    errors.push(
                        format!("{path}.key"),
                        "duplicate_identifier",
                        format!("choice `{}` is offered twice", choice.key),
                    );
                }
                check_localized(errors, &format!("{path}.label"), &choice.label, 100);
            }
        } else if !field.choices.is_empty() {
            errors.push(
                format!("{path}.choices"),
                "not_a_choice",
                "only choice and choices questions offer choices",
            );
        }
        if field.kind != FieldKind::Number {
            let number_only = [
                ("min", field.min.is_some()),
                ("max", field.max.is_some()),
                ("integer", field.integer),
            ];
            if let Some((setting, _)) = number_only.into_iter().find(|(_, set)| *set) {
                errors.push(
                    format!("{path}.{setting}"),
                    "not_a_number_field",
                    "only number questions have a minimum, a maximum or whole numbers",
                );
            }
        }
        if field.integer {
            // A fractional bound would make the form's own number box refuse every answer.
            for (setting, bound) in [("min", field.min), ("max", field.max)] {
                if bound.is_some_and(|b| b.fract() != 0.0) {
                    errors.push(
                        format!("{path}.{setting}"),
                        "not_an_integer",
                        "a whole-number question has whole-number bounds",
                    );
                }
            }
        }
        if let (Some(min), Some(max)) = (field.min, field.max) {
            if min > max {
                errors.push(
                    format!("{path}.max"),
                    "below_min",
                    "the maximum cannot be below the minimum",
                );
            }
        }
    }
}

fn check_targets(errors: &mut ErrorCollector, path: &str, targets: &ResponseTargets) {
    let range = 1..=MAX_TARGET_DAYS;
    if !range.contains(&targets.take_in_charge_days) {
        errors.push(
            format!("{path}.take_in_charge_days"),
            "out_of_range",
            "must be between 1 and 365 working days",
        );
    }
    if let Some(days) = targets.resolution_days {
        if !range.contains(&days) {
            errors.push(
                format!("{path}.resolution_days"),
                "out_of_range",
                "must be between 1 and 365 working days",
            );
        } else if days < targets.take_in_charge_days {
            errors.push(
                format!("{path}.resolution_days"),
                "before_take_in_charge",
                "cannot be shorter than take_in_charge_days",
            );
        }
    }
}

fn check_offices(errors: &mut ErrorCollector, offices: &[Office]) {
    if offices.is_empty() {
        errors.push("offices", "empty", "at least one office is needed");
    }
    let mut ids = HashSet::new();
    for (o, office) in offices.iter().enumerate() {
        let path = format!("offices[{o}]");
        check_identifier(errors, &format!("{path}.id"), &office.id);
        if !ids.insert(office.id.as_str()) {
            errors.push(
                format!("{path}.id"),
                "duplicate_identifier",
                format!("office `{}` is defined twice", office.id),
            );
        }
        check_localized(errors, &format!("{path}.name"), &office.name, 150);
        if let Some(phone) = &office.phone {
            check_phone(errors, &format!("{path}.phone"), phone);
        }
        check_text(
            errors,
            &format!("{path}.referent.name"),
            &office.referent.name,
            150,
        );
    }
}

fn check_zones(errors: &mut ErrorCollector, zones: &[Zone]) {
    let mut ids = HashSet::new();
    for (z, zone) in zones.iter().enumerate() {
        let path = format!("zones[{z}]");
        check_identifier(errors, &format!("{path}.id"), &zone.id);
        if !ids.insert(zone.id.as_str()) {
            errors.push(
                format!("{path}.id"),
                "duplicate_identifier",
                format!("zone `{}` is defined twice", zone.id),
            );
        }
        check_localized(errors, &format!("{path}.name"), &zone.name, 100);
        check_area(errors, &format!("{path}.area"), &zone.area);
    }
}

fn check_routing(errors: &mut ErrorCollector, config: &ComuneConfig) {
    let routing = &config.routing;
    if config.office(&routing.default_office).is_none() {
        errors.push(
            "routing.default_office",
            "unknown_office",
            format!("no office has id `{}`", routing.default_office),
        );
    }
    let mut ids = HashSet::new();
    for (r, rule) in routing.rules.iter().enumerate() {
        let path = format!("routing.rules[{r}]");
        check_identifier(errors, &format!("{path}.id"), &rule.id);
        if !ids.insert(rule.id.as_str()) {
            errors.push(
                format!("{path}.id"),
                "duplicate_identifier",
                format!("rule `{}` is defined twice", rule.id),
            );
        }
        if rule.theme.is_none() && rule.categories.is_empty() && rule.zone.is_none() {
            errors.push(
                path.clone(),
                "no_condition",
                "a rule needs a theme, categories or a zone (use default_office for the rest)",
            );
        }
        if let Some(theme) = &rule.theme {
            if config.theme(theme).is_none() {
                errors.push(
                    format!("{path}.theme"),
                    "unknown_theme",
                    format!("no theme has id `{theme}`"),
                );
            }
        }
        for (c, category) in rule.categories.iter().enumerate() {
            match config.category(category) {
                None => errors.push(
                    format!("{path}.categories[{c}]"),
                    "unknown_category",
                    format!("no category has id `{category}`"),
                ),
                Some((theme, _)) if rule.theme.as_ref().is_some_and(|t| t != &theme.id) => errors
                    .push(
                        format!("{path}.categories[{c}]"),
                        "category_outside_theme",
                        format!(
                        "category `{category}` belongs to theme `{}`, so this rule can never match",
                        theme.id
                    ),
                    ),
                Some(_) => {}
            }
        }
        if let Some(zone) = &rule.zone {
            if config.zone(zone).is_none() {
                errors.push(
                    format!("{path}.zone"),
                    "unknown_zone",
                    format!("no zone has id `{zone}`"),
                );
            }
        }
        if config.office(&rule.office).is_none() {
            errors.push(
                format!("{path}.office"),
                "unknown_office",
                format!("no office has id `{}`", rule.office),
            );
        }
    }
}

fn is_month_day(text: &str) -> bool {
    let Some((month, day)) = text.split_once('-') else {
        return false;
    };
    let parse = |s: &str| (s.len() == 2).then(|| s.parse::<u32>().ok()).flatten();
    match (parse(month), parse(day)) {
        (Some(m), Some(d)) => chrono::NaiveDate::from_ymd_opt(2024, m, d).is_some(),
        _ => false,
    }
}
