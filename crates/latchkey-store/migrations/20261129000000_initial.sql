-- Latchkey's first schema. Migrations are append-only: never edit a released file,
-- add a new one with a later timestamp.

CREATE TABLE workspace_settings (
    id                   INTEGER PRIMARY KEY CHECK (id = 1),
    secrets_mode         TEXT    NOT NULL DEFAULT 'workspace'
                                 CHECK (secrets_mode IN ('workspace', 'project')),
    audit_retention_days INTEGER NOT NULL DEFAULT 365
                                 CHECK (audit_retention_days BETWEEN 1 AND 36500),
    updated_at           TEXT    NOT NULL
);
INSERT INTO workspace_settings (id, updated_at)
VALUES (1, strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

CREATE TABLE projects (
    id          TEXT PRIMARY KEY NOT NULL,
    name        TEXT NOT NULL CHECK (length(trim(name)) > 0),
    description TEXT NOT NULL DEFAULT '',
    created_at  TEXT NOT NULL,
    updated_at  TEXT NOT NULL
);
CREATE UNIQUE INDEX projects_name ON projects (name COLLATE NOCASE);

-- A new workspace starts with one project, so a first connection needs no set-up.
INSERT INTO projects (id, name, description, created_at, updated_at)
VALUES ('00000000-0000-4000-8000-000000000001', 'Default',
        'Connections that belong to no particular team.',
        strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));

-- Secrets managers. Only non-secret settings and keychain handles are stored here:
-- the credentials themselves live in the OS keychain.
CREATE TABLE providers (
    id               TEXT PRIMARY KEY NOT NULL,
    alias            TEXT NOT NULL CHECK (length(alias) BETWEEN 1 AND 64),
    kind             TEXT NOT NULL CHECK (kind IN ('aws_secrets_manager', 'azure_key_vault',
                                                   'vault', 'gcp_secret_manager', 'conjur')),
    project_id       TEXT REFERENCES projects (id) ON DELETE CASCADE,
    settings         TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(settings)),
    keychain_handles TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(keychain_handles)),
    created_at       TEXT NOT NULL,
    updated_at       TEXT NOT NULL
);
CREATE UNIQUE INDEX providers_alias_scope ON providers (ifnull(project_id, ''), alias COLLATE NOCASE);

-- Connections. `fields` maps each field to a plain value, a keychain handle or a
-- secret reference; never a credential's value.
CREATE TABLE connections (
    id         TEXT PRIMARY KEY NOT NULL,
    project_id TEXT NOT NULL REFERENCES projects (id) ON DELETE CASCADE,
    name       TEXT NOT NULL CHECK (length(trim(name)) > 0),
    kind       TEXT NOT NULL,
    fields     TEXT NOT NULL DEFAULT '{}' CHECK (json_valid(fields)),
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE UNIQUE INDEX connections_name ON connections (name COLLATE NOCASE);
CREATE INDEX connections_project ON connections (project_id);

CREATE TABLE audit_events (
    id      INTEGER PRIMARY KEY AUTOINCREMENT,
    at      TEXT NOT NULL,
    actor   TEXT NOT NULL,
    kind    TEXT NOT NULL,
    target  TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'failed', 'denied')),
    detail  TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_events_at ON audit_events (at);
