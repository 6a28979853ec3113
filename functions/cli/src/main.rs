//! Operator tools.
//! - `segnala validate-config FILE...`: checks comune configuration files and prints every
//!   problem with the path of its field. Exit status 0 when all are valid, 1 otherwise.
//! - `segnala public-config FILE`: prints the public part of a configuration (what
//!   `GET /api/v1/config` serves), from which the static site is built.
//! - `segnala staff-routes`: prints the staff route table (method, path, access) as JSON;
//!   the API tests walk it to prove every route refuses whoever it must.

use segnala_core::config::ComuneConfig;
use std::process::ExitCode;

const USAGE: &str = "usage: segnala validate-config FILE...\n       segnala public-config FILE\n       segnala staff-routes";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.split_first() {
        Some((command, files)) if command == "validate-config" && !files.is_empty() => {
            validate(files)
        }
        Some((command, [file])) if command == "public-config" => public_config(file),
        Some((command, [])) if command == "staff-routes" => {
            match serde_json::to_string_pretty(segnala_core::staff::routes::ROUTES) {
                Ok(json) => {
                    println!("{json}");
                    ExitCode::SUCCESS
                }
                Err(error) => {
                    eprintln!("{error}");
                    ExitCode::FAILURE
                }
            }
        }
        _ => {
            eprintln!("{USAGE}");
            ExitCode::from(2)
        }
    }
}

fn validate(files: &[String]) -> ExitCode {
    let mut all_valid = true;
    for file in files {
        let text = match std::fs::read_to_string(file) {
            Ok(text) => text,
            Err(error) => {
                eprintln!("{file}: cannot read: {error}");
                all_valid = false;
                continue;
            }
        };
        match ComuneConfig::from_json(&text) {
            Ok(config) => println!(
                "{file}: valid ({}: {} themes, {} categories, {} offices, {} routing rules)",
                config.name,
                config.themes.len(),
                config
                    .themes
                    .iter()
                    .map(|t| t.categories.len())
                    .sum::<usize>(),
                config.offices.len(),
                config.routing.rules.len()
            ),
            Err(errors) => {
                all_valid = false;
                for error in errors.0 {
                    let field = if error.field.is_empty() {
                        "(document)"
                    } else {
                        &error.field
                    };
                    eprintln!("{file}: {field}: {} [{}]", error.message, error.code);
                }
            }
        }
    }
    if all_valid {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn public_config(file: &str) -> ExitCode {
    let config = match std::fs::read_to_string(file).map(|text| ComuneConfig::from_json(&text)) {
        Ok(Ok(config)) => config,
        Ok(Err(errors)) => {
            eprintln!("{file}: invalid configuration:\n{errors}");
            return ExitCode::FAILURE;
        }
        Err(error) => {
            eprintln!("{file}: cannot read: {error}");
            return ExitCode::FAILURE;
        }
    };
    let public = segnala_core::api::PublicConfig::of(&config);
    match serde_json::to_string_pretty(&public) {
        Ok(json) => {
            println!("{json}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("cannot serialise: {error}");
            ExitCode::FAILURE
        }
    }
}
