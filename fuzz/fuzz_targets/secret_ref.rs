//! Fuzzes the secret reference parser: it never panics, and whatever it accepts
//! formats to a canonical text that parses back to the same reference.
//! Run: `cargo fuzz run secret_ref` (cargo-fuzz); CI checks that it builds.
#![no_main]

use latchkey_core::SecretRef;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(r) = SecretRef::parse(text) {
        let canonical = r.to_string();
        let again = SecretRef::parse(&canonical).expect("canonical text parses");
        assert_eq!(again, r);
        assert_eq!(again.to_string(), canonical);
    }
});
