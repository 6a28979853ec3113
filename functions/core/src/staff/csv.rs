//! The CSV export of an inbox (RFC 4180, UTF-8 with a byte-order mark so that spreadsheet
//! programs read accents right). Cells that a spreadsheet would run as a formula are
//! prefixed with an apostrophe: a citizen's description must never become a formula.

use crate::config::ComuneConfig;
use crate::staff::views::TicketSummary;
use crate::ticket::Ticket;
use chrono::{DateTime, Utc};

const HEADER: [&str; 17] = [
    "numero",
    "stato",
    "priorita",
    "tema",
    "categoria",
    "tipo",
    "ufficio",
    "assegnatario",
    "indirizzo",
    "lat",
    "lon",
    "ricevuta_il",
    "aggiornata_il",
    "presa_in_carico_entro",
    "risoluzione_entro",
    "in_ritardo",
    "descrizione",
];

fn cell(value: &str) -> String {
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

/// `names` maps staff ids to names for the assignee column.
pub fn render(
    tickets: &[Ticket],
    names: &dyn Fn(&str) -> String,
    config: &ComuneConfig,
    now: DateTime<Utc>,
) -> String {
    let mut out = String::from("\u{feff}");
    out.push_str(&HEADER.join(","));
    out.push_str("\r\n");
    for ticket in tickets {
        let summary = TicketSummary::of(ticket, config, now);
        let location = ticket.report.location;
        let row = [
            summary.number.to_string(),
            summary.status_label.it.to_string(),
            summary.priority.as_str().to_string(),
            summary.theme.name,
            summary.category.name,
            summary.kind.as_str().to_string(),
            summary.office.name,
            summary
                .assignee
                .map(|id| names(&id.to_string()))
                .unwrap_or_default(),
            ticket.report.address.clone().unwrap_or_default(),
            location.map(|p| p.lat().to_string()).unwrap_or_default(),
            location.map(|p| p.lon().to_string()).unwrap_or_default(),
            crate::store::timestamp(ticket.created_at),
            crate::store::timestamp(ticket.updated_at),
            crate::store::timestamp(ticket.due.respond_by),
            ticket
                .due
                .resolve_by
                .map(crate::store::timestamp)
                .unwrap_or_default(),
            if summary.overdue { "si" } else { "no" }.to_string(),
            ticket.report.description.clone(),
        ];
        let cells: Vec<String> = row.iter().map(|v| cell(v)).collect();
        out.push_str(&cells.join(","));
        out.push_str("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::cell;

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
}
