//! PostgreSQL on 127.0.0.1:5432 (started by scripts/services.sh with the role
//! `latchkey_test`, password `latchkey-test-pw`, database `latchkey_test`), through the
//! connector's steps 3 and 4 as the engine runs them.

use latchkey_connectors::{ConnectorError, Reporter, Settings};
use latchkey_core::{ConnectionKind, SecretValue};

/// What a test reports, step by step.
#[derive(Default)]
struct Collect(Vec<Result<String, ConnectorError>>);

impl Reporter for Collect {
    fn step(&mut self, result: Result<String, ConnectorError>) {
        self.0.push(result);
    }
}

async fn run(changes: &[(&str, &str)], password: &str) -> Vec<Result<String, ConnectorError>> {
    let mut settings = Settings::default();
    for (k, v) in [
        ("host", "127.0.0.1"),
        ("port", "5432"),
        ("database", "latchkey_test"),
        ("user", "latchkey_test"),
        ("sslmode", "prefer"),
    ] {
        settings.plain.insert(k.into(), v.into());
    }
    for (k, v) in changes {
        settings.plain.insert((*k).into(), (*v).into());
    }
    settings
        .secrets
        .insert("password".into(), SecretValue::from(password.to_owned()));
    let mut out = Collect::default();
    latchkey_connectors::run(ConnectionKind::Postgres, &settings, &mut out).await;
    out.0
}

/// Step 3's failure.
async fn refused(changes: &[(&str, &str)], password: &str) -> ConnectorError {
    let steps = run(changes, password).await;
    assert_eq!(steps.len(), 1, "step 4 must not run after a failed step 3");
    steps.into_iter().next().unwrap().unwrap_err()
}

#[tokio::test]
async fn logs_in_and_reports_user_and_version() {
    let steps = run(&[], "latchkey-test-pw").await;
    assert_eq!(steps.len(), 2);
    let login = steps[0].as_ref().unwrap();
    assert_eq!(login, "logged in to 127.0.0.1:5432 as latchkey_test");
    let access = steps[1].as_ref().unwrap();
    assert!(
        access.starts_with("current_user = latchkey_test; PostgreSQL 15"),
        "{access}"
    );
}

#[tokio::test]
async fn a_wrong_password_gives_postgres_reason_without_the_password() {
    let e = refused(&[], "canary-wrong-pw").await;
    assert_eq!(e.code, "bad_credentials", "{e:?}");
    assert!(
        e.cause
            .contains("password authentication failed for user \"latchkey_test\""),
        "{e:?}"
    );
    assert!(!e.to_string().contains("canary-wrong-pw"));
}

#[tokio::test]
async fn unknown_database_refused_port_and_unknown_host() {
    let e = refused(&[("database", "nope_db")], "latchkey-test-pw").await;
    assert_eq!(e.code, "unknown_database", "{e:?}");
    let e = refused(&[("port", "9")], "x").await;
    assert_eq!(e.code, "refused", "{e:?}");
    assert!(e.cause.contains("127.0.0.1:9"));
    let e = refused(&[("host", "no-such-host.invalid")], "x").await;
    assert_eq!(e.code, "unknown_host", "{e:?}");
    let e = refused(&[("sslmode", "sometimes")], "x").await;
    assert_eq!(e.code, "invalid_setting");
}
