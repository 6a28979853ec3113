-- The comune's configuration as administrators change it from the dashboard: every saved
-- version is kept (never updated or deleted), the highest is in force, and a rollback is a
-- new version with an older content. Without any row the configuration built into the
-- Worker is in force (shown as version 0).

CREATE TABLE configuration_versions (
    version    INTEGER PRIMARY KEY,
    config     TEXT NOT NULL,                  -- JSON, valid when saved
    created_at TEXT NOT NULL,
    created_by TEXT NOT NULL,                  -- staff_users.id
    note       TEXT NOT NULL,
    restored_from INTEGER                      -- the version a rollback copied
);

CREATE TRIGGER configuration_versions_are_append_only_update BEFORE UPDATE ON configuration_versions
BEGIN
    SELECT RAISE(ABORT, 'configuration versions are append-only');
END;

CREATE TRIGGER configuration_versions_are_append_only_delete BEFORE DELETE ON configuration_versions
BEGIN
    SELECT RAISE(ABORT, 'configuration versions are append-only');
END;
