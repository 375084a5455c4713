//! Digests of file contents, written as lower-case hex: SHA-256 as `sha256sum`, OCI descriptors
//! and the runtime policy write it, and any other [`Digest`] for the `*sum` utilities.

use sha2::{Digest, Sha256};
use std::io::{self, Read};

/// The SHA-256 of everything `reader` yields, as lower-case hex.
pub fn sha256_hex(reader: impl Read) -> io::Result<String> {
    digest_hex::<Sha256>(reader)
}

/// The digest `D` of everything `reader` yields, read in 64 KiB blocks, as lower-case hex.
pub fn digest_hex<D: Digest>(mut reader: impl Read) -> io::Result<String> {
    let mut hasher = D::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        match reader.read(&mut buf) {
            Ok(0) => break,
            Ok(n) => hasher.update(&buf[..n]),
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        }
    }
    Ok(hex(&hasher.finalize()))
}

fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        s.push(char::from(DIGITS[usize::from(b >> 4)]));
        s.push(char::from(DIGITS[usize::from(b & 0xf)]));
    }
    s
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
