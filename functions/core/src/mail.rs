//! E-mail messages: what citizens and offices are told, rendered as plain text and HTML
//! in the core so every message is tested natively (snapshots in `mail/snapshots/`). The
//! HTTP mail providers' requests and answers are in `provider`; the delivery (outbox
//! queue, retries) lives in the Worker.

pub mod citizen;
pub mod follower;
mod layout;
pub mod office;
pub mod provider;
pub mod sign_in;

pub use citizen::{citizen_message, Notice};
pub use layout::Message;

#[cfg(test)]
mod tests;
