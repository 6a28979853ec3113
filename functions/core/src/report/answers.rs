//! Answers to the extra questions of a category (`fields` in the configuration, Open311
//! attributes): checked against the question's kind, stored with the ticket, shown to
//! staff. They may hold personal data (a licence plate), so nothing public carries them.

use crate::config::{Category, ExtraField, FieldKind};
use crate::field_error::ErrorCollector;
use crate::italian_time::{format_day, rome_offset_hours};
use crate::report::Language;
use crate::text;
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

pub const LINE_MAX_CHARS: usize = 200;
pub const TEXT_MAX_CHARS: usize = 2000;
/// More answers than any category has questions is not a mistake but noise.
const MAX_ANSWERS: usize = 50;

/// An answer as a client sends it: text, a number, or a list of choices.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged, expecting = "an answer is text, a number or a list of texts")]
pub enum AnswerInput {
    Number(f64),
    Text(String),
    List(Vec<String>),
}

impl AnswerInput {
    /// The values a form sent under one question's name: one value is one answer, several
    /// (or a name marked as a list, like Open311's `attribute[code][]`) a list.
    pub fn from_values(mut values: Vec<String>, listed: bool) -> Self {
        if values.len() == 1 && !listed {
            Self::Text(values.remove(0))
        } else {
            Self::List(values)
        }
    }

    fn is_blank(&self) -> bool {
        match self {
            Self::Number(_) => false,
            Self::Text(text) => text.trim().is_empty(),
            Self::List(items) => items.iter().all(|item| item.trim().is_empty()),
        }
    }
}

/// A checked answer, kept with the ticket: `{"code": "...", "kind": "date", "value": "2026-11-20"}`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Answer {
    pub code: String,
    #[serde(flatten)]
    pub value: AnswerValue,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum AnswerValue {
    Line(String),
    Text(String),
    Number(f64),
    Date(NaiveDate),
    Choice(String),
    Choices(Vec<String>),
}

/// A question and its answer in words, for staff (the ticket page, the CSV export).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DescribedAnswer {
    pub code: String,
    pub question: String,
    pub answer: String,
}

/// Checks the answers against the category's questions, in the questions' order; every
/// problem is reported as `answers.{code}`. `on_page` lists the questions a web form asked
/// as they are now ([`asked_on_page`]): a question the page did not ask, or asked in another
/// form (added or changed since the site was built), is not held against its citizen — not
/// required, and an answer that no longer fits it is left out rather than refused.
pub fn check(
    errors: &mut ErrorCollector,
    fields: &[ExtraField],
    input: Option<&BTreeMap<String, AnswerInput>>,
    on_page: Option<&[String]>,
) -> Vec<Answer> {
    let empty = BTreeMap::new();
    let input = input.unwrap_or(&empty);
    if input.len() > MAX_ANSWERS {
        errors.push(
            "answers",
            "too_many_answers",
            format!("at most {MAX_ANSWERS} answers"),
        );
        return vec![];
    }
    for code in input.keys() {
        if !fields.iter().any(|field| &field.code == code) {
            let field = if code.len() <= 64 && !code.contains(char::is_control) {
                format!("answers.{code}")
            } else {
                "answers".to_string()
            };
            errors.push(
                field,
                "unknown_question",
                "this category asks no such question",
            );
        }
    }
    fields
        .iter()
        .filter_map(|field| {
            let name = format!("answers.{}", field.code);
            let asked = on_page.is_none_or(|codes| codes.contains(&field.code));
            match input.get(&field.code).filter(|answer| !answer.is_blank()) {
                None if field.required && asked => {
                    errors.push(name, "required", "answer this question");
                    None
                }
                None => None,
                Some(answer) => match value_of(field, answer) {
                    Ok(value) => Some(Answer {
                        code: field.code.clone(),
                        value,
                    }),
                    Err((code, message)) if asked => {
                        errors.push(name, code, message);
                        None
                    }
                    Err(_) => None,
                },
            }
        })
        .collect()
}

/// The questions of a category that a page built from `built` asks exactly as `live`
/// does: same code, kind, choices and bounds (a reworded label asks the same thing).
pub fn asked_on_page(built: &[ExtraField], live: &[ExtraField]) -> Vec<String> {
    let same = |a: &ExtraField, b: &ExtraField| {
        let keys = |f: &ExtraField| f.choices.iter().map(|c| c.key.clone()).collect::<Vec<_>>();
        a.kind == b.kind
            && keys(a) == keys(b)
            && a.min == b.min
            && a.max == b.max
            && a.integer == b.integer
    };
    live.iter()
        .filter(|field| {
            built
                .iter()
                .any(|page| page.code == field.code && same(page, field))
        })
        .map(|field| field.code.clone())
        .collect()
}

type Problem = (&'static str, String);

fn value_of(field: &ExtraField, answer: &AnswerInput) -> Result<AnswerValue, Problem> {
    let single = || match answer {
        AnswerInput::Text(text) => Ok(text.clone()),
        // A number where text is asked (a lamp post's number sent as 1234) is its digits.
        AnswerInput::Number(number) => Ok(number.to_string()),
        AnswerInput::List(items) => match non_blank(items).as_slice() {
            [one] => Ok(one.to_string()),
            _ => Err(("not_a_list", "one answer, not a list".to_string())),
        },
    };
    match field.kind {
        FieldKind::Line => line(&single()?, LINE_MAX_CHARS, false).map(AnswerValue::Line),
        FieldKind::Text => line(&single()?, TEXT_MAX_CHARS, true).map(AnswerValue::Text),
        FieldKind::Number => {
            let number = match answer {
                AnswerInput::Number(number) => Some(*number),
                _ => parse_number(&single()?),
            };
            let number = number
                .filter(|n| n.is_finite())
                .ok_or(("invalid_number", "must be a number".to_string()))?;
            if field.integer && number.fract() != 0.0 {
                return Err(("not_an_integer", "must be a whole number".to_string()));
            }
            let below = field.min.is_some_and(|min| number < min);
            let above = field.max.is_some_and(|max| number > max);
            if below || above {
                return Err(("out_of_range", range_text(field)));
            }
            Ok(AnswerValue::Number(number))
        }
        FieldKind::Date => parse_date(&single()?).map(AnswerValue::Date).ok_or((
            "invalid_date",
            "a day written YYYY-MM-DD (or DD/MM/YYYY)".to_string(),
        )),
        FieldKind::Choice => {
            let key = single()?;
            let key = key.trim();
            field
                .choice(key)
                .map(|choice| AnswerValue::Choice(choice.key.clone()))
                .ok_or_else(|| unknown_choice(field))
        }
        FieldKind::Choices => {
            let given: Vec<&str> = match answer {
                AnswerInput::List(items) => non_blank(items),
                _ => vec![],
            };
            let given = if given.is_empty() {
                vec![single()?]
            } else {
                given.into_iter().map(String::from).collect()
            };
            if given.iter().any(|key| field.choice(key.trim()).is_none()) {
                return Err(unknown_choice(field));
            }
            // Kept in the order the question offers them, each once.
            let chosen = field
                .choices
                .iter()
                .filter(|choice| given.iter().any(|key| key.trim() == choice.key))
                .map(|choice| choice.key.clone())
                .collect();
            Ok(AnswerValue::Choices(chosen))
        }
    }
}

fn non_blank(items: &[String]) -> Vec<&str> {
    items
        .iter()
        .map(|item| item.trim())
        .filter(|item| !item.is_empty())
        .collect()
}

fn line(text: &str, max: usize, multiline: bool) -> Result<String, Problem> {
    let cleaned = text::clean(text)
        .map_err(|code| (code, "contains control characters".to_string()))?
        // A carriage return alone breaks a line too (old Macs, some clients).
        .replace('\r', "\n");
    let cleaned = if multiline {
        cleaned
    } else {
        if cleaned.contains('\n') {
            return Err(("not_one_line", "one line, without line breaks".to_string()));
        }
        // A tab pasted from a spreadsheet is a space in a one-line answer.
        cleaned.replace('\t', " ")
    };
    if text::char_len(&cleaned) > max {
        return Err(("too_long", format!("must be at most {max} characters")));
    }
    Ok(cleaned)
}

fn unknown_choice(field: &ExtraField) -> Problem {
    let keys: Vec<&str> = field.choices.iter().map(|c| c.key.as_str()).collect();
    (
        "unknown_choice",
        format!("choose among {}", keys.join(", ")),
    )
}

/// A number as people read it: `2,5` in Italian, `2.5` in English; whole numbers without
/// decimals.
pub fn format_number(number: f64, language: Language) -> String {
    match language {
        Language::It => number.to_string().replace('.', ","),
        Language::En => number.to_string(),
    }
}

fn range_text(field: &ExtraField) -> String {
    match (field.min, field.max) {
        (Some(min), Some(max)) => format!("must be between {min} and {max}"),
        (Some(min), None) => format!("must be at least {min}"),
        (None, Some(max)) => format!("must be at most {max}"),
        (None, None) => String::new(),
    }
}

/// `12`, `12.5` or, as Italians write it, `12,5`.
fn parse_number(text: &str) -> Option<f64> {
    let text = text.trim();
    let text = if text.contains(',') && !text.contains('.') {
        text.replacen(',', ".", 1)
    } else {
        text.to_string()
    };
    text.parse().ok()
}

/// A day as a date input sends it (`2026-11-20`), as Italians write it (`20/11/2026`), or an
/// Open311 client's date-time (`2026-11-20T08:30:00+01:00`), taken as its day in Italy.
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let text = text.trim();
    // chrono's %Y takes any number of digits: `20/11/26` would be the year 26.
    let four_digit_year = |day: &NaiveDate| (1000..=9999).contains(&day.year());
    NaiveDate::parse_from_str(text, "%Y-%m-%d")
        .ok()
        .filter(|_| text.get(4..5) == Some("-"))
        .or_else(|| {
            NaiveDate::parse_from_str(text, "%d/%m/%Y")
                .ok()
                .filter(|_| text.rsplit('/').next().is_some_and(|year| year.len() == 4))
        })
        .or_else(|| {
            let at = DateTime::parse_from_rfc3339(text).ok()?.with_timezone(&Utc);
            Some((at + Duration::hours(rome_offset_hours(at))).date_naive())
        })
        .filter(|day| four_digit_year(day) && (FIRST_YEAR..=LAST_YEAR).contains(&day.year()))
}

/// Days outside these years are typing mistakes, not answers.
const FIRST_YEAR: i32 = 1900;
const LAST_YEAR: i32 = 2100;

/// The answers as questions and answers in words; questions removed from the
/// configuration since are shown by their code, choices by their key.
pub fn described(
    answers: &[Answer],
    category: Option<&Category>,
    language: Language,
) -> Vec<DescribedAnswer> {
    answers
        .iter()
        .map(|answer| {
            let field = category.and_then(|c| c.fields.iter().find(|f| f.code == answer.code));
            let choice = |key: &str| {
                field
                    .and_then(|f| f.choice(key))
                    .map_or_else(|| key.to_string(), |c| c.label.get(language).to_string())
            };
            let text = match &answer.value {
                AnswerValue::Line(text) | AnswerValue::Text(text) => text.clone(),
                AnswerValue::Number(number) => format_number(*number, language),
                AnswerValue::Date(day) => format_day(*day, language),
                AnswerValue::Choice(key) => choice(key),
                AnswerValue::Choices(keys) => keys
                    .iter()
                    .map(|key| choice(key))
                    .collect::<Vec<_>>()
                    .join(", "),
            };
            DescribedAnswer {
                code: answer.code.clone(),
                question: field.map_or_else(
                    || answer.code.clone(),
                    |f| f.label.get(language).to_string(),
                ),
                answer: text,
            }
        })
        .collect()
}

#[cfg(test)]
#[path = "answers_tests.rs"]
mod tests;
