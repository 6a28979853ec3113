//! The dataset metadata, after the Italian profile of DCAT (DCAT-AP_IT 1.x), as JSON-LD:
//! one catalogue with the reports dataset and the statistics dataset, each with its
//! publisher and rights holder (by IPA code), contact point, licence, update frequency,
//! themes and one distribution per downloadable form. Harvesters such as dati.gov.it's
//! read it at `/api/v1/open-data/catalog.jsonld`.

use crate::config::ComuneConfig;
use chrono::{DateTime, Utc};
use serde_json::{json, Value};

const EU_LANGUAGE: &str = "http://publications.europa.eu/resource/authority/language/";
const EU_THEME: &str = "http://publications.europa.eu/resource/authority/data-theme/";
const EU_FREQUENCY: &str = "http://publications.europa.eu/resource/authority/frequency/";
const EU_FILE_TYPE: &str = "http://publications.europa.eu/resource/authority/file-type/";

fn context() -> Value {
    json!({
        "dcat": "http://www.w3.org/ns/dcat#",
        "dct": "http://purl.org/dc/terms/",
        "dcatapit": "http://dati.gov.it/onto/dcatapit#",
        "foaf": "http://xmlns.com/foaf/0.1/",
        "vcard": "http://www.w3.org/2006/vcard/ns#",
        "xsd": "http://www.w3.org/2001/XMLSchema#",
    })
}

fn texts(it: &str, en: &str) -> Value {
    json!([{ "@value": it, "@language": "it" }, { "@value": en, "@language": "en" }])
}

fn date(at: DateTime<Utc>) -> Value {
    json!({ "@value": at.format("%Y-%m-%d").to_string(), "@type": "xsd:date" })
}

/// The comune as publisher and rights holder: its IPA code identifies it.
fn agent(config: &ComuneConfig) -> Value {
    let mut agent = json!({
        "@type": ["foaf:Agent", "dcatapit:Agent"],
        "foaf:name": config.name,
    });
    if let Some(code) = &config.ipa_code {
        agent["dct:identifier"] = json!(code);
    }
    agent
}

fn contact(config: &ComuneConfig) -> Value {
    json!({
        "@type": ["dcatapit:Organization", "vcard:Organization"],
        "vcard:fn": config.name,
        "vcard:hasEmail": { "@id": format!("mailto:{}", config.contacts.email.as_str()) },
    })
}

fn distribution(
    config: &ComuneConfig,
    url: &str,
    format: &str,
    media_type: &str,
    title: (&str, &str),
) -> Value {
    let licence = &config.open_data.licence;
    json!({
        "@id": url,
        "@type": "dcat:Distribution",
        "dct:title": texts(title.0, title.1),
        "dct:format": { "@id": format!("{EU_FILE_TYPE}{format}") },
        "dcat:mediaType": media_type,
        "dcat:accessURL": { "@id": url },
        "dcat:downloadURL": { "@id": url },
        "dct:license": {
            "@id": licence.url,
            "@type": ["dct:LicenseDocument", "dcatapit:LicenseDocument"],
            "foaf:name": licence.name,
        },
    })
}

/// `changed_at`: the last change to any report (the catalogue's and datasets' `modified`).
pub fn catalog(
    config: &ComuneConfig,
    changed_at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Value {
    let base = format!(
        "{}/api/v1/open-data",
        config.public_url.trim_end_matches('/')
    );
    let id_prefix = config.ipa_code.clone().unwrap_or_else(|| config.id.clone());
    let modified = date(changed_at.unwrap_or(now));
    let dataset = |id: &str,
                   title: (&str, &str),
                   description: (&str, &str),
                   distributions: Vec<Value>,
                   keywords: &[&str]| {
        json!({
            "@id": format!("{base}/catalog.jsonld#{id}"),
            "@type": ["dcat:Dataset", "dcatapit:Dataset"],
            "dct:identifier": format!("{id_prefix}:{id}"),
            "dct:title": texts(title.0, title.1),
            "dct:description": texts(description.0, description.1),
            "dct:modified": modified,
            "dct:accrualPeriodicity": { "@id": format!("{EU_FREQUENCY}DAILY") },
            "dcat:theme": [{ "@id": format!("{EU_THEME}GOVE") }, { "@id": format!("{EU_THEME}REGI") }],
            "dcat:keyword": keywords,
            "dct:language": { "@id": format!("{EU_LANGUAGE}ITA") },
            "dct:publisher": agent(config),
            "dct:rightsHolder": agent(config),
            "dcat:contactPoint": contact(config),
            "dcat:landingPage": { "@id": format!("{}/", config.public_url.trim_end_matches('/')) },
            "dcat:distribution": distributions,
        })
    };
    let reports = dataset(
        "segnalazioni",
        (
            &format!("Segnalazioni dei cittadini - {}", config.name),
            &format!("Citizens' reports - {}", config.name),
        ),
        (
            "Ogni segnalazione, suggerimento o reclamo ricevuto: tema, categoria, ufficio competente, stato, date di ricezione, presa in carico e chiusura, scadenze e rispetto dei tempi, luogo approssimato. Senza dati personali.",
            "Every report, suggestion or complaint received: theme, category, competent office, status, dates filed, taken in charge and closed, deadlines and whether they were met, approximate place. No personal data.",
        ),
        vec![
            distribution(config, &format!("{base}/reports.csv"), "CSV", "text/csv", ("Segnalazioni (CSV)", "Reports (CSV)")),
            distribution(config, &format!("{base}/reports.geojson"), "GEOJSON", "application/geo+json", ("Segnalazioni (GeoJSON)", "Reports (GeoJSON)")),
            distribution(config, &format!("{base}/reports.json"), "JSON", "application/json", ("Segnalazioni (JSON, a pagine)", "Reports (JSON, paged)")),
            // The day's copies: the same data as files, for readers who want it all.
            distribution(config, &format!("{base}/snapshots/latest/reports.csv"), "CSV", "text/csv", ("Segnalazioni, copia giornaliera (CSV)", "Reports, daily copy (CSV)")),
            distribution(config, &format!("{base}/snapshots/latest/reports.geojson"), "GEOJSON", "application/geo+json", ("Segnalazioni, copia giornaliera (GeoJSON)", "Reports, daily copy (GeoJSON)")),
        ],
        &["segnalazioni", "reclami", "suggerimenti", "servizi pubblici", "tempi di risposta"],
    );
    let statistics = dataset(
        "statistiche-segnalazioni",
        (
            &format!("Statistiche delle segnalazioni - {}", config.name),
            &format!("Report statistics - {}", config.name),
        ),
        (
            "Numero di segnalazioni per stato, tema, categoria, ufficio, tipo e mese; tempi di presa in carico e di risoluzione (mediana e 90° percentile) per ufficio e categoria; quota entro i tempi previsti; segnalazioni aperte giorno per giorno.",
            "Reports by status, theme, category, office, kind and month; time to take in charge and to resolve (median and 90th percentile) per office and category; share within the response target; open reports day by day.",
        ),
        vec![
            distribution(
                config,
                &format!("{base}/statistics.json"),
                "JSON",
                "application/json",
                ("Statistiche (JSON)", "Statistics (JSON)"),
            ),
            distribution(
                config,
                &format!("{base}/snapshots/latest/statistics.json"),
                "JSON",
                "application/json",
                ("Statistiche, copia giornaliera (JSON)", "Statistics, daily copy (JSON)"),
            ),
        ],
        &["segnalazioni", "statistiche", "tempi di risposta", "qualità dei servizi"],
    );
    json!({
        "@context": context(),
        "@id": format!("{base}/catalog.jsonld"),
        "@type": ["dcat:Catalog", "dcatapit:Catalog"],
        "dct:title": texts(
            &format!("Dati aperti delle segnalazioni - {}", config.name),
            &format!("Open data of reports - {}", config.name),
        ),
        "dct:description": texts(
            "Segnalazioni dei cittadini al Comune e loro gestione, senza dati personali.",
            "Citizens' reports to the comune and how they were handled, without personal data.",
        ),
        "dct:publisher": agent(config),
        "dct:modified": modified,
        "dct:language": { "@id": format!("{EU_LANGUAGE}ITA") },
        "foaf:homepage": { "@id": format!("{}/", config.public_url.trim_end_matches('/')) },
        "dcat:themeTaxonomy": { "@id": EU_THEME.trim_end_matches('/') },
        "dcat:dataset": [reports, statistics],
    })
}
