//! The PostgreSQL test target (scripts/services.sh creates the role) and the canary
//! search every leak test runs.

use std::collections::BTreeMap;
use std::path::Path;

use latchkey_core::{ConnectionInput, ConnectionKind, FieldInput};

/// The password of the `latchkey_test` role on 127.0.0.1:5432.
pub const PG_PASSWORD: &str = "latchkey-test-pw";

/// A PostgreSQL connection to the local test database with the given password field.
pub fn pg_input(project_id: &str, name: &str, password: FieldInput) -> ConnectionInput {
    let plain = |v: &str| FieldInput::Plain { value: v.into() };
    ConnectionInput {
        project_id: project_id.into(),
        name: name.into(),
        kind: ConnectionKind::Postgres,
        fields: BTreeMap::from([
            ("host".to_string(), plain("127.0.0.1")),
            ("port".to_string(), plain("5432")),
            ("database".to_string(), plain("latchkey_test")),
            ("user".to_string(), plain("latchkey_test")),
            ("sslmode".to_string(), plain("prefer")),
            ("password".to_string(), password),
        ]),
    }
}

/// A field that takes its value from a secret reference.
pub fn reference(r: &str) -> FieldInput {
    FieldInput::Secret {
        reference: r.into(),
    }
}

/// Every file under `dir` (the database, its WAL and shared memory, the logs) whose
/// bytes contain `needle`.
pub fn files_containing(dir: &Path, needle: &str) -> Vec<String> {
    let mut hits = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).expect("read dir") {
            let path = entry.expect("dir entry").path();
            if path.is_dir() {
                stack.push(path);
            } else if let Ok(bytes) = std::fs::read(&path)
                && bytes.windows(needle.len()).any(|w| w == needle.as_bytes())
            {
                hits.push(path.display().to_string());
            }
        }
    }
    hits
}

/// Sets a PostgreSQL role's password as the `postgres` superuser (peer auth through
/// `runuser`): what a rotation does on the target side.
pub fn set_role_password(role: &str, password: &str) {
    let sql = format!("ALTER ROLE {role} PASSWORD '{password}'");
    let status = std::process::Command::new("runuser")
        .args([
            "-u",
            "postgres",
            "--",
            "psql",
            "-q",
            "-v",
            "ON_ERROR_STOP=1",
            "-c",
            &sql,
        ])
        .stdout(std::process::Stdio::null())
        .status()
        .expect("runuser psql");
    assert!(status.success(), "ALTER ROLE {role} failed");
}

/// A PostgreSQL connection to the local test database as `user`.
pub fn pg_input_as(
    project_id: &str,
    name: &str,
    user: &str,
    password: FieldInput,
) -> ConnectionInput {
    let mut input = pg_input(project_id, name, password);
    input
        .fields
        .insert("user".into(), FieldInput::Plain { value: user.into() });
    input
}
