//! `latchkey providers …`: secrets managers, from the same declaration as the app's
//! setup form. Plain settings come from `--set`; a secret (a token, a secret key) only
//! from an environment variable or stdin, never from the command line.

use std::collections::BTreeMap;
use std::io::{IsTerminal, Read};
use std::process::ExitCode;

use clap::Subcommand;
use latchkey_core::{FieldInput, FieldView, ManagerSpec, ProviderKind, SecretValue};
use latchkey_engine::{
    CachePolicy, Engine, EngineError, ProjectSummary, ProviderInput, ProviderView, WatchPolicy,
};

use super::project_id;
use crate::print::{print_field, print_field_errors, print_json, print_table, usage_error};

#[derive(Subcommand)]
pub enum Action {
    /// Every kind of secrets manager, or one kind's fields (the same declaration the
    /// app's setup form uses).
    Types {
        /// Only this kind (aws_secrets_manager, vault, azure_key_vault,
        /// gcp_secret_manager, conjur).
        kind: Option<String>,
    },
    /// List the secrets managers: kind, where each points, how it signs in, its scope
    /// and how many connections use it.
    List,
    /// Add a secrets manager. Plain settings with `--set KEY=VALUE`; secrets only with
    /// `--secret-env KEY=ENVVAR` or `--secret-stdin KEY`. Checked like the form.
    Add {
        /// The kind: aws_secrets_manager, vault, azure_key_vault.
        #[arg(long, value_name = "KIND")]
        kind: String,
        /// The alias references name it by (secret://ALIAS/...).
        #[arg(long)]
        alias: String,
        /// The project it belongs to (project mode).
        #[arg(long, value_name = "NAME")]
        project: Option<String>,
        #[command(flatten)]
        fields: FieldArgs,
        /// Seconds a fetched value stays in the cache (0: no caching; default 3600).
        #[arg(long, value_name = "SECS")]
        cache_ttl: Option<u32>,
        #[command(flatten)]
        watch: WatchArgs,
    },
    /// Change a secrets manager's settings: stored secrets are kept unless given again
    /// (never sent to a changed address: type them again then).
    Edit {
        /// The manager's alias.
        alias: String,
        /// The project it belongs to, when several projects have a manager of that alias.
        #[arg(long, value_name = "NAME")]
        project: Option<String>,
        #[command(flatten)]
        fields: FieldArgs,
        /// Clear a field (repeat).
        #[arg(long = "unset", value_name = "KEY")]
        unset: Vec<String>,
        /// Seconds a fetched value stays in the cache (0: no caching).
        #[arg(long, value_name = "SECS")]
        cache_ttl: Option<u32>,
        #[command(flatten)]
        watch: WatchArgs,
        /// Rename the manager; references that name it follow once confirmed with --yes.
        #[arg(long, value_name = "ALIAS")]
        rename: Option<String>,
        /// Confirm a rename that rewrites references.
        #[arg(long)]
        yes: bool,
    },
    /// Sign in and try to list secrets: a stored manager by alias, or unsaved settings
    /// with --kind.
    Test {
        /// The stored manager's alias.
        #[arg(required_unless_present = "kind", conflicts_with = "kind")]
        alias: Option<String>,
        /// Test unsaved settings of this kind instead.
        #[arg(long, value_name = "KIND")]
        kind: Option<String>,
        /// The project the manager belongs to (or, with --kind, would belong to).
        #[arg(long, value_name = "NAME")]
        project: Option<String>,
        #[command(flatten)]
        fields: FieldArgs,
        /// Leave a stored field out of the test (repeat).
        #[arg(long = "unset", value_name = "KEY")]
        unset: Vec<String>,
    },
    /// The call meter: calls Latchkey made to the manager in the last hour and day (by
    /// operation and outcome, throttles included), the cache hit ratio, and the
    /// rotation watch's last look.
    Stats {
        /// The manager's alias.
        alias: String,
        #[arg(long, value_name = "NAME")]
        project: Option<String>,
    },
    /// Run the rotation watch once now: read the metadata (never a value) of the
    /// secrets in use and mark those with a new version "rotated upstream".
    Watch {
        /// The manager's alias.
        alias: String,
        #[arg(long, value_name = "NAME")]
        project: Option<String>,
    },
    /// Delete a secrets manager that no connection uses (its keychain entries too).
    Delete {
        /// The manager's alias.
        alias: String,
        /// The project it belongs to, when several projects have a manager of that alias.
        #[arg(long, value_name = "NAME")]
        project: Option<String>,
        /// Confirm.
        #[arg(long)]
        yes: bool,
    },
}

/// A form's fields on the command line.
#[derive(clap::Args)]
pub struct FieldArgs {
    /// A plain field, KEY=VALUE (repeat). Defaults fill the rest.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    set: Vec<String>,
    /// A secret field from an environment variable, KEY=ENVVAR (repeat):
    /// `--secret-env token=VAULT_TOKEN` reads $VAULT_TOKEN.
    #[arg(long = "secret-env", value_name = "KEY=ENVVAR")]
    secret_env: Vec<String>,
    /// A secret field read from stdin (one value; the trailing newline is dropped).
    #[arg(long = "secret-stdin", value_name = "KEY")]
    secret_stdin: Option<String>,
}

/// The rotation watch's settings on the command line.
#[derive(clap::Args)]
pub struct WatchArgs {
    /// Seconds between the rotation watch's looks (0: off; default 300).
    #[arg(long, value_name = "SECS")]
    watch_interval: Option<u32>,
    /// Refresh and re-test the connections of a secret the watch finds rotated.
    #[arg(long, value_name = "BOOL")]
    watch_refresh: Option<bool>,
    /// At most this many calls to the manager per look (default 100).
    #[arg(long, value_name = "N")]
    watch_max_calls: Option<u32>,
}

impl WatchArgs {
    fn apply(&self, input: ProviderInput, before: WatchPolicy) -> ProviderInput {
        if self.watch_interval.is_none()
            && self.watch_refresh.is_none()
            && self.watch_max_calls.is_none()
        {
            return input;
        }
        input.with_watch(WatchPolicy {
            interval_secs: self.watch_interval.unwrap_or(before.interval_secs),
            refresh_and_test: self.watch_refresh.unwrap_or(before.refresh_and_test),
            max_calls: self.watch_max_calls.unwrap_or(before.max_calls),
        })
    }
}

/// An argument the CLI refuses before asking the engine (exit 2).
struct Usage {
    field: String,
    message: String,
}

impl Usage {
    fn new(field: &str, message: String) -> Self {
        Self {
            field: field.into(),
            message,
        }
    }
}

pub async fn run(engine: &Engine, action: Action, json: bool) -> Result<ExitCode, EngineError> {
    match action {
        Action::Types { kind } => types(engine, kind.as_deref(), json),
        Action::List => list(engine, json).await,
        Action::Add {
            kind,
            alias,
            project,
            fields,
            cache_ttl,
            watch,
        } => {
            let kind = parse_kind(&kind)?;
            let spec = spec_of(engine, kind);
            let project_id = project_id(engine, project.as_deref()).await?;
            let mut input = ProviderInput::new(&alias, kind, &[]).in_project(project_id.as_deref());
            if let Some(ttl_secs) = cache_ttl {
                input = input.with_cache(CachePolicy {
                    ttl_secs,
                    ..CachePolicy::default()
                });
            }
            input = watch.apply(input, WatchPolicy::default());
            if let Err(u) = apply(&spec, &mut input.fields, &[], fields) {
                return Ok(usage_error(&u.field, &u.message, json));
            }
            saved("added", engine.create_provider(input).await, json)
        }
        Action::Edit {
            alias,
            project,
            fields,
            unset,
            cache_ttl,
            watch,
            rename,
            yes,
        } => {
            let view = find(engine, &alias, project.as_deref()).await?;
            let spec = spec_of(engine, view.kind);
            let mut input = stored_input(&view);
            input = watch.apply(input, view.watch);
            if let Some(new) = rename {
                input.alias = new;
            }
            if yes {
                input = input.confirming_rename();
            }
            if let Some(ttl_secs) = cache_ttl {
                input = input.with_cache(CachePolicy {
                    ttl_secs,
                    stale_if_error: view.cache.stale_if_error,
                });
            }
            if let Err(u) = apply(&spec, &mut input.fields, &unset, fields) {
                return Ok(usage_error(&u.field, &u.message, json));
            }
            saved(
                "updated",
                engine.update_provider(&view.id, input).await,
                json,
            )
        }
        Action::Test {
            alias,
            kind,
            project,
            fields,
            unset,
        } => {
            let (id, spec, mut input) = match (alias, kind) {
                (Some(alias), _) => {
                    let view = find(engine, &alias, project.as_deref()).await?;
                    let spec = spec_of(engine, view.kind);
                    (Some(view.id.clone()), spec, stored_input(&view))
                }
                (None, Some(kind)) => {
                    let kind = parse_kind(&kind)?;
                    let spec = spec_of(engine, kind);
                    let project_id = project_id(engine, project.as_deref()).await?;
                    // Unsaved settings: the kind's id names them in the audit log.
                    let input = ProviderInput::new(kind.as_str(), kind, &[])
                        .in_project(project_id.as_deref());
                    (None, spec, input)
                }
                (None, None) => {
                    return Ok(usage_error(
                        "alias",
                        "Name a stored secrets manager (latchkey providers test ALIAS), or test unsaved settings with --kind KIND.",
                        json,
                    ));
                }
            };
            if let Err(u) = apply(&spec, &mut input.fields, &unset, fields) {
                return Ok(usage_error(&u.field, &u.message, json));
            }
            let check = match engine.test_provider(id.as_deref(), input).await {
                Ok(check) => check,
                Err(EngineError::Validation(errors)) => {
                    return Ok(print_field_errors(errors, json));
                }
                Err(e) => return Err(e),
            };
            if json {
                print_json(&check)?;
            } else {
                println!("signed in as {}", check.identity);
                if check.can_list {
                    println!("listing secrets works");
                } else {
                    println!(
                        "listing secrets failed: {}",
                        check.list_error.as_deref().unwrap_or("no detail given")
                    );
                }
            }
            Ok(if check.can_list {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Action::Stats { alias, project } => {
            let view = find(engine, &alias, project.as_deref()).await?;
            let stats = engine.provider_stats(&view.id).await?;
            if json {
                return print_json(&stats).map(|()| ExitCode::SUCCESS);
            }
            println!("calls to \"{}\"", stats.provider);
            print_table(
                &["OPERATION", "OUTCOME", "LAST HOUR", "LAST DAY"],
                stats
                    .calls
                    .iter()
                    .map(|c| {
                        vec![
                            c.op.clone(),
                            c.outcome.clone(),
                            c.last_hour.to_string(),
                            c.last_day.to_string(),
                        ]
                    })
                    .collect(),
            );
            println!(
                "cache hits: {} in the last hour, {} in the last day; hit ratio (day): {}",
                stats.cache_hits_hour,
                stats.cache_hits_day,
                stats
                    .hit_ratio_day
                    .map_or("-".to_owned(), |r| format!("{:.0}%", r * 100.0))
            );
            let w = &stats.watch;
            if w.policy.interval_secs == 0 {
                println!("rotation watch: off");
            } else {
                println!(
                    "rotation watch: every {} s; last look {} ({}): {}; next {}",
                    w.policy.interval_secs,
                    w.last_run_at.as_deref().unwrap_or("never"),
                    w.outcome.as_deref().unwrap_or("-"),
                    w.detail.as_deref().unwrap_or("-"),
                    w.next_run_at.as_deref().unwrap_or("when the app runs"),
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Action::Watch { alias, project } => {
            let view = find(engine, &alias, project.as_deref()).await?;
            let report = engine.watch_now(&view.id).await?;
            if json {
                print_json(&report)?;
            } else {
                println!(
                    "{}: {} ({})",
                    report.provider, report.outcome, report.detail
                );
                for r in &report.rotated {
                    println!(
                        "rotated upstream: {} {} → {}; used by {}",
                        r.reference,
                        r.from.as_deref().unwrap_or("-"),
                        r.to.as_deref().unwrap_or("-"),
                        r.connections.join(", ")
                    );
                }
            }
            Ok(if report.outcome == "ok" || report.outcome == "idle" {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
        }
        Action::Delete {
            alias,
            project,
            yes,
        } => {
            let view = find(engine, &alias, project.as_deref()).await?;
            if !yes {
                return Err(EngineError::field(
                    "yes",
                    format!(
                        "Deleting \"{}\" removes its settings and its keychain entries: add --yes.",
                        view.alias
                    ),
                ));
            }
            engine.delete_provider(&view.id).await?;
            if json {
                print_json(&serde_json::json!({ "deleted": view.alias, "id": view.id }))?;
            } else {
                println!("deleted {}", view.alias);
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// A kind's declaration, as the engine gives it.
fn spec_of(engine: &Engine, kind: ProviderKind) -> ManagerSpec {
    engine
        .provider_types()
        .into_iter()
        .find(|s| s.kind == kind)
        .expect("the engine declares every kind")
}

fn parse_kind(text: &str) -> Result<ProviderKind, EngineError> {
    ProviderKind::parse(text).ok_or_else(|| {
        EngineError::field(
            "kind",
            format!("\"{text}\" is not a kind of secrets manager: see `latchkey providers types`."),
        )
    })
}

fn types(engine: &Engine, kind: Option<&str>, json: bool) -> Result<ExitCode, EngineError> {
    let specs = engine.provider_types();
    let Some(kind) = kind else {
        if json {
            return print_json(&specs).map(|()| ExitCode::SUCCESS);
        }
        for s in &specs {
            println!(
                "{:<20} {}{}",
                s.kind.as_str(),
                s.label,
                if s.available { "" } else { " (not yet)" }
            );
        }
        return Ok(ExitCode::SUCCESS);
    };
    let kind = parse_kind(kind)?;
    let specs: Vec<ManagerSpec> = specs.into_iter().filter(|s| s.kind == kind).collect();
    if json {
        return print_json(&specs).map(|()| ExitCode::SUCCESS);
    }
    for s in &specs {
        println!(
            "{} — {}{}: {}",
            s.kind.as_str(),
            s.label,
            if s.available { "" } else { " (not yet)" },
            s.description
        );
        if !s.intro.is_empty() {
            println!("  {}", s.intro);
        }
        for f in &s.fields {
            print_field(f, true);
        }
        for n in &s.notes {
            let when = n.show_when.as_ref().map_or(String::new(), |w| {
                format!(" (when {} is {})", w.field, w.values.join("|"))
            });
            println!();
            println!("  {}{when}: {}", n.title, n.text);
        }
        println!();
    }
    Ok(ExitCode::SUCCESS)
}

/// `workspace`, or the project's name.
fn scope_name(projects: &[ProjectSummary], id: &Option<String>) -> String {
    match id {
        None => "workspace".to_owned(),
        Some(id) => projects
            .iter()
            .find(|p| &p.project.id == id)
            .map_or_else(|| id.clone(), |p| p.project.name.clone()),
    }
}

async fn list(engine: &Engine, json: bool) -> Result<ExitCode, EngineError> {
    let providers = engine.list_providers().await?;
    if json {
        return print_json(&providers).map(|()| ExitCode::SUCCESS);
    }
    let projects = engine.list_projects().await?;
    let rows = providers
        .iter()
        .map(|p| {
            vec![
                p.alias.clone(),
                p.kind_label.clone(),
                p.target.clone(),
                p.auth_label.clone(),
                scope_name(&projects, &p.project_id),
                p.used_by.len().to_string(),
            ]
        })
        .collect();
    print_table(
        &["ALIAS", "KIND", "TARGET", "SIGN-IN", "SCOPE", "USED BY"],
        rows,
    );
    Ok(ExitCode::SUCCESS)
}

/// The one manager with this alias (any case); `--project` chooses when several
/// projects have one.
async fn find(
    engine: &Engine,
    alias: &str,
    project: Option<&str>,
) -> Result<ProviderView, EngineError> {
    let project_id = project_id(engine, project).await?;
    let mut named: Vec<ProviderView> = engine
        .list_providers()
        .await?
        .into_iter()
        .filter(|p| p.alias.eq_ignore_ascii_case(alias))
        .filter(|p| project.is_none() || p.project_id == project_id)
        .collect();
    match named.len() {
        1 => Ok(named.remove(0)),
        0 => Err(EngineError::NotFound(match project {
            Some(project) => format!(
                "No secrets manager of project \"{project}\" has the alias \"{alias}\": see `latchkey providers list`."
            ),
            None => format!(
                "No secrets manager has the alias \"{alias}\": see `latchkey providers list`."
            ),
        })),
        n => {
            let projects = engine.list_projects().await?;
            let scopes: Vec<String> = named
                .iter()
                .map(|p| scope_name(&projects, &p.project_id))
                .collect();
            Err(EngineError::field(
                "project",
                format!(
                    "{n} secrets managers have the alias \"{alias}\" ({}): add --project NAME.",
                    scopes.join(", ")
                ),
            ))
        }
    }
}

/// A stored manager as a form: its plain settings, and every stored secret kept.
fn stored_input(view: &ProviderView) -> ProviderInput {
    let mut input =
        ProviderInput::new(&view.alias, view.kind, &[]).in_project(view.project_id.as_deref());
    for (key, value) in &view.fields {
        let field = match value {
            FieldView::Plain { value } => FieldInput::Plain {
                value: value.clone(),
            },
            FieldView::Literal => FieldInput::KeepLiteral,
            FieldView::Secret { reference } => FieldInput::Secret {
                reference: reference.clone(),
            },
        };
        input.fields.insert(key.clone(), field);
    }
    input
}

/// Applies the command line to a form: `unset` first, then `--set` (plain fields
/// only), then the secrets from the environment and stdin. A secret is never taken
/// from `--set`, and no secret value is ever echoed.
fn apply(
    spec: &ManagerSpec,
    fields: &mut BTreeMap<String, FieldInput>,
    unset: &[String],
    args: FieldArgs,
) -> Result<(), Usage> {
    for key in unset {
        fields.remove(key);
    }
    let secret_hint =
        |key: &str| format!("--secret-env {key}=ENVVAR (reads $ENVVAR) or --secret-stdin {key}");
    for pair in &args.set {
        // The text is not echoed: it may be a secret typed without its `=`.
        let Some((key, value)) = pair.split_once('=').filter(|(k, _)| is_name(k)) else {
            return Err(Usage::new(
                "set",
                "--set takes KEY=VALUE with KEY a field name, such as --set region=eu-west-1 (the fields: latchkey providers types KIND).".into(),
            ));
        };
        if spec.field(key).is_some_and(|f| f.kind.is_secret()) {
            return Err(Usage::new(
                key,
                format!(
                    "{key} is a secret: secrets never go on the command line. Pass it with {}.",
                    secret_hint(key)
                ),
            ));
        }
        fields.insert(
            key.to_owned(),
            FieldInput::Plain {
                value: value.to_owned(),
            },
        );
    }
    for pair in &args.secret_env {
        // Neither part is echoed unless it is a name: `token=$VAULT_TOKEN` would have
        // the shell put the secret itself here.
        let Some((key, var)) = pair
            .split_once('=')
            .filter(|(k, v)| is_name(k) && is_env_name(v))
        else {
            return Err(Usage::new(
                "secret-env",
                "--secret-env takes KEY=ENVVAR with the variable's NAME, such as --secret-env token=VAULT_TOKEN (not $VAULT_TOKEN: the shell would put the secret itself on the command line).".into(),
            ));
        };
        let value = match std::env::var(var) {
            Ok(value) => value,
            Err(std::env::VarError::NotPresent) => {
                return Err(Usage::new(
                    key,
                    format!(
                        "The environment variable {var} (for {key}) is not set: export it, or use --secret-stdin {key}."
                    ),
                ));
            }
            Err(std::env::VarError::NotUnicode(_)) => {
                return Err(Usage::new(
                    key,
                    format!("The environment variable {var} (for {key}) is not valid UTF-8."),
                ));
            }
        };
        fields.insert(
            key.to_owned(),
            FieldInput::Literal {
                value: SecretValue::from(value),
            },
        );
    }
    if let Some(key) = &args.secret_stdin {
        let value = read_stdin(key)
            .map_err(|e| Usage::new(key, format!("Could not read {key} from stdin: {e}.")))?;
        fields.insert(key.clone(), FieldInput::Literal { value });
    }
    Ok(())
}

/// A field name as declarations spell them.
fn is_name(s: &str) -> bool {
    (1..=64).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

/// An environment variable's name.
fn is_env_name(s: &str) -> bool {
    (1..=128).contains(&s.len())
        && !s.starts_with(|c: char| c.is_ascii_digit())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// The most a secret read from stdin may be.
const STDIN_LIMIT: u64 = 64 * 1024;

/// One value from a pipe, without its trailing newline. A terminal is refused: what is
/// typed there is shown on the screen and kept in its scrollback.
fn read_stdin(key: &str) -> std::io::Result<SecretValue> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        return Err(std::io::Error::other(format!(
            "stdin is a terminal, where {key} would be shown as it is typed: pipe it in (printf %s \"$SECRET\" | latchkey …), or use --secret-env {key}=ENVVAR"
        )));
    }
    let mut text = String::new();
    stdin
        .lock()
        .take(STDIN_LIMIT + 1)
        .read_to_string(&mut text)?;
    if text.len() as u64 > STDIN_LIMIT {
        return Err(std::io::Error::other(format!(
            "more than {} KiB came in: a secret is shorter",
            STDIN_LIMIT / 1024
        )));
    }
    let len = text
        .strip_suffix('\n')
        .map_or(text.len(), |t| t.strip_suffix('\r').unwrap_or(t).len());
    text.truncate(len);
    Ok(SecretValue::from(text))
}

/// `added ALIAS (KIND, TARGET)`, or the view as JSON; a refused form's field errors.
fn saved(
    verb: &str,
    result: Result<ProviderView, EngineError>,
    json: bool,
) -> Result<ExitCode, EngineError> {
    let v = match result {
        Ok(v) => v,
        Err(EngineError::Validation(errors)) => return Ok(print_field_errors(errors, json)),
        Err(e) => return Err(e),
    };
    if json {
        print_json(&v)?;
    } else {
        println!("{verb} {} ({}, {})", v.alias, v.kind_label, v.target);
    }
    Ok(ExitCode::SUCCESS)
}
