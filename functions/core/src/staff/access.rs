//! What each role may do. The Worker checks a route's permission against the session before
//! calling the store; the store checks again against the current account and, for tickets,
//! the office that holds them. Both use these functions.

use super::account::{Role, StaffUser};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Permission {
    /// Any active staff member: their session, and the tickets of their office.
    WorkTickets,
    /// Assign an office's tickets to its staff.
    AssignColleagues,
    /// The office's (or every office's) statistics.
    ViewStatistics,
    /// Create, change and disable staff accounts; read the audit log.
    ManageStaff,
    /// Offices, categories, routing rules and response targets.
    ManageConfiguration,
    /// Export every ticket with its personal data, and import tickets from elsewhere.
    TransferData,
}

impl Permission {
    pub const ALL: [Permission; 6] = [
        Self::WorkTickets,
        Self::AssignColleagues,
        Self::ViewStatistics,
        Self::ManageStaff,
        Self::ManageConfiguration,
        Self::TransferData,
    ];
}

impl Role {
    pub fn allows(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Administrator => true,
            Role::Referent => matches!(permission, WorkTickets | AssignColleagues | ViewStatistics),
            Role::Operator => matches!(permission, WorkTickets),
        }
    }
}

/// The tickets a staff member sees.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    AllOffices,
    Office(String),
    /// A referent or operator without a valid office sees nothing (a misconfiguration).
    Nothing,
}

impl Scope {
    pub fn of(role: Role, office: Option<&str>) -> Self {
        match (role, office) {
            (Role::Administrator, _) => Scope::AllOffices,
            (_, Some(office)) => Scope::Office(office.to_string()),
            (_, None) => Scope::Nothing,
        }
    }

    pub fn includes(&self, office: &str) -> bool {
        match self {
            Scope::AllOffices => true,
            Scope::Office(own) => own == office,
            Scope::Nothing => false,
        }
    }
}

impl StaffUser {
    pub fn may(&self, permission: Permission) -> bool {
        self.active && self.role.allows(permission)
    }

    pub fn scope(&self) -> Scope {
        if self.active {
            Scope::of(self.role, self.office.as_deref())
        } else {
            Scope::Nothing
        }
    }

    /// Whether this person may hold tickets of `office` (as an assignee).
    pub fn works_for(&self, office: &str) -> bool {
        self.active && self.scope().includes(office)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::email::Email;
    use crate::staff::StaffId;
    use chrono::{TimeZone, Utc};

    fn user(role: Role, office: Option<&str>) -> StaffUser {
        let now = Utc.with_ymd_and_hms(2026, 11, 24, 8, 0, 0).unwrap();
        StaffUser {
            id: StaffId::generate(now, &mut crate::ids::SeededEntropy::new(1)),
            email: Email::parse("persona@comune.example.it").unwrap(),
            name: "Persona".into(),
            role,
            office: office.map(String::from),
            active: true,
            session_generation: 1,
            created_at: now,
            updated_at: now,
        }
    }

    #[test]
    fn operators_only_work_tickets() {
        let operator = user(Role::Operator, Some("strade-mobilita"));
        assert!(operator.may(Permission::WorkTickets));
        for denied in [
            Permission::AssignColleagues,
            Permission::ViewStatistics,
            Permission::ManageStaff,
            Permission::ManageConfiguration,
            Permission::TransferData,
        ] {
            assert!(!operator.may(denied), "{denied:?}");
        }
    }

    #[test]
    fn referents_assign_and_see_statistics_but_do_not_administer() {
        let referent = user(Role::Referent, Some("strade-mobilita"));
        assert!(referent.may(Permission::AssignColleagues));
        assert!(referent.may(Permission::ViewStatistics));
        assert!(!referent.may(Permission::ManageStaff));
        assert!(!referent.may(Permission::ManageConfiguration));
        assert!(!referent.may(Permission::TransferData));
    }

    #[test]
    fn staff_see_their_office_and_administrators_every_office() {
        let operator = user(Role::Operator, Some("strade-mobilita"));
        assert!(operator.scope().includes("strade-mobilita"));
        assert!(!operator.scope().includes("tributi"));
        assert!(user(Role::Administrator, None).scope().includes("tributi"));
        assert_eq!(user(Role::Operator, None).scope(), Scope::Nothing);
    }

    #[test]
    fn a_disabled_account_may_do_nothing() {
        let mut admin = user(Role::Administrator, None);
        admin.active = false;
        assert!(!admin.may(Permission::WorkTickets));
        assert_eq!(admin.scope(), Scope::Nothing);
        assert!(!admin.works_for("urp"));
    }
}
