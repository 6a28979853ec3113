//! SQL migrations of the ticket store, embedded from `schema/migrations/`.

pub struct Migration {
    pub version: u32,
    pub name: &'static str,
    pub sql: &'static str,
}

/// Every migration, oldest first. A test checks this list against the folder.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_tickets.sql",
        sql: include_str!("../../../schema/migrations/0001_tickets.sql"),
    },
    Migration {
        version: 2,
        name: "0002_photos_and_idempotency.sql",
        sql: include_str!("../../../schema/migrations/0002_photos_and_idempotency.sql"),
    },
    Migration {
        version: 3,
        name: "0003_staff_actions.sql",
        sql: include_str!("../../../schema/migrations/0003_staff_actions.sql"),
    },
    Migration {
        version: 4,
        name: "0004_staff.sql",
        sql: include_str!("../../../schema/migrations/0004_staff.sql"),
    },
    Migration {
        version: 5,
        name: "0005_notifications.sql",
        sql: include_str!("../../../schema/migrations/0005_notifications.sql"),
    },
    Migration {
        version: 6,
        name: "0006_configuration.sql",
        sql: include_str!("../../../schema/migrations/0006_configuration.sql"),
    },
    Migration {
        version: 7,
        name: "0007_outbox.sql",
        sql: include_str!("../../../schema/migrations/0007_outbox.sql"),
    },
    Migration {
        version: 8,
        name: "0008_milestones.sql",
        sql: include_str!("../../../schema/migrations/0008_milestones.sql"),
    },
    Migration {
        version: 9,
        name: "0009_open311.sql",
        sql: include_str!("../../../schema/migrations/0009_open311.sql"),
    },
    Migration {
        version: 10,
        name: "0010_answers.sql",
        sql: include_str!("../../../schema/migrations/0010_answers.sql"),
    },
    Migration {
        version: 11,
        name: "0011_imported_photos.sql",
        sql: include_str!("../../../schema/migrations/0011_imported_photos.sql"),
    },
    Migration {
        version: 12,
        name: "0012_follow_up.sql",
        sql: include_str!("../../../schema/migrations/0012_follow_up.sql"),
    },
    Migration {
        version: 13,
        name: "0013_citizen_mail.sql",
        sql: include_str!("../../../schema/migrations/0013_citizen_mail.sql"),
    },
    Migration {
        version: 14,
        name: "0014_rate_limits.sql",
        sql: include_str!("../../../schema/migrations/0014_rate_limits.sql"),
    },
    Migration {
        version: 15,
        name: "0015_lookup_indexes.sql",
        sql: include_str!("../../../schema/migrations/0015_lookup_indexes.sql"),
    },
    Migration {
        version: 16,
        name: "0016_backlog_steps_index.sql",
        sql: include_str!("../../../schema/migrations/0016_backlog_steps_index.sql"),
    },
];
