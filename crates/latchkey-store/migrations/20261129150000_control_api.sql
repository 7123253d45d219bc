-- The local control API (automation: refresh without the GUI): off by default,
-- loopback only, on this port when on. Its bearer token lives in the OS keychain.
ALTER TABLE workspace_settings ADD COLUMN control_api_enabled INTEGER NOT NULL DEFAULT 0
    CHECK (control_api_enabled IN (0, 1));
ALTER TABLE workspace_settings ADD COLUMN control_api_port INTEGER NOT NULL DEFAULT 47821
    CHECK (control_api_port BETWEEN 1024 AND 65535);
