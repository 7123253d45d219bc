//! # latchkey-core
//!
//! Latchkey's domain model, with no I/O: workspace settings and the secrets mode,
//! projects, secrets-manager configs, connections and their fields, the connection
//! catalogue (which fields each connection type has and how they are validated),
//! [`SecretRef`] with its text syntax, and [`SecretValue`], the one type secret values
//! travel in.
//!
//! Every other Latchkey crate depends on this one; it depends on none of them.

pub mod catalog;
pub mod error;
pub mod model;
pub mod secret_ref;
pub mod sensitive;
pub mod settings;
pub mod validate;

pub use catalog::{
    Choice, ConnectionKind, Declaration, FieldKind, FieldSpec, ManagerSpec, NoteExtra, NoteSpec,
    ShowWhen, TypeSpec,
};
pub use error::{ApiError, ErrorCode};
pub use model::AuditQuery;
pub use model::*;
pub use secret_ref::{SecretRef, SecretRefError, SecretVersion};
pub use sensitive::{ExposeSecret, SecretValue};
pub use settings::Settings;
pub use validate::{FieldError, FieldErrors};

/// Derives `specta::Type` only when the `specta` feature is on (the desktop host
/// turns it on to generate its TypeScript bindings).
#[macro_export]
#[doc(hidden)]
macro_rules! ipc_type {
    ($item:item) => {
        #[cfg_attr(feature = "specta", derive(specta::Type))]
        $item
    };
}
