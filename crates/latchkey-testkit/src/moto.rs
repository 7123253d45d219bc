//! moto, the AWS emulator, as the tests use it.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use aws_sdk_secretsmanager::Client;

/// moto started by `scripts/services.sh` (no IAM enforcement).
pub const MOTO: &str = "http://127.0.0.1:5000";

/// The access key id the tests use (moto accepts any).
pub const ACCESS_KEY_ID: &str = "AKIATESTLATCHKEY0001";

/// A raw SDK client for seeding, configured like Latchkey's own.
pub async fn seeder() -> Client {
    client_for(MOTO).await
}

async fn client_for(url: &str) -> Client {
    let creds = aws_credential_types::Credentials::new(ACCESS_KEY_ID, "x", None, None, "seed");
    let config = aws_config::defaults(aws_config::BehaviorVersion::latest())
        .region(aws_config::Region::new("us-east-1"))
        .endpoint_url(url)
        .credentials_provider(creds)
        .load()
        .await;
    Client::new(&config)
}

/// A name no earlier run used: moto keeps its secrets for as long as it runs.
pub fn unique(prefix: &str) -> String {
    static N: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("clock after 1970")
        .as_nanos();
    format!("{prefix}-{nanos}-{}", N.fetch_add(1, Ordering::SeqCst))
}

/// Creates a secret with a text value.
pub async fn put(client: &Client, name: &str, value: &str) {
    client
        .create_secret()
        .name(name)
        .secret_string(value)
        .send()
        .await
        .unwrap_or_else(|e| panic!("create secret {name} in moto: {e:?}"));
}

/// Stores a new current value (the old one becomes AWSPREVIOUS), as a rotation does.
pub async fn rotate(client: &Client, name: &str, value: &str) {
    client
        .put_secret_value()
        .secret_id(name)
        .secret_string(value)
        .send()
        .await
        .unwrap_or_else(|e| panic!("put secret value {name} in moto: {e:?}"));
}

/// A moto server of a test's own (so the test may stop it), killed when dropped.
pub struct MotoProcess {
    pub url: String,
    port: u16,
    child: Option<std::process::Child>,
    /// moto's own request recorder (`MOTO_ENABLE_RECORDING`): one JSON line per
    /// request it received, written by the server itself.
    recording: Option<tempfile::NamedTempFile>,
}

impl MotoProcess {
    /// Starts `python3 -m moto.server` on 127.0.0.1:`port` and waits until it answers.
    pub async fn start(port: u16) -> Self {
        let mut p = Self {
            url: format!("http://127.0.0.1:{port}"),
            port,
            child: None,
            recording: None,
        };
        p.restart().await;
        p
    }

    /// Starts one that records every request it receives, so a test can count the
    /// calls at the server ([`Self::recorded`]).
    pub async fn start_recording(port: u16) -> Self {
        let mut p = Self {
            url: format!("http://127.0.0.1:{port}"),
            port,
            child: None,
            recording: Some(tempfile::NamedTempFile::new().expect("a temp file")),
        };
        p.restart().await;
        p
    }

    /// The operations (`X-Amz-Target`, e.g. `secretsmanager.ListSecrets`) the server
    /// received since the start or the last [`Self::reset_recording`], in order.
    pub fn recorded(&self) -> Vec<String> {
        let path = self
            .recording
            .as_ref()
            .expect("started with start_recording")
            .path();
        std::fs::read_to_string(path)
            .unwrap_or_default()
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .map(|entry| {
                let headers = &entry["headers"];
                headers
                    .as_object()
                    .and_then(|h| {
                        h.iter()
                            .find(|(k, _)| k.eq_ignore_ascii_case("x-amz-target"))
                            .and_then(|(_, v)| v.as_str())
                    })
                    .unwrap_or("(no target)")
                    .to_owned()
            })
            .collect()
    }

    /// Forgets what was recorded so far.
    pub fn reset_recording(&self) {
        let path = self
            .recording
            .as_ref()
            .expect("started with start_recording")
            .path();
        std::fs::write(path, b"").expect("truncate the recording");
    }

    /// Stops the server (its state goes with it).
    pub fn stop(&mut self) {
        if let Some(mut c) = self.child.take() {
            c.kill().ok();
            c.wait().ok();
        }
    }

    /// Starts it again, empty.
    pub async fn restart(&mut self) {
        self.stop();
        let mut cmd = std::process::Command::new("python3");
        if let Some(f) = &self.recording {
            cmd.env("MOTO_ENABLE_RECORDING", "true")
                .env("MOTO_RECORDER_FILEPATH", f.path());
        }
        let child = cmd
            .args([
                "-m",
                "moto.server",
                "-H",
                "127.0.0.1",
                "-p",
                &self.port.to_string(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("python3 -m moto.server (scripts/bootstrap.sh installs moto)");
        self.child = Some(child);
        for _ in 0..100 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!("moto did not start on port {}", self.port);
    }

    /// A seeding client for this server.
    pub async fn client(&self) -> Client {
        client_for(&self.url).await
    }
}

impl Drop for MotoProcess {
    fn drop(&mut self) {
        self.stop();
    }
}
