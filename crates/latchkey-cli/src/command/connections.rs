//! `latchkey connections …`

use std::collections::BTreeMap;
use std::process::ExitCode;

use clap::Subcommand;
use latchkey_core::{ConnectionInput, ConnectionKind, FieldInput, FieldKind};
use latchkey_engine::{Engine, EngineError, Trial};

use super::project_id;
use crate::print::{print_field, print_json, print_step, print_table};

#[derive(Subcommand)]
pub enum Action {
    /// List connections (every project's, or one project's).
    List {
        /// Only the connections of this project (by name).
        #[arg(long, value_name = "NAME")]
        project: Option<String>,
    },
    /// Every connection type and its fields (the same declaration the app's form uses).
    Types {
        /// Only this type (postgres, mysql, redis, http, jira, s3, ssh, smtp).
        kind: Option<String>,
    },
    /// Add a connection. Plain settings with `--set KEY=VALUE`; credentials only as
    /// secret references (`--set password=secret://aws/prod/db#password`): a literal
    /// credential is typed in the app, never on a command line. Checked like the form.
    Add {
        /// The type: postgres, mysql, redis, http, jira, s3, ssh, smtp.
        #[arg(long = "type", value_name = "TYPE")]
        kind: String,
        /// The connection's name.
        #[arg(long)]
        name: String,
        /// The project (by name); the first project when omitted.
        #[arg(long, value_name = "NAME")]
        project: Option<String>,
        /// A field, KEY=VALUE (repeat). Defaults fill the rest.
        #[arg(long = "set", value_name = "KEY=VALUE")]
        set: Vec<String>,
    },
    /// Test a connection: resolve its credentials and log in, printing each step as
    /// it finishes (the same four steps as the app's Test button).
    Test {
        /// The connection's name.
        name: String,
        /// The project it belongs to, when several projects have one of that name.
        #[arg(long, value_name = "NAME")]
        project: Option<String>,
        /// Test before cutover: read the secret at this version ID instead (the
        /// connection does not change; audited).
        #[arg(long, value_name = "ID", conflicts_with = "stage")]
        version: Option<String>,
        /// Test before cutover: read the secret at this stage (AWS: AWSPENDING).
        #[arg(long, value_name = "STAGE")]
        stage: Option<String>,
        /// With --version/--stage: the secret to read differently, when the
        /// connection uses more than one.
        #[arg(long, value_name = "PATH")]
        secret: Option<String>,
    },
}

pub async fn run(engine: &Engine, action: Action, json: bool) -> Result<ExitCode, EngineError> {
    match action {
        Action::List { project } => list(engine, project.as_deref(), json).await,
        Action::Types { kind } => types(engine, kind.as_deref(), json),
        Action::Add {
            kind,
            name,
            project,
            set,
        } => add(engine, &kind, name, project.as_deref(), &set, json).await,
        Action::Test {
            name,
            project,
            version,
            stage,
            secret,
        } => {
            let trial = (version.is_some() || stage.is_some()).then_some(Trial {
                secret,
                version,
                stage,
            });
            test(engine, &name, project.as_deref(), trial, json).await
        }
    }
}

async fn list(engine: &Engine, project: Option<&str>, json: bool) -> Result<ExitCode, EngineError> {
    let project_id = project_id(engine, project).await?;
    let connections = engine.list_connections(project_id.as_deref()).await?;
    if json {
        return print_json(&connections).map(|()| ExitCode::SUCCESS);
    }
    let projects = engine.list_projects().await?;
    let rows = connections
        .iter()
        .map(|c| {
            let project = projects.iter().find(|p| p.project.id == c.project_id);
            vec![
                c.name.clone(),
                engine.connection_type(c.kind).label,
                project.map(|p| p.project.name.clone()).unwrap_or_default(),
                c.target.clone(),
            ]
        })
        .collect();
    print_table(&["NAME", "TYPE", "PROJECT", "TARGET"], rows);
    Ok(ExitCode::SUCCESS)
}

fn types(engine: &Engine, kind: Option<&str>, json: bool) -> Result<ExitCode, EngineError> {
    let types: Vec<_> = engine
        .connection_types()
        .into_iter()
        .filter(|t| kind.is_none_or(|k| t.kind.as_str() == k))
        .collect();
    if types.is_empty() {
        return Err(EngineError::field(
            "type",
            "Unknown connection type: see `latchkey connections types`.",
        ));
    }
    if json {
        return print_json(&types).map(|()| ExitCode::SUCCESS);
    }
    for t in &types {
        println!(
            "{} — {} ({}): {}",
            t.kind.as_str(),
            t.label,
            t.group,
            t.description
        );
        for f in &t.fields {
            print_field(f, false);
        }
        println!();
    }
    Ok(ExitCode::SUCCESS)
}

async fn add(
    engine: &Engine,
    kind: &str,
    name: String,
    project: Option<&str>,
    set: &[String],
    json: bool,
) -> Result<ExitCode, EngineError> {
    let kind = ConnectionKind::parse(kind).ok_or_else(|| {
        EngineError::field(
            "type",
            format!("\"{kind}\" is not a connection type: see `latchkey connections types`."),
        )
    })?;
    let spec = engine.connection_type(kind);
    let project_id = match project_id(engine, project).await? {
        Some(id) => id,
        None => engine.list_projects().await?[0].project.id.clone(),
    };
    let mut fields = BTreeMap::new();
    for pair in set {
        let Some((key, value)) = pair.split_once('=') else {
            return Err(EngineError::field(
                "set",
                format!("\"{pair}\" is not KEY=VALUE, such as --set host=db.example.com."),
            ));
        };
        let credential = spec
            .field(key)
            .is_some_and(|f| f.kind == FieldKind::Credential);
        let input = if credential && value.starts_with("secret://") {
            FieldInput::Secret {
                reference: value.into(),
            }
        } else if credential {
            return Err(EngineError::field(
                key,
                format!(
                    "{key} is a credential: pass a secret reference (secret://MANAGER/PATH#KEY), or type it in the app — never on a command line."
                ),
            ));
        } else {
            FieldInput::Plain {
                value: value.into(),
            }
        };
        fields.insert(key.to_owned(), input);
    }
    for f in &spec.fields {
        if let (false, Some(d)) = (fields.contains_key(&f.key), &f.default) {
            fields.insert(f.key.clone(), FieldInput::Plain { value: d.clone() });
        }
    }
    let c = engine
        .create_connection(ConnectionInput {
            project_id,
            name,
            kind,
            fields,
        })
        .await?;
    if json {
        print_json(&c)?;
    } else {
        println!(
            "added \"{}\" ({}); test it with `latchkey connections test \"{}\"`",
            c.name, spec.label, c.name
        );
    }
    Ok(ExitCode::SUCCESS)
}

async fn test(
    engine: &Engine,
    name: &str,
    project: Option<&str>,
    trial: Option<Trial>,
    json: bool,
) -> Result<ExitCode, EngineError> {
    let project_id = project_id(engine, project).await?;
    let matching: Vec<_> = engine
        .list_connections(project_id.as_deref())
        .await?
        .into_iter()
        .filter(|c| c.name == name)
        .collect();
    let connection = match matching.as_slice() {
        [one] => one,
        [] => {
            return Err(EngineError::NotFound(format!(
                "No connection is named \"{name}\": see `latchkey connections list`."
            )));
        }
        _ => {
            return Err(EngineError::field(
                "project",
                format!(
                    "{} connections are named \"{name}\": add --project NAME.",
                    matching.len()
                ),
            ));
        }
    };
    let report = engine
        .test_connection_with(&connection.id, trial, &|step| {
            if !json {
                print_step(step);
            }
        })
        .await?;
    let with = report
        .trial
        .as_ref()
        .map(|t| format!(" with {t} (before cutover; the connection is unchanged)"))
        .unwrap_or_default();
    if json {
        print_json(&report)?;
    } else if report.ok {
        println!("\"{}\": all steps passed{with}.", report.connection);
    }
    if !report.ok {
        if !json {
            eprintln!("error: the test of \"{}\"{with} failed.", report.connection);
        }
        return Ok(ExitCode::FAILURE);
    }
    Ok(ExitCode::SUCCESS)
}
