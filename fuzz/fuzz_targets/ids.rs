//! Identifiers that arrive in addresses and bodies: tracking tokens (`TrackingToken::parse`,
//! the citizen's capability), public numbers (`PublicNumber::parse`, `2026-000123`),
//! ticket ids and staff ids (UUIDs). Each accepted value is written back as text that
//! parses to the same value, also through serde; a token is 26 lowercase base32
//! characters, a number a four-digit year and a sequence from 1.
#![no_main]

use libfuzzer_sys::fuzz_target;
use segnala_core::ids::{TicketId, TrackingToken};
use segnala_core::public_number::PublicNumber;
use segnala_core::staff::StaffId;

fn serde_round_trip<T>(value: &T)
where
    T: serde::Serialize + serde::de::DeserializeOwned + PartialEq + std::fmt::Debug,
{
    let text = serde_json::to_string(value).unwrap();
    let back: T = serde_json::from_str(&text).expect("a stored identifier reads back");
    assert_eq!(&back, value);
}

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };

    if let Ok(token) = TrackingToken::parse(input) {
        assert_eq!(token.as_str(), input);
        assert_eq!(input.len(), 26);
        assert!(input
            .bytes()
            .all(|b| matches!(b, b'a'..=b'z' | b'2'..=b'7')));
        assert_eq!(
            TrackingToken::parse(&token.to_string()).as_ref(),
            Ok(&token)
        );
        serde_round_trip(&token);
    }

    if let Ok(number) = PublicNumber::parse(input) {
        assert!((0..=9999).contains(&number.year()) && number.sequence() >= 1);
        let written = number.to_string();
        assert_eq!(PublicNumber::parse(&written), Ok(number), "{written}");
        assert!(written.len() >= 11, "{written}");
        serde_round_trip(&number);
    }

    if let Ok(id) = input.parse::<TicketId>() {
        assert_eq!(id.to_string().parse::<TicketId>().ok(), Some(id));
        serde_round_trip(&id);
    }

    if let Ok(id) = StaffId::parse(input) {
        assert_eq!(StaffId::parse(&id.to_string()).as_ref(), Ok(&id));
        serde_round_trip(&id);
    }
});
