//! What the fuzz targets share: the demo comune's configuration, a fixed clock, the
//! query-string decoding the Worker does before the core sees a form or a query, and the
//! invariants every validated report must satisfy whichever parser produced it.

use chrono::{DateTime, TimeZone, Utc};
use segnala_core::config::ComuneConfig;
use segnala_core::email::Email;
use segnala_core::report::answers::AnswerValue;
use segnala_core::report::{
    Phone, ValidReport, ADDRESS_MAX_CHARS, DESCRIPTION_MAX_CHARS, DESCRIPTION_MIN_CHARS,
    NAME_MAX_CHARS,
};
use segnala_core::{routing, text};
use serde::Serialize;
use serde_json::Value;
use std::sync::OnceLock;

/// The demo comune shipped in `config/` (themes with extra questions, zones, routing rules).
pub fn demo_config() -> &'static ComuneConfig {
    static CONFIG: OnceLock<ComuneConfig> = OnceLock::new();
    CONFIG.get_or_init(|| {
        ComuneConfig::from_json(include_str!("../../config/demo-bergamo.json"))
            .expect("the demo configuration is valid")
    })
}

/// "Now" for parsers that refuse the future: late in 2026, after every seed's dates.
pub fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 31, 12, 0, 0).unwrap()
}

/// Decodes `a=1&b=x+y%2Cz` as the Worker hands query strings and urlencoded forms to the
/// core: pairs split on `&` and the first `=`, `+` a space, `%XX` a byte. Undecodable
/// UTF-8 is replaced, as the runtime's URL parser does.
pub fn query_pairs(data: &[u8]) -> Vec<(String, String)> {
    data.split(|b| *b == b'&')
        .filter(|part| !part.is_empty())
        .map(|part| {
            let (key, value) = match part.iter().position(|b| *b == b'=') {
                Some(at) => (&part[..at], &part[at + 1..]),
                None => (part, &b""[..]),
            };
            (percent_decode(key), percent_decode(value))
        })
        .collect()
}

fn percent_decode(input: &[u8]) -> String {
    let mut out = Vec::with_capacity(input.len());
    let mut at = 0;
    while at < input.len() {
        match input[at] {
            b'+' => out.push(b' '),
            b'%' => match (
                input.get(at + 1).copied().and_then(hex),
                input.get(at + 2).copied().and_then(hex),
            ) {
                (Some(high), Some(low)) => {
                    out.push(high << 4 | low);
                    at += 2;
                }
                _ => out.push(b'%'),
            },
            byte => out.push(byte),
        }
        at += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn hex(byte: u8) -> Option<u8> {
    (byte as char).to_digit(16).map(|d| d as u8)
}

/// Borrowed pairs, as `from_form_fields` and `Open311Post::read` take them.
pub fn borrowed(pairs: &[(String, String)]) -> Vec<(&str, &str)> {
    pairs
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

/// Text that passed `text::clean` and a length limit: trimmed, no control characters but
/// line breaks (`\n` only) and tabs, non-empty, at most `max` characters, and cleaning it
/// again changes nothing.
pub fn assert_clean(field: &str, value: &str, max: usize) {
    assert!(!value.is_empty(), "{field} is empty");
    assert!(
        text::char_len(value) <= max,
        "{field} has {} characters, more than {max}",
        text::char_len(value)
    );
    assert_eq!(value, value.trim(), "{field} is not trimmed");
    assert!(
        !value
            .chars()
            .any(|c| c.is_control() && !matches!(c, '\n' | '\t')),
        "{field} holds control characters: {value:?}"
    );
    assert_eq!(
        text::clean(value).as_deref(),
        Ok(value),
        "{field} changes when cleaned again"
    );
}

/// Asserts that two values serialise alike, numbers within a couple of units in the last
/// place. JSON text does not always read back to the very same double: serde_json's
/// default number parser (the workspace does not enable `float_roundtrip`) may land one
/// unit off for 16- and 17-digit numbers, so a stored coordinate can move by about
/// 1e-15 degrees. Everything else must be equal.
pub fn assert_same<T: Serialize + std::fmt::Debug>(left: &T, right: &T, what: &str) {
    let (a, b) = (
        serde_json::to_value(left).expect("serialises"),
        serde_json::to_value(right).expect("serialises"),
    );
    assert!(
        same_json(&a, &b),
        "{what}: not the same\n left: {left:?}\nright: {right:?}"
    );
}

fn same_json(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) if x.is_f64() || y.is_f64() => {
            match (x.as_f64(), y.as_f64()) {
                (Some(x), Some(y)) => close(x, y),
                _ => false,
            }
        }
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_json(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len()
                && x.iter()
                    .all(|(key, x)| y.get(key).is_some_and(|y| same_json(x, y)))
        }
        _ => a == b,
    }
}

/// Equal, or at most two representable doubles apart.
pub fn close(x: f64, y: f64) -> bool {
    if x == y {
        return true;
    }
    if !x.is_finite() || !y.is_finite() || x.signum() != y.signum() {
        return false;
    }
    x.to_bits().abs_diff(y.to_bits()) <= 2
}

/// What every report that passed validation satisfies, whichever form it came in.
pub fn assert_valid_report(report: &ValidReport, config: &ComuneConfig) {
    let (theme, category) = config
        .category(&report.category)
        .expect("a valid report has a configured category");
    assert_eq!(theme.id, report.theme, "the category's theme");

    assert_clean("description", &report.description, DESCRIPTION_MAX_CHARS);
    assert!(text::char_len(&report.description) >= DESCRIPTION_MIN_CHARS);
    if let Some(address) = &report.address {
        assert_clean("address", address, ADDRESS_MAX_CHARS);
    }
    if let Some(name) = &report.reporter.name {
        assert_clean("reporter.name", name, NAME_MAX_CHARS);
    }
    assert!(
        report.location.is_some() || report.address.is_some(),
        "a report says where"
    );
    if let Some(point) = report.location {
        assert!(point.lat().is_finite() && (-90.0..=90.0).contains(&point.lat()));
        assert!(point.lon().is_finite() && (-180.0..=180.0).contains(&point.lon()));
        assert!(
            config.boundary.contains(point),
            "the point is in the comune"
        );
    }
    if let Some(email) = &report.reporter.email {
        assert_eq!(Email::parse(email.as_str()).as_ref(), Ok(email));
        assert!(email.as_str().len() <= 254 && email.as_str().contains('@'));
    }
    if let Some(phone) = &report.reporter.phone {
        assert_eq!(Phone::parse(phone.as_str()).as_ref(), Ok(phone));
    }

    // Answers: only the category's questions, each once, in the questions' order.
    let order: Vec<usize> = report
        .answers
        .iter()
        .map(|answer| {
            category
                .fields
                .iter()
                .position(|field| field.code == answer.code)
                .unwrap_or_else(|| panic!("answer to an unknown question {:?}", answer.code))
        })
        .collect();
    assert!(
        order.windows(2).all(|w| w[0] < w[1]),
        "answers out of order or repeated: {order:?}"
    );
    for answer in &report.answers {
        let field = category
            .fields
            .iter()
            .find(|f| f.code == answer.code)
            .unwrap();
        match &answer.value {
            AnswerValue::Number(n) => {
                assert!(n.is_finite());
                assert!(field.min.is_none_or(|min| *n >= min));
                assert!(field.max.is_none_or(|max| *n <= max));
                assert!(!field.integer || n.fract() == 0.0);
            }
            AnswerValue::Line(line) => {
                assert!(!line.contains(['\n', '\r', '\t']), "one line: {line:?}");
                assert!(text::char_len(line) <= segnala_core::report::answers::LINE_MAX_CHARS);
            }
            AnswerValue::Text(text) => {
                assert!(text::char_len(text) <= segnala_core::report::answers::TEXT_MAX_CHARS)
            }
            AnswerValue::Choice(key) => assert!(field.choice(key).is_some()),
            AnswerValue::Choices(keys) => {
                assert!(keys.iter().all(|key| field.choice(key).is_some()));
                let mut unique = keys.clone();
                unique.dedup();
                assert_eq!(&unique, keys, "a choice chosen twice");
            }
            AnswerValue::Date(day) => {
                use chrono::Datelike;
                assert!((1900..=2100).contains(&day.year()));
            }
        }
    }

    // Routed to an office that exists.
    let decision = routing::route(config, report);
    assert!(config.office(&decision.office).is_some(), "routed nowhere");

    // What the store keeps reads back as it was written.
    let stored = serde_json::to_string(report).expect("reports serialise");
    let back: ValidReport = serde_json::from_str(&stored).expect("a stored report reads back");
    assert_same(&back, report, "stored report round trip");
}
