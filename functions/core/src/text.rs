//! Normalisation of free text typed by people: trimmed, no control characters.

use crate::field_error::ErrorCollector;

/// Characters that reorder how the text around them is shown (bidirectional embeddings,
/// overrides and isolates): a name or description holding them can read differently to
/// staff than what was written. Right-to-left scripts are shown right without them.
fn reorders_text(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Invisible characters with no meaning in a report (zero-width space, word joiner,
/// byte-order mark): dropped, so they can neither pad a text to its minimum length nor
/// hide inside words. Joiners used by emoji and some scripts are kept.
fn invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{2060}' | '\u{FEFF}')
}

/// Trims the text and reports whether it holds control characters other than line breaks
/// and tabs, which have no place in a report and could corrupt e-mails or CSV exports, or
/// characters that reorder the text; drops invisible ones.
pub fn clean(input: &str) -> Result<String, &'static str> {
    let visible: String = input.chars().filter(|&c| !invisible(c)).collect();
    let trimmed = visible.trim();
    if trimmed
        .chars()
        .any(|c| (c.is_control() && c != '\n' && c != '\r' && c != '\t') || reorders_text(c))
    {
        return Err("control_characters");
    }
    // A lone carriage return is a line break too: cleaning twice gives the same text.
    Ok(trimmed.replace("\r\n", "\n").replace('\r', "\n"))
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
    fn cleaning_twice_gives_the_same_text() {
        let once = clean("a\r\r\nb\rc").unwrap();
        assert_eq!(once, "a\n\nb\nc");
        assert_eq!(clean(&once).unwrap(), once);
    }

    #[test]
    fn rejects_control_characters() {
        assert_eq!(clean("buca\u{0}"), Err("control_characters"));
        assert_eq!(clean("buca\u{1b}[31m"), Err("control_characters"));
    }

    #[test]
    fn rejects_characters_that_reorder_the_text_but_keeps_right_to_left_scripts() {
        assert_eq!(clean("buca \u{202E}txt.exe"), Err("control_characters"));
        assert_eq!(clean("nome \u{2067}x\u{2069}"), Err("control_characters"));
        assert_eq!(clean("حفرة في الطريق").unwrap(), "حفرة في الطريق");
    }

    #[test]
    fn drops_invisible_characters_so_they_cannot_pad_a_text() {
        assert_eq!(clean("\u{200B}\u{200B}\u{FEFF}").unwrap(), "");
        assert_eq!(clean("bu\u{200B}ca").unwrap(), "buca");
        // The joiner inside an emoji sequence stays.
        assert_eq!(clean("👩\u{200D}🔧").unwrap(), "👩\u{200D}🔧");
    }

    #[test]
    fn counts_accented_letters_as_one_character() {
        assert_eq!(char_len("città"), 5);
    }
}
