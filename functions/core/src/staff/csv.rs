//! The CSV export of an inbox (`crate::csv`: RFC 4180, UTF-8 with a byte-order mark,
//! formulas defused).

use crate::config::ComuneConfig;
use crate::csv::{push_row, BOM};
use crate::report::answers::described;
use crate::report::Language;
use crate::staff::views::TicketSummary;
use crate::ticket::Ticket;
use chrono::{DateTime, Utc};

const HEADER: [&str; 18] = [
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
    "risposte",
];

/// The answers to the category's questions in one cell: `Domanda: risposta; ...`.
fn answers_text(ticket: &Ticket, config: &ComuneConfig) -> String {
    let category = config.category(&ticket.report.category).map(|(_, c)| c);
    described(&ticket.report.answers, category, Language::It)
        .into_iter()
        .map(|a| format!("{}: {}", a.question, a.answer))
        .collect::<Vec<_>>()
        .join("; ")
}

/// `names` maps staff ids to names for the assignee column.
pub fn render(
    tickets: &[Ticket],
    names: &dyn Fn(&str) -> String,
    config: &ComuneConfig,
    now: DateTime<Utc>,
) -> String {
    let mut out = String::from(BOM);
    push_row(&mut out, &HEADER);
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
            answers_text(ticket, config),
        ];
        push_row(&mut out, &row);
    }
    out
}
