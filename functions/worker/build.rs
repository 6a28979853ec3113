//! Embeds the comuni of this deployment into the Worker, validating them first: a broken
//! manifest or configuration fails the build with every problem named, instead of failing
//! at runtime. Which manifest: `SEGNALA_COMUNI` (path), default `config/comuni.json`; each
//! comune's file is relative to it.

use segnala_core::config::ComuneConfig;
use segnala_core::deployment::Deployment;
use std::fmt::Write;
use std::path::{Path, PathBuf};

fn read(path: &Path, what: &str) -> String {
    println!("cargo:rerun-if-changed={}", path.display());
    std::fs::read_to_string(path)
        .unwrap_or_else(|e| panic!("cannot read the {what} {}: {e}", path.display()))
}

fn main() {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    println!("cargo:rerun-if-env-changed=SEGNALA_COMUNI");
    let manifest = std::env::var("SEGNALA_COMUNI")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("config/comuni.json"));
    let deployment = Deployment::from_json(&read(&manifest, "manifest of comuni"))
        .unwrap_or_else(|errors| panic!("invalid manifest {}:\n{errors}", manifest.display()));
    let folder = manifest.parent().expect("a file has a folder");
    let mut ids = Vec::new();
    let mut code = String::from("pub static BUILT_IN: &[BuiltIn] = &[\n");
    for comune in &deployment.comuni {
        let path = folder.join(&comune.config);
        let text = read(&path, "comune configuration");
        let config = ComuneConfig::from_json(&text).unwrap_or_else(|errors| {
            panic!("invalid comune configuration {}:\n{errors}", path.display())
        });
        let absolute = path.canonicalize().expect("the file was just read");
        writeln!(
            code,
            "    BuiltIn {{ id: {:?}, hosts: &{:?}, json: include_str!({:?}) }},",
            config.id, comune.hosts, absolute
        )
        .expect("writing to a string");
        ids.push(config.id);
    }
    code.push_str("];\n");
    let ids: Vec<&str> = ids.iter().map(String::as_str).collect();
    if let Err(errors) = deployment.check_ids(&ids) {
        panic!("invalid manifest {}:\n{errors}", manifest.display());
    }
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("comuni.rs"), code).expect("OUT_DIR is writable");
}
