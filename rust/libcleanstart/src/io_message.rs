//! I/O errors as users should read them.

use std::io;

/// An I/O error's text without Rust's " (os error N)" suffix: `No such file or directory`.
pub fn io_message(e: &io::Error) -> String {
    let text = e.to_string();
    text.find(" (os error").map_or(text.clone(), |i| text[..i].to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn os_code_is_dropped() {
        let e = std::fs::metadata("/nonexistent/x").unwrap_err();
        assert_eq!(super::io_message(&e), "No such file or directory");
        assert_eq!(super::io_message(&std::io::Error::other("plain text")), "plain text");
    }
}
