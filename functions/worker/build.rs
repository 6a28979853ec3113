//! Embeds the comune configuration into the Worker, validating it first: a broken
//! configuration fails the build with every problem named, instead of failing at runtime.
//! Which file: `SEGNALA_CONFIG` (path), default `config/demo-bergamo.json`.

use std::path::PathBuf;

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let path = std::env::var("SEGNALA_CONFIG")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("config/demo-bergamo.json"));
    println!("cargo:rerun-if-env-changed=SEGNALA_CONFIG");
    println!("cargo:rerun-if-changed={}", path.display());
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "cannot read the comune configuration {}: {e}",
            path.display()
        )
    });
    if let Err(errors) = segnala_core::config::ComuneConfig::from_json(&text) {
        panic!("invalid comune configuration {}:\n{errors}", path.display());
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("comune.json"), text).expect("OUT_DIR is writable");
}
