//! # latchkey-testkit
//!
//! What the tests and benches share, so each test file says only what it checks:
//!
//! - [`keyvault`]: a local Azure Key Vault (secrets) and Entra ID token endpoint over
//!   HTTPS, faithful to the published spec, for the official Azure SDK.
//! - [`moto`]: the moto server that `scripts/services.sh` starts on 127.0.0.1:5000,
//!   a seeding client configured like production's, unique names per run.
//! - [`openbao`]: the OpenBao dev servers (HTTP :8200, HTTPS :8210) and what their
//!   seed wrote (role IDs, secret IDs, the CA file).
//! - [`target`]: the PostgreSQL test target and the canary search of a data folder.
//! - [`throttle`]: a local Secrets Manager endpoint that answers `ThrottlingException`
//!   a chosen number of times before it answers normally, to test retries.
//!
//! Nothing here is a mock of Latchkey: the code under test talks to these servers
//! over HTTP through the same SDK calls it makes in production.

pub mod api;
pub mod keyvault;
pub mod moto;
pub mod openbao;
pub mod target;
pub mod throttle;
mod tls;
