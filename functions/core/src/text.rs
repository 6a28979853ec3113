//! Normalisation of free text typed by people: trimmed, no control characters.

use crate::field_error::ErrorCollector;

/// Trims the text and reports whether it holds control characters other than line breaks
/// and tabs, which have no place in a report and could corrupt e-mails or CSV exports.
pub fn clean(input: &str) -> Result<String, &'static str> {
    let trimmed = input.trim();
    if trimmed
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t')
    {
        return Err("control_characters");
    }
    Ok(trimmed.replace("\r\n", "\n"))
}

/// A required one-line text of at most `max_chars` (a person's or an application's name),
/// cleaned; every problem is reported under `field`.
pub fn required_line(
    errors: &mut ErrorCollector,
    field: &str,
    input: Option<&str>,
    max_chars: usize,
    required_message: &str,
) -> Option<String> {
    match input.map(clean) {
        None => {
            errors.push(field, "required", required_message);
            None
        }
        Some(Err(_)) => {
            errors.push(field, "control_characters", "contains control characters");
            None
        }
        Some(Ok(line)) if line.is_empty() => {
            errors.push(field, "required", required_message);
            None
        }
        Some(Ok(line)) if char_len(&line) > max_chars || line.contains('\n') => {
            errors.push(
                field,
                "too_long",
                format!("one line of at most {max_chars} characters"),
            );
            None
        }
        Some(Ok(line)) => Some(line),
    }
}

/// Length as a person counts it (Unicode scalar values), not bytes.
pub fn char_len(text: &str) -> usize {
    text.chars().count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_normalises_line_breaks() {
        assert_eq!(clean("  buca\r\nprofonda \n").unwrap(), "buca\nprofonda");
    }

    #[test]
    fn rejects_control_characters() {
        assert_eq!(clean("buca\u{0}"), Err("control_characters"));
        assert_eq!(clean("buca\u{1b}[31m"), Err("control_characters"));
    }

    #[test]
    fn counts_accented_letters_as_one_character() {
        assert_eq!(char_len("città"), 5);
    }
}
