//! The local control API over real HTTP on 127.0.0.1, with the engine behind it
//! talking to moto and PostgreSQL (scripts/services.sh).

use std::sync::Arc;

use latchkey_core::ExposeSecret;
use latchkey_engine::control_api::RATE_LIMIT_PER_MINUTE;
use latchkey_engine::{AuditQuery, Engine};

mod rig;
use latchkey_keychain::OsKeychain;
use latchkey_testkit::moto::{ACCESS_KEY_ID, MOTO, put, seeder, unique};
use latchkey_testkit::target::{PG_PASSWORD, pg_input, reference};

async fn world() -> (tempfile::TempDir, Engine) {
    let dir = tempfile::tempdir().unwrap();
    let kc = Arc::new(OsKeychain::new(unique("latchkey-test-api")));
    let e = Engine::open(dir.path(), kc).await.unwrap();
    e.create_provider(rig::aws_key(
        "aws",
        MOTO,
        ACCESS_KEY_ID,
        Some("moto-accepts-any"),
    ))
    .await
    .unwrap();
    (dir, e)
}

async fn post(url: &str, token: Option<&str>, body: &str) -> (u16, String) {
    let mut req = reqwest::Client::new().post(url).body(body.to_owned());
    if let Some(t) = token {
        req = req.header("Authorization", format!("Bearer {t}"));
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

#[tokio::test]
async fn clear_cache_answers_like_other_platforms_and_refresh_returns_results() {
    let (_dir, e) = world().await;
    let project = e.list_projects().await.unwrap()[0].project.id.clone();
    let name = unique("api/db");
    put(
        &seeder().await,
        &name,
        &format!(r#"{{"password":"{PG_PASSWORD}"}}"#),
    )
    .await;
    let c = e
        .create_connection(pg_input(
            &project,
            "Via API",
            reference(&format!("secret://aws/{name}#password")),
        ))
        .await
        .unwrap();
    assert!(e.test_connection(&c.id, &|_| {}).await.unwrap().ok);
    assert_eq!(e.cache_entries().await.unwrap().len(), 1);

    let api = e.start_control_api(0).await.unwrap();
    assert!(api.addr.ip().is_loopback());
    let base = format!("http://{}", api.addr);
    let token = e.control_api_token().await.unwrap();
    let token = token.expose_secret();
    assert_eq!(
        token,
        e.control_api_token().await.unwrap().expose_secret(),
        "generated once"
    );

    let (status, body) = post(
        &format!("{base}/api/secrets_management/clear_cache"),
        Some(token),
        "",
    )
    .await;
    assert_eq!((status, body.as_str()), (200, r#"{"success":true}"#));
    assert!(e.cache_entries().await.unwrap().is_empty());

    let (status, body) = post(
        &format!("{base}/api/v1/refresh"),
        Some(token),
        &format!(r#"{{"scope":"connection","id":"{}","test":true}}"#, c.id),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["success"], true);
    assert_eq!(v["report"]["items"][0]["connection"], "Via API");
    assert_eq!(v["report"]["items"][0]["test"]["ok"], true, "{body}");
    assert!(!body.contains(PG_PASSWORD), "never a value");

    let (status, body) = post(
        &format!("{base}/api/v1/refresh"),
        Some(token),
        r#"{"scope":"everything"}"#,
    )
    .await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("unknown variant `everything`"), "{body}");

    let events = e.list_audit(AuditQuery::default()).await.unwrap();
    assert!(events.iter().filter(|ev| ev.kind == "api.called").count() >= 2);
    assert!(
        !format!("{events:?}").contains(token),
        "the token is never audited"
    );
}

#[tokio::test]
async fn without_the_token_nothing_is_done_and_the_rate_is_limited() {
    let (_dir, e) = world().await;
    let api = e.start_control_api(0).await.unwrap();
    let url = format!("http://{}/api/secrets_management/clear_cache", api.addr);

    let (status, _) = post(&url, None, "").await;
    assert_eq!(status, 401);
    let (status, _) = post(&url, Some("lk_wrong"), "").await;
    assert_eq!(status, 401);
    let refused = e.list_audit(AuditQuery::default()).await.unwrap();
    assert_eq!(
        refused.iter().filter(|ev| ev.kind == "api.refused").count(),
        2
    );
    assert!(
        !refused.iter().any(|ev| ev.kind == "cache.cleared"),
        "nothing done"
    );

    let token = e.control_api_token().await.unwrap();
    let mut limited = 0;
    for _ in 0..RATE_LIMIT_PER_MINUTE {
        let (status, _) = post(&url, Some(token.expose_secret()), "").await;
        if status == 429 {
            limited += 1;
        }
    }
    // Two requests of this minute were the refused ones: 58 pass, the last 2 do not.
    assert_eq!(limited, 2);
}

#[tokio::test]
async fn turned_off_it_stops_answering_even_on_a_kept_alive_connection() {
    let (_dir, e) = world().await;
    let api = e.start_control_api(0).await.unwrap();
    let url = format!("http://{}/api/secrets_management/clear_cache", api.addr);
    let token = e.control_api_token().await.unwrap();
    // One client: its connection is kept alive between the two requests.
    let client = reqwest::Client::new();
    let send = || client.post(&url).bearer_auth(token.expose_secret()).send();
    assert_eq!(send().await.unwrap().status().as_u16(), 200);
    drop(api);
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    assert!(send().await.is_err(), "nothing answers once it is off");
}
