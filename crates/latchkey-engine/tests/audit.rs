//! The audit log's export and retention, on a real SQLite file.

use std::sync::Arc;

use latchkey_core::AuditQuery;
use latchkey_engine::{Engine, ExportFormat};
use latchkey_keychain::MemoryKeychain;

#[tokio::test]
async fn exports_csv_and_json_files_and_prunes_by_retention() {
    let dir = tempfile::tempdir().unwrap();
    let e = Engine::open(dir.path(), Arc::new(MemoryKeychain::default()))
        .await
        .unwrap();
    e.create_project("Finance, EU", "").await.unwrap();
    e.create_project("Ops", "").await.unwrap();

    let csv_path = e
        .export_audit(AuditQuery::default(), ExportFormat::Csv)
        .await
        .unwrap();
    assert!(csv_path.starts_with(&dir.path().join("exports").display().to_string()));
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    assert!(
        csv.starts_with("id,at,actor,kind,target,outcome,detail\r\n"),
        "{csv}"
    );
    assert!(csv.contains("\"project:Finance, EU\""), "quoted: {csv}");
    assert_eq!(csv.matches("project.created").count(), 2);

    let only_ops = AuditQuery {
        target: Some("Ops".into()),
        ..AuditQuery::default()
    };
    let json_path = e.export_audit(only_ops, ExportFormat::Json).await.unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&json_path).unwrap()).unwrap();
    assert_eq!(json.as_array().unwrap().len(), 1, "{json}");
    assert_eq!(json[0]["target"], "project:Ops");

    // Retention: an event from 400 days ago goes, today's stay.
    sqlx::query(
        "INSERT INTO audit_events (at, actor, kind, target, outcome, detail) VALUES ('2025-10-01T00:00:00.000Z', 'x', 'project.created', 'project:Old', 'ok', '')",
    )
    .execute(e.store().pool())
    .await
    .unwrap();
    let before = e.list_audit(AuditQuery::default()).await.unwrap().len();
    assert_eq!(e.set_audit_retention(365).await.unwrap(), 1);
    let after = e.list_audit(AuditQuery::default()).await.unwrap();
    assert_eq!(
        after.len(),
        before,
        "one pruned, one audit.pruned event added"
    );
    assert!(!after.iter().any(|ev| ev.target == "project:Old"));
    assert!(after.iter().any(|ev| ev.kind == "audit.pruned"));
    assert!(e.set_audit_retention(0).await.is_err());
}
