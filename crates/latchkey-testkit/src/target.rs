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

/// The target servers scripts/services.sh starts besides PostgreSQL (see its header).
pub mod servers {
    use std::path::PathBuf;

    /// MariaDB on 127.0.0.1:3306: user `latchkey_test`, database `latchkey_test`.
    pub const MYSQL_PASSWORD: &str = "latchkey-mysql-pw";
    /// Redis on 127.0.0.1:6390 (TLS: 6391): the server password (requirepass).
    pub const REDIS_PASSWORD: &str = "latchkey-redis-pw";
    /// The ACL user `latchkey_app`'s password.
    pub const REDIS_ACL_PASSWORD: &str = "latchkey-redis-acl-pw";
    /// sshd on 127.0.0.1:2222: user `latchkey-ssh`.
    pub const SSH_PASSWORD: &str = "latchkey-ssh-pw";
    /// The passphrase of `ssh/id_ed25519_pass`.
    pub const SSH_KEY_PASSPHRASE: &str = "latchkey-key-pass";
    /// SMTP (aiosmtpd): STARTTLS :2587, implicit TLS :2465, plain :2525.
    pub const SMTP_USER: &str = "latchkey@example.test";
    pub const SMTP_PASSWORD: &str = "latchkey-smtp-pw";

    /// A file services.sh wrote under its run folder (`ssh/id_ed25519`, `targets-tls/ca.pem`…).
    pub fn file(name: &str) -> PathBuf {
        crate::openbao::run_dir().join(name)
    }

    /// The text of such a file.
    pub fn read(name: &str) -> String {
        let path = file(name);
        std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run `bash scripts/services.sh` first",
                path.display()
            )
        })
    }

    /// The test CA that signed the Redis, MariaDB and SMTP servers' certificates.
    pub fn ca_file() -> String {
        file("targets-tls/ca.pem").display().to_string()
    }

    /// A TCP port on 127.0.0.1 where nothing listens (bound, then released).
    pub fn closed_port() -> u16 {
        let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        l.local_addr().expect("addr").port()
    }
}
