//! Against the real OS keychain (Secret Service on Linux). Run inside a session bus
//! with an unlocked GNOME Keyring; see scripts/test.sh.

use latchkey_core::{ExposeSecret, SecretValue};
use latchkey_keychain::{CredentialStore, KeychainError, OsKeychain, new_handle};

fn keychain() -> OsKeychain {
    OsKeychain::new(format!("latchkey-test-{}", uuid_like()))
}

fn uuid_like() -> String {
    new_handle("ns").replace('/', "-")
}

#[test]
fn set_get_delete_round_trip_in_the_real_keychain() {
    let kc = keychain();
    let handle = new_handle("connection");
    let canary = "canary-keychain-9c41e7";
    kc.set(&handle, &SecretValue::from(canary.to_owned()))
        .expect("set in the real keychain");
    assert_eq!(kc.get(&handle).unwrap().expose_secret(), canary);

    // Overwrite keeps one entry with the new value.
    kc.set(&handle, &SecretValue::from("second".to_owned()))
        .unwrap();
    assert_eq!(kc.get(&handle).unwrap().expose_secret(), "second");

    kc.delete(&handle).unwrap();
    assert!(matches!(kc.get(&handle), Err(KeychainError::NotFound(_))));
    // Deleting twice is fine.
    kc.delete(&handle).unwrap();
}

#[test]
fn namespaces_do_not_see_each_other() {
    let (a, b) = (keychain(), keychain());
    let handle = new_handle("connection");
    a.set(&handle, &SecretValue::from("only-in-a".to_owned()))
        .unwrap();
    assert!(matches!(b.get(&handle), Err(KeychainError::NotFound(_))));
    a.delete(&handle).unwrap();
}

#[test]
fn the_value_is_visible_to_the_platform_tool() {
    // secret-tool (libsecret) reads what keyring wrote: it really is in the Secret Service.
    let kc = keychain();
    let handle = new_handle("connection");
    kc.set(&handle, &SecretValue::from("via-secret-tool".to_owned()))
        .unwrap();
    let out = std::process::Command::new("secret-tool")
        .args(["lookup", "service", kc.service(), "username", &handle])
        .output();
    if let Ok(out) = out {
        assert!(
            out.status.success(),
            "secret-tool lookup failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert_eq!(
            String::from_utf8_lossy(&out.stdout).trim(),
            "via-secret-tool"
        );
    } else {
        panic!("secret-tool is not installed (apt-get install libsecret-tools)");
    }
    kc.delete(&handle).unwrap();
}
