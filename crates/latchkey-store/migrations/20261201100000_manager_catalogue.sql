-- Secrets managers are declared kinds now (crates/latchkey-providers/src/<kind>/kind.rs):
-- their stored settings are the declaration's plain fields, one string each, plus
-- "cache". Azure Key Vault's settings written before had two exceptions, rewritten here:
--   * group_by served both groupings: it becomes "separator" or "tag", as the grouping says;
--   * certificate_password (true/false) said whether a password is stored: the keychain
--     handle of that name says it now, so the flag goes.
-- Trailing empty strings of fields that do not apply are harmless and left as they are.
UPDATE providers
   SET settings = json_remove(
         json_set(settings, '$.separator', json_extract(settings, '$.group_by')),
         '$.group_by', '$.certificate_password')
 WHERE kind = 'azure_key_vault' AND json_extract(settings, '$.grouping') = 'separator';

UPDATE providers
   SET settings = json_remove(
         json_set(settings, '$.tag', json_extract(settings, '$.group_by')),
         '$.group_by', '$.certificate_password')
 WHERE kind = 'azure_key_vault' AND json_extract(settings, '$.grouping') = 'tag';

UPDATE providers
   SET settings = json_remove(settings, '$.group_by', '$.certificate_password')
 WHERE kind = 'azure_key_vault'
   AND (json_extract(settings, '$.group_by') IS NOT NULL
        OR json_extract(settings, '$.certificate_password') IS NOT NULL);
