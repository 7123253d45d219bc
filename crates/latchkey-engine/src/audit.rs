//! The audit log's export (CSV, JSON) and retention.

use latchkey_core::{AuditEvent, AuditOutcome, AuditQuery, ipc_type};
use serde::{Deserialize, Serialize};

use crate::{Engine, EngineError, Result};

ipc_type! {
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ExportFormat {
    Csv,
    Json,
}
}

/// One CSV field, quoted when it needs to be (RFC 4180); a leading `=`, `+`, `-` or
/// `@` is prefixed with `'` so a spreadsheet does not run it as a formula.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The events as CSV (header row first) or as a JSON array.
pub fn render(events: &[AuditEvent], format: ExportFormat) -> String {
    match format {
        ExportFormat::Json => serde_json::to_string_pretty(events).unwrap_or_default(),
        ExportFormat::Csv => {
            let mut out = String::from("id,at,actor,kind,target,outcome,detail\r\n");
            for e in events {
                let row = [
                    e.id.to_string(),
                    e.at.clone(),
                    e.actor.clone(),
                    e.kind.clone(),
                    e.target.clone(),
                    e.outcome.as_str().to_owned(),
                    e.detail.clone(),
                ];
                let fields: Vec<String> = row.iter().map(|f| csv_field(f)).collect();
                out.push_str(&fields.join(","));
                out.push_str("\r\n");
            }
            out
        }
    }
}

impl Engine {
    /// Writes the events `q` selects (all of them when it sets no limit) to a file in
    /// the data folder's `exports/`, and returns its path.
    pub async fn export_audit(&self, q: AuditQuery, format: ExportFormat) -> Result<String> {
        let q = AuditQuery {
            limit: Some(q.limit.unwrap_or(u32::MAX)),
            ..q
        };
        let events = self.list_audit(q).await?;
        let dir = self.data_dir.join("exports");
        std::fs::create_dir_all(&dir)
            .map_err(|e| EngineError::Internal(format!("cannot create {}: {e}", dir.display())))?;
        let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
        let ext = match format {
            ExportFormat::Csv => "csv",
            ExportFormat::Json => "json",
        };
        let path = dir.join(format!("audit-{stamp}.{ext}"));
        std::fs::write(&path, render(&events, format))
            .map_err(|e| EngineError::Internal(format!("cannot write {}: {e}", path.display())))?;
        let shown = path.display().to_string();
        self.audit(
            "audit.exported",
            shown.clone(),
            AuditOutcome::Ok,
            format!("{} events as {ext}", events.len()),
        )
        .await;
        Ok(shown)
    }

    /// Sets how many days events are kept (1 to 3650) and prunes older ones now.
    pub async fn set_audit_retention(&self, days: u32) -> Result<u64> {
        if !(1..=3650).contains(&days) {
            return Err(EngineError::field(
                "audit_retention_days",
                "Keep audit events for 1 to 3650 days.",
            ));
        }
        self.store.settings().set_audit_retention_days(days).await?;
        self.prune_audit().await
    }

    /// Deletes events older than the retention setting; returns how many went.
    pub async fn prune_audit(&self) -> Result<u64> {
        let days = self.store.settings().get().await?.audit_retention_days;
        let cutoff = chrono::Utc::now() - chrono::Duration::days(i64::from(days));
        let cutoff = cutoff.to_rfc3339_opts(chrono::SecondsFormat::Millis, true);
        let gone = self.store.audit().prune(&cutoff).await?;
        if gone > 0 {
            self.audit(
                "audit.pruned",
                "audit".into(),
                AuditOutcome::Ok,
                format!("{gone} events older than {days} days"),
            )
            .await;
        }
        Ok(gone)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(detail: &str) -> AuditEvent {
        AuditEvent {
            id: 7,
            at: "2026-11-29T09:00:00.000Z".into(),
            actor: "admin".into(),
            kind: "secret.read".into(),
            target: "secret://aws/prod/db#password".into(),
            outcome: AuditOutcome::Ok,
            detail: detail.into(),
        }
    }

    #[test]
    fn csv_quotes_what_needs_it_and_defuses_formulas() {
        let csv = render(
            &[event("for \"Billing, EU\" (31 ms)"), event("=HYPERLINK(1)")],
            ExportFormat::Csv,
        );
        let lines: Vec<&str> = csv.split("\r\n").collect();
        assert_eq!(lines[0], "id,at,actor,kind,target,outcome,detail");
        assert!(
            lines[1].ends_with(",ok,\"for \"\"Billing, EU\"\" (31 ms)\""),
            "{}",
            lines[1]
        );
        assert!(lines[2].ends_with(",ok,'=HYPERLINK(1)"), "{}", lines[2]);
    }

    #[test]
    fn json_is_an_array_of_events() {
        let json = render(&[event("x")], ExportFormat::Json);
        let v: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(v[0]["kind"], "secret.read");
        assert_eq!(v[0]["outcome"], "ok");
    }
}
