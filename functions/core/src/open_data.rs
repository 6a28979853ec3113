//! The public open data of a comune's reports: the filters readers may use
//! ([`query`]), the one record per report that may leave the service ([`record`], the
//! only place that decides what is published), and its JSON, CSV and GeoJSON forms
//! ([`formats`]). Statistics are in [`crate::statistics`], dataset
//! metadata (DCAT-AP_IT) in [`catalog`].

pub mod catalog;
pub mod formats;
pub mod query;
pub mod record;
pub mod snapshot;

#[cfg(test)]
pub(crate) mod tests;

use chrono::NaiveDate;
use sha2::{Digest, Sha256};

/// The HTTP entity tag of a published answer: it changes when a ticket changes (`data`,
/// the store's last event), when the configuration changes (names, publication policy),
/// when the day changes (deadlines run out), and with the form and the query.
pub fn entity_tag(
    form: &str,
    query: &query::OpenDataQuery,
    data: i64,
    configuration: u32,
    today: NaiveDate,
) -> String {
    let mut hash = Sha256::new();
    hash.update(format!(
        "{form}\n{}\n{data}\n{configuration}\n{today}",
        query.canonical()
    ));
    let digest = hash.finalize();
    format!("\"{}\"", data_encoding::HEXLOWER.encode(&digest[..12]))
}

/// Whether an `If-None-Match` header names `tag` (weak or strong, or `*`).
pub fn matches_tag(if_none_match: &str, tag: &str) -> bool {
    if_none_match
        .split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == "*" || t == tag)
}
