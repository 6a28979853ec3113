//! The clock and the randomness the core asks for, from the Workers runtime.

use chrono::{DateTime, Utc};
use segnala_core::ids::Entropy;

/// Current time from the runtime (`Date.now()`; `SystemTime::now()` panics on wasm32).
pub fn now() -> DateTime<Utc> {
    let millis = js_sys::Date::now() as i64;
    DateTime::from_timestamp_millis(millis).expect("the runtime clock is within chrono's range")
}

/// `crypto.getRandomValues`, through getrandom's `js` backend.
pub struct CryptoEntropy;

impl Entropy for CryptoEntropy {
    fn fill(&mut self, buffer: &mut [u8]) {
        getrandom::getrandom(buffer).expect("crypto.getRandomValues is available in Workers");
    }
}
