//! Cloudflare Access tokens: the claims are checked by the core (`staff::sso`), the RS256
//! signature here with WebCrypto against the team's published keys. The keys are cached
//! for the isolate's life, refreshed hourly or when a token names an unknown key (at most
//! once a minute, so forged key ids cannot make us hammer the team's endpoint).

use crate::comune::non_empty_var;
use crate::platform::now;
use crate::tenant::Env;
use segnala_core::email::Email;
use segnala_core::staff::sso::{check_token, AccessError, AccessSettings, Jwk, Jwks};
use std::cell::RefCell;
use worker::wasm_bindgen::prelude::*;
use worker::wasm_bindgen::JsCast;
use worker::{js_sys, wasm_bindgen_futures::JsFuture, Fetch, Request};

const HEADER: &str = "Cf-Access-Jwt-Assertion";
const COOKIE: &str = "CF_Authorization";
const KEYS_MAX_AGE_SECONDS: i64 = 3600;
const REFRESH_AT_MOST_EVERY_SECONDS: i64 = 60;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_namespace = ["crypto", "subtle"], js_name = importKey)]
    fn import_key(
        format: &str,
        key: &JsValue,
        algorithm: &JsValue,
        extractable: bool,
        usages: &js_sys::Array,
    ) -> Result<js_sys::Promise, JsValue>;

    #[wasm_bindgen(catch, js_namespace = ["crypto", "subtle"], js_name = verify)]
    fn verify(
        algorithm: &JsValue,
        key: &JsValue,
        signature: &js_sys::Uint8Array,
        data: &js_sys::Uint8Array,
    ) -> Result<js_sys::Promise, JsValue>;
}

struct CachedKeys {
    keys: Jwks,
    fetched_at: i64,
}

thread_local! {
    static KEYS: RefCell<Option<CachedKeys>> = const { RefCell::new(None) };
}

pub fn settings(env: &Env) -> Option<AccessSettings> {
    AccessSettings::new(
        &non_empty_var(env, "ACCESS_TEAM_DOMAIN")?,
        &non_empty_var(env, "ACCESS_AUD")?,
    )
}

fn token(request: &Request) -> Option<String> {
    let headers = request.headers();
    if let Ok(Some(token)) = headers.get(HEADER) {
        return Some(token);
    }
    let cookies = headers.get("Cookie").ok().flatten()?;
    cookies.split(';').find_map(|pair| {
        let (name, value) = pair.trim().split_once('=')?;
        (name == COOKIE).then(|| value.to_string())
    })
}

/// The e-mail address of a request signed in through Access, if single sign-on is on and
/// its token is valid; any problem is logged and means "not signed in".
pub async fn verified_email(request: &Request, env: &Env) -> Option<Email> {
    let settings = settings(env)?;
    let token = token(request)?;
    match verify_token(&token, &settings).await {
        Ok(email) => Some(email),
        Err(reason) => {
            worker::console_log!("access token refused: {reason}");
            None
        }
    }
}

async fn verify_token(token: &str, settings: &AccessSettings) -> Result<Email, AccessError> {
    let checked = check_token(token, settings, now())?;
    let key = key(settings, &checked.key_id)
        .await
        .ok_or(AccessError::UnknownKey)?;
    if signature_matches(&key, &checked.signature, checked.signed_part.as_bytes())
        .await
        .unwrap_or(false)
    {
        Ok(checked.email)
    } else {
        Err(AccessError::BadSignature)
    }
}

async fn key(settings: &AccessSettings, kid: &str) -> Option<Jwk> {
    let now = now().timestamp();
    let (cached, age) = KEYS.with(|keys| {
        let keys = keys.borrow();
        match keys.as_ref() {
            Some(cached) => (cached.keys.key(kid).cloned(), now - cached.fetched_at),
            None => (None, i64::MAX),
        }
    });
    if cached.is_some() && age < KEYS_MAX_AGE_SECONDS {
        return cached;
    }
    if age < REFRESH_AT_MOST_EVERY_SECONDS {
        return cached;
    }
    // Every attempt counts, failed ones too: a failing endpoint is not asked again for a
    // minute, whatever tokens arrive meanwhile.
    KEYS.with(|cache| {
        let mut cache = cache.borrow_mut();
        match cache.as_mut() {
            Some(cached) => cached.fetched_at = now,
            None => {
                *cache = Some(CachedKeys {
                    keys: Jwks { keys: vec![] },
                    fetched_at: now,
                })
            }
        }
    });
    match fetch_keys(settings).await {
        Ok(keys) => {
            let found = keys.key(kid).cloned();
            KEYS.with(|cache| {
                *cache.borrow_mut() = Some(CachedKeys {
                    keys,
                    fetched_at: now,
                })
            });
            found
        }
        Err(error) => {
            worker::console_error!("access: cannot fetch the team's keys: {error}");
            cached
        }
    }
}

async fn fetch_keys(settings: &AccessSettings) -> worker::Result<Jwks> {
    let url = worker::Url::parse(&settings.certs_url())?;
    let mut response = Fetch::Url(url).send().await?;
    if response.status_code() != 200 {
        return Err(worker::Error::RustError(format!(
            "certs answered {}",
            response.status_code()
        )));
    }
    response.json().await
}

async fn signature_matches(key: &Jwk, signature: &[u8], data: &[u8]) -> Result<bool, JsValue> {
    let algorithm = js_sys::Object::new();
    js_sys::Reflect::set(&algorithm, &"name".into(), &"RSASSA-PKCS1-v1_5".into())?;
    js_sys::Reflect::set(&algorithm, &"hash".into(), &"SHA-256".into())?;
    let jwk = js_sys::Object::new();
    for (name, value) in [("kty", "RSA"), ("n", key.n.as_str()), ("e", key.e.as_str())] {
        js_sys::Reflect::set(&jwk, &name.into(), &value.into())?;
    }
    let usages = js_sys::Array::of1(&"verify".into());
    let crypto_key = JsFuture::from(import_key("jwk", &jwk, &algorithm, false, &usages)?).await?;
    let verified = JsFuture::from(verify(
        &algorithm,
        &crypto_key,
        &js_sys::Uint8Array::from(signature),
        &js_sys::Uint8Array::from(data),
    )?)
    .await?;
    Ok(verified.dyn_into::<js_sys::Boolean>()?.value_of())
}
