-- Open311 GeoReport v2: the keys client applications file reports with, and what those
-- reports bring beyond the web form's fields.

-- Keys are issued by administrators; only the SHA-256 of a key is kept (the key is shown
-- once, when it is made). A revoked key stays, so tickets keep naming the application.
CREATE TABLE api_keys (
    id           TEXT PRIMARY KEY,                 -- UUID v7
    name         TEXT NOT NULL,                    -- the application, e.g. "App del Comune"
    contact      TEXT,                             -- who answers for it (an e-mail address)
    key_hash     TEXT NOT NULL UNIQUE,             -- hex SHA-256 of the key
    key_prefix   TEXT NOT NULL,                    -- its first characters, to recognise it
    created_at   TEXT NOT NULL,
    created_by   TEXT NOT NULL,                    -- staff_users.id
    revoked_at   TEXT,
    revoked_by   TEXT,
    last_used_at TEXT
);

ALTER TABLE tickets ADD COLUMN reporter_phone TEXT;  -- personal data
ALTER TABLE tickets ADD COLUMN media_url TEXT;       -- a photo the client application hosts; staff only
ALTER TABLE tickets ADD COLUMN api_key_id TEXT;      -- api_keys.id of the application that filed it

-- Reports per key, for the administrators' list.
CREATE INDEX tickets_by_api_key ON tickets (api_key_id) WHERE api_key_id IS NOT NULL;
