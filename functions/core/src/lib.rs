//! Domain core of Segnala.
//!
//! Everything here is plain Rust with no dependency on the Workers runtime, so it is
//! unit-tested natively. The clock and the source of randomness are always passed in:
//! `SystemTime::now()` and OS randomness do not exist on `wasm32-unknown-unknown`.

pub mod api;
pub mod api_keys;
pub mod branding;
pub mod citizen_access;
pub mod config;
pub mod csv;
pub mod dashboard;
pub mod deployment;
pub mod email;
pub mod field_error;
pub mod filters;
pub mod follow_up;
pub mod geo;
pub mod html;
pub mod idempotency;
pub mod ids;
pub mod italian_time;
pub mod mail;
pub mod migrations;
pub mod nearby;
pub mod open311;
pub mod open_data;
pub mod photo;
pub mod public_number;
pub mod rate_limit;
pub mod report;
pub mod routing;
pub mod security_headers;
pub mod staff;
pub mod statistics;
pub mod status;
pub mod store;
pub mod subscription;
pub mod text;
pub mod ticket;
pub mod transfer;
pub mod turnstile;
pub mod workflow;
pub mod working_days;

/// Version of the service, reported by the health endpoint.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");
