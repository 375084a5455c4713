//! Policy text.
#![no_main]
#![forbid(unsafe_code)]

use cning::policy::Policy;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        if let Ok(policy) = Policy::parse(text) {
            let _ = policy.allowed("/usr/bin/x");
        }
    }
});
