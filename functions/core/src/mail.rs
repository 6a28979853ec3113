//! E-mail messages: what citizens and offices are told, rendered as plain text and HTML
//! in the core so every message is tested natively (snapshots in `mail/snapshots/`). The
//! delivery (outbox queue, provider adapters, retries) lives in the Worker.

pub mod citizen;
mod layout;
pub mod office;

pub use citizen::{citizen_message, Notice};
pub use layout::Message;

#[cfg(test)]
mod tests;
