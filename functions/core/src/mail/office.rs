//! Messages to offices, in Italian, to the office's shared mailbox: a new ticket routed to
//! it, a ticket passed to it by another office, and the daily list of tickets about to
//! miss (or past) their response target. Each links to the ticket in the dashboard.

use super::layout::{Block, Draft, Message};
use crate::config::{ComuneConfig, Office};
use crate::follow_up::parse_rating_note;
use crate::italian_time::format_deadline_day;
use crate::report::answers::described;
use crate::report::Language;
use crate::status::Action;
use crate::ticket::{EventKind, Ticket, TicketEvent};
use chrono::{DateTime, Utc};

const EXCERPT_CHARS: usize = 300;

fn dashboard_link(config: &ComuneConfig, ticket: &Ticket) -> String {
    format!(
        "{}/staff/segnalazioni/{}",
        config.public_url.trim_end_matches('/'),
        ticket.public_number
    )
}

fn excerpt(text: &str) -> String {
    if text.chars().count() <= EXCERPT_CHARS {
        return text.to_string();
    }
    let cut: String = text.chars().take(EXCERPT_CHARS).collect();
    format!("{}…", cut.trim_end())
}

fn facts(config: &ComuneConfig, ticket: &Ticket) -> Block {
    let category = config
        .category(&ticket.report.category)
        .map_or(ticket.report.category.as_str(), |(_, c)| c.name.it.as_str());
    let place = ticket
        .report
        .address
        .clone()
        .or_else(|| {
            ticket
                .report
                .location
                .map(|p| format!("{:.5}, {:.5}", p.lat(), p.lon()))
        })
        .unwrap_or_else(|| "non indicato".into());
    Block::Facts(vec![
        ("Numero".into(), ticket.public_number.to_string()),
        ("Argomento".into(), category.to_string()),
        ("Tipo".into(), ticket.report.kind.as_str().to_string()),
        ("Luogo".into(), place),
        (
            "Da prendere in carico entro".into(),
            format_deadline_day(ticket.due.respond_by, Language::It),
        ),
    ])
}

/// The citizen's answers to the topic's questions, which the office needs to act (the
/// post's number, how many lights are off), whole; `None` when the topic asks none.
fn answers(config: &ComuneConfig, ticket: &Ticket) -> Option<Block> {
    let category = config.category(&ticket.report.category).map(|(_, c)| c);
    let answers = described(&ticket.report.answers, category, Language::It);
    (!answers.is_empty()).then(|| {
        Block::Facts(
            answers
                .into_iter()
                .map(|a| (a.question, a.answer))
                .collect(),
        )
    })
}

/// What ends a message about one ticket: the answers, if any, and the link to it.
fn answers_and_link(config: &ComuneConfig, ticket: &Ticket) -> impl Iterator<Item = Block> {
    answers(config, ticket).into_iter().chain([Block::Link {
        label: "Apri la segnalazione nell'area uffici".into(),
        url: dashboard_link(config, ticket),
    }])
}

fn office_draft(office: &Office, subject: String, blocks: Vec<Block>) -> Draft {
    Draft {
        language: Language::It,
        subject,
        greeting: format!("All'ufficio {},", office.name.it),
        blocks,
        reason: "Ricevete questa email perché è l'indirizzo dell'ufficio nella configurazione del servizio Segnalazioni.".into(),
    }
}

/// A new ticket routed to the office.
pub fn new_ticket(office: &Office, ticket: &Ticket, config: &ComuneConfig) -> Message {
    office_draft(
        office,
        format!(
            "Nuova segnalazione {} per il vostro ufficio · {}",
            ticket.public_number, config.name
        ),
        [
            Block::Paragraph("è arrivata una nuova segnalazione per il vostro ufficio.".into()),
            facts(config, ticket),
            Block::Quote {
                label: "Descrizione del cittadino".into(),
                text: excerpt(&ticket.report.description),
            },
        ]
        .into_iter()
        .chain(answers_and_link(config, ticket))
        .collect(),
    )
    .render(config)
}

/// A ticket another office passed to this one, with the reason it gave.
pub fn reassigned_to_office(
    office: &Office,
    ticket: &Ticket,
    from_office: &str,
    reason: &str,
    config: &ComuneConfig,
) -> Message {
    let from = config
        .office(from_office)
        .map_or(from_office, |o| o.name.it.as_str());
    office_draft(
        office,
        format!(
            "Segnalazione {} passata al vostro ufficio · {}",
            ticket.public_number, config.name
        ),
        [
            Block::Paragraph(format!("l'ufficio {from} vi ha passato una segnalazione.")),
            Block::Quote {
                label: "Motivo".into(),
                text: reason.to_string(),
            },
            facts(config, ticket),
        ]
        .into_iter()
        .chain(answers_and_link(config, ticket))
        .collect(),
    )
    .render(config)
}

/// A citizen wrote about the ticket, said the problem is not solved (which reopened it), or
/// rated the answer; with their words.
pub fn citizen_update(
    office: &Office,
    ticket: &Ticket,
    event: &TicketEvent,
    config: &ComuneConfig,
) -> Message {
    let number = ticket.public_number;
    let note = event.note.clone().unwrap_or_default();
    let (subject, lead, quote) = match event.kind {
        EventKind::Action(Action::Reopen) => (
            format!("Segnalazione {number} riaperta dal cittadino"),
            "il cittadino dice che il problema non è risolto: la segnalazione è di nuovo aperta e torna a voi.".to_string(),
            Some(("Che cosa non va ancora".to_string(), note)),
        ),
        EventKind::Action(Action::Rate) => {
            let (stars, comment) = parse_rating_note(&note).unwrap_or((0, None));
            (
                format!("Segnalazione {number}: il cittadino ha valutato la risposta ({stars}/5)"),
                format!("il cittadino ha dato {stars} stelle su 5 alla vostra risposta."),
                comment.map(|c| ("Commento".to_string(), c)),
            )
        }
        _ if note.is_empty() => (
            format!("Segnalazione {number}: il cittadino ha aggiunto foto"),
            "il cittadino ha aggiunto foto alla segnalazione.".to_string(),
            None,
        ),
        _ => (
            format!("Segnalazione {number}: il cittadino ha scritto"),
            "il cittadino ha aggiunto informazioni alla segnalazione.".to_string(),
            Some(("Messaggio del cittadino".to_string(), note)),
        ),
    };
    let mut blocks = vec![Block::Paragraph(lead), facts(config, ticket)];
    if let Some((label, text)) = quote {
        blocks.push(Block::Quote { label, text });
    }
    blocks.push(Block::Link {
        label: "Apri la segnalazione nell'area uffici".into(),
        url: dashboard_link(config, ticket),
    });
    office_draft(office, format!("{subject} · {}", config.name), blocks).render(config)
}

/// The daily list of the office's open tickets due by the end of the next working day or
/// already late; `None` when there are none.
pub fn deadline_digest(
    office: &Office,
    tickets: &[&Ticket],
    config: &ComuneConfig,
    now: DateTime<Utc>,
) -> Option<Message> {
    if tickets.is_empty() {
        return None;
    }
    let (late, soon): (Vec<&&Ticket>, Vec<&&Ticket>) =
        tickets.iter().partition(|t| t.is_overdue(now));
    let mut blocks = vec![Block::Paragraph(format!(
        "queste segnalazioni del vostro ufficio hanno superato o stanno per superare i tempi di risposta promessi ai cittadini: {} in ritardo, {} in scadenza.",
        late.len(),
        soon.len()
    ))];
    for (title, group) in [("In ritardo", &late), ("In scadenza", &soon)] {
        if group.is_empty() {
            continue;
        }
        blocks.push(Block::Paragraph(format!("{title}:")));
        for ticket in group.iter() {
            let due = if ticket.status == crate::status::Status::Received {
                ticket.due.respond_by
            } else {
                ticket.due.resolve_by.unwrap_or(ticket.due.respond_by)
            };
            blocks.push(Block::Link {
                label: format!(
                    "{} · {} · {} · entro il {}",
                    ticket.public_number,
                    ticket.status.label_it(),
                    config
                        .category(&ticket.report.category)
                        .map_or(ticket.report.category.as_str(), |(_, c)| c.name.it.as_str()),
                    format_deadline_day(due, Language::It)
                ),
                url: dashboard_link(config, ticket),
            });
        }
    }
    Some(
        office_draft(
            office,
            format!(
                "{} in ritardo o in scadenza · {}",
                if tickets.len() == 1 {
                    "1 segnalazione".to_string()
                } else {
                    format!("{} segnalazioni", tickets.len())
                },
                config.name
            ),
            blocks,
        )
        .render(config),
    )
}
