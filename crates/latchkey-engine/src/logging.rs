//! Logging: `tracing` to a daily-rolling file in the log directory (and, optionally,
//! to stderr). Secret values never appear in a field: they are `SecretValue`s, whose
//! `Debug` is redacted and which have no `Display`.

use std::path::Path;

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// Starts logging to `log_dir/latchkey.log.YYYY-MM-DD`. Keep the guard alive for as
/// long as the process logs. `LATCHKEY_LOG` sets the filter (default `info`).
pub fn init(log_dir: &Path, to_stderr: bool) -> std::io::Result<WorkerGuard> {
    std::fs::create_dir_all(log_dir)?;
    let appender = tracing_appender::rolling::daily(log_dir, "latchkey.log");
    let (writer, guard) = tracing_appender::non_blocking(appender);
    let filter = EnvFilter::try_from_env("LATCHKEY_LOG")
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,tao=warn,wry=warn"));
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
