-- The external ID Latchkey shows for AWS AssumeRole trust policies: generated once per
-- workspace, never changed (a role's trust policy depends on it).
ALTER TABLE workspace_settings ADD COLUMN aws_external_id TEXT NOT NULL DEFAULT '';
UPDATE workspace_settings
SET aws_external_id = 'latchkey-' || lower(hex(randomblob(16)))
WHERE aws_external_id = '';
