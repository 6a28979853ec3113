//! Every staff route, API endpoints and dashboard pages alike, with the access it
//! requires. The Worker dispatches staff requests through this table only, so no route can
//! exist without a declared access rule; the API tests read the table
//! (`segnala-cli staff-routes`) and prove every rule against the running Worker.

use super::access::Permission;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteName {
    Setup,
    Login,
    CurrentSession,
    Logout,
    ListTickets,
    ExportTickets,
    MapTickets,
    ShowTicket,
    ActOnTicket,
    ResendEmail,
    BulkAct,
    TicketPhoto,
    TicketThumbnail,
    ListColleagues,
    ListStaff,
    CreateStaff,
    ChangeStaff,
    AuditLog,
    ListApiKeys,
    CreateApiKey,
    RevokeApiKey,
    ShowConfiguration,
    ShowConfigurationVersion,
    PreviewConfiguration,
    SaveConfiguration,
    RestoreConfiguration,
    /// Every ticket with its history and personal data, as JSON Lines.
    ExportData,
    ImportTickets,
    ImportPhoto,
    /// `/staff`: sends the signed-in to their inbox.
    DashboardHome,
    LoginPage,
    /// Where signing out ends: the sign-in page, or Cloudflare Access's logout.
    SignedOutPage,
    InboxPage,
    TicketPage,
    StaffUsersPage,
    AuditLogPage,
    ApiKeysPage,
    ConfigurationPage,
}

/// What a route answers with, and so how a refusal looks: JSON errors for the API, a
/// redirect to the sign-in page or an error page for pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteKind {
    Api,
    Page,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", content = "permission", rename_all = "snake_case")]
pub enum Access {
    /// Open to anyone: logging in, and the one-time setup (guarded by its token).
    Public,
    /// A valid session whose account holds the permission.
    Staff(Permission),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Route {
    pub name: RouteName,
    pub kind: RouteKind,
    pub method: &'static str,
    /// Path with `{placeholders}` for one segment each.
    pub path: &'static str,
    pub access: Access,
}

impl Route {
    /// Changes need the session's CSRF token (logging in and setup have no session yet,
    /// and are protected by the same-origin check instead).
    pub fn needs_csrf(&self) -> bool {
        self.method != "GET" && self.access != Access::Public
    }
}

const fn route(name: RouteName, method: &'static str, path: &'static str, access: Access) -> Route {
    Route {
        name,
        kind: RouteKind::Api,
        method,
        path,
        access,
    }
}

const fn page(name: RouteName, path: &'static str, access: Access) -> Route {
    Route {
        name,
        kind: RouteKind::Page,
        method: "GET",
        path,
        access,
    }
}

/// Where dashboard pages live; every request under it goes through this table.
pub const PAGES_PREFIX: &str = "/staff";
pub const LOGIN_PAGE: &str = "/staff/accesso/";
pub const INBOX_PAGE: &str = "/staff/segnalazioni/";

use Access::{Public, Staff};
use Permission::*;
use RouteName::*;

pub const ROUTES: &[Route] = &[
    route(Setup, "POST", "/api/v1/staff/setup", Public),
    route(Login, "POST", "/api/v1/staff/session", Public),
    route(
        CurrentSession,
        "GET",
        "/api/v1/staff/session",
        Staff(WorkTickets),
    ),
    route(
        Logout,
        "DELETE",
        "/api/v1/staff/session",
        Staff(WorkTickets),
    ),
    route(
        ListTickets,
        "GET",
        "/api/v1/staff/tickets",
        Staff(WorkTickets),
    ),
    route(
        ExportTickets,
        "GET",
        "/api/v1/staff/tickets.csv",
        Staff(WorkTickets),
    ),
    route(
        MapTickets,
        "GET",
        "/api/v1/staff/tickets.geojson",
        Staff(WorkTickets),
    ),
    route(
        BulkAct,
        "POST",
        "/api/v1/staff/tickets/bulk-actions",
        Staff(WorkTickets),
    ),
    route(
        ShowTicket,
        "GET",
        "/api/v1/staff/tickets/{number}",
        Staff(WorkTickets),
    ),
    route(
        ActOnTicket,
        "POST",
        "/api/v1/staff/tickets/{number}/actions",
        Staff(WorkTickets),
    ),
    route(
        ResendEmail,
        "POST",
        "/api/v1/staff/tickets/{number}/emails/{delivery}/resend",
        Staff(WorkTickets),
    ),
    route(
        TicketPhoto,
        "GET",
        "/api/v1/staff/tickets/{number}/photos/{position}",
        Staff(WorkTickets),
    ),
    route(
        TicketThumbnail,
        "GET",
        "/api/v1/staff/tickets/{number}/photos/{position}/thumbnail",
        Staff(WorkTickets),
    ),
    route(
        ListColleagues,
        "GET",
        "/api/v1/staff/colleagues",
        Staff(WorkTickets),
    ),
    route(ListStaff, "GET", "/api/v1/staff/users", Staff(ManageStaff)),
    route(
        CreateStaff,
        "POST",
        "/api/v1/staff/users",
        Staff(ManageStaff),
    ),
    route(
        ChangeStaff,
        "PATCH",
        "/api/v1/staff/users/{id}",
        Staff(ManageStaff),
    ),
    route(AuditLog, "GET", "/api/v1/staff/audit", Staff(ManageStaff)),
    route(
        ListApiKeys,
        "GET",
        "/api/v1/staff/api-keys",
        Staff(ManageStaff),
    ),
    route(
        CreateApiKey,
        "POST",
        "/api/v1/staff/api-keys",
        Staff(ManageStaff),
    ),
    route(
        RevokeApiKey,
        "POST",
        "/api/v1/staff/api-keys/{id}/revoke",
        Staff(ManageStaff),
    ),
    route(
        ShowConfiguration,
        "GET",
        "/api/v1/staff/configuration",
        Staff(ManageConfiguration),
    ),
    route(
        PreviewConfiguration,
        "POST",
        "/api/v1/staff/configuration/preview",
        Staff(ManageConfiguration),
    ),
    route(
        SaveConfiguration,
        "POST",
        "/api/v1/staff/configuration/versions",
        Staff(ManageConfiguration),
    ),
    route(
        ShowConfigurationVersion,
        "GET",
        "/api/v1/staff/configuration/versions/{version}",
        Staff(ManageConfiguration),
    ),
    route(
        RestoreConfiguration,
        "POST",
        "/api/v1/staff/configuration/versions/{version}/restore",
        Staff(ManageConfiguration),
    ),
    route(
        ExportData,
        "GET",
        "/api/v1/staff/export/tickets.jsonl",
        Staff(TransferData),
    ),
    route(
        ImportTickets,
        "POST",
        "/api/v1/staff/import/tickets",
        Staff(TransferData),
    ),
    route(
        ImportPhoto,
        "PUT",
        "/api/v1/staff/import/tickets/{id}/photos/{position}",
        Staff(TransferData),
    ),
    page(DashboardHome, "/staff", Staff(WorkTickets)),
    page(LoginPage, "/staff/accesso", Public),
    page(SignedOutPage, "/staff/uscita", Public),
    page(InboxPage, "/staff/segnalazioni", Staff(WorkTickets)),
    page(
        TicketPage,
        "/staff/segnalazioni/{number}",
        Staff(WorkTickets),
    ),
    page(StaffUsersPage, "/staff/utenti", Staff(ManageStaff)),
    page(AuditLogPage, "/staff/registro", Staff(ManageStaff)),
    page(ApiKeysPage, "/staff/chiavi-api", Staff(ManageStaff)),
    page(
        ConfigurationPage,
        "/staff/configurazione",
        Staff(ManageConfiguration),
    ),
];

/// Values of a matched route's placeholders, in order.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Params(pub Vec<String>);

impl Params {
    pub fn get(&self, index: usize) -> &str {
        self.0.get(index).map_or("", String::as_str)
    }
}

/// How a request matched the table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Matched {
    Route(&'static Route, Params),
    /// The path exists with other methods.
    WrongMethod,
    NoRoute,
}

fn match_path(pattern: &str, path: &str) -> Option<Params> {
    let pattern: Vec<&str> = pattern.split('/').collect();
    let path: Vec<&str> = path.trim_end_matches('/').split('/').collect();
    if pattern.len() != path.len() {
        return None;
    }
    let mut params = Vec::new();
    for (expected, actual) in pattern.iter().zip(&path) {
        if expected.starts_with('{') {
            if actual.is_empty() {
                return None;
            }
            params.push((*actual).to_string());
        } else if expected != actual {
            return None;
        }
    }
    Some(Params(params))
}

pub fn match_route(method: &str, path: &str) -> Matched {
    let mut path_exists = false;
    // Literal routes win over placeholders (`tickets.csv` and `bulk-actions` before `{number}`).
    for route in ROUTES {
        if let Some(params) = match_path(route.path, path) {
            if route.method == method {
                return Matched::Route(route, params);
            }
            path_exists = true;
        }
    }
    if path_exists {
        Matched::WrongMethod
    } else {
        Matched::NoRoute
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_route_is_found_by_its_own_method_and_path() {
        for route in ROUTES {
            let concrete = route
                .path
                .replace("{number}", "2026-000001")
                .replace("{position}", "1")
                .replace("{id}", "x")
                .replace("{version}", "1");
            assert_eq!(
                route.kind == RouteKind::Page,
                route.path.starts_with(PAGES_PREFIX)
            );
            match match_route(route.method, &concrete) {
                Matched::Route(found, _) => assert_eq!(found.name, route.name, "{concrete}"),
                other => panic!("{} {concrete}: {other:?}", route.method),
            }
        }
    }

    #[test]
    fn literal_segments_are_not_taken_for_ticket_numbers() {
        let Matched::Route(route, _) = match_route("GET", "/api/v1/staff/tickets.csv") else {
            panic!()
        };
        assert_eq!(route.name, ExportTickets);
        let Matched::Route(route, _) = match_route("POST", "/api/v1/staff/tickets/bulk-actions")
        else {
            panic!()
        };
        assert_eq!(route.name, BulkAct);
    }

    #[test]
    fn pages_are_found_with_or_without_the_trailing_slash() {
        for path in ["/staff/segnalazioni", "/staff/segnalazioni/"] {
            let Matched::Route(route, _) = match_route("GET", path) else {
                panic!("{path}")
            };
            assert_eq!(route.name, InboxPage);
        }
        let Matched::Route(route, params) = match_route("GET", "/staff/segnalazioni/2026-000003/")
        else {
            panic!()
        };
        assert_eq!((route.name, params.get(0)), (TicketPage, "2026-000003"));
        assert_eq!(match_route("GET", "/staff/scheda"), Matched::NoRoute);
        assert_eq!(match_route("POST", "/staff/accesso"), Matched::WrongMethod);
    }

    #[test]
    fn placeholders_are_captured_in_order() {
        let Matched::Route(route, params) =
            match_route("GET", "/api/v1/staff/tickets/2026-000007/photos/2")
        else {
            panic!()
        };
        assert_eq!(route.name, TicketPhoto);
        assert_eq!(params.get(0), "2026-000007");
        assert_eq!(params.get(1), "2");
    }

    #[test]
    fn a_known_path_with_another_method_is_told_apart_from_no_route() {
        assert_eq!(
            match_route("PUT", "/api/v1/staff/tickets"),
            Matched::WrongMethod
        );
        assert_eq!(
            match_route("GET", "/api/v1/staff/nothing"),
            Matched::NoRoute
        );
        assert_eq!(
            match_route("GET", "/api/v1/staff/tickets//photos/1"),
            Matched::NoRoute
        );
    }

    #[test]
    fn only_signing_in_and_setup_are_public_and_every_change_needs_csrf() {
        let public: Vec<_> = ROUTES
            .iter()
            .filter(|r| r.access == Access::Public)
            .map(|r| r.name)
            .collect();
        assert_eq!(public, vec![Setup, Login, LoginPage, SignedOutPage]);
        for route in ROUTES {
            assert_eq!(
                route.needs_csrf(),
                route.method != "GET" && route.access != Access::Public
            );
        }
    }
}
