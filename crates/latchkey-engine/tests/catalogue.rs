//! The connection catalogue against real servers on 127.0.0.1 (scripts/services.sh):
//! MariaDB, Redis (requirepass, an ACL user, TLS), HTTP APIs and Jira (the test kit's
//! server), S3 (moto with IAM enforcement), SSH/SFTP (a private sshd) and SMTP
//! (aiosmtpd). For each type: the credential comes from a secret in OpenBao and all
//! four steps pass; a wrong credential and an unreachable host fail at step 3 with the
//! reason and a fix; the credentials never reach the data folder or a reply.

use std::collections::BTreeMap;
use std::sync::Arc;

use latchkey_core::{ConnectionInput, ConnectionKind, FieldInput, SecretValue};
use latchkey_engine::{Engine, StepOutcome, StepReport, TestReport};
use latchkey_keychain::OsKeychain;
use latchkey_testkit::api::ApiServer;
use latchkey_testkit::moto::unique;
use latchkey_testkit::openbao::OpenBao;
use latchkey_testkit::target::servers::{self, *};
use latchkey_testkit::target::{files_containing, reference};
use serde_json::json;

mod rig;

/// An engine whose secrets manager `bao` is the OpenBao dev server (root token), and
/// a folder of secrets this test writes there.
struct Rig {
    e: Engine,
    dir: tempfile::TempDir,
    project: String,
    bao: OpenBao,
    folder: String,
    canaries: Vec<String>,
}

impl Rig {
    async fn new() -> Self {
        let bao = OpenBao::load();
        let dir = tempfile::tempdir().unwrap();
        let kc = Arc::new(OsKeychain::new(unique("latchkey-test-catalogue")));
        let e = Engine::open(dir.path(), kc).await.unwrap();
        e.create_provider(rig::vault_token("bao", &bao.addr(), &bao.root_token()))
            .await
            .unwrap();
        let project = e.list_projects().await.unwrap()[0].project.id.clone();
        Rig {
            e,
            dir,
            project,
            bao,
            folder: unique("catalogue"),
            canaries: Vec::new(),
        }
    }

    /// Stores `data` at `secret/<folder>/<name>` and returns `secret://bao/…#key`
    /// for each key. Every value becomes a canary.
    fn secret(&mut self, name: &str, data: serde_json::Value) -> String {
        for v in data.as_object().unwrap().values() {
            self.canaries.push(v.as_str().unwrap().to_owned());
        }
        let path = format!("{}/{name}", self.folder);
        self.bao.put(&path, &data);
        format!("secret://bao/secret/{path}")
    }

    /// Creates a connection, tests it, deletes it; returns the report.
    async fn test(&self, kind: ConnectionKind, fields: &[(&str, FieldInput)]) -> TestReport {
        let input = ConnectionInput {
            project_id: self.project.clone(),
            name: unique("conn"),
            kind,
            fields: fields
                .iter()
                .map(|(k, v)| ((*k).to_owned(), dup(v)))
                .collect::<BTreeMap<_, _>>(),
        };
        let c = self.e.create_connection(input).await.unwrap();
        let report = self.e.test_connection(&c.id, &|_| {}).await.unwrap();
        self.e.delete_connection(&c.id).await.unwrap();
        self.assert_no_canary(&serde_json::to_string(&report).unwrap());
        report
    }

    fn assert_no_canary(&self, text: &str) {
        for canary in &self.canaries {
            assert!(
                !text.contains(canary.as_str()),
                "a credential leaked into {text}"
            );
        }
    }

    /// The canaries are in no file of the data folder (SQLite, WAL, logs) nor in the
    /// audit log.
    async fn assert_no_trace(&self) {
        let audit = self.e.list_audit(Default::default()).await.unwrap();
        self.assert_no_canary(&serde_json::to_string(&audit).unwrap());
        for canary in &self.canaries {
            assert!(
                files_containing(self.dir.path(), canary).is_empty(),
                "{canary} on disk"
            );
        }
    }
}

/// A copy of a field (inputs are not `Clone`: a literal holds a secret value).
fn dup(v: &FieldInput) -> FieldInput {
    use latchkey_core::ExposeSecret;
    match v {
        FieldInput::Plain { value } => FieldInput::Plain {
            value: value.clone(),
        },
        FieldInput::Secret { reference } => FieldInput::Secret {
            reference: reference.clone(),
        },
        FieldInput::Literal { value } => FieldInput::Literal {
            value: SecretValue::from(value.expose_secret().to_owned()),
        },
        FieldInput::KeepLiteral => FieldInput::KeepLiteral,
    }
}

fn plain(v: &str) -> FieldInput {
    FieldInput::Plain { value: v.into() }
}

fn passed(report: &TestReport) -> &StepReport {
    assert!(report.ok, "{:#?}", report.steps);
    assert!(report.steps.iter().all(|s| s.outcome == StepOutcome::Ok));
    &report.steps[3]
}

/// The step that failed: its number and code must be as given; later steps skipped.
fn failed(report: &TestReport, step: u8, code: &str) -> StepReport {
    assert!(!report.ok, "{:#?}", report.steps);
    let s = report
        .steps
        .iter()
        .find(|s| s.outcome == StepOutcome::Failed)
        .unwrap_or_else(|| panic!("{:#?}", report.steps))
        .clone();
    assert_eq!(
        (s.step, s.code.map(|c| c.as_str())),
        (step, Some(code)),
        "{s:#?}"
    );
    assert!(s.fix.as_deref().is_some_and(|f| !f.is_empty()), "{s:#?}");
    assert!(
        report.steps[usize::from(step)..]
            .iter()
            .all(|s| s.outcome == StepOutcome::Skipped)
    );
    s
}

fn cause(s: &StepReport) -> String {
    s.cause.clone().unwrap_or_default()
}

#[tokio::test]
async fn mysql_mariadb() {
    let mut rig = Rig::new().await;
    let good = rig.secret("mysql", json!({"password": MYSQL_PASSWORD}));
    let wrong = rig.secret("mysql-old", json!({"password": "mysql-wrong-canary"}));
    let fields = |password: &str, port: &str, mode: &str| {
        vec![
            ("host", plain("127.0.0.1")),
            ("port", plain(port)),
            ("database", plain("latchkey_test")),
            ("user", plain("latchkey_test")),
            ("password", reference(password)),
            ("ssl_mode", plain(mode)),
        ]
    };
    let ok = rig
        .test(
            ConnectionKind::Mysql,
            &fields(&format!("{good}#password"), "3306", "preferred"),
        )
        .await;
    let detail = &passed(&ok).detail;
    assert!(
        detail.contains("CURRENT_USER() = latchkey_test@") && detail.contains("MariaDB"),
        "{detail}"
    );

    let bad = rig
        .test(
            ConnectionKind::Mysql,
            &fields(&format!("{wrong}#password"), "3306", "preferred"),
        )
        .await;
    let s = failed(&bad, 3, "bad_credentials");
    assert!(cause(&s).contains("1045"), "{s:?}");
    assert!(s.fix.unwrap().contains("password of \"latchkey_test\""));

    let port = servers::closed_port().to_string();
    let down = rig
        .test(
            ConnectionKind::Mysql,
            &fields(&format!("{good}#password"), &port, "preferred"),
        )
        .await;
    assert!(cause(&failed(&down, 3, "refused")).contains(&format!("127.0.0.1:{port}")));

    // TLS: the server's certificate verified against the test CA, host name included.
    let mut tls = fields(&format!("{good}#password"), "3306", "verify_identity");
    tls.push(("ca_file", plain(&servers::ca_file())));
    passed(&rig.test(ConnectionKind::Mysql, &tls).await);
    // Verifying against the system's CAs fails as a TLS error.
    let untrusted = rig
        .test(
            ConnectionKind::Mysql,
            &fields(&format!("{good}#password"), "3306", "verify_ca"),
        )
        .await;
    failed(&untrusted, 3, "tls");
    rig.assert_no_trace().await;
}

#[tokio::test]
async fn redis_password_acl_user_and_tls() {
    let mut rig = Rig::new().await;
    let r = rig.secret(
        "redis",
        json!({"requirepass": REDIS_PASSWORD, "acl": REDIS_ACL_PASSWORD, "old": "redis-wrong-canary"}),
    );
    let fields = |user: &str, key: &str, port: &str, tls: &str| {
        let mut f = vec![
            ("host", plain("127.0.0.1")),
            ("port", plain(port)),
            ("username", plain(user)),
            ("tls", plain(tls)),
        ];
        if !key.is_empty() {
            f.push(("password", reference(&format!("{r}#{key}"))));
        }
        f
    };
    let server = rig
        .test(
            ConnectionKind::Redis,
            &fields("", "requirepass", "6390", "off"),
        )
        .await;
    assert!(
        passed(&server).detail.contains("ACL WHOAMI → default"),
        "{:?}",
        server.steps
    );
    assert!(server.steps[2].detail.contains("server password"));

    let acl = rig
        .test(
            ConnectionKind::Redis,
            &fields("latchkey_app", "acl", "6390", "off"),
        )
        .await;
    assert!(
        passed(&acl).detail.contains("ACL WHOAMI → latchkey_app"),
        "{:?}",
        acl.steps
    );

    let wrong = rig
        .test(
            ConnectionKind::Redis,
            &fields("latchkey_app", "old", "6390", "off"),
        )
        .await;
    let s = failed(&wrong, 3, "bad_credentials");
    assert!(s.fix.unwrap().contains("ACL user \"latchkey_app\""));
    let none = rig
        .test(ConnectionKind::Redis, &fields("", "", "6390", "off"))
        .await;
    assert!(cause(&failed(&none, 3, "bad_credentials")).contains("NOAUTH"));

    let port = servers::closed_port().to_string();
    failed(
        &rig.test(
            ConnectionKind::Redis,
            &fields("", "requirepass", &port, "off"),
        )
        .await,
        3,
        "refused",
    );

    let mut tls = fields("latchkey_app", "acl", "6391", "on");
    tls.push(("ca_file", plain(&servers::ca_file())));
    let secure = rig.test(ConnectionKind::Redis, &tls).await;
    passed(&secure);
    assert!(secure.steps[2].detail.contains("over TLS"));
    // Without the test CA the server's certificate is not trusted.
    failed(
        &rig.test(
            ConnectionKind::Redis,
            &fields("latchkey_app", "acl", "6391", "on"),
        )
        .await,
        3,
        "tls",
    );
    rig.assert_no_trace().await;
}

#[tokio::test]
async fn http_api_every_scheme() {
    let mut rig = Rig::new().await;
    let api = ApiServer::start(false).await;
    let c = api.creds.clone();
    let r = rig.secret(
        "api",
        json!({
            "password": c.basic_password, "token": c.bearer_token, "key": c.api_key,
            "client_secret": c.client_secret, "wrong": "api-wrong-canary"
        }),
    );
    let field = |key: &str| reference(&format!("{r}#{key}"));
    let base = |scheme: &str, path: &str| {
        vec![
            ("base_url", plain(&api.url)),
            ("auth", plain(scheme)),
            ("health_path", plain(path)),
        ]
    };
    let with = |mut f: Vec<(&'static str, FieldInput)>, more: Vec<(&'static str, FieldInput)>| {
        f.extend(more);
        f
    };

    let open = rig
        .test(ConnectionKind::Http, &base("none", "/open/health"))
        .await;
    assert!(
        passed(&open)
            .detail
            .starts_with("GET /open/health → 200 OK in "),
        "{:?}",
        open.steps
    );

    let basic = with(
        base("basic", "/basic/health"),
        vec![
            ("username", plain(&c.basic_user)),
            ("password", field("password")),
        ],
    );
    passed(&rig.test(ConnectionKind::Http, &basic).await);
    let basic_wrong = with(
        base("basic", "/basic/health"),
        vec![
            ("username", plain(&c.basic_user)),
            ("password", field("wrong")),
        ],
    );
    let s = failed(
        &rig.test(ConnectionKind::Http, &basic_wrong).await,
        3,
        "bad_credentials",
    );
    assert!(
        cause(&s).contains("401") && cause(&s).contains("Basic realm"),
        "{s:?}"
    );

    passed(
        &rig.test(
            ConnectionKind::Http,
            &with(
                base("bearer", "/bearer/health"),
                vec![("token", field("token"))],
            ),
        )
        .await,
    );
    failed(
        &rig.test(
            ConnectionKind::Http,
            &with(
                base("bearer", "/bearer/health"),
                vec![("token", field("wrong"))],
            ),
        )
        .await,
        3,
        "bad_credentials",
    );

    let header = with(
        base("api_key", "/apikey/health"),
        vec![
            ("api_key_in", plain("header")),
            ("api_key_name", plain("X-API-Key")),
            ("api_key", field("key")),
        ],
    );
    passed(&rig.test(ConnectionKind::Http, &header).await);
    let query = with(
        base("api_key", "/apikey/health"),
        vec![
            ("api_key_in", plain("query")),
            ("api_key_name", plain("api_key")),
            ("api_key", field("key")),
        ],
    );
    passed(&rig.test(ConnectionKind::Http, &query).await);
    assert!(
        api.requests()
            .iter()
            .any(|r| r.starts_with("GET /apikey/health?api_key=")),
        "{:?}",
        api.requests()
    );
    // A redirect to another host is not followed with the key, and its target is shown
    // without the query (which repeats the key).
    let before = api.requests().len();
    let away = with(
        base("api_key", "/away/health"),
        vec![
            ("api_key_in", plain("header")),
            ("api_key_name", plain("X-API-Key")),
            ("api_key", field("key")),
        ],
    );
    let s = failed(&rig.test(ConnectionKind::Http, &away).await, 4, "redirect");
    assert!(
        cause(&s).ends_with("redirects to http://localhost/apikey/health"),
        "{s:?}"
    );
    assert!(s.fix.unwrap().contains("another host"));
    assert_eq!(api.requests()[before..], ["GET /away/health?".to_owned()]);

    let oauth = |auth_style: &str, secret: &str, scopes: &str| {
        with(
            base("oauth2", "/oauth/health"),
            vec![
                ("token_url", plain(&format!("{}/oauth/token", api.url))),
                ("client_id", plain(&c.client_id)),
                ("client_secret", field(secret)),
                ("scopes", plain(scopes)),
                ("client_auth", plain(auth_style)),
            ],
        )
    };
    let token = rig
        .test(
            ConnectionKind::Http,
            &oauth("basic", "client_secret", "read"),
        )
        .await;
    passed(&token);
    assert!(
        token.steps[2]
            .detail
            .contains("OAuth2 token from 127.0.0.1 (Bearer, expires in 3600 s)"),
        "{:?}",
        token.steps
    );
    passed(
        &rig.test(ConnectionKind::Http, &oauth("body", "client_secret", ""))
            .await,
    );
    let s = failed(
        &rig.test(ConnectionKind::Http, &oauth("basic", "wrong", ""))
            .await,
        3,
        "bad_credentials",
    );
    assert!(cause(&s).contains("invalid_client"), "{s:?}");
    failed(
        &rig.test(
            ConnectionKind::Http,
            &oauth("body", "client_secret", "read admin"),
        )
        .await,
        3,
        "access_denied",
    );

    // Redirects: followed (and said), or reported.
    let moved = rig
        .test(
            ConnectionKind::Http,
            &with(
                base("bearer", "/moved/health"),
                vec![("token", field("token"))],
            ),
        )
        .await;
    assert!(
        passed(&moved).detail.contains("redirected from"),
        "{:?}",
        moved.steps
    );
    let refuse = with(
        base("bearer", "/moved/health"),
        vec![
            ("token", field("token")),
            ("follow_redirects", plain("refuse")),
        ],
    );
    let s = failed(
        &rig.test(ConnectionKind::Http, &refuse).await,
        4,
        "redirect",
    );
    assert!(cause(&s).contains("/bearer/health"), "{s:?}");
    failed(
        &rig.test(
            ConnectionKind::Http,
            &with(
                base("bearer", "/forbidden/health"),
                vec![("token", field("token"))],
            ),
        )
        .await,
        4,
        "access_denied",
    );
    failed(
        &rig.test(ConnectionKind::Http, &base("none", "/nowhere/health"))
            .await,
        4,
        "not_found",
    );
    failed(
        &rig.test(ConnectionKind::Http, &base("none", "/broken/health"))
            .await,
        4,
        "server_error",
    );

    // Unreachable: a closed port, and a host name that does not exist.
    let mut down = base("none", "/open/health");
    down[0].1 = plain(&format!("http://127.0.0.1:{}", servers::closed_port()));
    failed(&rig.test(ConnectionKind::Http, &down).await, 3, "refused");
    down[0].1 = plain("http://no-such-host.invalid");
    failed(
        &rig.test(ConnectionKind::Http, &down).await,
        3,
        "unknown_host",
    );

    // HTTPS with a private CA: refused until the CA is set.
    let tls_api = ApiServer::start(true).await;
    let mut tls = base("none", "/open/health");
    tls[0].1 = plain(&tls_api.url);
    let s = failed(&rig.test(ConnectionKind::Http, &tls).await, 3, "tls");
    assert!(s.fix.unwrap().contains("CA certificate"));
    tls.push(("ca_file", plain(&tls_api.ca_path().unwrap())));
    passed(&rig.test(ConnectionKind::Http, &tls).await);
    rig.assert_no_trace().await;
}

#[tokio::test]
async fn jira_cloud_and_data_center() {
    let mut rig = Rig::new().await;
    let api = ApiServer::start(true).await;
    let c = api.creds.clone();
    let r = rig.secret(
        "jira",
        json!({"token": c.jira_api_token, "pat": c.jira_pat, "old": "jira-wrong-canary"}),
    );
    let cloud = |key: &str, url: &str| {
        vec![
            ("base_url", plain(url)),
            ("deployment", plain("cloud")),
            ("email", plain(&c.jira_email)),
            ("api_token", reference(&format!("{r}#{key}"))),
            ("ca_file", plain(&api.ca_path().unwrap())),
        ]
    };
    let ok = rig
        .test(ConnectionKind::Jira, &cloud("token", &api.url))
        .await;
    assert_eq!(passed(&ok).detail, "Browse projects: granted");
    assert!(
        ok.steps[2].detail.contains(
            "Latchkey Admin (5b10ac8d82e05b22cc7d4ef5, admin@example.test) on Jira Cloud"
        ),
        "{:?}",
        ok.steps
    );

    let dc = vec![
        ("base_url", plain(&api.url)),
        ("deployment", plain("data_center")),
        ("pat", reference(&format!("{r}#pat"))),
        ("ca_file", plain(&api.ca_path().unwrap())),
    ];
    let ok = rig.test(ConnectionKind::Jira, &dc).await;
    passed(&ok);
    assert!(
        ok.steps[2]
            .detail
            .contains("(latchkey, admin@example.test) on Jira Data Center"),
        "{:?}",
        ok.steps
    );
    assert!(
        api.requests()
            .iter()
            .any(|r| r.starts_with("GET /rest/api/2/myself"))
    );

    let s = failed(
        &rig.test(ConnectionKind::Jira, &cloud("old", &api.url))
            .await,
        3,
        "bad_credentials",
    );
    assert!(cause(&s).contains("/rest/api/3/myself → 401"), "{s:?}");
    assert!(s.fix.unwrap().contains("API token"));

    api.set_jira_browse(false);
    let s = failed(
        &rig.test(ConnectionKind::Jira, &cloud("token", &api.url))
            .await,
        4,
        "access_denied",
    );
    assert!(cause(&s).contains("BROWSE_PROJECTS"));

    let closed = format!("https://127.0.0.1:{}", servers::closed_port());
    failed(
        &rig.test(ConnectionKind::Jira, &cloud("token", &closed))
            .await,
        3,
        "refused",
    );
    rig.assert_no_trace().await;
}

#[tokio::test]
async fn s3_on_moto_with_iam() {
    let mut rig = Rig::new().await;
    let iam: serde_json::Value = serde_json::from_str(&servers::read("moto-iam.json")).unwrap();
    let admin_id = iam["admin_access_key_id"].as_str().unwrap().to_owned();
    let admin_secret = iam["admin_secret_access_key"].as_str().unwrap().to_owned();
    // The bucket, made with the admin key through the SDK (moto :5001 checks signatures).
    let bucket = unique("reports").to_lowercase().replace('_', "-");
    let sdk = aws_sdk_s3::Client::from_conf(
        aws_sdk_s3::Config::builder()
            .behavior_version(aws_sdk_s3::config::BehaviorVersion::latest())
            .region(aws_sdk_s3::config::Region::new("us-east-1"))
            .endpoint_url("http://127.0.0.1:5001")
            .force_path_style(true)
            .credentials_provider(aws_sdk_s3::config::Credentials::new(
                &admin_id,
                &admin_secret,
                None,
                None,
                "test",
            ))
            .build(),
    );
    sdk.create_bucket().bucket(&bucket).send().await.unwrap();
    sdk.put_object()
        .bucket(&bucket)
        .key("q1.csv")
        .body(b"a,b".to_vec().into())
        .send()
        .await
        .unwrap();

    let r = rig.secret(
        "s3",
        json!({"access_key_id": admin_id, "secret_access_key": admin_secret}),
    );
    rig.canaries.retain(|c| *c != admin_id); // an access key ID is not a secret
    let w = rig.secret(
        "s3-old",
        json!({"secret_access_key": "s3-wrong-canary-Zx9"}),
    );
    let fields = |bucket: &str, id: FieldInput, secret: &str, endpoint: &str| {
        vec![
            ("bucket", plain(bucket)),
            ("region", plain("us-east-1")),
            ("access_key_id", id),
            ("secret_access_key", reference(secret)),
            ("endpoint", plain(endpoint)),
            ("addressing", plain("path")),
        ]
    };
    let moto = "http://127.0.0.1:5001";
    let id = reference(&format!("{r}#access_key_id"));
    let ok = rig
        .test(
            ConnectionKind::S3,
            &fields(&bucket, dup(&id), &format!("{r}#secret_access_key"), moto),
        )
        .await;
    assert_eq!(
        passed(&ok).detail,
        "ListObjectsV2 allowed; the bucket holds objects"
    );
    assert!(
        ok.steps[2]
            .detail
            .contains(&format!("bucket {bucket} exists")),
        "{:?}",
        ok.steps
    );

    let s = failed(
        &rig.test(
            ConnectionKind::S3,
            &fields(&bucket, dup(&id), &format!("{w}#secret_access_key"), moto),
        )
        .await,
        3,
        "bad_credentials",
    );
    assert!(cause(&s).contains("SignatureDoesNotMatch"), "{s:?}");
    let unknown = FieldInput::Literal {
        value: SecretValue::from("AKIANOSUCHKEY0000000".to_owned()),
    };
    let s = failed(
        &rig.test(
            ConnectionKind::S3,
            &fields(&bucket, unknown, &format!("{r}#secret_access_key"), moto),
        )
        .await,
        3,
        "bad_credentials",
    );
    assert!(cause(&s).contains("InvalidAccessKeyId"), "{s:?}");
    failed(
        &rig.test(
            ConnectionKind::S3,
            &fields(
                "no-such-bucket-lk",
                dup(&id),
                &format!("{r}#secret_access_key"),
                moto,
            ),
        )
        .await,
        3,
        "not_found",
    );

    // A user without S3 permissions: the key is valid, the bucket is not theirs.
    let reader = rig.secret(
        "s3-reader",
        json!({"secret_access_key": iam["secret_access_key"].as_str().unwrap()}),
    );
    let reader_id = FieldInput::Literal {
        value: SecretValue::from(iam["access_key_id"].as_str().unwrap().to_owned()),
    };
    let s = failed(
        &rig.test(
            ConnectionKind::S3,
            &fields(
                &bucket,
                reader_id,
                &format!("{reader}#secret_access_key"),
                moto,
            ),
        )
        .await,
        3,
        "access_denied",
    );
    assert!(s.fix.unwrap().contains(&format!("arn:aws:s3:::{bucket}")));

    let closed = format!("http://127.0.0.1:{}", servers::closed_port());
    failed(
        &rig.test(
            ConnectionKind::S3,
            &fields(&bucket, id, &format!("{r}#secret_access_key"), &closed),
        )
        .await,
        3,
        "refused",
    );
    rig.assert_no_trace().await;
}

#[tokio::test]
async fn ssh_keys_passwords_and_host_key_trust() {
    let mut rig = Rig::new().await;
    let fingerprint = servers::read("ssh/host_fingerprint").trim().to_owned();
    let r = rig.secret(
        "ssh",
        json!({
            "key": servers::read("ssh/id_ed25519"),
            "key_pass": servers::read("ssh/id_ed25519_pass"),
            "rsa": servers::read("ssh/id_rsa_pem"),
            "passphrase": SSH_KEY_PASSPHRASE,
            "password": SSH_PASSWORD,
            "old": "ssh-wrong-canary",
        }),
    );
    let field = |k: &str| reference(&format!("{r}#{k}"));
    let base = |port: &str, pin: &str| {
        vec![
            ("host", plain("127.0.0.1")),
            ("port", plain(port)),
            ("user", plain("latchkey-ssh")),
            ("host_key_check", plain("fingerprint")),
            ("host_key_fingerprint", plain(pin)),
        ]
    };
    let with = |mut f: Vec<(&'static str, FieldInput)>, more: Vec<(&'static str, FieldInput)>| {
        f.extend(more);
        f
    };
    let key = with(
        base("2222", &fingerprint),
        vec![("auth", plain("key")), ("private_key", field("key"))],
    );
    let ok = rig.test(ConnectionKind::Ssh, &key).await;
    assert!(
        passed(&ok).detail.starts_with("`id` → uid="),
        "{:?}",
        ok.steps
    );
    assert!(passed(&ok).detail.contains("(latchkey-ssh)"));
    assert!(
        ok.steps[2]
            .detail
            .contains("matches the pinned fingerprint"),
        "{:?}",
        ok.steps
    );

    let enc = with(
        base("2222", &fingerprint),
        vec![
            ("auth", plain("key")),
            ("private_key", field("key_pass")),
            ("passphrase", field("passphrase")),
        ],
    );
    passed(&rig.test(ConnectionKind::Ssh, &enc).await);
    let rsa = with(
        base("2222", &fingerprint),
        vec![
            ("auth", plain("key")),
            ("private_key", field("rsa")),
            ("check", plain("sftp")),
        ],
    );
    let sftp = rig.test(ConnectionKind::Ssh, &rsa).await;
    assert!(
        passed(&sftp)
            .detail
            .starts_with("SFTP home directory lists"),
        "{:?}",
        sftp.steps
    );

    let pw = with(
        base("2222", &fingerprint),
        vec![("auth", plain("password")), ("password", field("password"))],
    );
    passed(&rig.test(ConnectionKind::Ssh, &pw).await);
    let wrong = with(
        base("2222", &fingerprint),
        vec![("auth", plain("password")), ("password", field("old"))],
    );
    let s = failed(
        &rig.test(ConnectionKind::Ssh, &wrong).await,
        3,
        "bad_credentials",
    );
    assert!(s.fix.unwrap().contains("password of \"latchkey-ssh\""));

    // A pinned fingerprint that does not match: refused, nothing offered.
    let spoofed = with(
        base("2222", "SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        vec![("auth", plain("password")), ("password", field("password"))],
    );
    let s = failed(
        &rig.test(ConnectionKind::Ssh, &spoofed).await,
        3,
        "host_key_mismatch",
    );
    assert!(
        s.offer.is_none() && cause(&s).contains(&fingerprint),
        "{s:?}"
    );

    // Trust on first use: no pin → the fingerprint is shown and offered; accepted, it
    // is saved and the next test passes.
    let input = ConnectionInput {
        project_id: rig.project.clone(),
        name: "Bastion".into(),
        kind: ConnectionKind::Ssh,
        fields: with(
            base("2222", ""),
            vec![("auth", plain("key")), ("private_key", field("key"))],
        )
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect(),
    };
    let c = rig.e.create_connection(input).await.unwrap();
    let first = rig.e.test_connection(&c.id, &|_| {}).await.unwrap();
    let s = failed(&first, 3, "host_key_unknown");
    let offer = s.offer.clone().expect("an offer to trust the key");
    assert!(offer.prompt.contains(&fingerprint), "{offer:?}");
    assert_eq!(offer.fields.get("host_key_fingerprint"), Some(&fingerprint));
    rig.e.accept_offer(&c.id, offer.fields).await.unwrap();
    passed(&rig.e.test_connection(&c.id, &|_| {}).await.unwrap());
    // Only plain settings may be changed this way.
    assert!(
        rig.e
            .accept_offer(&c.id, BTreeMap::from([("private_key".into(), "x".into())]))
            .await
            .is_err()
    );

    // known_hosts: services.sh's file knows the server; an empty one does not.
    let known = |file: &str| {
        vec![
            ("host", plain("127.0.0.1")),
            ("port", plain("2222")),
            ("user", plain("latchkey-ssh")),
            ("auth", plain("key")),
            ("private_key", field("key")),
            ("host_key_check", plain("known_hosts")),
            ("known_hosts", plain(file)),
        ]
    };
    let ok = rig
        .test(
            ConnectionKind::Ssh,
            &known(&servers::file("ssh/known_hosts").display().to_string()),
        )
        .await;
    assert!(
        ok.steps[2].detail.contains("matches known_hosts"),
        "{:?}",
        ok.steps
    );
    let empty = tempfile::NamedTempFile::new().unwrap();
    let s = failed(
        &rig.test(
            ConnectionKind::Ssh,
            &known(&empty.path().display().to_string()),
        )
        .await,
        3,
        "host_key_unknown",
    );
    assert!(s.offer.is_some());

    let port = servers::closed_port().to_string();
    failed(
        &rig.test(
            ConnectionKind::Ssh,
            &with(
                base(&port, &fingerprint),
                vec![("auth", plain("password")), ("password", field("password"))],
            ),
        )
        .await,
        3,
        "refused",
    );
    rig.assert_no_trace().await;
}

#[tokio::test]
async fn smtp_starttls_implicit_tls_and_auth() {
    let mut rig = Rig::new().await;
    let r = rig.secret(
        "smtp",
        json!({"password": SMTP_PASSWORD, "old": "smtp-wrong-canary"}),
    );
    let fields = |port: &str, security: &str, key: &str, ca: bool| {
        let mut f = vec![
            ("host", plain("localhost")),
            ("port", plain(port)),
            ("security", plain(security)),
            ("user", plain(SMTP_USER)),
            ("password", reference(&format!("{r}#{key}"))),
        ];
        if ca {
            f.push(("ca_file", plain(&servers::ca_file())));
        }
        f
    };
    let ok = rig
        .test(
            ConnectionKind::Smtp,
            &fields("2587", "starttls", "password", true),
        )
        .await;
    assert!(
        passed(&ok).detail.starts_with("NOOP → 250"),
        "{:?}",
        ok.steps
    );
    assert!(
        ok.steps[2]
            .detail
            .contains("STARTTLS, AUTH as latchkey@example.test"),
        "{:?}",
        ok.steps
    );

    let mut login = fields("2465", "tls", "password", true);
    login.push(("mechanism", plain("login")));
    let implicit = rig.test(ConnectionKind::Smtp, &login).await;
    passed(&implicit);
    assert!(implicit.steps[2].detail.contains("implicit TLS"));
    passed(
        &rig.test(
            ConnectionKind::Smtp,
            &fields("2525", "none", "password", false),
        )
        .await,
    );

    let s = failed(
        &rig.test(
            ConnectionKind::Smtp,
            &fields("2587", "starttls", "old", true),
        )
        .await,
        3,
        "bad_credentials",
    );
    assert!(cause(&s).contains("535"), "{s:?}");
    // The test CA is not a system CA: STARTTLS without it fails as TLS.
    failed(
        &rig.test(
            ConnectionKind::Smtp,
            &fields("2587", "starttls", "password", false),
        )
        .await,
        3,
        "tls",
    );
    let port = servers::closed_port().to_string();
    failed(
        &rig.test(
            ConnectionKind::Smtp,
            &fields(&port, "starttls", "password", true),
        )
        .await,
        3,
        "refused",
    );
    rig.assert_no_trace().await;
}

#[tokio::test]
async fn fields_that_do_not_apply_are_neither_required_nor_saved() {
    let rig = Rig::new().await;
    let http = |name: &str, auth: &str, extra: Vec<(&str, FieldInput)>| {
        let mut fields = BTreeMap::from([
            ("base_url".to_owned(), plain("https://status.example.com")),
            ("auth".to_owned(), plain(auth)),
        ]);
        fields.extend(extra.into_iter().map(|(k, v)| (k.to_owned(), v)));
        ConnectionInput {
            project_id: rig.project.clone(),
            name: name.into(),
            kind: ConnectionKind::Http,
            fields,
        }
    };
    let literal = |v: &str| FieldInput::Literal {
        value: SecretValue::from(v.to_owned()),
    };
    // Bearer chosen: the Basic password is not required, and a typed one is dropped.
    let c = rig
        .e
        .create_connection(http(
            "Status API",
            "bearer",
            vec![
                ("token", literal("tok-canary")),
                ("password", literal("hidden-canary")),
            ],
        ))
        .await
        .unwrap();
    assert!(
        c.fields.contains_key("token") && !c.fields.contains_key("password"),
        "{:?}",
        c.fields
    );
    // Basic chosen: user name and password become required, each named.
    let err = rig
        .e
        .create_connection(http("Status API 2", "basic", vec![]))
        .await
        .unwrap_err();
    let latchkey_engine::EngineError::Validation(errors) = err else {
        panic!("{err}")
    };
    let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["username", "password"]);
    // The catalogue declares every type once, with a group and fields.
    let types = rig.e.connection_types();
    let kinds: Vec<_> = types.iter().map(|t| t.kind.as_str()).collect();
    assert_eq!(
        kinds,
        [
            "postgres", "mysql", "redis", "http", "jira", "s3", "ssh", "smtp"
        ]
    );
    assert!(
        types
            .iter()
            .all(|t| !t.group.is_empty() && !t.fields.is_empty())
    );
}
