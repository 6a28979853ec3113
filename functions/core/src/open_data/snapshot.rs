//! Daily snapshots of the open data, written by the cron to their own R2 bucket so heavy
//! readers download a file instead of walking the live store: which files a snapshot has,
//! where they live, the index that lists them, which old ones to drop, and how an export
//! streamed page by page is cut into the parts of a multipart upload.

use crate::config::ComuneConfig;
use crate::working_days::rome_date;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// R2 wants every part of a multipart upload but the last to be at least 5 MiB.
pub const PART_BYTES: usize = 5 * 1024 * 1024;
/// Every snapshot of the last days is kept, and the first of each month for good.
pub const DAILY_DAYS_KEPT: i64 = 31;
/// The object listing every snapshot, newest first.
pub const INDEX_KEY: &str = "snapshots/index.json";

/// The files of a snapshot: the whole reports dataset in two forms, and the statistics of
/// the default period (the last twelve months).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SnapshotFile {
    ReportsCsv,
    ReportsGeoJson,
    Statistics,
}

impl SnapshotFile {
    pub const ALL: [SnapshotFile; 3] = [Self::ReportsCsv, Self::ReportsGeoJson, Self::Statistics];

    pub fn name(self) -> &'static str {
        match self {
            Self::ReportsCsv => "reports.csv",
            Self::ReportsGeoJson => "reports.geojson",
            Self::Statistics => "statistics.json",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|f| f.name() == name)
    }

    pub fn media_type(self) -> &'static str {
        match self {
            Self::ReportsCsv => "text/csv; charset=utf-8",
            Self::ReportsGeoJson => "application/geo+json; charset=utf-8",
            Self::Statistics => "application/json; charset=utf-8",
        }
    }

    /// The object's key: `snapshots/2026-11-25/reports.csv`.
    pub fn key(self, date: NaiveDate) -> String {
        format!("snapshots/{date}/{}", self.name())
    }

    /// Where readers download it.
    pub fn path(self, date: NaiveDate) -> String {
        format!("/api/v1/open-data/snapshots/{date}/{}", self.name())
    }

    /// The name a download is saved under: `segnalazioni-bergamo-2026-11-25.csv`.
    pub fn download_name(self, comune: &str, date: NaiveDate) -> String {
        let (stem, extension) = match self {
            Self::ReportsCsv => ("segnalazioni", "csv"),
            Self::ReportsGeoJson => ("segnalazioni", "geojson"),
            Self::Statistics => ("statistiche", "json"),
        };
        format!("{stem}-{comune}-{date}.{extension}")
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotEntry {
    pub name: String,
    pub url: String,
    pub media_type: String,
    pub bytes: u64,
    /// Reports in the file (none for the statistics).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reports: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snapshot {
    /// The day (Rome time) it was taken.
    pub date: NaiveDate,
    pub generated_at: DateTime<Utc>,
    /// The publication policy it was written under ([`policy_of`]).
    #[serde(default)]
    pub policy: String,
    pub files: Vec<SnapshotEntry>,
}

/// A fingerprint of everything that decides what a published record shows (the comune's
/// open-data settings and each category's overrides). Files written under another policy
/// are withdrawn, so that a comune that stops publishing descriptions or places also takes
/// back the files already out.
pub fn policy_of(config: &ComuneConfig) -> String {
    let categories: Vec<(&str, Option<bool>, Option<bool>)> = config
        .themes
        .iter()
        .flat_map(|t| &t.categories)
        .map(|c| (c.id.as_str(), c.publish_description, c.publish_location))
        .collect();
    let policy =
        serde_json::to_string(&(&config.open_data, categories)).expect("settings serialise");
    data_encoding::HEXLOWER.encode(&Sha256::digest(policy.as_bytes())[..8])
}

/// Every snapshot kept, newest first: what `snapshots.json` shows.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct SnapshotIndex {
    pub snapshots: Vec<Snapshot>,
}

impl SnapshotIndex {
    /// Whether today's snapshot is still to be taken.
    pub fn is_due(&self, now: DateTime<Utc>) -> bool {
        let today = rome_date(now);
        !self.snapshots.iter().any(|s| s.date == today)
    }

    pub fn latest(&self) -> Option<&Snapshot> {
        self.snapshots.first()
    }

    /// The snapshot of `date`, if it is kept.
    pub fn on(&self, date: NaiveDate) -> Option<&Snapshot> {
        self.snapshots.iter().find(|s| s.date == date)
    }

    /// Drops the snapshots written under another policy; returns their dates.
    pub fn withdraw_other_policies(&mut self, policy: &str) -> Vec<NaiveDate> {
        let (kept, withdrawn): (Vec<Snapshot>, Vec<Snapshot>) = std::mem::take(&mut self.snapshots)
            .into_iter()
            .partition(|s| s.policy == policy);
        self.snapshots = kept;
        withdrawn.into_iter().map(|s| s.date).collect()
    }

    /// Adds (or replaces) a snapshot and returns the dates no longer kept: those older than
    /// [`DAILY_DAYS_KEPT`] days, except the first snapshot of each month.
    pub fn add(&mut self, snapshot: Snapshot) -> Vec<NaiveDate> {
        let today = snapshot.date;
        self.snapshots.retain(|s| s.date != snapshot.date);
        self.snapshots.push(snapshot);
        self.snapshots.sort_by_key(|s| std::cmp::Reverse(s.date));
        let first_of_month = |date: NaiveDate, all: &[Snapshot]| {
            !all.iter().any(|other| {
                other.date < date
                    && (other.date.year(), other.date.month()) == (date.year(), date.month())
            })
        };
        let all = self.snapshots.clone();
        let (kept, dropped): (Vec<Snapshot>, Vec<Snapshot>) = all.iter().cloned().partition(|s| {
            (today - s.date).num_days() < DAILY_DAYS_KEPT || first_of_month(s.date, &all)
        });
        self.snapshots = kept;
        dropped.into_iter().map(|s| s.date).collect()
    }
}

/// Cuts a stream of text into upload parts of exactly `size` bytes, the last one shorter:
/// R2 wants every part but the last to be the same size (at least 5 MiB) and the last no
/// larger. Holds less than one part and one page at a time.
#[derive(Debug)]
pub struct Parts {
    size: usize,
    buffer: Vec<u8>,
    /// Bytes handed in so far.
    pub total: u64,
}

impl Parts {
    pub fn new(size: usize) -> Self {
        Self {
            size,
            buffer: Vec::new(),
            total: 0,
        }
    }

    /// Takes a piece of the file; returns the whole parts it completes (a large page may
    /// complete several).
    pub fn push(&mut self, bytes: &[u8]) -> Vec<Vec<u8>> {
        self.total += bytes.len() as u64;
        self.buffer.extend_from_slice(bytes);
        let mut parts = Vec::new();
        while self.buffer.len() >= self.size {
            let rest = self.buffer.split_off(self.size);
            parts.push(std::mem::replace(&mut self.buffer, rest));
        }
        parts
    }

    /// The last part: what is left, possibly nothing if the file ended on a part boundary.
    pub fn finish(self) -> Vec<u8> {
        self.buffer
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn day(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    fn snapshot(date: NaiveDate) -> Snapshot {
        Snapshot {
            date,
            generated_at: Utc.from_utc_datetime(&date.and_hms_opt(1, 0, 0).unwrap()),
            policy: "p1".into(),
            files: vec![],
        }
    }

    #[test]
    fn a_snapshot_is_due_once_per_rome_day() {
        let mut index = SnapshotIndex::default();
        // 23:30 UTC on 24 November is already 25 November in Rome.
        let late = Utc.with_ymd_and_hms(2026, 11, 24, 23, 30, 0).unwrap();
        assert!(index.is_due(late));
        index.add(snapshot(day(2026, 11, 25)));
        assert!(!index.is_due(late));
        assert!(!index.is_due(Utc.with_ymd_and_hms(2026, 11, 25, 22, 59, 0).unwrap()));
        assert!(index.is_due(Utc.with_ymd_and_hms(2026, 11, 25, 23, 0, 0).unwrap()));
    }

    #[test]
    fn keeps_a_month_of_daily_snapshots_and_the_first_of_every_month() {
        let mut index = SnapshotIndex::default();
        let mut dropped = vec![];
        let mut date = day(2026, 8, 15);
        while date <= day(2026, 11, 25) {
            dropped.extend(index.add(snapshot(date)));
            date = date.succ_opt().unwrap();
        }
        let kept: Vec<NaiveDate> = index.snapshots.iter().map(|s| s.date).collect();
        // 26 October to 25 November, every day; before that, the first of each month.
        assert_eq!(kept.len(), 31 + 3);
        assert_eq!(kept[0], day(2026, 11, 25));
        assert_eq!(kept[30], day(2026, 10, 26));
        assert_eq!(
            &kept[31..],
            [day(2026, 10, 1), day(2026, 9, 1), day(2026, 8, 15)]
        );
        assert!(dropped.contains(&day(2026, 10, 25)));
        assert!(!dropped.contains(&day(2026, 9, 1)));
        assert_eq!(dropped.len(), 103 - kept.len());
    }

    #[test]
    fn a_snapshot_taken_again_the_same_day_replaces_the_first() {
        let mut index = SnapshotIndex::default();
        index.add(snapshot(day(2026, 11, 25)));
        let mut again = snapshot(day(2026, 11, 25));
        again.generated_at += chrono::Duration::minutes(10);
        assert_eq!(index.add(again.clone()), vec![]);
        assert_eq!(index.snapshots, vec![again]);
    }

    #[test]
    fn parts_are_all_the_same_size_but_a_shorter_last_one() {
        let mut parts = Parts::new(5);
        let mut uploaded = vec![];
        for piece in ["abc", "defg", "", "hijklmnopqrstuvwxyz", "12"] {
            uploaded.extend(parts.push(piece.as_bytes()));
        }
        assert_eq!(parts.total, 28);
        let last = parts.finish();
        assert_eq!(
            uploaded,
            [&b"abcde"[..], b"fghij", b"klmno", b"pqrst", b"uvwxy"]
        );
        assert_eq!(last, b"z12");
        // A file that ends on a boundary leaves nothing for a last part.
        let mut exact = Parts::new(3);
        assert_eq!(exact.push(b"abcdef").len(), 2);
        assert!(exact.finish().is_empty());
    }

    #[test]
    fn snapshots_written_under_another_publication_policy_are_withdrawn() {
        let mut config = crate::config::tests_support::demo_config();
        let before = policy_of(&config);
        let mut index = SnapshotIndex::default();
        let mut old = snapshot(day(2026, 11, 1));
        old.policy = before.clone();
        index.add(old);
        assert_eq!(index.withdraw_other_policies(&before), vec![]);
        config.open_data.publish_descriptions = true;
        let wider = policy_of(&config);
        assert_ne!(wider, before);
        config.open_data.publish_descriptions = false;
        config.themes[0].categories[0].publish_location = Some(false);
        let narrower = policy_of(&config);
        assert_ne!(narrower, before);
        assert_eq!(
            index.withdraw_other_policies(&narrower),
            vec![day(2026, 11, 1)]
        );
        assert!(index.snapshots.is_empty());
        assert!(index.is_due(Utc.with_ymd_and_hms(2026, 11, 1, 12, 0, 0).unwrap()));
    }

    #[test]
    fn only_the_three_snapshot_files_exist() {
        assert_eq!(
            SnapshotFile::parse("reports.csv"),
            Some(SnapshotFile::ReportsCsv)
        );
        assert_eq!(SnapshotFile::parse("../index.json"), None);
        assert_eq!(SnapshotFile::parse("index.json"), None);
        assert_eq!(
            SnapshotFile::Statistics.download_name("bergamo", day(2026, 11, 25)),
            "statistiche-bergamo-2026-11-25.json"
        );
        assert_eq!(
            SnapshotFile::ReportsGeoJson.key(day(2026, 11, 25)),
            "snapshots/2026-11-25/reports.geojson"
        );
    }
}
