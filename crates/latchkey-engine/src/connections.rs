//! Connections: create, edit, delete. Literal credentials go to the OS keychain and
//! only their handles to SQLite; an edit or a failure never leaves half a change.

use std::collections::BTreeMap;

use latchkey_core::validate;
use latchkey_core::{
    AuditOutcome, Connection, ConnectionInput, ConnectionView, Declaration, FieldInput, FieldKind,
    FieldValue, SecretRef, SecretValue, plain_inputs,
};
use latchkey_keychain::new_handle;

use crate::{Engine, EngineError, Result};

impl Engine {
    /// Connections as the UI sees them (never a credential value), by name; only
    /// those of `project_id` when given.
    pub async fn list_connections(&self, project_id: Option<&str>) -> Result<Vec<ConnectionView>> {
        Ok(self
            .store
            .connections()
            .list(project_id)
            .await?
            .iter()
            .map(view)
            .collect())
    }

    pub async fn get_connection(&self, id: &str) -> Result<ConnectionView> {
        Ok(view(&self.store.connections().get(id).await?))
    }

    pub async fn create_connection(&self, input: ConnectionInput) -> Result<ConnectionView> {
        let mut input = input;
        applicable_only(&latchkey_connectors::spec(input.kind), &mut input.fields);
        let (name, project_id) = self.check(&input, None).await?;
        let (fields, written) = self.store_fields(input.fields, None).await?;
        let draft = Connection {
            id: String::new(),
            project_id,
            name,
            kind: input.kind,
            fields,
            created_at: String::new(),
            updated_at: String::new(),
        };
        match self.store.connections().create(&draft).await {
            Ok(c) => {
                self.audit(
                    "connection.created",
                    format!("connection:{}", c.name),
                    AuditOutcome::Ok,
                    describe(&c),
                )
                .await;
                Ok(view(&c))
            }
            Err(e) => {
                self.forget_credentials(written).await;
                Err(e.into())
            }
        }
    }

    pub async fn update_connection(
        &self,
        id: &str,
        input: ConnectionInput,
    ) -> Result<ConnectionView> {
        let before = self.store.connections().get(id).await?;
        let mut input = input;
        applicable_only(&latchkey_connectors::spec(input.kind), &mut input.fields);
        let (name, project_id) = self.check(&input, Some(&before)).await?;
        let (fields, written) = self.store_fields(input.fields, Some(&before)).await?;
        let after = Connection {
            name,
            project_id,
            kind: input.kind,
            fields,
            ..before.clone()
        };
        match self.store.connections().update(&after).await {
            Ok(c) => {
                // The old literals that the new version no longer uses.
                let kept: Vec<&str> = c.keychain_handles().collect();
                let stale: Vec<String> = before
                    .keychain_handles()
                    .filter(|h| !kept.contains(h))
                    .map(str::to_owned)
                    .collect();
                self.forget_credentials(stale).await;
                let mut detail = describe(&c);
                if before.name != c.name {
                    detail = format!("renamed from \"{}\"; {detail}", before.name);
                }
                self.audit(
                    "connection.updated",
                    format!("connection:{}", c.name),
                    AuditOutcome::Ok,
                    detail,
                )
                .await;
                Ok(view(&c))
            }
            Err(e) => {
                self.forget_credentials(written).await;
                Err(e.into())
            }
        }
    }

    /// Saves plain settings a test offered (trusting an SSH host key on first use):
    /// only declared plain fields, every credential kept as it is; audited.
    pub async fn accept_offer(
        &self,
        id: &str,
        changes: BTreeMap<String, String>,
    ) -> Result<ConnectionView> {
        let c = self.store.connections().get(id).await?;
        let spec = latchkey_connectors::spec(c.kind);
        let mut fields: BTreeMap<String, FieldInput> = c
            .fields
            .iter()
            .map(|(k, v)| {
                let input = match v {
                    FieldValue::Plain { value } => FieldInput::Plain {
                        value: value.clone(),
                    },
                    FieldValue::Keychain { .. } => FieldInput::KeepLiteral,
                    FieldValue::Secret { reference } => FieldInput::Secret {
                        reference: reference.to_string(),
                    },
                };
                (k.clone(), input)
            })
            .collect();
        for (key, value) in &changes {
            match spec.field(key) {
                Some(f) if !f.kind.is_secret() => {
                    fields.insert(
                        key.clone(),
                        FieldInput::Plain {
                            value: value.clone(),
                        },
                    );
                }
                _ => {
                    return Err(EngineError::field(
                        key,
                        format!("{} has no plain setting `{key}` to change.", spec.label),
                    ));
                }
            }
        }
        let input = ConnectionInput {
            project_id: c.project_id.clone(),
            name: c.name.clone(),
            kind: c.kind,
            fields,
        };
        let view = self.update_connection(id, input).await?;
        let what: Vec<String> = changes.iter().map(|(k, v)| format!("{k} = {v}")).collect();
        self.audit(
            "connection.trusted",
            format!("connection:{}", c.name),
            AuditOutcome::Ok,
            what.join("; "),
        )
        .await;
        Ok(view)
    }

    pub async fn delete_connection(&self, id: &str) -> Result<()> {
        let c = self.store.connections().get(id).await?;
        self.store.connections().delete(id).await?;
        self.forget_credentials(c.keychain_handles().map(str::to_owned).collect())
            .await;
        self.audit(
            "connection.deleted",
            format!("connection:{}", c.name),
            AuditOutcome::Ok,
            String::new(),
        )
        .await;
        Ok(())
    }

    /// Validates a submission against its type; returns the trimmed name and the project.
    async fn check(
        &self,
        input: &ConnectionInput,
        existing: Option<&Connection>,
    ) -> Result<(String, String)> {
        let mut errors = Vec::new();
        let name = validate::name(&mut errors, "name", "connection", &input.name);
        let spec = latchkey_connectors::spec(input.kind);
        let supplied = validate::supplied(&input.fields);
        validate::fields(&mut errors, &spec, &supplied);
        for (key, value) in &input.fields {
            let has_literal = existing
                .is_some_and(|c| matches!(c.fields.get(key), Some(FieldValue::Keychain { .. })));
            if matches!(value, FieldInput::KeepLiteral) && !has_literal {
                errors.push(latchkey_core::FieldError {
                    field: key.clone(),
                    message: "No value is stored for this field yet: type it in, or use a secret."
                        .into(),
                });
            }
            if let FieldInput::Literal { value } = value {
                use latchkey_core::ExposeSecret;
                if value.expose_secret().is_empty() {
                    errors.push(latchkey_core::FieldError {
                        field: key.clone(),
                        message: "The value is empty: type it in, or use a secret.".into(),
                    });
                } else if let Some(e) = check_literal(spec.field(key), key, value) {
                    errors.push(e);
                }
            }
            // A kept literal belongs to the type it was saved for: a new type may send it
            // to a new place, so it is typed again.
            if matches!(value, FieldInput::KeepLiteral)
                && existing.is_some_and(|c| c.kind != input.kind)
            {
                errors.push(latchkey_core::FieldError {
                    field: key.clone(),
                    message: "The connection changes type: type this credential again (a saved one is never sent to a new place).".into(),
                });
            }
        }
        if let Some(before) = existing
            && before.kind == input.kind
        {
            let (old, new) = (before.plain_fields(), plain_inputs(&input.fields));
            let kept: Vec<&str> = input
                .fields
                .iter()
                .filter(|(_, v)| matches!(v, FieldInput::KeepLiteral))
                .map(|(k, _)| k.as_str())
                .collect();
            if let Some(e) = kept_secret_moved(&spec, &old, &new, &kept) {
                errors.push(e);
            }
        }
        if self.store.projects().get(&input.project_id).await.is_err() {
            errors.push(latchkey_core::FieldError {
                field: "project_id".into(),
                message: "Choose a project for this connection.".into(),
            });
        } else {
            // The secrets-mode rule: a new or changed reference (or any, when the
            // connection moves to another project) must name a manager in its scope.
            let managers = self.managers().await?;
            let moved = existing.is_some_and(|c| c.project_id != input.project_id);
            for (key, value) in &input.fields {
                let FieldInput::Secret { reference } = value else {
                    continue;
                };
                let Ok(r) = SecretRef::parse(reference) else {
                    continue;
                };
                let unchanged = existing.is_some_and(|c| {
                    matches!(c.fields.get(key), Some(FieldValue::Secret { reference: old }) if *old == r)
                });
                if unchanged && !moved {
                    continue;
                }
                if let Err(e) = managers.find(&input.project_id, &r.provider) {
                    errors.push(latchkey_core::FieldError {
                        field: key.clone(),
                        message: e.to_string(),
                    });
                }
            }
        }
        if errors.is_empty()
            && let Some(other) = self.store.connections().find_by_name(&name).await?
            && existing.is_none_or(|c| c.id != other.id)
        {
            errors.push(latchkey_core::FieldError {
                field: "name".into(),
                message: format!(
                    "A connection named \"{}\" already exists: choose another name.",
                    other.name
                ),
            });
        }
        if errors.is_empty() {
            Ok((name, input.project_id.clone()))
        } else {
            Err(EngineError::Validation(errors))
        }
    }

    /// Turns submitted fields into stored ones, writing new literals to the keychain.
    /// Returns the fields and the handles written now (to undo if the save fails).
    async fn store_fields(
        &self,
        input: BTreeMap<String, FieldInput>,
        existing: Option<&Connection>,
    ) -> Result<(BTreeMap<String, FieldValue>, Vec<String>)> {
        let mut fields = BTreeMap::new();
        let mut written = Vec::new();
        for (key, value) in input {
            let stored = match value {
                FieldInput::Plain { value } if value.trim().is_empty() => continue,
                FieldInput::Plain { value } => FieldValue::Plain {
                    value: value.trim().to_owned(),
                },
                FieldInput::Secret { reference } => FieldValue::Secret {
                    reference: SecretRef::parse(&reference)
                        .map_err(|e| EngineError::field(&key, e.to_string()))?,
                },
                FieldInput::KeepLiteral => existing
                    .and_then(|c| c.fields.get(&key).cloned())
                    .ok_or_else(|| {
                        EngineError::field(&key, "No value is stored for this field yet.")
                    })?,
                FieldInput::Literal { value } => {
                    match self.put_credential("connection", &key, value).await {
                        Ok(handle) => {
                            written.push(handle.clone());
                            FieldValue::Keychain { handle }
                        }
                        Err(e) => {
                            self.forget_credentials(written).await;
                            return Err(e);
                        }
                    }
                }
            };
            fields.insert(key, stored);
        }
        Ok((fields, written))
    }

    /// The one route from a typed secret to the keychain, for connections' literals and
    /// managers' secrets alike: a new handle (`prefix` names its owner's kind), the value
    /// written there, the handle returned; a failure is audited (never the value).
    pub(crate) async fn put_credential(
        &self,
        prefix: &str,
        field: &str,
        value: SecretValue,
    ) -> Result<String> {
        let handle = new_handle(prefix);
        let h = handle.clone();
        if let Err(e) = self.keychain(move |kc| kc.set(&h, &value)).await {
            self.audit(
                "keychain.write",
                format!("field:{field}"),
                AuditOutcome::Failed,
                e.to_string(),
            )
            .await;
            return Err(e);
        }
        Ok(handle)
    }

    /// Removes keychain entries. Failures are logged (an orphaned entry holds no
    /// reference anywhere) and do not fail the caller's operation.
    pub(crate) async fn forget_credentials(&self, handles: Vec<String>) {
        for handle in handles {
            let h = handle.clone();
            if let Err(e) = self.keychain(move |kc| kc.delete(&h)).await {
                tracing::warn!(handle, error = %e, "could not remove a credential from the keychain");
            }
        }
    }
}

/// A connection as the UI and the CLI see it, with its target computed from its type.
pub(crate) fn view(c: &Connection) -> ConnectionView {
    ConnectionView {
        target: latchkey_connectors::target(c.kind, &c.plain_fields()),
        ..ConnectionView::from(c)
    }
}

/// Fills the declared defaults of plain fields left out or empty, then drops the fields
/// that do not apply to this submission (a password field of an auth scheme that is not
/// chosen): they are neither validated, stored nor kept. Connections and secrets
/// managers alike.
pub(crate) fn applicable_only(spec: &dyn Declaration, fields: &mut BTreeMap<String, FieldInput>) {
    for f in spec.fields() {
        let Some(default) = &f.default else { continue };
        let missing = match fields.get(&f.key) {
            None => true,
            Some(FieldInput::Plain { value }) => value.trim().is_empty(),
            Some(_) => false,
        };
        if missing && !f.kind.is_secret() {
            fields.insert(
                f.key.clone(),
                FieldInput::Plain {
                    value: default.clone(),
                },
            );
        }
    }
    let plain = plain_inputs(fields);
    let value_of = |key: &str| plain.get(key).cloned();
    fields.retain(|key, _| spec.field(key).is_none_or(|f| spec.applies(f, &value_of)));
}

/// The most a typed secret may be (a private key fits many times over).
const MAX_SECRET_BYTES: usize = 16 * 1024;

/// A typed secret's shape: not too long, and on one line unless its field is
/// multi-line (a private key). The message never repeats the value.
pub(crate) fn check_literal(
    field: Option<&latchkey_core::FieldSpec>,
    key: &str,
    value: &SecretValue,
) -> Option<latchkey_core::FieldError> {
    use latchkey_core::ExposeSecret;
    let v = value.expose_secret();
    let label = field.map_or(key, |f| f.label.as_str());
    let multiline = field.is_some_and(|f| f.multiline);
    let message = if v.len() > MAX_SECRET_BYTES {
        format!(
            "{label} is longer than {} KiB: check that the right value was pasted.",
            MAX_SECRET_BYTES / 1024
        )
    } else if v
        .chars()
        .any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')))
    {
        format!(
            "{label} contains a line break or another control character: paste the value alone, on one line."
        )
    } else {
        return None;
    };
    Some(latchkey_core::FieldError {
        field: key.to_owned(),
        message,
    })
}

/// The endpoint rule: when a field that says where credentials are sent (an address, a
/// URL, a host) changed, a secret kept from before ("keep the saved value") must be
/// typed again before anything sends it. Returns the error naming the first kept secret.
pub(crate) fn kept_secret_moved(
    spec: &dyn Declaration,
    before: &BTreeMap<String, String>,
    after: &BTreeMap<String, String>,
    kept: &[&str],
) -> Option<latchkey_core::FieldError> {
    let first = kept.first()?;
    let old = |k: &str| before.get(k).cloned();
    let new = |k: &str| after.get(k).cloned();
    let (moved, from, to) = spec.moved_destination(&old, &new)?;
    let secret = spec
        .field(first)
        .map_or(first.to_string(), |f| f.label.clone());
    let shown = |v: &str| {
        if v.is_empty() {
            "(empty)".to_owned()
        } else {
            v.to_owned()
        }
    };
    Some(latchkey_core::FieldError {
        field: (*first).to_owned(),
        message: format!(
            "{} changed from {} to {}: type the {} again. A saved {} is never sent to a new address.",
            moved.label,
            shown(&from),
            shown(&to),
            secret.to_lowercase(),
            secret.to_lowercase()
        ),
    })
}

/// A one-line description of a connection's fields for the audit log: which fields
/// are literals, keychain entries or secret references. Never a value.
fn describe(c: &Connection) -> String {
    let spec = latchkey_connectors::spec(c.kind);
    let parts: Vec<String> = spec
        .fields
        .iter()
        .filter(|f| f.kind == FieldKind::Credential)
        .filter_map(|f| {
            c.fields.get(&f.key).map(|v| match v {
                FieldValue::Keychain { .. } => format!("{}: keychain", f.key),
                FieldValue::Secret { reference } => format!("{}: {reference}", f.key),
                FieldValue::Plain { .. } => format!("{}: plain", f.key),
            })
        })
        .collect();
    format!("{} ({})", spec.label, parts.join(", "))
}
