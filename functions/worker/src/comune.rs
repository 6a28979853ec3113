//! The comuni this deployment serves (embedded and validated at build time, see
//! `build.rs`), which one a request's host selects, and each comune's configuration in
//! force: the built-in file until an administrator saves a version in the dashboard.
//! Saved versions live in the comune's Durable Object; the Worker learns the version in
//! force from the comune's KV (checked at most every 30 seconds per isolate and comune)
//! and keeps the parsed configuration in memory.

use crate::tenant::{ComuneKv, Env};
use segnala_core::config::ComuneConfig;
use segnala_core::deployment::{comune_for_host, setting_for};
use std::cell::RefCell;
use std::collections::HashMap;

/// One comune of the deployment, as built in.
pub struct BuiltIn {
    pub id: &'static str,
    pub hosts: &'static [&'static str],
    pub json: &'static str,
}

include!(concat!(env!("OUT_DIR"), "/comuni.rs"));

/// KV keys (in the comune's part of KV): the version in force, and each version's JSON.
pub const VERSION_KEY: &str = "configuration:version";
const CHECK_EVERY_SECONDS: i64 = 30;

pub fn version_key(version: u32) -> String {
    format!("configuration:v{version}")
}

/// The id of the comune a request's `Host` header selects, if any.
pub fn for_host(host: &str) -> Option<&'static str> {
    comune_for_host(BUILT_IN.iter().map(|c| c.hosts), host).map(|i| BUILT_IN[i].id)
}

/// The built-in comune with this id (the id as the registry holds it).
pub fn by_id(id: &str) -> Option<&'static str> {
    BUILT_IN.iter().find(|c| c.id == id).map(|c| c.id)
}

/// Every comune of the deployment, in manifest order.
pub fn all() -> impl Iterator<Item = &'static str> {
    BUILT_IN.iter().map(|c| c.id)
}

struct InForce {
    version: u32,
    config: &'static ComuneConfig,
    checked_at: i64,
}

thread_local! {
    static IN_FORCE: RefCell<HashMap<&'static str, InForce>> = RefCell::new(HashMap::new());
    static PARSED: RefCell<HashMap<&'static str, &'static ComuneConfig>> =
        RefCell::new(HashMap::new());
}

fn entry(id: &str) -> &'static BuiltIn {
    BUILT_IN
        .iter()
        .find(|c| c.id == id)
        .expect("tenant::Env holds only built-in ids")
}

/// The configuration built into the Worker and the site for this comune: what its static
/// pages show. Parsed on first use, once per isolate.
pub fn built_in(env: &Env) -> &'static ComuneConfig {
    let id = env.comune();
    if let Some(config) = PARSED.with(|p| p.borrow().get(id).copied()) {
        return config;
    }
    let config: &'static ComuneConfig = Box::leak(Box::new(
        ComuneConfig::from_json(entry(id).json).expect("validated by build.rs"),
    ));
    PARSED.with(|p| p.borrow_mut().insert(id, config));
    config
}

/// Worker variables override settings that depend on where the service runs:
/// `PUBLIC_URL` (the address in tracking links, so a local stack on another port links to
/// itself) and `TILE_URL` (the map tiles, so tests use a local tile server), each one value
/// for every comune or `id=value` pairs; `TURNSTILE_SCRIPT_URL` and `TURNSTILE_VERIFY_URL`
/// (so tests use a local stand-in for Cloudflare's human check).
fn with_overrides(mut config: ComuneConfig, env: &Env) -> ComuneConfig {
    let setting = |name| non_empty_var(env, name).and_then(|v| setting_for(&v, &config.id));
    if let Some(url) = setting("PUBLIC_URL") {
        config.public_url = url;
    }
    if let Some(url) = setting("TILE_URL") {
        config.map.tile_url = url;
    }
    if let Some(turnstile) = config.abuse.turnstile.as_mut() {
        if let Some(url) = non_empty_var(env, "TURNSTILE_SCRIPT_URL") {
            turnstile.script_url = url;
        }
        if let Some(url) = non_empty_var(env, "TURNSTILE_VERIFY_URL") {
            turnstile.verify_url = url;
        }
    }
    config
}

/// The configuration in force for this comune in this isolate.
pub fn config(env: &Env) -> &'static ComuneConfig {
    let id = env.comune();
    if let Some(config) = IN_FORCE.with(|f| f.borrow().get(id).map(|f| f.config)) {
        return config;
    }
    put_in_force(env, 0, built_in(env).clone(), 0)
}

/// Makes `config` (with this deployment's overrides) the version in force here. Leaked
/// once per version: versions change rarely, and requests borrow it freely.
fn put_in_force(
    env: &Env,
    version: u32,
    config: ComuneConfig,
    checked_at: i64,
) -> &'static ComuneConfig {
    let config: &'static ComuneConfig = Box::leak(Box::new(with_overrides(config, env)));
    IN_FORCE.with(|f| {
        f.borrow_mut().insert(
            env.comune(),
            InForce {
                version,
                config,
                checked_at,
            },
        )
    });
    config
}

/// The configuration file built into the Worker for this comune (version 0), as written.
pub fn built_in_json(env: &Env) -> &'static str {
    entry(env.comune()).json
}

/// The version in force here (0: built in).
pub fn version(env: &Env) -> u32 {
    config(env);
    IN_FORCE.with(|f| f.borrow().get(env.comune()).map_or(0, |f| f.version))
}

/// Puts a saved version in force here, unless a newer one already is. Versions only grow
/// (a rollback is a new version), so an older answer can never undo a newer one.
pub fn install(env: &Env, version: u32, json: &str) -> Result<(), String> {
    if version <= self::version(env) {
        return Ok(());
    }
    let parsed = ComuneConfig::from_json(json).map_err(|e| e.to_string())?;
    if parsed.id != env.comune() {
        return Err(format!(
            "version {version} is for comune {}, not {}",
            parsed.id,
            env.comune()
        ));
    }
    put_in_force(env, version, parsed, crate::platform::now().timestamp());
    Ok(())
}

/// The version the comune's KV names as in force, `None` while none was ever published.
pub async fn published_version(kv: &ComuneKv) -> worker::Result<Option<u32>> {
    let text = kv
        .get(VERSION_KEY)
        .text()
        .await
        .map_err(|e| worker::Error::RustError(e.to_string()))?;
    Ok(text.map(|text| text.trim().parse().unwrap_or(0)))
}

/// Before serving a request: takes up a newer version saved elsewhere, if KV names one.
/// Failures keep the configuration in force (and are logged).
pub async fn refresh(env: &Env) {
    let now = crate::platform::now().timestamp();
    let current = version(env);
    let due = IN_FORCE.with(|f| {
        let mut f = f.borrow_mut();
        match f.get_mut(env.comune()) {
            Some(f) if now - f.checked_at < CHECK_EVERY_SECONDS => false,
            Some(f) => {
                f.checked_at = now;
                true
            }
            None => true,
        }
    });
    if !due {
        return;
    }
    let Ok(kv) = env.kv() else { return };
    let latest = match published_version(&kv).await {
        Ok(Some(version)) => version,
        Ok(None) => return,
        Err(error) => {
            worker::console_error!("configuration: cannot read the version in force: {error}");
            return;
        }
    };
    if latest <= current {
        return;
    }
    match kv.get(&version_key(latest)).text().await {
        Ok(Some(json)) => {
            if let Err(error) = install(env, latest, &json) {
                worker::console_error!("configuration: version {latest} does not parse: {error}");
            }
        }
        other => worker::console_error!("configuration: version {latest} missing: {other:?}"),
    }
}

pub fn non_empty_var(env: &worker::Env, name: &str) -> Option<String> {
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
    /// Every outbox message goes on the queue twice (the queue delivers at least once).
    pub duplicate_outbox: bool,
    /// The outbox consumer fails on every message, so the queue dead-letters them.
    pub outbox_consumer: bool,
}

impl Faults {
    pub fn from_env(env: &worker::Env) -> Self {
        let names = non_empty_var(env, "FAULTS").unwrap_or_default();
        let has = |name: &str| names.split(',').any(|n| n.trim() == name);
        Self {
            photo_storage: has("photo-storage"),
            ticket_store: has("ticket-store"),
            duplicate_outbox: has("duplicate-outbox"),
            outbox_consumer: has("outbox-consumer"),
        }
    }
}
