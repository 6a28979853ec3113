//! How a message is laid out, once for plain text and once for HTML: a greeting, blocks
//! of content, and the comune's signature. The HTML is simple, inline-styled, readable
//! without images, with no remote content and no tracking pixels. Every piece of text is
//! escaped here, so a citizen's or an office's words can never become markup.

use crate::config::ComuneConfig;
use crate::html::escape;
use crate::report::Language;
use serde::{Deserialize, Serialize};

/// A rendered e-mail, ready for any provider.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub subject: String,
    pub text: String,
    pub html: String,
    /// For messages one can stop receiving: the address that stops them, sent as the
    /// List-Unsubscribe header with List-Unsubscribe-Post (RFC 8058 one-click).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unsubscribe_url: Option<String>,
}

/// One part of a message body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Block {
    Paragraph(String),
    /// Words of an office or a citizen, quoted as they wrote them.
    Quote {
        label: String,
        text: String,
    },
    /// Label and value pairs (number, topic, office...).
    Facts(Vec<(String, String)>),
    Link {
        label: String,
        url: String,
    },
}

pub struct Draft {
    pub language: Language,
    pub subject: String,
    pub greeting: String,
    pub blocks: Vec<Block>,
    /// Why the recipient gets this message, above the signature.
    pub reason: String,
}

impl Draft {
    pub fn render(self, config: &ComuneConfig) -> Message {
        let signature = signature(config, self.language);
        Message {
            text: text(&self, &signature),
            html: html(&self, &signature, config),
            subject: self.subject,
            unsubscribe_url: None,
        }
    }
}

fn signature(config: &ComuneConfig, language: Language) -> Vec<String> {
    let contacts = &config.contacts;
    let mut lines = vec![config.name.clone()];
    if let Some(address) = &contacts.address {
        lines.push(address.clone());
    }
    let (phone, email) = match language {
        Language::It => ("Telefono", "Email"),
        Language::En => ("Phone", "E-mail"),
    };
    if let Some(number) = &contacts.phone {
        lines.push(format!("{phone}: {number}"));
    }
    lines.push(format!("{email}: {}", contacts.email.as_str()));
    lines.push(match language {
        Language::It => "Messaggio automatico: le risposte a questa email non vengono lette. Per scrivere al Comune usa i recapiti qui sopra.".into(),
        Language::En => "Automatic message: replies to this e-mail are not read. To write to the comune, use the contacts above.".into(),
    });
    lines
}

fn text(draft: &Draft, signature: &[String]) -> String {
    let mut parts = vec![draft.greeting.clone()];
    for block in &draft.blocks {
        parts.push(match block {
            Block::Paragraph(text) => text.clone(),
            Block::Quote { label, text } => {
                let quoted: Vec<String> = text.lines().map(|line| format!("> {line}")).collect();
                format!("{label}:\n{}", quoted.join("\n"))
            }
            Block::Facts(facts) => facts
                .iter()
                .map(|(label, value)| format!("{label}: {value}"))
                .collect::<Vec<_>>()
                .join("\n"),
            Block::Link { label, url } => format!("{label}:\n{url}"),
        });
    }
    parts.push(draft.reason.clone());
    parts.push(format!("-- \n{}", signature.join("\n")));
    let mut text = parts.join("\n\n");
    text.push('\n');
    text
}

const FONT: &str = "font-family:'Titillium Web',Geneva,Tahoma,sans-serif";

fn html(draft: &Draft, signature: &[String], config: &ComuneConfig) -> String {
    let mut body = String::new();
    body.push_str(&format!(
        "<p style=\"margin:0 0 16px\">{}</p>\n",
        escape(&draft.greeting)
    ));
    for block in &draft.blocks {
        body.push_str(&match block {
            Block::Paragraph(text) => format!("<p style=\"margin:0 0 16px\">{}</p>\n", escape(text)),
            Block::Quote { label, text } => format!(
                "<p style=\"margin:0 0 4px;font-weight:600\">{}</p>\n<blockquote style=\"margin:0 0 16px;padding:8px 16px;border-left:4px solid #0066cc;background:#f2f7fc;white-space:pre-line\">{}</blockquote>\n",
                escape(label),
                escape(text)
            ),
            Block::Facts(facts) => {
                let rows: String = facts
                    .iter()
                    .map(|(label, value)| {
                        format!(
                            "<tr><th scope=\"row\" style=\"text-align:left;padding:2px 16px 2px 0;vertical-align:top\">{}</th><td style=\"padding:2px 0;white-space:pre-line\">{}</td></tr>",
                            escape(label),
                            escape(value)
                        )
                    })
                    .collect();
                format!("<table role=\"presentation\" style=\"margin:0 0 16px;border-collapse:collapse\">{rows}</table>\n")
            }
            Block::Link { label, url } => format!(
                "<p style=\"margin:0 0 16px\"><a href=\"{}\" style=\"color:#0066cc;font-weight:600\">{}</a></p>\n",
                escape(url),
                escape(label)
            ),
        });
    }
    body.push_str(&format!(
        "<p style=\"margin:0 0 16px;color:#5c6f82;font-size:14px\">{}</p>\n",
        escape(&draft.reason)
    ));
    let signature: Vec<String> = signature.iter().map(|line| escape(line)).collect();
    let lang = match draft.language {
        Language::It => "it",
        Language::En => "en",
    };
    format!(
        "<!doctype html>\n<html lang=\"{lang}\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width\">\n<title>{title}</title>\n</head>\n<body style=\"margin:0;padding:0;background:#ffffff;color:#1a1a1a;{FONT};font-size:16px;line-height:1.5\">\n<div style=\"max-width:600px;margin:0 auto;padding:24px\">\n<p style=\"margin:0 0 24px;padding:12px 16px;background:#0066cc;color:#ffffff;font-weight:700\">{comune}</p>\n{body}<hr style=\"border:0;border-top:1px solid #d9dadb;margin:24px 0 12px\">\n<p style=\"margin:0;color:#5c6f82;font-size:14px\">{signature}</p>\n</div>\n</body>\n</html>\n",
        title = escape(&draft.subject),
        comune = escape(&config.name),
        signature = signature.join("<br>\n"),
    )
}
