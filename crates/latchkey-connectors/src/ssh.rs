//! SSH / SFTP: connect, verify the host key (pinned fingerprint or known_hosts; an
//! unknown key is shown and offered for trust, never accepted silently) and log in
//! with a password or a private key (step 3); run `id` or list the SFTP home (step 4).

use latchkey_core::ErrorCode;
use std::io::Read;
use std::net::TcpStream;
use std::path::Path;

use base64::Engine as _;
use latchkey_core::{ConnectionKind, FieldKind::*, FieldSpec, TypeSpec};
use ssh2::{CheckResult, HashType, HostKeyType, KnownHostFileKind, Session};

use crate::{CONNECT_TIMEOUT, ConnectorError, IO_TIMEOUT, Offer, Reporter, Settings, net};

pub fn spec() -> TypeSpec {
    TypeSpec {
        kind: ConnectionKind::Ssh,
        label: "SSH / SFTP".into(),
        description: "A server reached over SSH: run a command, or browse files with SFTP.".into(),
        group: "Servers".into(),
        fields: vec![
            FieldSpec::new("host", "Host", Host, true).placeholder("bastion.example.com"),
            FieldSpec::new("port", "Port", Port, true).default("22"),
            FieldSpec::new("user", "User", Text, true).placeholder("deploy"),
            FieldSpec::new("auth", "Log in with", Choice, true)
                .default("key")
                .choices(&[("key", "a private key"), ("password", "a password")]),
            FieldSpec::new("private_key", "Private key", Credential, true)
                .when("auth", &["key"])
                .multiline()
                .help("The key file's whole text (-----BEGIN OPENSSH PRIVATE KEY----- …), best taken from a secret."),
            FieldSpec::new("passphrase", "Key passphrase", Credential, false)
                .when("auth", &["key"])
                .help("Only for an encrypted key."),
            FieldSpec::new("password", "Password", Credential, true).when("auth", &["password"]),
            FieldSpec::new("host_key_check", "Host key check", Choice, true)
                .default("fingerprint")
                .choices(&[
                    ("fingerprint", "pinned fingerprint"),
                    ("known_hosts", "known_hosts file"),
                ])
                .help("The server's key is checked before any credential is sent."),
            FieldSpec::new("host_key_fingerprint", "Host key fingerprint", Text, false)
                .when("host_key_check", &["fingerprint"])
                .placeholder("SHA256:…")
                .help("Empty: the first test shows the server's fingerprint and asks you to trust it."),
            FieldSpec::new("known_hosts", "known_hosts file", Path, true)
                .when("host_key_check", &["known_hosts"])
                .default("~/.ssh/known_hosts"),
            FieldSpec::new("check", "Access check", Choice, true)
                .default("command")
                .choices(&[("command", "run `id`"), ("sftp", "list the SFTP home directory")]),
        ],
    }
}

pub(crate) async fn run(s: &Settings, report: &mut (dyn Reporter + Send)) {
    // Resolve the name here, bounded; libssh2's side then only connects.
    let (host, port) = (s.text("host"), s.port("port", 22));
    let at = net::at(host, port);
    let lookup = net::bounded(CONNECT_TIMEOUT, &at, async {
        tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| net::classify(&e.to_string(), host, &at, "an SSH server"))?
            .next()
            .ok_or_else(|| net::classify("failed to lookup address", host, &at, "an SSH server"))
    })
    .await;
    let addr = match lookup {
        Ok(a) => a,
        Err(e) => return report.step(Err(e)),
    };
    let plain = s.plain.clone();
    let secrets: std::collections::BTreeMap<_, _> = ["private_key", "passphrase", "password"]
        .into_iter()
        .filter(|k| s.has_secret(k))
        .map(|k| {
            (
                k.to_owned(),
                latchkey_core::SecretValue::from(s.secret(k).to_owned()),
            )
        })
        .collect();
    let owned = Settings { plain, secrets };
    // libssh2 blocks: steps run on the blocking pool, each bounded by the session timeout.
    let login = tokio::task::spawn_blocking(move || {
        let session = authenticate(&owned, addr);
        (owned, session)
    })
    .await;
    let (owned, session) = match login {
        Ok(pair) => pair,
        Err(e) => {
            return report.step(Err(ConnectorError::new(
                ErrorCode::Failed,
                e.to_string(),
                "try again",
            )));
        }
    };
    let (session, detail) = match session {
        Ok(pair) => pair,
        Err(e) => return report.step(Err(e)),
    };
    report.step(Ok(detail));
    let checked = tokio::task::spawn_blocking(move || {
        let result = check_access(&owned, &session);
        let _ = session.disconnect(None, "latchkey test done", None);
        result
    })
    .await;
    report.step(checked.unwrap_or_else(|e| {
        Err(ConnectorError::new(
            ErrorCode::Failed,
            e.to_string(),
            "try again",
        ))
    }));
}

/// `SHA256:…` as OpenSSH prints it.
pub fn fingerprint(sha256: &[u8]) -> String {
    format!(
        "SHA256:{}",
        base64::engine::general_purpose::STANDARD_NO_PAD.encode(sha256)
    )
}

fn key_type(t: HostKeyType) -> &'static str {
    match t {
        HostKeyType::Rsa => "RSA",
        HostKeyType::Dss => "DSA",
        HostKeyType::Ecdsa256 | HostKeyType::Ecdsa384 | HostKeyType::Ecdsa521 => "ECDSA",
        HostKeyType::Ed25519 => "ED25519",
        _ => "unknown",
    }
}

fn authenticate(
    s: &Settings,
    addr: std::net::SocketAddr,
) -> Result<(Session, String), ConnectorError> {
    let host = s.text("host");
    let port = s.port("port", 22);
    let at = net::at(host, port);
    let tcp = TcpStream::connect_timeout(&addr, CONNECT_TIMEOUT).map_err(|e| {
        if e.kind() == std::io::ErrorKind::TimedOut {
            net::timeout(&at, CONNECT_TIMEOUT)
        } else {
            net::classify(&e.to_string(), host, &at, "an SSH server")
        }
    })?;
    let mut session = Session::new()
        .map_err(|e| ConnectorError::new(ErrorCode::Failed, e.to_string(), "try again"))?;
    session.set_timeout(u32::try_from(IO_TIMEOUT.as_millis()).unwrap_or(u32::MAX));
    session.set_tcp_stream(tcp);
    session.handshake().map_err(|e| {
        let text = e.to_string();
        if text.to_lowercase().contains("timed out") {
            net::timeout(&at, IO_TIMEOUT)
        } else {
            ConnectorError::new(
                ErrorCode::Failed,
                format!("SSH handshake with {at} failed: {text}"),
                "check that the port belongs to an SSH server",
            )
        }
    })?;
    let (key, kind) = session.host_key().ok_or_else(|| {
        ConnectorError::new(
            ErrorCode::Failed,
            "the server sent no host key",
            "check the server",
        )
    })?;
    let kind = key_type(kind);
    let fp = fingerprint(session.host_key_hash(HashType::Sha256).unwrap_or_default());
    let trusted = verify_host_key(s, &session, key, kind, &fp, host, port, &at)?;

    let user = s.text("user");
    let auth = if s.text("auth") == "password" {
        session
            .userauth_password(user, s.secret("password"))
            .map(|()| "password")
    } else {
        let passphrase = Some(s.secret("passphrase")).filter(|p| !p.is_empty());
        session
            .userauth_pubkey_memory(user, None, s.secret("private_key"), passphrase)
            .map(|()| "private key")
    };
    match auth {
        Ok(how) if session.authenticated() => Ok((
            session,
            format!("logged in to {at} as {user} with a {how}; host key {kind} {fp} {trusted}"),
        )),
        Ok(_) => Err(bad_login(s, user, "the server did not accept the login")),
        Err(e) => Err(explain_auth(s, user, &e)),
    }
}

#[allow(clippy::too_many_arguments)]
fn verify_host_key(
    s: &Settings,
    session: &Session,
    key: &[u8],
    kind: &str,
    fp: &str,
    host: &str,
    port: u16,
    at: &str,
) -> Result<&'static str, ConnectorError> {
    let pin_offer = |prompt: String| Offer {
        prompt,
        fields: [
            ("host_key_check".to_owned(), "fingerprint".to_owned()),
            ("host_key_fingerprint".to_owned(), fp.to_owned()),
        ]
        .into(),
    };
    if s.text("host_key_check") == "known_hosts" {
        let path = s.text("known_hosts");
        let mut known = session
            .known_hosts()
            .map_err(|e| ConnectorError::new(ErrorCode::Failed, e.to_string(), "try again"))?;
        let file = crate::expand_home(path);
        if Path::new(&file).exists() {
            known
                .read_file(&file, KnownHostFileKind::OpenSSH)
                .map_err(|e| {
                    ConnectorError::new(
                        ErrorCode::InvalidSetting,
                        format!("cannot read the known_hosts file {path}: {e}"),
                        "check the known_hosts path (an OpenSSH known_hosts file)",
                    )
                })?;
        }
        return match known.check_port(host, port, key) {
            CheckResult::Match => Ok("(matches known_hosts)"),
            CheckResult::Mismatch => Err(mismatch(at, kind, fp, &format!("the key in {path}"))),
            CheckResult::NotFound | CheckResult::Failure => {
                let mut e = ConnectorError::new(
                    ErrorCode::HostKeyUnknown,
                    format!("{at} is not in {path}; it presents the {kind} key {fp}"),
                    "compare the fingerprint with the server's (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on the server), then trust it",
                );
                e.offer = Some(pin_offer(format!(
                    "{at} is not in {path}. Its {kind} host key fingerprint is {fp}. Trust this key (pin it to this connection)?"
                )));
                Err(e)
            }
        };
    }
    let pinned = s.text("host_key_fingerprint");
    if pinned.is_empty() {
        let mut e = ConnectorError::new(
            ErrorCode::HostKeyUnknown,
            format!("no host key is pinned yet; {at} presents the {kind} key {fp}"),
            "compare the fingerprint with the server's (ssh-keygen -lf /etc/ssh/ssh_host_*_key.pub on the server), then trust it",
        );
        e.offer = Some(pin_offer(format!(
            "First connection to {at}. Its {kind} host key fingerprint is {fp}. Trust this key?"
        )));
        return Err(e);
    }
    let normalised = if pinned.starts_with("SHA256:") {
        pinned.trim_end_matches('=').to_owned()
    } else {
        format!("SHA256:{}", pinned.trim_end_matches('='))
    };
    if normalised == fp {
        Ok("(matches the pinned fingerprint)")
    } else {
        Err(mismatch(at, kind, fp, &format!("the pinned {pinned}")))
    }
}

fn mismatch(at: &str, kind: &str, fp: &str, expected: &str) -> ConnectorError {
    ConnectorError::new(
        ErrorCode::HostKeyMismatch,
        format!(
            "{at} presents the {kind} key {fp}, not {expected}: the server was reinstalled or someone is intercepting the connection"
        ),
        "do not log in: ask the server's admin whether its host key changed, then update the fingerprint",
    )
}

fn bad_login(s: &Settings, user: &str, cause: &str) -> ConnectorError {
    let fix = if s.text("auth") == "password" {
        format!(
            "check the password of \"{user}\" (or the secret it comes from) and the user name; the server may also refuse passwords (PasswordAuthentication no)"
        )
    } else {
        format!(
            "check that the key's public half is in ~{user}/.ssh/authorized_keys on the server, and the user name"
        )
    };
    ConnectorError::new(ErrorCode::BadCredentials, cause.to_owned(), fix)
}

fn explain_auth(s: &Settings, user: &str, e: &ssh2::Error) -> ConnectorError {
    let text = e.message().to_owned();
    let lower = text.to_lowercase();
    if lower.contains("unable to extract public key")
        || lower.contains("unable to parse")
        || lower.contains("invalid private key")
        || lower.contains("wrong passphrase")
        || lower.contains("bad decrypt")
        || lower.contains("passphrase")
    {
        return ConnectorError::new(
            ErrorCode::InvalidSetting,
            format!("the private key cannot be read: {text}"),
            "check the private key's text (the whole file, BEGIN and END lines included) and its passphrase",
        );
    }
    if lower.contains("timed out") {
        return net::timeout(&net::at(s.text("host"), s.port("port", 22)), IO_TIMEOUT);
    }
    bad_login(s, user, &format!("the server refused the login ({text})"))
}

fn check_access(s: &Settings, session: &Session) -> Result<String, ConnectorError> {
    let failed = |what: &str, e: ssh2::Error| {
        if e.message().to_lowercase().contains("timed out") {
            return net::timeout(&net::at(s.text("host"), s.port("port", 22)), IO_TIMEOUT);
        }
        ConnectorError::new(
            ErrorCode::AccessDenied,
            format!("{what}: {}", e.message()),
            "check the account's shell and the server's sshd_config (ForceCommand, Subsystem sftp)",
        )
    };
    if s.text("check") == "sftp" {
        let sftp = session
            .sftp()
            .map_err(|e| failed("the SFTP subsystem refused", e))?;
        let entries = sftp
            .readdir(Path::new("."))
            .map_err(|e| failed("listing the home directory failed", e))?;
        return Ok(format!(
            "SFTP home directory lists {} entries",
            entries.len()
        ));
    }
    let mut channel = session
        .channel_session()
        .map_err(|e| failed("opening a session channel failed", e))?;
    channel
        .exec("id")
        .map_err(|e| failed("running `id` failed", e))?;
    let mut out = String::new();
    channel
        .read_to_string(&mut out)
        .map_err(|e| ConnectorError::new(ErrorCode::Failed, e.to_string(), "try again"))?;
    let _ = channel.wait_close();
    match channel.exit_status() {
        Ok(0) => Ok(format!("`id` → {}", out.trim())),
        Ok(code) => Err(ConnectorError::new(
            ErrorCode::AccessDenied,
            format!("`id` exited with status {code}"),
            "check the account's shell (it may be nologin: use the SFTP check)",
        )),
        Err(e) => Err(failed("`id` did not finish", e)),
    }
}
