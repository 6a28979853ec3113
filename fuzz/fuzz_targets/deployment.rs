//! The deployment manifest (`Deployment::from_json`, `config/comuni.json`) and the choice
//! of a comune by `Host` header (`comune_for_host`, `normalise_host`). An accepted manifest
//! lists comuni with lowercase hostnames, each host once and at most one catch-all; each
//! listed host, as a browser may send it (with a port, in capitals, with a trailing dot),
//! selects its own comune; the manifest saved and read again is the same.
#![no_main]

use libfuzzer_sys::fuzz_target;
use segnala_core::deployment::{comune_for_host, normalise_host, Deployment, ANY_HOST};
use std::collections::HashSet;

fuzz_target!(|data: &[u8]| {
    let Ok(json) = std::str::from_utf8(data) else {
        return;
    };
    // Whatever the header, the host it names is lowercase, without port or trailing dot.
    let host = normalise_host(json);
    assert_eq!(host, host.to_ascii_lowercase());
    assert!(!host.ends_with('.'));

    let Ok(deployment) = Deployment::from_json(json) else {
        return;
    };
    assert!(!deployment.comuni.is_empty());
    let mut seen = HashSet::new();
    for comune in &deployment.comuni {
        assert!(!comune.hosts.is_empty());
        for host in &comune.hosts {
            assert!(seen.insert(host.as_str()), "{host} listed twice");
            assert_eq!(host, &host.to_ascii_lowercase());
        }
    }
    let hosts: Vec<Vec<&str>> = deployment
        .comuni
        .iter()
        .map(|c| c.hosts.iter().map(String::as_str).collect())
        .collect();
    let table = || hosts.iter().map(Vec::as_slice);
    for (i, comune) in deployment.comuni.iter().enumerate() {
        for host in comune.hosts.iter().filter(|h| *h != ANY_HOST) {
            for header in [
                host.clone(),
                format!("{host}:8787"),
                host.to_ascii_uppercase(),
                format!("{host}."),
            ] {
                assert_eq!(comune_for_host(table(), &header), Some(i), "{header}");
            }
        }
    }
    let saved = serde_json::to_string(&deployment).unwrap();
    let again = Deployment::from_json(&saved).expect("a saved manifest is accepted");
    assert_eq!(again, deployment);
});
