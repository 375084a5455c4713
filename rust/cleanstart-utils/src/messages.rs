//! Error texts as GNU tools print them.

use std::io;

/// The text of an I/O error as GNU tools print it ("No such file or directory"), without the
/// " (os error 2)" suffix Rust adds.
pub use libcleanstart::io_message::io_message;

/// `anyhow` errors print their whole chain; those holding an I/O error keep GNU's wording.
pub fn error_chain(e: &anyhow::Error) -> String {
    e.chain()
        .map(|cause| match cause.downcast_ref::<io::Error>() {
            Some(io) => io_message(io),
            None => cause.to_string(),
        })
        .collect::<Vec<_>>()
        .join(": ")
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
        let chained = anyhow::Error::new(e).context("/nonexistent/x");
        assert_eq!(super::error_chain(&chained), "/nonexistent/x: No such file or directory");
    }
}
