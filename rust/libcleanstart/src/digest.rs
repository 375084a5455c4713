//! SHA-256 digests of file contents, written as 64 lower-case hex digits (the form `sha256sum`,
//! OCI descriptors and the runtime policy use).

use sha2::{Digest, Sha256};
use std::io::{self, Read};

/// The SHA-256 of everything `reader` yields, as lower-case hex.
pub fn sha256_hex(mut reader: impl Read) -> io::Result<String> {
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(hasher.finalize().iter().map(|b| format!("{b:02x}")).collect())
}

/// Whether `text` is a SHA-256 digest written as 64 lower-case hex digits.
pub fn is_sha256_hex(text: &str) -> bool {
    text.len() == 64 && text.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_digests() {
        assert_eq!(sha256_hex(&b""[..]).unwrap(), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        // Longer than one read buffer, so the chunking is exercised.
        let big = vec![b'a'; 200_000];
        let expected = std::process::Command::new("sha256sum").stdin(std::process::Stdio::piped()).stdout(std::process::Stdio::piped()).spawn().and_then(|mut c| {
            io::Write::write_all(c.stdin.as_mut().unwrap(), &big)?;
            drop(c.stdin.take());
            c.wait_with_output()
        });
        let expected = String::from_utf8(expected.unwrap().stdout).unwrap();
        assert_eq!(sha256_hex(&big[..]).unwrap(), expected.split_whitespace().next().unwrap());
    }

    #[test]
    fn hex_form_is_checked() {
        assert!(is_sha256_hex(&"0".repeat(64)));
        assert!(!is_sha256_hex(&"0".repeat(63)));
        assert!(!is_sha256_hex(&"A".repeat(64)), "upper case is not the canonical form");
        assert!(!is_sha256_hex(&"g".repeat(64)));
    }
}
