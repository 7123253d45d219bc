//! `latchkey demo setup`: the try-it-without-AWS demo (`bash scripts/demo.sh` runs it).

use std::process::ExitCode;

use clap::Subcommand;
use latchkey_core::{ConnectionInput, ConnectionKind, FieldInput, ProviderKind};
use latchkey_engine::{Engine, EngineError, ProviderInput};

#[derive(Subcommand)]
pub enum Action {
    /// Adds the "Demo" project, a secrets manager "demo" on moto and a PostgreSQL
    /// connection whose password comes from it. Runs again without duplicating.
    Setup {
        /// moto's endpoint (scripts/services.sh starts it on port 5000).
        #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:5000")]
        moto_url: String,
    },
}

/// The demo secret the connection uses (seeded by tests/fixtures/moto_demo_seed.py).
const DEMO_SECRET: &str = "demo/prod/billing/postgres";

pub async fn run(engine: &Engine, action: Action, _json: bool) -> Result<ExitCode, EngineError> {
    match action {
        Action::Setup { moto_url } => setup(engine, &moto_url).await?,
    }
    Ok(ExitCode::SUCCESS)
}

async fn setup(engine: &Engine, moto_url: &str) -> Result<(), EngineError> {
    let project = match engine.store().projects().find_by_name("Demo").await? {
        Some(p) => p,
        None => {
            engine
                .create_project(
                    "Demo",
                    "Try Latchkey without an AWS account: moto + PostgreSQL",
                )
                .await?
        }
    };
    let manager = ProviderInput::new(
        "demo",
        ProviderKind::AwsSecretsManager,
        &[
            ("region", "us-east-1"),
            ("auth", "access_key"),
            ("access_key_id", "AKIADEMODEMODEMO0001"),
            ("endpoint_url", moto_url),
        ],
    )
    // moto accepts any key pair; this one is not a secret.
    .secret("secret_access_key", "moto-accepts-any-key");
    // Updated when it exists: the keychain may be a new one (scripts/demo.sh on a
    // headless machine starts a private keyring each time).
    let providers = engine.list_providers().await?;
    match providers.iter().find(|p| p.alias == "demo") {
        Some(existing) => engine.update_provider(&existing.id, manager).await?,
        None => engine.create_provider(manager).await?,
    };
    let name = "Billing database (demo)";
    let existing = engine.list_connections(Some(&project.id)).await?;
    if !existing.iter().any(|c| c.name == name) {
        let plain = |v: &str| FieldInput::Plain { value: v.into() };
        engine
            .create_connection(ConnectionInput {
                project_id: project.id.clone(),
                name: name.into(),
                kind: ConnectionKind::Postgres,
                fields: [
                    ("host", plain("127.0.0.1")),
                    ("port", plain("5432")),
                    ("database", plain("latchkey_test")),
                    ("user", plain("latchkey_test")),
                    ("sslmode", plain("prefer")),
                    (
                        "password",
                        FieldInput::Secret {
                            reference: format!("secret://demo/{DEMO_SECRET}#password"),
                        },
                    ),
                ]
                .into_iter()
                .map(|(k, v)| (k.to_owned(), v))
                .collect(),
            })
            .await?;
    }
    println!(
        "Demo ready: project \"Demo\", secrets manager \"demo\" ({moto_url}), connection \"{name}\"."
    );
    Ok(())
}
