//! Search path lists and the dynamic string tokens in them.
//!
//! glibc splits `DT_RPATH`/`DT_RUNPATH` on `:` and `LD_LIBRARY_PATH` on `:` and `;`; an empty
//! element is the working directory. It expands `$ORIGIN`, `$LIB` and `$PLATFORM` (also written
//! `${NAME}`), a name counting only when no identifier character follows it; an element whose
//! token has no value is dropped, and an unknown `$NAME` stays as written. musl splits on `:`
//! and newlines, skips empty elements and knows only `$ORIGIN`.

/// Values for the tokens of one object's lists.
#[derive(Debug, Clone, Copy, Default)]
pub struct Tokens<'a> {
    /// The directory of the object whose list it is.
    pub origin: Option<&'a str>,
    pub lib: Option<&'a str>,
    pub platform: Option<&'a str>,
    /// musl: only `$ORIGIN` is a token.
    pub musl: bool,
}

/// How a list is split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Separators {
    /// `DT_RPATH` and `DT_RUNPATH` under glibc.
    Colon,
    /// `LD_LIBRARY_PATH` under glibc.
    ColonOrSemicolon,
    /// Every list under musl, and its path file: `:` or newline, empty elements skipped.
    Musl,
}

/// The elements of a search path list, as written.
pub fn split(list: &str, how: Separators) -> Vec<&str> {
    match how {
        Separators::Colon => list.split(':').collect(),
        Separators::ColonOrSemicolon => list.split([':', ';']).collect(),
        Separators::Musl => list.split([':', '\n']).filter(|e| !e.is_empty()).collect(),
    }
}

/// One element with its tokens replaced and made absolute against `cwd`; `None` when it names a
/// token that has no value here (the loader drops such an element).
pub fn expand(element: &str, tokens: &Tokens, cwd: &str) -> Option<String> {
    let mut out = String::with_capacity(element.len());
    let mut rest = element;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        match token(after, tokens.musl) {
            Some((name, len)) => {
                let value = match name {
                    "ORIGIN" => tokens.origin,
                    "LIB" => tokens.lib,
                    _ => tokens.platform,
                };
                out.push_str(value?);
                rest = &after[len..];
            }
            None => {
                out.push('$');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    Some(absolute(&out, cwd))
}

/// The token at the start of `text` (just after a `$`) and how many bytes it takes.
fn token(text: &str, musl: bool) -> Option<(&'static str, usize)> {
    let names: &[&'static str] = if musl { &["ORIGIN"] } else { &["ORIGIN", "LIB", "PLATFORM"] };
    let (braced, body) = match text.strip_prefix('{') {
        Some(b) => (true, b),
        None => (false, text),
    };
    for name in names {
        let Some(tail) = body.strip_prefix(name) else { continue };
        if braced {
            if tail.starts_with('}') {
                return Some((name, name.len() + 2));
            }
        } else if musl || !tail.starts_with(|c: char| c.is_ascii_alphanumeric() || c == '_') {
            return Some((name, name.len()));
        }
    }
    None
}

/// `path` made absolute against `cwd`; an empty path is `cwd` itself.
pub fn absolute(path: &str, cwd: &str) -> String {
    if path.starts_with('/') {
        path.to_string()
    } else if path.is_empty() || path == "." {
        cwd.to_string()
    } else {
        format!("{}/{path}", cwd.trim_end_matches('/'))
    }
}

/// `dir/name`, without doubling a trailing slash.
pub fn join(dir: &str, name: &str) -> String {
    format!("{}/{name}", dir.trim_end_matches('/'))
}

/// The directory part of an absolute path (`/` for `/name`).
pub fn parent(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GLIBC: Tokens = Tokens { origin: Some("/opt/app/bin"), lib: Some("lib/x86_64-linux-gnu"), platform: Some("x86_64"), musl: false };

    #[test]
    fn glibc_tokens() {
        assert_eq!(expand("$ORIGIN/../lib", &GLIBC, "/").as_deref(), Some("/opt/app/bin/../lib"));
        assert_eq!(expand("${ORIGIN}/x", &GLIBC, "/").as_deref(), Some("/opt/app/bin/x"));
        assert_eq!(expand("/usr/$LIB/$PLATFORM", &GLIBC, "/").as_deref(), Some("/usr/lib/x86_64-linux-gnu/x86_64"));
        // An identifier character after the name: not a token, kept as written.
        assert_eq!(expand("/a/$ORIGINAL", &GLIBC, "/").as_deref(), Some("/a/$ORIGINAL"));
        assert_eq!(expand("/a/$HOME/b", &GLIBC, "/").as_deref(), Some("/a/$HOME/b"));
        // A token without a value drops the element.
        assert_eq!(expand("$ORIGIN/lib", &Tokens { origin: None, ..GLIBC }, "/"), None);
        assert_eq!(expand("lib", &GLIBC, "/srv").as_deref(), Some("/srv/lib"));
        assert_eq!(expand("", &GLIBC, "/srv").as_deref(), Some("/srv"));
    }

    #[test]
    fn musl_knows_only_origin() {
        let musl = Tokens { musl: true, ..GLIBC };
        assert_eq!(expand("$ORIGIN/x:$LIB", &musl, "/").as_deref(), Some("/opt/app/bin/x:$LIB"));
        assert_eq!(expand("$ORIGINAL", &musl, "/").as_deref(), Some("/opt/app/binAL"));
    }

    #[test]
    fn splitting() {
        assert_eq!(split("/a::/b", Separators::Colon), ["/a", "", "/b"]);
        assert_eq!(split("/a;/b:/c", Separators::ColonOrSemicolon), ["/a", "/b", "/c"]);
        assert_eq!(split("/a\n\n/b::/c\n", Separators::Musl), ["/a", "/b", "/c"]);
        assert_eq!(parent("/lib/x.so"), "/lib");
        assert_eq!(parent("/x"), "/");
        assert_eq!(join("/lib/", "x"), "/lib/x");
    }
}
