//! Logging: `tracing` to a daily-rolling file in the log directory (and, optionally,
//! to stderr). Secret values never appear in a field: they are `SecretValue`s, whose
//! `Debug` is redacted and which have no `Display`.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// HTTP and API-client crates whose debug and trace output can carry request or
/// response bodies (a Vault login body holds the secret ID; a read returns the value).
/// They are silenced whatever `LATCHKEY_LOG` says: Latchkey reports their errors itself.
const NEVER_LOGGED: [&str; 12] = [
    "rustify",
    "vaultrs",
    "reqwest",
    "hyper",
    "h2",
    "aws_smithy_runtime",
    // Request signing traces print the credentials it signs with.
    "aws_sigv4",
    "aws_runtime",
    // The connection tests' clients (SMTP, Redis, MySQL/PostgreSQL statements).
    "lettre",
    "redis",
    "sqlx",
    "libssh2_sys",
];

/// The filter: `LATCHKEY_LOG` (default `info`), with the crates of [`NEVER_LOGGED`] off.
pub fn filter() -> EnvFilter {
    let base =
        std::env::var("LATCHKEY_LOG").unwrap_or_else(|_| "info,sqlx=warn,tao=warn,wry=warn".into());
    let mut filter = EnvFilter::try_new(&base).unwrap_or_else(|_| EnvFilter::new("info"));
    for name in NEVER_LOGGED {
        filter = filter.add_directive(format!("{name}=off").parse().expect("a valid directive"));
    }
    filter
}

/// Starts logging to `log_dir/latchkey.log.YYYY-MM-DD`. Keep the guard alive for as
/// long as the process logs. `LATCHKEY_LOG` sets the filter (default `info`).
pub fn init(log_dir: &Path, to_stderr: bool) -> std::io::Result<WorkerGuard> {
    std::fs::create_dir_all(log_dir)?;
    let appender = tracing_appender::rolling::daily(log_dir, "latchkey.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = filter();
    let file = tracing_subscriber::fmt::layer()
        .with_writer(writer)
        .with_ansi(false);
    let stderr = to_stderr.then(|| tracing_subscriber::fmt::layer().with_writer(std::io::stderr));
    // A second init (tests) is not an error worth failing for.
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(file)
        .with(stderr)
        .try_init();
    Ok(guard)
}

#[cfg(test)]
mod tests {
    #[test]
    fn body_logging_crates_stay_off() {
        let f = super::filter().to_string();
        for name in super::NEVER_LOGGED {
            assert!(f.contains(&format!("{name}=off")), "{f}");
        }
    }
}
