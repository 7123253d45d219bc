//! The OpenBao dev servers that `scripts/services.sh` starts and seeds
//! (tests/fixtures/vault_seed.sh), described by `$RUN_DIR/vault.json`.

use serde_json::Value;

/// What the seed script wrote: addresses, role IDs, secret IDs, the CA file.
pub struct OpenBao {
    pub json: Value,
}

/// The folder services.sh keeps its state in.
pub fn run_dir() -> std::path::PathBuf {
    std::env::temp_dir().join("latchkey-services")
}

impl OpenBao {
    /// Reads `vault.json` (fresh each call: services.sh replaces it on every run).
    pub fn load() -> Self {
        let path = run_dir().join("vault.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e}; run `bash scripts/services.sh` first",
                path.display()
            )
        });
        Self {
            json: serde_json::from_str(&text).expect("vault.json is JSON"),
        }
    }

    fn str(&self, pointer: &str) -> String {
        self.json
            .pointer(pointer)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("vault.json has no {pointer}"))
            .to_owned()
    }

    /// `http://127.0.0.1:8200`.
    pub fn addr(&self) -> String {
        self.str("/addr")
    }
    pub fn root_token(&self) -> String {
        self.str("/root_token")
    }
    /// (role ID, secret ID) of an AppRole role: `billing` or `shortlived`.
    pub fn approle(&self, role: &str) -> (String, String) {
        (
            self.str(&format!("/approle/{role}/role_id")),
            self.str(&format!("/approle/{role}/secret_id")),
        )
    }
    pub fn userpass(&self) -> (String, String) {
        (
            self.str("/userpass/username"),
            self.str("/userpass/password"),
        )
    }
    /// (`https://127.0.0.1:8210`, the CA file).
    pub fn tls(&self) -> (String, String) {
        (self.str("/tls/addr"), self.str("/tls/ca_file"))
    }
    pub fn namespace(&self) -> String {
        self.str("/namespace")
    }

    /// Writes a KV v2 secret at `secret/<path>` with the root token (through `curl`,
    /// as an operator would with the API).
    pub fn put(&self, path: &str, data: &Value) {
        let body = serde_json::json!({ "data": data }).to_string();
        let out = std::process::Command::new("curl")
            .args(["-sS", "--fail-with-body", "-X", "POST", "-H"])
            .arg(format!("X-Vault-Token: {}", self.root_token()))
            .arg("--data-binary")
            .arg(&body)
            .arg(format!("{}/v1/secret/data/{path}", self.addr()))
            .output()
            .expect("run curl");
        assert!(
            out.status.success(),
            "writing secret/{path} failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }

    /// Sets a KV v2 secret's custom metadata at `secret/metadata/<path>`.
    pub fn put_metadata(&self, path: &str, custom: &Value) {
        let body = serde_json::json!({ "custom_metadata": custom }).to_string();
        let out = std::process::Command::new("curl")
            .args(["-sS", "--fail-with-body", "-X", "POST", "-H"])
            .arg(format!("X-Vault-Token: {}", self.root_token()))
            .arg("--data-binary")
            .arg(&body)
            .arg(format!("{}/v1/secret/metadata/{path}", self.addr()))
            .output()
            .expect("run curl");
        assert!(
            out.status.success(),
            "writing secret/metadata/{path} failed: {}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
}
