// The app's own IPC commands, by name: one list shared by build.rs (which generates an
// `allow-<command>` permission for each), the capability file check in
// tests/security.rs, and nothing else. Keep it in step with `ipc::builder`.
pub const COMMANDS: &[&str] = &[
    "workspace_info",
    "connection_types",
    "list_projects",
    "create_project",
    "update_project",
    "delete_project",
    "list_connections",
    "get_connection",
    "create_connection",
    "update_connection",
    "delete_connection",
    "list_audit",
    "list_providers",
    "create_provider",
    "update_provider",
    "delete_provider",
    "test_provider",
    "list_secrets",
    "describe_secret",
    "secret_json_keys",
    "test_connection",
];
