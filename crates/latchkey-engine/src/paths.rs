//! Where Latchkey keeps its data and logs.
//!
//! The data directory is, in order: the `--data-dir` flag, the `LATCHKEY_DATA_DIR`
//! environment variable, or the OS data directory (`~/.local/share/latchkey` on Linux,
//! `~/Library/Application Support/latchkey` on macOS, `%APPDATA%\latchkey` on Windows).
//! Debug builds use `latchkey-dev` instead, so development never touches real data.
//! Logs are written to `logs/` inside the data directory.

use std::path::{Path, PathBuf};

/// `"debug"` or `"release"`.
pub fn build_kind() -> &'static str {
    if cfg!(debug_assertions) {
        "debug"
    } else {
        "release"
    }
}

/// The OS data directory for this build kind.
pub fn default_data_dir() -> PathBuf {
    let name = if cfg!(debug_assertions) {
        "latchkey-dev"
    } else {
        "latchkey"
    };
    directories::BaseDirs::new()
        .map(|b| b.data_dir().to_path_buf())
        .unwrap_or_else(|| PathBuf::from("."))
        .join(name)
}

/// Resolves the data directory from a flag, then the environment, then the OS default.
pub fn data_dir(flag: Option<&Path>) -> PathBuf {
    if let Some(p) = flag {
        return p.to_path_buf();
    }
    match std::env::var_os("LATCHKEY_DATA_DIR") {
        Some(p) if !p.is_empty() => PathBuf::from(p),
        _ => default_data_dir(),
    }
}

pub fn log_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("logs")
}

/// The operating-system user running Latchkey, recorded in the audit log.
pub fn os_user() -> String {
    let name = whoami::username();
    if !name.is_empty() {
        return name;
    }
    ["USER", "USERNAME", "LOGNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.is_empty()))
        .unwrap_or_else(|| "unknown".into())
}
