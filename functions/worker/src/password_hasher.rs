//! PBKDF2-HMAC-SHA256 through WebCrypto (`crypto.subtle.deriveBits`), which runs natively:
//! 600,000 iterations compiled to WebAssembly would take seconds of CPU per login.

use segnala_core::staff::password::{Derivation, HASH_BYTES};
use worker::js_sys::{self, Array, Object, Reflect, Uint8Array};
use worker::wasm_bindgen::{JsCast, JsValue};
use worker::wasm_bindgen_futures::JsFuture;

fn js_error(value: JsValue) -> worker::Error {
    worker::Error::RustError(format!("WebCrypto: {value:?}"))
}

fn set(object: &Object, key: &str, value: &JsValue) -> worker::Result<()> {
    Reflect::set(object, &JsValue::from_str(key), value).map_err(js_error)?;
    Ok(())
}

async fn call(subtle: &JsValue, method: &str, args: &Array) -> worker::Result<JsValue> {
    let function: js_sys::Function = Reflect::get(subtle, &JsValue::from_str(method))
        .and_then(|f| f.dyn_into())
        .map_err(js_error)?;
    let promise: js_sys::Promise = function
        .apply(subtle, args)
        .and_then(|p| p.dyn_into())
        .map_err(js_error)?;
    JsFuture::from(promise).await.map_err(js_error)
}

/// The derived bytes of `password` with the derivation's salt and iterations.
pub async fn derive(password: &str, derivation: &Derivation) -> worker::Result<Vec<u8>> {
    let crypto = Reflect::get(&js_sys::global(), &JsValue::from_str("crypto")).map_err(js_error)?;
    let subtle = Reflect::get(&crypto, &JsValue::from_str("subtle")).map_err(js_error)?;

    let usages = Array::of1(&JsValue::from_str("deriveBits"));
    let key = call(
        &subtle,
        "importKey",
        &Array::of5(
            &JsValue::from_str("raw"),
            &Uint8Array::from(password.as_bytes()).into(),
            &JsValue::from_str("PBKDF2"),
            &JsValue::FALSE,
            &usages.into(),
        ),
    )
    .await?;

    let params = Object::new();
    set(&params, "name", &JsValue::from_str("PBKDF2"))?;
    set(&params, "hash", &JsValue::from_str("SHA-256"))?;
    set(
        &params,
        "salt",
        &Uint8Array::from(derivation.salt.as_slice()).into(),
    )?;
    set(&params, "iterations", &JsValue::from(derivation.iterations))?;
    let bits = call(
        &subtle,
        "deriveBits",
        &Array::of3(
            &params.into(),
            &key,
            &JsValue::from((HASH_BYTES * 8) as u32),
        ),
    )
    .await?;
    Ok(Uint8Array::new(&bits).to_vec())
}
