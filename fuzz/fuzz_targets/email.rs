//! E-mail addresses (`Email::parse`): the reporter's, a follower's, a sign-in request's,
//! the configuration's. An accepted address is the input trimmed, at most 254 bytes, with
//! no whitespace, one `@` part and a dotted domain; it parses again to itself, also through
//! serde (as stored), and an address with whitespace inside is never accepted.
#![no_main]

use libfuzzer_sys::fuzz_target;
use segnala_core::email::Email;

fuzz_target!(|data: &[u8]| {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(email) = Email::parse(input) else {
        assert!(
            serde_json::from_value::<Email>(serde_json::Value::String(input.to_string())).is_err(),
            "serde accepts what parse refuses"
        );
        return;
    };
    let text = email.as_str();
    assert_eq!(text, input.trim());
    assert!(text.len() <= 254);
    assert!(!text.chars().any(char::is_whitespace));
    let (local, domain) = text.rsplit_once('@').expect("an address has an @");
    assert!(!local.is_empty());
    assert!(domain.contains('.') && !domain.ends_with('.') && !domain.starts_with('['));
    assert_eq!(Email::parse(text).as_ref(), Ok(&email));
    assert_eq!(email.to_string(), text);

    let stored = serde_json::to_string(&email).unwrap();
    let back: Email = serde_json::from_str(&stored).expect("a stored address reads back");
    assert_eq!(back, email);
});
