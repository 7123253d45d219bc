//! One module per subcommand. Each owns its clap arguments and an `async fn run` that
//! calls the engine and prints what it answers: no business logic here.

pub mod connections;
pub mod demo;
pub mod info;
pub mod mode;
pub mod projects;
pub mod providers;
pub mod refresh;
pub mod secrets;

use latchkey_engine::{Engine, EngineError};

/// The id of the project named `name`, or a clear error.
pub async fn project_id(
    engine: &Engine,
    name: Option<&str>,
) -> Result<Option<String>, EngineError> {
    let Some(name) = name else { return Ok(None) };
    let project = engine.store().projects().find_by_name(name).await?;
    project.map(|p| Some(p.id)).ok_or_else(|| {
        EngineError::NotFound(format!(
            "No project is named \"{name}\": see `latchkey projects list`."
        ))
    })
}
