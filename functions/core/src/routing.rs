//! Which office receives a report: the first routing rule whose conditions all hold
//! (theme, categories, zone), else the default office. The decision records the rule,
//! so staff and auditors can see why a ticket landed where it did.

use crate::config::{ComuneConfig, RoutingRule};
use crate::report::ValidReport;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoutingDecision {
    pub office: String,
    /// Id of the rule that matched; `None` when the default office was used.
    pub rule: Option<String>,
}

pub fn route(config: &ComuneConfig, report: &ValidReport) -> RoutingDecision {
    config
        .routing
        .rules
        .iter()
        .find(|rule| matches(config, rule, report))
        .map(|rule| RoutingDecision {
            office: rule.office.clone(),
            rule: Some(rule.id.clone()),
        })
        .unwrap_or_else(|| RoutingDecision {
            office: config.routing.default_office.clone(),
            rule: None,
        })
}

fn matches(config: &ComuneConfig, rule: &RoutingRule, report: &ValidReport) -> bool {
    let theme_holds = rule
        .theme
        .as_ref()
        .is_none_or(|theme| theme == &report.theme);
    let category_holds = rule.categories.is_empty() || rule.categories.contains(&report.category);
    // A zone rule needs a point: a report placed only by address cannot be located in a zone.
    let zone_holds =
        rule.zone
            .as_ref()
            .is_none_or(|zone_id| match (config.zone(zone_id), report.location) {
                (Some(zone), Some(point)) => zone.area.contains(point),
                _ => false,
            });
    theme_holds && category_holds && zone_holds
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::tests_support::demo_config;
    use crate::report::{LocationInput, ReportRequest};

    fn report(category: &str, lat: f64, lon: f64) -> ValidReport {
        ReportRequest {
            category: Some(category.into()),
            description: Some("Descrizione di prova abbastanza lunga".into()),
            location: Some(LocationInput { lat, lon }),
            privacy_accepted: Some(true),
            ..Default::default()
        }
        .validate(&demo_config())
        .unwrap()
    }

    #[test]
    fn a_pothole_outside_the_historic_centre_goes_to_the_roads_office() {
        let decision = route(&demo_config(), &report("buche-stradali", 45.6900, 9.6700));
        assert_eq!(decision.office, "strade-mobilita");
        assert_eq!(decision.rule.as_deref(), Some("strade"));
    }

    #[test]
    fn a_pothole_in_citta_alta_goes_to_the_historic_centre_office_by_zone() {
        let decision = route(&demo_config(), &report("buche-stradali", 45.7035, 9.6625));
        assert_eq!(decision.office, "centro-storico");
        assert_eq!(decision.rule.as_deref(), Some("strade-citta-alta"));
    }

    #[test]
    fn a_report_placed_only_by_address_skips_zone_rules() {
        let mut request = ReportRequest {
            category: Some("buche-stradali".into()),
            description: Some("Buca profonda davanti al civico 3".into()),
            address: Some("Via Colleoni 3".into()),
            privacy_accepted: Some(true),
            ..Default::default()
        };
        let decision = route(
            &demo_config(),
            &request.clone().validate(&demo_config()).unwrap(),
        );
        assert_eq!(decision.office, "strade-mobilita");
        request.category = Some("alberi-pericolanti".into());
        let decision = route(&demo_config(), &request.validate(&demo_config()).unwrap());
        assert_eq!(decision.office, "verde-pubblico");
    }

    #[test]
    fn a_category_without_a_rule_goes_to_the_default_office() {
        let mut config = demo_config();
        config.routing.rules.clear();
        let decision = route(&config, &report("buche-stradali", 45.69, 9.67));
        assert_eq!(decision.office, config.routing.default_office);
        assert_eq!(decision.rule, None);
    }
}
