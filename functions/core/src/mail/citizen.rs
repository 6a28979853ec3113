//! Messages to citizens, one per public step of their report, in the language they wrote
//! in: received (with the number and the tracking link), taken in charge, work started,
//! passed to another office (which, and why), a reply, resolved (with the answer),
//! rejected (with the reason), merged as a duplicate, reopened. A citizen whose report was
//! merged into another is told of that one's later steps.

use super::layout::{Block, Draft, Message};
use crate::api::tracking_url;
use crate::config::ComuneConfig;
use crate::report::Language;
use crate::status::Action;
use crate::ticket::{EventKind, Ticket, TicketEvent, Visibility};
use crate::workflow::RejectionReason;

pub(super) fn rejection_words(reason: RejectionReason, language: Language) -> &'static str {
    let (it, en) = match reason {
        RejectionReason::NotCompetent => (
            "non è di competenza del Comune",
            "it is not a matter for the comune",
        ),
        RejectionReason::NotAProblem => (
            "al controllo non c'è un problema da risolvere",
            "on inspection there is no problem to fix",
        ),
        RejectionReason::NeedsOfficialChannel => (
            "serve una domanda o una pratica ufficiale",
            "it needs a formal application or procedure",
        ),
        RejectionReason::InsufficientInformation => (
            "le informazioni non bastano per intervenire",
            "there is not enough information to act on",
        ),
    };
    match language {
        Language::It => it,
        Language::En => en,
    }
}

/// A public step to tell a citizen about.
pub struct Notice<'a> {
    /// The ticket whose reporter is told.
    pub recipient: &'a Ticket,
    /// The ticket the step happened on: the recipient's, or the original it was merged into.
    pub event_ticket: &'a Ticket,
    pub event: &'a TicketEvent,
    /// For a rejection, its reason (kept on the ticket, not in the event's note).
    pub rejection: Option<RejectionReason>,
    /// When the comune asks citizens to confirm their address: the link, in the first
    /// message only, without which no further message is sent.
    pub confirmation_url: Option<String>,
}

/// The message telling the recipient's reporter of the step; `None` for internal steps.
pub fn citizen_message(notice: &Notice, config: &ComuneConfig) -> Option<Message> {
    let Notice {
        recipient,
        event_ticket,
        event,
        rejection,
        ref confirmation_url,
    } = *notice;
    if event.visibility != Visibility::Public {
        return None;
    }
    let language = recipient.report.language;
    let it = language == Language::It;
    let t = |italian: &str, english: &str| {
        if it {
            italian.to_string()
        } else {
            english.to_string()
        }
    };
    let mine = recipient.public_number.to_string();
    let number = event_ticket.public_number.to_string();
    let office = config.office_name(
        event
            .office
            .as_deref()
            .unwrap_or(&event_ticket.routing.office),
        language,
    );
    // A citizen's words (why they reopened it) are theirs: the others only hear of the step.
    let note = if event.actor == crate::ticket::Actor::Citizen {
        String::new()
    } else {
        event.note.clone().unwrap_or_default()
    };
    let follower = recipient.id != event_ticket.id;
    let mut blocks = Vec::new();
    if follower {
        blocks.push(Block::Paragraph(if it {
            format!("La tua segnalazione {mine} è stata unita alla segnalazione {number}, che riguarda lo stesso problema. Ecco l'ultimo aggiornamento su quella.")
        } else {
            format!("Your report {mine} was merged with report {number}, which is about the same problem. Here is the latest news on it.")
        }));
    }
    let quote = |blocks: &mut Vec<Block>, label: String| {
        if !note.trim().is_empty() {
            blocks.push(Block::Quote {
                label,
                text: note.clone(),
            });
        }
    };
    let (headline, subject_end) = match event.kind {
        EventKind::Created(_) => {
            let days = config
                .category(&event_ticket.report.category)
                .map(|(_, c)| c.targets.take_in_charge_days);
            blocks.push(Block::Paragraph(match (it, days) {
                (true, Some(days)) => format!("abbiamo ricevuto la tua segnalazione e l'abbiamo inoltrata all'ufficio competente, che la prenderà in carico entro {days} giorni lavorativi. Ti scriveremo a ogni passaggio."),
                (true, None) => "abbiamo ricevuto la tua segnalazione e l'abbiamo inoltrata all'ufficio competente. Ti scriveremo a ogni passaggio.".into(),
                (false, Some(days)) => format!("we have received your report and passed it to the office in charge, which will take it in charge within {days} working days. We will write to you at every step."),
                (false, None) => "we have received your report and passed it to the office in charge. We will write to you at every step.".into(),
            }));
            blocks.push(Block::Facts(vec![
                (t("Numero", "Number"), number.clone()),
                (
                    t("Argomento", "Topic"),
                    config.category_name(&event_ticket.report.category, language),
                ),
                (t("Ufficio", "Office"), office.clone()),
            ]));
            if let Some(url) = confirmation_url {
                blocks.push(Block::Paragraph(t(
                    "Per ricevere i prossimi aggiornamenti via email, conferma che questo indirizzo è tuo. Se non hai fatto tu la segnalazione, ignora questo messaggio: non ti scriveremo più.",
                    "To receive the next updates by e-mail, confirm that this address is yours. If you did not make this report, ignore this message: we will not write to you again.",
                )));
                blocks.push(Block::Link {
                    label: t(
                        "Conferma il tuo indirizzo email",
                        "Confirm your e-mail address",
                    ),
                    url: url.clone(),
                });
            }
            (None, t("ricevuta", "received"))
        }
        EventKind::Action(action) => {
            let (headline, subject_end) = match action {
                Action::TakeInCharge => (
                    if it {
                        format!("l'ufficio {office} ha preso in carico la segnalazione.")
                    } else {
                        format!("the office {office} has taken the report in charge.")
                    },
                    t("presa in carico", "taken in charge"),
                ),
                Action::StartWork => (
                    if it {
                        format!("l'ufficio {office} ha avviato i lavori.")
                    } else {
                        format!("the office {office} has started work on it.")
                    },
                    t("lavori avviati", "work started"),
                ),
                Action::Reassign => (
                    if it {
                        format!("la segnalazione è passata a un altro ufficio: {office}, che la prenderà in carico.")
                    } else {
                        format!("the report has been passed to another office: {office}, which will take it in charge.")
                    },
                    t("passata a un altro ufficio", "passed to another office"),
                ),
                Action::PublicReply => (
                    if it {
                        format!("l'ufficio {office} ha scritto a proposito della segnalazione.")
                    } else {
                        format!("the office {office} has written about the report.")
                    },
                    t("risposta dell'ufficio", "answer from the office"),
                ),
                Action::Resolve => (
                    if it {
                        format!("l'ufficio {office} ha risolto il problema.")
                    } else {
                        format!("the office {office} has resolved the problem.")
                    },
                    t("risolta", "resolved"),
                ),
                Action::Reject => (
                    if it {
                        format!("l'ufficio {office} non può dare seguito alla segnalazione.")
                    } else {
                        format!("the office {office} cannot act on the report.")
                    },
                    t("non accolta", "not accepted"),
                ),
                Action::MarkDuplicate => (
                    if it {
                        format!("la segnalazione riguarda lo stesso problema della segnalazione {note}, che l'ufficio sta già seguendo: è stata unita a quella e da ora riceverai gli aggiornamenti di quella.")
                    } else {
                        format!("the report is about the same problem as report {note}, which the office is already handling: it has been merged with it, and from now on you will receive that report's updates.")
                    },
                    t(
                        "unita a una segnalazione uguale",
                        "merged with an identical report",
                    ),
                ),
                Action::Reopen => (
                    if it {
                        format!("la segnalazione è stata riaperta e torna all'ufficio {office}.")
                    } else {
                        format!(
                            "the report has been reopened and goes back to the office {office}."
                        )
                    },
                    t("riaperta", "reopened"),
                ),
                // Internal steps tell no citizen; what a citizen did is not told back to
                // them, nor to anyone else (their words are theirs).
                Action::SetPriority
                | Action::Assign
                | Action::InternalNote
                | Action::CitizenMessage
                | Action::Rate => return None,
            };
            match action {
                Action::Reassign | Action::Reopen => quote(&mut blocks, t("Motivo", "Reason")),
                Action::Resolve => quote(&mut blocks, t("Cosa è stato fatto", "What was done")),
                Action::Reject => {
                    if let Some(reason) = rejection {
                        blocks.push(Block::Facts(vec![(
                            t("Motivo", "Reason"),
                            rejection_words(reason, language).to_string(),
                        )]));
                    }
                    quote(
                        &mut blocks,
                        t("Spiegazione dell'ufficio", "The office's explanation"),
                    );
                }
                Action::MarkDuplicate => {}
                _ => quote(
                    &mut blocks,
                    t("Messaggio dell'ufficio", "Message from the office"),
                ),
            }
            (Some(headline), subject_end)
        }
    };
    if let Some(headline) = headline {
        let lead = if it {
            format!("Segnalazione {number}: {headline}")
        } else {
            format!("Report {number}: {headline}")
        };
        blocks.insert(usize::from(follower), Block::Paragraph(lead));
    }
    blocks.push(Block::Link {
        label: t("Segui la segnalazione", "Follow the report"),
        url: tracking_url(config, recipient),
    });
    let greeting = match (&recipient.report.reporter.name, it) {
        (Some(name), true) => format!("Gentile {name},"),
        (Some(name), false) => format!("Dear {name},"),
        (None, true) => "Buongiorno,".into(),
        (None, false) => "Hello,".into(),
    };
    let subject = if it {
        format!("Segnalazione {mine}: {subject_end} · {}", config.name)
    } else {
        format!("Report {mine}: {subject_end} · {}", config.name)
    };
    let reason = if it {
        format!(
            "Ricevi questa email perché hai lasciato il tuo indirizzo con la segnalazione {mine}."
        )
    } else {
        format!("You receive this e-mail because you left your address with report {mine}.")
    };
    Some(
        Draft {
            language,
            subject,
            greeting,
            blocks,
            reason,
        }
        .render(config),
    )
}
