//! What the network said, in words an admin can act on; timeouts for every attempt.

use latchkey_core::ErrorCode;
use std::future::Future;
use std::time::Duration;

use crate::ConnectorError;

/// Runs `attempt`, or reports a timeout naming `at` after `limit`.
pub(crate) async fn bounded<T>(
    limit: Duration,
    at: &str,
    attempt: impl Future<Output = Result<T, ConnectorError>>,
) -> Result<T, ConnectorError> {
    match tokio::time::timeout(limit, attempt).await {
        Ok(result) => result,
        Err(_) => Err(timeout(at, limit)),
    }
}

pub(crate) fn timeout(at: &str, limit: Duration) -> ConnectorError {
    ConnectorError::new(
        ErrorCode::Timeout,
        format!("no answer from {at} within {} s", limit.as_secs()),
        "check the host and port, and that a firewall lets the connection through",
    )
}

/// Classifies a transport-level failure from its message (and its sources').
/// `server` names the kind of server expected on the port ("Redis", "an SSH server").
pub(crate) fn classify(text: &str, host: &str, at: &str, server: &str) -> ConnectorError {
    let lower = text.to_lowercase();
    if lower.contains("failed to lookup")
        || lower.contains("name or service not known")
        || lower.contains("no such host")
        || lower.contains("nodename nor servname")
        || lower.contains("temporary failure in name resolution")
        || lower.contains("dns error")
    {
        ConnectorError::new(
            ErrorCode::UnknownHost,
            format!("the host \"{host}\" was not found (DNS)"),
            "check the host name for typos, or use its IP address",
        )
    } else if lower.contains("refused") {
        ConnectorError::new(
            ErrorCode::Refused,
            format!("nothing accepts connections on {at} (connection refused)"),
            format!("check the port, and that {server} is running and listens on that address"),
        )
    } else if lower.contains("timed out") || lower.contains("timeout") || lower.contains("elapsed")
    {
        ConnectorError::new(
            ErrorCode::Timeout,
            format!("no answer from {at} in time"),
            "check the host and port, and that a firewall lets the connection through",
        )
    } else if lower.contains("certificate")
        || lower.contains("tls")
        || lower.contains("ssl")
        || lower.contains("handshake")
        || lower.contains("unknownissuer")
    {
        ConnectorError::new(
            ErrorCode::Tls,
            format!("TLS with {at} failed: {}", first_line(text)),
            "match the TLS setting to the server (TLS on or off), and set the CA certificate of the server's issuer if it is a private CA",
        )
    } else if lower.contains("unreachable") {
        ConnectorError::new(
            ErrorCode::Unreachable,
            format!("{at} cannot be reached: {}", first_line(text)),
            "check the network route (VPN, proxy) to the host",
        )
    } else if lower.contains("reset") || lower.contains("closed") || lower.contains("eof") {
        ConnectorError::new(
            ErrorCode::Failed,
            format!("{at} closed the connection: {}", first_line(text)),
            format!("check that the port belongs to {server} and whether it expects TLS"),
        )
    } else {
        ConnectorError::new(
            ErrorCode::Failed,
            format!("{at}: {}", first_line(text)),
            "check the connection settings",
        )
    }
}

/// An error and its sources on one line ("a: b: c").
pub(crate) fn chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut text = e.to_string();
    let mut source = e.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}

pub(crate) fn first_line(text: &str) -> &str {
    text.lines().next().unwrap_or(text)
}

/// `host:port`, with brackets around an IPv6 address.
pub(crate) fn at(host: &str, port: u16) -> String {
    if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    }
}
