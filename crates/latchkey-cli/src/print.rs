//! How the CLI shows things: JSON, tables, a test's steps, a declared field, errors.
//! Formatting only; what is shown comes from the engine.

use std::process::ExitCode;

use latchkey_core::{ApiError, FieldError, FieldKind, FieldSpec};
use latchkey_engine::{EngineError, StepReport};

/// Exit status for bad usage (as clap uses for its own refusals).
pub const USAGE: u8 = 2;

pub fn print_json<T: serde::Serialize>(value: &T) -> Result<(), EngineError> {
    println!(
        "{}",
        serde_json::to_string_pretty(value).map_err(|e| EngineError::Internal(e.to_string()))?
    );
    Ok(())
}

pub fn print_table(headers: &[&str], rows: Vec<Vec<String>>) {
    if rows.is_empty() {
        println!("(none)");
        return;
    }
    let mut widths: Vec<usize> = headers.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(headers.to_vec());
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
}

/// `a, b, c`, or `none`.
pub fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".into()
    } else {
        items.join(", ")
    }
}

pub fn print_step(step: &StepReport) {
    use latchkey_engine::StepOutcome;
    let mark = match step.outcome {
        StepOutcome::Ok => "ok  ",
        StepOutcome::Failed => "FAIL",
        StepOutcome::Skipped => "skip",
    };
    println!(
        "{mark} {}. {:<22} {:>6} ms  {}",
        step.step, step.title, step.duration_ms, step.detail
    );
    if let (Some(code), Some(cause)) = (&step.code, &step.cause) {
        println!("       {code}: {cause}");
    }
    if let Some(fix) = &step.fix {
        println!("       fix: {fix}");
    }
}

/// One declared field on one line: key, kind, label, then what applies to it. `full`
/// adds what only the secrets managers' listing shows (required when, advanced, where
/// a secret comes from on the command line).
pub fn print_field(f: &FieldSpec, full: bool) {
    let mut notes = Vec::new();
    if f.required {
        notes.push("required".to_owned());
    }
    if let (true, Some(w)) = (full, &f.required_when) {
        notes.push(format!(
            "required when {} is {}",
            w.field,
            w.values.join("|")
        ));
    }
    if let Some(d) = &f.default {
        notes.push(format!("default {d}"));
    }
    if let Some(w) = &f.show_when {
        notes.push(format!("when {} is {}", w.field, w.values.join("|")));
    }
    if !f.choices.is_empty() {
        let c: Vec<_> = f.choices.iter().map(|c| c.value.as_str()).collect();
        notes.push(format!("one of {}", c.join("|")));
    }
    if full && f.advanced {
        notes.push("advanced".to_owned());
    }
    if full && f.kind == FieldKind::Secret {
        notes.push("secret: from the environment or stdin".to_owned());
    }
    let kind = format!("{:?}", f.kind).to_lowercase();
    println!(
        "  {:<22} {:<10} {:<28} {}",
        f.key,
        kind,
        f.label,
        notes.join("; ")
    );
}

/// A form the engine refused, field by field (`  KEY: message` on stderr), or as the
/// JSON error object on stdout. Exit 1.
pub fn print_field_errors(errors: Vec<FieldError>, json: bool) -> ExitCode {
    if json {
        let api: ApiError = EngineError::Validation(errors).into();
        println!(
            "{}",
            serde_json::to_string_pretty(&api).expect("errors serialize")
        );
    } else {
        eprintln!("error: the settings were refused:");
        for e in &errors {
            eprintln!("  {}: {}", e.field, e.message);
        }
    }
    ExitCode::FAILURE
}

/// Bad usage the CLI itself refuses (before asking the engine): the message on stderr,
/// or the JSON error object on stdout. Exit 2.
pub fn usage_error(field: &str, message: &str, json: bool) -> ExitCode {
    if json {
        let api: ApiError = EngineError::field(field, message).into();
        println!(
            "{}",
            serde_json::to_string_pretty(&api).expect("errors serialize")
        );
    } else {
        eprintln!("error: {message}");
    }
    ExitCode::from(USAGE)
}
