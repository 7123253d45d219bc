//! # latchkey-keychain
//!
//! The OS keychain, through `keyring`: Secret Service on Linux, Keychain on macOS,
//! Credential Manager on Windows. Every credential Latchkey holds itself (a literal
//! password typed into a connection, a provider's access key) lives here and only
//! here; SQLite keeps the *handle*.
//!
//! Entries are namespaced per build kind: the keyring *service* is `latchkey` for
//! release builds and `latchkey-dev` for debug builds, so a development build never
//! reads or overwrites a real user's credentials. `LATCHKEY_KEYCHAIN_SERVICE`
//! overrides it (tests use a fresh namespace each run).

use std::collections::HashMap;
use std::sync::Mutex;

use latchkey_core::{ExposeSecret, SecretValue};

/// The keyring service name for this build kind.
pub fn default_service() -> String {
    if let Ok(s) = std::env::var("LATCHKEY_KEYCHAIN_SERVICE")
        && !s.trim().is_empty()
    {
        return s;
    }
    if cfg!(debug_assertions) {
        "latchkey-dev".into()
    } else {
        "latchkey".into()
    }
}

/// A fresh handle for a new credential.
pub fn new_handle(purpose: &str) -> String {
    format!("{purpose}/{}", uuid::Uuid::new_v4())
}

#[derive(Debug, thiserror::Error)]
pub enum KeychainError {
    #[error("no credential is stored in the OS keychain under {0}")]
    NotFound(String),
    #[error(
        "the OS keychain is not available ({0}). On Linux, Latchkey needs a Secret Service such as GNOME Keyring or KWallet, unlocked"
    )]
    Unavailable(String),
    #[error("the OS keychain refused the operation: {0}")]
    Other(String),
}

/// Where credentials are kept. The OS keychain in production; [`MemoryKeychain`] for
/// unit tests of logic that has no I/O.
pub trait CredentialStore: Send + Sync + std::fmt::Debug {
    fn set(&self, handle: &str, value: &SecretValue) -> Result<(), KeychainError>;
    fn get(&self, handle: &str) -> Result<SecretValue, KeychainError>;
    /// Deleting an absent entry is not an error.
    fn delete(&self, handle: &str) -> Result<(), KeychainError>;
    /// A short description for logs and the Settings screen.
    fn describe(&self) -> String;
}

/// The operating system's keychain.
#[derive(Debug, Clone)]
pub struct OsKeychain {
    service: String,
}

impl OsKeychain {
    pub fn new(service: impl Into<String>) -> Self {
        Self {
            service: service.into(),
        }
    }

    /// The keychain in this build kind's namespace.
    pub fn for_build() -> Self {
        Self::new(default_service())
    }

    pub fn service(&self) -> &str {
        &self.service
    }

    fn entry(&self, handle: &str) -> Result<keyring::Entry, KeychainError> {
        keyring::Entry::new(&self.service, handle).map_err(|e| map_err(handle, e))
    }
}

fn map_err(handle: &str, e: keyring::Error) -> KeychainError {
    // keyring's errors never carry the secret; they may carry the handle, which is not secret.
    match e {
        keyring::Error::NoEntry => KeychainError::NotFound(handle.to_owned()),
        keyring::Error::NoStorageAccess(inner) | keyring::Error::PlatformFailure(inner) => {
            KeychainError::Unavailable(inner.to_string())
        }
        other => KeychainError::Other(other.to_string()),
    }
}

impl CredentialStore for OsKeychain {
    fn set(&self, handle: &str, value: &SecretValue) -> Result<(), KeychainError> {
        let _span = tracing::debug_span!("keychain.set", service = %self.service, handle).entered();
        self.entry(handle)?
            .set_password(value.expose_secret())
            .map_err(|e| map_err(handle, e))
    }

    fn get(&self, handle: &str) -> Result<SecretValue, KeychainError> {
        let _span = tracing::debug_span!("keychain.get", service = %self.service, handle).entered();
        let value = self
            .entry(handle)?
            .get_password()
            .map_err(|e| map_err(handle, e))?;
        Ok(SecretValue::from(value))
    }

    fn delete(&self, handle: &str) -> Result<(), KeychainError> {
        let _span =
            tracing::debug_span!("keychain.delete", service = %self.service, handle).entered();
        match self.entry(handle)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(map_err(handle, e)),
        }
    }

    fn describe(&self) -> String {
        let backend = if cfg!(target_os = "macos") {
            "macOS Keychain"
        } else if cfg!(windows) {
            "Windows Credential Manager"
        } else {
            "Secret Service"
        };
        format!("{backend}, service \"{}\"", self.service)
    }
}

/// An in-memory credential store, for unit tests only.
#[derive(Debug, Default)]
pub struct MemoryKeychain {
    entries: Mutex<HashMap<String, SecretValue>>,
    /// When set, every `set` fails (to test that nothing is half-saved).
    pub fail_writes: std::sync::atomic::AtomicBool,
}

impl MemoryKeychain {
    pub fn len(&self) -> usize {
        self.entries.lock().expect("lock").len()
    }
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl CredentialStore for MemoryKeychain {
    fn set(&self, handle: &str, value: &SecretValue) -> Result<(), KeychainError> {
        if self.fail_writes.load(std::sync::atomic::Ordering::SeqCst) {
            return Err(KeychainError::Unavailable(
                "writes disabled for this test".into(),
            ));
        }
        let copy = SecretValue::from(value.expose_secret().to_owned());
        self.entries
            .lock()
            .expect("lock")
            .insert(handle.to_owned(), copy);
        Ok(())
    }
    fn get(&self, handle: &str) -> Result<SecretValue, KeychainError> {
        let entries = self.entries.lock().expect("lock");
        let v = entries
            .get(handle)
            .ok_or_else(|| KeychainError::NotFound(handle.to_owned()))?;
        Ok(SecretValue::from(v.expose_secret().to_owned()))
    }
    fn delete(&self, handle: &str) -> Result<(), KeychainError> {
        self.entries.lock().expect("lock").remove(handle);
        Ok(())
    }
    fn describe(&self) -> String {
        "in-memory test store".into()
    }
}
