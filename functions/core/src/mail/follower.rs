//! Messages to people following a report by subscription: the link confirming their
//! address, then one message per change of status. They hear the new status, the office
//! holding it and, for a rejection, the published reason, never the words the office wrote
//! to the reporter nor anything about the reporter. Every message says how to stop them,
//! with a one-click unsubscribe address the provider sends as List-Unsubscribe.

use super::layout::{Block, Draft, Message};
use crate::config::ComuneConfig;
use crate::report::Language;
use crate::status::Action;
use crate::ticket::{EventKind, Ticket, TicketEvent};
use crate::workflow::RejectionReason;

/// What a message to a follower needs to know about them.
pub struct Follower<'a> {
    pub language: Language,
    /// The subscription's secret, in its confirmation and unsubscribe links.
    pub secret: &'a str,
}

fn base(config: &ComuneConfig) -> &str {
    config.public_url.trim_end_matches('/')
}

/// The page that confirms the subscription.
pub fn confirm_url(config: &ComuneConfig, secret: &str) -> String {
    format!("{}/segui/{secret}/conferma", base(config))
}

/// The page (GET) and one-click address (POST) that end the subscription.
pub fn unsubscribe_url(config: &ComuneConfig, secret: &str) -> String {
    format!("{}/segui/{secret}/disiscriviti", base(config))
}

/// The path of the report's public page.
pub fn report_path(language: Language, number: &str) -> String {
    match language {
        Language::It => format!("/segnalazioni/{number}"),
        Language::En => format!("/en/public-reports/{number}"),
    }
}

/// The report's public page.
pub fn report_url(config: &ComuneConfig, language: Language, number: &str) -> String {
    format!("{}{}", base(config), report_path(language, number))
}

fn t(language: Language, it: &str, en: &str) -> String {
    match language {
        Language::It => it.to_string(),
        Language::En => en.to_string(),
    }
}

fn finish(draft: Draft, follower: &Follower, config: &ComuneConfig, unsubscribe: bool) -> Message {
    let mut message = draft.render(config);
    if unsubscribe {
        message.unsubscribe_url = Some(unsubscribe_url(config, follower.secret));
    }
    message
}

/// The first message: confirm the address, or ignore it and hear nothing more.
pub fn confirmation(follower: &Follower, ticket: &Ticket, config: &ComuneConfig) -> Message {
    let language = follower.language;
    let number = ticket.public_number.to_string();
    let topic = config.category_name(&ticket.report.category, language);
    let blocks = vec![
        Block::Paragraph(match language {
            Language::It => format!("qualcuno, forse tu, ha chiesto di ricevere a questo indirizzo gli aggiornamenti della segnalazione {number} ({topic}). Per riceverli, conferma che l'indirizzo è tuo entro {} giorni.", crate::subscription::CONFIRM_WITHIN_DAYS),
            Language::En => format!("someone, perhaps you, asked for the updates of report {number} ({topic}) to be sent to this address. To receive them, confirm that the address is yours within {} days.", crate::subscription::CONFIRM_WITHIN_DAYS),
        }),
        Block::Link {
            label: t(language, "Conferma e segui la segnalazione", "Confirm and follow the report"),
            url: confirm_url(config, follower.secret),
        },
        Block::Paragraph(t(
            language,
            "Se non l'hai chiesto tu, ignora questo messaggio: non ti scriveremo più e l'indirizzo sarà cancellato.",
            "If you did not ask for this, ignore this message: we will not write to you again and the address will be erased.",
        )),
        Block::Link {
            label: t(language, "Vedi la segnalazione", "See the report"),
            url: report_url(config, language, &number),
        },
    ];
    let draft = Draft {
        language,
        subject: match language {
            Language::It => format!("Conferma: aggiornamenti della segnalazione {number} · {}", config.name),
            Language::En => format!("Confirm: updates of report {number} · {}", config.name),
        },
        greeting: t(language, "Buongiorno,", "Hello,"),
        blocks,
        reason: t(
            language,
            "Ricevi questa email perché il tuo indirizzo è stato inserito nel modulo per seguire una segnalazione.",
            "You receive this e-mail because your address was entered in the form to follow a report.",
        ),
    };
    finish(draft, follower, config, false)
}

/// A change of status of the report followed (`followed` is the report subscribed to; the
/// step may be on the report it was merged into). `None` for a step followers do not hear.
pub fn step(
    follower: &Follower,
    followed: &Ticket,
    event_ticket: &Ticket,
    event: &TicketEvent,
    rejection: Option<RejectionReason>,
    config: &ComuneConfig,
) -> Option<Message> {
    let EventKind::Action(action) = event.kind else {
        return None;
    };
    let language = follower.language;
    let it = language == Language::It;
    let number = event_ticket.public_number.to_string();
    let office = config.office_name(
        event
            .office
            .as_deref()
            .unwrap_or(&event_ticket.routing.office),
        language,
    );
    let (headline, subject_end) = match action {
        Action::TakeInCharge => (
            if it { format!("l'ufficio {office} l'ha presa in carico.") } else { format!("the office {office} has taken it in charge.") },
            t(language, "presa in carico", "taken in charge"),
        ),
        Action::StartWork => (
            if it { format!("l'ufficio {office} ha avviato i lavori.") } else { format!("the office {office} has started work on it.") },
            t(language, "lavori avviati", "work started"),
        ),
        Action::Reassign => (
            if it { format!("è passata all'ufficio {office}.") } else { format!("it has been passed to the office {office}.") },
            t(language, "passata a un altro ufficio", "passed to another office"),
        ),
        Action::Resolve => (
            if it { format!("l'ufficio {office} l'ha risolta.") } else { format!("the office {office} has resolved it.") },
            t(language, "risolta", "resolved"),
        ),
        Action::Reject => (
            if it { format!("l'ufficio {office} non può darle seguito.") } else { format!("the office {office} cannot act on it.") },
            t(language, "non accolta", "not accepted"),
        ),
        Action::MarkDuplicate => (
            match (it, event.note.as_deref()) {
                (true, Some(into)) => format!("è stata unita alla segnalazione {into}, che riguarda lo stesso problema: da ora riceverai gli aggiornamenti di quella."),
                (false, Some(into)) => format!("it has been merged with report {into}, which is about the same problem: from now on you will receive that report's updates."),
                (true, None) => "è stata unita a un'altra segnalazione sullo stesso problema.".into(),
                (false, None) => "it has been merged with another report about the same problem.".into(),
            },
            t(language, "unita a una segnalazione uguale", "merged with an identical report"),
        ),
        Action::Reopen => (
            if it { format!("è stata riaperta e torna all'ufficio {office}.") } else { format!("it has been reopened and goes back to the office {office}.") },
            t(language, "riaperta", "reopened"),
        ),
        Action::SetPriority
        | Action::Assign
        | Action::PublicReply
        | Action::InternalNote
        | Action::CitizenMessage
        | Action::Rate => return None,
    };
    let mut blocks = Vec::new();
    let mine = followed.public_number.to_string();
    if followed.id != event_ticket.id {
        blocks.push(Block::Paragraph(if it {
            format!("La segnalazione {mine} che segui è stata unita alla segnalazione {number}. Ecco l'ultimo aggiornamento su quella.")
        } else {
            format!("Report {mine}, which you follow, was merged with report {number}. Here is the latest news on it.")
        }));
    }
    blocks.push(Block::Paragraph(if it {
        format!("Segnalazione {number}: {headline}")
    } else {
        format!("Report {number}: {headline}")
    }));
    let mut facts = vec![
        (
            t(language, "Argomento", "Topic"),
            config.category_name(&event_ticket.report.category, language),
        ),
        (
            t(language, "Stato", "Status"),
            event.to_status.label(language).to_string(),
        ),
    ];
    if let Some(reason) = rejection.filter(|_| action == Action::Reject) {
        facts.push((
            t(language, "Motivo", "Reason"),
            super::citizen::rejection_words(reason, language).to_string(),
        ));
    }
    blocks.push(Block::Facts(facts));
    blocks.push(Block::Link {
        label: t(language, "Vedi la segnalazione", "See the report"),
        url: report_url(config, language, &number),
    });
    blocks.push(Block::Link {
        label: t(
            language,
            "Non ricevere più questi aggiornamenti",
            "Stop these updates",
        ),
        url: unsubscribe_url(config, follower.secret),
    });
    let draft = Draft {
        language,
        subject: if it {
            format!("Segnalazione {number}: {subject_end} · {}", config.name)
        } else {
            format!("Report {number}: {subject_end} · {}", config.name)
        },
        greeting: t(language, "Buongiorno,", "Hello,"),
        blocks,
        reason: if it {
            format!("Ricevi questa email perché hai chiesto di seguire la segnalazione {mine} e hai confermato il tuo indirizzo.")
        } else {
            format!("You receive this e-mail because you asked to follow report {mine} and confirmed your address.")
        },
    };
    Some(finish(draft, follower, config, true))
}
