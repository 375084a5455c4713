//! Arguments built from templates: `find -exec`'s `{}` and `xargs -I`'s replace string.

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::{OsStrExt, OsStringExt};

/// Replaces every `marker` in `arg` with `with`: `{}` for `-exec ... ;` (GNU find replaces it
/// wherever it occurs in an argument), the `-I` string for xargs.
pub fn replace_all(arg: &OsStr, marker: &[u8], with: &[u8]) -> OsString {
    let bytes = arg.as_bytes();
    if marker.is_empty() || !bytes.windows(marker.len()).any(|w| w == marker) {
        return arg.to_owned();
    }
    let mut out = Vec::with_capacity(bytes.len() + with.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(marker) {
            out.extend_from_slice(with);
            i += marker.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    OsString::from_vec(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn braces_are_replaced_everywhere_in_single_mode() {
        assert_eq!(replace_all(OsStr::new("a{}b{}"), b"{}", b"X"), "aXbX");
        assert_eq!(replace_all(OsStr::new("{"), b"{}", b"X"), "{");
        assert_eq!(replace_all(OsStr::new("a"), b"", b"X"), "a");
    }
}
