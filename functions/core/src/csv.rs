//! CSV cells and rows (RFC 4180) for every export. Cells that a spreadsheet would run as
//! a formula are prefixed with an apostrophe: a citizen's description must never become one.

/// The byte-order mark that makes spreadsheet programs read UTF-8 accents right.
pub const BOM: &str = "\u{feff}";

pub fn cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_string()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// Appends one row, ending with CRLF.
pub fn push_row<S: AsRef<str>>(out: &mut String, cells: &[S]) {
    for (index, value) in cells.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        out.push_str(&cell(value.as_ref()));
    }
    out.push_str("\r\n");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_with_separators_or_quotes_are_quoted() {
        assert_eq!(cell("via Roma, 3"), "\"via Roma, 3\"");
        assert_eq!(cell("il \"buco\""), "\"il \"\"buco\"\"\"");
        assert_eq!(cell("riga\nseconda"), "\"riga\nseconda\"");
        assert_eq!(cell("semplice"), "semplice");
    }

    #[test]
    fn formulas_from_citizens_are_defused() {
        assert_eq!(
            cell("=HYPERLINK(\"http://x\")"),
            "\"'=HYPERLINK(\"\"http://x\"\")\""
        );
        assert_eq!(cell("+39 035"), "'+39 035");
        assert_eq!(cell("@SUM(A1)"), "'@SUM(A1)");
    }

    #[test]
    fn a_row_joins_cells_with_commas_and_ends_with_crlf() {
        let mut out = String::new();
        push_row(&mut out, &["a", "b,c", ""]);
        assert_eq!(out, "a,\"b,c\",\r\n");
    }
}
