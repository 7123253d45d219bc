-- Rotation awareness. What Latchkey knows about each secret a connection references,
-- shared by every process that opens the workspace (the desktop app, the CLI, a
-- rotation script): version IDs and dates only, never a value, never a hash of one.
-- Resolved values stay in the memory of the process that fetched them.

-- One row per (manager, secret, version selector) a reference names.
CREATE TABLE secret_versions (
    provider_id         TEXT    NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    path                TEXT    NOT NULL,
    -- '' follows the current version; 'id:…' or 'stage:…' is what the reference pins.
    selector            TEXT    NOT NULL DEFAULT '',
    -- The version the last fetch of the value received: what connections use.
    version_in_use      TEXT,
    fetched_at          TEXT,
    -- The version `version_in_use` replaced at its last change, and when.
    previous_version    TEXT,
    changed_at          TEXT,
    -- Whether the last fetch was the one that saw the change (so a refresh can say
    -- "rotated" with the versions, whichever process fetched before).
    last_fetch_rotated  INTEGER NOT NULL DEFAULT 0 CHECK (last_fetch_rotated IN (0, 1)),
    -- The version the manager reports now (from a fetch or the rotation watch), and
    -- since when it differs from the one in use ("rotated upstream").
    upstream_version    TEXT,
    upstream_changed_at TEXT,
    -- The watch's last look at the metadata, and why it failed.
    checked_at          TEXT,
    watch_error         TEXT,
    -- What the service publishes about the secret's life.
    expires_at          TEXT,
    next_rotation_at    TEXT,
    rotation_enabled    INTEGER NOT NULL DEFAULT 0 CHECK (rotation_enabled IN (0, 1)),
    PRIMARY KEY (provider_id, path, selector)
);

-- The rotation watch's last cycle per manager.
CREATE TABLE provider_watch (
    provider_id TEXT    PRIMARY KEY NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    last_run_at TEXT    NOT NULL,
    next_run_at TEXT    NOT NULL,
    -- idle: no secret of the manager is in use.
    outcome     TEXT    NOT NULL CHECK (outcome IN ('ok', 'failed', 'backing_off', 'idle')),
    detail      TEXT    NOT NULL DEFAULT '',
    calls       INTEGER NOT NULL DEFAULT 0,
    -- Consecutive failed cycles (the back-off doubles with each).
    failures    INTEGER NOT NULL DEFAULT 0
);

-- The call meter: what Latchkey asked each manager, per hour, by operation and outcome.
CREATE TABLE provider_calls (
    provider_id TEXT    NOT NULL REFERENCES providers (id) ON DELETE CASCADE,
    hour        TEXT    NOT NULL,
    op          TEXT    NOT NULL CHECK (op IN ('list', 'describe', 'read', 'watch', 'cache_hit')),
    outcome     TEXT    NOT NULL CHECK (outcome IN ('ok', 'failed', 'throttled')),
    count       INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (provider_id, hour, op, outcome)
);

-- Each connection's last test, for its status across processes and restarts.
CREATE TABLE connection_tests (
    connection_id TEXT    PRIMARY KEY NOT NULL REFERENCES connections (id) ON DELETE CASCADE,
    at            TEXT    NOT NULL,
    ok            INTEGER NOT NULL CHECK (ok IN (0, 1)),
    detail        TEXT    NOT NULL DEFAULT ''
);

-- Reveal is off until an admin turns it on for the workspace; expiry warnings start
-- this many days ahead.
ALTER TABLE workspace_settings ADD COLUMN reveal_enabled INTEGER NOT NULL DEFAULT 0
    CHECK (reveal_enabled IN (0, 1));
ALTER TABLE workspace_settings ADD COLUMN expiry_warning_days INTEGER NOT NULL DEFAULT 14
    CHECK (expiry_warning_days BETWEEN 1 AND 365);
