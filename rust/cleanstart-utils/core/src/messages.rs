//! Error texts as GNU tools print them.

use std::io;

/// The text of an I/O error as GNU tools print it ("No such file or directory"), without the
/// " (os error 2)" suffix Rust adds. The init's `libcleanstart::io_message` words errors the same
/// way; the utilities keep their own so that no utility links libcleanstart for four lines.
pub fn io_message(e: &io::Error) -> String {
    let text = e.to_string();
    text.find(" (os error").map_or(text.clone(), |i| text[..i].to_string())
}

/// Quotes a name in a message as GNU does: typographic quotes in UTF-8 locales, else ASCII.
pub fn quote(text: &str) -> String {
    let locale = ["LC_ALL", "LC_MESSAGES", "LANG"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.is_empty()))
        .unwrap_or_default()
        .to_ascii_lowercase();
    if locale.contains("utf-8") || locale.contains("utf8") {
        format!("\u{2018}{text}\u{2019}")
    } else {
        format!("'{text}'")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn drops_the_os_error_suffix() {
        let e = std::fs::File::open("/nonexistent/x").unwrap_err();
        assert_eq!(super::io_message(&e), "No such file or directory");
        assert_eq!(super::io_message(&std::io::Error::other("plain text")), "plain text");
    }
}
