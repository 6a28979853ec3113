//! Human-friendly ticket numbers such as `2026-000123`: the year of the report in Italy and
//! a sequence that restarts every year. The sequence is assigned by the comune's store inside
//! the same transaction as the ticket, so numbers are unique and without gaps.

use chrono::{DateTime, Datelike, Duration, Utc};
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct PublicNumber {
    year: i32,
    sequence: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a ticket number (expected YEAR-NNNNNN)")]
pub struct InvalidPublicNumber;

impl PublicNumber {
    pub fn new(year: i32, sequence: u32) -> Self {
        Self { year, sequence }
    }

    pub fn year(&self) -> i32 {
        self.year
    }

    pub fn sequence(&self) -> u32 {
        self.sequence
    }

    pub fn parse(input: &str) -> Result<Self, InvalidPublicNumber> {
        let (year, sequence) = input.split_once('-').ok_or(InvalidPublicNumber)?;
        if year.len() != 4 || sequence.len() < 6 {
            return Err(InvalidPublicNumber);
        }
        if !year
            .bytes()
            .chain(sequence.bytes())
            .all(|b| b.is_ascii_digit())
        {
            return Err(InvalidPublicNumber);
        }
        let year = year.parse().map_err(|_| InvalidPublicNumber)?;
        let sequence: u32 = sequence.parse().map_err(|_| InvalidPublicNumber)?;
        if sequence == 0 {
            return Err(InvalidPublicNumber);
        }
        Ok(Self { year, sequence })
    }
}

/// The calendar year in Italy at `now`. Around New Year Italy is always on CET (UTC+1),
/// so a fixed offset is exact for this purpose and spares a time-zone database in the Worker.
pub fn italian_year(now: DateTime<Utc>) -> i32 {
    // At chrono's very last hour (an imported date) there is no next year to be in.
    now.checked_add_signed(Duration::hours(1))
        .unwrap_or(now)
        .year()
}

impl fmt::Display for PublicNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Four digits, as `parse` requires: `0999-000001` is accepted (an imported ticket
        // filed in 999), and must be written so that it reads back.
        write!(f, "{:04}-{:06}", self.year, self.sequence)
    }
}

impl TryFrom<String> for PublicNumber {
    type Error = InvalidPublicNumber;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Self::parse(&value)
    }
}

impl From<PublicNumber> for String {
    fn from(value: PublicNumber) -> Self {
        value.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn formats_the_sequence_on_six_digits() {
        assert_eq!(PublicNumber::new(2026, 123).to_string(), "2026-000123");
        assert_eq!(
            PublicNumber::new(2026, 1_234_567).to_string(),
            "2026-1234567"
        );
    }

    #[test]
    fn parses_what_it_formats() {
        let number = PublicNumber::new(2026, 42);
        assert_eq!(PublicNumber::parse(&number.to_string()).unwrap(), number);
    }

    #[test]
    fn writes_a_year_before_1000_with_four_digits_so_that_the_number_reads_back() {
        // Found by the fuzzer (fuzz/fuzz_targets/ids.rs, transfer_import.rs): an import
        // accepts a ticket numbered `0999-000001`, and the store writes the number as text
        // and parses it when reading the ticket back.
        let number = PublicNumber::parse("0999-000001").unwrap();
        assert_eq!(number.to_string(), "0999-000001");
        assert_eq!(PublicNumber::parse(&number.to_string()), Ok(number));
        assert_eq!(PublicNumber::new(0, 6).to_string(), "0000-000006");
    }

    #[test]
    fn rejects_malformed_numbers() {
        for bad in [
            "",
            "2026",
            "2026-12",
            "26-000123",
            "2026-000000",
            "2026-00012a",
            "+026-000123",
        ] {
            assert!(PublicNumber::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn does_not_panic_on_an_instant_in_the_last_hour_chrono_can_represent() {
        // Caught by fuzz/fuzz_targets/transfer_import.rs, seeded with a line filed in chrono's
        // last hour: an import's `created_at` may be any instant up to +262142-12-31T23:59Z.
        let last = DateTime::<Utc>::MAX_UTC;
        assert_eq!(italian_year(last), last.year());
    }

    #[test]
    fn a_report_at_half_past_midnight_on_new_year_in_italy_belongs_to_the_new_year() {
        let utc = Utc.with_ymd_and_hms(2026, 12, 31, 23, 30, 0).unwrap();
        assert_eq!(italian_year(utc), 2027);
        let utc = Utc.with_ymd_and_hms(2026, 12, 31, 22, 59, 0).unwrap();
        assert_eq!(italian_year(utc), 2026);
    }
}
