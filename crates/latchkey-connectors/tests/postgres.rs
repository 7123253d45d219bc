//! PostgreSQL on 127.0.0.1:5432 (started by scripts/services.sh with the role
//! `latchkey_test`, password `latchkey-test-pw`, database `latchkey_test`).

use latchkey_connectors::postgres::{PgTarget, authenticate, check_access, close};
use latchkey_core::SecretValue;

fn target() -> PgTarget {
    PgTarget {
        host: "127.0.0.1".into(),
        port: 5432,
        database: "latchkey_test".into(),
        user: "latchkey_test".into(),
        sslmode: "prefer".into(),
    }
}

fn pw(s: &str) -> SecretValue {
    SecretValue::from(s.to_owned())
}

#[tokio::test]
async fn logs_in_and_reports_user_and_version() {
    let mut conn = authenticate(&target(), &pw("latchkey-test-pw"))
        .await
        .expect("login");
    let access = check_access(&mut conn).await.unwrap();
    assert_eq!(access.current_user, "latchkey_test");
    assert!(
        access.server_version.starts_with("PostgreSQL 15"),
        "{}",
        access.server_version
    );
    close(conn).await;
}

#[tokio::test]
async fn a_wrong_password_gives_postgres_reason_without_the_password() {
    let e = authenticate(&target(), &pw("canary-wrong-pw"))
        .await
        .unwrap_err();
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
    let e = authenticate(
        &PgTarget {
            database: "nope_db".into(),
            ..target()
        },
        &pw("latchkey-test-pw"),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, "unknown_database", "{e:?}");
    let e = authenticate(
        &PgTarget {
            port: 9,
            ..target()
        },
        &pw("x"),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, "refused", "{e:?}");
    assert!(e.cause.contains("127.0.0.1:9"));
    let e = authenticate(
        &PgTarget {
            host: "no-such-host.invalid".into(),
            ..target()
        },
        &pw("x"),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, "unknown_host", "{e:?}");
    let e = authenticate(
        &PgTarget {
            sslmode: "sometimes".into(),
            ..target()
        },
        &pw("x"),
    )
    .await
    .unwrap_err();
    assert_eq!(e.code, "invalid_setting");
}
