//! The message with a one-time link to sign in to "my reports".

use super::layout::{Block, Draft, Message};
use crate::config::ComuneConfig;
use crate::report::Language;

pub fn sign_in_link(language: Language, url: &str, minutes: i64, config: &ComuneConfig) -> Message {
    let it = language == Language::It;
    let t = |italian: &str, english: &str| if it { italian } else { english }.to_string();
    Draft {
        language,
        subject: if it {
            format!("Accesso alle tue segnalazioni · {}", config.name)
        } else {
            format!("Sign in to your reports · {}", config.name)
        },
        greeting: t("Buongiorno,", "Hello,"),
        blocks: vec![
            Block::Paragraph(if it {
                format!("ecco il link per vedere tutte le segnalazioni inviate con questo indirizzo. Funziona una sola volta, per {minutes} minuti.")
            } else {
                format!("here is the link to see every report sent with this address. It works once, for {minutes} minutes.")
            }),
            Block::Link {
                label: t("Accedi alle tue segnalazioni", "Sign in to your reports"),
                url: url.to_string(),
            },
            Block::Paragraph(t(
                "Se non l'hai chiesto tu, ignora questo messaggio: senza il link nessuno può accedere.",
                "If you did not ask for it, ignore this message: without the link nobody can sign in.",
            )),
        ],
        reason: t(
            "Ricevi questa email perché è stato chiesto un accesso alle segnalazioni inviate con questo indirizzo.",
            "You receive this e-mail because someone asked to sign in to the reports sent with this address.",
        ),
    }
    .render(config)
}
