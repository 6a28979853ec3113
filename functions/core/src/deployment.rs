//! The comuni one deployment serves: the manifest (`config/comuni.json`) lists each
//! comune's configuration file and the hostnames that select it. Every request is for
//! exactly one comune, found by its host; nothing else decides whose data it reaches.

use crate::field_error::{parse_json, ErrorCollector, FieldErrors};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

/// The host that catches requests for any host no comune lists (e.g. the workers.dev address).
pub const ANY_HOST: &str = "*";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Deployment {
    /// Editors use it to find the schema; ignored by the service.
    #[serde(rename = "$schema", default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub comuni: Vec<DeployedComune>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DeployedComune {
    /// The configuration file, relative to the manifest.
    pub config: String,
    /// Hostnames, without port, that select this comune; `*` for any host not listed.
    pub hosts: Vec<String>,
}

impl Deployment {
    /// Parses a manifest and checks it on its own: hosts well-formed and used once, at
    /// most one catch-all, no configuration listed twice.
    pub fn from_json(json: &str) -> Result<Self, FieldErrors> {
        let deployment: Deployment = parse_json(json)?;
        let mut errors = ErrorCollector::default();
        if deployment.comuni.is_empty() {
            errors.push("comuni", "empty", "list at least one comune");
        }
        let mut hosts_seen: HashMap<&str, usize> = HashMap::new();
        let mut files_seen: HashMap<&str, usize> = HashMap::new();
        for (i, comune) in deployment.comuni.iter().enumerate() {
            if let Some(first) = files_seen.insert(comune.config.as_str(), i) {
                errors.push(
                    format!("comuni[{i}].config"),
                    "duplicate",
                    format!("already listed as comuni[{first}]"),
                );
            }
            if comune.hosts.is_empty() {
                errors.push(
                    format!("comuni[{i}].hosts"),
                    "empty",
                    "list at least one hostname (or * for any other host)",
                );
            }
            for (j, host) in comune.hosts.iter().enumerate() {
                let field = format!("comuni[{i}].hosts[{j}]");
                if host != ANY_HOST && !is_hostname(host) {
                    errors.push(
                        &field,
                        "invalid_host",
                        "a lowercase hostname without scheme, port or path, e.g. segnala.comune.example.it",
                    );
                    continue;
                }
                if let Some(first) = hosts_seen.insert(host.as_str(), i) {
                    errors.push(
                        &field,
                        "duplicate",
                        format!("{host} already selects comuni[{first}]"),
                    );
                }
            }
        }
        errors.finish(deployment)
    }

    /// Checks the identifiers of the listed configurations (in manifest order): each
    /// comune's id names its ticket store and storage prefix, so no two may share one.
    pub fn check_ids(&self, ids: &[&str]) -> Result<(), FieldErrors> {
        let mut errors = ErrorCollector::default();
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (i, id) in ids.iter().enumerate() {
            if let Some(first) = seen.insert(id, i) {
                errors.push(
                    format!("comuni[{i}].config"),
                    "duplicate_id",
                    format!("its id \"{id}\" is already the id of comuni[{first}]"),
                );
            }
        }
        errors.finish(())
    }

    /// Adds a comune to the manifest (checked like the whole file).
    pub fn with_comune(&self, config: &str, hosts: Vec<String>) -> Result<Self, FieldErrors> {
        let mut next = self.clone();
        next.comuni.push(DeployedComune {
            config: config.to_string(),
            hosts,
        });
        let json = serde_json::to_string(&next).expect("a manifest serialises");
        Self::from_json(&json)
    }
}

/// Which of the comuni (index in manifest order) a request's `Host` header selects: the
/// one listing the host, else the catch-all, else none.
pub fn comune_for_host<'a, I>(hosts_by_comune: I, host_header: &str) -> Option<usize>
where
    I: IntoIterator<Item = &'a [&'a str]>,
{
    let host = normalise_host(host_header);
    let mut catch_all = None;
    for (i, hosts) in hosts_by_comune.into_iter().enumerate() {
        if hosts.iter().any(|h| *h == host) {
            return Some(i);
        }
        if catch_all.is_none() && hosts.contains(&ANY_HOST) {
            catch_all = Some(i);
        }
    }
    catch_all
}

/// A Worker variable that may differ per comune: either one value for every comune, or
/// `id=value` pairs separated by commas (a comune not named keeps its own setting).
pub fn setting_for(variable: &str, comune: &str) -> Option<String> {
    let variable = variable.trim();
    if variable.is_empty() {
        return None;
    }
    if !variable.contains('=') {
        return Some(variable.to_string());
    }
    variable.split(',').find_map(|pair| {
        let (id, value) = pair.split_once('=')?;
        (id.trim() == comune && !value.trim().is_empty()).then(|| value.trim().to_string())
    })
}

/// The hostname of a `Host` header: lowercase, without port or trailing dot.
pub fn normalise_host(header: &str) -> String {
    let header = header.trim();
    let without_port = if let Some(rest) = header.strip_prefix('[') {
        // An IPv6 literal: [::1]:8787.
        rest.split(']').next().unwrap_or("")
    } else {
        header.split(':').next().unwrap_or("")
    };
    without_port.trim_end_matches('.').to_ascii_lowercase()
}

fn is_hostname(host: &str) -> bool {
    if host.is_empty() || host.len() > 253 || host != host.to_ascii_lowercase() {
        return false;
    }
    host.split('.').all(|label| {
        !label.is_empty()
            && label.len() <= 63
            && !label.starts_with('-')
            && !label.ends_with('-')
            && label
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TWO: &str = r#"{"comuni": [
        {"config": "bergamo.json", "hosts": ["segnala.comune.bergamo.it", "*"]},
        {"config": "borgo.json", "hosts": ["segnala.borgo.it", "borgo.localhost"]}
    ]}"#;

    fn hosts(d: &Deployment) -> Vec<Vec<&str>> {
        d.comuni
            .iter()
            .map(|c| c.hosts.iter().map(String::as_str).collect())
            .collect()
    }

    fn pick(d: &Deployment, host: &str) -> Option<usize> {
        let hosts = hosts(d);
        comune_for_host(hosts.iter().map(Vec::as_slice), host)
    }

    #[test]
    fn selects_the_comune_that_lists_the_host_ignoring_port_and_case() {
        let d = Deployment::from_json(TWO).unwrap();
        assert_eq!(pick(&d, "segnala.borgo.it"), Some(1));
        assert_eq!(pick(&d, "Borgo.Localhost:8787"), Some(1));
        assert_eq!(pick(&d, "segnala.borgo.it."), Some(1));
        assert_eq!(pick(&d, "segnala.comune.bergamo.it"), Some(0));
    }

    #[test]
    fn sends_unlisted_hosts_to_the_catch_all() {
        let d = Deployment::from_json(TWO).unwrap();
        assert_eq!(pick(&d, "segnala.example.workers.dev"), Some(0));
        assert_eq!(pick(&d, "127.0.0.1:8787"), Some(0));
        assert_eq!(pick(&d, "[::1]:8787"), Some(0));
    }

    #[test]
    fn serves_no_comune_for_an_unlisted_host_without_a_catch_all() {
        let d = Deployment::from_json(
            r#"{"comuni": [{"config": "a.json", "hosts": ["a.example.it"]}]}"#,
        )
        .unwrap();
        assert_eq!(pick(&d, "b.example.it"), None);
        assert_eq!(pick(&d, ""), None);
    }

    #[test]
    fn a_setting_applies_to_every_comune_or_to_the_ones_it_names() {
        assert_eq!(
            setting_for("http://127.0.0.1:8787", "borgo").as_deref(),
            Some("http://127.0.0.1:8787")
        );
        let pairs = "bergamo=http://127.0.0.1:8787, borgo=http://borgo.localhost:8787";
        assert_eq!(
            setting_for(pairs, "borgo").as_deref(),
            Some("http://borgo.localhost:8787")
        );
        assert_eq!(
            setting_for(pairs, "bergamo").as_deref(),
            Some("http://127.0.0.1:8787")
        );
        assert_eq!(setting_for(pairs, "other"), None);
        assert_eq!(setting_for("", "borgo"), None);
    }

    #[test]
    fn refuses_a_host_that_selects_two_comuni() {
        let errors = Deployment::from_json(
            r#"{"comuni": [
                {"config": "a.json", "hosts": ["x.example.it", "*"]},
                {"config": "b.json", "hosts": ["x.example.it", "*"]}
            ]}"#,
        )
        .unwrap_err();
        assert_eq!(
            errors.fields(),
            vec!["comuni[1].hosts[0]", "comuni[1].hosts[1]"]
        );
    }

    #[test]
    fn refuses_hosts_with_a_scheme_port_path_or_capitals() {
        for host in [
            "https://x.example.it",
            "x.example.it:443",
            "x.example.it/segnala",
            "X.example.it",
            "",
            "-x.example.it",
        ] {
            let json = format!(r#"{{"comuni": [{{"config": "a.json", "hosts": ["{host}"]}}]}}"#);
            let errors = Deployment::from_json(&json).unwrap_err();
            assert_eq!(errors.fields(), vec!["comuni[0].hosts[0]"], "{host}");
        }
    }

    #[test]
    fn refuses_an_empty_manifest_a_comune_without_hosts_and_a_file_listed_twice() {
        let errors = Deployment::from_json(r#"{"comuni": []}"#).unwrap_err();
        assert_eq!(errors.fields(), vec!["comuni"]);
        let errors = Deployment::from_json(
            r#"{"comuni": [
                {"config": "a.json", "hosts": []},
                {"config": "a.json", "hosts": ["a.example.it"]}
            ]}"#,
        )
        .unwrap_err();
        assert_eq!(errors.fields(), vec!["comuni[0].hosts", "comuni[1].config"]);
    }

    #[test]
    fn refuses_two_configurations_with_the_same_id() {
        let d = Deployment::from_json(TWO).unwrap();
        let errors = d.check_ids(&["bergamo", "bergamo"]).unwrap_err();
        assert_eq!(errors.fields(), vec!["comuni[1].config"]);
        assert!(d.check_ids(&["bergamo", "borgo"]).is_ok());
    }

    #[test]
    fn the_demo_manifest_satisfies_the_published_schema_which_refuses_what_the_parser_does() {
        let schema: serde_json::Value =
            serde_json::from_str(include_str!("../../../schema/deployment.schema.json")).unwrap();
        let schema = jsonschema::validator_for(&schema).expect("the schema compiles");
        let demo = include_str!("../../../config/comuni.json");
        assert!(Deployment::from_json(demo).is_ok());
        assert!(schema.is_valid(&serde_json::from_str(demo).unwrap()));
        for broken in [
            r#"{"comuni": []}"#,
            r#"{"comuni": [{"config": "a.json", "hosts": ["a.example.it:8787"]}]}"#,
            r#"{"comuni": [{"config": "a.json", "hosts": []}]}"#,
            r#"{"comuni": [{"config": "a.json", "hosts": ["a.example.it"], "extra": 1}]}"#,
        ] {
            assert!(
                !schema.is_valid(&serde_json::from_str(broken).unwrap()),
                "{broken}"
            );
            assert!(Deployment::from_json(broken).is_err(), "{broken}");
        }
    }

    #[test]
    fn adding_a_comune_checks_its_hosts_against_the_others() {
        let d = Deployment::from_json(TWO).unwrap();
        let added = d
            .with_comune("nuovo.json", vec!["segnala.nuovo.it".into()])
            .unwrap();
        assert_eq!(added.comuni.len(), 3);
        let errors = d
            .with_comune("nuovo.json", vec!["borgo.localhost".into()])
            .unwrap_err();
        assert_eq!(errors.fields(), vec!["comuni[2].hosts[0]"]);
    }
}
