//! The comune served by this Worker: its configuration, embedded and validated at build time.

use segnala_core::config::ComuneConfig;
use std::sync::OnceLock;
use worker::Env;

const CONFIG_JSON: &str = include_str!(concat!(env!("OUT_DIR"), "/comune.json"));

/// The configuration, parsed once per isolate. `PUBLIC_URL` (a Worker variable) overrides
/// the configured public address, so a local stack on another port links to itself.
pub fn config(env: &Env) -> &'static ComuneConfig {
    static CONFIG: OnceLock<ComuneConfig> = OnceLock::new();
    CONFIG.get_or_init(|| {
        let mut config = ComuneConfig::from_json(CONFIG_JSON).expect("validated by build.rs");
        if let Ok(url) = env.var("PUBLIC_URL") {
            let url = url.to_string();
            if !url.is_empty() {
                config.public_url = url;
            }
        }
        config
    })
}
