//! The committed TypeScript bindings must match what the Rust commands generate.
//! `LATCHKEY_UPDATE_BINDINGS=1 cargo test -p latchkey-desktop --test bindings` rewrites them.

#[test]
fn committed_bindings_are_fresh() {
    let committed = std::path::Path::new(latchkey_desktop::ipc::BINDINGS_PATH);
    if std::env::var_os("LATCHKEY_UPDATE_BINDINGS").is_some() {
        latchkey_desktop::ipc::export(committed).unwrap();
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let fresh = dir.path().join("bindings.ts");
    latchkey_desktop::ipc::export(&fresh).unwrap();
    let want = std::fs::read_to_string(&fresh).unwrap();
    let have = std::fs::read_to_string(committed).unwrap_or_default();
    assert!(
        want == have,
        "ui/src/ipc/bindings.ts is stale: run scripts/bindings.sh and commit the result"
    );
}
