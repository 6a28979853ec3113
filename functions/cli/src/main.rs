//! Operator tools.
//! - `segnala validate-config FILE...`: checks comune configuration files and prints every
//!   problem with the path of its field. Exit status 0 when all are valid, 1 otherwise.
//! - `segnala public-config FILE`: prints the public part of a configuration (what
//!   `GET /api/v1/config` serves), from which the static site is built.
//! - `segnala comuni MANIFEST`: checks the deployment's manifest and every configuration
//!   it lists, and prints one line per comune: its id and its file (tab-separated).
//! - `segnala add-comune MANIFEST FILE --host HOST...`: adds a comune to the manifest.
//! - `segnala sass-theme FILE`: prints the Sass variables of the comune's colour.
//! - `segnala static-headers MANIFEST`: prints the static assets' `_headers` file, the
//!   security headers of the files every comune shares.
//! - `segnala staff-routes`: prints the staff route table (method, path, access) as JSON;
//!   the API tests walk it to prove every route refuses whoever it must.

mod demo_history;
mod deployment;

use segnala_core::config::ComuneConfig;
use std::process::ExitCode;

const USAGE: &str = "usage: segnala validate-config FILE...\n       segnala public-config FILE\n       segnala comuni MANIFEST\n       segnala add-comune MANIFEST FILE --host HOST [--host HOST]...\n       segnala sass-theme FILE\n       segnala static-headers MANIFEST\n       segnala staff-routes\n       segnala demo-history CONFIG TEXTS --until YYYY-MM-DD --seed N [--months N] [--per-month N] [--staff OFFICE=ID]... [--fallback-staff ID]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.split_first() {
        Some((command, files)) if command == "validate-config" && !files.is_empty() => {
            validate(files)
        }
        Some((command, [file])) if command == "public-config" => public_config(file),
        Some((command, [manifest])) if command == "comuni" => {
            answer(deployment::list(manifest.as_ref()).map(|(_, listed)| {
                listed
                    .iter()
                    .map(|l| format!("{}\t{}\n", l.id, l.path.display()))
                    .collect()
            }))
        }
        Some((command, [manifest, file, flags @ ..])) if command == "add-comune" => {
            let hosts = match host_flags(flags) {
                Ok(hosts) => hosts,
                Err(message) => {
                    eprintln!("add-comune: {message}\n{USAGE}");
                    return ExitCode::from(2);
                }
            };
            answer(
                deployment::add(manifest.as_ref(), file.as_ref(), hosts.clone())
                    .map(|id| format!("added comune {id} ({}) to {manifest}\n", hosts.join(", "))),
            )
        }
        Some((command, [manifest])) if command == "static-headers" => {
            answer(deployment::static_headers(manifest.as_ref()))
        }
        Some((command, [file])) if command == "sass-theme" => {
            answer(deployment::sass_theme(file.as_ref()))
        }
        Some((command, rest)) if command == "demo-history" => match demo(rest) {
            Ok(()) => ExitCode::SUCCESS,
            Err(message) => {
                eprintln!("demo-history: {message}\n{USAGE}");
                ExitCode::from(2)
            }
        },
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

/// Prints the text, or the error with status 1.
fn answer(result: Result<String, String>) -> ExitCode {
    match result {
        Ok(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("{message}");
            ExitCode::FAILURE
        }
    }
}

fn host_flags(flags: &[String]) -> Result<Vec<String>, String> {
    flags
        .chunks(2)
        .map(|pair| match pair {
            [flag, host] if flag == "--host" => Ok(host.clone()),
            [flag] if flag == "--host" => Err("--host needs a hostname".into()),
            _ => Err(format!("unknown argument {}", pair[0])),
        })
        .collect()
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

fn demo(args: &[String]) -> Result<(), String> {
    let [config, texts, flags @ ..] = args else {
        return Err("CONFIG and TEXTS are required".into());
    };
    let read = |path: &str| std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"));
    let config = ComuneConfig::from_json(&read(config)?).map_err(|e| e.to_string())?;
    let texts: demo_history::Texts =
        serde_json::from_str(&read(texts)?).map_err(|e| format!("texts: {e}"))?;
    let mut options = demo_history::Options {
        until: chrono::NaiveDate::MIN,
        months: 12,
        per_month: 130,
        seed: 0,
        staff: Default::default(),
        fallback: String::new(),
    };
    let (mut until, mut seed) = (None, None);
    let mut pairs = flags.chunks(2);
    for pair in &mut pairs {
        let [flag, value] = pair else {
            return Err(format!("{} needs a value", pair[0]));
        };
        let number = |text: &str| {
            text.parse::<u64>()
                .map_err(|_| format!("{flag}: not a number"))
        };
        match flag.as_str() {
            "--until" => {
                until = Some(
                    chrono::NaiveDate::parse_from_str(value, "%Y-%m-%d")
                        .map_err(|_| "--until: a day, YYYY-MM-DD".to_string())?,
                )
            }
            "--seed" => seed = Some(number(value)?),
            "--months" => options.months = number(value)?.clamp(1, 36) as u32,
            // Up to a large city's year and more: the benchmarks fill stores of 100,000.
            "--per-month" => options.per_month = number(value)?.clamp(1, 25_000) as u32,
            "--fallback-staff" => options.fallback = value.clone(),
            "--staff" => {
                let (office, id) = value
                    .split_once('=')
                    .ok_or("--staff: OFFICE=ID".to_string())?;
                options.staff.insert(office.to_string(), id.to_string());
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    options.until = until.ok_or("--until is required")?;
    options.seed = seed.ok_or("--seed is required")?;
    if options.fallback.is_empty() {
        return Err("--fallback-staff is required: someone acts for every office".into());
    }
    let tickets = demo_history::generate(&config, &texts, &options).map_err(|e| e.to_string())?;
    let mut out = String::new();
    for ticket in tickets {
        out.push_str(&ticket.to_line());
        out.push('\n');
    }
    print!("{out}");
    Ok(())
}
