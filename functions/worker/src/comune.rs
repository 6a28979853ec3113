//! The comune served by this Worker: its configuration, embedded and validated at build time.

use segnala_core::config::ComuneConfig;
use std::sync::OnceLock;
use worker::Env;

const CONFIG_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/comune.json"));

/// The configuration, parsed once per isolate. Worker variables override two settings that
/// depend on where the service runs: `PUBLIC_URL` (the address in tracking links, so a local
/// stack on another port links to itself) and `TILE_URL` (the map tiles, so tests use a
/// local tile server).
pub fn config(env: &Env) -> &'static ComuneConfig {
    static CONFIG: OnceLock<ComuneConfig> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let mut config = ComuneConfig::from_json(CONFIG_JSON).expect("validated by build.rs");
        if let Some(url) = non_empty_var(env, "PUBLIC_URL") {
            config.public_url = url;
        }
        if let Some(url) = non_empty_var(env, "TILE_URL") {
            config.map.tile_url = url;
        }
        config
    })
}

pub fn non_empty_var(env: &Env, name: &str) -> Option<String> {
    env.var(name)
        .ok()
        .map(|v| v.to_string())
        .filter(|v| !v.is_empty())
}

/// Failures to simulate, named in the `FAULTS` variable (comma-separated). Only the test
/// suites set it, to prove that a failing dependency never leaves half-created tickets.
#[derive(Debug, Default, Clone, Copy)]
pub struct Faults {
    /// The second photo upload to R2 fails.
    pub photo_storage: bool,
    /// The ticket store refuses to create tickets.
    pub ticket_store: bool,
}

impl Faults {
    pub fn from_env(env: &Env) -> Self {
        let names = non_empty_var(env, "FAULTS").unwrap_or_default();
        let has = |name: &str| names.split(',').any(|n| n.trim() == name);
        Self {
            photo_storage: has("photo-storage"),
            ticket_store: has("ticket-store"),
        }
    }
}
