//! The error shape every host (desktop IPC, CLI `--json`) shows: data, not text.

use serde::{Deserialize, Serialize};

use crate::ipc_type;
use crate::validate::FieldError;

ipc_type! {
/// An error as the UI receives it. The UI branches on `code`, never on `message`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ApiError {
    /// A stable machine-readable code: `validation`, `not_found`, `conflict`,
    /// `keychain_unavailable`, `keychain`, `database`, `internal`.
    pub code: String,
    /// What failed and what to do about it. Never contains a secret value.
    pub message: String,
    /// The step of a multi-step operation that failed, when there is one.
    pub step: Option<String>,
    /// Per-field problems, for inline form errors.
    pub field_errors: Vec<FieldError>,
}
}
