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
    assert!(
        !refused.iter().any(|ev| ev.kind == "cache.cleared"),
        "nothing done"
    );

    // Refused calls do not use the real caller's budget: 60 authenticated calls pass.
    let token = e.control_api_token().await.unwrap();
    for _ in 0..RATE_LIMIT_PER_MINUTE {
        let (status, _) = post(&url, Some(token.expose_secret()), "").await;
        assert_eq!(status, 200);
    }
    let (status, _) = post(&url, Some(token.expose_secret()), "").await;
    assert_eq!(status, 429, "the 61st authenticated call of the minute");
}

/// A flood of unauthenticated requests costs the real caller nothing and writes one
/// summary audit row, not one per request.
#[tokio::test]
async fn a_flood_of_unauthenticated_requests_costs_nothing() {
    let (_dir, e) = world().await;
    let api = e.start_control_api(0).await.unwrap();
    let url = format!("http://{}/api/secrets_management/clear_cache", api.addr);
    let client = reqwest::Client::new();
    for i in 0..500 {
        let mut req = client.post(&url);
        if i % 2 == 0 {
            req = req.bearer_auth("lk_guess");
        }
        assert_eq!(req.send().await.unwrap().status().as_u16(), 401);
    }
    let token = e.control_api_token().await.unwrap();
    let (status, body) = post(&url, Some(token.expose_secret()), "").await;
    assert_eq!(
        status, 200,
        "the flood did not spend the rate budget: {body}"
    );
    let rows: Vec<_> = e
        .list_audit(AuditQuery::default())
        .await
        .unwrap()
        .into_iter()
        .filter(|ev| ev.kind == "api.refused")
        .collect();
    assert_eq!(rows.len(), 1, "one summary row a minute at most: {rows:#?}");
    assert_eq!(
        rows[0].detail,
        "1 request refused: 1 × missing or wrong bearer token"
    );
}

/// Unknown paths get 404 before the guard (no audit row); requests naming another
/// host (DNS rebinding) or coming from a browser page are refused even with the token.
#[tokio::test]
async fn unknown_paths_other_hosts_and_browsers_are_refused_before_anything() {
    let (_dir, e) = world().await;
    let api = e.start_control_api(0).await.unwrap();
    let token = e.control_api_token().await.unwrap();
    let base = format!("http://{}", api.addr);
    let client = reqwest::Client::new();
    let long = "x".repeat(10_000);
    for path in ["/", "/api", "/api/v2/refresh", &format!("/{long}")] {
        let res = client
            .post(format!("{base}{path}"))
            .bearer_auth(token.expose_secret())
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.status().as_u16(),
            404,
            "{}",
            &path[..path.len().min(20)]
        );
    }
    assert!(
        e.list_audit(AuditQuery::default())
            .await
            .unwrap()
            .iter()
            .all(|ev| !ev.kind.starts_with("api.")),
        "no audit row for an unknown path"
    );
    let url = format!("{base}/api/secrets_management/clear_cache");
    let with = |name: &'static str, value: &'static str| {
        client
            .post(&url)
            .bearer_auth(token.expose_secret())
            .header(name, value)
            .send()
    };
    for (name, value) in [
        ("Host", "evil.example"),
        ("Host", "attacker.test:47821"),
        ("Origin", "https://evil.example"),
        ("Origin", "null"),
        ("Sec-Fetch-Site", "cross-site"),
        ("Sec-Fetch-Site", "same-origin"),
    ] {
        let res = with(name, value).await.unwrap();
        assert_eq!(res.status().as_u16(), 403, "{name}: {value}");
    }
    assert!(
        !e.list_audit(AuditQuery::default())
            .await
            .unwrap()
            .iter()
            .any(|ev| ev.kind == "cache.cleared"),
        "nothing done"
    );
    // A script's request (no Origin, Sec-Fetch-Site none or absent) still works.
    assert_eq!(
        with("Sec-Fetch-Site", "none")
            .await
            .unwrap()
            .status()
            .as_u16(),
        200
    );
    let res = client
        .post(&url)
        .bearer_auth(token.expose_secret())
        .header("Host", format!("localhost:{}", api.addr.port()))
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status().as_u16(),
        200,
        "Host localhost:PORT is accepted"
    );
    // The Bearer scheme is case-insensitive (RFC 9110).
    let res = client
        .post(&url)
        .header("Authorization", format!("bearer {}", token.expose_secret()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
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
